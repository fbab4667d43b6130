// The map: MapLibre GL with lianxin's vector tiles and no external basemap
// unless the server's configuration names one. Town and village outlines give
// the context a basemap would.

import * as maplibregl from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';

import { query } from './api.js';
import { num, pct, t } from './i18n.js';
import {
  CIVIDIS, FILL_OPACITY, HIDDEN_COLOUR, NO_POPULATION_COLOUR, VIRIDIS, ONE_THIRD_COLOUR, SHARE_BREAKS, coloursFor,
  countBreaks, mix, rgb, stepExpression,
} from './scales.js';

maplibregl.setWorkerUrl(workerUrl);

export const BACKGROUND = '#f2f1ec';

/**
 * HIDDEN_HATCH fills a village the privacy rules suppress: stripes of the
 * hidden grey (as a hidden hexagon is drawn) on BACKGROUND, opaque. A plain
 * grey lay within 17 of cividis's middle class, so a suppressed village
 * could pass for one of 20–27 % coverage; no class of either ramp is
 * striped. size is the tile in pixels, ink the pixels of a stripe.
 */
export const HIDDEN_HATCH = { size: 8, stripe: 3, ink: mix(HIDDEN_COLOUR, FILL_OPACITY, BACKGROUND), ground: BACKGROUND };

/** hatchImage is HIDDEN_HATCH as RGBA pixels: diagonal stripes that tile seamlessly. */
export function hatchImage({ size, stripe, ink, ground } = HIDDEN_HATCH) {
  const [a, b] = [rgb(ink), rgb(ground)];
  const data = new Uint8ClampedArray(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      data.set([...((x + y) % size < stripe ? a : b), 255], (y * size + x) * 4);
    }
  }
  return { width: size, height: size, data };
}
export const FALLBACK_CENTRE = [120.05, 32.17];

/** Village names show from a town's zoom in, at most LABEL_MAX at once (updateVillageLabels). */
export const LABEL_MIN_ZOOM = 10.5;
const LABEL_MAX = 60;
const STOP_LABEL_DY = 22; // below a stop's 26 px marker

/**
 * METRICS are the heat map's metrics: the tile server's metric name (which is
 * also the hexagon attribute), and whether it is a share with fixed breaks.
 */
export const METRICS = [
  { key: 'coverage', attr: 'visited_share', share: true, ramp: VIRIDIS },
  { key: 'visits', attr: 'visits', share: false, ramp: VIRIDIS },
  // hideable: the tiles leave the attribute out where the privacy rules hide it.
  { key: 'special_waiting', attr: 'special_waiting', share: false, ramp: VIRIDIS, reverse: true, hideable: true },
  { key: 'open_problems', attr: 'open_problems', share: false, ramp: VIRIDIS, reverse: true },
];

// A village the privacy rules suppress comes without its windowed figures.
const HIDDEN_VILLAGE = ['!', ['has', 'visited_residents']];

export const OVERLAYS = ['contact_points', 'projects', 'river_works', 'visits'];

// A house, for the team's base (a glyph would need a font the map may lack).
const HOUSE_SVG = '<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="M8 1.5 1 8h2v6.5h4V10h2v4.5h4V8h2z" fill="#000"/></svg>';

const tileURL = (layer, params = {}) =>
  `${window.location.origin}/tiles/${layer}/{z}/{x}/{y}.mvt${query(params)}`;

function vectorSource(layer, params) {
  return { type: 'vector', tiles: [tileURL(layer, params)], minzoom: 5, maxzoom: 16 };
}

/** basemapStyle turns the configured basemap URL into style sources and layers. */
function basemap(url) {
  if (!url) return { sources: {}, layers: [] };
  if (/\{z\}/.test(url)) {
    return {
      sources: { basemap: { type: 'raster', tiles: [url], tileSize: 256, maxzoom: 18 } },
      layers: [{ id: 'basemap', type: 'raster', source: 'basemap', paint: { 'raster-opacity': 0.85 } }],
    };
  }
  return { styleURL: url, sources: {}, layers: [] };
}

