// The import tab on a town office's laptop (1366×768) and on a phone
// (390×844), in both languages: the recent-imports list fits its panel with
// no sideways scroll and still says, for each import, when and who, the
// layer and the file, the status, the four counts and (when the server
// kept one) a link to the rejects file; the upload's progress bar has a
// name a screen reader reads, in the page's language.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { launch, openApp, shot } from './helpers.mjs';
import { TABLES } from '../src/i18n.js';

const LEADER = 'leader-321299101';
const TOWN = '321299101';

/** api fetches path in the page (with its session) as JSON. */
const api = (page, path) => page.evaluate(async (p) => {
  const res = await fetch(p);
  if (!res.ok) throw new Error(`GET ${p}: ${res.status} ${await res.text()}`);
  return res.json();
}, path);

/** overflow measures how far the list, its panel and the page scroll sideways (0: they fit). */
const overflow = (page) => page.evaluate(() => {
  const wrap = document.getElementById('import-list');
  const sidebar = document.getElementById('sidebar');
  const table = document.getElementById('import-list-table');
  return {
    list: wrap.scrollWidth - wrap.clientWidth,
    sidebar: sidebar.scrollWidth - sidebar.clientWidth,
    page: document.scrollingElement.scrollWidth - window.innerWidth,
    tableRightPastList: Math.max(0, Math.round(table.getBoundingClientRect().right - wrap.getBoundingClientRect().right)),
  };
});

/** listed reads one import's row of the list: its text by part, the counts and the rejects link. */
const listed = (page, id) => page.locator(`#import-list-table tbody tr[data-key="${id}"]`).evaluate((tr) => {
  const text = (sel) => tr.querySelector(sel)?.textContent || '';
  const counts = {};
  for (const d of tr.querySelectorAll('dl.counts [data-key]')) counts[d.dataset.key] = { value: Number(d.dataset.value), label: d.querySelector('dt').textContent, shown: d.querySelector('dd').textContent };
  const link = tr.querySelector('.rejects-link a');
  return {
    when: text('.when'), who: text('.who'), layer: text('.layer'), file: text('.file'), status: text('.state'),
    counts, link: link ? { href: new URL(link.href).pathname, text: link.textContent, visible: link.getBoundingClientRect().width > 0 } : null,
  };
});

