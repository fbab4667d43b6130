// The programme office's summary as a report: the livelihood works and
// projects the summary counts, the morning check (one row per town and its
// team, GET /api/v1/reports/towns) and the printable summary with it. The
// planner view (planner.js) places them; the figures are the server's, as
// it publishes them to the signed-in role (hidden counts read "hidden").

import { date, lang, num, pct, t } from './i18n.js';
import { h, publishedCount, sortableTable } from './ui.js';

/** km is metres as kilometres, always one decimal (a report's column). */
function km(metres) {
  return new Intl.NumberFormat(lang(), { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format((metres || 0) / 1000);
}

/** yuan is an investment in 万元 (zh) or millions of yuan (en). */
function yuan(v) {
  if (typeof v !== 'number') return '—';
  return lang() === 'en' ? t('sumrep.yuanValue', { v: num(v / 1e6, 1) }) : t('sumrep.yuanValue', { v: num(v / 1e4, 1) });
}

function project(works, kind) {
  return (works.projects || []).find((p) => p.kind === kind) || { completed: 0 };
}

/**
 * worksItems are the livelihood works and projects as [key, label, value]:
 * roads and rivers built (finished works only), bridges, refuse stations,
 * projects landed and their investment. Empty when the summary has none
 * (not counted for the role here: works is null).
 */
export function worksItems(s) {
  const w = s.works;
  if (!w || typeof w !== 'object') return [];
  return [
    ['roads', t('sumrep.roads'), t('sumrep.lineValue', { n: num(w.roads.completed), km: km(w.roads.completed_metres) })],
    ['rivers', t('sumrep.rivers'), t('sumrep.lineValue', { n: num(w.rivers_dredged.completed), km: km(w.rivers_dredged.completed_metres) })],
    ['bridges', t('sumrep.bridges'), num(project(w, 'bridge').completed)],
    ['refuse', t('sumrep.refuse'), num(project(w, 'refuse_station').completed)],
    ['landed', t('sumrep.landed'), num(w.projects_landed)],
    ['investment', t('sumrep.investment'), yuan(w.investment_yuan_landed)],
  ];
}

/** worksNote says whose works were counted, when not every town's. */
export function worksNote(s, townName) {
  if (s.works === null && s.five_coverages && Array.isArray(s.five_coverages.towns)) return t('sumrep.worksNotCounted');
  const towns = s.works?.towns;
  if (!Array.isArray(towns)) return '';
  return t('sumrep.worksTowns', { towns: towns.map((c) => townName(c)).join(lang() === 'en' ? ', ' : '、') });
}

/** named is a code's name with where it is ("name · town"), or the code. */
export function named(map, code) {
  const n = map?.[code];
  if (!n || !n.name) return code;
  return n.in ? `${n.name} · ${n.in}` : n.name;
}

// The morning check's columns: value() sorts, render() shows.
function townColumns() {
  const share = (v) => (typeof v === 'number' ? v : null);
  const hiddenLast = (v) => (typeof v === 'number' ? v : -1);
  return [
    { key: 'town', label: t('towns.col.town'), value: (r) => r.town_name, render: (r) => r.town_name },
    { key: 'team', label: t('towns.col.team'), value: (r) => r.team_name, render: (r) => r.team_name || '—' },
    {
      key: 'rural', label: t('towns.col.rural'), numeric: true, value: (r) => share(r.rural_reached_share),
      render: (r) => (r.rural_villages ? t('towns.ruralValue', {
        n: num(r.rural_villages_reached), total: num(r.rural_villages), pct: pct(r.rural_reached_share),
      }) : '—'),
    },
    { key: 'coverage', label: t('towns.col.coverage'), numeric: true, value: (r) => share(r.rural_coverage), render: (r) => pct(r.rural_coverage) },
    { key: 'not_visited', label: t('towns.col.notVisited'), numeric: true, value: (r) => r.villages_without_visit, render: (r) => num(r.villages_without_visit) },
    {
      key: 'waiting', label: t('towns.col.waiting'), numeric: true, value: (r) => hiddenLast(r.special_waiting_households),
      render: (r) => publishedCount(r.special_waiting_households),
    },
    {
      key: 'members', label: t('towns.col.members'), numeric: true, value: (r) => r.members_below_target,
      render: (r) => (r.members_below_target === null ? t('towns.notJudged') : num(r.members_below_target)),
    },
    {
      key: 'no_contact', label: t('towns.col.noContact'), numeric: true, value: (r) => r.members_without_contact_point,
      render: (r) => (r.members_without_contact_point === null ? t('towns.notJudged') : num(r.members_without_contact_point)),
    },
    { key: 'petitions', label: t('towns.col.petitions'), numeric: true, value: (r) => r.petition_cases_resolved, render: (r) => num(r.petition_cases_resolved) },
    {
      key: 'roads', label: t('towns.col.roads'), numeric: true, value: (r) => r.roads_completed_metres,
      render: (r) => (r.roads_completed_metres === null ? t('towns.notJudged') : km(r.roads_completed_metres)),
    },
    {
      key: 'landed', label: t('towns.col.landed'), numeric: true, value: (r) => r.projects_landed,
      render: (r) => (r.projects_landed === null ? t('towns.notJudged') : num(r.projects_landed)),
    },
  ];
}

/**
 * townsTable is the morning check on screen: rows in the server's order
 * (who is behind first) until a heading sorts them; a click (or Enter) on
 * a row picks its town (onPick), and the town picked is marked.
 */
export function townsTable(rows, { selected, onPick, sort, onSort }) {
  const table = sortableTable({
    columns: townColumns(),
    rows,
    sort,
    onSort,
    onRow: onPick ? (r) => onPick(r.town_code) : undefined,
    rowKey: (r) => r.town_code,
    caption: t('towns.title'),
  });
  table.id = 'towns-table';
  table.classList.add('towns-table');
  for (const tr of table.querySelectorAll('tbody tr')) {
    if (tr.dataset.key === selected) {
      tr.classList.add('selected');
      tr.setAttribute('aria-current', 'true');
    }
  }
  return table;
}

/**
 * summarySections are the summary as the campaign's report reads it:
 * [section title, [[item, value], …]] — coverage, development, problems and
 * disputes, publicity, livelihoods, the five full coverages — for the print
 * view.
 */
function summarySections(s, townName) {
  const five = s.five_coverages || {};
  const listed = (l) => (Array.isArray(l) ? num(l.length) : t('summary.notJudged'));
  const sections = [
    [t('sumrep.sec.coverage'), [
      [t('sumrep.villages'), num(s.villages)],
      [t('summary.villages_visited'), num(s.villages_visited)],
      [t('summary.villages_reached'), num(s.villages_reached)],
      [t('summary.ruralCoverage'), t('summary.ruralValue', {
        pct: s.rural_resident_population > 0 ? pct(s.rural_visited_residents / s.rural_resident_population) : '—',
        n: num(s.rural_villages_reached),
        total: num(s.rural_villages),
      })],
      [t('summary.households_visited'), num(s.households_visited)],
    ]],
    [t('sumrep.sec.development'), [
      [t('summary.enterprise_visits'), num(s.enterprise_visits)],
      [t('summary.enterprises_visited'), num(s.enterprises_visited)],
      [t('summary.project_site_visits'), num(s.project_site_visits)],
      ...worksItems(s).filter(([k]) => k === 'landed' || k === 'investment').map(([, l, v]) => [l, v]),
    ]],
    [t('sumrep.sec.disputes'), [
      [t('summary.village_meetings'), num(s.village_meetings)],
      [t('summary.opinions_collected'), num(s.opinions_collected)],
      [t('summary.problems_resolved'), num(s.problems_resolved)],
      [t('summary.petition_cases_resolved'), num(s.petition_cases_resolved)],
      [t('summary.disputes_resolved'), num(s.disputes_resolved)],
    ]],
    [t('sumrep.sec.publicity'), [
      [t('summary.publicity_events'), num(s.publicity_events)],
      [t('summary.publicity_participants'), num(s.publicity_participants)],
    ]],
    [t('sumrep.sec.livelihoods'), [
      ...worksItems(s).filter(([k]) => !['landed', 'investment'].includes(k)).map(([, l, v]) => [l, v]),
      [t('summary.assistance_deliveries'), num(s.assistance_deliveries)],
      [t('summary.households_assisted'), num(s.households_assisted)],
    ]],
    [t('sumrep.sec.five'), [
      [t('summary.towns_without_activity'), listed(five.towns_without_activity)],
      [t('summary.projects_without_visit'), listed(five.projects_without_visit)],
      [t('summary.villages_without_visit'), listed(five.villages_without_visit)],
      [t('summary.petition_households_unvisited'), five.petition_households_unvisited === null ? t('summary.notJudgedHouseholds') : publishedCount(five.petition_households_unvisited)],
      [t('sumrep.waitingHouseholds'), publishedCount(s.special_waiting_households)],
      [t('summary.members_below_target'), listed(five.members_below_target)],
      [t('summary.members_without_contact_point'), listed(five.members_without_contact_point)],
    ]],
  ];
  const note = worksNote(s, townName);
  return { sections, note };
}

/**
 * openSummaryPrint shows the summary as a printable page over the map —
 * title, window, the report's sections as item/figure tables, the lists of
 * what the five full coverages still lack by name, and the morning check —
 * and focuses its close button. Printing hides everything else
 * (planner.css, body.printing-summary).
 */
export function openSummaryPrint(s, towns, { townName, opener }) {
  document.getElementById('summary-print')?.remove();
  const close = () => {
    view.remove();
    document.body.classList.remove('printing-summary');
    opener?.focus();
  };
  const area = s.town ? (s.town_name || townName(s.town)) : t('summary.county');
  const last = new Date(`${s.to}T12:00:00+08:00`);
  last.setDate(last.getDate() - 1);
  const { sections, note } = summarySections(s, townName);
  const five = s.five_coverages || {};
  const names = s.names || {};
  const lists = [
    ['villages_without_visit', (c) => named(names.villages, c)],
    ['projects_without_visit', (c) => named(names.projects, c)],
    ['members_below_target', (c) => named(names.members, c)],
    ['members_without_contact_point', (c) => named(names.members, c)],
    ['towns_without_activity', (c) => names.towns?.[c] || townName(c)],
  ].filter(([k]) => Array.isArray(five[k]) && five[k].length);
  const view = h('section', { id: 'summary-print', class: 'summary-print', 'aria-labelledby': 'summary-print-title', lang: lang() },
    h('div', { class: 'print-actions' },
      h('button', { type: 'button', id: 'summary-print-now', onclick: () => window.print() }, t('print.print')),
      h('button', { type: 'button', id: 'summary-print-close', onclick: close }, t('print.close'))),
    h('h1', { id: 'summary-print-title' }, t('sumrep.printTitle', { area })),
    h('p', { class: 'muted', id: 'summary-print-window' }, t('sumrep.printWindow', { from: date(`${s.from}T12:00:00+08:00`), to: date(last) })),
    sections.map(([title, items], i) => h('section', { class: 'sp-section', dataset: { section: String(i) } },
      h('h2', {}, title),
      h('table', { class: 'data sp-items' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('sumrep.item')), h('th', { scope: 'col', class: 'num' }, t('sumrep.value')))),
        h('tbody', {}, items.map(([k, v]) => h('tr', {}, h('td', {}, k), h('td', { class: 'num' }, v))))))),
    note ? h('p', { class: 'muted' }, note) : null,
    lists.length ? h('section', { class: 'sp-section sp-lists' }, h('h2', {}, t('sumrep.sec.lists')),
      lists.map(([k, name]) => h('div', {}, h('h3', {}, t('sumrep.listTitle', { what: t(`summary.${k}`), n: num(five[k].length) })),
        h('p', {}, five[k].map(name).join(lang() === 'en' ? '; ' : '；'))))) : null,
    h('section', { class: 'sp-section sp-towns' }, h('h2', {}, t('sumrep.sec.towns')),
      towns && towns.length ? townsTable(towns, {}) : h('p', { class: 'muted' }, t('towns.none'))),
    s.villages_suppressed > 0 ? h('p', { class: 'muted' }, t('summary.suppressed', { n: num(s.villages_suppressed) })) : null);
  view.querySelector('#towns-table')?.setAttribute('id', 'summary-print-towns');
  view.addEventListener('keydown', (e) => { if (e.key === 'Escape') close(); });
  document.body.append(view);
  document.body.classList.add('printing-summary');
  view.querySelector('#summary-print-close').focus();
  return view;
}
