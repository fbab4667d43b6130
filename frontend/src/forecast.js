// The forecast (预计达标): for planners and team leaders, which villages
// reach one-third of their residents by the campaign's last day at the pace
// of the window's last four weeks, and which do not, with what is still
// missing and the pace that would get there. It says the day it stands at
// and the diary's last entry, so a forecast asked weeks after the diary
// stopped says why every village stalled; once the campaign has ended it is
// the standing at the end, nothing projected. Every figure is the server's
// (GET /api/v1/reports/forecast judges each village): a suppressed village
// shows the privacy label, never a figure worked out here. Mounted in the
// planner view (the planner's town) and the team view (the team chosen).

import { apiFetch, query } from './api.js';
import { rowsOf } from './endpoints.js';
import { date, lang, num, pct, t } from './i18n.js';
import { h, inlineError, loading, sortableTable } from './ui.js';
import { wireViews } from './viewwire.js';
import './reports.css';

const PATH = '/api/v1/reports/forecast';

/**
 * mayReadForecasts: the forecast and the diary spot check are the planners'
 * and team leaders' work (and the office's: admin, GIS staff). The server
 * answers a member too, but with their own entries only, which no spot check
 * is made of: a member's page shows neither.
 */
export const mayReadForecasts = (user) => !user || !Array.isArray(user.roles)
  || user.roles.some((r) => ['planner', 'team_leader', 'admin', 'gis'].includes(r));

/** dayText shows a YYYY-MM-DD campaign day in the page's language. */
export const dayText = (d) => (d ? date(`${d}T12:00:00+08:00`) : '—');

const STATUSES = ['on_pace', 'not_at_this_pace', 'not_reached', 'no_visit', 'not_judged', 'reached', 'no_population', 'suppressed'];

/**
 * statusText words a row's status; a stalled village (no diary entry in
 * the pace's four weeks) says since when instead of "no new residents".
 */
const statusText = (r) => {
  if (!r.stalled) return t(`fc.status.${r.status}`);
  return r.last_visit_on ? t('fc.status.stalled', { day: dayText(r.last_visit_on) }) : t('fc.status.stalledNever');
};

/** daysBetween counts the whole days from one YYYY-MM-DD day to another. */
const daysBetween = (a, b) => Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86400000);

/**
 * standing says where the forecast stands (the answer's as_of, ended,
 * last_diary_on, diary_stalled): the day its figures stand at and the
 * diary's last entry; the campaign ended (the standing at its end, or at
 * the end of its last whole week for a role bound to whole weeks); or the
 * diary stalled, since when, and what that does to the villages below.
 */
export function standing(a) {
  const last = a.last_diary_on ? dayText(a.last_diary_on) : '';
  if (a.ended && a.as_of < a.ends_on) {
    // Bound to whole weeks, the standing is the last whole week's before the end.
    return t(last ? 'fc.endedWeek' : 'fc.endedWeekNoDiary', { end: dayText(a.ends_on), asOf: dayText(a.as_of), last });
  }
  if (a.ended) return t(last ? 'fc.ended' : 'fc.endedNoDiary', { end: dayText(a.ends_on), last });
  if (!last) return t('fc.noDiary', { asOf: dayText(a.as_of) });
  if (a.diary_stalled) {
    return t('fc.diaryStalled', { asOf: dayText(a.as_of), last, days: num(daysBetween(a.last_diary_on, a.as_of)) });
  }
  return t('fc.asOf', { asOf: dayText(a.as_of), last });
}

/**
 * short is a column heading abbreviated for the narrow sidebar: the short
 * words shown, the full ones in its tooltip and read out by a screen reader.
 */
const short = (key, full) => h('abbr', { title: t(full), 'aria-label': t(full) }, t(key));

/**
 * rowDetail is what a compact row leaves out (its town, progress and the
 * day it reaches one-third), said in its tooltip.
 */
const rowDetail = (r, town) => t('fc.rowDetail', {
  status: statusText(r), reaches: r.reaches_on ? dayText(r.reaches_on) : '—',
}) + (town ? ` · ${town}` : '');

/**
 * columns are the table's columns. compact: the planner's sidebar (340 px
 * at a 1400 px screen) cannot hold nine columns, so the figures a planner
 * scans by (on track, coverage, residents needed, the pace and the pace
 * needed) stay under short headings and the town, progress and the day
 * one-third is reached go into the row's tooltip (rowDetail), the button
 * that shows every column, and the CSV.
 */
