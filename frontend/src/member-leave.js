// A member's last day in the corps in the admin view (PATCH
// /api/v1/admin/members/{code}): set it, or clear it to have them serve
// again. The answer names the member and the day before and after; a
// refusal (an unknown member, a day before their latest diary entry) is
// worded from its reason in the page's language. The members table's
// trigger writes the audit line (member_left), so the audit list reloads.

import { apiFetch } from './api.js';
import { date, t } from './i18n.js';
import { describeError, h } from './ui.js';

const day = (d) => date(`${d}T12:00:00+08:00`);

/**
 * memberLeaveSection is the admin view's section for a member's last day;
 * onChange runs after a change is saved; members, when given, answers the
 * members to pick from ({code, label}, or a promise of them), asked when
 * the field is focused.
 */
export function memberLeaveSection(app, { onChange, members } = {}) {
  const title = h('h2', { id: 'admin-left-title' });
  const hint = h('p', { class: 'muted', id: 'admin-left-hint' });
  const memberLabel = h('label', { for: 'admin-left-member' });
  const picks = h('datalist', { id: 'admin-left-members' });
  const member = h('input', {
    id: 'admin-left-member', autocomplete: 'off', placeholder: 'M0001', maxlength: 64, list: 'admin-left-members',
  });
  member.addEventListener('focus', async () => {
    const list = await Promise.resolve(members?.()).catch(() => null); // no list: the code is typed
    picks.replaceChildren(...(list || []).map((m) => h('option', { value: m.code }, m.label)));
  });
  const dayLabel = h('label', { for: 'admin-left-on' });
  const input = h('input', { type: 'date', id: 'admin-left-on' });
  const save = h('button', { type: 'submit', id: 'admin-left-save' });
  const clear = h('button', { type: 'button', id: 'admin-left-clear' });
  const result = h('p', { id: 'admin-left-result', 'aria-live': 'polite', hidden: true });
  const form = h('form', { id: 'admin-left', class: 'admin-form' },
    memberLabel, member, picks, dayLabel, input, h('div', {}, save, ' ', clear));
  const el = h('section', { class: 'group', 'aria-labelledby': 'admin-left-title' }, title, hint, form, result);
  // said is the last result, kept as data so a change of language
  // rewords it: {key, vars}, {standing}, or {err}.
  let said = null;

  const render = () => {
    title.textContent = t('admin.leftTitle');
    hint.textContent = t('admin.leftHint');
    memberLabel.textContent = t('admin.leftMember');
    dayLabel.textContent = t('admin.leftOn');
    save.textContent = t('admin.leftSave');
    clear.textContent = t('admin.leftClear');
    if (app.campaign?.starts_on) input.min = app.campaign.starts_on;
    if (!said) return;
    result.hidden = false;
    const bad = Boolean(said.err || said.key);
    result.className = bad ? 'error' : 'ok';
    if (bad) result.setAttribute('role', 'alert');
    else result.removeAttribute('role');
    if (said.err) result.textContent = describeError(said.err, t('admin.leftTitle'));
    else if (said.key) result.textContent = t(said.key);
    else {
      const m = said.standing;
      const shown = (d) => (d ? day(d) : t('admin.leftServing'));
      result.textContent = t('admin.leftDone', {
        name: m.name, member: m.member, was: shown(m.was_left_on), now: shown(m.left_on),
      });
    }
  };
  const send = async (leftOn) => {
    const code = member.value.trim();
    if (!code) {
      said = { key: 'admin.leftNeedMember' };
      render();
      member.focus();
      return;
    }
    save.disabled = true;
    clear.disabled = true;
    try {
      const m = await apiFetch(`/api/v1/admin/members/${encodeURIComponent(code)}`, {
        method: 'PATCH', body: { left_on: leftOn },
      });
      input.value = m.left_on || '';
      said = { standing: m };
      onChange?.();
    } catch (err) {
      said = { err };
    } finally {
      save.disabled = false;
      clear.disabled = false;
      render();
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!input.value) {
      said = { key: 'admin.leftNeedDay' };
      render();
      input.focus();
      return;
    }
    send(input.value);
  });
  clear.addEventListener('click', () => send(null));
  app.on('lang', render);
  render();
  return el;
}
