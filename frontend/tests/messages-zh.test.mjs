// No English on a zh-CN page where the server refuses something: a file
// refused as a whole (a header typo) is worded from its problems' codes in
// the Import tab; rejected rows name PostGIS's reasons, geometry types and
// towns (by name) in Chinese, and a GeoJSON file's duplicate by its
// feature; every kind of diary refusal the API gives (400 per field, 404,
// 403, 409, 429) is worded from its reason in the Diary tab; an admin
// without the household grant is told why the diary lists nothing (403); the
// audit log names layers in Chinese.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { demoAccounts, launch, openApp, shot } from './helpers.mjs';
import { refusal } from '../src/diary.js';

const LEADER = 'leader-321299101';

/** english finds English words left in text once the values we typed are taken out. */
const english = (text, typed = []) => {
  let s = text;
  for (const v of typed) s = s.split(v).join('');
  return s.match(/[A-Za-z]{3,}/g) || [];
};

async function zhPage(browser, user, opts = {}) {
  const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...opts });
  await context.addInitScript(() => localStorage.setItem('lianxin.lang', 'zh-CN'));
  const page = await context.newPage();
  await openApp(page, user);
  return { context, page };
}

async function importFile(page, { layer, name, body, mime = 'text/csv' }) {
  await page.click('#tab-imports');
  await page.selectOption('#import-layer', layer);
  await page.setInputFiles('#import-file', { name, mimeType: mime, buffer: Buffer.from(body) });
  await page.selectOption('#import-encoding', '');
  await page.setChecked('#import-skip-invalid', true);
  await page.setChecked('#import-dry-run', true);
  const before = await page.locator('#import-result').getAttribute('data-id');
  await page.click('#import-submit');
  await page.waitForFunction((id) => {
    const r = document.getElementById('import-result');
    return r && r.dataset.id && r.dataset.id !== id && document.getElementById('import-outcome');
  }, before, { timeout: 60000 });
}

describe('the Import tab on a zh-CN page', () => {
  let browser;
  let page;
  before(async () => {
    browser = await launch();
    ({ page } = await zhPage(browser, LEADER));
  });
  after(async () => browser?.close());

  test('a header typo is worded in Chinese, column by column', async () => {
    await importFile(page, {
      layer: 'visits', name: 'badhdr.csv',
      body: '流水号,队员号,户编号,走访时间,走访类型\nR1V0009,M0017,3212991032010003,2026-11-20 10:00,入户走访\n',
    });
    const text = await page.locator('#import-outcome').textContent();
    await shot(page, 'zh-import-badheader');
    assert.match(text, /表头第 1 列“流水号”不是可识别的列名/, `outcome: ${text}`);
    assert.match(text, /缺少必填列“日记编号”（也可写作 external_id、走访编号、记录编号、走访记录编号、日记号）/, `outcome: ${text}`);
    assert.deepEqual(english(text, ['badhdr.csv', 'external_id', 'member_code', 'id']), [], `English words in: ${text}`);
  });

  test('rejected rows: PostGIS reasons, geometry types and towns in Chinese', async () => {
    const body = 'code,name,town_code,kind,resident_population,registered_households,rural,petition_case,wkt\n'
      + '321299101901,甲村,321299101,村,100,30,是,否,"POLYGON((120.00 32.10,120.02 32.12,120.02 32.10,120.00 32.12,120.00 32.10))"\n'
      + '321299101902,乙村,321299101,村,100,30,是,否,POINT(120.01 32.11)\n'
      + '321299103901,丙村,321299103,村,100,30,是,否,"POLYGON((120.00 32.10,120.01 32.10,120.01 32.11,120.00 32.11,120.00 32.10))"\n';
    await importFile(page, { layer: 'villages', name: 'villages.csv', body });
    await page.locator('#import-rejects').waitFor();
    // The reasons column: file, line and field are the file's own words.
    const text = (await page.$$eval('#import-rejects tbody tr', (trs) => trs.map((tr) => tr.cells[tr.cells.length - 1].textContent))).join('\n');
    await shot(page, 'zh-import-rejects');
    assert.match(text, /几何图形无效：自相交，位于 /, `rejects: ${text}`);
    assert.match(text, /几何类型为 点，本图层要求 面/, `rejects: ${text}`);
    assert.match(text, /属于 南塘镇（321299103），不是您负责的镇；您负责：东岳镇（321299101）/, `rejects: ${text}`);
    assert.deepEqual(english(text), [], `English words in: ${text}`);
  });

  test('a GeoJSON duplicate names its first feature, not a line', async () => {
    const feature = (name) => ({
      type: 'Feature',
      properties: { code: '321299101903', name, town_code: '321299101', kind: '村', resident_population: 100, registered_households: 30 },
      geometry: { type: 'Polygon', coordinates: [[[120.0, 32.1], [120.01, 32.1], [120.01, 32.11], [120.0, 32.11], [120.0, 32.1]]] },
    });
    const body = JSON.stringify({ type: 'FeatureCollection', features: [feature('甲'), feature('乙')] });
    await importFile(page, { layer: 'villages', name: 'dup.geojson', body, mime: 'application/geo+json' });
    const outcome = await page.locator('#import-outcome').textContent();
    await page.locator('#import-rejects').waitFor({ timeout: 5000 }).catch(() => assert.fail(`no rejects; outcome: ${outcome}`));
    const text = await page.locator('#import-rejects').textContent();
    assert.match(text, /首次出现在第 1 个要素/, `rejects: ${text}`);
    assert.doesNotMatch(text, /首次出现在第 1 行/, `rejects: ${text}`);
  });

  test('a GeoJSON feature\'s geometry is named 几何, not geometry', async () => {
    const body = JSON.stringify({ type: 'FeatureCollection', features: [{
      type: 'Feature',
      properties: { code: '321299101904', name: '丁村', town_code: '321299101', kind: '村', resident_population: 100, registered_households: 30 },
      geometry: { type: 'LineString', coordinates: [[120.0, 32.1], [120.01, 32.11]] },
    }] });
    await importFile(page, { layer: 'villages', name: 'line.geojson', body, mime: 'application/geo+json' });
    const outcome = await page.locator('#import-outcome').textContent();
    await page.locator('#import-rejects').waitFor({ timeout: 5000 }).catch(() => assert.fail(`no rejects; outcome: ${outcome}`));
    const fields = await page.$$eval('#import-rejects tbody tr', (trs) => trs.map((tr) => tr.cells[2].textContent));
    const reasons = await page.$$eval('#import-rejects tbody tr', (trs) => trs.map((tr) => tr.cells[tr.cells.length - 1].textContent));
    assert.deepEqual(fields, ['几何'], `field column: ${fields}; reasons: ${reasons}`);
    assert.match(reasons.join('\n'), /几何类型为 线，本图层要求 面/, `rejects: ${reasons}`);
  });
});

