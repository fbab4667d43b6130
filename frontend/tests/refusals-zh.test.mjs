// The server's refusals of a download (the GIS tab) and of a snapshot (the
// planner view) reach a Chinese page in Chinese: each carries its reason
// and parameters (error.details, a lianxin.Refusal), which the page words
// by export.refusal.<reason> and snap.refusal.<reason>, never showing the
// English message the API keeps for its other users. An English page
// words the same reasons in English.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { TABLES } from '../src/i18n.js';
import { join } from 'node:path';

import { ARTIFACTS, demoAccounts, launch, openApp, setLang, shot } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** fill words a table's entry with its parameters, as i18n.js t() does. */
const fill = (lang, key, vars) => TABLES[lang][key].replace(/\{(\w+)\}/g, (_, k) => String(vars[k]));

/** refusedExport points the first download link of layer at query, clicks it and returns the status line's text and the server's answer. */
async function refusedExport(page, layer, query) {
  const link = page.locator(`#layer-list tr[data-layer="${layer}"] a.download`).first();
  await link.evaluate((a, q) => a.setAttribute('href', `/api/v1/export/${q}`), query);
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/v1/export/') && r.url().includes('check=true')),
    link.click(),
  ]);
  const status = page.locator('#export-status.warn');
  await status.waitFor();
  return { text: await status.innerText(), body: await res.json(), status: res.status() };
}

describe('refusals in the page\'s language', () => {
  test('the GIS tab words an export\'s refusal in Chinese, and in English on an English page', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    try {
      await openApp(page, 'gis');
      await page.click('#tab-gis');
      await page.waitForFunction(() => document.querySelectorAll('#layer-list a.download').length > 0);

      // A town code that names no town (a copied link of another county).
      const town = await refusedExport(page, 'villages', 'villages?format=csv&town=nowhere');
      assert.equal(town.status, 400);
      assert.equal(town.body.error.details.reason, 'town_unknown', JSON.stringify(town.body));
      assert.match(town.body.error.message, /no town with that code/, 'the API keeps its English message');
      const zhTown = fill('zh-CN', 'export.refusal.town_unknown', { town: 'nowhere' });
      assert.ok(town.text.includes(zhTown), `status "${town.text}", want it to hold "${zhTown}"`);
      assert.doesNotMatch(town.text, /no town|code/, `no English: ${town.text}`);
      await shot(page, 'refusal-export-zh');

      // A property filter the field can never equal: its kind of value worded too.
      const rural = await refusedExport(page, 'villages', 'villages?format=csv&rural=1');
      assert.equal(rural.body.error.details.reason, 'field_value', JSON.stringify(rural.body));
      const zhRural = fill('zh-CN', 'export.refusal.field_value', { field: 'rural', value: '1', want: TABLES['zh-CN']['export.want.boolean'] });
      assert.ok(rural.text.includes(zhRural), `status "${rural.text}", want it to hold "${zhRural}"`);

      await setLang(page, 'en');
      const en = await refusedExport(page, 'villages', 'villages?format=csv&town=nowhere');
      const enTown = fill('en', 'export.refusal.town_unknown', { town: 'nowhere' });
      assert.ok(en.text.includes(enTown), `status "${en.text}", want it to hold "${enTown}"`);
    } finally {
      await context.close();
    }
  });

  test('a snapshot refused by the server is said in Chinese, naming the town', async (t) => {
    const leader = [...demoAccounts().keys()].find((u) => u.startsWith('leader-'));
    if (!leader) {
      t.skip('this server has no team leader account');
      return;
    }
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    try {
      await openApp(page, leader);
      await page.click('#tab-planner'); // a team leader lands on their team's tab
      await page.locator('#snap-save').waitFor();
      const towns = await page.evaluate(async () => (await (await fetch('/api/v1/towns')).json()));
      const own = leader.replace(/^leader-/, '');
      const other = (Array.isArray(towns) ? towns : towns.towns).find((x) => x.code !== own);
      // The form offers the leader's own town only: make it offer another.
      await page.locator('#snap-town').evaluate((sel, c) => { sel.add(new Option(c, c), 0); }, other.code);
      await page.locator('#snap-town').selectOption(other.code);
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/snapshots') && r.request().method() === 'POST'),
        page.click('#snap-save'),
      ]);
      assert.equal(res.status(), 403);
      const body = await res.json();
      assert.deepEqual([body.error.details.reason, body.error.details.params.town], ['town_not_yours', other.code], JSON.stringify(body));
      const msg = page.locator('#snap-save-msg[role="alert"]');
      await msg.waitFor();
      const want = fill('zh-CN', 'snap.refused', { message: fill('zh-CN', 'snap.refusal.town_not_yours', { town: other.name }) });
      assert.equal(await msg.innerText(), want, 'the refusal in Chinese, the town by its name');
      await page.locator('#snapshots-section').screenshot({ path: join(ARTIFACTS, 'refusal-snapshot-zh.png') });
    } finally {
      await context.close();
    }
  });
});
