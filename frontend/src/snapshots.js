// The planner view's coverage snapshots: the list the server keeps (as of a
// day, for a town or the county, who saved it), saving one as of a chosen
// day, and the comparison of two — villages newly meeting their rule or
// fallen below it, and how the counts moved — exactly as the diff API
// gives it, its privacy labels shown as the rest of the map shows them
// (publishedCount), with a CSV of the comparison for Excel.
//
// Who may save which snapshot is the server's rule (a snapshot is kept with
// its town's rows: a county-wide role saves any town or the county, a team
// leader or member their own towns). The page offers only those choices,
// from the user's all_towns and towns, and shows the server's refusal when
// it refuses all the same.
//
// A role bound to whole weeks compares only snapshots over whole weeks: the
// list says which it may not (comparable false: one saved by the day, as
// planners' were before snapshots were widened, or by a role with household
// access), the pickers mark them and never open on them, and the page
// explains why and offers
// to take each again over whole weeks (as of its day, to its week's last
// day, retake_as_of), beside the old one.

import { apiFetch } from './api.js';
import {
  TABLES, date, dateTime, lang, num, t,
} from './i18n.js';
import { csvCell, h, inlineError, loading, publishedCount, sortableTable } from './ui.js';
import { addDays, dayOf } from './weeks.js';
import './snapshots.css';

/** The snapshot routes (README "reports"); POST takes as_of and town only. */
export const snapshotAPI = {
  list: () => apiFetch('/api/v1/snapshots'),
  save: (asOf, town) => apiFetch('/api/v1/snapshots', { method: 'POST', body: { as_of: asOf, town } }),
  diff: (a, b) => apiFetch(`/api/v1/snapshots/${encodeURIComponent(a)}/diff/${encodeURIComponent(b)}`),
};

/** The village statuses of a diff (coverage.VillageChange.Status). */
const STATUSES = ['newly_reached', 'fell_below', 'added', 'removed', 'changed'];
/** The diff's counters of villages meeting their rule. */
const COUNTERS = ['newly_reached', 'fell_below', 'reached_before', 'reached_after'];
/** Outline colours on the map: Okabe–Ito bluish green and vermilion, as the one-third line. */
const STATUS_COLOUR = { newly_reached: '#009e73', fell_below: '#d55e00' };
const MAP_LAYER = 'snapshot-changed';
/** The summary's changes come in this order (the rule and coverage first), any others after by name. */
const SUMMARY_ORDER = ['villages_reached', 'villages_visited', 'visited_residents', 'households_visited', 'visits',
  'household_visits', 'assistance_deliveries', 'households_assisted', 'opinions_collected', 'problems_resolved',
  'petition_cases_resolved', 'disputes_resolved', 'village_meetings', 'enterprise_visits', 'enterprises_visited',
  'project_site_visits', 'publicity_events', 'publicity_participants'];
const summaryRank = (k) => (SUMMARY_ORDER.includes(k) ? SUMMARY_ORDER.indexOf(k) : SUMMARY_ORDER.length);

/**
 * defaultPair is the comparison the pickers open on, [older, newer]: the
 * latest two snapshots (by as_of, then by id) of one area — of the area
 * prefer names (the one just saved) when it has two, else of the area
 * whose latest snapshot is the latest. null when no area has two (a diff
 * of two areas lists the villages of one only as added or removed).
 */
export function defaultPair(list, prefer) {
  const newestFirst = (a, b) => (a.as_of === b.as_of ? b.id - a.id : (a.as_of < b.as_of ? 1 : -1));
  const byArea = new Map();
  for (const s of list || []) {
    const k = s.town || '';
    if (!byArea.has(k)) byArea.set(k, []);
    byArea.get(k).push(s);
  }
  let best = null;
  for (const [area, snaps] of byArea) {
    if (snaps.length < 2) continue;
    snaps.sort(newestFirst);
    const pair = [snaps[1], snaps[0]];
    if (prefer !== undefined && prefer !== null && area === prefer) return pair;
    if (!best || newestFirst(pair[1], best[1]) < 0) best = pair;
  }
  return best;
}