describe('diary refusals on a zh-CN page', () => {
  let browser;
  let page;
  let member;
  before(async () => {
    member = [...demoAccounts().keys()].find((k) => k.startsWith('member-'));
    assert.ok(member, 'the demo accounts name a member');
    browser = await launch();
    ({ page } = await zhPage(browser, member, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }));
    await page.click('#tab-diary');
    await page.locator('#diary-form').waitFor();
  });
  after(async () => browser?.close());

  /** refusedText enqueues entry and waits for the server's refusal in the queue. */
  const refusedText = async (entry) => {
    await page.evaluate((e) => window.lianxin.diary.enqueue(e), entry);
    const li = page.locator(`#diary-queue li[data-id="${entry.id}"][data-state="rejected"]`);
    await li.waitFor({ timeout: 20000 });
    return li.locator('.error').textContent();
  };

  test('each refusal kind says why in Chinese', async () => {
    const mine = await page.evaluate(async () => (await (await fetch('/api/v1/diary?limit=1')).json()).entries);
    assert.ok(mine.length, 'the demo member has entries');
    const hh = mine[0].household;
    const now = new Date().toISOString();
    const base = (extra) => ({ id: `app-${randomUUID()}`, household: hh, kind: 'household_visit', notes: '', occurred_at: now, ...extra });
    const other = [...demoAccounts().keys()].filter((k) => k.startsWith('member-') && k !== member)[0].replace('member-', '');
    const cases = [
      ['400 id', { id: 'bad-id' }, /日记编号“bad-id”的格式不对/],
      ['400 kind', { kind: 'chat' }, /“chat”不是走访类型/],
      ['400 participants', { participants: -1 }, /人数和问题数应为 0 到/],
      ['400 problems', { problems_collected: 1, problems_resolved: 2 }, /解决的问题数（2）不能多于收集的问题数（1）/],
      ['400 notes', { notes: 'a\u0001b' }, /控制字符/],
      ['400 time', { occurred_at: 'yesterday' }, /走访时间“yesterday”不是时间/],
      ['400 future', { occurred_at: new Date(Date.now() + 3600e3).toISOString() }, /在将来/],
      ['400 before', { occurred_at: '2026-02-28 23:59' }, /早于活动开始（2026-03-01）/],
      ['400 place pair', { lon: 120.05 }, /经度和纬度要一起提供/],
      ['400 place outside', { lon: 116.39, lat: 39.91 }, /不在本县范围内/],
      ['400 field type', { participants: 'two' }, /填写格式不对（应为数字）/],
      ['400 unknown field', { member_id: 7 }, /无法识别的项/],
      ['404 household', { household: 'NO-SUCH-HH' }, /找不到这个农户编号（NO-SUCH-HH）/],
      ['403 another member', { member: other }, /队员只能以本人名义写日记/],
    ];
    for (const [name, extra, want] of cases) {
      const e = base(extra);
      const text = await refusedText(e);
      assert.match(text, want, `${name}: refusal ${text}`);
      assert.deepEqual(english(text, [e.id, e.household, String(extra.kind || ''), String(extra.occurred_at || ''), 'yesterday', 'bad-id', 'chat']), [], `${name}: English words in ${text}`);
    }
    // 409: an entry sent, then another with its id and other notes.
    const first = base({ notes: '第一次' });
    await page.evaluate((e) => window.lianxin.diary.enqueue(e), first);
    await page.locator(`#diary-queue li[data-id="${first.id}"]`).waitFor({ state: 'detached', timeout: 20000 });
    const text = await refusedText({ ...first, notes: '改过的' });
    assert.match(text, /编号已被另一条使用（已发送的那条内容不同）/, `409: refusal ${text}`);
    assert.deepEqual(english(text, [first.id]), [], `409: English words in ${text}`);
    await shot(page, 'zh-diary-refusals');
  });

  test('429: the day\'s entries used up says so in Chinese', async () => {
    // The account's limit takes 300 entries to reach; the answer the
    // server gives then (diary.Refuse, ERateLimited) is served for one
    // request.
    await page.route('**/api/v1/diary', (route) => (route.request().method() === 'POST'
      ? route.fulfill({
        status: 429, contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'rate_limited', message: 'you wrote 300 diary entries in the last 24 hours, the most one account may; keep this one and send it later', details: { reason: 'too_many', params: { n: 300 } } } }),
      }) : route.continue()), { times: 1 });
    const e = { id: `app-${randomUUID()}`, household: 'H-429', kind: 'household_visit', notes: '', occurred_at: new Date().toISOString() };
    await page.evaluate((x) => window.lianxin.diary.enqueue(x), e);
    await page.locator('#diary-notice:not([hidden])').waitFor({ timeout: 20000 });
    const text = await page.locator('#diary-notice').textContent();
    assert.match(text, /24 小时内写的日记已达上限/, `notice: ${text}`);
    assert.deepEqual(english(text, ['H-429']), [], `English words in ${text}`);
    await page.unroute('**/api/v1/diary');
    await page.evaluate((id) => window.lianxin.diary.discard?.(id), e.id);
  });

  test('the entries have one heading', async () => {
    const n = await page.evaluate(() => [...document.querySelectorAll('#view-diary h2, #view-diary caption')]
      .filter((el) => el.textContent.trim() === '最近的民情日记').length);
    assert.equal(n, 1, 'headings and captions reading 最近的民情日记');
  });
});

