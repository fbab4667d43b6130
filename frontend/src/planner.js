// The planners' view: the H3 heat map with its metric, legend and tooltip;
// the time window with week-by-week play; the village choropleth with the
// one-third line; the town filter; the overlay layers; the campaign summary.

import { api } from './endpoints.js';
import { eachCoord } from './geo.js';
import { date, lang, num, pct, t } from './i18n.js';
import {
  BACKGROUND, HIDDEN_HATCH, METRICS, maplibregl,
} from './map.js';
import {
  FILL_OPACITY, HIDDEN_COLOUR, NO_POPULATION_COLOUR, ONE_THIRD, ONE_THIRD_COLOUR, mix, rgb,
} from './scales.js';
import './planner.css';
import { h, inlineError, loading, publishedCount } from './ui.js';
import { initSnapshots } from './snapshots.js';
import { reportCSVLink } from './report-csv.js';
import { addDays } from './weeks.js';
import {
  named, openSummaryPrint, townsTable, worksItems, worksNote,
} from './summary-report.js';

export function initPlanner(app) {
  const cmap = app.map;
  const map = cmap.map;

  // Metric switcher: a radio group, so arrow keys move between metrics.
  const metricsEl = document.getElementById('metrics');
  const renderMetrics = () => {
    const current = cmap.metric.key;
    metricsEl.replaceChildren(...METRICS.map((m) => h('label', {},
      h('input', {
        type: 'radio', name: 'metric', value: m.key, checked: m.key === current,
        onchange: () => { cmap.setMetric(m.key); app.emit('metric', m.key); },
      }), ' ', t(`metric.${m.key}`))));
  };
  renderMetrics();
  app.on('lang', renderMetrics);

  // Map mode: hexagons or villages.
  document.querySelectorAll('input[name=mode]').forEach((r) => r.addEventListener('change', () => {
    cmap.setMode(r.value);
    document.getElementById('metric-group').disabled = r.value !== 'heat';
  }));

  // Town filter.
  const townSel = document.getElementById('town');
  const renderTowns = () => {
    const v = townSel.value;
    townSel.replaceChildren(h('option', { value: '' }, t('planner.allTowns')),
      ...app.towns.map((x) => h('option', { value: x.code }, `${x.name}`)));
    townSel.value = v;
  };
  app.on('towns', renderTowns);
  app.on('lang', renderTowns);
  townSel.addEventListener('change', () => {
    const town = app.towns.find((x) => x.code === townSel.value);
    cmap.setTown(townSel.value, town?.id);
    app.town = townSel.value;
    if (town) zoomToTown(app, town);
    app.emit('window');
  });

  // Time window: two sliders over the campaign's weeks, and play.
  const fromEl = document.getElementById('week-from');
  const toEl = document.getElementById('week-to');
  const textEl = document.getElementById('window-text');
  const playBtn = document.getElementById('play');
  const describeWindow = () => {
    const w1 = Number(fromEl.value);
    const w2 = Number(toEl.value);
    const from = app.weeks[w1]?.from;
    // Windows are [from, to): the last day shown is the day before "to".
    const last = addDays(app.weeks[w2 - 1]?.to, -1);
    // One week reads "第 10 周", not "第 10–10 周".
    const text = t(w2 === w1 + 1 ? 'planner.windowTextOne' : 'planner.windowText', { from: date(`${from}T12:00:00+08:00`), to: date(`${last}T12:00:00+08:00`), w1: w1 + 1, w2 });
    textEl.textContent = text;
    fromEl.setAttribute('aria-valuetext', date(`${from}T12:00:00+08:00`));
    toEl.setAttribute('aria-valuetext', date(`${last}T12:00:00+08:00`));
  };
  const applyWindow = () => {
    let w1 = Number(fromEl.value);
    let w2 = Number(toEl.value);
    if (w2 <= w1) {
      if (document.activeElement === fromEl) w2 = Math.min(app.weeks.length, w1 + 1);
      else w1 = Math.max(0, w2 - 1);
      fromEl.value = String(w1);
      toEl.value = String(w2);
    }
    app.window = { from: app.weeks[w1].from, to: app.weeks[w2 - 1].to };
    cmap.setWindow(app.window.from, app.window.to);
    describeWindow();
    app.emit('window');
  };
  app.on('weeks', (weeks) => {
    fromEl.max = String(weeks.length - 1);
    toEl.max = String(weeks.length);
    fromEl.value = '0';
    toEl.value = String(weeks.length);
    applyWindow();
  });
  app.on('lang', () => app.weeks.length && describeWindow());
  fromEl.addEventListener('change', applyWindow);
  toEl.addEventListener('change', applyWindow);
  fromEl.addEventListener('input', describeWindow);
  toEl.addEventListener('input', describeWindow);

  let playing = null;
  const stop = () => {
    clearTimeout(playing);
    playing = null;
    playBtn.setAttribute('aria-pressed', 'false');
    playBtn.textContent = t('planner.play');
  };
  const step = () => {
    const next = Number(toEl.value) + 1;
    if (next > app.weeks.length) {
      stop();
      return;
    }
    toEl.value = String(next);
    applyWindow();
    // Wait for the week's tiles before the next: a slow server slows the
    // animation rather than piling up requests.
    map.once('idle', () => {
      if (playing) playing = setTimeout(step, 700);
    });
  };
  playBtn.addEventListener('click', () => {
    if (playing) {
      stop();
      return;
    }
    playBtn.setAttribute('aria-pressed', 'true');
    playBtn.textContent = t('planner.pause');
    toEl.value = String(Number(fromEl.value) + 1);
    applyWindow();
    playing = setTimeout(step, 900);
  });
  app.on('lang', () => { playBtn.textContent = t(playing ? 'planner.pause' : 'planner.play'); });

  // Overlays (main.js turns off those the server says this user may not read).
  document.querySelectorAll('input[name=layer]').forEach((c) => {
    c.addEventListener('change', () => cmap.setOverlay(c.value, c.checked));
  });

  // Legend.
  const legendEl = document.getElementById('legend');
  const renderLegend = (lg) => legendEl.replaceChildren(...legendItems(lg));
  cmap.onLegend(renderLegend);
  app.on('lang', () => renderLegend(cmap.legend()));
  renderLegend(cmap.legend());
  // Folded by default on a phone, where it would cover much of the map.
  const legendToggle = document.getElementById('legend-toggle');
  const foldLegend = (open) => {
    legendToggle.setAttribute('aria-expanded', String(open));
    legendEl.hidden = !open;
  };
  foldLegend(!window.matchMedia('(max-width: 600px)').matches);
  legendToggle.addEventListener('click', () => foldLegend(legendToggle.getAttribute('aria-expanded') !== 'true'));

  // Hover tooltip on hexagons.
  const popup = new maplibregl.Popup({ closeButton: false, closeOnClick: false, className: 'tip', maxWidth: '260px' });
  map.on('mousemove', 'h3-fill', (e) => {
    const f = e.features?.[0];
    if (!f || cmap.mode !== 'heat') return;
    map.getCanvas().style.cursor = 'pointer';
    popup.setLngLat(e.lngLat).setDOMContent(hexTooltip(f.properties)).addTo(map);
  });
  map.on('mouseleave', 'h3-fill', () => {
    map.getCanvas().style.cursor = '';
    popup.remove();
  });
  map.on('mousemove', 'villages-fill', (e) => {
    if (cmap.mode !== 'villages') return;
    const f = e.features?.[0];
    if (!f) return;
    map.getCanvas().style.cursor = 'pointer';
    popup.setLngLat(e.lngLat).setDOMContent(villageTooltip(f.properties)).addTo(map);
  });
  map.on('mouseleave', 'villages-fill', () => {
    map.getCanvas().style.cursor = '';
    popup.remove();
  });

  // Click a village (in either mode) to open its panel.
  map.on('click', 'villages-fill', (e) => {
    const f = e.features?.[0];
    if (!f) return;
    popup.remove(); // a tap on a phone leaves the hover tip over the village otherwise
    app.openVillage(f.properties.code, { feature: f.properties });
  });

  // Find a village by name: the keyboard's way to a village panel.
  const findEl = document.getElementById('village-find');
  const namesEl = document.getElementById('village-names');
  let villages = [];
  app.on('ready', async () => {
    try {
      villages = await api.allVillages({});
    } catch {
      findEl.disabled = true; // the map click still opens villages
      return;
    }
    namesEl.replaceChildren(...villages.map((v) => h('option', { value: `${v.village_name} · ${v.town_name || v.town_code}` })));
    // The summary may have come first: name its lists now (they showed
    // codes until the town filter changed).
    renderSummary();
  });
  // What the search found, under the field: several matches to pick
  // from, or that none matched (a name not found said nothing before).
  const findMsg = h('div', { id: 'village-find-result', class: 'find-result', 'aria-live': 'polite' });
  findEl.after(findMsg);
  const openFound = (v) => {
    findMsg.replaceChildren();
    const centre = v.lon !== undefined ? [v.lon, v.lat] : v.centre;
    app.openVillage(v.village_code, { fly: true, centre });
  };
  const labelOf = (x) => `${x.village_name} · ${x.town_name || x.town_code}`;
  const FIND_LIST_MAX = 8;
  const find = () => {
    const typed = findEl.value.trim();
    if (!typed) {
      findMsg.replaceChildren();
      return;
    }
    const picked = villages.find((x) => labelOf(x) === typed); // from the list
    if (picked) return openFound(picked);
    const exact = villages.filter((x) => x.village_name === typed);
    if (exact.length === 1) return openFound(exact[0]);
    // A part of the name (湾泉 for 湾泉村), of the town's, or of the code.
    const q = typed.replace(/\s+/g, '').toLowerCase();
    const hits = exact.length ? exact : villages.filter((x) => x.village_name.toLowerCase().includes(q)
      || labelOf(x).replace(/\s+/g, '').toLowerCase().includes(q) || String(x.village_code).startsWith(q));
    if (hits.length === 1) return openFound(hits[0]);
    if (!hits.length) {
      findMsg.replaceChildren(h('p', { class: 'warn', role: 'status' }, t('planner.findNone', { q: typed })));
      return;
    }
    findMsg.replaceChildren(
      h('p', { class: 'muted', role: 'status' }, t('planner.findMany', { n: num(hits.length) })),
      h('ul', { class: 'find-list' }, hits.slice(0, FIND_LIST_MAX).map((v) => h('li', {},
        h('button', { type: 'button', class: 'link', dataset: { code: v.village_code }, onclick: () => openFound(v) }, labelOf(v))))),
      hits.length > FIND_LIST_MAX ? h('p', { class: 'muted' }, t('planner.findMore', { n: num(hits.length - FIND_LIST_MAX) })) : null,
    );
  };
  // Enter searches even when the text has not changed (no change event
  // then); the change event that follows an Enter is the same search.
  let entered = null;
  findEl.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    entered = findEl.value;
    find();
  });
  findEl.addEventListener('input', () => { entered = null; });
  findEl.addEventListener('change', () => {
    if (findEl.value === entered) return;
    find();
  });

  // Summary.
  const summaryEl = document.getElementById('summary');
  let summaryReq = 0;
  let shown = null; // the summary on screen and what was asked: {s, asked}
  const townName = (c) => app.towns.find((x) => x.code === c)?.name || c;
  const printBtn = () => h('button', {
    type: 'button', id: 'summary-print-open', class: 'summary-print-open',
    onclick: (e) => shown && openSummaryPrint(shown.s, towns.rows, { townName, opener: e.currentTarget }),
  }, t('sumrep.print'));
  function renderSummary() {
    if (!shown) return;
    summaryEl.replaceChildren(summaryCards(shown.s, { villages, towns: app.towns }),
      h('p', { class: 'report-actions' }, printBtn()), reportCSVLink('summary-csv', 'summary', shown.asked));
  }
  const loadSummary = async () => {
    const my = ++summaryReq;
    summaryEl.setAttribute('aria-busy', 'true');
    summaryEl.replaceChildren(loading());
    try {
      const asked = { ...app.window, town: app.town };
      const s = await api.summary(asked);
      if (my !== summaryReq) return;
      shown = { s, asked };
      renderSummary();
    } catch (err) {
      if (my !== summaryReq) return;
      summaryEl.replaceChildren(inlineError(err, t('summary.title')));
    } finally {
      summaryEl.setAttribute('aria-busy', 'false');
    }
  };
  // The morning check: every town's row for the window, whatever town the
  // filter holds; a click on a row selects that town.
  const towns = { rows: [], sort: null, key: '', req: 0 };
  const townsEl = h('section', { class: 'group towns-check', id: 'towns-check', 'aria-labelledby': 'towns-title', 'aria-busy': 'true' });
  summaryEl.closest('section')?.after(townsEl);
  const pickTown = (code) => {
    townSel.value = code === app.town ? '' : code; // a second click clears the filter
    townSel.dispatchEvent(new Event('change'));
  };
  const renderTownsCheck = () => {
    townsEl.replaceChildren(h('h2', { id: 'towns-title' }, t('towns.title')),
      h('p', { class: 'muted' }, t(towns.sort ? 'towns.hint' : 'towns.hintBehind')),
      towns.rows.length ? h('div', { class: 'towns-table-box' }, townsTable(towns.rows, {
        selected: app.town,
        onPick: pickTown,
        sort: towns.sort,
        onSort: (sort) => { towns.sort = sort; renderTownsCheck(); },
      })) : h('p', { class: 'muted' }, t('towns.none')),
      reportCSVLink('towns-csv', 'towns', { ...app.window }));
  };
  // The morning check is the planner view's, and its costliest report: asked
  // while that view is shown, else when it is next shown (a team leader
  // lands on the team view and may never open it).
  const loadTowns = async () => {
    if (document.body.dataset.view !== 'planner') {
      towns.stale = true;
      return;
    }
    towns.stale = false;
    const my = ++towns.req;
    townsEl.setAttribute('aria-busy', 'true');
    townsEl.replaceChildren(h('h2', { id: 'towns-title' }, t('towns.title')), loading());
    try {
      const asked = { ...app.window };
      const rows = await api.townsCheck(asked);
      if (my !== towns.req) return;
      towns.rows = rows;
      towns.key = `${asked.from}|${asked.to}`;
      renderTownsCheck();
    } catch (err) {
      if (my !== towns.req) return;
      townsEl.replaceChildren(h('h2', { id: 'towns-title' }, t('towns.title')), inlineError(err, t('towns.title')));
    } finally {
      if (my === towns.req) townsEl.setAttribute('aria-busy', 'false');
    }
  };

  app.on('view', (v) => { if (v === 'planner' && towns.stale) loadTowns(); });
  let lastSummary = '';
  app.on('window', () => {
    const key = `${app.window.from}|${app.window.to}|${app.town || ''}`;
    if (key !== lastSummary && !playing) {
      const sameWindow = lastSummary.startsWith(`${app.window.from}|${app.window.to}|`);
      lastSummary = key;
      loadSummary();
      if (sameWindow) renderTownsCheck(); // only the town picked changed
      else loadTowns();
    }
  });
  // The towns' rows carry no words of either language: a language switch
  // draws them again, it does not ask the server again.
  app.on('lang', () => {
    loadSummary();
    if (towns.rows.length && towns.key === `${app.window.from}|${app.window.to}`) renderTownsCheck();
    else loadTowns();
  });
  // An import that changed rows: the same window's figures, asked again.
  app.on('imported', () => { if (lastSummary) { loadSummary(); loadTowns(); } });

  initSnapshots(app);
}

