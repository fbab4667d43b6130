// The web map's own style as a standalone Mapbox GL style (version 8), for
// QGIS: Layer Properties → Symbology → Style → Load Style ("MapBox GL Json
// Style File"), or a vector tile connection's Style URL. It is built from the
// live map (map.getStyle()), so the palette, the metric's breaks, the town
// and the time window are the ones on screen; nothing here repeats a colour.
//
// QGIS 3.22's converter (QgsMapBoxGlStyleConverter) reads literal values,
// "interpolate" by zoom and "match" on an attribute, and filters made of
// all/any/!/has/get/comparisons. It skips "step" and "case" paint values
// ("Skipping unsupported expression") and cannot read "to-number" or
// "to-boolean". So a stepped colour becomes one style layer per class, with
// the class bounds in the filter, and the few other values it cannot read
// become the constant the map uses by default. Raster layers (a configured
// basemap) and the background are left out: 3.22 skips raster layers, and a
// background would hide every QGIS layer under the tiles.
//
// Each layer's metadata names the map layer it comes from ("lianxin:layer")
// and, for a class, its attribute and bounds ("lianxin:class").

const SKIP = new Set(['village-selected']); // the clicked village: a selection, not a style

/**
 * qgisStyle turns a live MapLibre style into the standalone style.
 * sources: the vector sources to keep (null: all); name: the style's name;
 * label(layerId, source): a readable name for a map layer in the UI language;
 * classLabel(lo, hi, share): a class's range; noData: the name of the class
 * of features without the attribute. With sources given (one layer's style),
 * hidden map layers are shown; the whole map leaves them out.
 */
export function qgisStyle(live, {
  sources = null, name = 'lianxin', label = (id) => id, classLabel = defaultClassLabel, noData = 'no data',
} = {}) {
  const keep = Object.entries(live.sources || {})
    .filter(([id, s]) => s.type === 'vector' && (!sources || sources.includes(id)) && absoluteTiles(s));
  const out = {
    version: 8,
    name,
    sources: Object.fromEntries(keep.map(([id, s]) => [id, {
      type: 'vector',
      tiles: [...s.tiles],
      ...(s.minzoom !== undefined ? { minzoom: s.minzoom } : {}),
      ...(s.maxzoom !== undefined ? { maxzoom: s.maxzoom } : {}),
    }])),
    layers: [],
  };
  const ids = new Set();
  const unique = (id) => {
    let u = id;
    for (let i = 2; ids.has(u); i++) u = `${id} (${i})`;
    ids.add(u);
    return u;
  };
  for (const l of live.layers || []) {
    if (!out.sources[l.source] || SKIP.has(l.id) || !['fill', 'line', 'circle'].includes(l.type)) continue;
    // QGIS 3.22 draws a layer whatever its visibility: the whole map leaves
    // out what the map hides, one layer's style shows all its parts.
    if (!sources && l.layout?.visibility === 'none') continue;
    const layout = { ...(l.layout || {}) };
    delete layout.visibility;
    const base = {
      type: l.type,
      source: l.source,
      'source-layer': l['source-layer'],
      ...(l.minzoom !== undefined ? { minzoom: l.minzoom } : {}),
      ...(l.maxzoom !== undefined ? { maxzoom: l.maxzoom } : {}),
      ...(Object.keys(layout).length ? { layout } : {}),
    };
    const filter = l.filter ? qgisFilter(l.filter) : null;
    const paint = {};
    let stepped = null;
    for (const [k, v] of Object.entries(l.paint || {})) {
      const s = !stepped && stepOf(v);
      if (s) stepped = { prop: k, ...s };
      else if (qgisValue(v) !== null) paint[k] = qgisValue(v);
    }
    const title = label(l.id, l.source);
    if (!stepped) {
      out.layers.push({
        id: unique(title), ...base, ...(filter ? { filter } : {}), paint, metadata: { 'lianxin:layer': l.id },
      });
      continue;
    }
    for (const c of classes(stepped)) {
      const f = filter ? ['all', filter, c.filter] : c.filter;
      out.layers.push({
        id: unique(`${title} ${c.lo === null && c.hi === null ? noData : classLabel(c.lo, c.hi, stepped.share)}`),
        ...base,
        filter: f,
        paint: { ...paint, [stepped.prop]: c.value },
        metadata: { 'lianxin:layer': l.id, 'lianxin:class': { attr: stepped.attr, min: c.lo, max: c.hi } },
      });
    }
  }
  return out;
}

