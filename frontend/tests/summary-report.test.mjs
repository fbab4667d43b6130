// The programme office's morning check and month-end summary in the
// planner view: the five coverages' lists name their villages on the first
// load (they showed codes until the town filter changed), the morning
// check shows every town by name with its team and selects a town on a
// click, and the 打印 button opens the summary as a printable report with
// its works section and the per-town table, in Chinese and in English.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  DESKTOP, apiJSON, launch, openApp, setLang, shot,
} from './helpers.mjs';

async function summaryLoaded(page) {
  await page.waitForFunction(() => document.getElementById('summary')?.getAttribute('aria-busy') === 'false'
    && document.getElementById('summary-five'), null, { timeout: 60000 });
}

async function townsLoaded(page) {
  await page.waitForFunction(() => document.getElementById('towns-check')?.getAttribute('aria-busy') === 'false'
    && document.querySelector('#towns-table tbody tr'), null, { timeout: 60000 });
}

describe('summary report and morning check', () => {
  let browser;
  let page;
  before(async () => {
    browser = await launch();
    page = await browser.newPage(DESKTOP);
    await openApp(page, 'planner');
    await page.click('#tab-planner');
  });
  after(async () => { await browser?.close(); });

  test('the five coverages name their villages on the first load', async () => {
    await summaryLoaded(page);
    const w = await page.evaluate(() => window.lianxin.window);
    const s = await apiJSON(page, `/api/v1/reports/summary?from=${w.from}&to=${w.to}`);
    const codes = s.five_coverages.villages_without_visit;
    assert.ok(codes.length > 0, 'set-up: the demo county has villages not visited');
    const items = await page.locator('#summary .card[data-key="villages_without_visit"] li').allTextContents(); // in a closed details
    assert.equal(items.length, codes.length, `list ${JSON.stringify(items)} against the API's ${codes.length}`);
    for (const [i, code] of codes.entries()) {
      const n = s.names.villages[code];
      assert.ok(n && n.name, `API names village ${code}`);
      assert.ok(items.some((x) => x.includes(n.name) && x.includes(n.in)), `village ${code} listed as ${JSON.stringify(items[i])}, want ${n.name} · ${n.in}`);
    }
    assert.ok(!items.some((x) => /^\d{9,}$/.test(x.trim())), `a village listed by its code: ${JSON.stringify(items)}`);
    const projects = await page.locator('#summary .card[data-key="projects_without_visit"] li').allTextContents();
    assert.ok(!projects.some((x) => /^P\d+$/.test(x.trim())), `a project listed by its code: ${JSON.stringify(projects)}`);
    // The distinct count sits beside the groups' sum, the API's figure.
    const distinct = await page.locator('#summary .card[data-key="special_waiting_households"] dd').innerText();
    assert.equal(distinct.replace(/[,\s]/g, ''), String(s.special_waiting_households), 'special-group households waiting, each once');
    const roads = await page.locator('#summary .card[data-key="works-roads"] dd').innerText();
    assert.match(roads, new RegExp(`${s.works.roads.completed} 条，${(s.works.roads.completed_metres / 1000).toFixed(1)} 公里`), `roads card ${roads}`);
  });

  test('the morning check: 16 towns by name, who is behind first; a click selects the town', async () => {
    await townsLoaded(page);
    const rows = await page.locator('#towns-table tbody tr').all();
    assert.equal(rows.length, 16, 'one row per town of the demo county');
    const w = await page.evaluate(() => window.lianxin.window);
    const api = await apiJSON(page, `/api/v1/reports/towns?from=${w.from}&to=${w.to}`);
    const names = await page.locator('#towns-table tbody tr td:first-child').allInnerTexts();
    assert.deepEqual(names, api.rows.map((r) => r.town_name), 'rows in the server\'s order (who is behind first), named');
    const teams = await page.locator('#towns-table tbody tr td:nth-child(2)').allInnerTexts();
    assert.ok(teams.every((x) => x.includes('工作队')), `teams ${JSON.stringify(teams)}`);
    // Sort by villages not visited, most first.
    await page.click('#towns-table th button.sort[data-key="not_visited"]');
    await page.click('#towns-table th button.sort[data-key="not_visited"]');
    const notVisited = (await page.locator('#towns-table tbody tr td:nth-child(5)').allInnerTexts()).map(Number);
    assert.deepEqual(notVisited, [...notVisited].sort((a, b) => b - a), `sorted descending: ${notVisited}`);
    // A click picks the town: the filter and the summary follow.
    const pick = api.rows[0];
    await page.click(`#towns-table tbody tr[data-key="${pick.town_code}"]`);
    await page.waitForFunction((c) => document.getElementById('town').value === c, pick.town_code);
    await page.waitForFunction((c) => document.querySelector(`#towns-table tbody tr[data-key="${c}"]`)?.classList.contains('selected'), pick.town_code);
    await page.waitForFunction((c) => document.getElementById('summary-csv')?.href.includes(`town=${c}`), pick.town_code, { timeout: 30000 });
    await summaryLoaded(page);
    await shot(page, 'summary-report-towns');
    // Back to the county for the print view.
    await page.selectOption('#town', '');
    await page.waitForFunction(() => !document.getElementById('summary-csv')?.href.includes('town='), null, { timeout: 30000 });
    await summaryLoaded(page);
  });

  for (const lang of ['zh-CN', 'en']) {
    test(`the print view (${lang}): title, window, the works section and the towns table`, async () => {
      if (lang === 'en') await setLang(page, 'en');
      await summaryLoaded(page);
      await townsLoaded(page);
      await page.click('#summary-print-open');
      await page.waitForSelector('#summary-print');
      const text = await page.locator('#summary-print').innerText();
      const works = lang === 'en' ? 'Livelihoods' : '民生实事';
      const roads = lang === 'en' ? 'Roads built' : '建成道路';
      assert.ok(text.includes(works) && text.includes(roads), `print view without the works section: ${text.slice(0, 400)}`);
      assert.match(await page.locator('#summary-print-title').innerText(), lang === 'en' ? /Campaign summary/ : /走访活动汇总/);
      assert.match(await page.locator('#summary-print-window').innerText(), lang === 'en' ? /Period/ : /统计期间/);
      assert.equal(await page.locator('#summary-print-towns tbody tr').count(), 16, 'the per-town table in the print view');
      // Printed, the page is the report alone.
      await page.emulateMedia({ media: 'print' });
      const visible = await page.evaluate(() => [...document.body.children].filter((el) => getComputedStyle(el).display !== 'none').map((el) => el.id));
      assert.deepEqual(visible, ['summary-print'], `printing shows ${JSON.stringify(visible)}`);
      await shot(page, `summary-report-print-${lang}`);
      await page.emulateMedia({ media: 'screen' });
      await page.click('#summary-print-close');
      assert.equal(await page.locator('#summary-print').count(), 0, 'closed');
      if (lang === 'en') await setLang(page, 'zh-CN');
    });
  }
});
