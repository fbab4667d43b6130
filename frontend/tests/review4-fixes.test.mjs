// A team leader's review on a phone (390×844, in Chinese), checked as the
// user sees it: a refused diary entry stays in the form as typed and goes
// once fixed (no second copy, its note kept); the correction dialog
// corrects the figures and flags; the diary search names members and
// villages and offers only the leader's towns; the live map writes village
// names and draws the diary's latest entries apart from the coverage
// classes, on the diary tab only, with a legend line; the members' table
// puts those below the ten-household rule first and keeps the name in view;
// one row of tabs; one form for dates and times, 今天 for today.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { BASE, PHONE, launch, mapIdle, memberSessions, openApp, setWeeks, shot } from './helpers.mjs';
import { TABLES } from '../src/i18n.js';

const zh = TABLES['zh-CN'];

describe('a member on a phone: refusals, corrections, the map\'s diary points', () => {
  let browser;
  let page;
  let asMember;
  let households;

  before(async () => {
    let town;
    let asLeader;
    ({ town, asMember, asLeader } = await memberSessions());
    const items = await asLeader('/ogc/collections/households/items?limit=20');
    households = items.features.map((f) => ({ code: f.properties.external_id }));
    assert.ok(households.length >= 2, `households of town ${town}`);
    browser = await launch();
    const context = await browser.newContext({ ...PHONE, timezoneId: 'Asia/Shanghai' });
    await context.grantPermissions(['geolocation'], { origin: BASE });
    page = await context.newPage();
    const { member } = await memberSessions();
    await openApp(page, member);
    await page.click('#tab-diary');
    await page.locator('#diary-form').waitFor();
  });

  after(async () => { await browser?.close(); });

  test('a refused entry stays in the form as typed, and goes once, note and all, when fixed', async () => {
    const note = `漏水待修 ${Date.now()}`;
    const posted = [];
    page.on('request', (req) => {
      if (req.method() === 'POST' && req.url().endsWith('/api/v1/diary')) posted.push(JSON.parse(req.postData()));
    });
    await page.fill('#diary-household', 'NO-SUCH-HH-7');
    await page.fill('#diary-notes', note);
    await page.fill('#diary-collected', '2');
    await page.fill('#diary-resolved', '1');
    await page.click('#diary-submit');
    await page.locator('#diary-editing-why').waitFor({ timeout: 15000 });
    // What the writer typed is all still there, the reason under it.
    assert.equal(await page.inputValue('#diary-household'), 'NO-SUCH-HH-7', 'the household number after the refusal');
    assert.equal(await page.inputValue('#diary-notes'), note, 'the note after the refusal');
    assert.equal(await page.inputValue('#diary-collected'), '2');
    assert.equal(await page.inputValue('#diary-resolved'), '1');
    assert.match(await page.locator('#diary-editing-why').innerText(), /找不到这个农户编号/);
    assert.match(await page.locator('#diary-notice').innerText(), /已放回上面的表单/);
    await shot(page, 'review4-diary-refused');
    // Fix the one field and send: the same entry, in its place.
    await page.fill('#diary-household', households[0].code);
    await page.click('#diary-submit');
    await page.locator('#diary-queue-state[data-waiting="0"]').waitFor({ timeout: 15000 });
    assert.equal(posted.length, 2, `entries posted: ${posted.length}, want the refused one and its fix`);
    assert.equal(posted[1].id, posted[0].id, 'the fix went under the refused entry\'s id');
    assert.equal(posted[1].notes, note, 'the fix kept the note');
    const landed = (await asMember(`/api/v1/diary?q=${encodeURIComponent(note)}`)).entries;
    assert.equal(landed.length, 1, `entries with the note: ${landed.length}, want 1`);
    assert.equal(landed[0].household, households[0].code);
    assert.equal(await page.locator('#diary-queue li').count(), 0, 'the queue after the fix landed');
    assert.equal(await page.inputValue('#diary-notes'), '', 'the form is fresh for the next household');
  });

  test('a refused entry discarded leaves the queue and the form', async () => {
    await page.fill('#diary-household', 'NO-SUCH-HH-8');
    await page.fill('#diary-notes', '放弃这条');
    await page.click('#diary-submit');
    const refused = page.locator('#diary-queue li[data-state="rejected"]');
    await refused.waitFor({ timeout: 15000 });
    assert.equal(await page.inputValue('#diary-notes'), '放弃这条');
    await refused.locator('button[data-action="discard"]').click();
    await page.locator('#diary-queue-state[data-waiting="0"]').waitFor();
    assert.equal(await page.inputValue('#diary-household'), '', 'the discarded entry left the form');
    assert.equal(await page.locator('#diary-editing').count(), 0);
  });

  test('the correction dialog corrects participants, problems and the flags, with the form\'s rules', async () => {
    const row = page.locator('#diary-entries tbody tr').filter({ has: page.locator('button[data-action="correct"]') }).first();
    await row.waitFor({ timeout: 15000 });
    await row.locator('button[data-action="correct"]').click();
    await page.locator('#diary-correct').waitFor();
    const id = (await row.locator('button[data-action="correct"]').getAttribute('id')).slice('diary-correct-'.length);
    for (const f of ['participants', 'collected', 'resolved', 'petition', 'dispute']) {
      assert.ok(await page.locator(`#diary-correct-${f}`).isVisible(), `the dialog's ${f} field`);
    }
    await page.fill('#diary-correct-participants', '3');
    await page.fill('#diary-correct-collected', '1');
    await page.fill('#diary-correct-resolved', '2');
    await page.click('#diary-correct-save');
    assert.equal(await page.locator('#diary-correct-error').innerText(), zh['diary.resolvedMore']);
    await page.fill('#diary-correct-resolved', '1.5');
    await page.click('#diary-correct-save');
    assert.equal(await page.locator('#diary-correct-error').innerText(), zh['diary.wholeNumbers']);
    await page.fill('#diary-correct-resolved', '1');
    await page.check('#diary-correct-petition');
    let asked = '';
    page.once('dialog', (d) => { asked = d.message(); d.accept(); });
    await page.click('#diary-correct-save');
    await page.locator('#diary-correct').waitFor({ state: 'detached', timeout: 15000 });
    assert.match(asked, /参与人数：\d+ → 3/, `the confirmation: ${asked}`);
    assert.match(asked, /化解信访：否 → 是/, `the confirmation: ${asked}`);
    const [e] = (await asMember(`/api/v1/diary?id=${encodeURIComponent(id)}`)).entries;
    assert.equal(e.participants, 3);
    assert.equal(e.problems_collected, 1);
    assert.equal(e.problems_resolved, 1);
    assert.equal(e.petition_resolved, true);
  });

  test('the diary\'s latest entries show on the diary tab only, in a symbol of their own, with a legend line', async () => {
    await page.waitForFunction(() => window.lianxin.map?.map.getLayer('diary-entries'), null, { timeout: 15000 });
    const paint = await page.evaluate(() => window.lianxin.map.map.getPaintProperty('diary-entries', 'circle-color'));
    assert.notEqual(String(paint).toLowerCase(), '#fde725', 'the points in the legend\'s ≥75 % yellow');
    const vis = () => page.evaluate(() => window.lianxin.map.map.getLayoutProperty('diary-entries', 'visibility') ?? 'visible');
    assert.equal(await vis(), 'visible', 'on the diary tab');
    await page.click('#legend-toggle');
    assert.equal(await page.locator('#legend-diary').innerText(), zh['legend.diaryPoints']);
    await shot(page, 'review4-diary-legend');
    await page.click('#tab-planner');
    assert.equal(await vis(), 'none', 'on the planner tab');
    assert.equal(await page.locator('#legend-diary').isVisible(), false, 'the legend line off the diary tab');
    await page.click('#tab-diary');
    assert.equal(await vis(), 'visible');
  });
});