export class CoverageMap {
  constructor(container, { basemapURL = '', onError = () => {}, bounds = null, window: win = null } = {}) {
    this.onError = onError;
    this.window = win || { from: '', to: '' };
    this.town = '';
    this.metric = METRICS[0];
    this.mode = 'heat';
    this.breaks = SHARE_BREAKS;
    this.colours = coloursFor(VIRIDIS, SHARE_BREAKS);
    this.legendListeners = [];
    this.markers = [];
    this.labels = new Map(); // village code → its name's marker (updateVillageLabels)
    this.labelsDirty = true;
    this.planData = emptyFC(); // the route's line, kept for a map whose layers are not added yet
    this.layersAdded = false;
    const base = basemap(basemapURL);
    // Fills are translucent: over a basemap they no longer sit on
    // BACKGROUND alone, and the legend says so (overBasemap).
    this.overBasemap = Boolean(basemapURL);
    this.map = new maplibregl.Map({
      container,
      // A basemap given as a MapLibre style is loaded whole; lianxin's layers go on top.
      style: base.styleURL || {
        version: 8,
        sources: base.sources,
        layers: [{ id: 'background', type: 'background', paint: { 'background-color': BACKGROUND } }, ...base.layers],
      },
      // The county's bounds when known, so the first tiles asked are the ones shown.
      ...(bounds ? { bounds, fitBoundsOptions: { padding: 20 } } : { center: FALLBACK_CENTRE, zoom: 9.2 }),
      minZoom: 5,
      maxZoom: 17,
      attributionControl: false,
      // Keeps the drawn frame readable: the print view copies it into an image.
      canvasContextAttributes: { preserveDrawingBuffer: true, antialias: false },
    });
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    this.map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
    this.loaded = new Promise((resolve) => this.map.once('load', resolve));
    // MapLibre's own message is English ("Failed to fetch"): the page
    // shows the HTTP status or a sentence of its own, the message goes to
    // the console.
    this.map.on('error', (e) => {
      const status = e?.error?.status;
      console.warn('map error:', e?.error?.message || String(e?.error || e));
      this.onError(status ? `HTTP ${status}` : t('map.errorUnknown'), e);
    });
    this.loaded.then(() => this.addLayers());
  }

