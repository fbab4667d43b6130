// The import tab, for the roles that may import (admin, gis, team leader;
// the tab stays hidden from everyone else, and the server refuses them
// anyway): pick a layer, download its CSV template, upload a file with the
// API's options, follow the import by polling its record, then read the
// counts and the rejected rows, and download them: the rejects file the
// server keeps for an upload with "skip invalid rows" (the rows as
// uploaded, to fix and upload again), else a CSV of the reasons. An import
// that changed rows redraws the map's tiles. Below, the latest imports. The tab is built here rather than in index.html so that the
// whole feature lives in one module; mountImports() runs before the tabs
// are wired, initImports(app) once the user is known.

import { ApiError } from './api.js';
import { dateTime, lang, num, t } from './i18n.js';
import { csvCell, describeError, errorDetail, h, sortableTable } from './ui.js';

/** IMPORT_LAYERS in the order they import: later ones refer to earlier ones by code. */
export const IMPORT_LAYERS = ['towns', 'villages', 'teams', 'members', 'households', 'contact_points', 'visits', 'projects', 'river_works'];
const IMPORT_ROLES = ['admin', 'gis', 'team_leader'];
// The layers whose rows a code names by name (the server's code_other_name
// check): allow_renames is offered for these only.
export const RENAME_LAYERS = ['towns', 'villages', 'teams', 'members', 'contact_points', 'projects', 'river_works'];
const COUNTS = ['inserted', 'updated', 'unchanged', 'rejected'];
// The file types the server reads (ingest.DetectFormat); workbooks are
// refused before the upload with the fix (save as CSV).
const FILE_TYPES = ['.csv', '.txt', '.tsv', '.geojson', '.json', '.geojsonl', '.geojsons', '.geojsonseq', '.ndjson', '.jsonl', '.gpkg', '.zip'];
const WORKBOOKS = ['.xlsx', '.xls', '.xlsm', '.et', '.ods'];
// Polling: quick at first (a small file is done in a second), then calmer.
const POLL_FIRST_MS = 400;
const POLL_MAX_MS = 2000;

/** mayImport: the roles the server lets import (api/imports.go importRoles). */
export const mayImport = (user) => Array.isArray(user?.roles) && user.roles.some((r) => IMPORT_ROLES.includes(r));

const ext = (name) => {
  const i = String(name).lastIndexOf('.');
  return i < 0 ? '' : String(name).slice(i).toLowerCase();
};

/**
 * rejectsCSV is a record's rejected rows as CSV text with a UTF-8 BOM (Excel
 * then shows the Chinese). With fieldLabel (a reject's column as the tab
 * names it) it is worded as the tab's table is, in the page's language:
 * its headers, the line (or feature), the column and rejectReason(); the
 * clerk fixes the file in Excel from it. Without, the API's own names and
 * reasons.
 */
