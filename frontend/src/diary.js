// The "write diary" tab (写民情日记): a member (or a team leader, for a
// member of their team) writes a people's diary entry at the household, on a
// phone, where the network comes and goes. Every entry gets its id on the
// phone (app- and a UUID) and goes into a queue in localStorage before it is
// sent; the queue is sent in order whenever the page starts, the browser
// says it is back online, or every half minute while anything waits. The
// server lands an id once, so an entry sent twice (an answer lost on the
// way) is recorded once. Entries the server refuses (a wrong household
// number) stay in the queue, marked with the server's reason, until the
// writer fixes them in the form (edit) or discards them. A fixed entry keeps
// its id unless the refusal was a conflict: a 409 means the server holds
// that id with other content, so the fixed entry takes a new one. Opened
// offline (main.js bootOffline), nothing is sent until the session is
// confirmed (app.unverified; the 'verified' event).
// Below the form, the latest entries (the member's own), which also show on
// the map. mountDiary() runs before the tabs are wired, initDiary(app) once
// the user is known.

import { apiFetch, query } from './api.js';
import { api } from './endpoints.js';
import { dateTime, lang, num, onLangChange, t } from './i18n.js';
import { describeError, h, sortableTable } from './ui.js';
import { showPoints } from './points.js';
import { diaryEditor } from './diary-edit.js';

export const DIARY_KINDS = ['household_visit', 'enterprise_visit', 'project_site_visit', 'village_meeting', 'publicity_event', 'assistance_delivery'];
const RETRY_MS = 30000;
const WHEN_EXAMPLE = '2026-06-15 10:30';
const SOURCE = 'diary-entries';
const DIARY_POINT_PAINT = { 'circle-radius': 5, 'circle-color': '#ffffff', 'circle-stroke-color': '#000000', 'circle-stroke-width': 3 };

/** mayWriteDiary: members and team leaders keep the diary (admins may through the API). */
export const mayWriteDiary = (user) => Array.isArray(user?.roles) && user.roles.some((r) => r === 'member' || r === 'team_leader');

/** ownMembers lists the member codes the user holds a member role for. */
const ownMembers = (user) => (user?.grants || []).filter((g) => g.role === 'member' && g.member).map((g) => g.member);

