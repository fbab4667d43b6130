// The diary search tab (日记查询), for admins and team leaders: the office
// finds an older entry (one picked by the spot check, say) by its id,
// member, household, village, town, dates or words of its note, a page at
// a time (GET /api/v1/diary's filters), and corrects or deletes it with
// the diary tab's dialog (diary-edit.js) where the server says it may
// (may_change). What is listed is what the server lets the user see: a
// leader's towns; an admin's without the household grant, nothing (the
// refusal says why). Times are shown in China time (UTC+8).

import { apiFetch, query } from './api.js';
import { dateTime, num, t } from './i18n.js';
import { h, sortableTable } from './ui.js';
import { refusal } from './diary.js';
import { userTowns } from './endpoints.js';
import { diaryEditor } from './diary-edit.js';

const PAGE = 50;

/** maySearchDiary: admins and team leaders get the tab. */
export const maySearchDiary = (user) => Array.isArray(user?.roles) && user.roles.some((r) => r === 'admin' || r === 'team_leader');

/** mountDiarySearch adds the tab and its empty panel; both stay hidden until initDiarySearch. */
export function mountDiarySearch() {
  const tab = h('button', {
    role: 'tab', id: 'tab-diary-search', 'aria-controls': 'view-diary-search', 'aria-selected': 'false',
    dataset: { view: 'diary-search', i18n: 'view.diarySearch' }, tabindex: '-1', hidden: true,
  }, t('view.diarySearch'));
  (document.getElementById('tab-diary') || document.getElementById('tab-planner')).after(tab);
  const panel = h('section', { id: 'view-diary-search', role: 'tabpanel', 'aria-labelledby': 'tab-diary-search', class: 'view', hidden: true });
  document.getElementById('sidebar-body').append(panel);
}

/**
 * named shows a name with its code under it, small (the code is what a
 * filter or an import file takes; the name is what a leader reads); the
 * code alone when the server sent no name.
 */
const named = (name, code) => (name && code
  ? h('span', { class: 'named', title: code }, name, h('small', { class: 'code' }, code))
  : code || '—');

/** nextDay is the day after a date field's (the form's "to" is inclusive, the API's exclusive). */
function nextDay(d) {
  const x = new Date(`${d}T00:00:00Z`);
  x.setUTCDate(x.getUTCDate() + 1);
  return x.toISOString().slice(0, 10);
}

