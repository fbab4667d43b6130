// The QGIS style export without a browser: the map's stepped colours become
// one layer per class whose filters cover every value exactly once, filters
// lose what QGIS 3.22 cannot read, and only absolute vector sources stay.
// (webmap.test.mjs compares a download with the live map; scripts/qgis-check.py
// has QGIS itself read one.)

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { qgisFilter, qgisStyle, qgisValue } from '../src/qgisstyle.js';
import { CIVIDIS, SHARE_BREAKS, VIRIDIS, coloursFor, stepExpression } from '../src/scales.js';

/** matches evaluates the small filter language the export writes, for one feature's properties. */
function matches(f, p) {
  const val = (e) => (Array.isArray(e) && e[0] === 'get' ? p[e[1]] : e);
  switch (f[0]) {
    case 'all': return f.slice(1).every((x) => matches(x, p));
    case 'any': return f.slice(1).some((x) => matches(x, p));
    case '!': return !matches(f[1], p);
    case 'has': return p[f[1]] !== undefined;
    case '<': return val(f[1]) < val(f[2]);
    case '>=': return val(f[1]) >= val(f[2]);
    case '==': return val(f[1]) === val(f[2]);
    default: throw new Error(`the export wrote ${f[0]}, which QGIS 3.22 may not read`);
  }
}

const origin = 'http://127.0.0.1:8080';
const live = (paint, extra = {}) => ({
  version: 8,
  sources: {
    villages: { type: 'vector', tiles: [`${origin}/tiles/villages/{z}/{x}/{y}.mvt?from=2026-03-01`], minzoom: 5, maxzoom: 16 },
    h3: { type: 'vector', tiles: [`${origin}/tiles/h3/{z}/{x}/{y}.mvt`] },
    basemap: { type: 'raster', tiles: ['https://tiles.example/{z}/{x}/{y}.png'] },
    plan: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } },
    relative: { type: 'vector', tiles: ['/tiles/towns/{z}/{x}/{y}.mvt'] },
  },
  layers: [
    { id: 'background', type: 'background', paint: { 'background-color': '#f2f1ec' } },
    { id: 'basemap', type: 'raster', source: 'basemap' },
    { id: 'villages-fill', type: 'fill', source: 'villages', 'source-layer': 'villages', paint },
    { id: 'h3-fill', type: 'fill', source: 'h3', 'source-layer': 'h3', layout: { visibility: 'none' },
      paint: { 'fill-color': stepExpression('visits', [2, 5], coloursFor(VIRIDIS, [2, 5])) } },
    { id: 'plan-line', type: 'line', source: 'plan', paint: { 'line-color': '#000' } },
    { id: 'towns-line', type: 'line', source: 'relative', 'source-layer': 'towns', paint: { 'line-color': '#222' } },
    ...(extra.layers || []),
  ],
});

test('a stepped colour becomes one layer per class, each value in exactly one', () => {
  const colours = coloursFor(CIVIDIS, SHARE_BREAKS);
  const paint = { 'fill-color': ['case', ['has', 'coverage'], stepExpression('coverage', SHARE_BREAKS, colours), '#bdbdbd'], 'fill-opacity': 0.8 };
  const out = qgisStyle(live(paint), { sources: ['villages'] });
  assert.deepEqual(Object.keys(out.sources), ['villages']);
  assert.equal(out.layers.length, colours.length + 1, 'classes and the one without coverage');
  const cases = [[{}, '#bdbdbd'], [{ coverage: 0 }, colours[0]], [{ coverage: 0.1 }, colours[1]], [{ coverage: 1 / 3 }, colours[3]],
    [{ coverage: 0.3332 }, colours[2]], [{ coverage: 0.99 }, colours[5]]];
  for (const [p, want] of cases) {
    const hit = out.layers.filter((l) => matches(l.filter, p));
    assert.equal(hit.length, 1, `feature ${JSON.stringify(p)} is in ${hit.length} classes, want 1`);
    assert.equal(hit[0].paint['fill-color'], want, `colour of ${JSON.stringify(p)}`);
    assert.equal(hit[0].paint['fill-opacity'], 0.8, 'the other paint stays');
  }
});

test('a count step with a default puts features without the value in the default\'s class', () => {
  const out = qgisStyle(live({ 'fill-color': '#000' }), { sources: ['h3'] });
  const colours = coloursFor(VIRIDIS, [2, 5]);
  for (const [p, want] of [[{}, colours[0]], [{ visits: 1 }, colours[0]], [{ visits: 2 }, colours[1]], [{ visits: 9 }, colours[2]]]) {
    const hit = out.layers.filter((l) => matches(l.filter, p));
    assert.deepEqual(hit.map((l) => l.paint['fill-color']), [want], `visits ${JSON.stringify(p)}`);
  }
  assert.ok(out.layers.every((l) => !l.layout?.visibility), 'one layer\'s style shows its hidden parts');
});

test('the whole map keeps absolute vector sources and shown layers only', () => {
  const out = qgisStyle(live({ 'fill-color': '#123456' }));
  assert.deepEqual(Object.keys(out.sources).sort(), ['h3', 'villages'], 'no raster, GeoJSON or relative source');
  assert.deepEqual(out.layers.map((l) => l.metadata['lianxin:layer']), ['villages-fill'], 'hidden h3 left out');
  assert.equal(out.sources.villages.tiles[0], `${origin}/tiles/villages/{z}/{x}/{y}.mvt?from=2026-03-01`);
});

test('filters and values QGIS 3.22 cannot read are rewritten', () => {
  const cases = [
    [['==', ['to-number', ['get', 'town_id']], 3], ['==', ['get', 'town_id'], 3]],
    [['all', ['has', 'coverage'], ['!', ['to-boolean', ['get', 'reached']]]], ['all', ['has', 'coverage'], ['==', ['get', 'reached'], false]]],
    [['any', ['!', ['has', 'town_id']], ['==', ['get', 'code'], 'x']], ['any', ['!', ['has', 'town_id']], ['==', ['get', 'code'], 'x']]],
  ];
  for (const [f, want] of cases) assert.deepEqual(qgisFilter(f), want, `filter ${JSON.stringify(f)}`);
  const values = [
    [['interpolate', ['linear'], ['zoom'], 8, 1, 13, 2.5], ['interpolate', ['linear'], ['zoom'], 8, 1, 13, 2.5]],
    [['match', ['get', 'kind'], 'road', '#7f3b08', '#0072b2'], ['match', ['get', 'kind'], 'road', '#7f3b08', '#0072b2']],
    [['match', ['get', 'kind'], 'road', ['literal', [1, 0]], ['literal', [3, 1]]], [3, 1]],
    [['case', ['has', 'cell'], ['interpolate', ['linear'], ['sqrt', ['get', 'visits']], 1, 2, 30, 14], 2.5], 2.5],
    [[2, 1.2], [2, 1.2]],
    ['#fff', '#fff'],
  ];
  for (const [v, want] of values) assert.deepEqual(qgisValue(v), want, `value ${JSON.stringify(v)}`);
});