export function rejectsCSV(rec, fieldLabel) {
  if (!fieldLabel) {
    const lines = [['file', 'unit', 'line', 'field', 'reason'].join(',')];
    for (const r of rec.rejects || []) lines.push([r.file, r.unit, r.line, r.field, r.reason].map(csvCell).join(','));
    return `\ufeff${lines.join('\r\n')}\r\n`;
  }
  const lines = [['imp.col.file', 'imp.col.line', 'imp.col.field', 'imp.col.reason'].map((k) => csvCell(t(k))).join(',')];
  for (const r of rec.rejects || []) {
    const line = r.unit === 'feature' ? t('imp.unit.feature', { n: r.line }) : r.line;
    lines.push([r.file, line, fieldLabel(r), rejectReason(r)].map(csvCell).join(','));
  }
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

const time = (iso) => (iso ? dateTime(iso) : '—');

/**
 * rejectReason words a reject from its code and parameters in the page's
 * language (i18n imp.reject.*); an uncoded reject ("other", or a record
 * kept before codes) keeps the server's English reason.
 */
export function rejectReason(r) {
  if (!r.code || r.code === 'other') return r.reason;
  // A GeoJSON, GeoPackage or Shapefile counts features, not lines.
  const feature = r.code === 'duplicate_in_file' && r.unit === 'feature';
  return worded(feature ? 'imp.reject.duplicate_in_file.feature' : `imp.reject.${r.code}`, r);
}

/**
 * problemReason words what was wrong with a refused file as a whole (a
 * record's problems, or an upload's error details: its header, encoding
 * or format) from its code and parameters, like rejectReason.
 */
export function problemReason(p) {
  if (!p.code || p.code === 'other') return p.reason;
  const suggest = p.code === 'unknown_column' && p.params?.suggestion;
  return worded(suggest ? 'imp.problem.unknown_column.suggest' : `imp.problem.${p.code}`, p);
}

// worded fills key's sentence with a reject's or problem's parameters.
// The server sends a parameter's Chinese next to it (allowed_zh: the
// words a field accepts; town_zh: a town by name; reason_zh: PostGIS's
// reason; got_zh, want_zh: geometry types; column_zh …), worded from its
// one table: a Chinese page takes those.
function worded(key, r) {
  const sep = lang() === 'en' ? ', ' : '、';
  const vars = {};
  for (const [k, v] of Object.entries(r.params || {})) vars[k] = Array.isArray(v) ? v.join(sep) : v;
  if (lang() !== 'en') {
    for (const k of Object.keys(vars)) {
      if (k.endsWith('_zh') && vars[k] !== null && vars[k] !== '') vars[k.slice(0, -3)] = vars[k];
    }
  }
  // A referenced table by its layer's name in the page's language.
  if (vars.table && IMPORT_LAYERS.includes(vars.table)) vars.table = t(`imp.layer.${vars.table}`);
  const s = t(key, vars);
  return s === key ? r.reason : s;
}

// The options a refusal may name that the form shows: each has a short
// name (i18n imp.optionName.*), the start of its label in the form.
export const OPTION_NAMES = new Set(['encoding', 'crs', 'dry_run', 'skip_invalid', 'make_valid', 'allow_renames', 'correct', 'layer', 'file']);

/**
 * optionReason words a refused option (an upload's error details
 * {option, code, params}: a bad encoding or crs, a flag not true or
 * false, no file, a field that is no option) in the page's language
 * (i18n imp.option.*), naming the option by the form's label; '' when the
 * details are not an option's.
 */
export function optionReason(d) {
  if (!d || typeof d.code !== 'string') return '';
  const key = `imp.option.${d.code}`;
  if (t(key) === key) return '';
  const params = { ...(d.params || {}) };
  if (OPTION_NAMES.has(params.option)) params.option = t(`imp.optionName.${params.option}`);
  return worded(key, { params, reason: '' });
}

// problemsText is a refused file's problems in the page's language, one
// sentence each, or '' for none (an English page keeps the server's
// message, which says the same).
function problemsText(problems) {
  if (!problems?.length || lang() === 'en') return '';
  return problems.map(problemReason).join('；');
}

/**
 * upload posts the form with XMLHttpRequest, which (unlike fetch) reports
 * how much of the file has gone up: on a town's link a large register takes
 * a while. It resolves with the import record, or rejects with an ApiError
 * shaped as apiFetch's are.
 */
function upload(layer, form, csrf, onProgress, onUnauthorized) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1/imports/${encodeURIComponent(layer)}`);
    xhr.setRequestHeader('Accept', 'application/json');
    if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.upload.addEventListener('progress', (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); });
    xhr.addEventListener('error', () => reject(new ApiError('unreachable', 0, 'network error')));
    xhr.addEventListener('load', () => {
      let payload = null;
      try {
        payload = JSON.parse(xhr.responseText);
      } catch {
        // Not JSON: a proxy's page.
      }
      if (xhr.status >= 200 && xhr.status < 300 && payload) {
        resolve(payload);
        return;
      }
      const code = payload?.error?.code || '';
      // A file refused by its name (a workbook, an unknown type) has its
      // problems in the details, coded as a record's are.
      // An option refused (a bad encoding, a flag not true or false) has
      // its code in the details, worded as a file's problems are.
      const details = payload?.error?.details;
      const message = problemsText(details?.problems) || (lang() === 'en' ? '' : optionReason(details))
        || payload?.error?.message || xhr.statusText;
      if (xhr.status === 401) {
        onUnauthorized();
        reject(new ApiError('unauthorized', 401, message, code));
      } else if (xhr.status === 403) reject(new ApiError('forbidden', 403, message, code));
      else if (xhr.status === 502 || xhr.status === 504) reject(new ApiError('unreachable', xhr.status, message, code));
      else reject(new ApiError('server', xhr.status, message, code));
    });
    xhr.send(form);
  });
}

/**
 * explain says what went wrong in the page's language: a sentence of our
 * own for the failures we know, the server's message (in a line of its own)
 * for the detail only it has.
 */
function explain(err) {
  const own = {
    too_large: 'imp.err.tooLarge',
    unavailable: 'imp.err.busy',
    rate_limited: 'imp.err.busy',
    forbidden: 'imp.err.forbidden',
    conflict: 'imp.err.conflict',
    invalid: 'imp.err.invalid',
  }[err?.code] || (err?.status === 413 ? 'imp.err.tooLarge' : '');
  if (!own || err.kind === 'unreachable' || err.kind === 'unauthorized') {
    // describeError words it in the page's language; a server fault's own
    // sentence (English) stays a detail line.
    const detail = err?.kind === 'server' && errorDetail(err) ? t('imp.err.detail', { message: errorDetail(err) }) : '';
    return { text: describeError(err, t('view.imports')), detail };
  }
  return { text: t(own), detail: err.message ? t('imp.err.detail', { message: err.message }) : '' };
}

/** mountImports adds the tab and its empty panel; both stay hidden until initImports. */
export function mountImports() {
  const tab = h('button', {
    role: 'tab', id: 'tab-imports', 'aria-controls': 'view-imports', 'aria-selected': 'false',
    dataset: { view: 'imports', i18n: 'view.imports' }, tabindex: '-1', hidden: true,
  }, t('view.imports'));
  // Before the admins' tab, which comes last when it shows.
  const admin = document.getElementById('tab-admin');
  if (admin) admin.before(tab);
  else document.querySelector('[role=tablist]').append(tab);
  const panel = h('section', { id: 'view-imports', role: 'tabpanel', 'aria-labelledby': 'tab-imports', class: 'view', hidden: true });
  document.getElementById('sidebar-body').append(panel);
}

export function initImports(app) {
  if (!mayImport(app.user)) return;
  const tab = document.getElementById('tab-imports');
  const panel = document.getElementById('view-imports');
  tab.hidden = false;

  const state = {
    layer: 'visits',
    encoding: '',
    crs: 'wgs84',
    dryRun: false,
    skipInvalid: false,
    makeValid: false,
    busy: false,
    uploaded: null, // 0..1 while the file goes up
    error: null, // {text, detail}
    rec: null, // the import shown
    startedAt: 0,
    list: null,
    listErr: null,
    loaded: false,
    reveal: false, // bring the result into view when the import ends
  };
  let pollTimer = 0;
  let tickTimer = 0;
  let pollSeq = 0;

  // The form keeps its elements across language changes (a chosen file
  // cannot be set again); only the words are re-rendered.
  const layerSel = h('select', { id: 'import-layer', name: 'layer' });
  const templateLink = h('a', { id: 'import-template', class: 'download', download: '' });
  // The browser's own file button speaks the browser's language, not the
  // page's: the input is hidden visually and a label of ours opens it.
  const fileInput = h('input', { id: 'import-file', name: 'file', type: 'file', accept: FILE_TYPES.join(','), class: 'file-input' });
  const fileName = h('span', { id: 'import-file-name', class: 'muted' });
  const encSel = h('select', { id: 'import-encoding', name: 'encoding' });
  const crsSel = h('select', { id: 'import-crs', name: 'crs' });
  const box = (id) => h('input', { type: 'checkbox', id, name: id });
  const dryBox = box('import-dry-run');
  const skipBox = box('import-skip-invalid');
  const validBox = box('import-make-valid');
  // Diary only: rows replace the entries their ids name (correct), shown for visits.
  const correctBox = box('import-correct');
  // A register row whose code is stored under another name renames that row
  // (allow_renames); without it the row is refused code_other_name.
  const renameBox = box('import-allow-renames');
  const submit = h('button', { type: 'submit', id: 'import-submit', class: 'primary' });
  const words = {};
  const word = (key, tag = 'span', attrs = {}) => {
    const el = h(tag, attrs);
    words[key] = [...(words[key] || []), el];
    return el;
  };
  const correctRow = h('label', { id: 'import-correct-row', hidden: state.layer !== 'visits' }, correctBox, word('imp.correct'));
  const renameRow = h('label', { id: 'import-allow-renames-row', hidden: !RENAME_LAYERS.includes(state.layer) }, renameBox, word('imp.allowRenames'));
  const form = h('form', { id: 'import-form', class: 'import-form', novalidate: true },
    h('h2', { id: 'import-title' }, word('imp.title')),
    word('imp.hint', 'p', { class: 'muted' }),
    word('imp.layer', 'label', { for: 'import-layer' }), layerSel,
    h('p', { class: 'import-template-row' }, templateLink),
    word('imp.templateHint', 'p', { class: 'muted' }),
    word('imp.file', 'label', { for: 'import-file' }),
    h('div', { class: 'file-pick' }, fileInput, word('imp.chooseFile', 'label', { for: 'import-file', class: 'button' }), fileName),
    word('imp.fileHint', 'p', { class: 'muted' }),
    h('fieldset', { class: 'group import-options' },
      h('legend', {}, word('imp.options')),
      h('div', { class: 'import-selects' },
        word('imp.encoding', 'label', { for: 'import-encoding' }), encSel,
        word('imp.crs', 'label', { for: 'import-crs' }), crsSel),
      h('label', {}, dryBox, word('imp.dryRun')),
      h('label', {}, skipBox, word('imp.skipInvalid')),
      h('label', {}, validBox, word('imp.makeValid')),
      renameRow,
      correctRow),
    submit);
  const resultEl = h('section', { id: 'import-result', class: 'group', 'aria-live': 'polite', hidden: true });
  const listEl = h('div', { id: 'import-list', class: 'table-wrap' });
  const refresh = h('button', { type: 'button', id: 'import-refresh' });
  const listSection = h('section', { class: 'group', 'aria-labelledby': 'import-recent-title' },
    h('div', { class: 'import-list-head' }, h('h2', { id: 'import-recent-title' }, word('imp.recent')), refresh),
    word('imp.showHint', 'p', { class: 'muted' }),
    listEl);
  panel.replaceChildren(h('section', { class: 'group' }, form), resultEl, listSection);

  const renderForm = () => {
    for (const [key, els] of Object.entries(words)) els.forEach((el) => { el.textContent = t(key); });
    const options = (sel, items, value) => {
      sel.replaceChildren(...items.map(([v, key]) => h('option', { value: v }, t(key))));
      sel.value = value;
    };
    options(layerSel, IMPORT_LAYERS.map((l) => [l, `imp.layer.${l}`]), state.layer);
    [...layerSel.options].forEach((o, i) => { o.textContent = `${i + 1}. ${o.textContent}`; });
    options(encSel, [['', 'imp.enc.auto'], ['utf-8', 'imp.enc.utf8'], ['gbk', 'imp.enc.gbk']], state.encoding);
    options(crsSel, [['wgs84', 'imp.crs.wgs84'], ['cgcs2000', 'imp.crs.cgcs2000'], ['gcj02', 'imp.crs.gcj02']], state.crs);
    // The template in the page's language: Chinese headers and notes on the zh page.
    templateLink.href = `/api/v1/imports/template?layer=${encodeURIComponent(state.layer)}&lang=${lang() === 'en' ? 'en' : 'zh'}`;
    templateLink.textContent = t('imp.template', { layer: t(`imp.layer.${state.layer}`) });
    submit.textContent = t(state.busy ? 'imp.busy' : 'imp.submit');
    submit.disabled = state.busy;
    refresh.textContent = t('imp.refresh');
    fileName.textContent = fileInput.files?.[0]?.name || t('imp.noFileChosen');
  };

  const countCards = (rec) => h('dl', { id: 'import-counts', class: 'cards' }, COUNTS.map((k) => h('div', {
    class: `card${k === 'rejected' && rec[k] > 0 ? ' rejected' : ''}`, dataset: { key: k },
  }, h('dt', {}, t(`imp.count.${k}`)), h('dd', { dataset: { value: String(rec[k] ?? 0) } }, num(rec[k] ?? 0)))));

  const fieldWord = (f) => (f === 'geometry' || f === 'type' ? t(`imp.field.${f}`) : f);
  const rejectsTable = (rec) => {
    const rows = rec.rejects || [];
    const columns = [
      { key: 'file', label: t('imp.col.file') },
      { key: 'line', label: t('imp.col.line'), numeric: true, render: (r) => (r.unit === 'feature' ? t('imp.unit.feature', { n: num(r.line) }) : num(r.line)) },
      // The column as the clerk's file spelled it (户编号), the API's name in the tooltip; a
      // GeoJSON feature's geometry or type, which no column names, in the page's language (几何).
      { key: 'field', label: t('imp.col.field'), value: (r) => r.header || fieldWord(r.field) || '',
        render: (r) => (r.field && (r.header || fieldWord(r.field) !== r.field)
          ? h('span', { class: 'field', title: t('imp.col.fieldApi', { field: r.field }) }, r.header || fieldWord(r.field))
          : (r.header || r.field || '—')) },
      { key: 'reason', label: t('imp.col.reason'), value: rejectReason, render: rejectReason },
    ];
    const table = sortableTable({ columns, rows, caption: t('imp.rejects'), rowKey: (r) => `${r.line}:${r.field || ''}` });
    table.id = 'import-rejects';
    table.classList.add('rejects');
    return table;
  };

  const saveBlob = (blob, name) => {
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  };

  // saveRejects downloads the rejects file the server kept with the import
  // (rec.rejects_file: every rejected row as uploaded, with four columns
  // added — the line and the reason, headed 原行号 and 拒绝原因 in a
  // Chinese file, reject_line and reject_reason in an English one, then
  // reject_code and reject_params for scripts; a GeoJSON file carries them
  // as properties — which imports again once fixed, the importer ignoring
  // those columns); an import without one gets a CSV of the reasons the
  // record lists.
  const saveRejects = async (rec) => {
    if (!rec.rejects_file) {
      const base = String(rec.file_name || 'import').replace(/\.[^.]*$/, '');
      saveBlob(new Blob([rejectsCSV(rec, (r) => r.header || fieldWord(r.field) || '')], { type: 'text/csv;charset=utf-8' }), `${base}.rejects.csv`);
      return;
    }
    try {
      const res = await fetch(`/api/v1/imports/${rec.id}/rejects`, { credentials: 'same-origin' });
      if (!res.ok) throw await asError(res);
      saveBlob(await res.blob(), rec.rejects_file.name);
    } catch (err) {
      if (err.kind === 'unauthorized') app.emit('unauthorized');
      state.error = explain(err);
      renderResult();
    }
  };

  // refreshMap asks the map for its tiles again after an import changed
  // rows: the server bumped the layer's version, so each tile revalidates
  // (tiles are no-cache with an ETag) and comes back new where it changed.
  // Setting a source's own tile URLs again reloads it, as a new time window
  // does (map.js refreshTiles). Others may listen for 'imported'.
  const refreshMap = (rec) => {
    const m = app.map?.map;
    let sources = {};
    try {
      sources = m?.getStyle()?.sources || {};
    } catch {
      // The style is not loaded yet: no tiles to refresh.
    }
    for (const [id, spec] of Object.entries(sources)) {
      const src = m.getSource(id);
      if (spec.type === 'vector' && Array.isArray(spec.tiles) && src?.setTiles) src.setTiles(spec.tiles);
    }
    app.emit('imported', rec);
  };

  const outcome = (rec) => {
    if (rec.status === 'succeeded' && rec.dry_run) return t('imp.done.dryRun');
    if (rec.status === 'succeeded' && rec.rejected > 0) return t('imp.done.skipped', { n: num(rec.rejected) });
    if (rec.status === 'succeeded') return t('imp.done.succeeded');
    // Rejected with no row listed: the file itself (empty, wrong header).
    if (rec.status === 'rejected') return t(rec.rejects?.length ? 'imp.done.rejected' : 'imp.done.refused');
    return t('imp.done.failed');
  };

  const runningText = () => {
    const { rec } = state;
    const s = Math.max(0, Math.round((Date.now() - (state.startedAt || Date.parse(rec.started_at))) / 1000));
    return t('imp.running', { id: rec.id, s: num(s) });
  };

  const renderResult = () => {
    const { rec } = state;
    if (!state.busy && !rec && !state.error) {
      resultEl.hidden = true;
      return;
    }
    resultEl.hidden = false;
    const parts = [h('h2', {}, t('imp.result'))];
    if (state.error) {
      parts.push(h('p', { class: 'error', role: 'alert', id: 'import-error' }, state.error.text,
        state.error.detail ? h('span', { class: 'detail' }, state.error.detail) : null));
    }
    if (state.busy && !rec) {
      const pct = state.uploaded === null ? '' : `${Math.round(state.uploaded * 100)}%`;
      parts.push(h('p', { id: 'import-progress-text', 'aria-live': 'off' }, t('imp.uploading', { pct })),
        // Named for screen readers: a bare <progress> is read as "progress bar" and a number.
        h('progress', { id: 'import-progress', max: '1', value: state.uploaded === null ? undefined : String(state.uploaded), 'aria-label': t('imp.progress') }));
    }
    if (rec) {
      resultEl.dataset.id = String(rec.id);
      resultEl.dataset.status = rec.status;
      parts.push(h('p', { class: 'muted' }, t('imp.resultOf', { id: rec.id, file: rec.file_name, layer: t(`imp.layer.${rec.layer}`) }),
        rec.dry_run ? t('imp.dryRunTag') : ''));
      if (rec.status === 'running') {
        // Not announced each second: the outcome is, when it replaces this.
        parts.push(h('p', { id: 'import-progress-text', 'aria-live': 'off' }, runningText()),
          h('progress', { id: 'import-progress', 'aria-label': t('imp.status.running') }));
      } else {
        parts.push(h('p', { id: 'import-outcome', class: rec.status === 'succeeded' ? 'done' : 'error', role: rec.status === 'succeeded' ? undefined : 'alert' },
          outcome(rec), rec.status !== 'succeeded' && !rec.rejects?.length && rec.message
            ? h('span', { class: 'detail' }, t('imp.err.detail', { message: problemsText(rec.problems) || rec.message })) : null));
        parts.push(countCards(rec));
        const shown = rec.rejects?.length || 0;
        if (shown) {
          parts.push(h('h3', {}, t('imp.rejects')));
          if (rec.rejected > shown) parts.push(h('p', { class: 'muted' }, t('imp.rejectsMore', { n: num(shown), total: num(rec.rejected) })));
          // A rejects file cut short at its bound, or none kept: the record's message says which.
          const cut = rec.rejects_file ? rec.rejects_file.complete === false : rec.options?.skip_invalid === true;
          if (rec.status === 'succeeded' && rec.message && cut) {
            parts.push(h('p', { class: 'muted', id: 'import-rejects-note' }, t('imp.err.detail', { message: rec.message })));
          }
          // A GeoJSON, GeoPackage or Shapefile upload's rejects file is GeoJSON.
          const label = t(rec.rejects_file?.format === 'geojson' ? 'imp.downloadRejectsGeoJSON' : 'imp.downloadRejects');
          const save = h('button', {
            type: 'button', id: 'import-rejects-download', dataset: { kind: rec.rejects_file ? 'file' : 'reasons' },
          }, label);
          save.addEventListener('click', () => saveRejects(rec));
          parts.push(h('p', {}, save), h('div', { class: 'table-wrap' }, rejectsTable(rec)));
        }
      }
    } else {
      delete resultEl.dataset.id;
      delete resultEl.dataset.status;
    }
    resultEl.replaceChildren(...parts);
  };

  const renderList = () => {
    if (state.listErr) {
      listEl.replaceChildren(h('p', { class: 'error', role: 'alert' }, explain(state.listErr).text));
      return;
    }
    if (!state.list) {
      listEl.replaceChildren(h('p', { class: 'muted loading', role: 'status' }, t('status.loading')));
      return;
    }
    if (!state.list.length) {
      listEl.replaceChildren(h('p', { class: 'muted' }, t('imp.none')));
      return;
    }
    // Four columns, each of two or more short lines, so the list fits the
    // tab's width (520 px on a laptop, a phone's 390) with no sideways
    // scroll: when over who, layer over file (a long file name wraps),
    // status with the rejects file's link, and the counts as labelled pairs.
    const line = (cls, ...text) => h('span', { class: `line ${cls}` }, ...text);
    const columns = [
      { key: 'started_at', label: t('imp.col.whenWho'), render: (r) => [line('when', time(r.started_at)), line('who muted', r.started_by || '—')] },
      { key: 'layer', label: t('imp.col.layerFile'), render: (r) => [line('layer', t(`imp.layer.${r.layer}`)), line('file muted', r.file_name || '—')] },
      {
        key: 'status', label: t('imp.col.status'),
        render: (r) => [line('state', `${t(`imp.status.${r.status}`)}${r.dry_run ? t('imp.dryRunTag') : ''}`),
          // The kept rejects file downloads from the list too, without opening the import.
          r.rejects_file ? line('rejects-link', h('a', {
            href: `/api/v1/imports/${r.id}/rejects`, download: r.rejects_file.name || '', class: 'download',
            // Fetched as the result's button does, so a refusal is said on the page, not saved as a file.
            onclick: (e) => { e.preventDefault(); e.stopPropagation(); saveRejects(r); },
            onkeydown: (e) => e.stopPropagation(),
          }, t('imp.rejectsLink'))) : null],
      },
      {
        key: 'counts', label: t('imp.col.counts'),
        render: (r) => h('dl', { class: 'counts' }, COUNTS.map((k) => h('div', { dataset: { key: k, value: String(r[k] ?? 0) }, class: k === 'rejected' && r[k] > 0 ? 'rejected' : '' },
          h('dt', {}, t(`imp.count.${k}`)), h('dd', {}, num(r[k] ?? 0))))),
      },
    ];
    const table = sortableTable({
      columns, rows: state.list, caption: t('imp.recent'), rowKey: (r) => String(r.id),
      onRow: (r) => show(r.id),
    });
    table.classList.add('imports');
    // On a phone the rows show as cards (style.css): the roles say it is still a table.
    table.setAttribute('role', 'table');
    table.querySelectorAll('thead, tbody').forEach((el) => el.setAttribute('role', 'rowgroup'));
    table.querySelectorAll('tr').forEach((el) => el.setAttribute('role', 'row'));
    table.querySelectorAll('th').forEach((el) => el.setAttribute('role', 'columnheader'));
    table.querySelectorAll('td').forEach((el) => el.setAttribute('role', 'cell'));
    table.id = 'import-list-table';
    listEl.replaceChildren(table);
  };

  const loadList = async () => {
    state.loaded = true;
    try {
      const res = await fetch('/api/v1/imports?limit=20', { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
      if (!res.ok) throw await asError(res);
      state.list = (await res.json()).imports || [];
      state.listErr = null;
    } catch (err) {
      if (err.kind === 'unauthorized') app.emit('unauthorized');
      state.listErr = err;
    }
    renderList();
  };

  const stopPolling = () => {
    clearTimeout(pollTimer);
    clearInterval(tickTimer);
    pollSeq++;
  };

  // poll reads the record until the import has ended; the list is read
  // again when it saw the import running (its counts changed).
  const poll = (id, wait, sawRunning = false) => {
    const seq = pollSeq;
    pollTimer = setTimeout(async () => {
      try {
        const res = await fetch(`/api/v1/imports/${id}`, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
        if (!res.ok) throw await asError(res);
        const rec = await res.json();
        if (seq !== pollSeq) return;
        state.rec = rec;
        if (rec.status === 'running') {
          renderResult();
          poll(id, Math.min(Math.max(wait, POLL_FIRST_MS) * 1.5, POLL_MAX_MS), true);
          return;
        }
        finish();
        // Seen running: it ended now, and what it changed is not on the map yet.
        if (sawRunning && rec.status === 'succeeded' && !rec.dry_run && (rec.inserted || 0) + (rec.updated || 0) > 0) refreshMap(rec);
        if (sawRunning || state.list?.some((r) => r.id === id && r.status === 'running')) loadList();
      } catch (err) {
        if (seq !== pollSeq) return;
        if (err.kind === 'unauthorized') app.emit('unauthorized');
        state.error = explain(err);
        finish();
      }
    }, wait);
  };

  const finish = () => {
    stopPolling();
    state.busy = false;
    renderForm();
    renderResult();
    // The outcome, counts and rejects of an import just run come into view:
    // on a laptop's screen they would otherwise land below the form, unseen.
    // (Now, at their full height: at the upload the panel may not scroll so far.)
    if (state.reveal) resultEl.scrollIntoView?.({ block: 'start' });
    state.reveal = false;
  };

  // show opens a past import: its counts and rejects, or its progress.
  const show = async (id) => {
    if (state.busy) return;
    stopPolling();
    state.reveal = false;
    state.error = null;
    state.rec = state.list?.find((r) => r.id === id) || null;
    state.startedAt = 0;
    renderResult();
    poll(id, 0);
    resultEl.scrollIntoView?.({ block: 'nearest' });
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (state.busy) return;
    const file = fileInput.files?.[0];
    stopPolling();
    state.rec = null;
    state.error = null;
    if (!file) {
      state.error = { text: t('imp.noFile') };
      renderResult();
      fileInput.focus();
      return;
    }
    const kind = ext(file.name);
    if (WORKBOOKS.includes(kind)) {
      state.error = { text: t('imp.err.workbook') };
      renderResult();
      return;
    }
    if (!FILE_TYPES.includes(kind)) {
      state.error = { text: t('imp.err.fileType', { ext: kind || file.name }) };
      renderResult();
      return;
    }
    const body = new FormData();
    body.append('file', file, file.name);
    if (state.encoding) body.append('encoding', state.encoding);
    body.append('crs', state.crs);
    body.append('dry_run', String(state.dryRun));
    body.append('skip_invalid', String(state.skipInvalid));
    body.append('make_valid', String(state.makeValid));
    if (state.layer === 'visits' && correctBox.checked) body.append('correct', 'true');
    if (RENAME_LAYERS.includes(state.layer) && renameBox.checked) body.append('allow_renames', 'true');
    // The kept rejects file's reasons in the page's language.
    body.append('lang', lang() === 'en' ? 'en' : 'zh');
    state.busy = true;
    state.uploaded = 0;
    renderForm();
    renderResult();
    try {
      const rec = await upload(state.layer, body, app.user?.csrf_token, (share) => {
        state.uploaded = share;
        const bar = document.getElementById('import-progress');
        if (bar) bar.value = share;
        const text = document.getElementById('import-progress-text');
        if (text) text.textContent = t('imp.uploading', { pct: `${Math.round(share * 100)}%` });
      }, () => app.emit('unauthorized'));
      state.rec = rec;
      state.startedAt = Date.now();
      state.uploaded = null;
      renderResult();
      resultEl.scrollIntoView?.({ block: 'start' }); // the progress, replaced by the outcome (finish)
      state.reveal = true;
      // A running import's seconds tick on the page between polls.
      tickTimer = setInterval(() => {
        const text = document.getElementById('import-progress-text');
        if (text && state.rec?.status === 'running') text.textContent = runningText();
      }, 1000);
      poll(rec.id, POLL_FIRST_MS, true);
    } catch (err) {
      state.error = explain(err);
      state.uploaded = null;
      state.reveal = true;
      finish();
    }
  });

  layerSel.addEventListener('change', () => {
    state.layer = layerSel.value;
    correctRow.hidden = state.layer !== 'visits';
    renameRow.hidden = !RENAME_LAYERS.includes(state.layer);
    renderForm();
  });
  fileInput.addEventListener('change', renderForm);
  encSel.addEventListener('change', () => { state.encoding = encSel.value; });
  crsSel.addEventListener('change', () => { state.crs = crsSel.value; });
  dryBox.addEventListener('change', () => { state.dryRun = dryBox.checked; });
  skipBox.addEventListener('change', () => { state.skipInvalid = skipBox.checked; });
  validBox.addEventListener('change', () => { state.makeValid = validBox.checked; });
  refresh.addEventListener('click', loadList);

  app.on('view', (v) => { if (v === 'imports' && !state.loaded) loadList(); });
  app.on('lang', () => {
    renderForm();
    renderResult();
    if (state.loaded) renderList();
  });
  renderForm();
}

/** asError turns a failed fetch answer into an ApiError like apiFetch's. */
async function asError(res) {
  let code = '';
  let message = res.statusText;
  try {
    const payload = await res.json();
    code = payload?.error?.code || '';
    message = payload?.error?.message || message;
  } catch {
    // Not our error shape.
  }
  const kind = { 401: 'unauthorized', 403: 'forbidden', 502: 'unreachable', 504: 'unreachable' }[res.status] || 'server';
  return new ApiError(kind, res.status, message, code);
}
