// The team leaders' view: a team's gap list (sortable; a row zooms to the
// village and opens its panel), the next-villages plan drawn as a numbered
// route with distances (the way back to the base its own leg), a print view
// to take into the field, the special-group households still to visit
// (team-special.js), and the members' attendance and assessment table.

import { api, rowsOf, userTowns } from './endpoints.js';
import { boundsOf, firstCoord } from './geo.js';
import { date, num, pct, t } from './i18n.js';
import {
  h, inlineError, legendPadding, loading, publishedCount, sortableTable, specialWaiting,
} from './ui.js';
import { addDays } from './weeks.js';
import { initSpecialHouseholds } from './team-special.js';
import { reportCSVLink } from './report-csv.js';

// This module does not import the map's code (MapLibre): the team's tables
// are drawn while it still loads, and the route goes on the map once there
// is one (main.js: the 'start' and 'map' events).

const lngLatOf = (r) => {
  const c = r.centre || r.center || r.location;
  if (Array.isArray(c) && c.length >= 2) return [Number(c[0]), Number(c[1])];
  if (c && typeof c === 'object' && 'lon' in c) return [Number(c.lon), Number(c.lat)];
  if (r.lon !== undefined && r.lat !== undefined) return [Number(r.lon), Number(r.lat)];
  if (r.geometry) return firstCoord(r.geometry);
  return null;
};

/**
 * householdsColumns: households_needed is a minimum (the largest households
 * first), so it reads "at least"; beside it the figure at the village's
 * average household size, when the server gives it (households_needed_typical).
 */
function householdsColumns(rows) {
  const cols = [{ key: 'households_needed', label: t('col.households_needed_min'), numeric: true, render: (r) => num(r.households_needed) }];
  if (rows.some((r) => r && 'households_needed_typical' in r)) {
    cols.push({ key: 'households_needed_typical', label: t('col.households_needed_typical'), numeric: true, render: (r) => num(r.households_needed_typical) });
  }
  return cols;
}

/**
 * specialColumn: the special-group households not yet visited, each
 * household once (special_waiting_households): a team leader counts doors to
 * knock on. A number, or "hidden" in the page's words (sorted as 5, as the
 * server ranks a hidden count). The sum over the groups (a household both
 * poor and left-behind counts twice) stays in the village panel and the
 * CSV; the table falls back to it only from a server without the count.
 */
function specialColumn(rows) {
  if (!rows.some((r) => r && 'special_waiting_households' in r)) {
    return { key: 'special', label: t('col.special'), numeric: true, value: (r) => specialWaiting(r).sortKey, render: (r) => specialWaiting(r).text };
  }
  const sortKey = (v) => (typeof v === 'number' ? v : typeof v === 'string' ? 5 : -1);
  return {
    key: 'special_waiting_households', label: t('col.specialHouseholds'), numeric: true,
    value: (r) => sortKey(r.special_waiting_households),
    render: (r) => publishedCount(r.special_waiting_households),
  };
}

function gapColumns(rows = []) {
  return [
    { key: 'village_name', label: t('col.village'), value: (r) => r.village_name },
    { key: 'coverage', label: t('col.coverage'), numeric: true, value: (r) => (r.coverage ?? -1), render: (r) => pct(r.coverage) },
    { key: 'residents_needed', label: t('col.residents_needed'), numeric: true, render: (r) => num(r.residents_needed) },
    ...householdsColumns(rows),
    specialColumn(rows),
    { key: 'days_since_last_visit', label: t('col.days'), numeric: true, value: (r) => (r.days_since_last_visit ?? Infinity), render: (r) => (r.days_since_last_visit === null || r.days_since_last_visit === undefined ? t('village.never') : num(r.days_since_last_visit)) },
    { key: 'distance_km', label: t('col.distance'), numeric: true, render: (r) => num(r.distance_km, 1) },
  ];
}