/**
 * saveChoices is what user may save, by the server's rule: {county, towns}
 * (town codes). No user (a server without sign-in) or an older answer
 * without all_towns offers everything: the server refuses what it refuses.
 */
export function saveChoices(user, towns) {
  const all = towns.map((x) => x.code);
  if (!user || user.all_towns !== false) return { county: true, towns: all };
  const own = Array.isArray(user.towns) ? user.towns : [];
  return { county: false, towns: all.length ? all.filter((c) => own.includes(c)) : own };
}

/** signedCount shows a change with its sign: +348, −137, 0; a privacy label as published. */
export function signedCount(v) {
  if (typeof v !== 'number') return publishedCount(v);
  const s = num(Math.abs(v));
  if (v > 0) return `+${s}`;
  if (v < 0) return `−${s}`;
  return s;
}

/** coverageText shows a coverage fraction as a percentage (two decimals), '—' when the diff has none. */
export function coverageText(v) {
  if (typeof v !== 'number') return '—';
  return new Intl.NumberFormat(lang(), { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(v);
}

/**
 * figuresBlank: the diff gives a village only its status — suppressed on a
 * side (privacy rule 2: no coverage on either side, its changes written as
 * 0), or removed (no after) — so its 0s are no figures and read "—". A
 * village without residents has no coverage either; its residents' changes
 * are 0 and "—" loses nothing.
 */
export const figuresBlank = (r) => r.status === 'removed'
  || (r.status !== 'added' && typeof r.coverage_before !== 'number' && typeof r.coverage_after !== 'number');

/**
 * hiddenOnly: a village the diff lists as changed although every figure it
 * shows moved by 0 — only its hidden special households waiting may have
 * moved (nit 1). The server keeps it (leaving it out would say the hidden
 * figure did not move); the page says what it is and lists it last.
 */
export const hiddenOnly = (r) => r.status === 'changed' && !figuresBlank(r)
  && r.visited_residents_change === 0 && r.residents_needed_change === 0
  && typeof r.special_waiting_change === 'string' && r.coverage_before === r.coverage_after;

/**
 * weekBound: user's aggregates are taken over whole campaign weeks (no
 * household access; privacy rule 5), and so are the snapshots they save:
 * as of the last day of the chosen day's week.
 */
export const weekBound = (user) => !!user && !user.household_points;

/** has says whether the i18n table holds key. */
const has = (key) => TABLES['zh-CN'][key] !== undefined;

/** summaryLabel names a summary number of the diff (its JSON name). */
function summaryLabel(k) {
  if (has(`snap.sum.${k}`)) return t(`snap.sum.${k}`);
  if (has(`summary.${k}`)) return t(`summary.${k}`);
  return k;
}

/** csvCode writes a code made of digits as Excel keeps it as text (="…"), as the server's report CSVs do. */
const csvCode = (v) => (/^\d+$/.test(String(v ?? '')) ? `"=""${v}"""` : csvCell(v));

/** csvCount writes a change or a privacy label, in the page's language. */
const csvCount = (v) => {
  if (typeof v === 'number') return String(v);
  if (v === 'hidden') return csvCell(t('summary.hidden'));
  return csvCell(v ?? '');
};

/** diffCSV is a comparison's villages as CSV with a UTF-8 BOM, headed in the page's language. */
export function diffCSV(d) {
  const cols = ['village_code', 'village_name', 'town_code', 'status', 'coverage_before', 'coverage_after',
    'visited_residents_change', 'residents_needed_change', 'special_waiting_change'];
  const lines = [cols.map((c) => csvCell(t(`snap.csv.${c}`))).join(',')];
  for (const v of d.villages || []) {
    lines.push([
      csvCode(v.village_code), csvCell(v.village_name), csvCode(v.town_code),
      csvCell(lang() === 'en' ? v.status : t(`snap.status.${v.status}`)),
      v.coverage_before ?? '', v.coverage_after ?? '',
      ...(figuresBlank(v) ? ['', '', v.status === 'removed' ? '' : csvCount(v.special_waiting_change)]
        : [csvCount(v.visited_residents_change), csvCount(v.residents_needed_change), csvCount(v.special_waiting_change)]),
    ].join(','));
  }
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

/**
 * snapRefusal words a snapshot's refusal (the error's details: a
 * lianxin.Refusal {field, reason, params}, the reasons
 * coverage.SnapshotReasons) in the page's language by
 * snap.refusal.<reason>, a town by its name (townName); '' when the error
 * carries no reason the page words.
 */
export function snapRefusal(err, townName = (c) => c) {
  const d = err?.details;
  if (!d?.reason) return '';
  const key = `snap.refusal.${d.reason}`;
  if (t(key) === key) return '';
  const sep = lang() === 'en' ? ', ' : '、';
  const vars = {};
  for (const [k, v] of Object.entries(d.params || {})) vars[k] = Array.isArray(v) ? v.join(sep) : v;
  if (vars.town) vars.town = townName(vars.town);
  // Two areas compared (areas_differ): "" is the county.
  for (const k of ['town_a', 'town_b']) if (k in vars) vars[k] = townName(vars[k]);
  return t(key, vars);
}

export function initSnapshots(app) {
  const root = document.getElementById('snapshots');
  if (!root) return;
  const state = {
    list: null, // the API's list, newest first
    listErr: null,
    diff: null,
    diffErr: null,
    diffing: false,
    save: null, // {ok: snapshot} | {err}
    saving: false,
    onMap: false,
    asOf: '',
    town: null, // null: not chosen yet (follows the planner's town filter)
  };
  let csvURL = '';

  const townName = (code) => (code ? (app.towns.find((x) => x.code === code)?.name || code) : t('snap.county'));
  const day = (d) => date(`${d}T12:00:00+08:00`);
  const labelOf = (s) => t('snap.option', {
    id: s.id, date: day(s.as_of), area: townName(s.town), by: s.created_by,
  });
  /** comparable: the server's word for the caller (an older server says nothing: every one). */
  const comparable = (s) => s.comparable !== false;

  // The save form: a day and an area the user may save.
  const saveForm = () => {
    const choice = saveChoices(app.user, app.towns);
    if (!choice.county && !choice.towns.length) {
      return h('p', { class: 'muted', id: 'snap-nosave' }, t('snap.noSave'));
    }
    const today = dayOf(new Date());
    const first = app.weeks[0]?.from || '';
    if (!state.asOf) {
      const end = app.window?.to ? addDays(app.window.to, -1) : today;
      state.asOf = end < today ? end : today;
    }
    if (state.town === null || !(state.town === '' ? choice.county : choice.towns.includes(state.town))) {
      const wanted = app.town || '';
      if (wanted === '' ? choice.county : choice.towns.includes(wanted)) state.town = wanted;
      else state.town = choice.county ? '' : choice.towns[0];
    }
    const asOf = h('input', {
      type: 'date', id: 'snap-asof', value: state.asOf, min: first || undefined, max: today, required: true,
      onchange: (e) => { state.asOf = e.target.value; },
    });
    const town = h('select', { id: 'snap-town', onchange: (e) => { state.town = e.target.value; } },
      choice.county ? h('option', { value: '' }, t('snap.county')) : null,
      choice.towns.map((c) => h('option', { value: c }, townName(c))));
    town.value = state.town;
    const msg = h('p', { id: 'snap-save-msg', 'aria-live': 'polite' });
    if (state.save?.ok) {
      msg.className = 'muted';
      const ok = state.save.ok;
      // A role bound to whole weeks: the server took the snapshot to the
      // end of the asked day's week (as_of_asked), and says so here.
      msg.textContent = ok.as_of_asked && ok.as_of_asked !== ok.as_of
        ? t('snap.savedWeeks', { id: ok.id, date: day(ok.as_of), asked: day(ok.as_of_asked), area: townName(ok.town) })
        : t('snap.saved', { id: ok.id, date: day(ok.as_of), area: townName(ok.town) });
    } else if (state.save?.err) {
      msg.className = 'error';
      msg.setAttribute('role', 'alert');
      const e = state.save.err;
      // By its reason; a refusal without one (no role to save, the server
      // down) by its kind, never the server's English sentence.
      const why = snapRefusal(e, townName);
      msg.textContent = why ? t('snap.refused', { message: why }) : inlineError(e, t('snap.save')).textContent;
    }
    return h('form', {
      class: 'snap-save', id: 'snap-save-form',
      // What the form holds is what is asked: the server decides.
      onsubmit: (e) => { e.preventDefault(); save(asOf.value, town.value); },
    },
    h('label', { for: 'snap-asof' }, t('snap.asOf')), asOf,
    h('label', { for: 'snap-town' }, t('snap.area')), town,
    h('button', { type: 'submit', id: 'snap-save', disabled: state.saving }, t(state.saving ? 'snap.saving' : 'snap.save')),
    choice.county ? null : h('p', { class: 'muted', id: 'snap-own-towns' }, t('snap.ownTowns')),
    weekBound(app.user) ? h('p', { class: 'muted', id: 'snap-weeks-hint' }, t('snap.weeksHint', { start: first ? day(first) : '' })) : null,
    msg);
  };

  const listTable = () => {
    if (state.listErr) return inlineError(state.listErr, t('snap.title'));
    if (!state.list) return loading();
    if (!state.list.length) return h('p', { class: 'muted', id: 'snap-none' }, t('snap.none'));
    return h('div', { class: 'table-wrap snap-list-wrap' }, h('table', { class: 'data', id: 'snap-list' },
      h('caption', { class: 'sr-only' }, t('snap.list')),
      h('thead', {}, h('tr', {}, ['id', 'asOf', 'area', 'by', 'at'].map((k) => h('th', { scope: 'col', dataset: { key: k } }, t(`snap.col.${k}`))))),
      h('tbody', {}, state.list.map((s) => h('tr', { dataset: { id: String(s.id), comparable: String(comparable(s)) } },
        h('td', { class: 'num' }, `#${s.id}`),
        h('td', { class: 'snap-asof' }, h('span', { class: 'snap-day' }, day(s.as_of)),
          comparable(s) ? null : [' ', h('span', { class: 'snap-nc', title: t('snap.notComparableNote') }, t('snap.notComparable'))]),
        h('td', { class: 'snap-area' }, townName(s.town)),
        h('td', { class: 'snap-by' }, s.created_by),
        h('td', { class: 'snap-at' }, dateTime(s.created_at)))))));
  };

  // The snapshots the user may not compare, why, and a retake of each.
  const notComparable = () => {
    const old = (state.list || []).filter((s) => !comparable(s));
    if (!old.length) return null;
    return h('div', { id: 'snap-nc', class: 'snap-nc-note' },
      h('p', { class: 'muted', id: 'snap-nc-why' }, t('snap.notComparableNote')),
      h('ul', {}, old.map((s) => h('li', { dataset: { id: String(s.id) } }, labelOf(s), ' ',
        h('button', {
          type: 'button', class: 'link snap-retake', id: `snap-retake-${s.id}`, disabled: state.saving,
          'aria-label': t('snap.retakeLabel', { id: s.id, date: day(s.retake_as_of || s.as_of) }),
          onclick: () => save(s.as_of, s.town || ''),
        }, t('snap.retake', { date: day(s.retake_as_of || s.as_of) }))))));
  };

  // Two pickers: the earlier and the later snapshot (by as_of, the list's
  // order otherwise), the two latest unless chosen.
  let pickA = '';
  let pickB = '';
  let preferArea = null; // the area of the snapshot just saved
  const comparePickers = () => {
    if (!state.list || state.list.length < 2) return null;
    // Those the user may not compare are marked, and never the pair the
    // pickers open on (chosen all the same, the server's refusal says why).
    const usable = state.list.filter(comparable);
    const ids = state.list.map((s) => String(s.id));
    if (!ids.includes(pickA) || !ids.includes(pickB)) {
      // The latest two of one area, older first (defaultPair); with no
      // area saved twice, the two newest, which compare() refuses to diff.
      const pair = defaultPair(usable, preferArea) || (usable.length >= 2 ? [usable[1], usable[0]] : [state.list[1], state.list[0]]);
      [pickA, pickB] = pair.map((s) => String(s.id));
    }
    const sel = (id, value, set) => {
      const el = h('select', { id, onchange: (e) => set(e.target.value) },
        state.list.map((s) => (comparable(s)
          ? h('option', { value: String(s.id) }, labelOf(s))
          : h('option', { value: String(s.id) }, t('snap.optionNotComparable', { label: labelOf(s) })))));
      el.value = value;
      return el;
    };
    return h('form', {
      class: 'snap-compare', id: 'snap-compare-form',
      onsubmit: (e) => { e.preventDefault(); compare(); },
    },
    h('label', { for: 'snap-a' }, t('snap.a')), sel('snap-a', pickA, (v) => { pickA = v; }),
    h('label', { for: 'snap-b' }, t('snap.b')), sel('snap-b', pickB, (v) => { pickB = v; }),
    h('button', { type: 'submit', id: 'snap-compare', disabled: state.diffing }, t('snap.compare')));
  };

  let sort = { key: 'status', dir: 'asc' };
  const diffView = () => {
    if (state.diffing) return loading();
    if (state.diffErr) {
      const why = snapRefusal(state.diffErr, townName);
      return why ? h('p', { class: 'error', role: 'alert', id: 'snap-diff-refused' }, why) : inlineError(state.diffErr, t('snap.compare'));
    }
    const d = state.diff;
    if (!d) return null;
    const parts = [h('h3', { class: 'snap-sub', id: 'snap-diff-title' }, t('snap.diffTitle', {
      a: d.a.id, da: day(d.a.as_of), b: d.b.id, db: day(d.b.as_of),
    }))];
    if ((d.a.town || '') !== (d.b.town || '')) {
      parts.push(h('p', { class: 'warn', id: 'snap-areas-differ' }, t('snap.areasDiffer', { a: townName(d.a.town), b: townName(d.b.town) })));
    }
    parts.push(h('dl', { class: 'cards', id: 'snap-counters', lang: lang() }, COUNTERS.map((k) => h('div', { class: 'card', dataset: { key: k } },
      h('dt', {}, t(`snap.${k}`)), h('dd', {}, num(d[k]))))));
    parts.push(h('p', { class: 'muted snap-note' }, t('snap.ruleNote')));

    const sum = Object.entries(d.summary || {}).filter(([, v]) => v !== 0)
      .sort(([x], [y]) => summaryRank(x) - summaryRank(y) || x.localeCompare(y));
    parts.push(h('h3', { class: 'snap-sub' }, t('snap.summaryChanges')));
    parts.push(sum.length
      ? h('dl', { class: 'cards', id: 'snap-summary', lang: lang() }, sum.map(([k, v]) => h('div', { class: 'card', dataset: { key: k } },
        h('dt', {}, summaryLabel(k)), h('dd', {}, signedCount(v)))))
      : h('p', { class: 'muted', id: 'snap-summary-none' }, t('snap.noSummaryChange')));

    const rows = d.villages || [];
    const onlyHidden = rows.filter(hiddenOnly).length;
    const villagesTitle = onlyHidden
      ? t('snap.villagesSplit', { n: num(rows.length - onlyHidden), k: num(onlyHidden) })
      : t('snap.villages', { n: num(rows.length) });
    parts.push(h('h3', { class: 'snap-sub', id: 'snap-villages-title' }, villagesTitle));
    if (!rows.length) {
      parts.push(h('p', { class: 'muted', id: 'snap-villages-none' }, t('snap.noVillages')));
      return h('div', {}, parts);
    }
    if (URL.revokeObjectURL && csvURL) URL.revokeObjectURL(csvURL);
    csvURL = URL.createObjectURL(new Blob([diffCSV(d)], { type: 'text/csv;charset=utf-8' }));
    const onMap = h('input', {
      type: 'checkbox', id: 'snap-on-map', checked: state.onMap,
      onchange: (e) => { state.onMap = e.target.checked; drawMap(); },
    });
    parts.push(h('p', { class: 'snap-actions' },
      h('a', { id: 'snap-csv', href: csvURL, download: `lianxin-snapshots-${d.a.id}-${d.b.id}.csv` }, t('snap.csv')), ' ',
      app.map ? h('label', { for: 'snap-on-map' }, onMap, ' ', t('snap.onMap')) : null));
    const statusRank = (r) => (hiddenOnly(r) ? STATUSES.length : STATUSES.indexOf(r.status));
    const statusKey = (r) => (hiddenOnly(r) ? 'hiddenOnly' : r.status);
    const countKey = (v) => (typeof v === 'number' ? v : null);
    // A change the diff does not give (figuresBlank) is null, shown "—"; a
    // suppressed village's special households keep the API's label.
    const change = (k, r) => (figuresBlank(r) && (k !== 'special_waiting_change' || r.status === 'removed') ? null : r[k]);
    const changeCol = (key, label) => ({
      key,
      label,
      numeric: true,
      value: (r) => countKey(change(key, r)),
      render: (r) => (change(key, r) === null ? '—' : signedCount(change(key, r))),
    });
    const columns = [
      { key: 'village', label: t('snap.col.village'), value: (r) => r.village_name, render: (r) => r.village_name },
      { key: 'town', label: t('snap.col.town'), value: (r) => r.town_code, render: (r) => townName(r.town_code) },
      { key: 'status', label: t('snap.col.status'), value: statusRank, render: (r) => h('span', { class: `snap-status ${statusKey(r)}` }, t(`snap.status.${statusKey(r)}`)) },
      { key: 'coverage_before', label: t('snap.col.before'), numeric: true, value: (r) => r.coverage_before, render: (r) => coverageText(r.coverage_before) },
      { key: 'coverage_after', label: t('snap.col.after'), numeric: true, value: (r) => r.coverage_after, render: (r) => coverageText(r.coverage_after) },
      changeCol('visited_residents_change', t('snap.col.visited')),
      changeCol('residents_needed_change', t('snap.col.needed')),
      changeCol('special_waiting_change', t('snap.col.waiting')),
    ];
    parts.push(h('div', { class: 'table-wrap', id: 'snap-villages' }, sortableTable({
      columns,
      rows,
      sort,
      onSort: (s) => { sort = s; render(); },
      rowKey: (r) => r.village_code,
      caption: villagesTitle,
      onRow: app.openVillage ? (r) => app.openVillage(r.village_code, { fly: true }) : undefined,
    })));
    if (rows.some(figuresBlank)) {
      parts.push(h('p', { class: 'muted', id: 'snap-blank-note' }, t('snap.blankNote')));
    }
    if (onlyHidden) {
      parts.push(h('p', { class: 'muted', id: 'snap-hidden-only-note' }, t('snap.hiddenOnlyNote')));
    }
    if (rows.some((r) => typeof r.special_waiting_change === 'string')) {
      parts.push(h('p', { class: 'muted', id: 'snap-hidden-note' }, t('summary.hiddenNote')));
    }
    return h('div', {}, parts);
  };

  const render = () => {
    root.replaceChildren(
      h('p', { class: 'muted snap-hint' }, t('snap.hint')),
      saveForm(),
      h('h3', { class: 'snap-sub' }, t('snap.list')),
      listTable(),
      notComparable() || '',
      comparePickers() || '',
      h('div', { id: 'snap-diff', 'aria-live': 'polite', 'aria-busy': String(state.diffing) }, diffView() || ''),
    );
  };

  // The changed villages on the map: those newly meeting their rule and
  // those fallen below, outlined under the selected village's line.
  const drawMap = () => {
    const m = app.map?.map;
    if (!m || !m.getSource('villages')) return;
    const codes = state.onMap && state.diff ? state.diff.villages.filter((v) => STATUS_COLOUR[v.status]) : [];
    const colour = ['match', ['get', 'code']];
    for (const v of codes) colour.push(v.village_code, STATUS_COLOUR[v.status]);
    colour.push('#000000');
    const filter = ['in', ['get', 'code'], ['literal', codes.map((v) => v.village_code)]];
    if (!m.getLayer(MAP_LAYER)) {
      m.addLayer({
        id: MAP_LAYER, type: 'line', source: 'villages', 'source-layer': 'villages', filter,
        paint: { 'line-color': codes.length ? colour : '#000000', 'line-width': 3 },
      }, m.getLayer('village-selected') ? 'village-selected' : undefined);
    } else {
      m.setFilter(MAP_LAYER, filter);
      m.setPaintProperty(MAP_LAYER, 'line-color', codes.length ? colour : '#000000');
    }
  };

  const load = async () => {
    state.listErr = null;
    try {
      const list = await snapshotAPI.list();
      state.list = Array.isArray(list) ? list : [];
    } catch (err) {
      state.listErr = err;
    }
    render();
  };

  const save = async (asOf, town) => {
    state.saving = true;
    state.save = null;
    state.asOf = asOf;
    render();
    try {
      const snap = await snapshotAPI.save(asOf, town || '');
      state.save = { ok: snap };
      await load();
      // The new snapshot becomes the later one of the comparison.
      // The comparison opens on the latest two of the new snapshot's
      // area (never on two areas: see defaultPair).
      if (state.list?.some((s) => s.id === snap.id)) {
        preferArea = snap.town || '';
        pickA = '';
        pickB = '';
      }
    } catch (err) {
      state.save = { err };
    } finally {
      state.saving = false;
      render();
    }
  };

  let diffReq = 0;
  const compare = async () => {
    if (!pickA || !pickB || pickA === pickB) {
      state.diff = null;
      state.diffErr = null;
      render();
      root.querySelector('#snap-diff').replaceChildren(h('p', { class: 'warn', id: 'snap-pick-two', role: 'status' }, t('snap.pickTwo')));
      return;
    }
    // Two areas are not compared: the villages of one would all read
    // "added" and those of the other "removed", and every sum would move.
    const [sa, sb] = [pickA, pickB].map((id) => state.list?.find((s) => String(s.id) === id));
    if (sa && sb && (sa.town || '') !== (sb.town || '')) {
      state.diff = null;
      state.diffErr = null;
      render();
      root.querySelector('#snap-diff').replaceChildren(h('p', { class: 'warn', id: 'snap-areas-refused', role: 'status' },
        t('snap.areasRefused', { a: townName(sa.town), b: townName(sb.town) })));
      return;
    }
    const my = ++diffReq;
    Object.assign(state, { diffing: true, diffErr: null, diff: null });
    render();
    try {
      const d = await snapshotAPI.diff(pickA, pickB);
      if (my !== diffReq) return;
      state.diff = d;
    } catch (err) {
      if (my !== diffReq) return;
      state.diffErr = err;
    } finally {
      if (my === diffReq) {
        state.diffing = false;
        render();
        drawMap();
      }
    }
  };

  app.on('towns', render);
  app.on('lang', render);
  render();
  load();
}
