// The accounts tab (用户) for an office of many accounts, on a 1400 px
// desktop: every column of the accounts and the audit log shows inside
// the panel (each table scrolls in its own box, its header straight above
// its rows); roles read with the town's and the member's names; the search
// box narrows the accounts; the audit log shows its total, pages back and
// forth by 50, filters by action with every action worded in Chinese; and
// a register correction by import (家庭人口, 贫困户 of one household) is in
// the log with the household's id and its values before and after.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { BASE, demoAccounts, launch, openApp, shot } from './helpers.mjs';

const zhNum = (n) => new Intl.NumberFormat('zh-CN').format(n);

/** session signs in from node: a fetch with the session's cookie and CSRF header. */
async function session(user) {
  const acct = demoAccounts().get(user);
  assert.ok(acct, `no password for ${user}`);
  const res = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: user, password: acct.password }),
  });
  assert.equal(res.status, 200, `sign in as ${user}`);
  const me = await res.json();
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return (path, init = {}) => fetch(`${BASE}${path}`, {
    ...init, headers: { Cookie: cookie, 'X-CSRF-Token': me.csrf_token || '', Accept: 'application/json', ...(init.headers || {}) },
  });
}

describe('the accounts tab for an office (1400 px)', () => {
  let browser;
  let page;
  let api;

  before(async () => {
    api = await session('admin');
    // The household grant (the diary test grants it through the tab; this file also runs alone).
    const g = await api('/api/v1/admin/users/admin/roles', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ role: 'household_points' }),
    });
    assert.ok(g.ok, `grant household_points: ${g.status} ${await g.text()}`);
    browser = await launch();
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN' });
    await context.addInitScript(() => localStorage.setItem('lianxin.lang', 'zh-CN'));
    page = await context.newPage();
    page.on('dialog', (d) => d.accept());
    await openApp(page, 'admin');
    await page.click('#tab-admin');
    await page.locator('#admin-user-table').waitFor({ timeout: 15000 });
    await page.locator('#admin-audit-table').waitFor({ timeout: 15000 });
  });

  after(async () => {
    await browser?.close();
    // Taken back, so that the files after this one (office-diary's refusal
    // first of all) meet the admin as the demo made it.
    const r = await api('/api/v1/admin/users/admin/roles', {
      method: 'DELETE', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ role: 'household_points' }),
    });
    assert.ok(r.ok, `revoke household_points: ${r.status} ${await r.text()}`);
  });

  test('every column shows inside the panel, the header straight above the rows', async () => {
    for (const id of ['#admin-user-table', '#admin-audit-table']) {
      const m = await page.evaluate((sel) => {
        const table = document.querySelector(sel);
        const box = table.closest('.admin-table-box');
        const side = document.querySelector('.sidebar').getBoundingClientRect();
        box.scrollLeft = box.scrollWidth;
        const ths = [...table.querySelectorAll('thead th')];
        const last = ths[ths.length - 1].getBoundingClientRect();
        const b = box.getBoundingClientRect();
        const head = table.querySelector('thead').getBoundingClientRect();
        const row = table.querySelector('tbody tr').getBoundingClientRect();
        box.scrollLeft = 0;
        const line = table.querySelector('tbody td').getBoundingClientRect().height;
        return { boxRight: b.right, sideRight: side.right, lastLeft: last.left, lastRight: last.right, gap: row.top - head.bottom, headH: head.height, line };
      }, id);
      assert.ok(m.boxRight <= m.sideRight + 1, `${id}: its box (right ${m.boxRight}) stays inside the panel (right ${m.sideRight})`);
      assert.ok(m.lastRight <= m.boxRight + 1 && m.lastLeft >= 0, `${id}: the last column scrolls into the box: ${JSON.stringify(m)}`);
      assert.ok(Math.abs(m.gap) < 2, `${id}: no band between the header and the first row (${m.gap} px)`);
      assert.ok(m.headH < 40, `${id}: the header is one line, not a tall band (${m.headH} px)`);
    }
    await shot(page, 'office-users');
  });

  test('roles read with the town and member names', async () => {
    const users = (await (await api('/api/v1/admin/users')).json()).users;
    const tj = await (await api('/api/v1/towns')).json();
    const towns = Array.isArray(tj) ? tj : tj.towns || (tj.features || []).map((f) => f.properties);
    const member = users.find((u) => u.roles.some((g) => g.role === 'member' && g.member_name));
    const leader = users.find((u) => u.roles.some((g) => g.role === 'team_leader' && g.town));
    assert.ok(member && leader, 'the demo accounts have a member and a leader');
    const m = member.roles.find((g) => g.role === 'member');
    const town = towns.find((x) => x.code === leader.roles.find((g) => g.role === 'team_leader').town);
    // The towns' names arrive with the map: the roles are drawn again with them.
    await page.waitForFunction((name) => document.querySelector('#admin-user-table')?.textContent.includes(name), town.name, { timeout: 15000 });
    const mRow = await page.textContent(`#admin-user-table tr[data-key="${member.username}"]`);
    const lRow = await page.textContent(`#admin-user-table tr[data-key="${leader.username}"]`);
    assert.ok(mRow.includes(`队员（${m.member_name} ${m.member}）`), `the member's role names them: ${mRow}`);
    assert.ok(lRow.includes(`工作队队长（${town.name}）`), `the leader's role names the town: ${lRow}`);

    await page.fill('#admin-user-search', m.member_name);
    const shown = await page.locator('#admin-user-table tbody tr').allTextContents();
    const want = users.filter((u) => u.roles.some((g) => g.member_name === m.member_name) || u.username.includes(m.member_name));
    assert.equal(shown.length, want.length, `the search for ${m.member_name} shows its accounts`);
    assert.ok(shown.every((r) => r.includes(m.member_name)));
    assert.match(await page.textContent('#admin-user-count'), new RegExp(`显示 ${want.length} 个，共 ${zhNum(users.length)} 个账号`));
    await page.fill('#admin-user-search', '');
    assert.equal(await page.locator('#admin-user-table tbody tr').count(), users.length);
  });

  test('the audit log: its total, pages of 50, an action filter, words for every action', async () => {
    const { total } = await (await api('/api/v1/admin/audit?limit=1')).json();
    assert.ok(total > 50, `the demo set-up wrote more than a page of events (${total})`);
    await page.waitForFunction((n) => document.querySelector('#audit-count')?.textContent.includes(`共 ${n} 条`), zhNum(total), { timeout: 10000 });
    const first = await page.locator('#admin-audit-table tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.key));
    assert.equal(first.length, 50);
    await page.click('#audit-older');
    await page.waitForFunction(() => document.querySelector('#audit-count')?.textContent.includes('第 51–'), null, { timeout: 10000 });
    const second = await page.locator('#admin-audit-table tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.key));
    assert.ok(second.length > 0 && Number(second[0]) < Number(first[49]), 'the second page is older');
    await page.click('#audit-newest');
    await page.waitForFunction(() => document.querySelector('#audit-count')?.textContent.includes('第 1–50'), null, { timeout: 10000 });
    const actions = await page.locator('#admin-audit-table tbody tr td:nth-child(3)').allTextContents();
    assert.ok(actions.every((a) => !/^[a-z_]+$/.test(a)), `every action worded in Chinese: ${actions.filter((a) => /^[a-z_]+$/.test(a))}`);

    await page.selectOption('#audit-action', 'grant');
    await page.click('#audit-search');
    const grants = (await (await api('/api/v1/admin/audit?action=grant&limit=1')).json()).total;
    await page.waitForFunction((n) => document.querySelector('#audit-count')?.textContent.includes(`共 ${n} 条`), zhNum(grants), { timeout: 10000 });
    const shown = await page.locator('#admin-audit-table tbody tr td:nth-child(3)').allTextContents();
    assert.ok(shown.length > 0 && shown.every((a) => a === '授予角色'), `only grants: ${shown.slice(0, 3)}`);
    await page.click('#audit-clear');
  });

  test('the target and actor filters take what the table shows, in any case', async () => {
    // An export of the villages writes an event whose target the table
    // names 村（社区）; the filter finds it by that name, and the actor by
    // the user name in capitals.
    const res = await api('/api/v1/export/villages?format=csv');
    assert.equal(res.status, 200);
    const want = (await (await api('/api/v1/admin/audit?target=villages&actor=admin&limit=1')).json()).total;
    assert.ok(want >= 1, 'the export is audited under the target villages');
    assert.equal(await page.getAttribute('#audit-target', 'placeholder'), '走访（民情日记）', 'the hint is a name the table shows');
    await page.fill('#audit-target', '村（社区）');
    await page.fill('#audit-actor', 'ADMIN');
    await page.click('#audit-search');
    await page.waitForFunction((n) => document.querySelector('#audit-count')?.textContent.includes(`共 ${n} 条`), zhNum(want), { timeout: 10000 });
    const targets = await page.locator('#admin-audit-table tbody tr td:nth-child(4)').allTextContents();
    assert.ok(targets.length > 0 && targets.every((x) => x.startsWith('村（社区）')), `only the villages: ${targets.slice(0, 3)}`);
    await page.click('#audit-clear');
  });

  test('a register correction by import names the household and its values before and after', async () => {
    const items = await (await api('/ogc/collections/households/items?limit=1&f=json')).json();
    const [feat] = items.features || [];
    assert.ok(feat, `a household to correct: ${JSON.stringify(items).slice(0, 300)}`);
    const p = feat.properties;
    const id = p.external_id ?? p.id ?? feat.id;
    const residents = Number(p.residents) + 3;
    const poor = !(p.poor === true || p.poor === 'true');
    const [lon, lat] = feat.geometry.coordinates;
    const csv = `external_id,village_code,residents,poor,lon,lat\n${id},${p.village_code},${residents},${poor},${lon},${lat}\n`;
    const form = new FormData();
    form.append('file', new Blob([csv], { type: 'text/csv' }), 'correct.csv');
    const r = await api('/api/v1/imports/households', { method: 'POST', body: form });
    assert.equal(r.status, 202, `import: ${r.status} ${await r.clone().text()}`);
    const rec = await r.json();
    let done;
    for (let i = 0; i < 100; i += 1) {
      done = await (await api(`/api/v1/imports/${rec.id}`)).json();
      if (done.status !== 'running') break;
      await new Promise((res) => { setTimeout(res, 200); });
    }
    assert.equal(done.status, 'succeeded', JSON.stringify(done));
    assert.equal(done.updated, 1, JSON.stringify(done));

    await page.selectOption('#audit-action', 'import_changed');
    await page.fill('#audit-subject', String(id));
    await page.click('#audit-search');
    await page.waitForFunction(() => document.querySelectorAll('#admin-audit-table tbody tr').length === 1, null, { timeout: 10000 });
    const row = await page.textContent('#admin-audit-table tbody tr');
    assert.match(row, /导入更改的记录/, row);
    assert.ok(row.includes(`更改 1 行：${id}`), `the row names the household: ${row}`);
    assert.ok(row.includes(`家庭人口：${p.residents} → ${residents}`), `and its residents before and after: ${row}`);
    assert.ok(row.includes(`贫困户：${poor ? '否' : '是'} → ${poor ? '是' : '否'}`), `and its poor flag: ${row}`);
    await shot(page, 'office-audit-import');
  });
});
