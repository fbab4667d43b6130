// The third user review's admin faults in the web map, each as the reviewer
// met it: an admin-only account opens on 用户; a team leader's town is
// chosen, never preselected; an account whose member code is wrong is not
// created and the refusal reads in Chinese; the audit log says which role
// was granted; the admin lists, creates (shown once, with its expiry and a
// copy button) and revokes an account's API tokens; and the GIS tab says
// QGIS needs a token and makes one for the signed-in user.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { BASE, apiJSON, demoAccounts, launch, openApp, shot } from './helpers.mjs';

const stamp = Date.now().toString(36);

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** open opens the app as user in a fresh zh-CN context. */
async function open(user) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  await context.addInitScript(() => localStorage.setItem('lianxin.lang', 'zh-CN'));
  const page = await context.newPage();
  page.on('dialog', (d) => d.accept());
  await openApp(page, user);
  return { context, page };
}

/** english finds English words left in text once the values typed are taken out. */
const english = (text, typed = []) => {
  let s = text;
  for (const v of typed) s = s.replaceAll(v, '');
  return s.match(/[A-Za-z]{3,}/g) || [];
};

/** asBearer asks path with token alone (no cookie) and returns the status and JSON. */
const asBearer = (page, path, token) => page.evaluate(async ([p, tk]) => {
  const res = await fetch(p, { headers: { Authorization: `Bearer ${tk}` }, credentials: 'omit' });
  return { status: res.status, body: await res.json().catch(() => null) };
}, [path, token]);