function columns(app, showTown, compact = false) {
  const hidden = (r, f) => (r.suppressed ? t('summary.hidden') : f(r));
  const townName = (code) => app.towns.find((x) => x.code === code)?.name || code;
  if (compact) {
    return [
      { key: 'village_name', label: t('col.village'), value: (r) => r.village_name,
        render: (r) => h('span', { title: rowDetail(r, showTown ? townName(r.town_code) : '') }, r.village_name) },
      { key: 'on_track', label: short('fc.short.onTrack', 'fc.col.onTrack'), value: (r) => (r.on_track === null || r.on_track === undefined ? -1 : r.on_track ? 1 : 0),
        render: (r) => (r.on_track === null || r.on_track === undefined
          ? h('span', { title: statusText(r) }, '—')
          : h('span', { class: r.on_track ? 'fc-yes' : 'fc-no', title: statusText(r) }, t(r.on_track ? 'fc.yes' : 'fc.no'))) },
      { key: 'coverage', label: short('fc.short.coverage', 'col.coverage'), numeric: true, value: (r) => (r.suppressed ? -2 : r.coverage ?? -1), render: (r) => hidden(r, (x) => pct(x.coverage)) },
      { key: 'residents_needed', label: short('fc.short.needed', 'col.residents_needed'), numeric: true, value: (r) => (r.suppressed ? -1 : r.residents_needed), render: (r) => hidden(r, (x) => num(x.residents_needed)) },
      { key: 'residents_per_week', label: short('fc.short.pace', 'fc.col.pace'), numeric: true, value: (r) => (r.suppressed ? -1 : r.residents_per_week), render: (r) => hidden(r, (x) => num(x.residents_per_week, 1)) },
      { key: 'residents_per_week_needed', label: short('fc.short.paceNeeded', 'fc.col.paceNeeded'), numeric: true, value: (r) => r.residents_per_week_needed ?? -1,
        render: (r) => hidden(r, (x) => num(x.residents_per_week_needed)) },
    ];
  }
  return [
    { key: 'village_name', label: t('col.village'), value: (r) => r.village_name },
    ...(showTown ? [{ key: 'town_code', label: t('planner.town'), value: (r) => townName(r.town_code), render: (r) => townName(r.town_code) }] : []),
    { key: 'on_track', label: t('fc.col.onTrack'), value: (r) => (r.on_track === null || r.on_track === undefined ? -1 : r.on_track ? 1 : 0),
      render: (r) => (r.on_track === null || r.on_track === undefined ? '—' : h('span', { class: r.on_track ? 'fc-yes' : 'fc-no' }, t(r.on_track ? 'fc.yes' : 'fc.no'))) },
    { key: 'status', label: t('fc.col.status'), value: (r) => STATUSES.indexOf(r.status), render: (r) => statusText(r) },
    { key: 'coverage', label: t('col.coverage'), numeric: true, value: (r) => (r.suppressed ? -2 : r.coverage ?? -1), render: (r) => hidden(r, (x) => pct(x.coverage)) },
    { key: 'residents_needed', label: t('col.residents_needed'), numeric: true, value: (r) => (r.suppressed ? -1 : r.residents_needed), render: (r) => hidden(r, (x) => num(x.residents_needed)) },
    { key: 'residents_per_week', label: t('fc.col.pace'), numeric: true, value: (r) => (r.suppressed ? -1 : r.residents_per_week), render: (r) => hidden(r, (x) => num(x.residents_per_week, 1)) },
    { key: 'residents_per_week_needed', label: t('fc.col.paceNeeded'), numeric: true, value: (r) => r.residents_per_week_needed ?? -1,
      render: (r) => hidden(r, (x) => num(x.residents_per_week_needed)) },
    { key: 'reaches_on', label: t('fc.col.reachesOn'), numeric: true, value: (r) => r.reaches_on ?? '9999', render: (r) => (r.reaches_on ? dayText(r.reaches_on) : '—') },
  ];
}

/**
 * mountForecast puts a forecast section at the end of parent. params() gives
 * the report's town or team and window, or null (nothing chosen yet: a
 * note). It returns {load(), render()}.
 */