function zoomToTown(app, town) {
  if (Array.isArray(town.bbox) && town.bbox.length === 4) {
    app.map.fitTo([[town.bbox[0], town.bbox[1]], [town.bbox[2], town.bbox[3]]]);
    return;
  }
  const feats = app.map.map.querySourceFeatures('towns', { sourceLayer: 'towns', filter: ['==', ['get', 'code'], town.code] });
  const b = new maplibregl.LngLatBounds();
  let any = false;
  for (const f of feats) {
    eachCoord(f.geometry, (c) => { b.extend(c); any = true; });
  }
  if (any) app.map.fitTo(b);
}

function legendItems(lg) {
  const items = [];
  const over = !!lg.overBasemap;
  const fmt = (v) => (lg.share ? pct(v) : num(v));
  const title = lg.kind === 'villages' ? t('metric.coverage') : t(`metric.${lg.metric.key}`);
  items.push(h('p', { class: 'legend-title' }, title));
  const list = h('ul', { class: 'legend-classes' });
  lg.colours.forEach((c, i) => {
    let label;
    if (i === 0) label = t('legend.under', { v: fmt(lg.breaks[0]) });
    else if (i === lg.colours.length - 1) label = t('legend.from', { v: fmt(lg.breaks[i - 1]) });
    else label = t('legend.range', { a: fmt(lg.breaks[i - 1]), b: fmt(lg.breaks[i]) });
    const edge = lg.share && Math.abs((lg.breaks[i - 1] ?? -1) - ONE_THIRD) < 1e-9;
    list.append(h('li', { class: edge ? 'one-third-edge' : '' },
      swatch(c, over),
      label, edge ? h('span', { class: 'one-third-tag' }, ` ← ${t('legend.oneThird')}`) : null));
  });
  items.push(list);
  if (lg.kind === 'villages') {
    items.push(h('ul', { class: 'legend-classes' },
      h('li', {}, h('span', { class: 'swatch outline-below', style: `border-color:${ONE_THIRD_COLOUR}`, 'aria-hidden': 'true' }), t('legend.below')),
      h('li', {}, h('span', { class: 'swatch outline-reached', 'aria-hidden': 'true' }), t('legend.reached')),
      h('li', {}, swatch(NO_POPULATION_COLOUR, over), t('legend.noPopulation'))));
  }
  if (lg.hideable) {
    // A suppressed village is striped, opaque (map.js HIDDEN_HATCH): the
    // same over any basemap. A hidden hexagon is grey, translucent like
    // every class.
    items.push(h('ul', { class: 'legend-classes' },
      h('li', { class: 'legend-hidden' }, lg.kind === 'villages' ? hatchSwatch() : swatch(HIDDEN_COLOUR, over), t('legend.hidden'))));
  }
  if (over) {
    items.push(h('p', { class: 'muted legend-note', id: 'legend-basemap-note' }, t('legend.overBasemap', { p: pct(FILL_OPACITY) })));
  }
  return items;
}

