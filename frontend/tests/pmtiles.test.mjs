// The GIS view's offline map package: a GIS user picks a town, clicks the
// button, and gets a PMTiles v3 archive of that town (the Go tests decode
// its tiles); a team leader gets only the town of the team.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ARTIFACTS, demoAccounts, launch, openApp, shot } from './helpers.mjs';

describe('offline map package', () => {
  let browser;

  before(async () => {
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
  });

  test('the button downloads the PMTiles archive of the chosen town', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    await openApp(page, 'gis');
    await page.click('#tab-gis');
    const btn = page.locator('#pmtiles-download');
    await btn.waitFor();
    assert.equal(await btn.innerText(), '下载离线地图包', 'the button is labelled in Chinese');
    await page.waitForFunction(() => document.querySelectorAll('#pmtiles-town option').length > 1);
    // Pick the second town, so the choice (not a default) decides the file.
    const code = await page.locator('#pmtiles-town option').nth(1).getAttribute('value');
    await page.selectOption('#pmtiles-town', code);
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 240000 }),
      btn.click(),
    ]);
    // Named as the town's CSV downloads are: code, then the town's name.
    const towns = await page.evaluate(async () => (await (await fetch('/api/v1/towns')).json()));
    const name = (Array.isArray(towns) ? towns : towns.towns).find((x) => x.code === code)?.name;
    assert.ok(name, `town ${code} is in /api/v1/towns`);
    const file = `${code}_${name}.pmtiles`;
    assert.equal(download.suggestedFilename(), file, 'the file is named for the town, its code and its name');
    assert.match(download.url(), /\/api\/v1\/export\/pmtiles\?/, `the download's URL ${download.url()}: the browser follows the package's own, no copy in the tab (blob:)`);
    const path = join(ARTIFACTS, `${code}.pmtiles`);
    await download.saveAs(path);
    const b = readFileSync(path);
    assert.equal(b.subarray(0, 7).toString('latin1'), 'PMTiles', 'the file starts with the PMTiles magic');
    assert.equal(b[7], 3, 'PMTiles spec version 3');
    const tiles = Number(b.readBigUInt64LE(72)); // addressed tiles count
    assert.ok(tiles > 0, `addressed tiles: ${tiles}, want some`);
    const [minZoom, maxZoom] = [b[100], b[101]];
    assert.deepEqual([minZoom, maxZoom], [8, 15], 'the web map asks for zooms 8-15');
    await page.locator('#pmtiles-status', { hasText: file }).waitFor();
    assert.equal(await btn.isDisabled(), false, 'the button is usable again');
    await shot(page, 'gis-pmtiles');
    await page.close();
  });

  test('a team leader gets the team\'s town and no other', async (t) => {
    const leader = [...demoAccounts().entries()].find(([, a]) => a.role.startsWith('team_leader'));
    if (!leader) {
      t.skip('this server has no team leader account');
      return;
    }
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'en' });
    await openApp(page, leader[0]);
    const codes = await page.evaluate(async () => (await (await fetch('/api/v1/towns')).json()));
    const towns = Array.isArray(codes) ? codes : codes.towns;
    const own = leader[0].replace(/^leader-/, '');
    const other = towns.map((x) => x.code).find((c) => c !== own);
    const status = await page.evaluate(async (c) => (await fetch(`/api/v1/export/pmtiles?town=${c}&minzoom=11&maxzoom=11`)).status, other);
    assert.equal(status, 403, `a leader of ${own} asking for town ${other}: ${status}, want 403`);
    await page.close();
  });
});