describe('a team leader on a phone', () => {
  let browser;
  let page;
  let leader;
  let asLeader;
  let me;

  before(async () => {
    ({ asLeader } = await memberSessions());
    me = await asLeader('/api/v1/auth/me');
    leader = me.user;
    browser = await launch();
    const context = await browser.newContext({ ...PHONE, timezoneId: 'Asia/Shanghai' });
    page = await context.newPage();
    await openApp(page, leader);
  });

  after(async () => { await browser?.close(); });

  test('the tabs take one row: the header is under 100 px and every tab can be reached', async () => {
    const header = await page.locator('.top').boundingBox();
    assert.ok(header.height <= 100, `the header is ${header.height} px high, want ≤ 100`);
    const tops = await page.locator('.views [role=tab]:not([hidden])').evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top)));
    assert.ok(tops.length >= 5, `tabs shown: ${tops.length}`);
    assert.equal(new Set(tops).size, 1, `the tabs' rows: ${tops}`);
    await page.click('#tab-imports');
    const box = await page.locator('#tab-imports').boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 390, `the chosen import tab ${JSON.stringify(box)} is on the screen`);
    assert.equal(await page.locator('#view-imports').isVisible(), true);
    await shot(page, 'review4-tabs');
  });

  test('the members\' table: those below ten households first, marked, the name in view when scrolled', async () => {
    await page.click('#tab-team');
    const table = page.locator('#members table');
    await table.waitFor({ timeout: 30000 });
    // The demo's members all reach ten households in time: a window ending
    // in a week where some of this team have and some have not.
    const team = await page.inputValue('#team');
    const { weeks } = await asLeader('/api/v1/campaign');
    let want = null;
    for (let k = 1; k <= weeks.length && !want; k++) {
      const r = await asLeader(`/api/v1/reports/members?team=${team}&from=${weeks[0].from}&to=${weeks[k - 1].to}`);
      const rows = r.rows || r.members;
      if (rows.some((x) => x.meets_target) && rows.some((x) => !x.meets_target)) want = { k, below: rows.filter((x) => !x.meets_target).map((x) => x.member_code) };
    }
    assert.ok(want, `a week where team ${team} has members on both sides of the rule`);
    await setWeeks(page, 0, want.k);
    await page.waitForFunction((n) => document.querySelectorAll('#members tr.below-rule').length === n, want.below.length, { timeout: 15000 });
    const marks = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.classList.contains('below-rule')));
    const keys = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.key));
    assert.deepEqual(keys.slice(0, want.below.length).sort(), [...want.below].sort(), `the rows first: ${keys}, below the rule: ${want.below}`);
    assert.deepEqual(marks, [...marks].sort((a, b) => Number(b) - Number(a)), `below-the-rule rows first: ${marks}`);
    const first = table.locator('tbody tr').first();
    assert.equal(await first.locator('.below-rule-mark').innerText(), zh['team.belowRuleMark']);
    // No header stacked a character a line: three lines at most (the
    // longest, 累计联系户数（活动开始至今）, takes three), 本周无记录 on one.
    const heads = await table.locator('thead th button.sort').evaluateAll((bs) => bs.map((b) => ({
      text: b.innerText.trim(), em: b.getBoundingClientRect().height / parseFloat(getComputedStyle(b).fontSize),
    })));
    for (const x of heads) assert.ok(x.em <= 4.5, `header ${x.text} is ${x.em.toFixed(1)} em high: more than three lines`);
    const noEntry = heads.find((x) => x.text.startsWith(zh['col.noEntryThisWeek']));
    assert.ok(noEntry && noEntry.em < 2, `本周无记录 on one line: ${JSON.stringify(noEntry)}`);
    // Scrolled right to the end, the name is still at the left.
    const wrap = page.locator('#members');
    await wrap.evaluate((el) => { el.scrollLeft = el.scrollWidth; });
    const wrapBox = await wrap.boundingBox();
    const name = await first.locator('td.sticky-col').boundingBox();
    assert.ok(Math.abs(name.x - wrapBox.x) <= 2, `the name cell at x ${name.x}, the table's left edge at ${wrapBox.x}`);
    const target = await first.locator('.below-rule-no').boundingBox();
    assert.ok(target && target.x + target.width <= 390, `达标 (${JSON.stringify(target)}) in view once scrolled`);
    await page.locator('.below-rule-note').scrollIntoViewIfNeeded();
    await shot(page, 'review4-members');
    await wrap.evaluate((el) => { el.scrollLeft = 0; });
  });

  test('the gap table\'s 按平均户规模 header is whole', async () => {
    const th = page.locator('#gap-table thead th', { hasText: zh['col.households_needed_typical'] });
    if (!(await th.count())) return;
    const { clipped, hgt, fs } = await th.evaluate((el) => ({
      clipped: el.scrollWidth > el.clientWidth + 1, hgt: el.getBoundingClientRect().height, fs: parseFloat(getComputedStyle(el).fontSize),
    }));
    assert.equal(clipped, false, 'the header is cut off');
    assert.ok(hgt <= fs * 3.6, `the header is ${hgt} px high`);
    // Scrolled to it, the column is whole on the screen beside the pinned village.
    const wrap = page.locator('#gaps');
    await th.evaluate((el) => {
      const box = el.closest('.table-wrap');
      box.scrollLeft = el.offsetLeft - box.querySelector('thead th').offsetWidth;
    });
    const village = await page.locator('#gap-table tbody tr td').first().boundingBox();
    const wrapBox = await wrap.boundingBox();
    assert.ok(Math.abs(village.x - wrapBox.x) <= 2, `the village cell at x ${village.x}, the table's left edge at ${wrapBox.x}`);
    const box = await th.boundingBox();
    assert.ok(box.x >= village.x + village.width - 1 && box.x + box.width <= 390, `按平均户规模 at ${JSON.stringify(box)} beside the village (${JSON.stringify(village)})`);
    await wrap.evaluate((el) => el.scrollIntoView({ block: 'center', inline: 'nearest' }));
    await shot(page, 'review4-gaps');
    await wrap.evaluate((el) => { el.scrollLeft = 0; });
  });

  test('the map writes village names at the route\'s zoom, the route\'s villages among them, and none at the county\'s', async () => {
    const stops = await page.locator('.stop-marker:not(.base)').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label').replace(/^\d+\.\s*/, '')));
    await mapIdle(page);
    await page.waitForFunction(() => document.querySelectorAll('.village-label').length > 0, null, { timeout: 15000 });
    const labels = await page.locator('.village-label').allInnerTexts();
    assert.ok(labels.length > 0 && labels.length <= 60, `village names shown: ${labels.length}`);
    for (const s of stops) assert.ok(labels.includes(s), `the route's village ${s} among the names: ${labels.join(' ')}`);
    assert.equal(await page.locator('.village-label').first().evaluate((el) => getComputedStyle(el).pointerEvents), 'none');
    await shot(page, 'review4-labels');
    await page.evaluate(() => window.lianxin.map.map.jumpTo({ zoom: 9 }));
    await mapIdle(page);
    assert.equal(await page.locator('.village-label').count(), 0, 'names at the county\'s zoom');
  });

  test('the diary search names members and villages and offers only the leader\'s towns', async () => {
    await page.click('#tab-diary-search');
    await page.locator('#dsearch-table, #dsearch-count').first().waitFor({ timeout: 30000 });
    const towns = await page.locator('#dsearch-town option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
    assert.deepEqual(towns.sort(), [...me.towns].sort(), 'the towns offered');
    const page1 = await asLeader('/api/v1/diary?limit=50');
    const e = page1.entries[0];
    assert.ok(e.member_name && e.village_name, `the API names them: ${JSON.stringify(e)}`);
    const row = page.locator(`#dsearch-table tbody tr[data-key="${e.id}"]`);
    const cells = await row.locator('td').allInnerTexts();
    const memberCell = cells.find((c) => c.includes(e.member_name));
    assert.ok(memberCell, `the member's name ${e.member_name} in the row: ${cells}`);
    assert.ok(cells.some((c) => c.includes(e.village_name)), `the village's name ${e.village_name} in the row: ${cells}`);
    // The date and time as every view writes them: 2026年11月28日 08:49.
    assert.match(cells[0], /^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}$/, `the time ${cells[0]}`);
    await shot(page, 'review4-dsearch');
  });
});

test('dateTime and daysAgo: one form for a moment, today and yesterday as words, in both languages', async () => {
  // i18n.js reads document only in setLang: node can call the helpers.
  const i18n = await import('../src/i18n.js');
  const at = '2026-11-28T00:49:00Z';
  assert.equal(i18n.dateTime(at), '2026年11月28日 08:49');
  assert.equal(i18n.daysAgo(0, 'village.daysAgo'), '今天');
  assert.equal(i18n.daysAgo(1, 'village.daysAgo'), '昨天');
  assert.equal(i18n.daysAgo(3, 'village.daysAgo'), '3 天前');
  assert.ok(TABLES.en['day.today'] && TABLES.en['day.yesterday'] && TABLES.en['legend.diaryPoints'], 'the English words');
});