/**
 * swatch is a legend swatch of a class fill: its colour as the map draws it,
 * at FILL_OPACITY over the map's background, so the swatch and the area
 * match (a solid swatch over a translucent fill reads one class off). Over a
 * basemap (overBasemap) no one colour is right: what shows through varies
 * from place to place, so the swatch is the fill at FILL_OPACITY over a
 * check pattern of light and mid grey, and the legend says why.
 */
function swatch(colour, overBasemap = false) {
  const drawn = mix(colour, FILL_OPACITY, BACKGROUND);
  if (!overBasemap) {
    return h('span', { class: 'swatch', style: `background:${drawn}`, dataset: { colour: drawn }, 'aria-hidden': 'true' });
  }
  const [r, g, b] = rgb(colour);
  const fill = `rgba(${r}, ${g}, ${b}, ${FILL_OPACITY})`;
  return h('span', {
    class: 'swatch over-basemap',
    style: `background:linear-gradient(${fill}, ${fill}), repeating-conic-gradient(${BACKGROUND} 0 25%, #b4b4b4 0 50%) 0 0 / 8px 8px`,
    dataset: { colour: drawn, fill },
    'aria-hidden': 'true',
  });
}

/**
 * hatchSwatch is HIDDEN_HATCH as a legend swatch: the map's stripes, which
 * run along x + y = constant every size pixels, drawn the same way in CSS.
 */