describe('the admin tab', () => {
  let context;
  let page;
  before(async () => {
    ({ context, page } = await open('admin'));
  });
  after(async () => context?.close());

  test('an admin-only account opens on 用户', async () => {
    await page.locator('#admin-user-table tbody tr').first().waitFor({ timeout: 20000 });
    assert.equal(await page.getAttribute('#tab-admin', 'aria-selected'), 'true', 'the 用户 tab is the selected one');
    assert.ok(await page.locator('#view-admin').isVisible(), 'the admin view shows');
  });

  test('a team leader\'s town is chosen, never preselected', async () => {
    await page.fill('#admin-username', `tl-${stamp}`);
    await page.selectOption('#admin-role', 'team_leader');
    assert.equal(await page.inputValue('#admin-town'), '', 'no town is preselected');
    await page.click('#admin-add button[type=submit]');
    const text = (await page.locator('#admin-result').innerText()).trim();
    assert.match(text, /选择所在镇/, `result: ${text}`);
    const users = await apiJSON(page, '/api/v1/admin/users');
    assert.ok(!users.users.some((u) => u.username === `tl-${stamp}`), 'nothing was created');
  });

  test('a wrong member code creates nothing and is worded in Chinese', async () => {
    const name = `lisi-${stamp}`;
    await page.fill('#admin-username', name);
    await page.selectOption('#admin-role', 'member');
    await page.fill('#admin-member', 'M9999');
    await page.click('#admin-add button[type=submit]');
    await page.locator('#admin-result.error').waitFor();
    const text = (await page.locator('#admin-result').innerText()).trim();
    await shot(page, 'admin-member-refused');
    assert.match(text, /没有编号为 M9999 的队员/, `result: ${text}`);
    assert.deepEqual(english(text, ['M9999']), [], `English words in: ${text}`);
    const users = await apiJSON(page, '/api/v1/admin/users');
    assert.ok(!users.users.some((u) => u.username === name), `account ${name} exists after the refusal`);
    // The name was never taken: it is free for the account meant (a
    // planner here, so that no demo member gets a second account).
    await page.selectOption('#admin-role', 'planner');
    await page.click('#admin-add button[type=submit]');
    await page.locator('#admin-password').waitFor();
    await page.locator(`#admin-user-table tbody tr[data-key="${name}"]`).waitFor();
  });

  test('the audit log says which role was granted', async () => {
    const name = `lisi-${stamp}`; // the account made above
    await page.selectOption('#admin-grant-user', name);
    await page.selectOption('#admin-grant-role', 'gis');
    await page.click('#admin-grant-submit');
    await page.locator('#admin-user-result').filter({ hasText: 'GIS 人员' }).waitFor();
    await page.locator('#admin-audit-table tbody tr').first().waitFor();
    const rows = await page.$$eval('#admin-audit-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    const grants = rows.filter((r) => r[2] === '授予角色' && r[3].startsWith(name)).map((r) => r[3]);
    assert.ok(grants.some((x) => /GIS 人员/.test(x)), `a 授予角色 row for ${name} naming GIS 人员 in: ${grants.join(' / ')}`);
    assert.ok(grants.some((x) => /规划人员/.test(x)), `the creation's grant (规划人员) is named too: ${grants.join(' / ')}`);
  });

  test('lists, creates and revokes an account\'s API tokens', async () => {
    await page.selectOption('#admin-token-user', 'gis');
    await page.locator('#admin-token-list p, #admin-token-list table').first().waitFor();
    await page.fill('#admin-token-name', `qgis-${stamp}`);
    await page.selectOption('#admin-token-days', '30');
    await page.click('#admin-token-create');
    const secret = page.locator('#admin-token-secret');
    await secret.waitFor();
    const token = await secret.inputValue();
    assert.match(token, /^lx_[A-Za-z0-9_-]{43}$/, `the token shown: ${token}`);
    const result = await page.locator('#admin-token-result').innerText();
    assert.match(result, /gis 的新令牌，有效期至 \d{4}年\d{1,2}月\d{1,2}日/, `result: ${result}`);
    assert.match(result, /只显示这一次/, `result: ${result}`);
    assert.ok(await page.locator('#admin-token-copy').isVisible(), 'a copy button');
    await shot(page, 'admin-token-created');

    const me = await asBearer(page, '/api/v1/auth/me', token);
    assert.equal(me.status, 200, `GET /me with the token: ${JSON.stringify(me)}`);
    assert.equal(me.body.user, 'gis');

    const listed = await apiJSON(page, '/api/v1/admin/users/gis/tokens');
    const mine = listed.tokens.find((tk) => tk.name === `qgis-${stamp}`);
    assert.ok(mine, `the API lists the token: ${JSON.stringify(listed.tokens)}`);
    const row = page.locator(`#admin-token-table tbody tr[data-id="${mine.id}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /有效/);
    await row.locator('button.token-revoke').click();
    await page.locator(`#admin-token-table tbody tr[data-id="${mine.id}"] .token-state`).filter({ hasText: '已撤销' }).waitFor();
    const after = await asBearer(page, '/api/v1/auth/me', token);
    assert.equal(after.status, 401, `GET /me with the revoked token: ${after.status}`);

    const audit = await apiJSON(page, '/api/v1/admin/audit?limit=20');
    for (const action of ['token_create', 'token_revoke']) {
      assert.ok(audit.events.some((e) => e.action === action && e.actor === 'admin' && e.target === 'gis' && e.detail?.id === mine.id),
        `an audit event ${action} of gis's token ${mine.id}`);
    }
    const rows = await page.$$eval('#admin-audit-table tbody tr', (trs) => trs.map((tr) => tr.cells[3].textContent));
    assert.ok(rows.some((x) => x.includes(`令牌 #${mine.id}`)), `the audit table names the token: ${rows.slice(0, 5).join(' | ')}`);
  });

  test('a team leader\'s download of household heads\' names is in the audit log', async () => {
    const leader = 'leader-321299101';
    const ctx = await browser.newContext();
    try {
      const login = await ctx.request.post(`${BASE}/api/v1/auth/login`, { data: { username: leader, password: demoAccounts().get(leader)?.password } });
      assert.equal(login.status(), 200, `sign-in as ${leader}`);
      const res = await ctx.request.get(`${BASE}/api/v1/reports/special-households?format=csv&lang=zh`);
      assert.equal(res.status(), 200, 'the special households CSV');
      assert.match(await res.text(), /户主/, 'the CSV carries the heads\' names');
    } finally {
      await ctx.close();
    }
    await page.reload(); // an admin-only account lands on 用户 again
    await page.locator('#admin-audit-table tbody tr').first().waitFor({ timeout: 30000 });
    const rows = await page.$$eval('#admin-audit-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    const view = rows.find((r) => r[1] === leader && r[2] === '查看个人信息');
    assert.ok(view, `a 查看个人信息 row by ${leader} in: ${rows.slice(0, 5).map((r) => r.join(' | ')).join(' / ')}`);
    assert.match(view[3], /^未走访的特殊群体户名单 · CSV · \d+ 行$/, `the row: ${view[3]}`);
  });
});

describe('the GIS tab', () => {
  let context;
  let page;
  before(async () => {
    ({ context, page } = await open('gis'));
    await page.click('#tab-gis');
  });
  after(async () => context?.close());

  test('says QGIS needs a token and makes one for the signed-in user', async () => {
    const hint = await page.locator('#gis-token-hint').innerText();
    assert.match(hint, /API 令牌/, `hint: ${hint}`);
    assert.match(hint, /Authorization/, `hint names the header: ${hint}`);
    assert.match(hint, /Bearer/, `hint names Bearer: ${hint}`);
    assert.match(hint, /用户名 gis/, `hint names the user for Basic: ${hint}`);
    await page.locator('#gis-token-list p, #gis-token-list table').first().waitFor();
    await page.fill('#gis-token-name', `mine-${stamp}`);
    await page.click('#gis-token-create');
    const token = await page.locator('#gis-token-secret').inputValue();
    assert.match(token, /^lx_/, `the token shown: ${token}`);
    await shot(page, 'gis-token-created');
    // QGIS's request: an OGC collection with the bearer header alone.
    const ogc = await asBearer(page, '/ogc/collections', token);
    assert.equal(ogc.status, 200, `GET /ogc/collections with the token: ${ogc.status}`);
    const own = await apiJSON(page, '/api/v1/auth/tokens');
    const made = own.tokens.find((tk) => tk.name === `mine-${stamp}`);
    assert.ok(made && made.username === 'gis', `own tokens: ${JSON.stringify(own.tokens)}`);
    await page.locator(`#gis-token-table tbody tr[data-id="${made.id}"]`).waitFor();
    // It is the user's to revoke.
    await page.locator(`#gis-token-table tbody tr[data-id="${made.id}"] button.token-revoke`).click();
    await page.locator(`#gis-token-table tbody tr[data-id="${made.id}"] .token-state`).filter({ hasText: '已撤销' }).waitFor();
    assert.equal((await asBearer(page, '/ogc/collections', token)).status, 401, 'the revoked token is refused');
  });
});