export function initDiarySearch(app) {
  if (!maySearchDiary(app.user)) return;
  const tab = document.getElementById('tab-diary-search');
  const panel = document.getElementById('view-diary-search');
  tab.hidden = false;
  const state = { filter: {}, offset: 0, page: null, error: null, loaded: false };
  const editor = diaryEditor({ reload: () => load(), pickMember: true });
  // The diary tab has an editor of its own: this one's status line is apart.
  editor.status.id = 'diary-search-status';

  const input = (id, attrs = {}) => h('input', { id, autocomplete: 'off', maxlength: 100, ...attrs });
  const f = {
    id: input('dsearch-id', { placeholder: 'V00007802' }),
    member: input('dsearch-member', { placeholder: 'M0001' }),
    household: input('dsearch-household'),
    village: input('dsearch-village'),
    town: h('select', { id: 'dsearch-town' }),
    from: h('input', { id: 'dsearch-from', type: 'date', min: '2020-01-01', max: '2099-12-31' }),
    to: h('input', { id: 'dsearch-to', type: 'date', min: '2020-01-01', max: '2099-12-31' }),
    q: input('dsearch-q'),
  };
  const labels = [];
  const row = (el, key) => {
    const l = h('label', { for: el.id });
    labels.push([l, key]);
    return h('div', {}, l, el);
  };
  const title = h('h2', { id: 'dsearch-title' });
  const hint = h('p', { class: 'muted' });
  const search = h('button', { type: 'submit', id: 'dsearch-submit' });
  const clear = h('button', { type: 'button', id: 'dsearch-clear' });
  const form = h('form', { id: 'dsearch-form', class: 'filter-form' },
    row(f.id, 'dsearch.id'), row(f.member, 'dsearch.member'), row(f.household, 'dsearch.household'), row(f.village, 'dsearch.village'),
    row(f.town, 'dsearch.town'), row(f.from, 'dsearch.from'), row(f.to, 'dsearch.to'), row(f.q, 'dsearch.q'),
    h('div', { class: 'filter-buttons' }, search, ' ', clear));
  const results = h('div', { id: 'dsearch-results', 'aria-live': 'polite' });
  panel.replaceChildren(h('section', { class: 'group', 'aria-labelledby': 'dsearch-title' }, title, hint, form, editor.status, results));

  // The towns the caller may search: a leader's own (the others would
  // answer "0 entries" without saying why), every town for the county's.
  const searchTowns = () => {
    const mine = userTowns(app.user);
    return (app.towns || []).filter((x) => !mine || mine.includes(x.code));
  };

  const renderForm = () => {
    title.textContent = t('dsearch.title');
    hint.textContent = t('dsearch.hint');
    for (const [l, key] of labels) l.textContent = t(key);
    const v = f.town.value;
    f.town.replaceChildren(h('option', { value: '' }, t('dsearch.allTowns')),
      ...searchTowns().map((x) => h('option', { value: x.code }, `${x.name} ${x.code}`)));
    f.town.value = v;
    search.textContent = t('dsearch.search');
    clear.textContent = t('dsearch.clear');
  };

  const render = () => {
    if (state.error) {
      const err = state.error;
      results.replaceChildren(h('p', { class: 'error', role: 'alert', id: 'dsearch-error' }, err.details?.reason ? refusal(err) : err.message));
      return;
    }
    if (!state.page) {
      results.replaceChildren(h('p', { class: 'muted' }, t('status.loading')));
      return;
    }
    const p = state.page;
    if (!p.entries.length) {
      results.replaceChildren(h('p', { class: 'muted', id: 'dsearch-count' }, t('dsearch.none')));
      return;
    }
    const table = sortableTable({
      rowKey: (r) => r.id,
      rows: p.entries,
      columns: [
        { key: 'occurred_at', label: t('diary.col.when'), render: (r) => dateTime(r.occurred_at) },
        { key: 'id', label: t('dsearch.col.id') },
        { key: 'member', label: t('diary.col.member'), value: (r) => r.member_name || r.member, render: (r) => named(r.member_name, r.member) },
        { key: 'household', label: t('diary.col.household'), render: (r) => r.household || '—' },
        { key: 'village', label: t('dsearch.col.village'), value: (r) => r.village_name || r.village, render: (r) => named(r.village_name, r.village) },
        { key: 'kind', label: t('diary.col.kind'), render: (r) => t(`diary.kind.${r.kind}`) },
        { key: 'problems', label: t('diary.col.problems'), numeric: true, render: (r) => `${num(r.problems_collected)}/${num(r.problems_resolved)}` },
        { key: 'notes', label: t('diary.col.notes'), render: (r) => (r.notes.length > 30 ? `${r.notes.slice(0, 30)}…` : r.notes) },
        ...(p.entries.some((r) => r.may_change) ? [editor.column()] : []),
      ],
      onRow: (r) => {
        if (r.lon !== undefined && app.map) app.map.map.flyTo({ center: [r.lon, r.lat], zoom: 16 });
      },
    });
    table.id = 'dsearch-table';
    table.setAttribute('aria-labelledby', 'dsearch-title');
    // The diary tab's list may show the same entries: its buttons keep their ids there.
    for (const b of table.querySelectorAll('button[id^="diary-"]')) b.id = `dsearch-${b.id.slice('diary-'.length)}`;
    const prev = h('button', { type: 'button', id: 'dsearch-prev', disabled: p.offset === 0 }, t('dsearch.prev'));
    const next = h('button', { type: 'button', id: 'dsearch-next', disabled: p.offset + p.entries.length >= p.total }, t('dsearch.next'));
    prev.addEventListener('click', () => { state.offset = Math.max(0, p.offset - PAGE); load(); });
    next.addEventListener('click', () => { state.offset = p.offset + PAGE; load(); });
    results.replaceChildren(
      h('p', { class: 'muted', id: 'dsearch-count' }, t('dsearch.total', { n: num(p.total), from: num(p.offset + 1), to: num(p.offset + p.entries.length) })),
      h('div', { class: 'table-wrap admin-table-box' }, table),
      h('div', { class: 'pager' }, prev, ' ', next));
  };

  // Others' entries need household access, and an account that is no
  // member wrote none: such an account is told so without asking (the
  // server's answer would be the same refusal, read_needs_grant).
  const readsSome = Boolean(app.user?.household_points) || (app.user?.roles || []).includes('member');
  async function load() {
    state.loaded = true;
    state.page = null;
    state.error = null;
    if (!readsSome) {
      state.error = { details: { reason: 'read_needs_grant' } };
      render();
      return;
    }
    render();
    try {
      state.page = await apiFetch(`/api/v1/diary${query({ ...state.filter, offset: state.offset || undefined, limit: PAGE })}`);
    } catch (err) {
      state.error = err;
    }
    render();
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = (el) => el.value.trim() || undefined;
    state.filter = {
      id: v(f.id), member: v(f.member), household: v(f.household), village: v(f.village), town: f.town.value || undefined,
      from: f.from.value || undefined, to: f.to.value ? nextDay(f.to.value) : undefined, q: v(f.q),
    };
    state.offset = 0;
    load();
  });
  clear.addEventListener('click', () => {
    form.reset();
    state.filter = {};
    state.offset = 0;
    load();
  });

  app.on('view', (view) => { if (view === 'diary-search' && !state.loaded) load(); });
  app.on('towns', renderForm);
  app.on('lang', () => { renderForm(); if (state.loaded) render(); });
  renderForm();
}
