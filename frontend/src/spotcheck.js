// The diary spot check (民情日记抽查): a random sample of diary entries for
// team leaders and planners to phone-check that the visits happened, each
// entry with the checks the server flags. "New sample" draws again with a
// new seed; the same seed draws the same entries, so the printed list and
// the CSV (the server's, for Excel) hold what the table shows. Household
// numbers and entry ids come only for roles with household access: the
// page shows what the server sends. Mounted in the team view (the team
// chosen) and the planner view (every team).

import { apiFetch, query } from './api.js';
import { rowsOf } from './endpoints.js';
import { date, lang, num, t } from './i18n.js';
import { h, inlineError, loading, sortableTable } from './ui.js';
import { wireViews } from './viewwire.js';
import { mayReadForecasts } from './forecast.js';
import './reports.css';

const PATH = '/api/v1/reports/diary-sample';
const SIZES = [5, 10, 20, 50];

/** newSeed is a random seed for the next draw. */
const newSeed = () => {
  const a = new Uint32Array(1);
  crypto.getRandomValues(a);
  return a[0] % 2147483647 + 1;
};

const timeText = (s) => {
  if (!s) return '—';
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return String(s);
  return new Intl.DateTimeFormat(lang(), {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', timeZone: 'Asia/Shanghai',
  }).format(d);
};

function columns(app, rows) {
  const teamName = (code) => app.team?.teams?.find((x) => x.code === code)?.name || code;
  const withHouseholds = rows.some((r) => r.household);
  const withIds = rows.some((r) => r.visit_id);
  return [
    { key: 'team', label: t('sc.col.team'), value: (r) => teamName(r.team), render: (r) => teamName(r.team) },
    { key: 'member_name', label: t('col.member'), render: (r) => r.member_name || r.member_code },
    // Where, in words a checker can say on the phone, beside the codes.
    { key: 'town_name', label: t('sc.col.town'), render: (r) => r.town_name || r.town_code || '—' },
    { key: 'village_name', label: t('sc.col.villageName'), render: (r) => r.village_name || '—' },
    { key: 'village_code', label: t('sc.col.village'), render: (r) => r.village_code || '—' },
    ...(withHouseholds ? [{ key: 'household', label: t('col.household'), render: (r) => r.household || '—' }] : []),
    ...(withIds ? [{ key: 'visit_id', label: t('sc.col.visitId'), render: (r) => r.visit_id || '—' }] : []),
    { key: 'kind', label: t('sc.col.kind'), render: (r) => t(`diary.kind.${r.kind}`) },
    { key: 'occurred_at', label: t('sc.col.occurred'), render: (r) => timeText(r.occurred_at) },
    { key: 'recorded_at', label: t('sc.col.recorded'), render: (r) => timeText(r.recorded_at) },
    { key: 'metres_from_household', label: t('sc.col.metres'), numeric: true, value: (r) => r.metres_from_household ?? -1,
      render: (r) => (r.has_location ? num(r.metres_from_household) : t('sc.flag.no_location')) },
    { key: 'notes_chars', label: t('sc.col.notes'), numeric: true, render: (r) => num(r.notes_chars) },
    { key: 'flags', label: t('sc.col.flags'), value: (r) => (r.flags || []).length,
      render: (r) => ((r.flags || []).length ? h('span', { class: 'sc-flags' }, r.flags.map((f) => t(`sc.flag.${f}`)).join('、')) : '—') },
  ];
}

/**
 * mountSpotCheck puts a spot-check section at the end of parent; team()
 * names the team or '' for every team, null for none yet. With picker, the
 * section has its own team list (the planner's: every team, or one).
 */
