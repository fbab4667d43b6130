// The team view's list of special-group households not yet visited in the
// window (five full coverages #4 and #5: poor, seriously ill, disabled;
// empty-nest elders, left-behind children, community correction): per
// village, counts per group and the households to open, a CSV to take into
// the field, and the households on the map. It names households, so it is
// asked only by a user with household access (the households layer's rule);
// the head's name comes only with the personal-fields grant (the server
// leaves it out otherwise).

import { apiFetch, query } from './api.js';
import { mayReadHouseholds, rowsOf } from './endpoints.js';
import { boundsOf } from './geo.js';
import { date, lang, num, t } from './i18n.js';
import { showPoints } from './points.js';
import { h, inlineError, loading, sortableTable } from './ui.js';

const PATH = '/api/v1/reports/special-households';
const GROUPS = ['poor', 'seriously_ill', 'disabled', 'empty_nest', 'left_behind_children', 'community_correction'];
const SOURCE = 'team-special';

const groupNames = (groups) => (groups || []).map((g) => t(`group.${g}`)).join('、');

/** byVillage groups the rows (sorted by village, then household) per village, in order. */
export function byVillage(rows) {
  const out = [];
  for (const r of rows) {
    let v = out[out.length - 1];
    if (!v || v.code !== r.village_code) {
      v = { code: r.village_code, name: r.village_name || r.village_code, rows: [], counts: Object.fromEntries(GROUPS.map((g) => [g, 0])) };
      out.push(v);
    }
    v.rows.push(r);
    for (const g of r.groups || []) v.counts[g] = (v.counts[g] || 0) + 1;
  }
  return out;
}

/**
 * initSpecialHouseholds adds the section after `after` (the route's section)
 * and returns {load(params), render(), reset()} for the team view to drive.
 */