export function initTeam(app) {
  const teamSel = document.getElementById('team');
  const gapsEl = document.getElementById('gaps');
  const planEl = document.getElementById('plan');
  const membersEl = document.getElementById('members');
  const planN = document.getElementById('plan-n');
  const state = { teams: [], teamsLoaded: false, team: null, gaps: null, gapsErr: null, sort: null, plan: null, planErr: null, members: null, membersErr: null };
  app.team = state;

  // The team list and a team's members are asked once and shared: the
  // diary's member picker reads the same answers (app.teamList,
  // app.teamMembers) rather than asking again on the first load.
  let teamsAsked = null;
  app.teamList = () => {
    teamsAsked ||= api.teams().catch((err) => { teamsAsked = null; throw err; });
    return teamsAsked;
  };
  const membersAsked = new Map(); // team code → the latest answer (a promise) over any window
  const askMembers = (team, win) => {
    const asked = api.members({ team, from: win.from, to: win.to });
    membersAsked.set(team, asked);
    asked.catch(() => { if (membersAsked.get(team) === asked) membersAsked.delete(team); });
    return asked;
  };
  /** teamMembers: a team's member rows (every member, whatever the window), from the team view's answer when it has one. */
  app.teamMembers = (team) => membersAsked.get(team) || askMembers(team, app.window);
  const special = initSpecialHouseholds(app, planEl.closest('section'));
  // The first load's route (null without one): main.js opens the map on it.
  let firstPlan;
  app.teamFirstPlan = new Promise((resolve) => { firstPlan = resolve; });

  const renderTeams = () => {
    const v = teamSel.value;
    teamSel.replaceChildren(h('option', { value: '' }, t('team.none')),
      ...state.teams.map((x) => h('option', { value: x.code }, x.name)));
    teamSel.value = v;
  };
  const loadTeams = async () => {
    try {
      state.teams = await app.teamList();
    } catch (err) {
      if (err.kind !== 'missing') {
        state.teamsLoaded = true;
        gapsEl.replaceChildren(inlineError(err, t('team.pick')));
        firstPlan(null);
        return;
      }
      // No team list in this server yet: one team per town, asked by town
      // (the towns may come from the map's tiles, once it has loaded).
      if (!app.towns.length) await new Promise((resolve) => app.on('towns', resolve));
      state.teams = app.towns.map((x) => ({ code: '', town_code: x.code, name: x.name, byTown: true }))
        .map((x) => ({ ...x, code: `town:${x.town_code}` }));
    }
    state.teamsLoaded = true;
    renderTeams();
    // A team leader sees their own team first.
    const towns = app.user && !app.user.all_towns ? app.user.towns || [] : [];
    const own = towns.length === 1 && state.teams.find((x) => x.town_code === towns[0]);
    if (own && !state.team) app.selectTeam(own.code);
    if (!state.team) {
      renderGaps(); // "pick a team", no longer "loading"
      firstPlan(null);
    }
  };
  app.on('start', loadTeams); // the user and the window are known; the map may not be yet
  app.on('lang', () => {
    renderTeams();
    renderAll();
    // The base marker's title and label, in the new language (the map stays put).
    if (state.plan && app.map) drawPlan(app, state.plan, false);
  });

  const params = () => {
    const tm = state.team;
    if (!tm) return null;
    return tm.byTown ? { town: tm.town_code, ...app.window } : { team: tm.code, ...app.window };
  };

  const renderGaps = () => {
    if (!state.team) {
      // Until the team list has come, a leader's own team may yet be chosen.
      gapsEl.replaceChildren(h('p', { class: 'muted' }, t(state.teamsLoaded ? 'team.pickFirst' : 'status.loading')));
      return;
    }
    if (state.gapsErr) {
      gapsEl.replaceChildren(inlineError(state.gapsErr, t('team.gaps')));
      return;
    }
    if (!state.gaps) {
      gapsEl.replaceChildren(loading());
      return;
    }
    if (state.gaps.length === 0) {
      gapsEl.replaceChildren(h('p', {}, t('team.gapsEmpty')));
      return;
    }
    const columns = gapColumns(state.gaps);
    const table = sortableTable({
      columns,
      rows: state.gaps,
      sort: state.sort,
      caption: t('team.gaps'),
      rowKey: (r) => r.village_code,
      onSort: (s) => {
        state.sort = s;
        renderGaps();
        const col = columns.find((c) => c.key === s.key);
        gapsEl.querySelector(`button.sort[data-key="${s.key}"]`)?.focus();
        gapsEl.querySelector('.sort-note').textContent = t('team.sorted', { col: col.label, dir: t(s.dir === 'desc' ? 'team.desc' : 'team.asc') });
      },
      onRow: (r) => openGapRow(app, r),
    });
    table.id = 'gap-table';
    gapsEl.replaceChildren(h('p', { class: 'sr-only sort-note', 'aria-live': 'polite' }), table, reportCSVLink('gaps-csv', 'gaps', params()));
  };

  const renderPlan = () => {
    if (!state.team) {
      planEl.replaceChildren();
      return;
    }
    if (state.planErr) {
      planEl.replaceChildren(inlineError(state.planErr, t('team.plan')));
      return;
    }
    if (!state.plan) {
      planEl.replaceChildren(loading());
      return;
    }
    planEl.replaceChildren(planTable(state.plan, (s) => openGapRow(app, s)));
  };

  // Every member the caller may see, with their team and town: for a role
  // that sees the whole county (planner, admin, GIS staff), while no team
  // is chosen.
  const county = { shown: false, rows: null, err: null, sort: null, asked: '' };
  const mayListCounty = () => app.user?.all_towns === true;
  const loadCounty = async () => {
    const win = { ...app.window };
    const key = JSON.stringify(win);
    county.asked = key;
    Object.assign(county, { rows: null, err: null });
    renderMembers();
    try {
      const rows = await api.members(win);
      if (county.asked === key) county.rows = rows;
    } catch (err) {
      if (county.asked === key) county.err = err;
    }
    if (county.asked === key) renderMembers();
  };
  const renderCounty = () => {
    if (!county.shown) {
      const btn = h('button', { id: 'members-county', type: 'button' }, t('team.membersCountyShow'));
      btn.addEventListener('click', () => { county.shown = true; loadCounty(); });
      membersEl.replaceChildren(btn);
      return;
    }
    if (county.err) {
      membersEl.replaceChildren(inlineError(county.err, t('team.membersCounty')));
      return;
    }
    if (!county.rows) {
      membersEl.replaceChildren(loading());
      return;
    }
    membersEl.replaceChildren(membersTable(county.rows, county.sort, (s) => {
      county.sort = s;
      renderMembers();
      membersEl.querySelector(`button.sort[data-key="${s.key}"]`)?.focus();
    }, { county: true }), bandNote(county.rows), reportCSVLink('members-csv', 'members', { from: app.window.from, to: app.window.to }));
  };
  // bandNote says why a standing count reads "≥10" beside an exact count of
  // the period (a role without household access), '' when none does.
  const bandNote = (rows) => (rows.some((r) => typeof r.households_to_date === 'string')
    ? h('p', { class: 'muted', id: 'members-band-note' }, t('team.membersBandNote')) : '');

  const renderMembers = () => {
    if (!state.team) {
      if (mayListCounty()) renderCounty();
      else membersEl.replaceChildren();
      return;
    }
    if (state.membersErr) {
      membersEl.replaceChildren(inlineError(state.membersErr, t('team.members')));
      return;
    }
    if (!state.members) {
      membersEl.replaceChildren(loading());
      return;
    }
    // The members report gives a user held to their towns only those towns'
    // members: another team's table would be empty without a word.
    const own = userTowns(app.user);
    if (state.members.length === 0 && own && state.team.town_code && !own.includes(state.team.town_code)) {
      membersEl.replaceChildren(h('p', { class: 'muted' }, t('team.membersOtherTown')));
      return;
    }
    const p = params();
    membersEl.replaceChildren(membersTable(state.members, state.membersSort, (s) => {
      state.membersSort = s;
      renderMembers();
      membersEl.querySelector(`button.sort[data-key="${s.key}"]`)?.focus();
    }), bandNote(state.members), reportCSVLink('members-csv', 'members', { team: p.team, from: p.from, to: p.to }));
  };

  function renderAll() {
    special.render();
    renderGaps();
    renderPlan();
    renderMembers();
  }

  let req = 0;
  let loaded = ''; // the parameters of the last load
  // fit: the map frames the new route (not after an import: the map stays where the user left it).
  const load = async ({ fit = true } = {}) => {
    const my = ++req;
    const p = params();
    loaded = JSON.stringify({ ...p, n: planN.value });
    Object.assign(state, { gaps: null, gapsErr: null, plan: null, planErr: null, members: null, membersErr: null });
    special.reset();
    app.map?.showPlan([], null);
    renderAll();
    if (!p) return;
    const gaps = api.gaps(p).then((rows) => { state.gaps = rows; }, (err) => { state.gapsErr = err; })
      .then(() => { if (my === req) { renderGaps(); app.emit('gaps', state.gaps); } });
    const plan = (p.team ? api.next({ team: p.team, n: planN.value, from: p.from, to: p.to })
      : Promise.reject(Object.assign(new Error('no team'), { kind: 'missing' })))
      .then((resp) => { state.plan = normalisePlan(resp, state.team); }, (err) => { state.planErr = err; })
      .then(() => {
        firstPlan(state.plan);
        if (my !== req) return;
        renderPlan();
        if (state.plan && app.map) drawPlan(app, state.plan, fit);
      });
    const members = (p.team ? askMembers(p.team, p)
      : Promise.reject(Object.assign(new Error('no team'), { kind: 'missing' })))
      .then((rows) => { state.members = rows; }, (err) => { state.membersErr = err; })
      .then(() => { if (my === req) renderMembers(); });
    await Promise.all([gaps, plan, members, special.load(p)]);
  };
  teamSel.addEventListener('change', () => {
    state.team = state.teams.find((x) => x.code === teamSel.value) || null;
    state.sort = null;
    load();
  });
  planN.addEventListener('change', load);
  // The window, or the planner's town (which the team's reports do not
  // read): asked again only when the window changed.
  app.on('window', () => {
    if (state.team && JSON.stringify({ ...params(), n: planN.value }) !== loaded) load();
    if (!state.team && county.shown && county.asked !== JSON.stringify({ ...app.window })) loadCounty();
  });
  // An import that changed rows (imports.js, once per import): the gaps,
  // the route, the members and the special households are asked again, or
  // they would disagree with the map's tiles until a reload.
  app.on('imported', () => { if (state.team) load({ fit: false }); });
  // A route that came before the map: drawn once the map is there.
  app.on('map', () => { if (state.plan) drawPlan(app, state.plan); });
  app.selectTeam = (code) => {
    teamSel.value = code;
    teamSel.dispatchEvent(new Event('change'));
  };
  renderAll();

  // Print view.
  document.getElementById('print-open').addEventListener('click', () => openPrint(app, state));
  document.getElementById('print-close').addEventListener('click', closePrint);
  document.getElementById('print-now').addEventListener('click', () => window.print());
  document.getElementById('print-view').addEventListener('keydown', (e) => { if (e.key === 'Escape') closePrint(); });
}