function hatchSwatch() {
  const { size, stripe, ink, ground } = HIDDEN_HATCH;
  const [a, b] = [stripe, size].map((px) => `${(px / Math.SQRT2).toFixed(2)}px`);
  return h('span', {
    class: 'swatch hatch',
    style: `background:repeating-linear-gradient(135deg, ${ink} 0 ${a}, ${ground} ${a} ${b})`,
    dataset: { ink, ground },
    'aria-hidden': 'true',
  });
}

function hexTooltip(p) {
  const rows = [
    ['tip.coverage', p.visited_share === undefined ? '—' : pct(p.visited_share)],
    ['tip.households', num(p.households)],
    ['tip.residents', num(p.residents)],
    ['tip.visited_households', num(p.visited_households)],
    ['tip.visited_residents', num(p.visited_residents)],
    ['tip.visits', num(p.visits)],
    // Left out of the tile where the privacy rules hide it.
    ['tip.special_waiting', p.special_waiting === undefined ? t('summary.hidden') : num(p.special_waiting)],
    ['tip.open_problems', num(p.open_problems)],
  ];
  return h('div', {},
    h('p', { class: 'tip-title' }, `${t('tip.cell')} ${p.cell || ''}`),
    h('dl', {}, rows.flatMap(([k, v]) => [h('dt', {}, t(k)), h('dd', {}, v)])));
}