function absoluteTiles(s) {
  return Array.isArray(s.tiles) && s.tiles.length > 0 && s.tiles.every((u) => /^https?:\/\//.test(u));
}

/**
 * stepOf reads the map's stepped values: ["step", INPUT, v0, b1, v1, ...],
 * optionally inside ["case", ["has", A], STEP, FALLBACK], where INPUT is A's
 * value (["get", A], maybe in "to-number" and "coalesce" with a default).
 */
export function stepOf(v) {
  if (!Array.isArray(v)) return null;
  let fallback;
  let hasFallback = false;
  let step = v;
  if (v[0] === 'case' && v.length === 4 && Array.isArray(v[1]) && v[1][0] === 'has' && Array.isArray(v[2]) && v[2][0] === 'step') {
    [, , step, fallback] = v;
    hasFallback = true;
  }
  if (step[0] !== 'step' || step.length < 3 || step.length % 2 !== 1) return null;
  let input = step[1];
  let missing;
  if (Array.isArray(input) && input[0] === 'to-number') [, input] = input;
  if (Array.isArray(input) && input[0] === 'coalesce' && input.length === 3 && typeof input[2] === 'number') {
    [, input, missing] = input;
  }
  if (!Array.isArray(input) || input[0] !== 'get' || typeof input[1] !== 'string' || input.length !== 2) return null;
  const attr = input[1];
  if (hasFallback && v[1][1] !== attr) return null;
  const breaks = [];
  const values = [step[2]];
  for (let i = 3; i < step.length; i += 2) {
    if (typeof step[i] !== 'number') return null;
    breaks.push(step[i]);
    values.push(step[i + 1]);
  }
  if (values.some((x) => typeof x !== 'string' && typeof x !== 'number')) return null;
  return { attr, breaks, values, missing, fallback, hasFallback, share: breaks.every((b) => b > 0 && b <= 1) };
}

/** classes splits a stepped value into filters, one per class (and one for features without the attribute). */
function classes({ attr, breaks, values, missing, fallback, hasFallback }) {
  const get = ['get', attr];
  const out = [];
  const home = missing === undefined ? -1 : breaks.filter((b) => missing >= b).length;
  values.forEach((value, i) => {
    const lo = i === 0 ? null : breaks[i - 1];
    const hi = i === breaks.length ? null : breaks[i];
    const parts = [
      ...(hasFallback ? [['has', attr]] : []),
      ...(lo !== null ? [['>=', get, lo]] : []),
      ...(hi !== null ? [['<', get, hi]] : []),
    ];
    let filter = parts.length === 1 ? parts[0] : ['all', ...parts];
    if (parts.length === 0) filter = ['has', attr];
    // Without the case, a missing attribute takes the coalesce default's class.
    if (!hasFallback && i === home) filter = ['any', ['!', ['has', attr]], filter];
    out.push({ lo, hi, value, filter });
  });
  if (hasFallback) out.push({ lo: null, hi: null, value: fallback, filter: ['!', ['has', attr]] });
  else if (home === -1) out.push({ lo: null, hi: null, value: values[0], filter: ['!', ['has', attr]] });
  return out;
}

/**
 * qgisFilter rewrites what QGIS 3.22 cannot parse in a filter into the
 * equivalent it can: "to-number" dropped (the tiles' numbers are numbers),
 * ["!", ["to-boolean", X]] as X == false.
 */
export function qgisFilter(f) {
  if (!Array.isArray(f)) return f;
  if (f[0] === 'to-number' && f.length === 2) return qgisFilter(f[1]);
  if (f[0] === '!' && Array.isArray(f[1]) && f[1][0] === 'to-boolean') return ['==', qgisFilter(f[1][1]), false];
  if (f[0] === 'to-boolean' && f.length === 2) return ['==', qgisFilter(f[1]), true];
  return f.map(qgisFilter);
}

/**
 * qgisValue keeps literals, zoom interpolations and colour matches, and
 * turns any other expression into the value the map uses when nothing else
 * applies (the last output of a match or case).
 */
export function qgisValue(v) {
  if (!Array.isArray(v)) return v;
  if (v[0] === 'literal') return v[1];
  if (v[0] === 'interpolate' && Array.isArray(v[2]) && v[2][0] === 'zoom') return v;
  if (v[0] === 'match' && Array.isArray(v[1]) && v[1][0] === 'get' && v.slice(2).every((x) => !Array.isArray(x) || x.every((y) => !Array.isArray(y)))) {
    // A match of literal outputs (not arrays such as dash patterns).
    const outputs = v.slice(2).filter((_, i, a) => i % 2 === 1 || i === a.length - 1);
    if (outputs.every((x) => typeof x === 'string' || typeof x === 'number')) return v;
  }
  if (v[0] === 'match' || v[0] === 'case') return qgisValue(v[v.length - 1]);
  if (v.every((x) => typeof x === 'number')) return v; // a plain number array (dasharray)
  return null;
}

function defaultClassLabel(lo, hi, share) {
  const f = (x) => (share ? `${Math.round(x * 1000) / 10}%` : String(x));
  if (lo === null) return `< ${f(hi)}`;
  if (hi === null) return `≥ ${f(lo)}`;
  return `${f(lo)}–${f(hi)}`;
}
