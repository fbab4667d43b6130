// Accounts in the web map, shared by the admin tab and the GIS tab: the
// wording of the server's account refusals in the page's language, and the
// API token panel (list, create — shown once, with a copy button and the
// expiry — and revoke), which the admin tab opens on any account and the
// GIS tab on the signed-in user's own (for QGIS and GDAL).

import { apiFetch } from './api.js';
import { date, lang, t } from './i18n.js';
import { describeError, h } from './ui.js';

const enc = encodeURIComponent;

/** ownTokens are the signed-in user's token routes; tokensOf(name) an admin's on an account. */
export const ownTokens = {
  list: async () => (await apiFetch('/api/v1/auth/tokens')).tokens || [],
  create: (body) => apiFetch('/api/v1/auth/tokens', { method: 'POST', body }),
  revoke: (id) => apiFetch(`/api/v1/auth/tokens/${enc(id)}`, { method: 'DELETE' }),
};
export const tokensOf = (name) => ({
  list: async () => (await apiFetch(`/api/v1/admin/users/${enc(name)}/tokens`)).tokens || [],
  create: (body) => apiFetch(`/api/v1/admin/users/${enc(name)}/tokens`, { method: 'POST', body }),
  revoke: (id) => apiFetch(`/api/v1/admin/users/${enc(name)}/tokens/${enc(id)}`, { method: 'DELETE' }),
});

/**
 * accountError says why the server refused an account change, in the
 * page's language: the refusal's reason and parameters (the error's
 * details, auth.Refusal) worded by admin.error.<reason>; without them, a
 * sentence for the error's code alone. The server's English message shows
 * only on the English page. A form mistake caught in the page (an Error
 * without kind) says itself.
 */
export function accountError(err, what) {
  if (!err?.kind) return err?.message || String(err);
  const d = err.details;
  if (d?.reason) {
    const vars = {};
    for (const [k, v] of Object.entries(d.params || {})) vars[k] = v;
    if (vars.role) vars.role = t(`urole.${vars.role}`) === `urole.${vars.role}` ? vars.role : t(`urole.${vars.role}`);
    const key = `admin.error.${d.reason}`;
    const s = t(key, vars);
    if (s !== key) return s;
  }
  const key = `admin.err.${err.code}`;
  if (err.code && t(key) !== key && err.kind !== 'unreachable' && err.kind !== 'unauthorized') {
    const detail = err.message && lang() === 'en' ? ` (${err.message})` : '';
    return t(key, { what }) + detail;
  }
  return describeError(err, what);
}

const EXPIRY_DAYS = [30, 90, 180, 365];

/**
 * tokenPanel builds the token list and form on routes (ownTokens or
 * tokensOf(name)); prefix makes the element ids unique; onChange runs
 * after a token is created or revoked. It returns the element, load(),
 * which (re)reads the list, and render(), which rewords it.
 */
