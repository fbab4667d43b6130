// The GIS staff's view: the URLs QGIS and GDAL open (TileJSON per layer, the
// OGC API – Features landing page) with copy buttons, and a layer list with
// download links in every export format and coordinate system.

import { EXPORT_FORMATS, EXPORT_LAYERS, TILE_LAYERS, WINDOWED_EXPORTS, api } from './endpoints.js';
import { t } from './i18n.js';
import { h } from './ui.js';

export function initGIS(app) {
  const servicesEl = document.getElementById('services');
  const listEl = document.getElementById('layer-list');
  const crsSel = document.getElementById('export-crs');
  let exportsOK = null; // unknown until asked

  const copyRow = (label, url, id) => {
    const input = h('input', { type: 'text', readonly: true, value: url, id, class: 'url' });
    const btn = h('button', { type: 'button', 'aria-label': t('gis.copyLabel', { what: label }) }, t('gis.copy'));
    btn.addEventListener('click', async () => {
      input.select();
      try {
        await navigator.clipboard.writeText(url);
      } catch {
        document.execCommand?.('copy');
      }
      btn.textContent = t('gis.copied');
      setTimeout(() => { btn.textContent = t('gis.copy'); }, 1500);
    });
    return h('div', { class: 'copy-row' }, h('label', { for: id }, label), h('div', { class: 'copy-field' }, input, btn));
  };

  const renderServices = () => {
    const origin = window.location.origin;
    servicesEl.replaceChildren(
      h('p', { class: 'muted' }, t('gis.qgisHint')),
      copyRow(t('gis.ogc'), `${origin}/ogc`, 'url-ogc'),
      h('h3', {}, t('gis.tilejson')),
      ...TILE_LAYERS.map((l) => copyRow(t(`layer.${l}`), `${origin}/tiles/${l}.json`, `url-tj-${l}`)),
    );
  };

  const renderList = () => {
    const crs = crsSel.value;
    const note = exportsOK === false ? h('p', { class: 'warn', role: 'note' }, t('gis.exportsMissing')) : null;
    const rows = EXPORT_LAYERS.map((l) => h('tr', {},
      h('th', { scope: 'row' }, t(`layer.${l}`)),
      h('td', {}, h('div', { class: 'formats' }, EXPORT_FORMATS.filter((f) => f.id !== 'kml' || crs !== 'EPSG:4490').map((f) => {
        // KML is WGS 84 by definition, so it is not offered in CGCS2000.
        const p = { format: f.id, ...(crs !== 'EPSG:4326' ? { crs } : {}), ...(WINDOWED_EXPORTS.has(l) ? app.window : {}) };
        if (l === 'h3_cells') p.resolution = 8;
        if (app.town) p.town = app.town;
        return h('a', {
          class: `download${exportsOK === false ? ' disabled' : ''}`,
          href: api.exportURL(l, p),
          download: '',
          'aria-label': t('gis.downloadLabel', { layer: t(`layer.${l}`), format: f.label }),
          'aria-disabled': exportsOK === false ? 'true' : undefined,
        }, f.label);
      })))));
    listEl.replaceChildren(...[note, h('table', { class: 'data layers' },
      h('caption', { class: 'sr-only' }, t('gis.downloads')),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('col.layer')), h('th', { scope: 'col' }, t('col.download')))),
      h('tbody', {}, rows))].filter(Boolean));
  };

  const check = async () => {
    try {
      exportsOK = await api.exportsAvailable();
    } catch {
      exportsOK = null;
    }
    renderList();
  };

  crsSel.addEventListener('change', renderList);
  app.on('lang', () => { renderServices(); renderList(); });
  app.on('window', renderList);
  app.on('view', (v) => { if (v === 'gis' && exportsOK === null) check(); });
  renderServices();
  renderList();
}
