// The village side panel: coverage against the one-third line, residents
// and households still needed, special groups waiting, the last visit, a
// weekly visits chart and the problems collected and resolved.

import { api } from './endpoints.js';
import { boundsOf, eachCoord } from './geo.js';
import { date, daysAgo, num, pct, t } from './i18n.js';
import { ONE_THIRD_COLOUR } from './scales.js';
import {
  h, inlineError, legendPadding, loading, publishedCount, specialWaiting,
} from './ui.js';
import { addDays, dayOf } from './weeks.js';

const GROUPS = ['poor', 'seriously_ill', 'disabled', 'empty_nest', 'left_behind_children', 'community_correction'];
const SVG = 'http://www.w3.org/2000/svg';

export function initVillagePanel(app) {
  const panel = document.getElementById('village-panel');
  const title = document.getElementById('village-title');
  const body = document.getElementById('village-body');
  let current = null; // {code, data, feature}
  let req = 0;
  let returnFocus = null;

  const close = () => {
    panel.hidden = true;
    document.body.classList.remove('panel-open');
    current = null;
    app.map.selectVillage(null);
    app.map.map.resize();
    if (returnFocus && document.contains(returnFocus)) returnFocus.focus();
  };
  document.getElementById('village-close').addEventListener('click', close);
  app.closeVillage = () => { if (!panel.hidden) close(); };
  panel.addEventListener('keydown', (e) => { if (e.key === 'Escape') close(); });

  const render = () => {
    if (!current) return;
    if (current.error) {
      body.replaceChildren(inlineError(current.error, current.code));
      if (current.feature) body.append(details(fromFeature(current.feature)));
      return;
    }
    if (!current.data) {
      body.replaceChildren(loading());
      return;
    }
    title.textContent = current.data.village_name || current.data.name || current.code;
    body.replaceChildren(details(current.data, app.campaign?.today || dayOf(new Date())));
  };

  /**
   * goTo frames the village's outline (its box in the villages tiles the map
   * holds, padded, at most zoom 15). A village not in them yet (out of
   * view) is flown to by its centre first, then framed once its tiles are
   * there; an outline partly out of view, framed again once whole.
   */
  const goTo = (my, code, centre) => {
    const m = app.map.map;
    const fit = (box) => app.map.fitTo(box, { padding: legendPadding(m.getContainer()), maxZoom: 15 });
    const again = (box) => m.once('idle', () => {
      const b = villageBox(m, code);
      if (my !== req || !b) return;
      if (!box || b[0][0] < box[0][0] || b[0][1] < box[0][1] || b[1][0] > box[1][0] || b[1][1] > box[1][1]) {
        fit(b);
        if (!box) again(b);
      }
    });
    // (A map already still would wait for its next frame: drawn now.)
    m.triggerRepaint();
    const box = villageBox(m, code);
    if (box) fit(box);
    else if (centre) app.map.flyTo(centre, Math.max(12, Math.min(m.getZoom(), 14)));
    else return;
    again(box);
  };

  /**
   * openVillage shows the panel for a village code; with fly, the map first
   * goes to the village (framed by its outline, see goTo; its centre from
   * the caller or from the answer until the outline's tiles are there).
   */
  app.openVillage = async (code, { feature, fly = false, centre } = {}) => {
    const my = ++req;
    if (panel.hidden) returnFocus = document.activeElement;
    current = { code, feature, data: null };
    title.textContent = feature?.name || code;
    panel.hidden = false;
    panel.dataset.code = code;
    document.body.classList.add('panel-open');
    app.map.map.resize();
    app.map.selectVillage(code);
    if (fly && centre) goTo(my, code, centre);
    render();
    try {
      const data = await api.village(code, app.window);
      if (my !== req) return;
      current.data = data;
      const c = data.centre || data.center;
      if (fly && !centre) goTo(my, code, Array.isArray(c) ? c : null);
    } catch (err) {
      if (my !== req) return;
      current.error = err;
    }
    render();
    panel.focus();
    app.emit('village', code);
  };
  app.on('lang', render);
  app.on('window', () => { if (current) app.openVillage(current.code, { feature: current.feature }); });
  // An import that changed rows: the open village's figures, asked again
  // where they are shown (the focus stays in the import tab).
  app.on('imported', async () => {
    if (!current?.data) return; // still loading (or refused): that answer stands
    const my = ++req;
    const open = current;
    try {
      const data = await api.village(open.code, app.window);
      if (my !== req || current !== open) return;
      open.data = data;
      render();
    } catch {
      // The figures shown stay; the next window or open asks again.
    }
  });
}