function openGapRow(app, r) {
  const code = r.village_code || r.code;
  const centre = lngLatOf(r);
  // The village panel comes with the map (a moment after the tables on a first load).
  app.openVillage?.(code, { fly: true, centre: centre || undefined });
}

/** normalisePlan turns the next-villages answer into {stops, totalKm, base}. */
function normalisePlan(resp, team) {
  const stops = rowsOf(resp, 'stops', 'order', 'route', 'plan', 'villages').map((s, i) => ({
    ...s,
    order: s.order ?? s.rank ?? i + 1,
    name: s.village_name || s.name || s.village_code,
    village_code: s.village_code || s.code,
    lnglat: lngLatOf(s),
    legKm: s.leg_km ?? s.distance_from_previous_km ?? s.leg_distance_km ?? s.distance_km,
  }));
  stops.sort((a, b) => a.order - b.order);
  const base = resp?.base_lon !== undefined ? [resp.base_lon, resp.base_lat] : (resp?.base || team?.base);
  const returnKm = resp?.return_km ?? null;
  return {
    stops,
    base: Array.isArray(base) ? base : null,
    returnKm,
    totalKm: resp?.total_km ?? resp?.total_distance_km ?? stops.reduce((a, s) => a + (Number(s.legKm) || 0), 0) + (Number(returnKm) || 0),
  };
}

