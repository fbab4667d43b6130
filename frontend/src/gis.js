// The GIS staff's view: the URLs QGIS and GDAL open (TileJSON per layer, the
// OGC API – Features landing page) with copy buttons, and a layer list with
// download links in every export format and coordinate system, and the
// offline map package (PMTiles) of the town in view, and the web map's own
// style for QGIS (qgisstyle.js), per layer and for the whole map, and the
// user's own API tokens, which QGIS and GDAL need (accounts.js).

import { ownTokens, tokenPanel } from './accounts.js';
import { apiFetch } from './api.js';
import {
  EXPORT_FORMATS, EXPORT_LAYERS, TILE_LAYERS, WINDOWED_EXPORTS, api, mayReadLayer, userTowns,
} from './endpoints.js';
import { date, lang, t } from './i18n.js';
import { qgisStyle } from './qgisstyle.js';
import { describeError, h } from './ui.js';
import { addDays } from './weeks.js';

/**
 * MIXED_LAYERS hold points and polygons. A shapefile holds one geometry
 * type, so their Shapefile comes as two files, the points and the polygons
 * (the export's geometry parameter); the other formats hold both in one.
 */
const MIXED_LAYERS = new Set(['projects']);

/**
 * COUNTY_LAYERS are the coverage engine's layers (export catalogue: not
 * Stored): county-wide for every role, other towns' figures published by
 * the privacy rules. The stored layers hold a user held to their towns
 * (a team leader, a member) those towns' rows only.
 */
const COUNTY_LAYERS = new Set(['village_coverage', 'gaps', 'h3_cells']);

/** The finest H3 level the coverage engine publishes without household access (coverage.MaxPublishedResolution). */
export const MAX_PUBLISHED_RES = 8;

/**
 * maxExportRes is the finest H3 level user may download: finer than
 * MAX_PUBLISHED_RES only with household access (the export's
 * checkPublishedResolution); a team leader's finer levels hold their own
 * towns' hexagons, exact, as their map's do past zoom 11. No user (no
 * sign-in): every level.
 */
export function maxExportRes(user) {
  if (!user) return Infinity;
  return user.household_points ? Infinity : MAX_PUBLISHED_RES;
}

/**
 * mayTownShare tells whether user may download one town's share of each
 * hexagon (h3_cells with town=): only with household access in that town
 * (export.CheckCellTown). Otherwise the H3 link leaves the town out and
 * holds every town's hexagons, and the row says so.
 */
export function mayTownShare(user, town) {
  if (!user) return true;
  if (!user.household_points) return false;
  const own = userTowns(user);
  return !own || own.includes(town);
}

/**
 * formatsOf lists the formats the server offers layer l in (its export
 * catalogue, GET /api/v1/export: a layer without geometry has no FlatGeobuf
 * or KML); every format until the catalogue is known.
 */
function formatsOf(catalogue, l) {
  const ids = catalogue?.find((x) => x.name === l)?.formats;
  return ids ? EXPORT_FORMATS.filter((f) => ids.includes(f.id)) : EXPORT_FORMATS;
}

/** STYLE_SOURCES: the download rows whose layer the web map draws, and its source there. */
const STYLE_SOURCES = {
  towns: 'towns', villages: 'villages', contact_points: 'contact_points', visits: 'visits', projects: 'projects',
  river_works: 'river_works', h3_cells: 'h3',
};

/**
 * download saves the file at url (an export or an offline package) as the
 * browser's own download: its progress and cancel, and no copy of a county's
 * households in the tab's memory. The same URL with check=true is asked
 * first, which sends no file: a refusal throws an Error with the server's
 * reason, to say on the page rather than save as the file. Returns the
 * file's name as the server gives it (name until it says).
 */