/** villageBox is the box around a village's outline in the villages tiles the map holds, or null. */
function villageBox(m, code) {
  const points = [];
  for (const f of m.querySourceFeatures('villages', { sourceLayer: 'villages', filter: ['==', ['get', 'code'], code] })) {
    eachCoord(f.geometry, (c) => { points.push(c); });
  }
  return boundsOf(points);
}

function fromFeature(p) {
  return {
    village_code: p.code,
    village_name: p.name,
    resident_population: p.resident_population,
    visited_residents: p.visited_residents,
    coverage: p.coverage,
    reached: p.reached,
    rural: p.rural,
    residents_needed: p.residents_needed,
    special_waiting: p.special_waiting,
    special_waiting_households: p.special_waiting_households,
  };
}

function details(d, today) {
  const pop = Number(d.resident_population);
  const noPop = !(pop > 0);
  const coverage = d.coverage ?? (noPop ? null : Number(d.visited_residents) / pop);
  const reached = d.reached === true || d.reached === 'true';
  // An urban community meets its rule once visited: never "one-third reached".
  const community = d.rural === false || d.rural === 'false';
  const status = community ? t(reached ? 'village.communityVisited' : 'village.communityNotVisited')
    : noPop ? t('village.noPopulation') : reached ? t('village.reached') : t('village.below');
  const parts = [];
  parts.push(h('p', { class: `village-status ${noPop && !community ? 'none' : reached ? 'reached' : 'below'}` }, status));
  if (!noPop) parts.push(coverageBar(coverage));
  const facts = [
    ['village.coverage', noPop ? '—' : pct(coverage)],
    ['village.town', d.town_name || d.town_code],
    ['village.population', num(d.resident_population)],
    ['village.visitedResidents', num(d.visited_residents)],
    ['village.residentsNeeded', num(d.residents_needed)],
    ['village.householdsNeeded', num(d.households_needed)],
    ['village.lastVisit', lastVisit(d, today)],
  ];
  parts.push(h('dl', { class: 'facts' }, facts.flatMap(([k, v]) => [h('dt', {}, t(k)), h('dd', {}, v ?? '—')])));

  const special = d.special_unvisited || d.special_waiting_by_group;
  if (special && typeof special === 'object') {
    parts.push(h('h3', {}, t('village.special')));
    // The total first, as the server publishes it: the number the map's
    // tooltip and the gap table show ("≥n" or "hidden" when hidden). A
    // hidden group reads "hidden" whatever its size, as the server's label
    // does: never "<11", which a count hidden to protect another may not be.
    const total = d.special_waiting !== undefined
      ? [h('dt', { class: 'total' }, t('village.specialTotal')), h('dd', { class: 'total', id: 'village-special-total' }, specialWaiting(d).text)]
      : [];
    parts.push(h('dl', { class: 'facts special' }, total, waitingHouseholds(d),
      GROUPS.flatMap((g) => [h('dt', {}, t(`group.${g}`)), h('dd', { dataset: { group: g } }, publishedCount(special[g] ?? 0))])));
    if ([d.special_waiting, d.special_waiting_households, ...GROUPS.map((g) => special[g])].some((v) => typeof v === 'string')) {
      parts.push(h('p', { class: 'muted', id: 'village-hidden-note' }, t('summary.hiddenNote')));
    }
  } else if (d.special_waiting !== undefined) {
    parts.push(h('dl', { class: 'facts' }, h('dt', {}, t('village.specialSum')), h('dd', {}, specialWaiting(d).text), waitingHouseholds(d)));
  }
  if (d.problems_collected !== undefined) {
    parts.push(h('p', {}, t('village.problems', { c: num(d.problems_collected), r: num(d.problems_resolved) })));
  }
  const weekly = d.weekly_visits || d.weeks;
  if (Array.isArray(weekly) && weekly.length) {
    parts.push(h('h3', {}, t('village.weekly')));
    // The peak as text beside the chart: inside the SVG it shrank with the
    // chart to an unreadable few pixels. Weeks without a visit have no
    // peak to speak of: no chart, the sentence says so.
    const peak = Math.max(0, ...weekly.map((w) => Number(w.visits) || 0));
    if (peak === 0) {
      parts.push(h('p', { class: 'muted chart-note', id: 'village-weekly-none' }, t('village.weeklyNone')));
    } else {
      parts.push(weeklyChart(weekly));
      parts.push(h('p', { class: 'muted chart-note' }, t('village.weeklyMax', { max: peak })));
    }
  }
  return h('div', {}, parts);
}