function drawPlan(app, plan, fit = true) {
  const located = plan.stops.filter((s) => s.lnglat);
  const coords = [...(plan.base ? [plan.base] : []), ...located.map((s) => s.lnglat)];
  // The way back to the base is a leg of the route: drawn too.
  if (plan.base && located.length && plan.returnKm !== null && plan.returnKm !== undefined) coords.push(plan.base);
  const line = coords.length >= 2 ? { type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: coords } } : null;
  app.map.showPlan(located, line, (s) => openGapRow(app, s), plan.base, t('team.base'));
  if (fit) fitPlan(app, plan, {});
}

function fitPlan(app, plan, opts) {
  const box = boundsOf([...(plan.base ? [plan.base] : []), ...plan.stops.filter((s) => s.lnglat).map((s) => s.lnglat)]);
  if (!box) return false;
  const { print, ...move } = opts;
  app.map.fitTo(box, { maxZoom: 13, padding: legendPadding(app.map.map.getContainer?.(), { print }), ...move });
  return true;
}

function planTable(plan, onRow) {
  const columns = [
    { key: 'order', label: t('col.order'), numeric: true },
    { key: 'name', label: t('col.village') },
    { key: 'legKm', label: t('col.leg'), numeric: true, render: (r) => num(r.legKm, 1) },
    { key: 'residents_needed', label: t('col.residents_needed'), numeric: true, render: (r) => num(r.residents_needed) },
    ...householdsColumns(plan.stops),
    // An urban community is judged by a visit, not by one-third: a share
    // after the visit (0% for one never visited) would read as if going
    // there changed nothing.
    { key: 'reaches', label: t('col.reaches'), numeric: true,
      render: (r) => (r.rural === false ? t('col.reachesByVisit') : pct(r.coverage_after ?? r.reaches_coverage ?? r.coverage_if_visited)) },
  ];
  const table = sortableTable({ columns, rows: plan.stops, onRow, caption: t('team.plan'), rowKey: (r) => r.village_code });
  // The way back to the base is a leg of the route too: its own row, so
  // the legs add up to the total.
  const hasReturn = plan.returnKm !== null && plan.returnKm !== undefined && plan.stops.length > 0;
  if (hasReturn) {
    table.append(h('tfoot', {}, h('tr', { class: 'plan-return' }, columns.map((c) => {
      if (c.key === 'order') return h('td', { class: 'num', 'aria-hidden': 'true' }, '↩');
      if (c.key === 'name') return h('th', { scope: 'row' }, t('team.returnLeg'));
      if (c.key === 'legKm') return h('td', { class: 'num' }, num(plan.returnKm, 1));
      return h('td', { class: c.numeric ? 'num' : '' }, '');
    }))));
  }
  return h('div', {}, table,
    h('p', { class: 'plan-total' }, hasReturn
      ? t('team.totalWithReturn', { km: num(plan.totalKm, 1), ret: num(plan.returnKm, 1) })
      : t('team.total', { km: num(plan.totalKm, 1) })));
}