function villageTooltip(p) {
  // A village without figures is suppressed by the privacy rules.
  const status = p.visited_residents === undefined ? t('legend.hidden')
    : (p.rural === false || p.rural === 'false') ? t(p.reached === true || p.reached === 'true' ? 'village.communityVisited' : 'village.communityNotVisited')
    : p.coverage === undefined ? t('village.noPopulation')
    : (p.reached === true || p.reached === 'true' ? t('village.reached') : t('village.below'));
  return h('div', {},
    h('p', { class: 'tip-title' }, p.name || p.code),
    h('dl', {},
      h('dt', {}, t('village.coverage')), h('dd', {}, p.coverage === undefined ? '—' : pct(p.coverage)),
      h('dt', {}, t('village.population')), h('dd', {}, num(p.resident_population)),
      h('dt', {}, t('village.residentsNeeded')), h('dd', {}, num(p.residents_needed)),
      h('dt', {}, t('village.specialSum')), h('dd', {}, p.special_waiting === undefined ? t('summary.hidden') : num(p.special_waiting))),
    h('p', {}, status));
}

const SUMMARY_KEYS = [
  'villages_visited', 'households_visited', 'visits', 'household_visits', 'enterprise_visits', 'enterprises_visited',
  'project_site_visits', 'village_meetings', 'opinions_collected', 'problems_found',
  'problems_resolved', 'petition_cases_resolved', 'disputes_resolved', 'publicity_events', 'publicity_participants',
  'assistance_deliveries', 'households_assisted',
];