describe('the admin on a zh-CN page', () => {
  let browser;
  let page;
  before(async () => {
    browser = await launch();
    ({ page } = await zhPage(browser, 'admin'));
  });
  after(async () => browser?.close());

  test('the diary list without the household grant says why', async () => {
    const res = await page.evaluate(async () => {
      const r = await fetch('/api/v1/diary');
      return { status: r.status, body: await r.json() };
    });
    assert.equal(res.status, 403, `GET /api/v1/diary as admin: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.details.reason, 'read_needs_grant');
    assert.match(res.body.error.message, /^reading others' diary entries needs the household_points grant/);
    // The admin's page has no Diary tab; a page that lists anyway words
    // the refusal from its reason, as the Diary tab words the list's error.
    const text = refusal({ kind: 'forbidden', status: 403, code: 'forbidden', message: res.body.error.message, details: res.body.error.details });
    assert.match(text, /查看他人的民情日记需要“农户点位”授权/, `refusal: ${text}`);
    assert.deepEqual(english(text), [], `English words in ${text}`);
  });

  test('the audit log names layers in Chinese', async () => {
    await page.click('#tab-admin');
    await page.locator('#admin-audit-table').waitFor({ timeout: 20000 });
    const targets = await page.$$eval('#admin-audit-table tbody tr', (trs) => trs.map((tr) => tr.cells[3].textContent));
    await shot(page, 'zh-admin-audit');
    assert.ok(targets.some((x) => x.startsWith('走访（民情日记）')), `audit targets: ${targets.slice(0, 10).join(' | ')}`);
    for (const raw of ['households', 'visits', 'pmtiles']) {
      assert.ok(!targets.some((x) => x.split(' · ')[0] === raw), `a raw layer name ${raw} in: ${targets.slice(0, 10).join(' | ')}`);
    }
  });
});
