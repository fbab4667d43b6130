// Correcting and deleting diary entries from the diary tab's list (更正 /
// 删除): an entry keyed with the wrong household, member or time is
// corrected under its own id (its figures and flags too) (PATCH /api/v1/diary/{id}) or withdrawn
// (DELETE). The server says per entry whether the signed-in user may change
// it (may_change: a member their own within a week of writing, a team leader
// their town's, an admin any); only those rows get the buttons, and the
// server's rule still decides. Each change asks for confirmation first and
// is kept in the audit log. Times are read and shown in the campaign's time
// (UTC+8), as the form's are. The member field shows only to a user who
// may name another member (a team leader or an admin, or a user holding
// several member roles): a member corrects their own entries, as
// themselves, and the server refuses them another member (member_self_only).

import { apiFetch } from './api.js';
import { dateTime, t } from './i18n.js';
import { h } from './ui.js';
import { DIARY_KINDS, localInput, parseLocalInput, refusal } from './diary.js';

const entryPath = (id) => `/api/v1/diary/${encodeURIComponent(id)}`;

/**
 * diaryEditor makes the list's actions column and the status line that
 * reports what was changed; reload is called after a change so that the
 * list (and the map) show the entries as stored. pickMember says whether
 * the correction dialog offers the member field; members() is the team's
 * [{code, name}] once known (a list to pick from instead of a typed code).
 */
