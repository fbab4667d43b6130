// The GIS tab at a desktop's 1440×900 (GIS staff review): a layer's name
// on one line beside its links, the token table's cells unbroken; its CSV
// links are the Excel file in the page's language by default, the plain
// file on request; and a team leader's first load does not ask the
// planner view's morning check (GET /api/v1/reports/towns) until that view
// is shown.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  demoAccounts, launch, openApp, setLang, shot,
} from './helpers.mjs';

const DESK = { viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, locale: 'zh-CN' };

/** lines is how many lines an element's text takes (its height over its line height). */
const lines = (loc) => loc.evaluate((el) => {
  const r = document.createRange();
  r.selectNodeContents(el);
  const rects = [...r.getClientRects()].filter((x) => x.width > 0);
  return new Set(rects.map((x) => Math.round(x.top))).size;
});

describe('the GIS tab on a desktop', () => {
  let browser;
  let page;
  before(async () => {
    browser = await launch();
    page = await browser.newPage(DESK);
    await openApp(page, 'gis');
    await page.click('#tab-gis');
    await page.waitForFunction(() => document.querySelectorAll('#layer-list a.download').length > 0);
  });
  after(async () => { await browser?.close(); });

  test('each layer name stays on one line, and so do the token table\'s cells', async () => {
    const names = page.locator('#layer-list tr[data-layer] th[scope=row]');
    const n = await names.count();
    assert.ok(n >= 8, `set-up: ${n} layers listed`);
    for (let i = 0; i < n; i += 1) {
      const th = names.nth(i);
      assert.equal(await lines(th), 1, `layer name “${await th.innerText()}” takes ${await lines(th)} lines, want 1`);
    }
    await page.locator('#gis-token-name').fill('版面检查');
    await page.click('#gis-token-create');
    // The token list is drawn again after a create (the list's reload, and
    // the tab's own refresh): a cell found in one call and measured in the
    // next can be a detached one from the draw before, which measures no
    // line. So each cell is found and measured in one call, in the row of
    // the new token, once that row is drawn.
    const measured = await page.waitForFunction(() => {
      const row = [...document.querySelectorAll('#gis-token-table tbody tr')]
        .find((tr) => [...tr.cells].some((td) => td.textContent === '版面检查'));
      if (!row) return false;
      const count = (el) => {
        const r = document.createRange();
        r.selectNodeContents(el);
        const rects = [...r.getClientRects()].filter((x) => x.width > 0);
        return new Set(rects.map((x) => Math.round(x.top))).size;
      };
      const state = row.querySelector('td.token-state');
      const revoke = row.querySelector('button.token-revoke');
      if (!state || !revoke || count(state) === 0) return false;
      return {
        state: state.textContent, stateLines: count(state), revoke: revoke.textContent, revokeLines: count(revoke),
      };
    }).then((handle) => handle.jsonValue());
    assert.equal(measured.stateLines, 1, `token state “${measured.state}” takes ${measured.stateLines} lines`);
    assert.equal(measured.revokeLines, 1, `the revoke button “${measured.revoke}” takes ${measured.revokeLines} lines`);
    await shot(page, 'gis-layout-1440');
  });

  test('CSV links are for Excel in the page\'s language unless the plain file is chosen', async () => {
    const csv = () => page.locator('#layer-list tr[data-layer="village_coverage"] a.download[href*="format=csv"]').first().getAttribute('href');
    let u = new URL(await csv(), page.url());
    assert.equal(u.searchParams.get('lang'), 'zh', `zh page: ${u}`);
    assert.equal(u.searchParams.get('excel'), 'true', `zh page: ${u}`);
    await setLang(page, 'en');
    u = new URL(await csv(), page.url());
    assert.equal(u.searchParams.get('lang'), 'en', `English page: ${u}`);
    await page.selectOption('#export-csv', 'plain');
    u = new URL(await csv(), page.url());
    assert.ok(!u.searchParams.has('lang') && !u.searchParams.has('excel'), `plain CSV: ${u}`);
    await page.selectOption('#export-csv', 'excel');
    await setLang(page, 'zh-CN');
    // The file itself: Chinese header, a code Excel keeps whole.
    const text = await page.evaluate(async (href) => (await fetch(href)).text(), await csv());
    assert.match(text.split('\n')[0], /乡镇代码/, `header ${text.split('\n')[0]}`);
    assert.match(text, /"=""\d{9,}"""/, 'a code cell for Excel');
  });
});

describe('a team leader\'s first load', () => {
  test('does not ask the morning check until the planner view is shown', async () => {
    const browser = await launch();
    try {
      const page = await browser.newPage(DESK);
      const asked = [];
      page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/v1/reports/towns') asked.push(r.url()); });
      const leader = [...demoAccounts().entries()].find(([, a]) => a.role.startsWith('team_leader'))?.[0];
      await openApp(page, leader);
      await page.waitForFunction(() => document.body.dataset.view === 'team');
      await page.waitForLoadState('networkidle');
      assert.deepEqual(asked, [], 'the team view asked the morning check');
      await page.click('#tab-planner');
      await page.waitForFunction(() => document.getElementById('towns-check')?.getAttribute('aria-busy') === 'false', null, { timeout: 60000 });
      assert.equal(asked.length, 1, `the planner view asked ${JSON.stringify(asked)}`);
    } finally {
      await browser.close();
    }
  });
});