function mountSpotCheck(app, parent, id, { team, pickFirst, n = 10, picker = false }) {
  const title = h('h2', { id: `${id}-title` });
  const hint = h('p', { class: 'muted' });
  const nSel = h('select', { id: `${id}-n` }, SIZES.map((x) => h('option', { value: String(x), selected: x === n }, String(x))));
  const teamSel = picker ? h('select', { id: `${id}-team` }) : null;
  const teamLabel = picker ? h('label', { for: teamSel.id }) : null;
  const nLabel = h('label', { for: nSel.id });
  const again = h('button', { type: 'button', id: `${id}-new` });
  const print = h('button', { type: 'button', id: `${id}-print` });
  const csv = h('a', { id: `${id}-csv`, download: '', hidden: true });
  const meta = h('p', { class: 'muted sc-meta', id: `${id}-meta`, 'aria-live': 'polite' });
  const box = h('div', { id, class: 'table-wrap' });
  const section = h('section', { class: 'group spotcheck', 'aria-labelledby': title.id, id: `${id}-section` },
    title, hint, h('div', { class: 'sc-controls' }, teamLabel, teamSel, nLabel, nSel, again, print), meta, csv, box);
  parent.append(section);

  let pickerTeams = [];
  const state = { seed: newSeed(), rows: null, err: null, from: '', to: '', loaded: '', sort: null };
  let req = 0;
  const params = () => {
    const tm = picker ? teamSel.value : team();
    if (tm === null) return null;
    return { team: tm || undefined, n: nSel.value, seed: String(state.seed), from: app.window.from, to: app.window.to };
  };
  const csvHref = (p) => `${PATH}${query({ ...p, format: 'csv', ...(lang().startsWith('zh') ? { lang: 'zh' } : {}) })}`;

  const table = (sortable) => sortableTable({
    columns: columns(app, state.rows),
    rows: state.rows,
    sort: state.sort,
    caption: t('sc.title'),
    rowKey: (r) => `${r.team}/${r.member_code}/${r.occurred_at}`,
    onSort: sortable ? (s) => {
      state.sort = s;
      render();
      box.querySelector(`button.sort[data-key="${s.key}"]`)?.focus();
    } : undefined,
  });

  const render = () => {
    title.textContent = t('sc.title');
    hint.textContent = t('sc.hint');
    nLabel.textContent = t('sc.n');
    if (picker) {
      teamLabel.textContent = t('sc.team');
      const v = teamSel.value;
      teamSel.replaceChildren(h('option', { value: '' }, t('sc.allTeams')),
        ...pickerTeams.map((x) => h('option', { value: x.code }, x.name)));
      teamSel.value = v;
    }
    again.textContent = t('sc.new');
    print.textContent = t('sc.print');
    const p = params();
    if (!p) {
      box.replaceChildren(h('p', { class: 'muted' }, t(pickFirst)));
      meta.textContent = '';
      csv.hidden = true;
      print.disabled = true;
      return;
    }
    if (state.err) {
      box.replaceChildren(inlineError(state.err, t('sc.title')));
      csv.hidden = true;
      print.disabled = true;
      return;
    }
    if (!state.rows) {
      box.replaceChildren(loading());
      print.disabled = true;
      return;
    }
    const asked = JSON.parse(state.loaded);
    meta.textContent = t('sc.meta', {
      n: num(state.rows.length), seed: asked.seed, from: state.from ? date(`${state.from}T12:00:00+08:00`) : '—',
      to: state.to ? date(`${state.to}T12:00:00+08:00`) : '—',
    });
    csv.hidden = false;
    csv.textContent = t('sc.csv');
    csv.href = csvHref(asked);
    print.disabled = state.rows.length === 0;
    box.replaceChildren(state.rows.length ? table(true) : h('p', {}, t('sc.empty')));
  };

  const load = async (force = false) => {
    const p = params();
    if (!p) {
      render();
      return;
    }
    const key = JSON.stringify(p);
    if (!force && key === state.loaded) return; // shown, or on its way
    const my = ++req;
    Object.assign(state, { rows: null, err: null, loaded: key });
    render();
    try {
      const resp = await apiFetch(`${PATH}${query(p)}`);
      if (my !== req) return;
      state.rows = rowsOf(resp);
      state.from = resp?.from || '';
      // The answer's window is [from, to): the last day is the day before.
      state.to = resp?.to ? new Date(Date.parse(`${resp.to}T12:00:00+08:00`) - 86400000).toISOString().slice(0, 10) : '';
    } catch (err) {
      if (my !== req) return;
      state.err = err;
    }
    render();
  };
  again.addEventListener('click', () => {
    state.seed = newSeed();
    state.sort = null;
    load();
  });
  nSel.addEventListener('change', () => load());
  teamSel?.addEventListener('change', () => load());
  print.addEventListener('click', () => openPrint(section, title.textContent, meta.textContent, table(false)));
  render();
  const setTeams = (teams) => {
    pickerTeams = teams;
    render();
  };
  return { load, render, section, setTeams };
}

/**
 * openPrint shows the sample as a page of its own, with a column for the
 * checker's notes, and prints it; the map and panels stay out of the print.
 */
function openPrint(section, title, meta, table) {
  document.getElementById('spotcheck-print')?.remove();
  const head = table.querySelector('thead tr');
  head.append(h('th', { scope: 'col', class: 'sc-check' }, t('sc.col.check')));
  table.querySelectorAll('tbody tr').forEach((tr) => tr.append(h('td', { class: 'sc-check' }, '')));
  const close = () => {
    view.remove();
    document.body.classList.remove('printing-spotcheck');
    section.querySelector('button[id$="-print"]')?.focus();
  };
  const view = h('section', { id: 'spotcheck-print', class: 'spotcheck-print', 'aria-labelledby': 'spotcheck-print-title' },
    h('div', { class: 'print-actions' },
      h('button', { type: 'button', id: 'spotcheck-print-now', onclick: () => window.print() }, t('print.print')),
      h('button', { type: 'button', id: 'spotcheck-print-close', onclick: close }, t('print.close'))),
    h('h1', { id: 'spotcheck-print-title' }, title),
    h('p', { class: 'muted' }, meta),
    h('p', { class: 'muted' }, t('sc.printNote')),
    table);
  view.addEventListener('keydown', (e) => { if (e.key === 'Escape') close(); });
  document.body.append(view);
  document.body.classList.add('printing-spotcheck');
  view.querySelector('#spotcheck-print-close').focus();
}

/**
 * initSpotCheck mounts the spot check in the team view (the team chosen)
 * and the planner view (every team), for the roles it is for; each draws
 * its first sample when its view is first shown.
 */
export function initSpotCheck(app) {
  if (!mayReadForecasts(app.user)) return;
  const teamOf = () => {
    const tm = app.team?.team;
    if (!tm) return null;
    return tm.byTown ? null : tm.code;
  };
  const team = mountSpotCheck(app, document.getElementById('view-team'), 'spotcheck-team', { team: teamOf, pickFirst: 'team.pickFirst' });
  // Every team's entries by default: five each keeps the county's list short.
  const planner = mountSpotCheck(app, document.getElementById('view-planner'), 'spotcheck-planner', { n: 5, picker: true });
  // The team list comes with the team view's answer (app.teamList): then the picker has its teams.
  app.teamList?.().then((teams) => planner.setTeams(teams || []), () => {});
  wireViews(app, { planner, team });
  app.spotCheck = { planner, team };
}