/** entryID is a new entry's id: app- and a random UUID (getRandomValues works without https too). */
export function entryID() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `app-${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** The queue lives per user: another account on the same phone never sends it. */
const queueKey = (user) => `lianxin.diary.queue.${user?.user || ''}`;

function loadQueue(user) {
  try {
    const q = JSON.parse(localStorage.getItem(queueKey(user)) || '[]');
    return Array.isArray(q) ? q.filter((x) => x && x.entry && x.entry.id) : [];
  } catch {
    return [];
  }
}

function saveQueue(user, q) {
  localStorage.setItem(queueKey(user), JSON.stringify(q));
}

const when = (iso) => (iso ? dateTime(iso) : '—');

/**
 * localInput is an ISO time as the time field shows it ("2026-06-15 10:30"),
 * in the campaign's time (UTC+8, as imports read a time without a zone),
 * whatever the phone's own time zone.
 */
export function localInput(iso) {
  const d = iso instanceof Date ? iso : new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return '';
  const c = new Date(d.getTime() + CAMPAIGN_OFFSET_MS);
  const p = (n) => String(n).padStart(2, '0');
  return `${c.getUTCFullYear()}-${p(c.getUTCMonth() + 1)}-${p(c.getUTCDate())} ${p(c.getUTCHours())}:${p(c.getUTCMinutes())}`;
}

/** CAMPAIGN_OFFSET_MS is the campaign's time zone, UTC+8 (China has no summer time). */
export const CAMPAIGN_OFFSET_MS = 8 * 3600 * 1000;

// The time field is a text field, not a datetime-local input: Chromium draws
// that one's placeholder and order (mm/dd/yyyy, --:-- --) in the browser's
// language, whatever the page's; a member whose phone is set to English
// would read an American date on a Chinese page. Typed as year-month-day
// hour:minute (a "T", slashes or dots and a missing minute also do), read in
// the campaign's time (UTC+8), not the phone's: a phone set to another zone
// would otherwise move the visit by hours.
const TIME_TYPED = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]+(\d{1,2})(?::(\d{2}))?)?$/;

/** parseLocalInput reads the time field: a Date, null when empty, or NaN-dated when it is no time. */
export function parseLocalInput(text) {
  const s = String(text || '').trim();
  if (!s) return null;
  const m = TIME_TYPED.exec(s);
  if (!m) return new Date(NaN);
  const [y, mo, d, hh = 0, mm = 0] = m.slice(1).map((v) => (v === undefined ? undefined : Number(v)));
  const c = new Date(Date.UTC(y, mo - 1, d, hh, mm));
  // 2026-02-30 would roll over into March: refused, not moved.
  if (c.getUTCFullYear() !== y || c.getUTCMonth() !== mo - 1 || c.getUTCDate() !== d || c.getUTCHours() !== hh || mm > 59) return new Date(NaN);
  return new Date(c.getTime() - CAMPAIGN_OFFSET_MS);
}

/**
 * refusal says why the server refused an entry (or the list), in the
 * page's language: the refusal's reason and parameters (the error's
 * details) worded by diary.refusal.<reason>; without them, our sentence for
 * its kind alone — the server's English message never shows on a page in
 * another language.
 */
export function refusal(err) {
  const d = err?.details;
  if (d?.reason) {
    const sep = lang() === 'en' ? ', ' : '、';
    const vars = {};
    for (const [k, v] of Object.entries(d.params || {})) vars[k] = Array.isArray(v) ? v.join(sep) : v;
    if (d.reason === 'field_type') vars.want = t(`diary.want.${vars.want}`);
    const key = `diary.refusal.${d.reason}`;
    const s = t(key, vars);
    if (s !== key) return s;
  }
  const own = { not_found: 'diary.err.household', forbidden: 'diary.err.forbidden', conflict: 'diary.err.conflict', invalid: 'diary.err.invalid' }[err?.code];
  const detail = err?.message && lang() === 'en' ? ` (${err.message})` : '';
  return own ? t(own) + detail : describeError(err, t('view.diary'));
}

/** positionProblem says why the phone gave no position, in the page's language. */
const positionProblem = (code) => t(code === 'unsupported' ? 'diary.positionUnsupported' : `diary.position.${code}`);

/** mountDiary adds the tab and its empty panel; both stay hidden until initDiary. */
export function mountDiary() {
  const tab = h('button', {
    role: 'tab', id: 'tab-diary', 'aria-controls': 'view-diary', 'aria-selected': 'false',
    dataset: { view: 'diary', i18n: 'view.diary' }, tabindex: '-1', hidden: true,
  }, t('view.diary'));
  document.getElementById('tab-planner').after(tab);
  const panel = h('section', { id: 'view-diary', role: 'tabpanel', 'aria-labelledby': 'tab-diary', class: 'view', hidden: true });
  document.getElementById('sidebar-body').append(panel);
}

export function initDiary(app) {
  if (!mayWriteDiary(app.user)) return;
  const tab = document.getElementById('tab-diary');
  const panel = document.getElementById('view-diary');
  tab.hidden = false;
  const own = ownMembers(app.user);
  const needsMember = own.length !== 1; // a leader (or a user of several members) names the member
  // 更正/删除 on the listed entries the server lets this user change (diary-edit.js).
  // Only a user who may name another member gets the correction's member
  // field: a member corrects their own entries as themselves.
  const pickMember = needsMember || app.user.roles.some((r) => r === 'team_leader' || r === 'admin');
  const editor = diaryEditor({ reload: () => loadEntries(), pickMember, members: () => state.members });

  const state = {
    queue: loadQueue(app.user),
    sending: false,
    offline: Boolean(app.unverified),
    editing: null, // the refused queued entry open in the form: {id, keepID}
    // The entry saved from the form last, until it lands or is refused:
    // refused, it comes back into the form as typed (the writer fixes the
    // one field and sends it again in its place, not as a second entry).
    justSaved: '',
    position: null, // {lon, lat, acc}: for the entry in the form only, cleared when it is saved
    locating: false,
    positionError: '',
    notice: null, // the last result, one line: a function, so that it follows the language
    formError: '',
    entries: null, // the latest entries, or an Error
    pointsShown: 0, // how many of them are on the map
    members: [], // [{code, name}] for the leader's datalist
    // Entries landed whose views are not reloaded yet: the views reload
    // once the queue has nothing left to send, not after every round.
    unshown: 0,
  };

  // The form's fields keep what was typed across language switches and re-renders.
  const field = (id, el) => {
    el.id = id;
    return el;
  };
  const household = field('diary-household', h('input', { required: true, autocomplete: 'off', inputmode: 'numeric', maxlength: '64' }));
  const member = field('diary-member', h('input', { autocomplete: 'off', list: 'diary-members', maxlength: '64' }));
  const memberList = h('datalist', { id: 'diary-members' });
  // Once the team's members are known, a leader picks the member by name
  // (the same id: one of the two is in the form). The datalist alone was
  // filled but showed only while a code was typed, under a label asking
  // for a code; the typed code stays for when the list cannot be had.
  const memberPick = field('diary-member', h('select', {}));
  const memberValue = () => (state.members.length ? memberPick.value : member.value.trim());
  const kind = field('diary-kind', h('select', {}));
  const notes = field('diary-notes', h('textarea', { rows: '3', maxlength: '4000' }));
  const participants = field('diary-participants', h('input', { type: 'number', min: '0', max: '10000', step: '1', inputmode: 'numeric', value: '1' }));
  const collected = field('diary-collected', h('input', { type: 'number', min: '0', max: '10000', step: '1', inputmode: 'numeric', value: '0' }));
  const resolved = field('diary-resolved', h('input', { type: 'number', min: '0', max: '10000', step: '1', inputmode: 'numeric', value: '0' }));
  const petition = field('diary-petition', h('input', { type: 'checkbox' }));
  const dispute = field('diary-dispute', h('input', { type: 'checkbox' }));
  const occurred = field('diary-when', h('input', {
    // (No inputmode="numeric": a phone's number pad has no "-", ":" or space.)
    type: 'text', autocomplete: 'off', maxlength: '20', 'aria-describedby': 'diary-when-hint',
  }));

  // The sections stay put; the form is rebuilt only when the form changes
  // (language, position, an entry to fix). A round of sending, which comes
  // every half minute while anything waits, redraws the queue and the list
  // alone: rebuilding the form would take the focus from the field being
  // typed in, closing the phone's keyboard and cutting a Chinese input
  // method's composition short.
  const formSection = h('section', { class: 'group', 'aria-labelledby': 'diary-title' });
  const queueSection = h('section', { class: 'group', 'aria-labelledby': 'diary-queue-title' });
  const mineSection = h('section', { class: 'group', 'aria-labelledby': 'diary-mine-title' });
  // What became of the entry just saved, under the button where the writer's
  // eyes are (on a phone the queue below is off the screen).
  const noticeEl = h('p', { id: 'diary-notice', role: 'status', hidden: true });
  panel.replaceChildren(formSection, queueSection, mineSection);

  const fillMembers = () => {
    memberList.replaceChildren(...state.members.map((m) => h('option', { value: m.code }, m.name || m.code)));
    const picked = memberPick.value || member.value.trim();
    memberPick.replaceChildren(h('option', { value: '' }, t('diary.memberChoose')),
      ...state.members.map((m) => h('option', { value: m.code }, m.name ? t('diary.memberOption', { name: m.name, code: m.code }) : m.code)));
    memberPick.value = state.members.some((m) => m.code === picked) ? picked : '';
  };
  /** memberName is a member's name from the team's list, else the code. */
  const memberName = (code) => state.members.find((m) => m.code === code)?.name || code || '—';

  const keepFocus = (draw) => {
    const focused = document.activeElement?.id;
    draw();
    if (focused && document.getElementById(focused) && document.activeElement === document.body) document.getElementById(focused).focus();
  };

  const render = () => {
    // The entry being fixed may have gone meanwhile (sent again and landed, or discarded).
    if (state.editing && !state.queue.some((q) => q.entry.id === state.editing.id)) state.editing = null;
    occurred.placeholder = t('diary.whenPlaceholder');
    occurred.setAttribute('aria-invalid', String(state.formError === 'diary.whenInvalid'));
    const kindValue = kind.value || DIARY_KINDS[0];
    kind.replaceChildren(...DIARY_KINDS.map((k) => h('option', { value: k }, t(`diary.kind.${k}`))));
    kind.value = kindValue;
    fillMembers();
    const label = (forEl, key) => h('label', { for: forEl.id }, t(key));
    const check = (el, key) => h('label', { class: 'check' }, el, ' ', t(key));
    const position = state.locating ? t('diary.locating')
      : state.position ? t('diary.positionAt', { lon: state.position.lon.toFixed(6), lat: state.position.lat.toFixed(6), acc: num(Math.round(state.position.acc || 0)) })
        : state.positionError ? t('diary.positionFailed', { message: positionProblem(state.positionError) }) : t('diary.positionNone');
    const form = h('form', { id: 'diary-form', class: 'diary-form', novalidate: true, onsubmit: submit },
      label(household, 'diary.household'), household,
      needsMember && state.members.length ? [label(memberPick, 'diary.memberPick'), memberPick, h('p', { class: 'muted' }, t('diary.memberHint'))] : null,
      needsMember && !state.members.length ? [label(member, 'diary.member'), member, memberList, h('p', { class: 'muted' }, t('diary.memberHint'))] : null,
      label(kind, 'diary.kind'), kind,
      label(notes, 'diary.notes'), notes,
      h('div', { class: 'diary-numbers' },
        h('div', {}, label(participants, 'diary.participants'), participants),
        h('div', {}, label(collected, 'diary.collected'), collected),
        h('div', {}, label(resolved, 'diary.resolved'), resolved)),
      h('div', { class: 'diary-checks' }, check(petition, 'diary.petition'), check(dispute, 'diary.dispute')),
      label(occurred, 'diary.when'), occurred,
      h('p', { id: 'diary-when-hint', class: 'muted' }, t('diary.whenFormat', { example: WHEN_EXAMPLE })),
      h('fieldset', { class: 'diary-position' },
        h('legend', {}, t('diary.position')),
        h('p', { id: 'diary-position-text', class: 'muted', 'aria-live': 'polite' }, position),
        state.position ? h('p', { id: 'diary-position-once', class: 'muted' }, t('diary.positionOnce')) : null,
        h('button', { type: 'button', id: 'diary-locate', onclick: locate, disabled: state.locating }, t('diary.usePosition')),
        state.position ? h('button', { type: 'button', id: 'diary-unlocate', onclick: () => { state.position = null; render(); } }, t('diary.clearPosition')) : null),
      state.formError ? h('p', { class: 'error', role: 'alert', id: 'diary-form-error' }, t(state.formError, { example: WHEN_EXAMPLE })) : null,
      state.editing ? h('p', { id: 'diary-editing', class: 'warn' }, t('diary.editing'), ' ',
        h('button', { type: 'button', class: 'link', id: 'diary-edit-cancel', onclick: cancelEdit }, t('diary.editCancel'))) : null,
      editingWhy() ? h('p', { id: 'diary-editing-why', class: 'error', role: 'alert' }, t('diary.refusedWhy', { reason: editingWhy() })) : null,
      h('button', { type: 'submit', id: 'diary-submit', class: 'primary' }, t('diary.submit')),
      noticeEl);
    keepFocus(() => formSection.replaceChildren(
      h('h2', { id: 'diary-title' }, t('diary.title')),
      h('p', { class: 'muted' }, t('diary.hint')),
      form));
    renderStatus();
  };

  /** editingWhy is the server's reason for the refused entry open in the form, in the page's language. */
  const editingWhy = () => {
    const q = state.editing && state.queue.find((x) => x.entry.id === state.editing.id);
    if (!q?.error) return '';
    return q.refusal ? refusal(q.refusal) : q.error;
  };

  /** renderStatus redraws what sending changes: the notice, the queue and the latest entries. */
  const renderStatus = () => {
    if (state.editing && !state.queue.some((q) => q.entry.id === state.editing.id)) {
      render(); // the entry being fixed has gone: the form says so
      return;
    }
    noticeEl.textContent = state.notice ? state.notice() : '';
    noticeEl.hidden = !state.notice;

    const waiting = state.queue.length;
    // Refused entries wait for the writer, not for the network: they are not "waiting to send".
    const refused = state.queue.filter((q) => q.error).length;
    const pending = waiting - refused;
    const queueState = state.sending ? t('diary.sending') : state.offline && pending ? t('diary.offline')
      : pending && refused ? t('diary.queueMixed', { n: num(pending), m: num(refused) })
        : refused ? t('diary.queueRefused', { n: num(refused) })
          : pending ? t('diary.queueCount', { n: num(pending) }) : t('diary.queueEmpty');
    const queue = [
      h('h2', { id: 'diary-queue-title', tabindex: '-1' }, t('diary.queue')),
      h('p', { id: 'diary-queue-state', class: (state.offline && pending) || refused ? 'warn' : 'muted', role: 'status', dataset: { waiting: String(waiting), refused: String(refused) } }, queueState),
      waiting ? h('ul', { id: 'diary-queue', class: 'diary-queue' }, state.queue.map((q) => h('li', { dataset: { id: q.entry.id, state: q.error ? 'rejected' : 'waiting' } },
        h('span', {}, `${q.entry.household} · ${t(`diary.kind.${q.entry.kind}`)} · ${when(q.entry.occurred_at)} · `),
        h('strong', {}, t(state.editing?.id === q.entry.id ? 'diary.state.editing' : q.error ? 'diary.state.rejected' : 'diary.state.waiting')),
        q.error ? h('span', { class: 'error' }, ` ${q.refusal ? refusal(q.refusal) : q.error} `) : null,
        // Ids, so that a focused button keeps the focus when sending redraws the queue (keepFocus).
        q.error ? h('button', { type: 'button', class: 'link', id: `diary-edit-${q.entry.id}`, dataset: { action: 'edit' }, onclick: () => edit(q.entry.id) }, t('diary.edit')) : null,
        q.error ? ' ' : null,
        q.error ? h('button', { type: 'button', class: 'link', id: `diary-discard-${q.entry.id}`, dataset: { action: 'discard' }, onclick: () => discard(q.entry.id) }, t('diary.discard')) : null))) : null,
      // Sending again what the server refused gets the same answer: those are fixed (edit) first.
      pending && !state.sending ? h('button', { type: 'button', id: 'diary-send-now', onclick: () => flush() }, t('diary.sendNow')) : null];

    let list;
    if (state.entries === null) list = h('p', { class: 'muted' }, t(app.unverified ? 'diary.mineOffline' : 'status.loading'));
    else if (state.entries instanceof Error) {
      // A refusal to list (a role without entries of its own and without
      // the household grant) says why; other failures as everywhere.
      list = h('p', { class: 'error', id: 'diary-entries-error' }, state.entries.details?.reason ? refusal(state.entries) : describeError(state.entries, t('diary.mine')));
    }
    else if (!state.entries.length) list = h('p', { class: 'muted' }, t('diary.mineEmpty'));
    else {
      // Labelled by the section's heading: a caption of the same words
      // was read (and copied) twice.
      list = sortableTable({
        rowKey: (r) => r.id,
        rows: state.entries,
        columns: [
          { key: 'occurred_at', label: t('diary.col.when'), render: (r) => when(r.occurred_at) },
          { key: 'household', label: t('diary.col.household') },
          // A leader's list holds the team's entries: who wrote each.
          ...(needsMember ? [{ key: 'member', label: t('diary.col.member'), value: (r) => memberName(r.member), render: (r) => memberName(r.member) }] : []),
          { key: 'kind', label: t('diary.col.kind'), render: (r) => t(`diary.kind.${r.kind}`) },
          {
            key: 'problems', label: t('diary.col.problems'), numeric: true,
            // collected/resolved, as the gap table shows them
            render: (r) => `${num(r.problems_collected)}/${num(r.problems_resolved)}`,
          },
          { key: 'notes', label: t('diary.col.notes'), render: (r) => (r.notes.length > 24 ? `${r.notes.slice(0, 24)}…` : r.notes) },
          ...(state.entries.some((r) => r.may_change) ? [editor.column()] : []),
        ],
        onRow: (r) => {
          if (r.lon !== undefined && app.map) app.map.map.flyTo({ center: [r.lon, r.lat], zoom: 16 });
        },
      });
      list.id = 'diary-entries';
      list.setAttribute('aria-labelledby', 'diary-mine-title');
    }
    keepFocus(() => {
      queueSection.replaceChildren(...queue.filter(Boolean)); // (replaceChildren writes a null as "null")
      mineSection.replaceChildren(h('h2', { id: 'diary-mine-title' }, t('diary.mine')), editor.status, h('div', { class: 'table-wrap' }, list));
    });
  };

  function locate() {
    if (!navigator.geolocation) {
      state.positionError = 'unsupported';
      render();
      return;
    }
    state.locating = true;
    state.positionError = '';
    render();
    // A fresh fix (maximumAge 0): one the phone kept from the last
    // household a minute ago would place this entry there.
    navigator.geolocation.getCurrentPosition((p) => {
      state.locating = false;
      state.position = { lon: p.coords.longitude, lat: p.coords.latitude, acc: p.coords.accuracy };
      render();
    }, (err) => {
      state.locating = false;
      state.position = null;
      // The browser's message is in the browser's language: ours, by its code.
      state.positionError = { 1: 'denied', 2: 'unavailable', 3: 'timeout' }[err.code] || 'unavailable';
      render();
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
  }

  const int = (el) => (el.value === '' ? 0 : Number(el.value));

  function submit(e) {
    e.preventDefault();
    state.formError = '';
    const code = household.value.trim();
    const who = needsMember ? memberValue() : '';
    // (Keys, said in the language of the moment.)
    if (!code) state.formError = 'diary.needHousehold';
    else if (needsMember && !who && !own.length) state.formError = 'diary.needMember';
    else if (int(resolved) > int(collected)) state.formError = 'diary.resolvedMore';
    else if (![participants, collected, resolved].every((el) => Number.isInteger(int(el)) && int(el) >= 0)) state.formError = 'diary.wholeNumbers';
    else if (Number.isNaN(parseLocalInput(occurred.value)?.getTime())) state.formError = 'diary.whenInvalid';
    if (state.formError) {
      render();
      return;
    }
    // The time is fixed now: an entry sent tomorrow still happened today.
    const editing = state.editing && state.queue.find((q) => q.entry.id === state.editing.id) ? state.editing : null;
    const at = editing && occurred.value.trim() === editing.occurredInput ? new Date(editing.occurredAt)
      : parseLocalInput(occurred.value) || new Date();
    const entry = {
      id: editing?.keepID ? editing.id : entryID(),
      household: code,
      kind: kind.value,
      notes: notes.value.trim(),
      participants: int(participants),
      problems_collected: int(collected),
      problems_resolved: int(resolved),
      petition_resolved: petition.checked,
      dispute_resolved: dispute.checked,
      occurred_at: at.toISOString(),
    };
    if (who) entry.member = who;
    if (state.position) {
      entry.lon = state.position.lon;
      entry.lat = state.position.lat;
    }
    if (editing) {
      // In the refused entry's place, which it replaces.
      state.queue = state.queue.map((q) => (q.entry.id === editing.id ? { entry, queuedAt: q.queuedAt } : q));
      state.editing = null;
    } else {
      state.queue.push({ entry, queuedAt: new Date().toISOString() });
    }
    saveQueue(app.user, state.queue);
    state.justSaved = entry.id;
    // A fresh form for the next household; the member stays. The position
    // was this household's: the next entry takes its own fix, or its
    // household's registered place.
    state.position = null;
    state.positionError = '';
    household.value = '';
    notes.value = '';
    collected.value = '0';
    resolved.value = '0';
    petition.checked = false;
    dispute.checked = false;
    occurred.value = '';
    const saved = entry.household;
    // Opened offline, nothing goes until the session is confirmed.
    state.notice = app.unverified ? () => t('diary.keptOffline', { household: saved }) : () => t('diary.saved', { household: saved });
    render(); // the form without its error, or the entry it was fixing
    // The notice under the button comes into view now (the time field's hint
    // made the form longer than a phone's screen), and again once sent.
    noticeEl.scrollIntoView?.({ block: 'nearest' });
    // Refused entries are not sent along: unchanged, they would be refused again.
    flush().then(() => document.getElementById('diary-notice')?.scrollIntoView({ block: 'nearest' }));
  }

  /**
   * edit opens a refused entry in the form. It keeps its id, unless the
   * server refused that id as taken (409): then the fixed entry is a new one.
   */
  function edit(id) {
    const q = state.queue.find((x) => x.entry.id === id);
    if (!q) return;
    const e = q.entry;
    // The time as it was, unless the writer changes it (the input shows minutes only).
    state.editing = { id, keepID: q.status !== 409, occurredAt: e.occurred_at, occurredInput: localInput(e.occurred_at) };
    household.value = e.household || '';
    if (needsMember) {
      member.value = e.member || '';
      memberPick.value = state.members.some((m) => m.code === e.member) ? e.member : '';
    }
    kind.value = e.kind;
    notes.value = e.notes || '';
    participants.value = String(e.participants ?? 1);
    collected.value = String(e.problems_collected ?? 0);
    resolved.value = String(e.problems_resolved ?? 0);
    petition.checked = Boolean(e.petition_resolved);
    dispute.checked = Boolean(e.dispute_resolved);
    occurred.value = state.editing.occurredInput;
    state.position = e.lon !== undefined ? { lon: e.lon, lat: e.lat, acc: 0 } : null;
    state.formError = '';
    render();
    household.focus();
    household.scrollIntoView({ block: 'nearest' });
  }

  function clearForm() {
    state.editing = null;
    state.position = null; // the refused entry's, which edit put in the form
    household.value = '';
    notes.value = '';
    participants.value = '1';
    collected.value = '0';
    resolved.value = '0';
    petition.checked = false;
    dispute.checked = false;
    occurred.value = '';
  }

  function cancelEdit() {
    clearForm();
    render();
  }

  /**
   * discard drops a refused entry. Its button goes with it, so the focus
   * moves on (else it falls to the page's body, and a keyboard or screen
   * reader user starts again from the top): to the next refused entry's
   * discard button, else the one before, else the queue's heading.
   */
  function discard(id) {
    // Discarded while open in the form: the form lets it go too (the
    // writer would otherwise send it again as a new entry).
    if (state.editing?.id === id) clearForm();
    const at = state.queue.findIndex((q) => q.entry.id === id);
    state.queue = state.queue.filter((q) => q.entry.id !== id);
    saveQueue(app.user, state.queue);
    const refused = (q) => Boolean(q.error);
    const next = state.queue.slice(Math.max(at, 0)).find(refused) || state.queue.slice(0, Math.max(at, 0)).reverse().find(refused);
    render();
    const target = (next && document.getElementById(`diary-discard-${next.entry.id}`)) || document.getElementById('diary-queue-title');
    target?.focus();
  }

  /**
   * flush sends the waiting entries in order, each until it lands or is
   * refused; a network failure stops the round (the rest wait for the
   * next). Refused entries wait for the writer: fixed in the form they are
   * sent again (all, for the browser tests, sends them unchanged too).
   * The latest entries, the map's tiles and every view of coverage reload
   * once, when nothing is left to send: a phone back online with 20 entries
   * (sent in several rounds when more are written meanwhile) reloads once,
   * not per round. A round stopped by the network keeps its count for the
   * round that empties the queue; one stopped otherwise (the day's entries
   * used up, the server down, the session over) reloads now, as the rest
   * may wait long.
   */
  async function flush(all = false) {
    if (state.sending) return;
    if (app.unverified) {
      // Opened offline: the session is asked first (main.js), then 'verified'.
      renderStatus();
      return;
    }
    const todo = state.queue.filter((q) => all || !q.error);
    if (!todo.length) {
      renderStatus();
      return;
    }
    state.sending = true;
    renderStatus();
    let landed = 0;
    let reopen = '';
    for (const q of todo) {
      try {
        const w = await apiFetch('/api/v1/diary', { method: 'POST', body: q.entry });
        state.offline = false;
        state.queue = state.queue.filter((x) => x.entry.id !== q.entry.id);
        if (state.justSaved === q.entry.id) state.justSaved = '';
        landed++;
        state.notice = () => t(w.created ? 'diary.sent' : 'diary.sentBefore', { household: w.household, kind: t(`diary.kind.${w.kind}`) });
      } catch (err) {
        if (err.kind === 'unreachable' || err.status >= 500 || err.status === 429 || err.kind === 'unauthorized') {
          // Offline, the server down, the account's entries for the day
          // used up (429) or the session over: all wait, none is refused.
          state.offline = err.kind === 'unreachable' || err.status === 502 || err.status === 504;
          const what = q.entry.household;
          if (state.offline) state.notice = () => t('diary.keptOffline', { household: what });
          else if (err.status === 429) state.notice = () => t('diary.tooMany', { household: what });
          else state.notice = () => describeError(err, t('view.diary'));
          break;
        }
        q.error = refusal(err);
        // The reason is said again in the page's language when it changes.
        q.refusal = { kind: err.kind, status: err.status, code: err.code, message: err.message, details: err.details };
        q.status = err.status;
        const what = q.entry.household;
        state.notice = () => t('diary.refusedNotice', { household: what });
        if (state.justSaved === q.entry.id) {
          state.justSaved = '';
          // Back into the form as typed, unless the writer has started the
          // next household's entry meanwhile (that stays; the refused one
          // waits under 待发送 with its 修改 button).
          if (!state.editing && !household.value.trim() && !notes.value.trim()) {
            reopen = q.entry.id;
            state.notice = () => t('diary.refusedKept', { household: what });
          }
        }
      }
      saveQueue(app.user, state.queue);
    }
    saveQueue(app.user, state.queue);
    state.sending = false;
    state.unshown += landed;
    if (reopen && state.queue.some((q) => q.entry.id === reopen)) edit(reopen);
    renderStatus();
    // Entries written while this round was sending go now, not in half a minute.
    const tried = new Set(todo.map((q) => q.entry.id));
    const stopped = state.queue.some((q) => !q.error && tried.has(q.entry.id));
    if (!stopped && state.queue.some((q) => !q.error)) {
      await flush();
      return;
    }
    if (state.unshown && (!stopped || !state.offline)) {
      const shown = state.unshown;
      state.unshown = 0;
      await loadEntries();
      // The map's tiles and every view of coverage follow the new entries,
      // as after an import (imports.js 'imported').
      app.map?.refreshTiles?.();
      app.emit('imported', { layer: 'visits', diary: shown });
    }
  }

  async function loadEntries() {
    try {
      const resp = await apiFetch(`/api/v1/diary${query({ limit: 20 })}`);
      state.entries = resp.entries || [];
    } catch (err) {
      if (err.kind === 'unreachable') state.offline = true;
      if (!Array.isArray(state.entries)) state.entries = err;
    }
    renderStatus();
    showOnMap();
  }

  /**
   * showOnMap draws the latest entries as points over the map, on the
   * diary tab only (elsewhere they explain nothing the view shows), with
   * their line in the legend. A white dot in a thick black ring: no class
   * of either colour ramp (the yellow they had was the ≥75 % class), nor
   * an overlay's colour.
   */
  function showOnMap() {
    const m = app.map?.map;
    if (!m || !Array.isArray(state.entries)) return;
    const data = {
      type: 'FeatureCollection',
      features: state.entries.filter((r) => r.lon !== undefined).map((r) => ({
        type: 'Feature', geometry: { type: 'Point', coordinates: [r.lon, r.lat] }, properties: { id: r.id, household: r.household },
      })),
    };
    state.pointsShown = data.features.length;
    showPoints(m, SOURCE, data, DIARY_POINT_PAINT, placePoints);
    placePoints();
  }

  /** placePoints shows the entries' points and their legend line on the diary tab, hides them elsewhere. */
  function placePoints() {
    const on = document.body.dataset.view === 'diary';
    const m = app.map?.map;
    if (m?.getLayer(SOURCE)) m.setLayoutProperty(SOURCE, 'visibility', on ? 'visible' : 'none');
    let item = document.getElementById('legend-diary');
    if (!item) {
      const legend = document.getElementById('legend');
      if (!legend) return;
      item = h('ul', { class: 'legend-classes', id: 'legend-diary', hidden: true },
        h('li', {}, h('span', { class: 'swatch diary-point', 'aria-hidden': 'true' }), h('span', { class: 'legend-diary-label' })));
      legend.after(item);
    }
    item.querySelector('.legend-diary-label').textContent = t('legend.diaryPoints');
    item.hidden = !(on && state.pointsShown);
  }

  async function loadMembers() {
    if (!needsMember) return;
    try {
      const towns = app.user?.towns || [];
      // The team view asks these on the same first load: share its answers.
      const teams = (await (app.teamList ? app.teamList() : api.teams())).filter((x) => !towns.length || towns.includes(x.town_code));
      const rows = (await Promise.all(teams.map((x) => (app.teamMembers ? app.teamMembers(x.code) : api.members({ team: x.code }))))).flat();
      // A member who has left the corps (left: before the report's last
      // day, today) takes no new entries: the server refuses them.
      state.members = rows.filter((r) => !r.left).map((r) => ({ code: r.member_code, name: r.member_name })).filter((r) => r.code);
      // The form trades the typed code for the pick; the list names the writers.
      keepFocus(render);
    } catch {
      // The code can still be typed.
    }
  }

  render();
  onLangChange(() => { render(); placePoints(); });
  app.on('view', placePoints);
  window.addEventListener('online', () => { state.offline = false; flush(); });
  window.addEventListener('offline', () => { state.offline = true; renderStatus(); });
  setInterval(() => { if (state.queue.some((q) => !q.error)) flush(); }, RETRY_MS);
  app.on('ready', () => { loadEntries(); loadMembers(); });
  app.on('verified', () => { state.offline = false; flush(); loadEntries(); loadMembers(); });
  flush();
  // For the browser tests and the curious.
  app.diary = {
    queue: () => state.queue.map((q) => ({ ...q })),
    flush: () => flush(true),
    reload: loadEntries,
    // enqueue adds an entry as written (its id too) and sends it.
    enqueue: (entry) => {
      state.queue.push({ entry, queuedAt: new Date().toISOString() });
      saveQueue(app.user, state.queue);
      return flush();
    },
  };
}
