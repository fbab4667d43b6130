// The office's diary search (日记查询), on a desktop whose own time zone is
// UTC: an admin without the household grant is told why in Chinese;
// granting it to oneself asks first (a dismissed confirm grants nothing)
// and is audited; an older entry (past the diary tab's latest 20) is found
// by its id and shown in China time, a member's entries page by 50, the
// entry is corrected from the search with the diary tab's dialog, and the
// audit log finds the correction by the entry's id with its fields before
// and after, worded in Chinese and in English. A team leader gets the tab,
// and a search of another town finds nothing.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { demoAccounts, launch, openApp, setLang, shot } from './helpers.mjs';

const json = (page, path) => page.evaluate(async (p) => {
  const r = await fetch(p, { headers: { Accept: 'application/json' } });
  return { status: r.status, body: await r.json() };
}, path);

const zhNum = (n) => new Intl.NumberFormat('zh-CN').format(n);

describe('diary search for the office (desktop in UTC)', () => {
  let browser;
  let page;
  const dialogs = [];
  let answer = true;

  before(async () => {
    browser = await launch();
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN', timezoneId: 'UTC' });
    await context.addInitScript(() => localStorage.setItem('lianxin.lang', 'zh-CN'));
    page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      return answer ? d.accept() : d.dismiss();
    });
    await openApp(page, 'admin');
  });

  after(async () => {
    await browser?.close();
  });

  test('an admin without the household grant is told why, in Chinese', async () => {
    assert.equal(await page.locator('#tab-diary-search').isVisible(), true, 'the admin has the 日记查询 tab');
    await page.click('#tab-diary-search');
    const err = page.locator('#dsearch-error');
    await err.waitFor({ timeout: 15000 });
    const text = await err.textContent();
    assert.match(text, /农户点位/, `the refusal names the grant: ${text}`);
    assert.doesNotMatch(text, /read_needs_grant|household_points/, `no code on the Chinese page: ${text}`);
  });

  test('granting oneself household_points asks first, and is audited', async () => {
    await page.click('#tab-admin');
    await page.locator('#admin-user-table').waitFor({ timeout: 15000 });
    await page.selectOption('#admin-grant-user', 'admin');
    await page.selectOption('#admin-grant-role', 'household_points');
    const hasGrant = async () => {
      const { body } = await json(page, '/api/v1/admin/users');
      return body.users.find((u) => u.username === 'admin').roles.some((g) => g.role === 'household_points');
    };
    answer = false;
    dialogs.length = 0;
    await page.click('#admin-grant-submit');
    await page.waitForTimeout(500);
    assert.equal(dialogs.length, 1, 'one confirmation asked');
    assert.match(dialogs[0], /给自己的账号/, `the warning says it is one's own account: ${dialogs[0]}`);
    assert.match(dialogs[0], /审计日志/, `and that it is audited: ${dialogs[0]}`);
    assert.equal(await hasGrant(), false, 'a dismissed confirmation grants nothing');
    answer = true;
    await page.click('#admin-grant-submit');
    await page.waitForFunction(async () => {
      const r = await (await fetch('/api/v1/admin/users')).json();
      return r.users.find((u) => u.username === 'admin').roles.some((g) => g.role === 'household_points');
    }, null, { timeout: 10000 });
    const { body } = await json(page, '/api/v1/admin/audit?action=grant&target=admin');
    assert.ok(body.total >= 1 && body.events.some((e) => e.detail?.role === 'household_points'), `the grant is in the audit log: ${JSON.stringify(body.events[0])}`);
  });

  let entry;
  test('an older entry is found by its id, shown in China time', async () => {
    await page.reload();
    await page.locator('body[data-ready="true"]').waitFor({ state: 'attached', timeout: 60000 });
    const { status, body } = await json(page, '/api/v1/diary?limit=1&offset=300');
    assert.equal(status, 200, `the admin with the grant lists entries: ${JSON.stringify(body)}`);
    [entry] = body.entries;
    assert.ok(entry, 'the county has more than 300 entries');
    assert.match(entry.occurred_at, /\+08:00$/, `the API answers at +08:00: ${entry.occurred_at}`);
    await page.click('#tab-diary-search');
    await page.locator('#dsearch-count').waitFor({ timeout: 15000 });
    await page.fill('#dsearch-id', entry.id);
    await page.click('#dsearch-submit');
    await page.waitForFunction(() => document.querySelectorAll('#dsearch-table tbody tr').length === 1, null, { timeout: 10000 });
    const cells = await page.locator('#dsearch-table tbody tr td').allTextContents();
    // As every view writes a time (i18n.js dateTime): 2026年9月28日 14:40.
    const [, y, mo, d, hm] = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2})/.exec(entry.occurred_at);
    const wall = `${y}年${Number(mo)}月${Number(d)}日 ${hm}`;
    assert.equal(cells[0], wall, `the time is China time (${entry.occurred_at}) on a UTC desktop`);
    assert.equal(cells[1], entry.id);
    assert.match(await page.textContent('#dsearch-count'), /共 1 条/);
    await shot(page, 'office-diary-search');
  });

  test("a member's entries, a page of 50 at a time", async () => {
    await page.fill('#dsearch-id', '');
    await page.fill('#dsearch-member', entry.member);
    await page.click('#dsearch-submit');
    const { body } = await json(page, `/api/v1/diary?member=${encodeURIComponent(entry.member)}&limit=1`);
    assert.ok(body.total > 50, `${entry.member} has more than a page (${body.total})`);
    await page.waitForFunction((n) => document.querySelector('#dsearch-count')?.textContent.includes(`共 ${n} 条`), zhNum(body.total), { timeout: 10000 });
    const first = await page.locator('#dsearch-table tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.key));
    assert.equal(first.length, 50);
    await page.click('#dsearch-next');
    await page.waitForFunction(() => document.querySelector('#dsearch-count')?.textContent.includes('第 51–'), null, { timeout: 10000 });
    const second = await page.locator('#dsearch-table tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.key));
    assert.ok(second.length > 0 && second.every((id) => !first.includes(id)), 'the second page holds other entries');
    await page.click('#dsearch-prev');
    await page.waitForFunction(() => document.querySelector('#dsearch-count')?.textContent.includes('第 1–50'), null, { timeout: 10000 });
  });

  test('the entry is corrected from the search, and the audit log shows before and after', async () => {
    await page.fill('#dsearch-member', '');
    await page.fill('#dsearch-id', entry.id);
    await page.click('#dsearch-submit');
    const button = page.locator(`#dsearch-correct-${entry.id}`);
    await button.waitFor({ timeout: 10000 });
    await button.click();
    await page.locator('#diary-correct').waitFor();
    const notes = `抽查更正 ${entry.id}`;
    await page.fill('#diary-correct-notes', notes);
    await page.fill('#diary-correct-reason', '电话回访核实');
    dialogs.length = 0;
    await page.click('#diary-correct-save');
    await page.waitForFunction(async ([id, n]) => {
      const r = await (await fetch(`/api/v1/diary?id=${id}`)).json();
      return r.entries[0]?.notes === n;
    }, [entry.id, notes], { timeout: 10000 });
    assert.equal(dialogs.length, 1, 'the correction asked to confirm');

    await page.click('#tab-admin');
    await page.locator('#audit-filter').waitFor();
    await page.selectOption('#audit-action', 'diary_correct');
    await page.fill('#audit-subject', entry.id);
    await page.click('#audit-search');
    await page.waitForFunction(() => document.querySelectorAll('#admin-audit-table tbody tr').length === 1, null, { timeout: 10000 });
    const row = await page.textContent('#admin-audit-table tbody tr');
    assert.match(row, /更正民情日记/, row);
    assert.doesNotMatch(row, /diary_correct/, row);
    assert.ok(row.includes(entry.id), `the row names the entry: ${row}`);
    assert.ok(row.includes(`记录：${entry.notes || '—'} → ${notes}`), `the row gives the note before and after: ${row}`);
    assert.ok(row.includes('电话回访核实'), `and the reason: ${row}`);
    await shot(page, 'office-audit-correction');

    await setLang(page, 'en');
    await page.waitForFunction(() => document.querySelector('#admin-audit-table tbody tr')?.textContent.includes('diary entry corrected'), null, { timeout: 10000 });
    assert.equal((await page.textContent('#tab-diary-search')).trim(), 'Diary search');
    await setLang(page, 'zh-CN');
  });

  test('a team leader gets the tab, and finds nothing in another town', async () => {
    const leader = [...demoAccounts().keys()].find((k) => k.startsWith('leader-'));
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN' });
    const lp = await ctx.newPage();
    await openApp(lp, leader);
    await lp.click('#tab-diary-search');
    await lp.locator('#dsearch-count').waitFor({ timeout: 15000 });
    const own = leader.slice('leader-'.length);
    const other = await lp.evaluate(async (code) => (await (await fetch('/api/v1/towns')).json()).towns?.find((x) => x.code !== code)?.code, own);
    const mine = await lp.evaluate(async () => (await (await fetch('/api/v1/diary?limit=1')).json()).total);
    assert.ok(mine > 0, 'the leader sees their town\'s entries');
    const { status, body } = await json(lp, `/api/v1/diary?town=${other}`);
    assert.equal(status, 200);
    assert.equal(body.total, 0, `a leader of ${own} searching ${other} finds nothing`);
    await ctx.close();
  });
});
