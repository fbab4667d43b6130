// A report refused by the server reaches a Chinese page in Chinese: the
// refusal carries its reason and parameters (error.details, a
// lianxin.Refusal, the reasons coverage.ReportReasons), which the page
// words by report.refusal.<reason>; the server's English sentence is only
// the tooltip. An error without a reason (a server fault) is a Chinese
// sentence with the HTTP status, never the server's English.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { TABLES } from '../src/i18n.js';

import { launch, openApp, shot } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** fill words a table's entry with its parameters, as i18n.js t() does. */
const fill = (lang, key, vars) => TABLES[lang][key].replace(/\{(\w+)\}/g, (_, k) => String(vars[k]));

describe('report refusals in the page\'s language', () => {
  test('a bad report parameter is said in Chinese, the English only as the tooltip', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    try {
      // Every summary the page asks for carries a from the server cannot read.
      await page.route('**/api/v1/reports/summary*', (route) => {
        const u = new URL(route.request().url());
        u.searchParams.set('from', 'May');
        route.continue({ url: u.toString() });
      });
      const answered = page.waitForResponse((r) => r.url().includes('/api/v1/reports/summary'));
      await openApp(page, 'planner');
      const res = await answered;
      const body = await res.json();
      assert.equal(res.status(), 400);
      assert.equal(body.error.details?.reason, 'bad_day', JSON.stringify(body));
      assert.equal(body.error.details?.field, 'from', JSON.stringify(body));
      assert.match(body.error.message, /is not a day/, 'the API keeps its English message');

      const err = page.locator('#summary p.error');
      await err.waitFor();
      const text = await err.innerText();
      const want = fill('zh-CN', 'report.refusal.bad_day', { field: TABLES['zh-CN']['report.param.from'], value: 'May' });
      assert.ok(text.includes(want), `summary says "${text}", want it to hold "${want}"`);
      assert.doesNotMatch(text, /is not a day|YYYY/, `no English: ${text}`);
      assert.match(await err.getAttribute('title'), /is not a day/, 'the English sentence stays as the tooltip');
      await err.scrollIntoViewIfNeeded();
      await shot(page, 'refusal-report-zh');
    } finally {
      await context.close();
    }
  });

  test('an error without a reason is a Chinese sentence with the HTTP status', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    try {
      // A fault the server describes only in English (an internal error).
      await page.route('**/api/v1/reports/summary*', (route) => route.fulfill({
        status: 500, contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'internal', message: 'internal error' } }),
      }));
      await openApp(page, 'planner');
      const err = page.locator('#summary p.error');
      await err.waitFor();
      const text = await err.innerText();
      const want = fill('zh-CN', 'status.serverGeneric', { status: 500 });
      assert.equal(text, want);
      assert.doesNotMatch(text, /internal error/, `no English: ${text}`);
    } finally {
      await context.close();
    }
  });
});
