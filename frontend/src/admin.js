// The admins' view (its tab shows for admins only): the accounts with their
// roles and sign-in state, buttons that disable, enable or give an account a
// new one-time password, a form that grants or revokes any role the API
// accepts (with the town a team leader needs, the member code a member
// needs), a form that adds an account with a one-time password, an
// account's API tokens (list, create, revoke: accounts.js), and the latest
// audit log: filtered by action, actor, target, an id or words, and dates,
// a page at a time, each event with what it changed (an entry's fields
// before and after, the rows an import changed). The server's refusals are worded from their reason
// codes (accounts.js accountError), never shown in English on a zh page.

import { accountError, tokenPanel, tokensOf } from './accounts.js';
import { apiFetch, query } from './api.js';
import { campaignEndSection } from './campaign-end.js';
import { memberLeaveSection } from './member-leave.js';
import { api } from './endpoints.js';
import { TABLES, dateTime, num, t } from './i18n.js';
import { h, loading, sortableTable } from './ui.js';

// ROLES can be given to a new account; GRANTS, every role and grant the API
// accepts (auth.Assignable), granted or revoked from the tab. team_leader
// names a town, member a member code (the account is that member's).
const ROLES = ['planner', 'team_leader', 'member', 'gis', 'admin'];
const GRANTS = [...ROLES, 'household_points', 'personal_fields'];
// SENSITIVE grants open households' places and personal fields: granting
// one asks first (a second person's check is not part of this tab).
const SENSITIVE = ['household_points', 'personal_fields'];

// AUDIT_ACTIONS are the actions the server writes to the audit log (a Go
// test collects them from the server's code and checks this list and
// their words), offered in the audit view's filter.
const AUDIT_ACTIONS = [
  'login', 'logout', 'login_failed', 'login_refused', 'grant', 'revoke', 'password_set', 'token_create', 'token_revoke',
  'user_create', 'user_disable', 'user_enable', 'import', 'import_changed', 'import_rejects', 'imports_prune', 'export',
  'view_personal', 'diary_write', 'diary_correct', 'diary_delete', 'spotcheck_record',
  'spotcheck_correct', 'spotcheck_withdraw', 'campaign_end', 'member_left',
];
const AUDIT_PAGE = 50;

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