export function diaryEditor({ reload, pickMember = false, members = () => [] }) {
  const status = h('p', { id: 'diary-change-status', role: 'status', 'aria-live': 'polite', class: 'muted', hidden: true });
  const say = (cls, text) => {
    status.hidden = false;
    status.className = cls;
    status.textContent = text;
  };
  let dialog = null;

  async function remove(entry) {
    const vars = { household: entry.household || '—', when: dateTime(entry.occurred_at) };
    if (!window.confirm(t('diary.confirmDelete', vars))) return;
    try {
      await apiFetch(entryPath(entry.id), { method: 'DELETE' });
      say('muted', t('diary.deleted', vars));
      await reload();
    } catch (err) {
      say('error', t('diary.changeFailed', { message: refusal(err) }));
    }
  }

  function correct(entry) {
    dialog?.remove();
    const input = (id, value, attrs = {}) => h('input', { id, value: value ?? '', autocomplete: 'off', ...attrs });
    const household = input('diary-correct-household', entry.household, { maxlength: 64 });
    // A leader picks from the team's members when they are known (the
    // entry's own member stays among them even if moved off the team).
    const team = members();
    let member = null;
    if (pickMember && team.length) {
      const codes = team.some((m) => m.code === entry.member) ? team : [{ code: entry.member, name: '' }, ...team];
      member = h('select', { id: 'diary-correct-member' }, ...codes.map((m) => h('option', { value: m.code, selected: m.code === entry.member },
        m.name ? t('diary.memberOption', { name: m.name, code: m.code }) : m.code)));
    } else if (pickMember) {
      member = input('diary-correct-member', entry.member, { maxlength: 64 });
    }
    const kind = h('select', { id: 'diary-correct-kind' },
      ...DIARY_KINDS.map((k) => h('option', { value: k, selected: k === entry.kind }, t(`diary.kind.${k}`))));
    const when = input('diary-correct-when', localInput(entry.occurred_at), { placeholder: t('diary.whenPlaceholder'), inputmode: 'numeric' });
    const notes = h('textarea', { id: 'diary-correct-notes', rows: 3, maxlength: 4000 });
    notes.value = entry.notes || '';
    // The figures and flags the form writes, correctable as the rest.
    const count = (id, value) => input(id, String(value ?? 0), { type: 'number', min: '0', max: '10000', step: '1', inputmode: 'numeric' });
    const participants = count('diary-correct-participants', entry.participants);
    const collected = count('diary-correct-collected', entry.problems_collected);
    const resolved = count('diary-correct-resolved', entry.problems_resolved);
    const flag = (id, on) => h('input', { id, type: 'checkbox', checked: Boolean(on) });
    const petition = flag('diary-correct-petition', entry.petition_resolved);
    const dispute = flag('diary-correct-dispute', entry.dispute_resolved);
    const reason = input('diary-correct-reason', '', { maxlength: 500 });
    const problem = h('p', { id: 'diary-correct-error', class: 'error', role: 'alert', hidden: true });
    const save = h('button', { type: 'submit', id: 'diary-correct-save' }, t('diary.correctSave'));
    const cancel = h('button', { type: 'button', id: 'diary-correct-cancel', onclick: () => dialog.close() }, t('diary.correctCancel'));
    const row = (el, key) => h('div', {}, h('label', { for: el.id }, t(key)), el);
    const check = (el, key) => h('div', {}, h('label', { class: 'check' }, el, ' ', t(key)));
    const form = h('form', { id: 'diary-correct-form', method: 'dialog', class: 'admin-form', novalidate: true },
      h('h2', {}, t('diary.correctTitle', { household: entry.household || '—', when: dateTime(entry.occurred_at) })),
      h('p', { class: 'muted' }, t('diary.correctHint')),
      row(household, 'diary.col.household'), member ? row(member, 'diary.col.member') : null, row(kind, 'diary.col.kind'),
      row(when, 'diary.correctWhen'), row(notes, 'diary.col.notes'),
      h('div', { class: 'diary-numbers' }, row(participants, 'diary.participants'), row(collected, 'diary.collected'), row(resolved, 'diary.resolved')),
      h('div', { class: 'diary-checks' }, check(petition, 'diary.petition'), check(dispute, 'diary.dispute')),
      row(reason, 'diary.correctReason'),
      problem, h('div', {}, save, ' ', cancel));
    dialog = h('dialog', { id: 'diary-correct', 'aria-labelledby': 'diary-correct-title' }, form);
    form.querySelector('h2').id = 'diary-correct-title';
    document.body.append(dialog);
    const fail = (text) => {
      problem.hidden = false;
      problem.textContent = text;
    };
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      problem.hidden = true;
      const body = {};
      const changes = [];
      const change = (field, key, before, after, sent = after) => {
        if (String(before ?? '') === String(after ?? '')) return;
        body[field] = sent;
        changes.push(`${t(key)}：${before || '—'} → ${after || '—'}`);
      };
      change('household', 'diary.col.household', entry.household, household.value.trim());
      if (member) change('member', 'diary.col.member', entry.member, member.value.trim());
      if (kind.value !== entry.kind) change('kind', 'diary.col.kind', t(`diary.kind.${entry.kind}`), t(`diary.kind.${kind.value}`), kind.value);
      const typed = when.value.trim();
      if (typed !== localInput(entry.occurred_at)) {
        const at = parseLocalInput(typed);
        if (!at || Number.isNaN(at.getTime())) {
          fail(t('diary.whenInvalid', { example: localInput(entry.occurred_at) }));
          return;
        }
        change('occurred_at', 'diary.col.when', dateTime(entry.occurred_at), dateTime(at), at.toISOString());
      }
      change('notes', 'diary.col.notes', entry.notes, notes.value.trim());
      // The form's own rules and words (diary.js submit): whole numbers, no
      // more resolved than collected.
      const n = (el) => (el.value.trim() === '' ? 0 : Number(el.value));
      if (![participants, collected, resolved].every((el) => Number.isInteger(n(el)) && n(el) >= 0 && n(el) <= 10000)) {
        fail(t('diary.wholeNumbers'));
        return;
      }
      if (n(resolved) > n(collected)) {
        fail(t('diary.resolvedMore'));
        return;
      }
      const figure = (field, key, before, after) => change(field, key, String(before ?? 0), String(after), after);
      figure('participants', 'diary.participants', entry.participants, n(participants));
      figure('problems_collected', 'diary.collected', entry.problems_collected, n(collected));
      figure('problems_resolved', 'diary.resolved', entry.problems_resolved, n(resolved));
      const yes = (v) => t(v ? 'yes' : 'no');
      const flagged = (field, key, before, el) => {
        if (Boolean(before) !== el.checked) change(field, key, yes(before), yes(el.checked), el.checked);
      };
      flagged('petition_resolved', 'diary.petition', entry.petition_resolved, petition);
      flagged('dispute_resolved', 'diary.dispute', entry.dispute_resolved, dispute);
      if (!changes.length) {
        fail(t('diary.noChange'));
        return;
      }
      if (reason.value.trim()) body.reason = reason.value.trim();
      if (!window.confirm(t('diary.confirmCorrect', { changes: changes.join('\n') }))) return;
      save.disabled = true;
      try {
        const w = await apiFetch(entryPath(entry.id), { method: 'PATCH', body });
        dialog.close();
        say('muted', t('diary.corrected', { household: w.household || entry.household }));
        await reload();
      } catch (err) {
        fail(t('diary.changeFailed', { message: refusal(err) }));
      } finally {
        save.disabled = false;
      }
    });
    dialog.addEventListener('close', () => dialog?.remove());
    dialog.showModal();
    household.focus();
  }

  const button = (entry, action, key, onclick) => h('button', {
    type: 'button', class: 'link', id: `diary-${action}-${entry.id}`, dataset: { action },
    // The row's own click shows the entry on the map: not for its buttons.
    onclick: (ev) => {
      ev.stopPropagation();
      onclick(entry);
    },
  }, t(key));

  /** column is the list's actions column: 更正 and 删除 on the rows the server lets the user change. */
  const column = () => ({
    key: 'actions',
    label: t('diary.col.actions'),
    value: () => 0,
    render: (r) => (r.may_change
      ? h('span', { class: 'diary-actions' }, button(r, 'correct', 'diary.correct', correct), ' ', button(r, 'delete', 'diary.delete', remove))
      : ''),
  });
  return { status, column };
}
