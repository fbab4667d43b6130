// The admins' view (its tab shows for admins only): the accounts with their
// roles and sign-in state, a form that adds an account with a one-time
// password, and the latest audit log events.

import { api } from './endpoints.js';
import { date, num, t } from './i18n.js';
import { describeError, h, inlineError, loading, sortableTable } from './ui.js';

const ROLES = ['planner', 'team_leader', 'gis', 'admin'];

/** onePassword makes a random 16-character password for a new account. */
function onePassword() {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const s = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
  return `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8, 12)}-${s.slice(12)}`;
}

const roleText = (app, g) => {
  const town = g.town ? app.towns.find((x) => x.code === g.town)?.name || g.town : '';
  const name = t(`urole.${g.role}`);
  return town ? `${name}（${town}）` : g.member ? `${name}（${g.member}）` : name;
};

const when = (iso) => (iso ? date(iso) : '—');
const time = (iso) => {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return new Intl.DateTimeFormat(document.documentElement.lang || 'zh-CN', {
    month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Asia/Shanghai',
  }).format(d);
};

export function initAdmin(app) {
  const isAdmin = Array.isArray(app.user?.roles) && app.user.roles.includes('admin');
  if (!isAdmin) return;
  document.getElementById('tab-admin').hidden = false;

  const usersEl = document.getElementById('admin-users');
  const auditEl = document.getElementById('admin-audit');
  const form = document.getElementById('admin-add');
  const roleSel = document.getElementById('admin-role');
  const townSel = document.getElementById('admin-town');
  const townRow = document.getElementById('admin-town-row');
  const result = document.getElementById('admin-result');
  const state = { users: null, usersErr: null, events: null, eventsErr: null, sort: { key: 'username', dir: 'asc' }, loaded: false };

  const renderRoles = () => {
    const v = roleSel.value || 'planner';
    roleSel.replaceChildren(...ROLES.map((r) => h('option', { value: r }, t(`urole.${r}`))));
    roleSel.value = v;
    const tv = townSel.value;
    townSel.replaceChildren(...app.towns.map((x) => h('option', { value: x.code }, `${x.name} ${x.code}`)));
    if (tv) townSel.value = tv;
    townRow.hidden = roleSel.value !== 'team_leader';
  };
  roleSel.addEventListener('change', () => { townRow.hidden = roleSel.value !== 'team_leader'; });

  const renderUsers = () => {
    if (state.usersErr) {
      usersEl.replaceChildren(inlineError(state.usersErr, t('admin.users')));
      return;
    }
    if (!state.users) {
      usersEl.replaceChildren(loading());
      return;
    }
    const columns = [
      { key: 'username', label: t('admin.user') },
      { key: 'roles', label: t('admin.roles'), value: (u) => (u.roles || []).map((g) => g.role).join(','), render: (u) => (u.roles || []).map((g) => roleText(app, g)).join('、') || '—' },
      {
        key: 'state', label: t('admin.state'),
        value: (u) => (u.disabled ? 2 : u.locked_until && new Date(u.locked_until) > new Date() ? 1 : 0),
        render: (u) => (u.disabled ? t('admin.disabled') : u.locked_until && new Date(u.locked_until) > new Date() ? t('admin.locked') : t('admin.active')),
      },
      { key: 'last_login_at', label: t('admin.lastLogin'), value: (u) => u.last_login_at || '', render: (u) => when(u.last_login_at) },
      { key: 'failed_logins', label: t('admin.failed'), numeric: true, render: (u) => num(u.failed_logins) },
    ];
    const table = sortableTable({
      columns, rows: state.users, sort: state.sort, caption: t('admin.users'), rowKey: (u) => u.username,
      onSort: (s) => {
        state.sort = s;
        renderUsers();
        usersEl.querySelector(`button.sort[data-key="${s.key}"]`)?.focus();
      },
    });
    table.id = 'admin-user-table';
    usersEl.replaceChildren(h('p', { class: 'muted' }, t('admin.count', { n: num(state.users.length) })), table);
  };

  const renderAudit = () => {
    if (state.eventsErr) {
      auditEl.replaceChildren(inlineError(state.eventsErr, t('admin.audit')));
      return;
    }
    if (!state.events) {
      auditEl.replaceChildren(loading());
      return;
    }
    const columns = [
      { key: 'at', label: t('admin.at'), render: (e) => time(e.at) },
      { key: 'actor', label: t('admin.actor') },
      { key: 'action', label: t('admin.action'), render: (e) => (t(`action.${e.action}`) === `action.${e.action}` ? e.action : t(`action.${e.action}`)) },
      { key: 'target', label: t('admin.target'), render: (e) => [e.target, e.rows !== undefined ? t('admin.rows', { n: num(e.rows) }) : ''].filter(Boolean).join(' · ') || '—' },
    ];
    const table = sortableTable({ columns, rows: state.events, caption: t('admin.audit'), rowKey: (e) => String(e.id) });
    table.id = 'admin-audit-table';
    auditEl.replaceChildren(table);
  };

  const load = async () => {
    state.loaded = true;
    Object.assign(state, { users: null, usersErr: null, events: null, eventsErr: null });
    renderUsers();
    renderAudit();
    await Promise.all([
      api.adminUsers().then((u) => { state.users = u; }, (err) => { state.usersErr = err; }).then(renderUsers),
      api.adminAudit(30).then((e) => { state.events = e; }, (err) => { state.eventsErr = err; }).then(renderAudit),
    ]);
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const submit = form.querySelector('button[type=submit]');
    const username = form.elements['admin-username'].value.trim();
    const role = roleSel.value;
    const grant = role === 'team_leader' ? { role, town: townSel.value } : { role };
    const password = onePassword();
    submit.disabled = true;
    result.hidden = false;
    result.className = 'muted';
    result.textContent = t('status.loading');
    try {
      await api.adminAddUser({ username, password, roles: [grant] });
      result.className = 'created';
      result.replaceChildren(
        h('span', {}, t('admin.created', { user: username })), ' ',
        h('code', { id: 'admin-password' }, password),
        h('span', { class: 'muted' }, ` ${t('admin.once')}`),
      );
      form.reset();
      townRow.hidden = true;
      load();
    } catch (err) {
      result.className = 'error';
      result.setAttribute('role', 'alert');
      result.textContent = describeError(err, t('admin.add'));
    } finally {
      submit.disabled = false;
    }
  });

  app.on('view', (v) => { if (v === 'admin' && !state.loaded) load(); });
  app.on('towns', renderRoles);
  app.on('lang', () => { renderRoles(); if (state.loaded) { renderUsers(); renderAudit(); } });
  renderRoles();
}
