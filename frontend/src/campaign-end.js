// The campaign's last day in the admin view (PATCH /api/v1/campaign): the
// forecast judges every village against it unless a report names its own
// end, and without one it takes a year after the start. Setting or clearing
// it writes an audit line (campaign_end), as `lianxin campaign --ends-on`
// does.

import { apiFetch } from './api.js';
import { date, t } from './i18n.js';
import { api } from './endpoints.js';
import { describeError, h } from './ui.js';

const day = (d) => date(`${d}T12:00:00+08:00`);

/**
 * campaignEndSection is the admin view's section for the campaign's last
 * day; onChange runs after a change is saved (the audit list reloads).
 */
export function campaignEndSection(app, { onChange } = {}) {
  const title = h('h2', { id: 'admin-campaign-title' }, t('admin.campaignTitle'));
  const hint = h('p', { class: 'muted', id: 'admin-campaign-hint' });
  const label = h('label', { for: 'admin-campaign-end' }, t('admin.campaignEnd'));
  const input = h('input', { type: 'date', id: 'admin-campaign-end' });
  const save = h('button', { type: 'submit', id: 'admin-campaign-save' }, t('admin.campaignSave'));
  const clear = h('button', { type: 'button', id: 'admin-campaign-clear' }, t('admin.campaignClear'));
  const result = h('p', { id: 'admin-campaign-result', 'aria-live': 'polite', hidden: true });
  const form = h('form', { id: 'admin-campaign', class: 'admin-form' }, label, input, h('div', {}, save, ' ', clear));
  const el = h('section', { class: 'group', 'aria-labelledby': 'admin-campaign-title' }, title, hint, form, result);
  let cp = null;
  let said = null; // the last result: [class, key, vars] or an error

  const render = () => {
    title.textContent = t('admin.campaignTitle');
    label.textContent = t('admin.campaignEnd');
    save.textContent = t('admin.campaignSave');
    clear.textContent = t('admin.campaignClear');
    if (cp) {
      hint.textContent = t(cp.ends_on ? 'admin.campaignHint' : 'admin.campaignHintNone', {
        start: day(cp.starts_on), end: cp.ends_on ? day(cp.ends_on) : '',
      });
      input.min = cp.starts_on;
      clear.disabled = !cp.ends_on;
    }
    if (said) {
      result.hidden = false;
      result.className = said.err ? 'error' : 'ok';
      if (said.err) result.setAttribute('role', 'alert');
      else result.removeAttribute('role');
      result.textContent = said.err ? describeError(said.err, t('admin.campaignTitle')) : t(said.key, said.vars);
    }
  };
  const send = async (endsOn) => {
    save.disabled = true;
    try {
      cp = await apiFetch('/api/v1/campaign', { method: 'PATCH', body: { ends_on: endsOn } });
      app.campaign = { ...app.campaign, ...cp };
      input.value = cp.ends_on || '';
      said = cp.ends_on ? { key: 'admin.campaignSaved', vars: { end: day(cp.ends_on) } } : { key: 'admin.campaignCleared', vars: {} };
      onChange?.();
    } catch (err) {
      said = { err };
    } finally {
      save.disabled = false;
      render();
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    send(input.value || null);
  });
  clear.addEventListener('click', () => send(null));
  app.on('lang', render);
  api.campaign().then((c) => {
    cp = c;
    input.value = c.ends_on || '';
    render();
  }, (err) => { said = { err }; render(); });
  render();
  return el;
}