describe('the recent imports and the upload, laptop and phone', () => {
  let browser;
  let context;
  let page;
  // A file name as a clerk saves it: long, Chinese, no spaces to break at.
  const fileName = `城关镇第三季度民情日记补录_第二批_已核对_最终版_${Date.now()}.csv`;
  let id = 0;

  before(async () => {
    browser = await launch();
    context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', acceptDownloads: true });
    page = await context.newPage();
    await openApp(page, LEADER);
    const teams = await api(page, '/api/v1/teams');
    const team = teams.find((x) => x.town_code === TOWN && x.members > 0);
    assert.ok(team, `a team of town ${TOWN} with members`);
    const member = (await api(page, `/api/v1/reports/members?team=${team.code}`)).rows[0].member_code;
    const village = (await api(page, `/api/v1/reports/gaps?town=${TOWN}&all=true&format=json`)).rows[0].village_code;
    const stamp = Date.now().toString(36).toUpperCase();
    const csv = [
      '日记编号,成员代码,村代码,走访时间,走访类型,参与人数,记录,收集问题数,解决问题数,化解信访,化解纠纷',
      `LAYOUT${stamp}A,${member},${village},2026-06-16 09:30,入户走访,2,版面测试,1,0,否,否`,
      `LAYOUT${stamp}B,${member},${village},2026-06-16 10:00,串门,1,版面测试,0,0,否,否`,
      '',
    ].join('\r\n');
    await page.click('#tab-imports');
    await page.selectOption('#import-layer', 'visits');
    await page.setInputFiles('#import-file', { name: fileName, mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.setChecked('#import-skip-invalid', true);
    await page.click('#import-submit');
    await page.locator('#import-outcome').waitFor({ timeout: 60000 });
    id = Number(await page.locator('#import-result').getAttribute('data-id'));
    const rec = await api(page, `/api/v1/imports/${id}`);
    assert.deepEqual([rec.status, rec.inserted, rec.rejected, Boolean(rec.rejects_file)], ['succeeded', 1, 1, true],
      `import ${id} (want succeeded, 1 inserted, 1 rejected, a rejects file kept): ${JSON.stringify(rec).slice(0, 400)}`);
    await page.locator(`#import-list-table tbody tr[data-key="${id}"]`).waitFor({ timeout: 15000 });
  });

  after(async () => {
    await browser?.close();
  });

  for (const [device, viewport, mobile] of [['laptop', { width: 1366, height: 768 }, false], ['phone', { width: 390, height: 844 }, true]]) {
    for (const lang of ['zh-CN', 'en']) {
      test(`${device}, ${lang}: the list fits with no sideways scroll and keeps what a clerk needs`, async () => {
        const p = mobile ? await (await browser.newContext({ viewport, isMobile: true, hasTouch: true, locale: 'zh-CN', storageState: await context.storageState() })).newPage() : page;
        try {
          if (mobile) {
            await p.addInitScript((l) => localStorage.setItem('lianxin.lang', l), lang);
            await openApp(p, LEADER);
            await p.click('#tab-imports');
          } else if ((await p.evaluate(() => document.documentElement.lang)) !== lang) {
            await p.click('#lang');
          }
          await p.locator(`#import-list-table tbody tr[data-key="${id}"]`).waitFor({ timeout: 15000 });
          assert.equal(await p.evaluate(() => document.documentElement.lang), lang, 'the page\'s language');
          const over = await overflow(p);
          await p.locator('#import-list').scrollIntoViewIfNeeded();
          await shot(p, `imports-list-${device}-${lang}`);
          assert.deepEqual(over, { list: 0, sidebar: 0, page: 0, tableRightPastList: 0 },
            `${device} ${viewport.width}×${viewport.height} in ${lang}: pixels the recent imports scroll sideways (want none)`);

          const T = TABLES[lang];
          const row = await listed(p, id);
          assert.match(row.when, /\d{1,2}:\d{2}/, `when: ${JSON.stringify(row)}`);
          assert.equal(row.who, LEADER, `who: ${JSON.stringify(row)}`);
          assert.equal(row.layer, T['imp.layer.visits'], `layer: ${JSON.stringify(row)}`);
          assert.equal(row.file, fileName, 'the whole file name is shown (wrapped, not cut)');
          assert.equal(row.status, T['imp.status.succeeded'], `status: ${JSON.stringify(row)}`);
          const want = { inserted: 1, updated: 0, unchanged: 0, rejected: 1 };
          for (const [k, v] of Object.entries(want)) {
            assert.deepEqual(row.counts[k], { value: v, label: T[`imp.count.${k}`], shown: String(v) }, `the ${k} count of import ${id}`);
          }
          assert.deepEqual(row.link, { href: `/api/v1/imports/${id}/rejects`, text: T['imp.rejectsLink'], visible: true },
            'the row links to the rejects file the server kept');
          // The header speaks the page's language too.
          const head = await p.locator('#import-list-table thead').innerText();
          if (lang === 'en') assert.doesNotMatch(head, /[\u3400-\u9fff]/, `the English header: ${head}`);
          else assert.match(head, /时间/, `the Chinese header: ${head}`);
        } finally {
          if (mobile) await p.context().close();
        }
      });
    }
  }

  test('the link in the list downloads the rejects file (and does not open the import)', async () => {
    if ((await page.evaluate(() => document.documentElement.lang)) !== 'zh-CN') await page.click('#lang');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#import-list-table tr[data-key="${id}"] .rejects-link a`)]);
    assert.match(download.suggestedFilename(), /\.csv$/, `the rejects file's name ${download.suggestedFilename()}`);
  });

  test('the upload\'s progress bar has a name, in the page\'s language', async () => {
    await page.click('#tab-imports');
    // The upload is held at the server's door, so the bar stays on screen.
    const held = [];
    const hold = (route) => { held.push(route); };
    await page.route('**/api/v1/imports/visits', hold);
    try {
      await page.selectOption('#import-layer', 'visits');
      await page.setInputFiles('#import-file', { name: 'held.csv', mimeType: 'text/csv', buffer: Buffer.from('日记编号\r\n') });
      await page.click('#import-submit');
      await page.locator('#import-progress').waitFor();
      for (const lang of ['zh-CN', 'en']) {
        if ((await page.evaluate(() => document.documentElement.lang)) !== lang) await page.click('#lang');
        const name = TABLES[lang]['imp.progress'];
        assert.equal(await page.getByRole('progressbar', { name, exact: true }).count(), 1,
          `${lang}: progress bars named "${name}" (the accessible name of #import-progress is ${JSON.stringify(await page.locator('#import-progress').getAttribute('aria-label'))})`);
      }
    } finally {
      await Promise.all(held.map((r) => r.abort().catch(() => {})));
      await page.unroute('**/api/v1/imports/visits', hold);
      if ((await page.evaluate(() => document.documentElement.lang)) !== 'zh-CN') await page.click('#lang');
    }
    await page.locator('#import-error').waitFor({ timeout: 15000 });
  });
});
