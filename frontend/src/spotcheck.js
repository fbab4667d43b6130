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
import { date, dateTime, lang, num, t } from './i18n.js';
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

/** mayRecord: the office (admin) and team leaders record what a check found (package spotcheck). */
export const mayRecord = (user) => !!user && Array.isArray(user.roles)
  && user.roles.some((r) => ['admin', 'team_leader'].includes(r));

const VERDICTS = ['ok', 'incomplete', 'failed'];

function columns(app, rows, record) {
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
    { key: 'occurred_at', label: t('sc.col.occurred'), render: (r) => dateTime(r.occurred_at) },
    { key: 'recorded_at', label: t('sc.col.recorded'), render: (r) => dateTime(r.recorded_at) },
    { key: 'metres_from_household', label: t('sc.col.metres'), numeric: true, value: (r) => r.metres_from_household ?? -1,
      render: (r) => (r.has_location ? num(r.metres_from_household) : t('sc.flag.no_location')) },
    { key: 'notes_chars', label: t('sc.col.notes'), numeric: true, render: (r) => num(r.notes_chars) },
    { key: 'flags', label: t('sc.col.flags'), value: (r) => (r.flags || []).length,
      render: (r) => ((r.flags || []).length ? h('span', { class: 'sc-flags' }, r.flags.map((f) => t(`sc.flag.${f}`)).join('、')) : '—') },
    ...(record ? [{ key: 'result', label: t('sc.col.result'), value: (r) => record.verdictOf(r) || '', render: (r) => record.cell(r) }] : []),
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
  const state = { seed: newSeed(), rows: null, err: null, from: '', to: '', loaded: '', sort: null, results: {} };
  const record = mayRecord(app.user) ? recorder(app, state, () => render()) : null;
  let req = 0;
  const params = () => {
    const tm = picker ? teamSel.value : team();
    if (tm === null) return null;
    return { team: tm || undefined, n: nSel.value, seed: String(state.seed), from: app.window.from, to: app.window.to };
  };
  const csvHref = (p) => `${PATH}${query({ ...p, format: 'csv', ...(lang().startsWith('zh') ? { lang: 'zh' } : {}) })}`;

  const table = (sortable) => sortableTable({
    columns: columns(app, state.rows, sortable ? record : null),
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
    Object.assign(state, { rows: null, err: null, loaded: key, results: {} });
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
    // The round's results already recorded for the entries drawn show in
    // place of their buttons, to be put right if need be.
    if (record && state.rows?.length) record.loadRound(state.rows, () => my === req);
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
 * recorder is the result column of a sample: a button per verdict, an
 * optional score and a note; the result is sent with the sample's seed and
 * window (the server records only an entry of the caller's own sample) and
 * shown in place, or the refusal in the page's language. The results the
 * current round already holds for the entries drawn show in place of their
 * buttons. Inside its round a result can be corrected by its checker or an
 * admin (the same controls, filled in, send the whole finding again) or
 * withdrawn (the entry can then be recorded anew).
 */
function recorder(app, state, rerender) {
  // send records a result, or corrects the one shown (editing).
  const send = async (r, verdict, cell) => {
    const asked = JSON.parse(state.loaded);
    const score = cell.querySelector('input[type=number]').value;
    const note = cell.querySelector('input[type=text]').value;
    const was = state.results[r.entry];
    const editing = was?.editing ? was.result : null;
    state.results[r.entry] = { ...was, sending: true };
    cell.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    const finding = { verdict, score: score === '' ? undefined : Number(score), note: note || undefined };
    try {
      const res = editing
        ? await apiFetch(`/api/v1/spot-checks/${editing.id}`, { method: 'PATCH', body: finding })
        : await apiFetch('/api/v1/spot-checks', {
          method: 'POST',
          body: { entry: r.entry, seed: Number(asked.seed), from: asked.from || undefined, to: asked.to || undefined, ...finding },
        });
      state.results[r.entry] = { result: res };
      app.spotCheck?.ranking?.load(true);
    } catch (err) {
      // What was typed stays in the fields to be sent again.
      state.results[r.entry] = { ...(editing ? { result: editing, editing: true } : {}), draft: { score, note }, err };
    }
    rerender();
  };
  const withdraw = async (r, cell) => {
    const got = state.results[r.entry];
    cell.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    try {
      await apiFetch(`/api/v1/spot-checks/${got.result.id}`, { method: 'DELETE' });
      delete state.results[r.entry];
      app.spotCheck?.ranking?.load(true);
    } catch (err) {
      state.results[r.entry] = { result: got.result, err };
    }
    rerender();
  };
  // loadRound shows the results of the current round recorded for the
  // sample's entries (by anyone the caller may see); fresh() says whether
  // the sample is still the one shown. Without them the buttons stay, and
  // a second result is refused in words.
  const loadRound = async (rows, fresh) => {
    let page;
    try {
      page = await apiFetch(`/api/v1/spot-checks${query({ round: 'current', limit: '500' })}`);
    } catch {
      return;
    }
    if (!fresh()) return;
    const drawn = new Set(rows.map((r) => r.entry));
    let found = false;
    for (const x of page?.rows || []) {
      if (drawn.has(x.entry) && !state.results[x.entry]) {
        state.results[x.entry] = { result: x };
        found = true;
      }
    }
    if (found) rerender();
  };
  // mayChange: the checker who recorded a result, or an admin, puts it right.
  const mayChange = (x) => (app.user?.roles || []).includes('admin')
    || (x.checked_by || '').toLowerCase() === (app.user?.user || '').toLowerCase();
  const cell = (r) => {
    const got = state.results[r.entry];
    if (got?.result && !got.editing) {
      const x = got.result;
      const shown = h('span', { class: `sc-result sc-verdict-${x.verdict}`, 'data-entry': r.entry },
        t('sc.recorded', { verdict: t(`sc.verdict.${x.verdict}`), round: num(x.round) }),
        x.score === null || x.score === undefined ? '' : ` · ${t('sc.scoreShort', { score: num(x.score) })}`,
        x.corrected_at ? ` · ${t('sc.corrected')}` : '',
        mayChange(x) ? '' : ` · ${t('sc.checkedBy', { who: x.checked_by })}`);
      const box = h('div', { class: 'sc-recorded', 'data-entry': r.entry }, shown, ' ');
      if (!mayChange(x)) return box;
      box.append(
        h('button', { type: 'button', class: 'sc-correct', onclick: () => {
          state.results[r.entry] = { result: x, editing: true };
          rerender();
        } }, t('sc.correct')),
        ' ',
        h('button', { type: 'button', class: 'sc-withdraw', onclick: () => withdraw(r, box) }, t('sc.withdraw')),
        got.err ? inlineError(got.err, t('sc.col.result')) : '');
      return box;
    }
    const editing = got?.editing ? got.result : null;
    const draft = got?.draft || { score: editing?.score ?? '', note: editing?.note || '' };
    const box = h('div', { class: 'sc-record', 'data-entry': r.entry });
    box.append(
      ...VERDICTS.map((v) => h('button', { type: 'button', class: `sc-verdict sc-verdict-${v}`, 'data-verdict': v,
        'aria-pressed': editing ? String(editing.verdict === v) : undefined,
        disabled: !!got?.sending, onclick: () => send(r, v, box) }, t(`sc.verdict.${v}`))),
      h('input', { type: 'number', min: '0', max: '100', step: '1', class: 'sc-score', 'aria-label': t('sc.score'), placeholder: t('sc.scorePlaceholder'),
        value: draft.score }),
      h('input', { type: 'text', maxlength: '1000', class: 'sc-note', 'aria-label': t('sc.note'), placeholder: t('sc.note'), value: draft.note }),
      editing ? h('button', { type: 'button', class: 'sc-cancel', onclick: () => {
        state.results[r.entry] = { result: editing };
        rerender();
      } }, t('sc.cancel')) : '',
      got?.err ? inlineError(got.err, t('sc.col.result')) : '');
    return box;
  };
  return { cell, loadRound, verdictOf: (r) => state.results[r.entry]?.result?.verdict };
}

const RANKING = '/api/v1/reports/spot-check-ranking';

const share = (v) => (v === null || v === undefined ? '—' : `${num(Math.round(v * 1000) / 10)}%`);
const mean = (v) => (v === null || v === undefined ? '—' : num(Math.round(v * 10) / 10));

function rankingColumns(app, members) {
  const teamName = (code) => app.team?.teams?.find((x) => x.code === code)?.name || code;
  return [
    { key: 'rank', label: t('sc.rank.col.rank'), numeric: true, render: (r) => num(r.rank) },
    members
      ? { key: 'member_name', label: t('col.member'), render: (r) => r.member_name || r.member_code }
      : { key: 'team', label: t('sc.col.team'), value: (r) => r.team_name || teamName(r.team), render: (r) => r.team_name || teamName(r.team) },
    members
      ? { key: 'meets_target', label: t('sc.rank.col.meets'), value: (r) => (r.meets_target ? 1 : 0), render: (r) => t(r.meets_target ? 'sc.rank.yes' : 'sc.rank.no') }
      : { key: 'members_meeting_target', label: t('sc.rank.col.meeting'), numeric: true,
        render: (r) => t('sc.rank.meeting', { n: num(r.members_meeting_target), of: num(r.members) }) },
    { key: 'entries_checked', label: t('sc.rank.col.checked'), numeric: true, render: (r) => num(r.entries_checked) },
    { key: 'ok', label: t('sc.verdict.ok'), numeric: true, render: (r) => num(r.ok) },
    { key: 'incomplete', label: t('sc.verdict.incomplete'), numeric: true, render: (r) => num(r.incomplete) },
    { key: 'failed', label: t('sc.verdict.failed'), numeric: true, render: (r) => num(r.failed) },
    { key: 'ok_share', label: t('sc.rank.col.okShare'), numeric: true, value: (r) => r.ok_share ?? -1, render: (r) => share(r.ok_share) },
    { key: 'mean_score', label: t('sc.rank.col.meanScore'), numeric: true, value: (r) => r.mean_score ?? -1, render: (r) => mean(r.mean_score) },
  ];
}

/**
 * mountRanking puts the spot check's ranking (抽查评比) at the end of
 * parent: the teams by their results in the window, and with team() the
 * team's members; a CSV of either from the server.
 */
function mountRanking(app, parent, id, { team }) {
  const title = h('h2', { id: `${id}-title` });
  const hint = h('p', { class: 'muted' });
  const csv = h('a', { id: `${id}-csv`, download: '', hidden: true });
  const box = h('div', { id, class: 'table-wrap' });
  const section = h('section', { class: 'group spotcheck-ranking', 'aria-labelledby': title.id, id: `${id}-section` }, title, hint, csv, box);
  parent.append(section);
  const state = { data: null, err: null, loaded: '', sort: { teams: null, members: null } };
  let req = 0;
  const params = () => {
    const tm = team ? team() : '';
    if (tm === null) return null;
    return { team: tm || undefined, from: app.window.from, to: app.window.to };
  };
  const table = (rows, members) => {
    const which = members ? 'members' : 'teams';
    return sortableTable({
      columns: rankingColumns(app, members), rows, sort: state.sort[which], caption: members ? t('sc.rank.members') : t('sc.rank.title'),
      rowKey: (r) => (members ? `${r.team}/${r.member_code}` : r.team),
      onSort: (srt) => {
        state.sort[which] = srt;
        render();
      },
    });
  };
  const render = () => {
    title.textContent = t('sc.rank.title');
    hint.textContent = t('sc.rank.hint');
    if (state.err) {
      box.replaceChildren(inlineError(state.err, t('sc.rank.title')));
      csv.hidden = true;
      return;
    }
    if (!state.data) {
      box.replaceChildren(params() ? loading() : '');
      csv.hidden = true;
      return;
    }
    const d = state.data;
    const asked = JSON.parse(state.loaded);
    csv.hidden = false;
    csv.textContent = t('sc.rank.csv');
    csv.href = `${RANKING}${query({ ...asked, format: 'csv', ...(lang().startsWith('zh') ? { lang: 'zh' } : {}) })}`;
    const parts = [h('p', { class: 'muted sc-meta' }, t('sc.rank.meta', { from: dayLabel(d.from), to: dayLabel(lastDay(d.to)) }))];
    parts.push((d.teams || []).length ? table(d.teams, false) : h('p', {}, t('sc.rank.empty')));
    if (d.team && (d.members || []).length) parts.push(h('h3', {}, t('sc.rank.members')), table(d.members, true));
    box.replaceChildren(...parts);
  };
  const load = async (force = false) => {
    const p = params();
    if (!p) {
      render();
      return;
    }
    const key = JSON.stringify(p);
    if (!force && key === state.loaded) return;
    const my = ++req;
    Object.assign(state, { data: null, err: null, loaded: key });
    render();
    try {
      const d = await apiFetch(`${RANKING}${query(p)}`);
      if (my !== req) return;
      state.data = d;
    } catch (err) {
      if (my !== req) return;
      state.err = err;
    }
    render();
  };
  render();
  return { load, render, section };
}

const dayLabel = (d) => (d ? date(`${d}T12:00:00+08:00`) : '—');
// The answer's window is [from, to): the last day is the day before.
const lastDay = (to) => (to ? new Date(Date.parse(`${to}T12:00:00+08:00`) - 86400000).toISOString().slice(0, 10) : '');

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
  // The ranking: every team in the planner view, the team's members too in the team view.
  const rankPlanner = mountRanking(app, document.getElementById('view-planner'), 'spotrank-planner', {});
  const rankTeam = mountRanking(app, document.getElementById('view-team'), 'spotrank-team', { team: teamOf });
  const view = wireViews(app, { planner: rankPlanner, team: rankTeam });
  const ranking = { load: (force) => (view() === 'team' ? rankTeam : rankPlanner).load(force) };
  app.spotCheck = { planner, team, ranking, rankPlanner, rankTeam };
}
