// The morning check (GET /api/v1/reports/towns) is the planner view's
// costliest report: it is asked once per window change, not again when
// only the town filter changes (the table marks the town), nor when the
// language is switched (its rows carry no words; the table is drawn again
// in the new language).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  DESKTOP, launch, mapIdle, openApp, setLang,
} from './helpers.mjs';

async function townsLoaded(page) {
  await page.waitForFunction(() => document.getElementById('towns-check')?.getAttribute('aria-busy') === 'false'
    && document.querySelector('#towns-table tbody tr'), null, { timeout: 60000 });
}

describe('the morning check is fetched once per window', () => {
  let browser;
  let page;
  const asked = [];
  before(async () => {
    browser = await launch();
    page = await browser.newPage(DESKTOP);
    page.on('request', (req) => { if (req.url().includes('/api/v1/reports/towns?') || req.url().endsWith('/api/v1/reports/towns')) asked.push(req.url()); });
    await openApp(page, 'planner');
    await page.click('#tab-planner');
    await townsLoaded(page);
  });
  after(async () => { await browser?.close(); });

  test('a window change asks once; a town pick and a language switch do not ask again', async () => {
    assert.equal(asked.length, 1, `first load asked ${JSON.stringify(asked)}`);
    asked.length = 0;
    const weeks = await page.evaluate(() => window.lianxin.weeks.length);
    assert.ok(weeks > 3, `set-up: the campaign has ${weeks} weeks`);
    await page.locator('#week-from').evaluate((el) => { el.value = '1'; el.dispatchEvent(new Event('change')); });
    await mapIdle(page);
    await townsLoaded(page);
    const w = await page.evaluate(() => window.lianxin.window);
    assert.equal(asked.length, 1, `one window change asked ${JSON.stringify(asked)}`);
    assert.ok(asked[0].includes(`from=${w.from}`) && asked[0].includes(`to=${w.to}`), `asked ${asked[0]} for window ${JSON.stringify(w)}`);

    asked.length = 0;
    const code = await page.locator('#towns-table tbody tr').first().getAttribute('data-key');
    await page.selectOption('#town', code);
    await page.waitForFunction((c) => document.querySelector(`#towns-table tbody tr[data-key="${c}"]`)?.classList.contains('selected'), code);
    await page.selectOption('#town', '');
    await page.waitForFunction(() => !document.querySelector('#towns-table tbody tr.selected'));
    assert.equal(asked.length, 0, `a town pick asked ${JSON.stringify(asked)}`);

    const zhTitle = await page.locator('#towns-title').innerText();
    await setLang(page, 'en');
    await page.waitForFunction((zh) => document.getElementById('towns-title')?.innerText !== zh, zhTitle);
    await townsLoaded(page);
    assert.equal(await page.locator('#towns-table tbody tr').count() > 0, true, 'rows drawn again');
    assert.equal(asked.length, 0, `a language switch asked ${JSON.stringify(asked)}`);
    await setLang(page, 'zh-CN');
  });
});
