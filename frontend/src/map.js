// The map: MapLibre GL with lianxin's vector tiles and no external basemap
// unless the server's configuration names one. Town and village outlines give
// the context a basemap would.

import * as maplibregl from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';

import { query } from './api.js';
import {
  CIVIDIS, VIRIDIS, ONE_THIRD_COLOUR, SHARE_BREAKS, coloursFor, countBreaks, stepExpression,
} from './scales.js';

maplibregl.setWorkerUrl(workerUrl);

export const BACKGROUND = '#f2f1ec';
export const FALLBACK_CENTRE = [120.05, 32.17];

/**
 * METRICS are the heat map's metrics: the tile server's metric name (which is
 * also the hexagon attribute), and whether it is a share with fixed breaks.
 */
export const METRICS = [
  { key: 'coverage', attr: 'visited_share', share: true, ramp: VIRIDIS },
  { key: 'visits', attr: 'visits', share: false, ramp: VIRIDIS },
  { key: 'special_waiting', attr: 'special_waiting', share: false, ramp: VIRIDIS, reverse: true },
  { key: 'open_problems', attr: 'open_problems', share: false, ramp: VIRIDIS, reverse: true },
];

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
    const base = basemap(basemapURL);
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
    this.map.on('error', (e) => {
      const msg = e?.error?.message || String(e?.error || e);
      this.onError(msg, e);
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
    m.addSource('plan', { type: 'geojson', data: emptyFC() });

    // Hexagons.
    m.addLayer({
      id: 'h3-fill', type: 'fill', source: 'h3', 'source-layer': 'h3',
      paint: { 'fill-color': stepExpression(this.metric.attr, this.breaks, this.colours), 'fill-opacity': 0.82 },
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
          stepExpression('coverage', SHARE_BREAKS, coloursFor(CIVIDIS, SHARE_BREAKS)), '#bdbdbd'],
        'fill-opacity': 0,
      },
    });
    m.addLayer({
      id: 'villages-line', type: 'line', source: 'villages', 'source-layer': 'villages',
      paint: { 'line-color': '#5b5b5b', 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 0.3, 13, 1.2] },
    });
    // The one-third line: villages below it get a dashed vermilion outline.
    m.addLayer({
      id: 'villages-below', type: 'line', source: 'villages', 'source-layer': 'villages',
      filter: ['all', ['has', 'coverage'], ['!', ['to-boolean', ['get', 'reached']]]],
      layout: { visibility: 'none' },
      paint: { 'line-color': ONE_THIRD_COLOUR, 'line-width': 2.2, 'line-dasharray': [2, 1.2] },
    });
    m.addLayer({
      id: 'village-selected', type: 'line', source: 'villages', 'source-layer': 'villages',
      filter: ['==', ['get', 'code'], '__none__'],
      paint: { 'line-color': '#000000', 'line-width': 3.5 },
    });
    m.addLayer({
      id: 'towns-line', type: 'line', source: 'towns', 'source-layer': 'towns',
      paint: { 'line-color': '#222222', 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 1, 13, 2.5] },
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
    m.on('idle', () => this.updateBreaks());
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
      this.map.setPaintProperty('h3-fill', 'fill-color', stepExpression(this.metric.attr, this.breaks, this.colours));
    }
    this.legendListeners.forEach((fn) => fn(this.legend()));
  }

  /** updateBreaks re-derives count breaks from the hexagons now loaded. */
  updateBreaks() {
    if (this.metric.share || this.mode !== 'heat' || !this.map.getSource('h3')) return;
    const values = this.map.querySourceFeatures('h3', { sourceLayer: 'h3' })
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
      return { kind: 'villages', breaks: SHARE_BREAKS, colours: coloursFor(CIVIDIS, SHARE_BREAKS), share: true };
    }
    return { kind: 'heat', metric: this.metric, breaks: this.breaks, colours: this.colours, share: this.metric.share };
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
    m.setPaintProperty('villages-fill', 'fill-opacity', heat ? 0 : 0.8);
    m.setLayoutProperty('villages-below', 'visibility', heat ? 'none' : 'visible');
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
    if (base) {
      const el = document.createElement('span');
      el.className = 'stop-marker base';
      el.innerHTML = HOUSE_SVG;
      el.setAttribute('role', 'img');
      el.setAttribute('aria-label', baseLabel);
      el.title = baseLabel;
      this.markers.push(new maplibregl.Marker({ element: el }).setLngLat(base).addTo(this.map));
    }
    const src = this.map.getSource('plan');
    if (src) src.setData(line ? { type: 'FeatureCollection', features: [line] } : emptyFC());
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

  fitTo(bounds, opts = {}) {
    this.map.fitBounds(bounds, { padding: 40, maxZoom: 14, duration: 600, ...opts });
  }

  flyTo(lnglat, zoom = 13) {
    this.map.flyTo({ center: lnglat, zoom, duration: 600 });
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
      if (this.plan?.base) draw(this.plan.base, '', true);
      stops.forEach((s, i) => draw(s.lnglat, String(i + 1), false));
      return c.toDataURL('image/png');
    } catch {
      return '';
    }
  }
}

export function emptyFC() {
  return { type: 'FeatureCollection', features: [] };
}

export { maplibregl };