export function initSpecialHouseholds(app, after) {
  const box = h('div', { id: 'special-households', class: 'table-wrap' });
  const section = h('section', { class: 'group', 'aria-labelledby': 'special-title', id: 'special-section' },
    h('h2', { id: 'special-title' }, t('team.special')),
    h('p', { class: 'muted', id: 'special-hint' }, t('team.specialHint')),
    box);
  after.after(section);
  const state = { params: null, rows: null, err: null, onMap: false, open: new Set() };
  let req = 0;

  // The CSV follows the page's language (Chinese headers and values for Excel).
  const csvURL = (p) => `${PATH}${query({ ...p, format: 'csv', ...(lang().startsWith('zh') ? { lang: 'zh' } : {}) })}`;

  const mapData = () => ({
    type: 'FeatureCollection',
    features: (state.onMap && state.rows ? state.rows : []).filter((r) => Number.isFinite(r.lon)).map((r) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [r.lon, r.lat] },
      properties: { household: r.household, village: r.village_name, groups: groupNames(r.groups), last: r.last_visit || '' },
    })),
  });

  let popup = null;
  const drawMap = () => {
    const m = app.map?.map;
    if (!m) return;
    const data = mapData();
    // White with a black ring: apart from every viridis colour under it.
    const paint = { 'circle-radius': 5, 'circle-color': '#ffffff', 'circle-stroke-color': '#000000', 'circle-stroke-width': 2 };
    showPoints(m, SOURCE, data, paint, () => {
      m.on('click', SOURCE, (e) => {
        const f = e.features?.[0];
        if (!f) return;
        const p = f.properties;
        popup?.remove();
        const el = h('div', {}, h('strong', {}, `${t('col.household')} ${p.household}`), h('br'),
          `${p.village} · ${p.groups}`, h('br'), `${t('col.lastVisit')}: ${p.last ? date(`${p.last}T12:00:00+08:00`) : t('village.never')}`);
        // The map's code, loaded by then (there is a map to click): not
        // imported above, so the team view's tables need not wait for it.
        import('./map.js').then(({ maplibregl }) => {
          popup?.remove();
          popup = new maplibregl.Popup({ closeButton: true }).setLngLat(f.geometry.coordinates).setDOMContent(el).addTo(m);
        });
      });
    });
    const box = state.onMap && boundsOf(data.features.map((f) => f.geometry.coordinates));
    if (box) app.map.fitTo(box, { maxZoom: 15, padding: 60 });
  };

  const villageList = () => {
    const personal = state.rows.some((r) => typeof r.head_name === 'string' && r.head_name !== '');
    const columns = [
      { key: 'household', label: t('col.household') },
      ...(personal ? [{ key: 'head_name', label: t('col.headName') }] : []),
      { key: 'groups', label: t('col.groups'), render: (r) => groupNames(r.groups) },
      { key: 'residents', label: t('col.residents'), numeric: true, render: (r) => num(r.residents) },
      { key: 'last_visit', label: t('col.lastVisit'), render: (r) => (r.last_visit ? date(`${r.last_visit}T12:00:00+08:00`) : t('village.never')) },
    ];
    return byVillage(state.rows).map((v) => {
      const counts = GROUPS.filter((g) => v.counts[g] > 0).map((g) => `${t(`group.${g}`)} ${num(v.counts[g])}`).join(' · ');
      const d = h('details', { class: 'special-village', dataset: { village: v.code } },
        h('summary', {}, h('strong', {}, v.name), ` — ${t('team.specialHouseholds', { n: num(v.rows.length), counts })}`));
      // A town holds thousands of such households: a village's table is
      // built when it is opened.
      const fill = () => {
        if (!d.querySelector('table')) d.append(sortableTable({ columns, rows: v.rows, caption: `${v.name} ${t('team.special')}`, rowKey: (r) => r.household }));
      };
      if (state.open.has(v.code)) {
        fill();
        d.open = true;
      }
      d.addEventListener('toggle', () => {
        if (d.open) {
          fill();
          state.open.add(v.code);
        } else state.open.delete(v.code);
      });
      return d;
    });
  };

  const render = () => {
    section.querySelector('#special-title').textContent = t('team.special');
    section.querySelector('#special-hint').textContent = t('team.specialHint');
    // The list names households one by one: a user who may not read them
    // (a member, a planner) has no use for the section, nor for a note on
    // a grant they are not meant to have.
    section.hidden = !mayReadHouseholds(app.user);
    if (!state.params || section.hidden) {
      box.replaceChildren();
      return;
    }
    if (state.err) {
      box.replaceChildren(inlineError(state.err, t('team.special')));
      return;
    }
    if (!state.rows) {
      box.replaceChildren(loading());
      return;
    }
    if (!state.rows.length) {
      box.replaceChildren(h('p', {}, t('team.specialEmpty')));
      return;
    }
    const villages = new Set(state.rows.map((r) => r.village_code)).size;
    const toggle = h('input', { type: 'checkbox', id: 'special-on-map' });
    toggle.checked = state.onMap;
    toggle.addEventListener('change', () => {
      state.onMap = toggle.checked;
      drawMap();
    });
    box.replaceChildren(
      h('p', { class: 'special-actions' },
        h('span', { class: 'special-total' }, t('team.specialTotal', { n: num(state.rows.length), v: num(villages) })), ' ',
        h('a', { id: 'special-csv', href: csvURL(state.params), download: '' }, t('team.specialCsv')), ' ',
        // Five full coverages #3: the households with a standing petition
        // case not visited, a list of their own (group=petition).
        h('a', { id: 'special-petition-csv', href: csvURL({ ...state.params, group: 'petition' }), download: '' }, t('team.specialPetitionCsv')), ' ',
        h('label', { for: 'special-on-map' }, toggle, ' ', t('team.specialMap'))),
      ...villageList());
  };

  const reset = () => {
    req++;
    Object.assign(state, { params: null, rows: null, err: null, onMap: false });
    state.open.clear();
    popup?.remove();
    drawMap();
  };

  /** load asks the list for the team view's parameters ({team|town, from, to}). */
  const load = async (p) => {
    const my = ++req;
    Object.assign(state, { params: p, rows: null, err: null });
    render();
    if (!p || !mayReadHouseholds(app.user)) return;
    try {
      const rows = rowsOf(await apiFetch(`${PATH}${query(p)}`), 'rows');
      if (my !== req) return;
      state.rows = rows;
    } catch (err) {
      if (my !== req) return;
      state.err = err;
    }
    render();
    drawMap();
  };

  app.on('lang', render);
  return { load, render, reset };
}