export function tokenPanel(routes, prefix, { onChange } = {}) {
  const listEl = h('div', { id: `${prefix}-token-list`, class: 'table-wrap' });
  const resultEl = h('div', { id: `${prefix}-token-result`, 'aria-live': 'polite', hidden: true });
  const nameIn = h('input', { id: `${prefix}-token-name`, autocomplete: 'off', maxlength: 100, value: 'QGIS' });
  const daysSel = h('select', { id: `${prefix}-token-days` });
  const nameLabel = h('label', { for: `${prefix}-token-name` });
  const daysLabel = h('label', { for: `${prefix}-token-days` });
  const submit = h('button', { type: 'submit', id: `${prefix}-token-create` });
  const form = h('form', { class: 'admin-form token-form', id: `${prefix}-token-form` }, nameLabel, nameIn, daysLabel, daysSel, h('div', {}, submit));
  let tokens = null;
  let listErr = null;

  const showError = (err, what) => {
    resultEl.hidden = false;
    resultEl.className = 'error';
    resultEl.setAttribute('role', 'alert');
    resultEl.replaceChildren(accountError(err, what));
  };
  const state = (tk) => {
    if (tk.revoked_at) return t('token.revoked');
    if (new Date(tk.expires_at) <= new Date()) return t('token.expired');
    return t('token.live');
  };
  const renderList = () => {
    if (listErr) {
      listEl.replaceChildren(h('p', { class: 'error', role: 'alert' }, accountError(listErr, t('token.title'))));
      return;
    }
    if (!tokens) {
      listEl.replaceChildren(h('p', { class: 'muted loading', role: 'status' }, t('status.loading')));
      return;
    }
    if (!tokens.length) {
      listEl.replaceChildren(h('p', { class: 'muted' }, t('token.none')));
      return;
    }
    const head = h('tr', {}, ...['token.id', 'token.name', 'token.created', 'token.expires', 'token.lastUsed', 'token.state', 'admin.actions']
      .map((k) => h('th', { scope: 'col' }, t(k))));
    const rows = tokens.map((tk) => {
      const live = !tk.revoked_at && new Date(tk.expires_at) > new Date();
      let cell = '';
      if (live) {
        const b = h('button', { type: 'button', class: 'token-revoke', dataset: { id: String(tk.id) } }, t('token.revoke'));
        b.addEventListener('click', async () => {
          if (!window.confirm(t('token.confirmRevoke', { id: tk.id, name: tk.name || '—' }))) return;
          b.disabled = true;
          try {
            await routes.revoke(tk.id);
            resultEl.hidden = false;
            resultEl.className = 'muted';
            resultEl.removeAttribute('role');
            resultEl.replaceChildren(t('token.revokedDone', { id: tk.id }));
            load();
            onChange?.();
          } catch (err) {
            b.disabled = false;
            showError(err, t('token.revoke'));
          }
        });
        cell = b;
      }
      return h('tr', { dataset: { id: String(tk.id) } },
        h('td', {}, String(tk.id)), h('td', {}, tk.name || '—'), h('td', {}, date(tk.created_at)),
        h('td', {}, date(tk.expires_at)), h('td', {}, tk.last_used_at ? date(tk.last_used_at) : '—'),
        h('td', { class: 'token-state' }, state(tk)), h('td', {}, cell));
    });
    listEl.replaceChildren(h('table', { id: `${prefix}-token-table` }, h('thead', {}, head), h('tbody', {}, ...rows)));
  };

  const renderForm = () => {
    const v = daysSel.value || '90';
    daysSel.replaceChildren(...EXPIRY_DAYS.map((d) => h('option', { value: String(d) }, t('token.days', { n: d }))));
    daysSel.value = v;
    nameLabel.textContent = t('token.name');
    daysLabel.textContent = t('token.expiresIn');
    submit.textContent = t('token.create');
    renderList();
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    try {
      const tk = await routes.create({ name: nameIn.value.trim(), expires_days: Number(daysSel.value) });
      const secret = h('input', { type: 'text', readonly: true, value: tk.token, id: `${prefix}-token-secret`, class: 'url' });
      const copy = h('button', { type: 'button', id: `${prefix}-token-copy` }, t('gis.copy'));
      copy.addEventListener('click', async () => {
        secret.select();
        try {
          await navigator.clipboard.writeText(tk.token);
        } catch {
          document.execCommand?.('copy');
        }
        copy.textContent = t('gis.copied');
        setTimeout(() => { copy.textContent = t('gis.copy'); }, 1500);
      });
      resultEl.hidden = false;
      resultEl.className = 'created';
      resultEl.removeAttribute('role');
      resultEl.replaceChildren(
        h('p', {}, t('token.createdFor', { user: tk.username, expires: date(tk.expires_at) })),
        h('div', { class: 'copy-field' }, secret, copy),
        h('p', { class: 'muted' }, t('token.once')),
      );
      load();
      onChange?.();
    } catch (err) {
      showError(err, t('token.create'));
    } finally {
      submit.disabled = false;
    }
  });

  async function load() {
    tokens = null;
    listErr = null;
    renderList();
    try {
      tokens = await routes.list();
    } catch (err) {
      listErr = err;
    }
    renderList();
  }

  renderForm();
  return { el: h('div', { class: 'token-panel', id: `${prefix}-tokens` }, form, resultEl, listEl), load, render: renderForm };
}
