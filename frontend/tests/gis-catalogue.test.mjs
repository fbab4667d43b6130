// The GIS tab offers only downloads the server gives (GIS staff review of
// 2026-11-27, faults 8, 9 and 13): the formats of each layer come from the
// server's export catalogue (GET /api/v1/export: no FlatGeobuf or KML for
// members, which has no geometry); with a town chosen, the H3 link of a
// role without household access leaves the town out (one town's share of
// each hexagon needs it) and the row says the hexagons are the county's;
// a team leader downloads their own town's hexagons at levels 9 and 10.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { apiJSON, demoAccounts, launch, openApp, shot } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** gisTab opens the GIS tab as user, after choosing town (a code, or '' for none) in the planner view. */
async function gisTab(user, town = '') {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const downloads = [];
  page.on('download', (d) => downloads.push(d));
  await openApp(page, user);
  if (town) await page.selectOption('#town', town);
  await page.click('#tab-gis');
  await page.waitForFunction(() => document.querySelectorAll('#layer-list a.download').length > 0);
  return { context, page, downloads };
}

/** formatsOffered lists the format parameters of a layer row's download links. */
const formatsOffered = (page, layer) => page.locator(`#layer-list tr[data-layer="${layer}"] a.download`)
  .evaluateAll((as) => [...new Set(as.map((a) => new URL(a.href).searchParams.get('format')))]);

/** clickDownload clicks link and waits for the tab to say the outcome: the file saved, or why not. */
async function clickDownload(page, link) {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }).catch(() => null), link.click()]);
  const status = page.locator('#export-status');
  return { download, cls: await status.getAttribute('class'), text: await status.innerText() };
}

describe('GIS tab: downloads the server gives', () => {
  test('each layer offers the formats of the server\'s catalogue: members has no FlatGeobuf or KML', async () => {
    const { context, page } = await gisTab('gis');
    try {
      await page.waitForFunction(() => document.querySelectorAll('#layer-list tr[data-layer="members"] a.download').length > 0);
      // The catalogue is asked after the first render: wait for the members row to lose FlatGeobuf.
      await page.waitForFunction(() => !document.querySelector('#layer-list tr[data-layer="members"] a.download[href*="format=fgb"]'),
        null, { timeout: 20000 });
      const catalogue = (await apiJSON(page, '/api/v1/export')).layers;
      const members = catalogue.find((l) => l.name === 'members');
      assert.equal(members.geometry, 'NONE', 'members has no geometry in the catalogue');
      assert.deepEqual(await formatsOffered(page, 'members'), members.formats, 'members: the catalogue\'s formats');
      assert.ok(!members.formats.includes('fgb') && !members.formats.includes('kml'), `members formats ${members.formats}`);
      const villages = catalogue.find((l) => l.name === 'villages');
      assert.deepEqual(await formatsOffered(page, 'villages'), villages.formats, 'villages: every format');
      assert.ok(villages.formats.includes('fgb') && villages.formats.includes('kml'), `villages formats ${villages.formats}`);
      // What is offered downloads: members as GeoPackage.
      const got = await clickDownload(page, page.locator('#layer-list tr[data-layer="members"] a.download[href*="format=gpkg"]'));
      assert.ok(got.download, `members GeoPackage: no download; the tab said ${got.text}`);
      await shot(page, 'gis-catalogue-members');
    } finally {
      await context.close();
    }
  });

  test('with a town chosen, a role without household access downloads the county\'s hexagons, and is told so', async () => {
    const probe = await gisTab('gis');
    const town = await probe.page.evaluate(async () => {
      const r = await (await fetch('/api/v1/towns')).json();
      const list = Array.isArray(r) ? r : r.towns;
      return { code: list[2].code, name: list[2].name };
    });
    await probe.context.close();
    const { context, page } = await gisTab('gis', town.code);
    try {
      const villages = await page.locator('#layer-list tr[data-layer="villages"] a.download').first().getAttribute('href');
      assert.match(villages, new RegExp(`town=${town.code}`), `villages link ${villages} is of the chosen town`);
      const hexLink = page.locator('#layer-list tr[data-layer="h3_cells"] a.download[href*="format=gpkg"]');
      const hex = await hexLink.getAttribute('href');
      assert.doesNotMatch(hex, /town=/, `H3 link ${hex}: no town= the role may not use`);
      // The TileJSON URLs follow the town too (nit 9), the hexagons' excepted.
      const tjVillages = await page.locator('#url-tj-villages').inputValue();
      assert.equal(new URL(tjVillages).searchParams.get('town'), town.code, `villages TileJSON ${tjVillages}`);
      const tjHex = await page.locator('#url-tj-h3').inputValue();
      assert.equal(new URL(tjHex).searchParams.get('town'), null, `h3 TileJSON ${tjHex}: no town the role may not use`);
      const note = await page.locator('#h3-county-note').innerText();
      assert.match(note, /全县六边形/, `the H3 row says the hexagons are the county's: ${note}`);
      assert.ok(note.includes(town.name), `the note names the chosen town ${town.name}: ${note}`);
      const got = await clickDownload(page, hexLink);
      assert.ok(got.download, `H3 GeoPackage: no download; the tab said ${got.text}`);
      assert.match(got.download.suggestedFilename(), /^h3_cells.*\.gpkg$/, got.download.suggestedFilename());
      await shot(page, 'gis-h3-county');
    } finally {
      await context.close();
    }
  });

  test('a team leader downloads their own town\'s hexagons at level 9', async (t) => {
    const leader = [...demoAccounts().keys()].find((u) => u.startsWith('leader-'));
    if (!leader) {
      t.skip('this server has no team leader account');
      return;
    }
    const own = leader.replace(/^leader-/, '');
    // A leader's town is fixed (no town choice): their links hold their towns.
    const { context, page } = await gisTab(leader);
    try {
      await page.selectOption('#export-res', '9');
      const hexLink = page.locator('#layer-list tr[data-layer="h3_cells"] a.download[href*="format=geojson"]');
      const hex = await hexLink.getAttribute('href');
      assert.match(hex, /resolution=9/, hex);
      const town = new URL(hex, page.url()).searchParams.get('town');
      assert.ok(town === null || town === own, `the leader's own town's hexagons: ${hex}`);
      assert.equal(await page.locator('#h3-county-note').count(), 0, 'no county note for the own town');
      const got = await clickDownload(page, hexLink);
      assert.ok(got.download, `H3 level 9 of the own town: no download; the tab said ${got.text}`);
    } finally {
      await context.close();
    }
  });
});
