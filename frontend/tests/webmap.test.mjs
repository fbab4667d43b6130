// The web map in Chromium against a served demo county: the heat map draws
// hexagons, the metric changes them, a team's gap table lists exactly the
// API's villages, a row zooms to its village and opens the panel, the
// language switch relabels the page, and the print view renders.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  ARTIFACTS, BASE, canvasPixels, changedShare, colouredShare, launch, mapIdle, openApp, shot,
} from './helpers.mjs';

/** stepValue evaluates the map's stepped paint value (maybe inside ["case", ["has", A], ...]) at x. */
function stepValue(expr, x) {
  const step = expr[0] === 'case' ? expr[2] : expr;
  let out = step[2];
  for (let i = 3; i < step.length; i += 2) if (x >= step[i]) out = step[i + 1];
  return out;
}

/** download clicks a button that saves a file and returns the file's JSON (kept in the artifacts). */
async function downloadJSON(page, selector) {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 10000 }), page.click(selector)]);
  const path = join(ARTIFACTS, file.suggestedFilename());
  await file.saveAs(path);
  return JSON.parse(readFileSync(path, 'utf8'));
}

describe('web map', () => {
  let browser;
  let page;
  let team = null; // {code, name, gaps}

  before(async () => {
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1366, height: 900 }, deviceScaleFactor: 1, locale: 'zh-CN' });
    await openApp(page, 'planner');
  });

  after(async () => {
    await browser?.close();
  });

  test('the heat map draws hexagons', async () => {
    const px = await canvasPixels(page);
    const share = colouredShare(px);
    await shot(page, 'planner-heat');
    assert.ok(share > 0.05, `coloured (hexagon) pixels in the map canvas: ${(share * 100).toFixed(1)}%, want more than 5%`);
    const legend = await page.locator('#legend li').count();
    assert.ok(legend >= 2, `legend classes: ${legend}, want at least 2`);
    // Hovering a hexagon shows its numbers.
    const box = await page.locator('#map canvas').boundingBox();
    let spot = null;
    for (let i = 0; i < px.data.length && !spot; i += 4 * 7) {
      const [r, g, b] = [px.data[i], px.data[i + 1], px.data[i + 2]];
      if (Math.max(r, g, b) - Math.min(r, g, b) > 60) {
        const k = i / 4;
        spot = { x: box.x + (k % px.width) * 2 + 1, y: box.y + Math.floor(k / px.width) * 2 + 1 };
      }
    }
    assert.ok(spot, 'found a hexagon pixel to hover');
    await page.mouse.move(spot.x, spot.y);
    await page.locator('.maplibregl-popup.tip').waitFor({ timeout: 10000 });
    assert.match(await page.locator('.maplibregl-popup.tip').innerText(), /覆盖率/, 'the tooltip shows the cell\'s coverage');
    await page.mouse.move(box.x + 2, box.y + box.height - 2);
    await page.locator('#summary .card').first().waitFor();
    const cards = await page.locator('#summary .card').count();
    assert.ok(cards >= 8, `summary dashboard cards: ${cards}, want at least 8`);
  });

  test('the summary shows the rural figures the API gives', async () => {
    const want = await page.evaluate(async () => {
      const q = new URLSearchParams({ ...window.lianxin.window, town: window.lianxin.town || '' });
      const res = await fetch(`/api/v1/reports/summary?${q}`);
      if (!res.ok) throw new Error(`GET summary: ${res.status}`);
      return res.json();
    });
    assert.ok(want.rural_resident_population > 0, `API rural_resident_population ${want.rural_resident_population}, want > 0`);
    const share = new Intl.NumberFormat('zh-CN', { style: 'percent', maximumFractionDigits: 1 })
      .format(want.rural_visited_residents / want.rural_resident_population);
    const card = page.locator('#summary .card[data-key="rural"]');
    const label = await card.locator('dt').innerText();
    const value = await card.locator('dd').innerText();
    assert.match(label, /农村常住人口/, `rural card label ${JSON.stringify(label)}`);
    assert.equal(value, `${share}（${want.rural_villages_reached}/${want.rural_villages} 村达到三分之一）`,
      `rural card: got ${JSON.stringify(value)}, want the API's ${want.rural_visited_residents}/${want.rural_resident_population} residents, ${want.rural_villages_reached}/${want.rural_villages} villages`);
    // Villages the privacy rules leave out of the figures are said to be left out.
    const note = page.locator('#summary-suppressed');
    if (want.villages_suppressed > 0) {
      assert.match(await note.innerText(), new RegExp(`另有 ${want.villages_suppressed} 个村`), 'the summary says how many villages it leaves out');
    } else {
      assert.equal(await note.count(), 0, 'no villages left out, no note');
    }
  });

  test('switching the metric changes the hexagons', async () => {
    const before = await canvasPixels(page);
    await page.check('input[name=metric][value=special_waiting]');
    await page.waitForFunction(() => window.lianxin.map.metric.key === 'special_waiting');
    await mapIdle(page);
    // Count breaks follow the loaded values; let the recolouring draw too.
    await mapIdle(page);
    const after = await canvasPixels(page);
    const changed = changedShare(before, after);
    await shot(page, 'planner-heat-special');
    assert.ok(changed > 0.02, `pixels changed by switching coverage → special groups waiting: ${(changed * 100).toFixed(1)}%, want more than 2%`);
    // Hexagons whose count the privacy rules hide are drawn grey (the legend's 已隐藏 swatch).
    const hiddenGrey = (await page.locator('#legend .legend-hidden .swatch').evaluate((e) => getComputedStyle(e).backgroundColor))
      .match(/\d+/g).slice(0, 3).map(Number);
    let grey = 0;
    for (let i = 0; i < after.data.length; i += 4) {
      if (hiddenGrey.every((v, j) => Math.abs(after.data[i + j] - v) <= 6)) grey++;
    }
    const drawn = colouredShare(after) + grey / (after.data.length / 4);
    assert.ok(drawn > 0.05, `the special-groups metric still draws hexagons (in a class or hidden): ${(drawn * 100).toFixed(1)}%`);
    await page.check('input[name=metric][value=coverage]');
  });

  test('the village choropleth marks the one-third line', async () => {
    await page.check('input[name=mode][value=villages]');
    await mapIdle(page);
    const below = await page.evaluate(() => window.lianxin.map.map.getLayoutProperty('villages-below', 'visibility'));
    assert.equal(below, 'visible', 'the below-one-third outline layer is shown in village mode');
    const legendText = await page.locator('#legend').innerText();
    assert.match(legendText, /三分之一/, `legend ${JSON.stringify(legendText)} names the one-third line`);
    await shot(page, 'planner-villages');
    await page.check('input[name=mode][value=heat]');
    await mapIdle(page);
  });

  test('a village found by name with the keyboard opens its panel', async () => {
    await page.waitForFunction(() => document.querySelectorAll('#village-names option').length > 0);
    const name = await page.locator('#village-names option').first().getAttribute('value');
    await page.focus('#village-find');
    await page.keyboard.type(name);
    await page.keyboard.press('Enter');
    await page.locator('#village-panel').waitFor({ state: 'visible' });
    await page.locator('#village-body .facts').first().waitFor();
    const title = await page.locator('#village-title').innerText();
    assert.ok(name.startsWith(title), `panel title ${JSON.stringify(title)}, want the village of ${JSON.stringify(name)}`);
    await page.keyboard.press('Escape');
    await page.locator('#village-panel').waitFor({ state: 'hidden' });
    await mapIdle(page);
  });

  test('play animates the time window week by week', async () => {
    const weeks = await page.evaluate(() => window.lianxin.weeks.length);
    assert.ok(weeks > 4, `campaign weeks: ${weeks}`);
    await page.click('#play');
    assert.equal(await page.locator('#play').getAttribute('aria-pressed'), 'true');
    // The first frame is week 1 alone; the next ones add a week each.
    await page.waitForFunction(() => Number(document.getElementById('week-to').value) >= 2, null, { timeout: 60000 });
    const win = await page.evaluate(() => window.lianxin.window);
    assert.ok(win.from < win.to, `window ${JSON.stringify(win)}`);
    await page.click('#play');
    assert.equal(await page.locator('#play').getAttribute('aria-pressed'), 'false');
    // Back to the whole campaign for the tests that follow.
    await page.locator('#week-to').evaluate((el, n) => {
      el.value = String(n);
      el.dispatchEvent(new Event('change'));
    }, weeks);
    await mapIdle(page);
  });

  test("a team's gap table lists exactly the villages the API returns", async () => {
    await page.click('#tab-team');
    const options = await page.locator('#team option').evaluateAll((os) => os.map((o) => ({ code: o.value, name: o.textContent })).filter((o) => o.code));
    assert.ok(options.length > 0, 'the team list is not empty');
    // The first team with a gap to show.
    for (const o of options) {
      const rows = await page.evaluate(async (code) => {
        const w = window.lianxin.window;
        const q = new URLSearchParams({ format: 'json', ...(code.startsWith('town:') ? { town: code.slice(5) } : { team: code }), from: w.from, to: w.to });
        const res = await fetch(`/api/v1/reports/gaps?${q}`);
        if (!res.ok) throw new Error(`GET gaps for ${code}: ${res.status} ${await res.text()}`);
        const body = await res.json();
        return Array.isArray(body) ? body : body.rows || body.villages || [];
      }, o.code);
      if (rows.length > 0) {
        team = { ...o, gaps: rows.map((r) => r.village_code).sort() };
        break;
      }
    }
    assert.ok(team, 'some team has villages below one-third in the demo county');
    await page.selectOption('#team', team.code);
    await page.locator('#gap-table tbody tr').first().waitFor();
    const shown = (await page.locator('#gap-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.key))).sort();
    assert.deepEqual(shown, team.gaps, `gap table of team ${team.code}: got ${shown.join(',')}, want the API's ${team.gaps.join(',')}`);
    await mapIdle(page);
    await shot(page, 'team-gaps');
  });

  test('the gap table sorts by a column', async () => {
    await page.click('#gap-table th button[data-key="residents_needed"]');
    await page.click('#gap-table th button[data-key="residents_needed"]'); // descending
    const th = page.locator('#gap-table th', { has: page.locator('button[data-key="residents_needed"]') });
    assert.equal(await th.getAttribute('aria-sort'), 'descending');
    const idx = await th.evaluate((el) => [...el.parentElement.children].indexOf(el));
    const values = await page.locator(`#gap-table tbody tr td:nth-child(${idx + 1})`).allInnerTexts();
    const nums = values.map((v) => Number(v.replace(/[^\d.-]/g, '')));
    const sorted = [...nums].sort((a, b) => b - a);
    assert.deepEqual(nums, sorted, `residents needed, descending: got ${nums}`);
  });

  test('clicking a gap row zooms to the village and opens its panel', async () => {
    const row = page.locator('#gap-table tbody tr').first();
    const code = await row.getAttribute('data-key');
    const before = await page.evaluate(() => ({ zoom: window.lianxin.map.map.getZoom(), centre: window.lianxin.map.map.getCenter().toArray() }));
    await row.click();
    await page.locator(`#village-panel[data-code="${code}"]`).waitFor({ state: 'visible' });
    await page.waitForFunction(() => !window.lianxin.map.map.isMoving());
    await mapIdle(page);
    const afterView = await page.evaluate(() => ({ zoom: window.lianxin.map.map.getZoom(), centre: window.lianxin.map.map.getCenter().toArray() }));
    const moved = Math.abs(afterView.zoom - before.zoom) > 0.5
      || Math.hypot(afterView.centre[0] - before.centre[0], afterView.centre[1] - before.centre[1]) > 0.005;
    assert.ok(moved, `the map moved to village ${code}: before ${JSON.stringify(before)}, after ${JSON.stringify(afterView)}`);
    // Framed by its outline (review 3), at whatever zoom that takes.
    const outline = await page.evaluate((c) => {
      const m = window.lianxin.map.map;
      const view = m.getBounds();
      let n = 0;
      let out = 0;
      for (const f of m.querySourceFeatures('villages', { sourceLayer: 'villages', filter: ['==', ['get', 'code'], c] })) {
        const walk = (x) => (typeof x[0] === 'number' ? (n++, view.contains(x) || out++) : x.forEach(walk));
        walk(f.geometry.coordinates);
      }
      return { n, out };
    }, code);
    assert.ok(outline.n > 0 && outline.out === 0, `village ${code}'s outline in view: ${outline.out} of ${outline.n} points out (zoom ${afterView.zoom})`);
    await page.locator('#village-body .facts').first().waitFor();
    const title = await page.locator('#village-title').innerText();
    assert.ok(title.trim().length > 0, 'the panel names the village');
    await shot(page, 'village-panel');
  });

  test('switching the language changes the labels', async () => {
    const zh = await page.locator('#tab-planner').innerText();
    assert.equal(zh, '规划');
    await page.click('#lang');
    assert.equal(await page.locator('#tab-planner').innerText(), 'Planner');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.equal(await page.locator('#gaps-title').innerText(), 'Villages in gap (rural below one-third, communities not visited)');
    const header = await page.locator('#gap-table thead th').first().innerText();
    assert.equal(header.trim(), 'Village', 'table headings follow the language');
    await shot(page, 'team-gaps-en');
    await page.click('#lang');
    assert.equal(await page.locator('#tab-planner').innerText(), '规划');
  });

  test('the print view of the plan renders', async () => {
    await page.click('#print-open');
    await page.locator('#print-view[data-ready="true"]').waitFor();
    const title = await page.locator('#print-title').innerText();
    assert.ok(title.includes(team.name), `print title ${JSON.stringify(title)} names team ${team.name}`);
    const gapRows = await page.locator('#print-gaps tbody tr').count();
    assert.equal(gapRows, team.gaps.length, 'the print view lists the gap villages');
    const img = await page.locator('#print-map').evaluate((el) => el.complete && el.naturalWidth);
    assert.ok(img > 0, 'the print view holds the map picture');
    await page.emulateMedia({ media: 'print' });
    const hidden = await page.locator('#sidebar').evaluate((el) => getComputedStyle(el).display === 'none'
      || getComputedStyle(el.closest('main')).display === 'none');
    assert.ok(hidden, 'the print stylesheet hides the app around the print view');
    await shot(page, 'print-view', { fullPage: true });
    await page.pdf({ path: `${process.env.LIANXIN_ARTIFACTS || '../test-artifacts'}/print-view.pdf`, format: 'A4' });
    await page.emulateMedia({ media: 'screen' });
    await page.click('#print-close');
  });

  test('the GIS view lists layers with downloads and copyable URLs', async () => {
    await page.click('#tab-gis');
    const ogc = await page.locator('#url-ogc').inputValue();
    assert.ok(ogc.endsWith('/ogc'), `OGC URL ${ogc}`);
    const tj = await page.locator('#url-tj-villages').inputValue();
    // (It carries the planner view's town and window, if any: review GIS nit 9.)
    assert.ok(new URL(tj).pathname.endsWith('/tiles/villages.json'), `TileJSON URL ${tj}`);
    await page.waitForFunction(() => document.querySelectorAll('#layer-list a.download').length > 0);
    const links = await page.locator('#layer-list a.download').count();
    assert.ok(links >= 10, `download links: ${links}`);
    // The server has exports: no "not available" note, and a link reaches a route that exists.
    await page.waitForTimeout(200);
    assert.equal(await page.locator('#layer-list .warn').count(), 0, 'no "exports missing" note');
    const href = await page.locator('#layer-list a.download').first().getAttribute('href');
    const status = await page.evaluate(async (u) => (await fetch(u)).status, href);
    assert.ok(status === 200 || status === 403, `GET ${href} = ${status}, want 200 (or 403 for a role without exports)`);
    await shot(page, 'gis');
  });

  test('the QGIS style download is the live map\'s style', async () => {
    // The village choropleth, so the villages' style has its classes.
    await page.click('#tab-planner');
    await page.check('input[name=mode][value=villages]');
    await mapIdle(page);
    await page.click('#tab-gis');
    const style = await downloadJSON(page, '#style-download-villages');
    const live = await page.evaluate(() => window.lianxin.map.map.getStyle());
    assert.equal(style.version, 8, 'style version');
    assert.deepEqual(Object.keys(style.sources), ['villages'], 'the villages style has the villages source only');
    const tiles = style.sources.villages.tiles[0];
    assert.ok(tiles.startsWith(`${BASE}/tiles/villages/{z}/{x}/{y}.mvt`), `tile URL ${tiles}, want absolute under ${BASE}`);
    assert.deepEqual(style.sources.villages.tiles, live.sources.villages.tiles, 'the tiles (and their window) are the map\'s');
    const byId = new Map(live.layers.map((l) => [l.id, l]));
    let classes = 0;
    for (const l of style.layers) {
      const from = byId.get(l.metadata?.['lianxin:layer']);
      assert.ok(from, `style layer ${l.id} names a map layer: ${JSON.stringify(l.metadata)}`);
      assert.match(l.id, /^村（社区）/, `layer id ${JSON.stringify(l.id)} is the layer's zh-CN name`);
      const cls = l.metadata['lianxin:class'];
      if (!cls) {
        assert.deepEqual(l.paint, from.paint, `paint of ${l.id}, want the map's ${from.id}`);
        continue;
      }
      classes++;
      // A class of a stepped colour: the colour the map gives a value in it, the rest as the map.
      const { 'fill-color': colour, ...rest } = l.paint;
      const { 'fill-color': liveColour, ...liveRest } = from.paint;
      const want = cls.min === null && cls.max === null ? liveColour[3] : stepValue(liveColour, cls.min ?? cls.max - 1e-9);
      assert.equal(colour, want, `colour of class ${l.id} (${cls.min}–${cls.max}), want the map's`);
      assert.deepEqual(rest, liveRest, `other paint of ${l.id}`);
    }
    assert.equal(classes, 7, 'villages fill: 6 coverage classes and one without population');
    assert.ok(style.layers.some((l) => l.metadata['lianxin:layer'] === 'villages-below'), 'the below-one-third outline is in the style');
    // The whole map: every vector layer of the map, no raster, no background, no GeoJSON.
    const all = await downloadJSON(page, '#style-download-map');
    for (const [id, s] of Object.entries(all.sources)) {
      assert.equal(s.type, 'vector', `source ${id}`);
      assert.match(s.tiles[0], /^https?:\/\//, `source ${id} tiles are absolute`);
    }
    const mapped = new Set(all.layers.map((l) => l.metadata['lianxin:layer']));
    const shown = live.layers.filter((l) => live.sources[l.source]?.type === 'vector' && l.id !== 'village-selected'
      && l.layout?.visibility !== 'none').map((l) => l.id);
    assert.deepEqual(shown.filter((id) => !mapped.has(id)), [], 'shown map layers missing from the whole-map style');
    assert.deepEqual([...mapped].filter((id) => !shown.includes(id)), [], 'hidden map layers in the whole-map style (QGIS would draw them)');
    assert.ok(all.layers.every((l) => ['fill', 'line', 'circle'].includes(l.type)), 'only fill, line and circle layers');
    await page.click('#tab-planner');
    await page.check('input[name=mode][value=heat]');
    await mapIdle(page);
    await page.click('#tab-gis');
  });

  test('a tablet-sized window keeps the controls and the map', async () => {
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.click('#tab-planner');
    await mapIdle(page);
    const mapBox = await page.locator('#map').boundingBox();
    assert.ok(mapBox && mapBox.height > 300 && mapBox.width > 600, `map box on a tablet: ${JSON.stringify(mapBox)}`);
    assert.ok(await page.locator('#metrics input').first().isVisible(), 'the metric switcher is visible on a tablet');
    await shot(page, 'tablet');
    await page.setViewportSize({ width: 1366, height: 900 });
  });
});

describe('when the server fails', () => {
  test('an unreachable server is said plainly', async () => {
    const browser = await launch();
    try {
      const page = await browser.newPage();
      const { BASE } = await import('./helpers.mjs');
      await page.goto(`${BASE}/`);
      // From now on the API is cut off, as when the server goes away.
      await page.route('**/api/**', (route) => route.abort('connectionrefused'));
      await page.route('**/tiles/**', (route) => route.abort('connectionrefused'));
      await page.reload();
      const status = page.locator('#status');
      await status.waitFor({ state: 'visible', timeout: 20000 });
      assert.match(await status.innerText(), /无法连接服务器/);
      await shot(page, 'unreachable');
    } finally {
      await browser.close();
    }
  });
});
