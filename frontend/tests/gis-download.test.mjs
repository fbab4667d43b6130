// The GIS tab's downloads, exports and the offline package alike, go
// through one helper (gis.js download): the same URL with check=true first,
// which sends no file, so a refusal is said on the page and nothing is
// saved; then the browser follows the link itself, a normal download with
// the server's file name, its progress and cancel, never a copy held in the
// tab's memory (a blob: URL).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { demoAccounts, launch, openApp, shot } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/**
 * nothingSaved clicks an export the server accepts and asserts that its
 * file is the first download of the page: a refused one before it was not
 * saved (its download would have started first).
 */
async function nothingSaved(page, downloads) {
  const link = page.locator('#layer-list tr[data-layer="towns"] a.download[href*="format=csv"]').first();
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.deepEqual(downloads.map((d) => d.suggestedFilename()), [download.suggestedFilename()], 'the refused file was not saved');
}

/** gisTab opens the GIS tab as user, recording the export requests the page makes and its downloads. */
async function gisTab(user, pageLang = 'zh-CN') {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: pageLang });
  const page = await context.newPage();
  const requests = [];
  const downloads = [];
  page.on('request', (r) => { if (r.url().includes('/api/v1/export/')) requests.push(r.url()); });
  page.on('download', (d) => downloads.push(d));
  await openApp(page, user);
  await page.click('#tab-gis');
  await page.waitForFunction(() => document.querySelectorAll('#layer-list a.download').length > 0);
  return { context, page, requests, downloads };
}

const checked = (u) => new URL(u).searchParams.get('check') === 'true';

describe('GIS tab downloads', () => {
  test('an accepted export is checked, then downloaded by the browser under the server\'s name', async () => {
    const { context, page, requests } = await gisTab('gis');
    const link = page.locator('#layer-list tr[data-layer="villages"] a.download[href*="format=gpkg"]').first();
    const href = await link.getAttribute('href');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    assert.ok(!download.url().startsWith('blob:'), `the download's URL ${download.url()}: want the export's own, not a copy in the tab`);
    assert.equal(download.url(), new URL(href, page.url()).href, 'the browser followed the link as offered');
    // The server's name (Content-Disposition), as the check said it.
    assert.match(download.suggestedFilename(), /^villages.*\.gpkg$/, `file name ${download.suggestedFilename()}`);
    const bytes = readFileSync(await download.path());
    assert.equal(bytes.subarray(0, 15).toString('latin1'), 'SQLite format 3', 'the file is a GeoPackage, not an error');
    // The page's requests do not list the browser's own download: the check is the page's one.
    assert.deepEqual(requests, [new URL(`${href}&check=true`, page.url()).href], 'the page asked the check, and fetched no file itself');
    const status = page.locator('#export-status', { hasText: download.suggestedFilename() });
    await status.waitFor();
    await shot(page, 'gis-download-accepted');
    await context.close();
  });

  test('a refused export says the server\'s reason on the page and downloads nothing', async () => {
    const { context, page, requests, downloads } = await gisTab('gis');
    const link = page.locator('#layer-list tr[data-layer="projects"] a.download').first();
    // A shapefile of points and polygons, which the tab never offers.
    await link.evaluate((a) => a.setAttribute('href', '/api/v1/export/projects?format=shp'));
    await link.click();
    const status = page.locator('#export-status', { hasText: '导出失败' });
    await status.waitFor();
    // The server's reason (shp_mixed), worded in Chinese, not its English.
    assert.match(await status.innerText(), /既有点也有面/, 'the server\'s reason is shown');
    assert.doesNotMatch(await status.innerText(), /points and polygons/, 'in the page\'s language');
    assert.equal(await status.getAttribute('class'), 'warn', 'said as a warning');
    assert.ok(requests.length === 1 && checked(requests[0]), `export requests ${JSON.stringify(requests)}: want only the check`);
    await shot(page, 'gis-download-refused');
    await nothingSaved(page, downloads);
    await context.close();
  });

  test('a refused offline package says why and downloads nothing', async (t) => {
    const leader = [...demoAccounts().keys()].find((u) => u.startsWith('leader-'));
    if (!leader) {
      t.skip('this server has no team leader account');
      return;
    }
    const { context, page, requests, downloads } = await gisTab(leader, 'en');
    const own = leader.replace(/^leader-/, '');
    const other = await page.evaluate(async (mine) => {
      const r = await (await fetch('/api/v1/towns')).json();
      return (Array.isArray(r) ? r : r.towns).map((x) => x.code).find((c) => c !== mine);
    }, own);
    // The select offers the leader's own town only: make it offer another.
    await page.locator('#pmtiles-town option').first().evaluate((o, c) => { o.value = c; }, other);
    await page.selectOption('#pmtiles-town', other);
    await page.click('#pmtiles-download');
    const status = page.locator('#pmtiles-status.warn');
    await status.waitFor();
    // The page is Chinese (the browser's locale does not choose it): the
    // server's reason (town_not_yours) in Chinese.
    assert.match(await status.innerText(), /不是您负责的镇街/, 'the server\'s reason (town_not_yours) is shown');
    assert.equal(await page.locator('#pmtiles-download').isDisabled(), false, 'the button is usable again');
    assert.ok(requests.length === 1 && checked(requests[0]), `export requests ${JSON.stringify(requests)}: want only the check`);
    await nothingSaved(page, downloads);
    await context.close();
  });
});