  addLayers() {
    const m = this.map;
    const win = this.windowParams();
    m.addSource('towns', vectorSource('towns'));
    m.addSource('villages', vectorSource('villages', win));
    m.addSource('h3', vectorSource('h3', { ...win, town: this.town }));
    for (const o of OVERLAYS) m.addSource(o, vectorSource(o, o === 'visits' ? win : {}));
    m.addSource('plan', { type: 'geojson', data: this.planData });

    // Hexagons.
    m.addLayer({
      id: 'h3-fill', type: 'fill', source: 'h3', 'source-layer': 'h3',
      paint: { 'fill-color': this.hexColour(), 'fill-opacity': FILL_OPACITY },
    });
    m.addLayer({
      id: 'h3-line', type: 'line', source: 'h3', 'source-layer': 'h3',
      paint: { 'line-color': '#ffffff', 'line-width': 0.4, 'line-opacity': 0.6 },
    });
    // Villages: a choropleth in "villages" mode, invisible but clickable in "heat" mode.
    m.addLayer({
      id: 'villages-fill', type: 'fill', source: 'villages', 'source-layer': 'villages',
      paint: {
        'fill-color': ['case', ['has', 'coverage'],
          stepExpression('coverage', SHARE_BREAKS, coloursFor(CIVIDIS, SHARE_BREAKS)), NO_POPULATION_COLOUR],
        'fill-opacity': 0,
      },
    });
    // A village without figures is suppressed (privacy rule 2): grey as a
    // hidden hexagon, drawn opaque in the colour the legend shows, over the
    // "no population" fill its missing coverage gives it below.
    if (!m.hasImage('hidden-hatch')) m.addImage('hidden-hatch', hatchImage());
    m.addLayer({
      id: 'villages-hidden', type: 'fill', source: 'villages', 'source-layer': 'villages',
      filter: HIDDEN_VILLAGE,
      layout: { visibility: 'none' },
      paint: { 'fill-pattern': 'hidden-hatch', 'fill-opacity': 1 },
    });
    m.addLayer({
      id: 'villages-line', type: 'line', source: 'villages', 'source-layer': 'villages',
      paint: { 'line-color': '#5b5b5b', 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 0.3, 13, 1.2] },
    });
    // Town boundaries under the selected village's line and the dashed
    // one-third outline: a village on a town's edge still shows it is in
    // the gap (the dark town line drawn over the dashes hid them).
    m.addLayer({
      id: 'towns-line', type: 'line', source: 'towns', 'source-layer': 'towns',
      paint: { 'line-color': '#222222', 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 1, 13, 2.5] },
    });
    // The selected village: a wide black line under the dashed one-third
    // outline, so a selected village below its rule shows both (black on
    // either side of the vermilion dashes and between them).
    m.addLayer({
      id: 'village-selected', type: 'line', source: 'villages', 'source-layer': 'villages',
      filter: ['==', ['get', 'code'], '__none__'],
      paint: { 'line-color': '#000000', 'line-width': 6 },
    });
    // The one-third line: villages below it get a dashed vermilion outline.
    m.addLayer({
      id: 'villages-below', type: 'line', source: 'villages', 'source-layer': 'villages',
      filter: ['all', ['has', 'coverage'], ['!', ['to-boolean', ['get', 'reached']]]],
      layout: { visibility: 'none' },
      paint: { 'line-color': ONE_THIRD_COLOUR, 'line-width': 2.2, 'line-dasharray': [2, 1.2] },
    });
    // Overlays, off until chosen.
    m.addLayer({
      id: 'river_works', type: 'line', source: 'river_works', 'source-layer': 'river_works',
      layout: { visibility: 'none', 'line-cap': 'round' },
      paint: {
        'line-color': ['match', ['get', 'kind'], 'road', '#7f3b08', '#0072b2'],
        'line-width': 2.5,
        'line-dasharray': ['match', ['get', 'kind'], 'road', ['literal', [1, 0]], ['literal', [3, 1]]],
      },
    });
    m.addLayer({
      id: 'projects', type: 'circle', source: 'projects', 'source-layer': 'projects',
      layout: { visibility: 'none' },
      paint: { 'circle-color': '#cc79a7', 'circle-radius': 5, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 },
    });
    m.addLayer({
      id: 'visits', type: 'circle', source: 'visits', 'source-layer': 'visits',
      layout: { visibility: 'none' },
      paint: {
        'circle-color': '#e69f00',
        'circle-opacity': 0.75,
        'circle-radius': ['case', ['has', 'cell'],
          ['interpolate', ['linear'], ['sqrt', ['coalesce', ['get', 'visits'], 1]], 1, 2, 30, 14], 2.5],
      },
    });
    m.addLayer({
      id: 'contact_points', type: 'circle', source: 'contact_points', 'source-layer': 'contact_points',
      layout: { visibility: 'none' },
      paint: { 'circle-color': '#009e73', 'circle-radius': 4.5, 'circle-stroke-color': '#000', 'circle-stroke-width': 1 },
    });
    // The next-villages route.
    m.addLayer({
      id: 'plan-line', type: 'line', source: 'plan', filter: ['==', ['geometry-type'], 'LineString'],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#000000', 'line-width': 3, 'line-dasharray': [2, 1] },
    });
    this.setMode(this.mode);
    this.layersAdded = true;
    m.on('idle', () => this.updateBreaks());
    // Village names: worked out again once the map rests after a move or
    // new village tiles, not on every frame.
    m.on('moveend', () => { this.labelsDirty = true; });
    m.on('sourcedata', (e) => { if (e.sourceId === 'villages' && e.isSourceLoaded) this.labelsDirty = true; });
    m.on('idle', () => {
      if (this.labelsDirty) this.updateVillageLabels();
    });
  }

  /**
   * updateVillageLabels writes the names of the villages in view on the
   * map, from a town's zoom (LABEL_MIN_ZOOM) in. They are HTML markers, not
   * a MapLibre symbol layer: a symbol layer needs a glyphs URL for every
   * character, the map runs without the internet, and
   * localIdeographFontFamily draws only the CJK ones locally (a digit or a
   * Latin letter in a name would still ask the missing server, and the
   * failure shows as a map error). The browser's own fonts draw any name.
   * To stay light the count is bounded (LABEL_MAX, the largest villages
   * first, none over another) and the work is done once the map rests; a
   * label takes no taps (the village under it does).
   */
  updateVillageLabels() {
    this.labelsDirty = false;
    const m = this.map;
    const want = new Map();
    if (m.getLayer('villages-fill') && m.getZoom() >= LABEL_MIN_ZOOM) {
      const boxes = new Map();
      for (const f of m.queryRenderedFeatures({ layers: ['villages-fill'] })) {
        const { code, name } = f.properties || {};
        if (!code || !name) continue;
        const b = boxes.get(code) || { name, w: Infinity, s: Infinity, e: -Infinity, n: -Infinity };
        const walk = (c) => {
          if (typeof c[0] === 'number') {
            b.w = Math.min(b.w, c[0]); b.e = Math.max(b.e, c[0]);
            b.s = Math.min(b.s, c[1]); b.n = Math.max(b.n, c[1]);
          } else c.forEach(walk);
        };
        walk(f.geometry.coordinates);
        boxes.set(code, b);
      }
      const { width, height } = m.getContainer().getBoundingClientRect();
      const placed = [];
      // The route's villages first: their names are what its numbers need.
      // A stop's name goes under its numbered marker (which would cover it
      // at the village's middle): the number and the name read together.
      const stopAt = new Map();
      for (const x of this.plan?.stops || []) for (const k of [x.village_code, x.name]) if (k && x.lnglat) stopAt.set(k, x.lnglat);
      const ranked = [...boxes.entries()].map(([code, b]) => {
        const a = m.project([b.w, b.n]);
        const z = m.project([b.e, b.s]);
        const area = Math.abs((z.x - a.x) * (z.y - a.y));
        const stop = stopAt.get(code) || stopAt.get(b.name);
        return stop ? { code, name: b.name, at: stop, dy: STOP_LABEL_DY, rank: Infinity }
          : { code, name: b.name, at: [(b.w + b.e) / 2, (b.s + b.n) / 2], dy: 0, rank: area };
      }).sort((x, y) => (y.rank === x.rank ? 0 : y.rank > x.rank ? 1 : -1));
      for (const v of ranked) {
        if (placed.length >= LABEL_MAX) break;
        const p = m.project(v.at);
        p.y += v.dy;
        const half = (v.name.length * 13 + 8) / 2;
        const box = { x0: p.x - half, x1: p.x + half, y0: p.y - 10, y1: p.y + 10 };
        if (box.x1 < 0 || box.x0 > width || box.y1 < 0 || box.y0 > height) continue;
        if (placed.some((o) => box.x0 < o.x1 && o.x0 < box.x1 && box.y0 < o.y1 && o.y0 < box.y1)) continue;
        placed.push(box);
        want.set(v.code, v);
      }
    }
    for (const [code, mk] of this.labels) {
      if (!want.has(code)) {
        mk.remove();
        this.labels.delete(code);
      }
    }
    for (const [code, v] of want) {
      const mk = this.labels.get(code);
      if (mk) {
        mk.setLngLat(v.at).setOffset([0, v.dy]);
        continue;
      }
      const el = document.createElement('span');
      el.className = 'village-label';
      el.textContent = v.name;
      el.dataset.code = code;
      el.setAttribute('aria-hidden', 'true'); // the villages' names are in the tables and the panel
      this.labels.set(code, new maplibregl.Marker({ element: el, offset: [0, v.dy] }).setLngLat(v.at).addTo(m));
    }
  }

  windowParams() {
    return { from: this.window.from, to: this.window.to };
  }

  /** refreshTiles points every windowed source at the current filters. */
  refreshTiles() {
    const m = this.map;
    if (!m.getSource('h3')) return;
    const win = this.windowParams();
    m.getSource('h3').setTiles([tileURL('h3', { ...win, town: this.town })]);
    m.getSource('villages').setTiles([tileURL('villages', win)]);
    m.getSource('visits').setTiles([tileURL('visits', win)]);
  }

  setWindow(from, to) {
    if (from === this.window.from && to === this.window.to) return; // no reload of the same tiles
    this.window = { from, to };
    this.refreshTiles();
  }

  setTown(code, townId) {
    this.town = code;
    this.townId = townId;
    const m = this.map;
    if (!m.getLayer('villages-fill')) return;
    const f = code && townId !== undefined ? ['==', ['to-number', ['get', 'town_id']], Number(townId)] : null;
    for (const id of ['villages-fill', 'villages-line']) m.setFilter(id, f);
    m.setFilter('villages-hidden', f ? ['all', f, HIDDEN_VILLAGE] : HIDDEN_VILLAGE);
    m.setFilter('villages-below', f
      ? ['all', f, ['has', 'coverage'], ['!', ['to-boolean', ['get', 'reached']]]]
      : ['all', ['has', 'coverage'], ['!', ['to-boolean', ['get', 'reached']]]]);
    // Overlays too; visit clusters (low zooms) carry no town and stay.
    for (const id of OVERLAYS) m.setFilter(id, f ? ['any', ['!', ['has', 'town_id']], f] : null);
    this.refreshTiles();
  }

  setMetric(key) {
    this.metric = METRICS.find((x) => x.key === key) || METRICS[0];
    this.breaks = this.metric.share ? SHARE_BREAKS : [1];
    // Every hexagon carries every metric: switching restyles what is loaded.
    this.recolour();
    this.updateBreaks();
  }

  recolour() {
    const ramp = this.metric.reverse ? [...this.metric.ramp].reverse() : this.metric.ramp;
    this.colours = coloursFor(ramp, this.breaks);
    if (this.map.getLayer('h3-fill')) {
      this.map.setPaintProperty('h3-fill', 'fill-color', this.hexColour());
    }
    this.legendListeners.forEach((fn) => fn(this.legend()));
  }

  /** hexColour is the hexagons' fill: the metric's classes, hidden cells grey. */
  hexColour() {
    const m = this.metric;
    return stepExpression(m.attr, this.breaks, this.colours, m.hideable ? HIDDEN_COLOUR : this.colours[0]);
  }

  /** updateBreaks re-derives count breaks from the hexagons now loaded. */
  updateBreaks() {
    if (this.metric.share || this.mode !== 'heat' || !this.map.getSource('h3')) return;
    const values = this.map.querySourceFeatures('h3', { sourceLayer: 'h3' })
      .filter((f) => f.properties[this.metric.attr] !== undefined)
      .map((f) => Number(f.properties[this.metric.attr]));
    if (values.length === 0) return;
    const breaks = countBreaks(values);
    if (breaks.join() !== this.breaks.join()) {
      this.breaks = breaks;
      this.recolour();
    }
  }

  legend() {
    if (this.mode === 'villages') {
      return {
        kind: 'villages', breaks: SHARE_BREAKS, colours: coloursFor(CIVIDIS, SHARE_BREAKS), share: true, hideable: true,
        overBasemap: this.overBasemap,
      };
    }
    return {
      kind: 'heat', metric: this.metric, breaks: this.breaks, colours: this.colours, share: this.metric.share,
      hideable: !!this.metric.hideable, overBasemap: this.overBasemap,
    };
  }

  onLegend(fn) {
    this.legendListeners.push(fn);
  }

  setMode(mode) {
    this.mode = mode;
    const m = this.map;
    if (!m.getLayer('h3-fill')) return;
    const heat = mode === 'heat';
    m.setLayoutProperty('h3-fill', 'visibility', heat ? 'visible' : 'none');
    m.setLayoutProperty('h3-line', 'visibility', heat ? 'visible' : 'none');
    m.setPaintProperty('villages-fill', 'fill-opacity', heat ? 0 : FILL_OPACITY);
    m.setLayoutProperty('villages-below', 'visibility', heat ? 'none' : 'visible');
    m.setLayoutProperty('villages-hidden', 'visibility', heat ? 'none' : 'visible');
    this.legendListeners.forEach((fn) => fn(this.legend()));
  }

  /**
   * localise puts the page's language on MapLibre's own controls, which
   * otherwise say "Zoom in" and "Map" in English on a Chinese page.
   */
  localise({ zoomIn, zoomOut, title }) {
    const set = (el, s) => {
      if (!el) return;
      el.title = s;
      el.setAttribute('aria-label', s);
    };
    const box = this.map.getContainer();
    box.querySelectorAll('.maplibregl-ctrl-zoom-in').forEach((el) => set(el, zoomIn));
    box.querySelectorAll('.maplibregl-ctrl-zoom-out').forEach((el) => set(el, zoomOut));
    this.map.getCanvas().setAttribute('aria-label', title);
  }

  setOverlay(name, on) {
    if (this.map.getLayer(name)) this.map.setLayoutProperty(name, 'visibility', on ? 'visible' : 'none');
  }

  selectVillage(code) {
    if (this.map.getLayer('village-selected')) {
      this.map.setFilter('village-selected', ['==', ['get', 'code'], code || '__none__']);
    }
  }

  /** showPlan draws the route (GeoJSON line) and numbered stops as HTML markers. */
  showPlan(stops, line, onStopClick, base = null, baseLabel = '') {
    this.markers.forEach((mk) => mk.remove());
    this.markers = [];
    this.plan = { stops, base };
    this.labelsDirty = true;
    if (base) {
      const el = document.createElement('span');
      el.className = 'stop-marker base';
      el.innerHTML = HOUSE_SVG;
      el.setAttribute('role', 'img');
      el.setAttribute('aria-label', baseLabel);
      el.title = baseLabel;
      this.markers.push(new maplibregl.Marker({ element: el }).setLngLat(base).addTo(this.map));
    }
    this.planData = line ? { type: 'FeatureCollection', features: [line] } : emptyFC();
    this.map.getSource('plan')?.setData(this.planData);
    stops.forEach((s, i) => {
      const el = document.createElement('button');
      el.type = 'button';
      el.className = 'stop-marker';
      el.textContent = String(i + 1);
      el.setAttribute('aria-label', `${i + 1}. ${s.name}`);
      el.addEventListener('click', (e) => {
        e.stopPropagation();
        onStopClick?.(s);
      });
      this.markers.push(new maplibregl.Marker({ element: el }).setLngLat(s.lnglat).addTo(this.map));
    });
  }

  /** drawVillageNames writes each village's name once, at the middle of its drawn extent. */
  drawVillageNames(ctx, ratio) {
    if (!this.map.getLayer('villages-fill')) return;
    const feats = this.map.queryRenderedFeatures({ layers: ['villages-fill'] });
    const boxes = new Map();
    for (const f of feats) {
      const name = f.properties?.name;
      if (!name) continue;
      const b = boxes.get(name) || { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
      const walk = (c) => {
        if (typeof c[0] === 'number') {
          const p = this.map.project(c);
          b.x0 = Math.min(b.x0, p.x); b.y0 = Math.min(b.y0, p.y);
          b.x1 = Math.max(b.x1, p.x); b.y1 = Math.max(b.y1, p.y);
        } else c.forEach(walk);
      };
      walk(f.geometry.coordinates);
      boxes.set(name, b);
    }
    const w = ctx.canvas.width / ratio;
    const hgt = ctx.canvas.height / ratio;
    // Too many names cover the map: at a county's zoom, only the larger villages.
    const minSide = boxes.size > 60 ? 40 : 0;
    ctx.save();
    ctx.font = `${12 * ratio}px sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.lineJoin = 'round';
    ctx.lineWidth = 3 * ratio;
    ctx.strokeStyle = '#ffffff';
    ctx.fillStyle = '#111111';
    for (const [name, b] of boxes) {
      const x = Math.max(0, b.x0) / 2 + Math.min(w, b.x1) / 2;
      const y = Math.max(0, b.y0) / 2 + Math.min(hgt, b.y1) / 2;
      if (Math.min(b.x1 - b.x0, b.y1 - b.y0) < minSide) continue;
      ctx.strokeText(name, x * ratio, y * ratio);
      ctx.fillText(name, x * ratio, y * ratio);
    }
    ctx.restore();
  }

  /** drawLegend puts the map's legend in its lower right corner. */
  drawLegend(ctx, ratio) {
    const lg = this.legend();
    const rows = legendRows(lg);
    const title = lg.kind === 'villages' ? t('metric.coverage') : t(`metric.${lg.metric.key}`);
    const u = ratio;
    ctx.save();
    ctx.font = `${12 * u}px sans-serif`;
    const textW = Math.max(ctx.measureText(title).width, ...rows.map(([, l]) => ctx.measureText(l).width + 30 * u));
    const boxW = textW + 16 * u;
    const boxH = (rows.length + 1) * 18 * u + 12 * u;
    const x0 = ctx.canvas.width - boxW - 10 * u;
    const y0 = ctx.canvas.height - boxH - 30 * u;
    ctx.fillStyle = 'rgba(255,255,255,0.92)';
    ctx.strokeStyle = '#555555';
    ctx.lineWidth = u;
    ctx.fillRect(x0, y0, boxW, boxH);
    ctx.strokeRect(x0, y0, boxW, boxH);
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    ctx.fillStyle = '#111111';
    ctx.fillText(title, x0 + 8 * u, y0 + 15 * u);
    rows.forEach(([colour, label], i) => {
      const y = y0 + (i + 1) * 18 * u + 15 * u;
      ctx.fillStyle = colour === 'hatch' ? hatchPattern(ctx, u) : colour;
      ctx.fillRect(x0 + 8 * u, y - 6 * u, 22 * u, 12 * u);
      ctx.strokeRect(x0 + 8 * u, y - 6 * u, 22 * u, 12 * u);
      ctx.fillStyle = '#111111';
      ctx.fillText(label, x0 + 38 * u, y);
    });
    ctx.restore();
  }

  /**
   * moveDuration: a move before the first tiles are asked is a jump, so
   * the map asks only the tiles of where it lands (a team leader's route,
   * known before MapLibre has loaded), not those of every zoom on the way.
   */
  moveDuration() {
    return this.layersAdded ? 600 : 0;
  }

  fitTo(bounds, opts = {}) {
    this.map.fitBounds(bounds, { padding: 40, maxZoom: 14, duration: this.moveDuration(), ...opts });
  }

  flyTo(lnglat, zoom = 13) {
    this.map.flyTo({ center: lnglat, zoom, duration: this.moveDuration() });
  }

  /**
   * snapshot returns the current frame as a PNG data URL for the print view,
   * with the route's numbered stops drawn in (they are HTML markers on
   * screen, which the canvas does not hold).
   */
  snapshot() {
    try {
      const src = this.map.getCanvas();
      const c = document.createElement('canvas');
      c.width = src.width;
      c.height = src.height;
      const ctx = c.getContext('2d');
      ctx.drawImage(src, 0, 0);
      const ratio = src.width / src.clientWidth;
      const stops = this.plan?.stops || [];
      const draw = (lnglat, text, square) => {
        const p = this.map.project(lnglat);
        const x = p.x * ratio;
        const y = p.y * ratio;
        const r = 13 * ratio;
        ctx.beginPath();
        if (square) ctx.rect(x - r, y - r, 2 * r, 2 * r);
        else ctx.arc(x, y, r, 0, 2 * Math.PI);
        ctx.fillStyle = square ? '#ffffff' : '#000000';
        ctx.fill();
        ctx.lineWidth = 2 * ratio;
        ctx.strokeStyle = square ? '#000000' : '#ffffff';
        ctx.stroke();
        if (square) {
          // The house of the on-screen marker.
          const u = (r * 1.4) / 16;
          ctx.fillStyle = '#000000';
          ctx.beginPath();
          [[8, 1.5], [1, 8], [3, 8], [3, 14.5], [13, 14.5], [13, 8], [15, 8]].forEach(([px, py], i) => {
            const X = x + (px - 8) * u;
            const Y = y + (py - 8) * u;
            if (i === 0) ctx.moveTo(X, Y);
            else ctx.lineTo(X, Y);
          });
          ctx.closePath();
          ctx.fill();
          return;
        }
        ctx.fillStyle = '#ffffff';
        ctx.font = `bold ${13 * ratio}px sans-serif`;
        ctx.textAlign = 'center';
        ctx.textBaseline = 'middle';
        ctx.fillText(text, x, y + ratio);
      };
      this.drawVillageNames(ctx, ratio);
      if (this.plan?.base) draw(this.plan.base, '', true);
      stops.forEach((s, i) => draw(s.lnglat, String(i + 1), false));
      this.drawLegend(ctx, ratio);
      return c.toDataURL('image/png');
    } catch {
      return '';
    }
  }
}

/** hatchPattern is HIDDEN_HATCH as a canvas pattern at u device pixels a pixel (the printed legend). */
function hatchPattern(ctx, u) {
  const img = hatchImage();
  const tile = document.createElement('canvas');
  tile.width = img.width;
  tile.height = img.height;
  tile.getContext('2d').putImageData(new ImageData(img.data, img.width, img.height), 0, 0);
  const p = ctx.createPattern(tile, 'repeat');
  p.setTransform(new DOMMatrix().scale(u));
  return p;
}

/**
 * legendRows are the legend's classes as [colour as drawn, label] pairs,
 * for the printed map (the on-screen legend is the planner's); "hatch" is
 * HIDDEN_HATCH, a suppressed village's stripes.
 */
export function legendRows(lg) {
  const fmt = (v) => (lg.share ? pct(v) : num(v));
  const rows = lg.colours.map((c, i) => {
    let label;
    if (i === 0) label = t('legend.under', { v: fmt(lg.breaks[0]) });
    else if (i === lg.colours.length - 1) label = t('legend.from', { v: fmt(lg.breaks[i - 1]) });
    else label = t('legend.range', { a: fmt(lg.breaks[i - 1]), b: fmt(lg.breaks[i]) });
    return [mix(c, FILL_OPACITY, BACKGROUND), label];
  });
  if (lg.kind === 'villages') rows.push([mix(NO_POPULATION_COLOUR, FILL_OPACITY, BACKGROUND), t('legend.noPopulation')]);
  if (lg.hideable) rows.push([lg.kind === 'villages' ? 'hatch' : mix(HIDDEN_COLOUR, FILL_OPACITY, BACKGROUND), t('legend.hidden')]);
  return rows;
}

export function emptyFC() {
  return { type: 'FeatureCollection', features: [] };
}

export { maplibregl };