function mountForecast(app, parent, id, params, pickFirst) {
  const endInput = h('input', { type: 'date', id: `${id}-end` });
  const filterSel = h('select', { id: `${id}-filter` });
  const summary = h('p', { class: 'fc-summary', id: `${id}-summary`, 'aria-live': 'polite' });
  // Where the figures stand: the as-of day and the diary's last entry, or
  // that the campaign ended, or that the diary stalled (standing()).
  const asOf = h('p', { class: 'fc-asof', id: `${id}-asof` });
  const csv = h('a', { id: `${id}-csv`, class: 'fc-csv', download: '', hidden: true });
  // Said when the table is compact (columns), with the button that shows
  // every column (the table then scrolls sideways, the village kept in view).
  const fitNote = h('p', { class: 'muted fc-fit', id: `${id}-fit`, hidden: true });
  const fitButton = h('button', { type: 'button', class: 'link', id: `${id}-columns` });
  const box = h('div', { id, class: 'table-wrap' });
  const title = h('h2', { id: `${id}-title` });
  const hint = h('p', { class: 'muted' });
  const endLabel = h('label', { for: endInput.id });
  const filterLabel = h('label', { for: filterSel.id });
  const section = h('section', { class: 'group forecast', 'aria-labelledby': title.id, id: `${id}-section` },
    title, hint, h('div', { class: 'fc-controls' }, endLabel, endInput, filterLabel, filterSel), asOf, summary, csv, fitNote, box);
  parent.append(section);

  // wide: the user asked for every column; compact: the last table drawn was.
  // answer: the forecast's answer but its rows (as_of, ended, last_diary_on …).
  const state = { rows: null, err: null, endsOn: '', answer: null, sort: null, loaded: '', filter: '', wide: false, compact: false };
  let req = 0;

  const asked = () => {
    const p = params();
    return p ? { ...p, ends_on: endInput.value || undefined } : null;
  };
  const csvHref = (p) => `${PATH}${query({ ...p, ends_on: state.endsOn, format: 'csv', ...(lang().startsWith('zh') ? { lang: 'zh' } : {}) })}`;

  const render = () => {
    // Once the campaign has ended the table is its standing at the end:
    // the hint and the filter say reached or not by then, not at a pace.
    const ended = Boolean(state.answer?.ended);
    title.textContent = t('fc.title');
    hint.textContent = t(ended ? 'fc.hintEnded' : 'fc.hint');
    endLabel.textContent = t('fc.endsOn');
    filterLabel.textContent = t('fc.filter');
    const f = filterSel.value || state.filter;
    filterSel.replaceChildren(...['', 'off', 'on'].map((v) => h('option', { value: v },
      t(v === '' ? 'fc.filter.all' : `${ended ? 'fc.filterEnded' : 'fc.filter'}.${v}`))));
    filterSel.value = f;
    const p = params();
    fitNote.hidden = true;
    if (!p) {
      box.replaceChildren(h('p', { class: 'muted' }, t(pickFirst)));
      summary.textContent = '';
      asOf.textContent = '';
      csv.hidden = true;
      return;
    }
    if (state.err) {
      box.replaceChildren(inlineError(state.err, t('fc.title')));
      summary.textContent = '';
      asOf.textContent = '';
      csv.hidden = true;
      return;
    }
    if (!state.rows) {
      box.replaceChildren(loading());
      return;
    }
    const onTrack = state.rows.filter((r) => r.on_track === true).length;
    const off = state.rows.filter((r) => r.on_track === false).length;
    const a = state.answer || {};
    asOf.textContent = standing(a);
    asOf.classList.toggle('fc-warn', Boolean(a.diary_stalled));
    Object.assign(asOf.dataset, { asOf: a.as_of || '', lastDiaryOn: a.last_diary_on || '', ended: String(Boolean(a.ended)), stalled: String(Boolean(a.diary_stalled)) });
    const other = num(state.rows.length - onTrack - off);
    if (a.ended) {
      const missing = state.rows.filter((r) => r.on_track === false).reduce((n, r) => n + r.residents_needed, 0);
      // Bound to whole weeks, the standing is the last whole week's before the end.
      const week = Boolean(a.as_of && a.ends_on && a.as_of < a.ends_on);
      summary.textContent = t(week ? 'fc.summaryEndedWeek' : 'fc.summaryEnded',
        { on: num(onTrack), off: num(off), other, missing: num(missing), end: dayText(state.endsOn), asOf: dayText(a.as_of) });
    } else {
      summary.textContent = t('fc.summary', { on: num(onTrack), off: num(off), other, end: dayText(state.endsOn) });
    }
    csv.hidden = false;
    csv.textContent = t('fc.csv');
    csv.href = csvHref(JSON.parse(state.loaded));
    const rows = state.rows.filter((r) => (f === 'on' ? r.on_track === true : f === 'off' ? r.on_track === false : true));
    if (!rows.length) {
      box.replaceChildren(h('p', {}, t('fc.empty')));
      return;
    }
    const showTown = !p.team && !p.town;
    const draw = (compact) => {
      // Sorted by a column the compact table leaves out: by it still.
      const all = columns(app, showTown);
      const cols = columns(app, showTown, compact);
      const byKey = state.sort && !cols.some((c) => c.key === state.sort.key) ? all.find((c) => c.key === state.sort.key) : null;
      const table = sortableTable({
        columns: byKey ? [...cols, byKey] : cols,
        rows,
        sort: state.sort,
        caption: t('fc.title'),
        rowKey: (r) => r.village_code,
        onSort: (s) => {
          state.sort = s;
          render();
          box.querySelector(`button.sort[data-key="${s.key}"]`)?.focus();
        },
        onRow: (r) => app.openVillage?.(r.village_code, { fly: true }),
      });
      if (byKey) for (const row of table.rows) row.lastElementChild.remove();
      table.classList.add('forecast-table');
      table.classList.toggle('compact', compact);
      box.replaceChildren(table);
    };
    // Every column when they fit (or were asked for); else the compact
    // table. Measured, not guessed from the screen: the sidebar's width
    // follows the view and the language, the columns the words and figures.
    draw(false);
    const overflows = box.clientWidth > 0 && box.scrollWidth > box.clientWidth;
    state.compact = overflows && !state.wide;
    if (state.compact) draw(true);
    fitNote.hidden = !overflows;
    if (overflows) {
      fitButton.textContent = t(state.wide ? 'fc.columnsFew' : 'fc.columnsAll');
      fitNote.replaceChildren(t(state.wide ? 'fc.wideNote' : 'fc.compactNote'), ' ', fitButton);
    }
  };
  fitButton.addEventListener('click', () => {
    state.wide = !state.wide;
    render();
    fitButton.focus();
  });
  // The sidebar's width changes with the view, the language and the window:
  // the table is measured again (only on a new width: drawing changes the
  // height, which must not draw again).
  let width = 0;
  new ResizeObserver(() => {
    if (box.clientWidth === width) return;
    width = box.clientWidth;
    if (state.rows) render();
  }).observe(box);

  const load = async (force = false) => {
    const p = asked();
    const key = JSON.stringify(p);
    if (!p) {
      state.loaded = '';
      render();
      return;
    }
    if (!force && key === state.loaded) return; // shown, or on its way
    const my = ++req;
    Object.assign(state, { rows: null, err: null, answer: null, loaded: key });
    render();
    try {
      const resp = await apiFetch(`${PATH}${query({ format: 'json', ...p })}`);
      if (my !== req) return;
      state.rows = rowsOf(resp);
      state.endsOn = resp?.ends_on || '';
      state.answer = { ...resp, rows: undefined };
      if (!endInput.value && state.endsOn) endInput.value = state.endsOn;
      // The CSV asks what the table shows: the same end day.
      state.loaded = JSON.stringify({ ...p, ends_on: state.endsOn || undefined });
    } catch (err) {
      if (my !== req) return;
      state.err = err;
    }
    render();
  };
  endInput.addEventListener('change', () => load());
  filterSel.addEventListener('change', () => { state.filter = filterSel.value; render(); });
  render();
  return { load, render, section };
}

/**
 * initForecast mounts the forecast in the planner view and the team view,
 * for users whose roles the forecast is for. Each loads when its view is
 * shown, and again when its town, team or window changes.
 */
export function initForecast(app) {
  if (!mayReadForecasts(app.user)) return;
  const planner = mountForecast(app, document.getElementById('view-planner'), 'forecast-planner',
    () => ({ town: app.town || undefined, ...app.window }), 'status.loading');
  const teamParams = () => {
    const tm = app.team?.team;
    if (!tm) return null;
    return tm.byTown ? { town: tm.town_code, ...app.window } : { team: tm.code, ...app.window };
  };
  const team = mountForecast(app, document.getElementById('view-team'), 'forecast-team', teamParams, 'team.pickFirst');
  // The gaps section is the team's first table: the forecast goes after it.
  document.getElementById('gaps')?.closest('section')?.after(team.section);
  const view = wireViews(app, { planner, team });
  app.on('imported', () => { if (view() === 'planner') planner.load(true); if (view() === 'team') team.load(true); });
  // The towns' names may come after the first answer (from the map's tiles).
  app.on('towns', () => planner.render());
  app.forecast = { planner, team };
}
