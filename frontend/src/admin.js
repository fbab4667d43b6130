// The admins' view (its tab shows for admins only): the accounts with their
// roles and sign-in state, buttons that disable, enable or give an account a
// new one-time password, a form that grants or revokes any role the API
// accepts (with the town a team leader needs, the member code a member
// needs), a form that adds an account with a one-time password, an
// account's API tokens (list, create, revoke: accounts.js), and the latest
// audit log events. The server's refusals are worded from their reason
// codes (accounts.js accountError), never shown in English on a zh page.

import { accountError, tokenPanel, tokensOf } from './accounts.js';
import { api } from './endpoints.js';
import { date, num, t } from './i18n.js';
import { h, loading, sortableTable } from './ui.js';

// ROLES can be given to a new account; GRANTS, every role and grant the API
// accepts (auth.Assignable), granted or revoked from the tab. team_leader
// names a town, member a member code (the account is that member's).
const ROLES = ['planner', 'team_leader', 'member', 'gis', 'admin'];
const GRANTS = [...ROLES, 'household_points', 'personal_fields'];

/**
 * grantFor is the API's {role, town?, member?} for a role and the form's
 * town and member code; a member grant without a code is refused here.
 * Revoking (forRevoke) a member role without a code takes every one.
 */
function grantFor(role, town, member, forRevoke = false) {
  // The town is chosen, never preselected: a leader of the wrong town sees
  // its households.
  if (role === 'team_leader' && !town && !forRevoke) throw new Error(t('admin.needTown'));
  if (role === 'team_leader') return town ? { role, town } : { role };
  if (role !== 'member') return { role };
  const code = member.trim();
  if (!code && !forRevoke) throw new Error(t('admin.needMember'));
  return code ? { role, member: code } : { role };
}

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
  // The member code of a new member account, built here beside the town.
  const memberIn = h('input', { id: 'admin-member', autocomplete: 'off', placeholder: 'M0001', maxlength: 64 });
  const memberLabel = h('label', { for: 'admin-member' }, t('admin.member'));
  const memberRow = h('div', { id: 'admin-member-row', hidden: true }, memberLabel, memberIn);
  townRow.after(memberRow);
  const result = document.getElementById('admin-result');
  const me = app.user.user;
  // userResult says what the last account button did (a new password, shown once).
  const userResult = h('p', { id: 'admin-user-result', 'aria-live': 'polite', hidden: true });
  const showResult = (cls, ...children) => {
    userResult.hidden = false;
    userResult.className = cls;
    if (cls === 'error') userResult.setAttribute('role', 'alert');
    else userResult.removeAttribute('role');
    userResult.replaceChildren(...children);
  };
  // The grant and revoke form, built here under the accounts.
  const gUser = h('select', { id: 'admin-grant-user' });
  const gRole = h('select', { id: 'admin-grant-role' });
  const gTown = h('select', { id: 'admin-grant-town' });
  const gTownRow = h('div', { hidden: true }, h('label', { for: 'admin-grant-town' }, t('planner.town')), gTown);
  const gMember = h('input', { id: 'admin-grant-member', autocomplete: 'off', placeholder: 'M0001', maxlength: 64 });
  const gMemberRow = h('div', { id: 'admin-grant-member-row', hidden: true }, h('label', { for: 'admin-grant-member' }, t('admin.member')), gMember);
  const gTitle = h('h2', { id: 'admin-grant-title' }, t('admin.grantTitle'));
  const gUserLabel = h('label', { for: 'admin-grant-user' }, t('admin.user'));
  const gRoleLabel = h('label', { for: 'admin-grant-role' }, t('admin.role'));
  const gGrant = h('button', { type: 'submit', id: 'admin-grant-submit' }, t('admin.grant'));
  const gRevoke = h('button', { type: 'button', id: 'admin-revoke-submit' }, t('admin.revoke'));
  const gForm = h('form', { id: 'admin-grant', class: 'admin-form' }, gUserLabel, gUser, gRoleLabel, gRole, gTownRow, gMemberRow, h('div', {}, gGrant, ' ', gRevoke));
  usersEl.closest('section').after(h('section', { class: 'group', 'aria-labelledby': 'admin-grant-title' }, gTitle, gForm));
  // The API tokens of the account chosen (for QGIS, GDAL and scripts).
  const tkUser = h('select', { id: 'admin-token-user' });
  const tkTitle = h('h2', { id: 'admin-token-title' }, t('token.titleAdmin'));
  const tkHint = h('p', { class: 'muted', id: 'admin-token-hint' }, t('token.adminHint'));
  const tkUserLabel = h('label', { for: 'admin-token-user' }, t('admin.user'));
  const tokens = tokenPanel({
    list: () => tokensOf(tkUser.value).list(),
    create: (b) => tokensOf(tkUser.value).create(b),
    revoke: (id) => tokensOf(tkUser.value).revoke(id),
  }, 'admin', { onChange: () => loadAudit() });
  tkUser.addEventListener('change', () => tokens.load());
  gForm.closest('section').after(h('section', { class: 'group', 'aria-labelledby': 'admin-token-title' },
    tkTitle, tkHint, h('div', { class: 'admin-form' }, tkUserLabel, tkUser), tokens.el));
  // showFields shows the town or member code field the chosen role needs.
  const showFields = () => {
    townRow.hidden = roleSel.value !== 'team_leader';
    memberRow.hidden = roleSel.value !== 'member';
    gTownRow.hidden = gRole.value !== 'team_leader';
    gMemberRow.hidden = gRole.value !== 'member';
  };
  gRole.addEventListener('change', showFields);
  const state = { users: null, usersErr: null, events: null, eventsErr: null, sort: { key: 'username', dir: 'asc' }, loaded: false };

  const renderRoles = () => {
    const v = roleSel.value || 'planner';
    roleSel.replaceChildren(...ROLES.map((r) => h('option', { value: r }, t(`urole.${r}`))));
    roleSel.value = v;
    const tv = townSel.value;
    townSel.replaceChildren(h('option', { value: '' }, t('admin.chooseTown')), ...app.towns.map((x) => h('option', { value: x.code }, `${x.name} ${x.code}`)));
    townSel.value = tv || '';
    const gv = gRole.value || 'planner';
    gRole.replaceChildren(...GRANTS.map((r) => h('option', { value: r }, t(`urole.${r}`))));
    gRole.value = gv;
    const gtv = gTown.value;
    gTown.replaceChildren(h('option', { value: '' }, t('admin.chooseTown')), ...app.towns.map((x) => h('option', { value: x.code }, `${x.name} ${x.code}`)));
    gTown.value = gtv || '';
    showFields();
    gTitle.textContent = t('admin.grantTitle');
    gUserLabel.textContent = t('admin.user');
    gRoleLabel.textContent = t('admin.role');
    gTownRow.querySelector('label').textContent = t('planner.town');
    gMemberRow.querySelector('label').textContent = t('admin.member');
    memberLabel.textContent = t('admin.member');
    gGrant.textContent = t('admin.grant');
    gRevoke.textContent = t('admin.revoke');
    tkTitle.textContent = t('token.titleAdmin');
    tkHint.textContent = t('token.adminHint');
    tkUserLabel.textContent = t('admin.user');
    tokens.render();
  };
  const renderGrantUsers = () => {
    const v = gUser.value;
    gUser.replaceChildren(...(state.users || []).map((u) => h('option', { value: u.username }, u.username)));
    if (v) gUser.value = v;
    const tv = tkUser.value;
    tkUser.replaceChildren(...(state.users || []).map((u) => h('option', { value: u.username }, u.username)));
    if (tv) tkUser.value = tv;
    if (tkUser.value && tkUser.value !== tv) tokens.load();
  };

  // act runs one account change, reports it and reloads the tab.
  const act = async (button, what, run) => {
    button.disabled = true;
    try {
      await run();
      load();
    } catch (err) {
      // A form mistake caught here (no kind) says itself; the API's errors are described.
      showResult('error', accountError(err, what));
    } finally {
      button.disabled = false;
    }
  };
  const toggle = (u, button) => {
    if (!u.disabled && !window.confirm(t('admin.confirmDisable', { user: u.username }))) return;
    act(button, t(u.disabled ? 'admin.enable' : 'admin.disable'), async () => {
      await api.adminSetDisabled(u.username, !u.disabled);
      showResult('muted', t(u.disabled ? 'admin.enabledDone' : 'admin.disabledDone', { user: u.username }));
    });
  };
  const reset = (u, button) => {
    if (!window.confirm(t('admin.confirmReset', { user: u.username }))) return;
    act(button, t('admin.resetPassword'), async () => {
      const { password } = await api.adminResetPassword(u.username);
      showResult('created', h('span', {}, t('admin.newPassword', { user: u.username })), ' ',
        h('code', { id: 'admin-new-password' }, password), h('span', { class: 'muted' }, ` ${t('admin.once')}`));
    });
  };
  const actions = (u) => {
    const self = u.username === me;
    const tb = h('button', {
      type: 'button', class: 'admin-toggle', dataset: { user: u.username }, disabled: self && !u.disabled,
      title: self && !u.disabled ? t('admin.self') : undefined,
    }, t(u.disabled ? 'admin.enable' : 'admin.disable'));
    tb.addEventListener('click', () => toggle(u, tb));
    const rb = h('button', { type: 'button', class: 'admin-reset', dataset: { user: u.username } }, t('admin.resetPassword'));
    rb.addEventListener('click', () => reset(u, rb));
    return h('span', { class: 'admin-actions' }, tb, ' ', rb);
  };
  const roleName = (g) => roleText(app, g);
  gForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const user = gUser.value;
    act(gGrant, t('admin.grant'), async () => {
      const g = grantFor(gRole.value, gTown.value, gMember.value);
      await api.adminGrant(user, g);
      showResult('muted', t('admin.granted', { user, role: roleName(g) }));
    });
  });
  gRevoke.addEventListener('click', () => {
    const user = gUser.value;
    act(gRevoke, t('admin.revoke'), async () => {
      const g = grantFor(gRole.value, gTown.value, gMember.value, true);
      await api.adminRevoke(user, g);
      showResult('muted', t('admin.revoked', { user, role: roleName(g) }));
    });
  });
  roleSel.addEventListener('change', showFields);

  const renderUsers = () => {
    if (state.usersErr) {
      usersEl.replaceChildren(h('p', { class: 'error', role: 'alert' }, accountError(state.usersErr, t('admin.users'))));
      return;
    }
    if (!state.users) {
      usersEl.replaceChildren(loading());
      return;
    }
    const columns = [
      { key: 'username', label: t('admin.user') },
      // Second, so the buttons show without scrolling the narrow panel.
      { key: 'actions', label: t('admin.actions'), value: () => 0, render: actions },
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
    usersEl.replaceChildren(h('p', { class: 'muted' }, t('admin.count', { n: num(state.users.length) })), userResult, table);
    renderGrantUsers();
  };

  // targetName is an event's target in the page's language: a layer
  // (households, visits, an export's pmtiles) by its name as the Import and
  // GIS tabs give it; anything else (a user name) as it is.
  const targetName = (target) => {
    if (!target) return target;
    for (const key of [`imp.layer.${target}`, `layer.${target}`, `gis.${target}`, `admin.report.${target}`]) {
      const s = t(key);
      if (s !== key) return s;
    }
    return target;
  };

  // eventDetail names what an event's detail says that the target does
  // not: the role granted or revoked, the token, the report viewed.
  const eventDetail = (e) => {
    const d = e.detail || {};
    if ((e.action === 'grant' || e.action === 'revoke') && d.role) return roleText(app, d);
    if ((e.action === 'token_create' || e.action === 'token_revoke') && (d.id || d.name)) {
      return t('admin.tokenRef', { id: d.id ?? '—', name: d.name || '—' });
    }
    // A view of personal fields: the format (the report is the target).
    if (e.action === 'view_personal') return (d.format || '').toUpperCase();
    // An import that wrote nothing (migration 030: landed false) says so,
    // and why: a dry run, or a file refused or failed.
    if (e.action === 'import' && d.landed === false) {
      if (d.dry_run) return t('admin.importDryRun', { inserted: num(d.would_insert ?? 0), updated: num(d.would_update ?? 0) });
      return t(d.status === 'rejected' ? 'admin.importRefused' : 'admin.importFailed');
    }
    return '';
  };
  // wroteRows is false for an import that wrote nothing: its rows are 0.
  const wroteRows = (e) => e.rows !== undefined && !(e.action === 'import' && e.detail?.landed === false);

  const renderAudit = () => {
    if (state.eventsErr) {
      auditEl.replaceChildren(h('p', { class: 'error', role: 'alert' }, accountError(state.eventsErr, t('admin.audit'))));
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
      { key: 'target', label: t('admin.target'), render: (e) => [targetName(e.target), eventDetail(e), wroteRows(e) ? t('admin.rows', { n: num(e.rows) }) : ''].filter(Boolean).join(' · ') || '—' },
    ];
    const table = sortableTable({ columns, rows: state.events, caption: t('admin.audit'), rowKey: (e) => String(e.id) });
    table.id = 'admin-audit-table';
    auditEl.replaceChildren(table);
  };

  // loadAudit rereads the audit log alone (after a token change).
  const loadAudit = async () => {
    try {
      state.events = await api.adminAudit(30);
      state.eventsErr = null;
    } catch (err) {
      state.eventsErr = err;
    }
    renderAudit();
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
    const password = onePassword();
    submit.disabled = true;
    result.hidden = false;
    result.className = 'muted';
    result.removeAttribute('role');
    result.textContent = t('status.loading');
    try {
      const grant = grantFor(roleSel.value, townSel.value, memberIn.value);
      await api.adminAddUser({ username, password, roles: [grant] });
      result.className = 'created';
      result.replaceChildren(
        h('span', {}, t('admin.created', { user: username })), ' ',
        h('code', { id: 'admin-password' }, password),
        h('span', { class: 'muted' }, ` ${t('admin.once')}`),
      );
      form.reset();
      showFields();
      load();
    } catch (err) {
      result.className = 'error';
      result.setAttribute('role', 'alert');
      result.textContent = accountError(err, t('admin.add'));
    } finally {
      submit.disabled = false;
    }
  });

  app.on('view', (v) => { if (v === 'admin' && !state.loaded) load(); });
  // An admin-only account lands on this tab before the map (and this
  // code) is ready: the 'view' event has passed already.
  if (document.body.dataset.view === 'admin') load();
  app.on('towns', renderRoles);
  app.on('lang', () => { renderRoles(); if (state.loaded) { renderUsers(); renderAudit(); } });
  renderRoles();
}