/** countList is a count with its list behind a click (details), or the count alone. */
function countList(key, items) {
  const n = items.length;
  const value = n === 0 ? num(0) : h('details', { class: 'summary-list' },
    h('summary', {}, num(n), h('span', { class: 'muted' }, ` · ${t('summary.showList')}`)),
    h('ul', {}, items.map((x) => h('li', {}, x))));
  return card(t(`summary.${key}`), value, key);
}

/**
 * summaryCards shows the summary report's numbers, each under its translated
 * name, then what the five full coverages still lack. look holds the
 * villages and towns known to the page, to name the codes in the lists.
 */
function summaryCards(s, look = {}) {
  const cards = [];
  if (s.villages_reached !== undefined) {
    cards.push(card(t('summary.villages_reached'),
      s.villages !== undefined ? t('summary.of', { n: num(s.villages_reached), total: num(s.villages) }) : num(s.villages_reached), 'villages_reached'));
  }
  // villages_reached mixes two rules; urban communities (visited) get their
  // own figure beside the rural one-third card below.
  if ([s.villages, s.villages_reached, s.rural_villages, s.rural_villages_reached].every((x) => typeof x === 'number')) {
    cards.push(card(t('summary.urbanVisited'),
      t('summary.of', { n: num(s.villages_reached - s.rural_villages_reached), total: num(s.villages - s.rural_villages) }), 'urban'));
  }
  if (s.resident_population > 0 && s.visited_residents !== undefined) {
    cards.push(card(t('summary.coverage'), pct(s.visited_residents / s.resident_population)));
  }
  // The one-third rule is written for the rural resident population.
  if (s.rural_resident_population > 0 && s.rural_visited_residents !== undefined) {
    cards.push(card(t('summary.ruralCoverage'), t('summary.ruralValue', {
      pct: pct(s.rural_visited_residents / s.rural_resident_population),
      n: num(s.rural_villages_reached),
      total: num(s.rural_villages),
    }), 'rural'));
  }
  for (const k of SUMMARY_KEYS) {
    if (k === 'household_visits' && typeof s.household_visit_entries === 'number') {
      // household_visits counts the entries that reached a household,
      // assistance deliveries among them; household_visit_entries counts
      // the household_visit entries alone, as the other kinds' cards count
      // theirs, so the kinds add up to visits.
      cards.push(card(t('summary.household_visits'), num(s.household_visit_entries), k));
    } else if (k === 'household_visits') {
      if (typeof s[k] === 'number' || typeof s[k] === 'string') cards.push(card(t('summary.household_contacts'), num(s[k]), k));
    } else if (typeof s[k] === 'number' || typeof s[k] === 'string') cards.push(card(t(`summary.${k}`), num(s[k]), k));
  }
  const list = h('dl', { class: 'cards', lang: lang() }, cards);
  const parts = [list];
  // The livelihood works and projects (the register's, today).
  const works = worksItems(s);
  const townOf = (c) => (look.towns || []).find((x) => x.code === c)?.name || c;
  if (works.length || s.works === null) {
    parts.push(h('h3', { class: 'summary-sub' }, t('sumrep.works')));
    if (works.length) parts.push(h('dl', { class: 'cards', lang: lang(), id: 'summary-works' }, works.map(([k, l, v]) => card(l, v, `works-${k}`))));
    const note = worksNote(s, townOf);
    if (note) parts.push(h('p', { class: 'muted', id: 'summary-works-note' }, note));
  }

  const five = s.five_coverages;
  if (five && typeof five === 'object') {
    const villageName = new Map((look.villages || []).map((v) => [v.village_code, `${v.village_name} · ${v.town_name || v.town_code}`]));
    const townName = new Map((look.towns || []).map((x) => [x.code, x.name]));
    const fc = [];
    // five.towns (a team leader, a member): the towns the projects and
    // members lists judge; those lists are null for a town not theirs.
    const judged = Array.isArray(five.towns) ? five.towns : null;
    // A member reads their own row alone: the members lists are null for
    // them even in their own town (not judged, never "none left").
    const ownRowOnly = !!(judged && judged.length && five.members_below_target === null);
    const listed = (key, name) => {
      if (Array.isArray(five[key])) fc.push(countList(key, five[key].map((c) => (name ? name(c) : c))));
      else if (judged && five[key] === null) {
        fc.push(card(t(`summary.${key}`), t(ownRowOnly && key.startsWith('members_') ? 'summary.notJudgedOwnRow' : 'summary.notJudged'), key));
      }
    };
    // Names: the server's (names), else the villages the page knows.
    const names = s.names || {};
    const village = (c) => (names.villages?.[c] ? named(names.villages, c) : villageName.get(c) || c);
    listed('towns_without_activity', (c) => names.towns?.[c] || townName.get(c) || c);
    listed('projects_without_visit', (c) => named(names.projects, c));
    listed('villages_without_visit', village);
    listed('petition_villages_without_visit', village);
    // Households with a standing petition case not visited: a count under
    // the privacy rules, null where the caller cannot see the area's households.
    if ('petition_households_unvisited' in five) {
      const v = five.petition_households_unvisited;
      fc.push(card(t('summary.petition_households_unvisited'),
        v === null ? t('summary.notJudgedHouseholds') : publishedCount(v), 'petition_households_unvisited'));
    }
    listed('members_below_target', (c) => named(names.members, c));
    listed('members_without_contact_point', (c) => named(names.members, c));
    // The special-group households waiting counted once each: the figure
    // to quote; the card after it sums the groups.
    if ('special_waiting_households' in s) {
      fc.push(card(t('sumrep.waitingHouseholds'), publishedCount(s.special_waiting_households), 'special_waiting_households'));
    }
    const waiting = five.special_unvisited;
    let groups = null;
    if (waiting && typeof waiting === 'object') {
      // A hidden group ("hidden") adds nothing to the known sum but
      // its bound ("≥n" adds n): the total then says how many are hidden,
      // never a bare "≥ 0".
      const vals = Object.values(waiting);
      const nHidden = vals.filter((b) => typeof b === 'string').length;
      const known = vals.reduce((a, b) => a + (typeof b === 'number' ? b
        : (typeof b === 'string' && b.startsWith('≥') ? Number(b.slice(1)) : 0)), 0);
      let total = num(known);
      if (nHidden === vals.length && known === 0) total = t('summary.waitingAllHidden', { k: num(nHidden) });
      else if (nHidden > 0) total = t('summary.waitingHidden', { n: num(known), k: num(nHidden) });
      fc.push(card(t('summary.special_waiting'), total, 'special_waiting'));
      groups = h('dl', { class: 'cards summary-groups', lang: lang(), 'aria-label': t('summary.specialGroups') },
        Object.entries(waiting).map(([g, v]) => card(t(`group.${g}`), publishedCount(v), `group-${g}`)));
      if (nHidden > 0) groups = h('div', {}, groups, h('p', { class: 'muted', id: 'summary-hidden-note' }, t('summary.hiddenNote')));
    }
    parts.push(h('h3', { class: 'summary-sub' }, t('summary.fiveCoverages')));
    if (judged) {
      const area = s.town ? (townName.get(s.town) || s.town) : t('summary.county');
      const towns = judged.map((c) => townName.get(c) || c).join(lang() === 'en' ? ', ' : '、');
      parts.push(h('p', { class: 'muted', id: 'summary-five-towns' }, judged.length
        ? t(ownRowOnly ? 'summary.fiveTownsMember' : 'summary.fiveTowns', { towns, area })
        : t('summary.fiveTownsNone', { area })));
    }
    parts.push(h('dl', { class: 'cards', lang: lang(), id: 'summary-five' }, fc));
    if (groups) parts.push(h('h3', { class: 'summary-sub' }, t('summary.specialGroups')), groups);
  }
  // Villages of 1 to 4 households are left out of every figure above for a
  // role without household access (privacy rule 2): say so, or the count of
  // villages would look short.
  if (s.villages_suppressed > 0) {
    parts.push(h('p', { class: 'muted', id: 'summary-suppressed' }, t('summary.suppressed', { n: num(s.villages_suppressed) })));
  }
  return h('div', {}, ...parts);
}

function card(label, value, key) {
  return h('div', { class: 'card', dataset: key ? { key } : undefined }, h('dt', {}, label), h('dd', {}, value));
}