const weeklyOf = (r) => (Array.isArray(r.weekly_visits) ? r.weekly_visits.map((w) => Number(w?.visits ?? w) || 0) : []);
const visitsOf = (r) => r.diary_entries ?? r.visits ?? weeklyOf(r).reduce((a, b) => a + b, 0);

/** sparkline is a member's visits per week as small bars. */
function sparkline(values) {
  const SVG = 'http://www.w3.org/2000/svg';
  const max = Math.max(1, ...values);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${values.length * 3} 20`);
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', t('village.weeklyChart', { n: values.length, max }));
  values.forEach((v, i) => {
    const r = document.createElementNS(SVG, 'rect');
    const bh = (v / max) * 20;
    Object.entries({ x: i * 3, y: 20 - bh, width: 2, height: bh, fill: '#3b528b' }).forEach(([k, x]) => r.setAttribute(k, x));
    svg.append(r);
  });
  return svg;
}

/**
 * bandKey sorts a households count as published: a number as itself, the
 * ten-household rule's bands inside their ranges ("<10" as 5, "≥10" as 10,
 * so an exact 10 or more sorts beside it), anything missing last.
 */
const bandKey = (v) => {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return -1;
  return v.startsWith('≥') ? Number(v.slice(1)) || 10 : 5;
};

/**
 * contactPointCell names a member's contact point by its village (the code
 * kept as the cell's tooltip): a code like CP0012 says nothing to the
 * office reading the table.
 */
function contactPointCell(r, has) {
  if (!has) return t('no');
  const name = r.contact_point_village;
  if (typeof name === 'string' && name) return h('span', { title: r.contact_point || '' }, name);
  return t('yes');
}

/**
 * membersTable: county adds each member's team and town in front (the
 * county-wide list of a planner or an admin: members of every team).
 */
function membersTable(rows, sort, onSort, { county = false } = {}) {
  const yesNo = (v) => (v === undefined || v === null ? '—' : v ? t('yes') : t('no'));
  const hasPoint = (r) => r.has_contact_point ?? (r.contact_point === undefined ? undefined : !!r.contact_point);
  const meets = (r) => r.meets_target ?? r.target_met ?? (r.households_contacted !== undefined ? r.households_contacted >= (r.target ?? 10) : undefined);
  const where = county ? [
    { key: 'team_name', label: t('col.memberTeam'), value: (r) => r.team_name || r.team, render: (r) => r.team_name || r.team || '—' },
    { key: 'town_name', label: t('col.memberTown'), value: (r) => r.town_name || r.town_code, render: (r) => r.town_name || r.town_code || '—' },
  ] : [];
  const columns = [
    ...where,
    // The name stays in view when the table scrolls sideways on a phone;
    // a member below the ten-household rule says so beside it. A member
    // who has left the corps (left_on, migration 038) is marked instead:
    // their entries still count, and the rule no longer judges them once
    // they left before the window's last day (left).
    {
      key: 'member_name', label: t('col.member'), cls: 'sticky-col',
      render: (r) => [r.member_name || r.name || r.member_code,
        r.left_on ? h('small', { class: 'member-left', dataset: { leftOn: r.left_on } }, t('member.leftOn', { date: r.left_on }))
          : meets(r) === false ? h('small', { class: 'below-rule-mark' }, t('team.belowRuleMark')) : null],
    },
    { key: 'role', label: t('col.role'), render: (r) => (r.role ? t(`role.${r.role}`) : '—') },
    // One column of entries: every diary entry is a visit (the weekly bars
    // count the same entries), so "visits" beside "diary entries" said it twice.
    { key: 'diary_entries', label: t('col.diaryEntries'), numeric: true, value: visitsOf, render: (r) => num(visitsOf(r)) },
    { key: 'weekly', label: t('col.weekly'), value: (r) => weeklyOf(r).filter((v) => v > 0).length, render: (r) => sparkline(weeklyOf(r)) },
    { key: 'no_entry_this_week', label: t('col.noEntryThisWeek'), value: (r) => (r.no_entry_this_week ? 1 : 0), render: (r) => (r.no_entry_this_week ? t('yes') : '') },
    // The window's households, then the standing count the rule judges
    // (since the campaign's start); a planner reads both in the rule's bands.
    { key: 'households_contacted', label: t('col.householdsWindow'), numeric: true, value: (r) => bandKey(r.households_contacted), render: (r) => num(r.households_contacted) },
    { key: 'households_to_date', label: t('col.householdsToDate'), numeric: true, value: (r) => bandKey(r.households_to_date), render: (r) => num(r.households_to_date) },
    { key: 'target_met', label: t('col.target'), value: (r) => (r.left ? -1 : meets(r) ? 1 : 0), render: (r) => (r.left ? t('member.notJudged') : meets(r) === false ? h('strong', { class: 'below-rule-no' }, t('no')) : yesNo(meets(r))) },
    { key: 'contact_point', label: t('col.contactPoint'), value: (r) => (hasPoint(r) ? 1 : 0), render: (r) => contactPointCell(r, hasPoint(r)) },
    // The report's own verdict (below the rule or no contact point), as
    // its CSV has it: the one column to scan down.
    {
      key: 'needs_attention', label: t('col.needsAttention'), value: (r) => (r.needs_attention ? 1 : 0),
      render: (r) => (r.needs_attention === undefined ? '—' : r.needs_attention ? h('strong', { class: 'needs-attention' }, t('yes')) : t('no')),
    },
    { key: 'problems', label: t('col.problems'), numeric: true, value: (r) => r.problems_collected, render: (r) => `${num(r.problems_collected)} / ${num(r.problems_resolved)}` },
  ];
  // Those below the rule first (a stable sort: the server's order within
  // each part); a sort the user picks orders them among the rest.
  const first = [...rows].sort((a, b) => (meets(a) === false ? 0 : 1) - (meets(b) === false ? 0 : 1));
  const table = sortableTable({
    columns, rows: first, sort, onSort, caption: t(county ? 'team.membersCounty' : 'team.members'), rowKey: (r) => r.member_code,
    rowClass: (r) => (meets(r) === false ? 'below-rule' : ''),
  });
  table.classList.add('members-table');
  if (!rows.some((r) => meets(r) === false)) return table;
  const both = document.createDocumentFragment();
  both.append(h('p', { class: 'muted below-rule-note' }, t('team.belowRuleNote')), table);
  return both;
}

async function openPrint(app, state) {
  const view = document.getElementById('print-view');
  if (!state.team || !app.map) return; // the print view frames the map: none yet, a moment after the page opens
  const teamName = state.team.name;
  document.getElementById('print-title').textContent = t('print.title', { team: teamName });
  document.getElementById('print-meta').textContent = t('print.meta', {
    date: date(new Date()),
    from: date(`${app.window.from}T12:00:00+08:00`),
    to: date(`${addDays(app.window.to, -1)}T12:00:00+08:00`),
  });
  const img = document.getElementById('print-map');
  img.src = '';
  const planBox = document.getElementById('print-plan');
  const gapsBox = document.getElementById('print-gaps');
  planBox.replaceChildren(h('h2', {}, t('print.plan')),
    state.plan ? planTable(state.plan) : state.planErr ? inlineError(state.planErr, t('team.plan')) : loading());
  gapsBox.replaceChildren(h('h2', {}, t('print.gaps')),
    state.gaps ? sortableTable({ columns: gapColumns(state.gaps), rows: state.gaps, sort: state.sort, caption: t('print.gaps') })
      : state.gapsErr ? inlineError(state.gapsErr, t('team.gaps')) : loading());
  document.body.classList.add('printing');
  view.hidden = false;
  document.getElementById('print-close').focus();
  // The route's frame, once its tiles have drawn, on the whole map's width.
  view.dataset.ready = 'false';
  app.closeVillage?.();
  // The closed panel gives its width back to the map now, not at the next
  // frame, so the route is framed on the map's final size, clear of the
  // printed legend, and drawn before the snapshot.
  app.map.map.resize();
  if (state.plan) fitPlan(app, state.plan, { duration: 0, print: true });
  await app.idle();
  img.src = app.map.snapshot();
  view.dataset.ready = 'true';
}

function closePrint() {
  document.body.classList.remove('printing');
  document.getElementById('print-view').hidden = true;
  document.getElementById('print-open').focus();
}