/**
 * waitingHouseholds is the special-group households waiting counted once
 * each (special_waiting_households), beside the sum over the groups, as the
 * server publishes it ("hidden" when hidden); nothing when not sent.
 */
function waitingHouseholds(d) {
  if (d.special_waiting_households === undefined) return [];
  return [h('dt', { class: 'total' }, t('village.specialHouseholds')),
    h('dd', { class: 'total', id: 'village-special-households' }, publishedCount(d.special_waiting_households))];
}

/**
 * lastVisit says when the village was last visited. The report counts the
 * days up to the window's last day (or today), so for a window that ended
 * before today it says "before the window's end", not "ago".
 */
function lastVisit(d, today) {
  const ago = d.days_since_last_visit;
  const lastDay = d.to ? addDays(String(d.to).slice(0, 10), -1) : '';
  const key = lastDay && today && lastDay < today ? 'village.daysBeforeEnd' : 'village.daysAgo';
  const day = d.last_visit_on || d.last_visit;
  // Counted to today: 0 and 1 read 今天 and 昨天 (never "0 天前").
  const words = (n) => (key === 'village.daysAgo' ? daysAgo(n, key) : t(key, { n }));
  if (!day) return ago !== undefined && ago !== null ? words(ago) : t('village.never');
  return `${date(day.length === 10 ? `${day}T12:00:00+08:00` : day)}${ago !== undefined && ago !== null ? ` (${words(ago)})` : ''}`;
}

/** coverageBar is the village's coverage on a 0–100% bar with the one-third line drawn on it. */
function coverageBar(share) {
  const w = 240;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} 22`);
  svg.setAttribute('class', 'coverage-bar');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `${t('village.coverage')} ${pct(share)}`);
  const rect = (x, width, fill) => {
    const r = document.createElementNS(SVG, 'rect');
    Object.entries({ x, y: 4, width, height: 14, fill }).forEach(([k, v]) => r.setAttribute(k, v));
    svg.append(r);
  };
  rect(0, w, '#e4e2da');
  rect(0, Math.max(0, Math.min(1, share || 0)) * w, '#21918c');
  const line = document.createElementNS(SVG, 'line');
  Object.entries({ x1: w / 3, x2: w / 3, y1: 0, y2: 22, stroke: ONE_THIRD_COLOUR, 'stroke-width': 3 }).forEach(([k, v]) => line.setAttribute(k, v));
  svg.append(line);
  return svg;
}

/** weeklyChart is a small bar chart of visits per week. */
function weeklyChart(weeks) {
  const values = weeks.map((w) => Number(w.visits) || 0);
  const max = Math.max(1, ...values);
  const bw = 8;
  const gap = 2;
  const height = 60;
  const width = values.length * (bw + gap);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('class', 'weekly-chart');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', t('village.weeklyChart', { n: values.length, max }));
  values.forEach((v, i) => {
    const r = document.createElementNS(SVG, 'rect');
    const bh = (v / max) * height;
    Object.entries({ x: i * (bw + gap), y: height - bh, width: bw, height: Math.max(bh, v > 0 ? 1 : 0), fill: '#3b528b' })
      .forEach(([k, val]) => r.setAttribute(k, val));
    const title = document.createElementNS(SVG, 'title');
    title.textContent = `${weeks[i].week_start || weeks[i].from || i + 1}: ${v}`;
    r.append(title);
    svg.append(r);
  });
  return svg;
}