// roleText is a role with its town's name (a team leader) or its
// member's name and code (a member), not bare codes.
const roleText = (app, g) => {
  const town = g.town ? app.towns.find((x) => x.code === g.town)?.name || g.town : '';
  const name = t(`urole.${g.role}`);
  if (town) return `${name}（${town}）`;
  if (g.member) return `${name}（${g.member_name ? `${g.member_name} ${g.member}` : g.member}）`;
  return name;
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
  // The campaign's last day (the forecast's default end).
  const campaignEl = campaignEndSection(app, { onChange: () => loadAudit() });
  tkUser.closest('section').after(campaignEl);
  // A member's last day in the corps; the members to pick are the corps'
  // register as the members report gives it to an admin (every member,
  // those without an account and those who left too), labelled with their
  // name and team, asked once.
  let membersAsked = null;
  const memberPicks = () => {
    membersAsked ||= api.members({}).then(
      (rows) => rows.map((r) => ({ code: r.member_code, label: `${r.member_name} · ${r.team_name}` })),
      (err) => { membersAsked = null; throw err; },
    );
    return membersAsked;
  };
  campaignEl.after(memberLeaveSection(app, {
    onChange: () => loadAudit(),
    members: memberPicks,
  }));
  // showFields shows the town or member code field the chosen role needs.
  const showFields = () => {
    townRow.hidden = roleSel.value !== 'team_leader';
    memberRow.hidden = roleSel.value !== 'member';
    gTownRow.hidden = gRole.value !== 'team_leader';
    gMemberRow.hidden = gRole.value !== 'member';
  };
  gRole.addEventListener('change', showFields);
  const state = {
    users: null, usersErr: null, events: null, eventsErr: null, sort: { key: 'username', dir: 'asc' }, loaded: false,
    search: '', filter: {}, pages: [], total: 0, next: null,
  };

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
    // Households' places and personal fields: asked first, more plainly
    // when the admin grants them to themselves (kept in the audit log).
    if (SENSITIVE.includes(gRole.value)) {
      const role = t(`urole.${gRole.value}`);
      if (!window.confirm(t(user === me ? 'admin.confirmSelfGrant' : 'admin.confirmSensitiveGrant', { user, role }))) return;
    }
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

  // The accounts' search box, above the list (filters as one types).
  const searchIn = h('input', { id: 'admin-user-search', type: 'search', autocomplete: 'off', maxlength: 100 });
  const searchLabel = h('label', { for: 'admin-user-search' }, t('admin.search'));
  usersEl.before(h('div', { class: 'admin-search' }, searchLabel, ' ', searchIn));
  searchIn.addEventListener('input', () => { state.search = searchIn.value; renderUsers(); });
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
      { key: 'last_login_at', label: t('admin.lastLogin'), value: (u) => u.last_login_at || '', render: (u) => dateTime(u.last_login_at) },
      { key: 'failed_logins', label: t('admin.failed'), numeric: true, render: (u) => num(u.failed_logins) },
    ];
    // The search: words of the user name, a role, a town or a member.
    const words = state.search.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const text = (u) => [u.username, ...(u.roles || []).flatMap((g) => [roleText(app, g), g.role, g.town, g.member])]
      .filter(Boolean).join(' ').toLowerCase();
    const rows = words.length ? state.users.filter((u) => words.every((w) => text(u).includes(w))) : state.users;
    const table = sortableTable({
      columns, rows, sort: state.sort, caption: t('admin.users'), rowKey: (u) => u.username,
      onSort: (s) => {
        state.sort = s;
        renderUsers();
        usersEl.querySelector(`button.sort[data-key="${s.key}"]`)?.focus();
      },
    });
    table.id = 'admin-user-table';
    const count = words.length ? t('admin.shown', { shown: num(rows.length), n: num(state.users.length) }) : t('admin.count', { n: num(state.users.length) });
    searchLabel.textContent = t('admin.search');
    searchIn.placeholder = t('admin.searchPlaceholder');
    usersEl.replaceChildren(h('p', { class: 'muted', id: 'admin-user-count' }, count), userResult, h('div', { class: 'admin-table-box' }, table));
    renderGrantUsers();
  };

  // targetName is an event's target in the page's language: a layer
  // (households, visits, an export's pmtiles) by its name as the Import and
  // GIS tabs give it; anything else (a user name) as it is.
  const TARGET_KEYS = ['imp.layer.', 'layer.', 'gis.', 'admin.report.'];
  const targetName = (target) => {
    if (!target) return target;
    for (const key of TARGET_KEYS.map((p) => `${p}${target}`)) {
      const s = t(key);
      if (s !== key) return s;
    }
    return target;
  };
  // targetCode is the target a filter typed names: a name the table shows
  // (in either language) for the target itself, else what was typed.
  const targetCode = (typed) => {
    const want = typed.trim().toLowerCase();
    for (const table of Object.values(TABLES)) {
      for (const [key, label] of Object.entries(table)) {
        const prefix = TARGET_KEYS.find((p) => key.startsWith(p));
        if (prefix && String(label).toLowerCase() === want) {
          return key.slice(prefix.length);
        }
      }
    }
    return typed.trim();
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

  // fieldValue is a field's value as the audit view shows it.
  const fieldValue = (v) => {
    if (v === true) return t('audit.yes');
    if (v === false) return t('audit.no');
    if (v === null || v === undefined || v === '') return '—';
    return String(v);
  };
  const fieldName = (k) => (t(`audit.field.${k}`) === `audit.field.${k}` ? k : t(`audit.field.${k}`));
  // changeList is "field: before → after" for each field of after (a
  // correction keeps only the fields it changed).
  const changeList = (before = {}, after = {}) => Object.keys(after)
    .map((k) => `${fieldName(k)}：${fieldValue(before[k])} → ${fieldValue(after[k])}`).join('；');

  // changeDetail says what a correction or an import changed: the entry
  // and its fields before and after, the rows an import changed.
  const changeDetail = (e) => {
    const d = e.detail || {};
    if (e.action === 'diary_correct') {
      return [t('audit.entry', { id: d.entry || '—' }), changeList(d.before, d.after), d.reason ? t('audit.reason', { reason: d.reason }) : '']
        .filter(Boolean).join(' · ');
    }
    if (e.action === 'diary_delete') {
      const before = d.before || {};
      const fields = ['household', 'member', 'occurred_at', 'kind'].filter((k) => before[k] !== undefined)
        .map((k) => `${fieldName(k)}：${fieldValue(before[k])}`).join('；');
      return [t('audit.entry', { id: d.entry || '—' }), fields ? t('audit.before', { fields }) : '', d.reason ? t('audit.reason', { reason: d.reason }) : '']
        .filter(Boolean).join(' · ');
    }
    // A member's last day in the corps set or cleared (migration 038).
    if (e.action === 'member_left') {
      return t('audit.memberLeft', { name: d.name || d.member || '—', was: fieldValue(d.was), left_on: fieldValue(d.left_on) });
    }
    if (e.action === 'import_changed') {
      const ids = d.changed || [];
      const parts = [t('audit.changedRows', { n: num(d.changed_count ?? ids.length), ids: ids.join('、') })];
      if (d.truncated) parts.push(t('audit.changedMore', { max: num(d.max ?? ids.length) }));
      for (const [id, c] of Object.entries(d.changes || {})) parts.push(`${id}：${changeList(c.before, c.after)}`);
      return parts.join(' ');
    }
    return '';
  };

  const dateInput = (id) => h('input', { id, type: 'date', min: '2020-01-01', max: '2099-12-31' });
  const fAction = h('select', { id: 'audit-action' });
  const fActor = h('input', { id: 'audit-actor', autocomplete: 'off', maxlength: 100 });
  const fTarget = h('input', { id: 'audit-target', autocomplete: 'off', maxlength: 200 });
  const fSubject = h('input', { id: 'audit-subject', autocomplete: 'off', maxlength: 200, placeholder: 'V00007802' });
  const fFrom = dateInput('audit-from');
  const fTo = dateInput('audit-to');
  const fSearch = h('button', { type: 'submit', id: 'audit-search' });
  const fClear = h('button', { type: 'button', id: 'audit-clear' });
  const fLabels = [];
  const fRow = (el, key) => {
    const l = h('label', { for: el.id });
    fLabels.push([l, key]);
    return h('div', {}, l, el);
  };
  const auditForm = h('form', { id: 'audit-filter', class: 'filter-form' },
    fRow(fAction, 'audit.action'), fRow(fActor, 'audit.actor'), fRow(fTarget, 'audit.target'), fRow(fSubject, 'audit.subject'),
    fRow(fFrom, 'audit.from'), fRow(fTo, 'audit.to'), h('div', { class: 'filter-buttons' }, fSearch, ' ', fClear));
  auditEl.before(auditForm);
  const renderAuditForm = () => {
    for (const [l, key] of fLabels) l.textContent = t(key);
    fTarget.placeholder = targetName('visits'); // the table's own words for a target
    const v = fAction.value;
    fAction.replaceChildren(h('option', { value: '' }, t('audit.allActions')),
      ...AUDIT_ACTIONS.map((a) => h('option', { value: a }, t(`action.${a}`))));
    fAction.value = v;
    fSearch.textContent = t('audit.search');
    fClear.textContent = t('audit.clear');
  };
  // nextDay is the day after a date input's (the filter's "to" is inclusive; the API's exclusive).
  const nextDay = (d) => {
    const x = new Date(`${d}T00:00:00Z`);
    x.setUTCDate(x.getUTCDate() + 1);
    return x.toISOString().slice(0, 10);
  };
  auditForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.filter = {
      action: fAction.value || undefined, actor: fActor.value.trim() || undefined, target: targetCode(fTarget.value) || undefined,
      subject: fSubject.value.trim() || undefined, from: fFrom.value || undefined, to: fTo.value ? nextDay(fTo.value) : undefined,
    };
    state.pages = [];
    loadAudit();
  });
  fClear.addEventListener('click', () => {
    auditForm.reset();
    state.filter = {};
    state.pages = [];
    loadAudit();
  });

  const renderAudit = () => {
    if (state.eventsErr) {
      auditEl.replaceChildren(h('p', { class: 'error', role: 'alert' }, accountError(state.eventsErr, t('admin.audit'))));
      return;
    }
    if (!state.events) {
      auditEl.replaceChildren(loading());
      return;
    }
    if (!state.events.length) {
      auditEl.replaceChildren(h('p', { class: 'muted', id: 'audit-count' }, t('audit.none')));
      return;
    }
    const columns = [
      { key: 'at', label: t('admin.at'), render: (e) => dateTime(e.at) },
      { key: 'actor', label: t('admin.actor') },
      { key: 'action', label: t('admin.action'), render: (e) => (t(`action.${e.action}`) === `action.${e.action}` ? e.action : t(`action.${e.action}`)) },
      { key: 'target', label: t('admin.target'), render: (e) => [targetName(e.target), eventDetail(e), wroteRows(e) ? t('admin.rows', { n: num(e.rows) }) : ''].filter(Boolean).join(' · ') || '—' },
      { key: 'detail', label: t('audit.detail'), value: () => 0, render: (e) => h('span', { class: 'audit-detail' }, changeDetail(e)) },
    ];
    const table = sortableTable({ columns, rows: state.events, caption: t('admin.audit'), rowKey: (e) => String(e.id) });
    table.id = 'admin-audit-table';
    const start = state.pages.length * AUDIT_PAGE;
    const count = h('p', { class: 'muted', id: 'audit-count' },
      t('audit.total', { n: num(state.total), from: num(start + 1), to: num(start + state.events.length) }));
    const newest = h('button', { type: 'button', id: 'audit-newest', hidden: !state.pages.length }, t('audit.newest'));
    newest.addEventListener('click', () => { state.pages = []; loadAudit(); });
    const older = h('button', { type: 'button', id: 'audit-older', hidden: !state.next || start + state.events.length >= state.total }, t('audit.older'));
    older.addEventListener('click', () => { state.pages.push(state.next); loadAudit(); });
    auditEl.replaceChildren(count, h('div', { class: 'admin-table-box' }, table), h('div', { class: 'pager' }, newest, ' ', older));
  };

  // loadAudit reads the page of the audit log the filter and the paging
  // say (pages holds the before_id of each page after the first).
  const loadAudit = async () => {
    state.events = null;
    renderAudit();
    try {
      const before = state.pages.length ? state.pages[state.pages.length - 1] : undefined;
      const r = await apiFetch(`/api/v1/admin/audit${query({ ...state.filter, limit: AUDIT_PAGE, before_id: before })}`);
      state.events = r.events || [];
      state.total = r.total ?? state.events.length;
      state.next = r.next_before_id ?? null;
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
      loadAudit(),
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
  // Towns' names come after the accounts may have been drawn: the roles then read with them.
  app.on('towns', () => { renderRoles(); if (state.users) renderUsers(); });
  app.on('lang', () => { renderRoles(); renderAuditForm(); if (state.loaded) { renderUsers(); renderAudit(); } });
  renderRoles();
  renderAuditForm();
}