async function download(url, name) {
  const u = new URL(url, window.location.href);
  u.searchParams.set('check', 'true');
  const said = await apiFetch(`${u.pathname}${u.search}`);
  const file = said?.filename || name;
  const a = h('a', { href: url, download: file, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  return file;
}

/**
 * saveStyle downloads the live map's style for QGIS: of one map source, or
 * of the whole map (source empty), labelled in the page's language.
 */
/**
 * exportRefusal words an export's refusal (the error's details: a
 * lianxin.Refusal {field, reason, params}, the reasons export.Reasons) in
 * the page's language by export.refusal.<reason>: lists joined, a layer by
 * its name, a town by its name (townName), a kind of value by
 * export.want.*. '' when the error carries no reason the page words.
 */
export function exportRefusal(err, townName = (c) => c) {
  const d = err?.details;
  if (!d?.reason) return '';
  const key = `export.refusal.${d.reason}`;
  if (t(key) === key) return '';
  const sep = lang() === 'en' ? ', ' : '、';
  const vars = {};
  for (const [k, v] of Object.entries(d.params || {})) vars[k] = Array.isArray(v) ? v.join(sep) : v;
  if (vars.layer && t(`layer.${vars.layer}`) !== `layer.${vars.layer}`) vars.layer = t(`layer.${vars.layer}`);
  if (vars.collection && t(`layer.${vars.collection}`) !== `layer.${vars.collection}`) vars.collection = t(`layer.${vars.collection}`);
  if (vars.town) vars.town = townName(vars.town);
  if (vars.want) vars.want = t(`export.want.${vars.want}`);
  return t(key, vars);
}

/**
 * exportProblem words an export's refusal in the page's language: by its
 * reason (exportRefusal); else by its kind (not allowed, signed out, no
 * network); else, for an error that carries no reason (none the server
 * sends for a caller's mistake), the server's sentence.
 */
function exportProblem(err, what, townName) {
  return exportRefusal(err, townName)
    || (['forbidden', 'unauthorized', 'unreachable', 'missing', 'server'].includes(err?.kind) ? describeError(err, what) : '')
    || err?.message || String(err);
}

function saveStyle(app, source) {
  const live = app.map?.map?.getStyle?.();
  if (!live) return;
  const label = (id, src) => {
    const layer = t(`layer.${src}`);
    return id === src ? layer : `${layer} · ${t(`style.${id.slice(src.length + 1)}`)}`;
  };
  const style = qgisStyle(live, {
    sources: source ? [source] : null,
    name: `lianxin · ${source ? t(`layer.${source}`) : t('style.map')}`,
    label,
    noData: t('style.noData'),
  });
  style.metadata = { 'lianxin:lang': lang(), 'lianxin:generated': new Date().toISOString() };
  const blob = new Blob([JSON.stringify(style, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: `lianxin-${source || 'map'}.style.json`, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

export function initGIS(app) {
  const servicesEl = document.getElementById('services');
  const listEl = document.getElementById('layer-list');
  const crsSel = document.getElementById('export-crs');
  const resSel = document.getElementById('export-res');
  const filterEl = document.getElementById('export-filter');
  // A zipped Shapefile's attribute encoding (the export's encoding=):
  // UTF-8 by default, which ArcGIS 10.2.1 and later and QGIS read by the
  // .cpg; GBK (code page 936) for older ArcGIS, which reads the .dbf in the
  // system's code page. The other formats are always UTF-8, so the choice
  // shows only while some layer offers a Shapefile and goes into those
  // links (and their check=true) only.
  const encSel = h('select', { id: 'export-encoding', 'aria-describedby': 'export-encoding-hint' },
    h('option', { value: 'utf-8', selected: true }), h('option', { value: 'gbk' }));
  const encLabel = h('label', { for: 'export-encoding' });
  const encHint = h('p', { id: 'export-encoding-hint', class: 'muted' });
  const encGroup = h('div', { class: 'group', id: 'export-encoding-group' }, encLabel, encSel, encHint);
  (resSel.closest('.group') || resSel).after(encGroup);
  // The CSV for Excel (the report CSVs' lang and excel: Chinese header and
  // values in the Chinese page, codes as ="…" so Excel keeps them whole) by
  // default; the plain file for GIS, scripts and the import on request.
  const csvSel = h('select', { id: 'export-csv', 'aria-describedby': 'export-csv-hint' },
    h('option', { value: 'excel', selected: true }), h('option', { value: 'plain' }));
  const csvLabel = h('label', { for: 'export-csv' });
  const csvHint = h('p', { id: 'export-csv-hint', class: 'muted' });
  const csvGroup = h('div', { class: 'group', id: 'export-csv-group' }, csvLabel, csvSel, csvHint);
  encGroup.after(csvGroup);
  let exportsOK = null; // unknown until asked
  let catalogue = null; // the server's layers and their formats, once asked
  const townName = (code) => app.towns.find((x) => x.code === code)?.name || code;

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

  // QGIS and GDAL need an API token (the server answers 401 without one):
  // the signed-in user makes their own here (POST /api/v1/auth/tokens).
  // Only the roles of desktop GIS and scripts make their own (the server's
  // rule, /me may_make_token); the others read why instead of a form the
  // server would refuse.
  const mayToken = app.user?.may_make_token === true;
  const tokens = tokenPanel(ownTokens, 'gis');
  let tokensLoaded = !mayToken;
  // The TileJSON URLs carry the planner view's town and window, as the
  // downloads do, so a QGIS layer added from one shows what the style made
  // for that window colours (the county's hexagons for a role that may not
  // have one town's share, mayTownShare).
  const tileJSONEl = h('div', { id: 'tilejson-urls' });
  const renderTileJSON = () => {
    const origin = window.location.origin;
    const query = (l) => {
      const p = new URLSearchParams();
      if (app.town && (l !== 'h3' || mayTownShare(app.user, app.town))) p.set('town', app.town);
      if (app.window?.from) {
        p.set('from', app.window.from);
        p.set('to', app.window.to);
      }
      const q = p.toString();
      return q ? `?${q}` : '';
    };
    // A layer the server does not let this user read is a 403: not offered.
    tileJSONEl.replaceChildren(...TILE_LAYERS.filter((l) => mayReadLayer(app.user, l))
      .map((l) => copyRow(t(`layer.${l}`), `${origin}/tiles/${l}.json${query(l)}`, `url-tj-${l}`)));
  };
  const renderServices = () => {
    const origin = window.location.origin;
    tokens.render();
    renderTileJSON();
    servicesEl.replaceChildren(
      h('p', { class: 'muted' }, t('gis.qgisHint')),
      h('h3', { id: 'gis-token-title' }, t('token.title')),
      ...(mayToken
        ? [h('p', { class: 'muted', id: 'gis-token-hint' }, t('gis.tokenHint', { user: app.user?.user || '' })), tokens.el]
        : [h('p', { class: 'muted', id: 'gis-token-none' }, t('gis.tokenNotForRole'))]),
      copyRow(t('gis.ogc'), `${origin}/ogc`, 'url-ogc'),
      h('p', { class: 'muted', id: 'gis-ogc-hint' }, t('gis.ogcHint')),
      h('h3', {}, t('gis.tilejson')),
      tileJSONEl,
      h('h3', {}, t('gis.style')),
      h('p', { class: 'muted' }, t('gis.styleHint')),
      styleButton('', t('gis.styleMap'), 'style-download-map'),
    );
  };

  const styleButton = (source, text, id) => {
    const btn = h('button', {
      type: 'button', class: 'style-download', id, dataset: { source },
      'aria-label': source ? t('gis.styleLabel', { layer: t(`layer.${source}`) }) : undefined,
    }, text);
    btn.addEventListener('click', () => saveStyle(app, source));
    return btn;
  };

  const renderEncoding = () => {
    encLabel.textContent = t('gis.encoding');
    encSel.options[0].textContent = t('gis.encodingUTF8');
    encSel.options[1].textContent = t('gis.encodingGBK');
    encHint.textContent = t('gis.encodingHint');
    encGroup.hidden = !EXPORT_LAYERS.some((l) => mayReadLayer(app.user, l) && formatsOf(catalogue, l).some((f) => f.id === 'shp'));
    csvLabel.textContent = t('gis.csvFor');
    csvSel.options[0].textContent = t('gis.csvExcel');
    csvSel.options[1].textContent = t('gis.csvPlain');
    csvHint.textContent = t('gis.csvHint');
  };

  const renderList = () => {
    const crs = crsSel.value;
    const gbk = encSel.value === 'gbk';
    renderEncoding();
    const note = exportsOK === false ? h('p', { class: 'warn', role: 'note' }, t('gis.exportsMissing')) : null;
    const rows = EXPORT_LAYERS.map((l) => h('tr', { dataset: { layer: l } },
      h('th', { scope: 'row' }, t(`layer.${l}`)),
      // A layer the server refuses this user (households and visits without
      // the household_points grant): say so instead of links that download an error.
      !mayReadLayer(app.user, l)
        ? h('td', { class: 'muted needs-grant' }, t('gis.needsGrant')) :
      h('td', {}, h('div', { class: 'formats' }, formatsOf(catalogue, l).filter((f) => f.id !== 'kml' || crs !== 'EPSG:4490').flatMap((f) => (
        f.id === 'shp' && MIXED_LAYERS.has(l)
          ? [{ ...f, label: t('gis.shpPoints'), geometry: 'point' }, { ...f, label: t('gis.shpPolygons'), geometry: 'polygon' }]
          : [f])).map((f) => {
        // KML is WGS 84 by definition, so it is not offered in CGCS2000.
        const p = { format: f.id, ...(crs !== 'EPSG:4326' ? { crs } : {}), ...(WINDOWED_EXPORTS.has(l) ? app.window : {}) };
        if (f.geometry) p.geometry = f.geometry;
        if (f.id === 'shp' && gbk) p.encoding = 'gbk';
        if (f.id === 'csv' && csvSel.value === 'excel') {
          p.lang = lang() === 'en' ? 'en' : 'zh';
          p.excel = 'true';
        }
        if (l === 'h3_cells') p.resolution = resSel.value;
        // 缺口报告 holds the gap report's villages: the server's default for
        // the gaps layer, said in the link so a copied URL says it too.
        if (l === 'gaps') p.below = 'true';
        // One town's share of the hexagons needs household access there:
        // without it the link holds every town's (said under the row).
        if (app.town && (l !== 'h3_cells' || mayTownShare(app.user, app.town))) p.town = app.town;
        return h('a', {
          class: `download${exportsOK === false ? ' disabled' : ''}`,
          href: api.exportURL(l, p),
          download: '',
          'aria-label': t('gis.downloadLabel', { layer: t(`layer.${l}`), format: p.encoding ? t('gis.shpGBK', { format: f.label }) : f.label }),
          'aria-disabled': exportsOK === false ? 'true' : undefined,
        }, p.encoding ? t('gis.shpGBK', { format: f.label }) : f.label);
      }), STYLE_SOURCES[l] ? styleButton(STYLE_SOURCES[l], t('gis.styleButton'), `style-download-${l}`) : null),
      MIXED_LAYERS.has(l) ? h('p', { class: 'muted formats-note' }, t('gis.shpMixed')) : null,
      l === 'h3_cells' && app.town && !mayTownShare(app.user, app.town)
        ? h('p', { class: 'muted formats-note', id: 'h3-county-note' }, t('gis.h3County', { town: townName(app.town) })) : null)));
    // The downloads follow the planner view's town and time window: say so,
    // or a file of one town over six weeks surprises whoever opens it.
    const town = app.towns.find((x) => x.code === app.town);
    const win = app.window.from
      ? t('gis.filterWindow', { from: date(`${app.window.from}T12:00:00+08:00`), to: date(`${addDays(app.window.to, -1)}T12:00:00+08:00`) })
      : '';
    // A user held to their towns downloads those towns' rows, but the
    // coverage layers of the whole county: said, not "all towns".
    const own = userTowns(app.user);
    const ownNames = own && own.map((c) => app.towns.find((x) => x.code === c)?.name || c).join(lang() === 'en' ? ', ' : '、');
    const area = town ? t('gis.filterTown', { town: town.name })
      : own ? t('gis.filterOwn', { towns: ownNames, county: [...COUNTY_LAYERS].map((l) => t(`layer.${l}`)).join(lang() === 'en' ? ', ' : '、') })
        : t('gis.filterAll');
    filterEl.textContent = [area, win].filter(Boolean).join(' · ');
    listEl.replaceChildren(...[note, h('table', { class: 'data layers' },
      h('caption', { class: 'sr-only' }, t('gis.downloads')),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('col.layer')), h('th', { scope: 'col' }, t('col.download')))),
      h('tbody', {}, rows))].filter(Boolean));
  };

  // Offline map package: one town's vector tiles in a PMTiles file, for
  // teams where the network is poor. The town is the one chosen in the
  // planner view, else the one under the map's centre, until picked here.
  const pkgEl = h('div', { id: 'pmtiles', class: 'pmtiles' });
  listEl.after(pkgEl);
  let pkgTown = ''; // picked in this view
  let pkgBusy = false;
  const townInView = () => {
    if (pkgTown) return pkgTown;
    if (app.town) return app.town;
    const c = app.map?.map?.getCenter?.();
    const hit = c && app.towns.find((x) => Array.isArray(x.bbox)
      && c.lng >= x.bbox[0] && c.lng <= x.bbox[2] && c.lat >= x.bbox[1] && c.lat <= x.bbox[3]);
    return hit?.code || app.towns[0]?.code || '';
  };
  const savePackage = async (code, btn, msg) => {
    pkgBusy = true;
    btn.disabled = true;
    btn.setAttribute('aria-busy', 'true');
    msg.className = 'muted';
    msg.textContent = t('gis.pmtilesBuilding');
    try {
      // The server names the file (code and the town's name, as a town's
      // layer exports); this name is for a server that does not say.
      const name = app.towns.find((x) => x.code === code)?.name;
      const file = await download(api.exportURL('pmtiles', { town: code }), name ? `${code}_${name}.pmtiles` : `${code}.pmtiles`);
      msg.textContent = t('gis.pmtilesDone', { file });
    } catch (err) {
      msg.className = 'warn';
      msg.textContent = t('gis.pmtilesFailed', { message: exportProblem(err, t('gis.pmtiles'), townName) });
    } finally {
      pkgBusy = false;
      btn.disabled = false;
      btn.removeAttribute('aria-busy');
    }
  };
  const renderPackage = () => {
    if (pkgBusy) return; // keep the button and its message while a package is built
    // A team leader's package is of their own towns only (another is a 403).
    const own = userTowns(app.user);
    const towns = own ? app.towns.filter((x) => own.includes(x.code)) : app.towns;
    let code = townInView();
    if (!towns.some((x) => x.code === code)) code = towns[0]?.code || '';
    const sel = h('select', { id: 'pmtiles-town' },
      ...towns.map((x) => h('option', { value: x.code, selected: x.code === code }, `${x.name} ${x.code}`)));
    sel.addEventListener('change', () => { pkgTown = sel.value; });
    const msg = h('p', { id: 'pmtiles-status', class: 'muted', role: 'status', 'aria-live': 'polite' });
    const btn = h('button', { type: 'button', id: 'pmtiles-download' }, t('gis.pmtilesDownload'));
    btn.addEventListener('click', () => savePackage(sel.value, btn, msg));
    pkgEl.replaceChildren(
      h('h3', {}, t('gis.pmtiles')),
      h('p', { class: 'muted' }, t('gis.pmtilesHint'), own ? ` ${t('gis.ownTowns')}` : ''),
      h('div', { class: 'pmtiles-row' }, h('label', { for: 'pmtiles-town' }, t('gis.pmtilesTown')), sel, btn),
      msg,
    );
  };

  const check = async () => {
    try {
      exportsOK = await api.exportsAvailable();
    } catch {
      exportsOK = null;
    }
    try {
      catalogue = (await apiFetch('/api/v1/export'))?.layers || null;
    } catch {
      catalogue = null; // an older server: every format, as before
    }
    renderList();
  };

  // A refusal (a 400 with the server's reason) is said on the page, where a
  // followed link saved it as the file (projects.json holding an error).
  const exportMsg = h('p', { id: 'export-status', role: 'status', 'aria-live': 'polite' });
  listEl.after(exportMsg);
  listEl.addEventListener('click', async (e) => {
    const a = e.target.closest?.('a.download');
    if (!a || a.getAttribute('aria-disabled') === 'true') return;
    e.preventDefault();
    const row = a.closest('tr');
    const what = { layer: row?.querySelector('th')?.textContent || '', format: a.textContent };
    const guess = `${row?.dataset.layer || 'export'}`;
    // Said in the row clicked, where the eyes are (the list is long).
    (a.closest('td') || listEl).append(exportMsg);
    exportMsg.className = 'muted';
    exportMsg.textContent = t('gis.exportPreparing', { file: guess });
    try {
      const file = await download(a.getAttribute('href'), guess);
      exportMsg.textContent = t('gis.exportDone', { file });
    } catch (err) {
      exportMsg.className = 'warn';
      exportMsg.textContent = t('gis.exportFailed', { ...what, message: exportProblem(err, what.layer, townName) });
      exportMsg.scrollIntoView?.({ block: 'nearest' });
    }
  });

  // Only the H3 levels this user may download (maxExportRes), and why.
  const limitRes = () => {
    const max = maxExportRes(app.user);
    for (const o of resSel.options) {
      o.disabled = Number(o.value) > max;
      o.hidden = o.disabled;
    }
    if (Number(resSel.value) > max) resSel.value = String(max);
    let note = document.getElementById('export-res-note');
    const own = userTowns(app.user);
    if (max === Infinity && !(own && app.user?.household_points)) {
      note?.remove();
      return;
    }
    if (!note) {
      note = h('p', { id: 'export-res-note', class: 'muted' });
      resSel.after(note);
    }
    // A team leader's levels past 8 are their own towns' hexagons.
    note.textContent = max === Infinity
      ? t('gis.resOwnTowns', { max: MAX_PUBLISHED_RES, towns: own.map(townName).join(lang() === 'en' ? ', ' : '、') })
      : t('gis.resLimited', { max });
  };
  limitRes();
  app.on('lang', limitRes);
  crsSel.addEventListener('change', renderList);
  resSel.addEventListener('change', renderList);
  encSel.addEventListener('change', renderList);
  csvSel.addEventListener('change', renderList);
  app.on('lang', () => { renderServices(); renderList(); renderPackage(); });
  app.on('window', () => { renderList(); renderPackage(); renderTileJSON(); });
  // The town list can arrive after the tab first drew (a leader's towns wait
  // for the map's towns tiles, which carry their ids): the filter line names
  // the towns, so it is drawn again.
  app.on('towns', () => { renderList(); renderPackage(); });
  app.on('towns', limitRes);
  app.on('view', (v) => {
    if (v !== 'gis') return;
    if (!tokensLoaded) { tokensLoaded = true; tokens.load(); }
    if (exportsOK === null) check();
    renderPackage(); // the map may have moved to another town
  });
  renderServices();
  renderList();
  renderPackage();
}
