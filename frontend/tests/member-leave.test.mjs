// The admin view sets and clears a member's last day in the corps (PATCH
// /api/v1/admin/members/{code}): a day before the member's latest diary
// entry is refused with the reason worded in Chinese (that entry's day,
// how many entries fall after the asked day), the latest entry's day is
// taken with the day before and after said, the team view's county list
// marks the member 已离队, and clearing brings them back; in English the
// form and its result read in English. The member field offers the whole
// register, by name and team. The accounts list's search finds an account
// named in Chinese.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { DESKTOP, apiJSON, launch, openApp, setLang, shot } from './helpers.mjs';

/** dayAfter is the day n days after day (YYYY-MM-DD). */
const dayAfter = (day, n) => {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};

describe('a member\'s last day in the admin view', () => {
  let browser;
  let page;
  let member;
  before(async () => {
    browser = await launch();
    page = await browser.newPage(DESKTOP);
    await openApp(page, 'admin');
    await page.click('#tab-admin');
    await page.waitForSelector('#admin-left-member');
  });
  after(async () => {
    // Leave the member serving for the tests after this one.
    if (member) {
      await page?.evaluate(async (code) => {
        const me = await (await fetch('/api/v1/auth/me')).json();
        await fetch(`/api/v1/admin/members/${code}`, {
          method: 'PATCH', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token }, body: JSON.stringify({ left_on: null }),
        });
      }, member).catch(() => {});
    }
    await browser?.close();
  });

  /** leftOnOf is the member's left_on as the members report gives it. */
  const leftOnOf = async (code) => {
    const win = await page.evaluate(() => window.lianxin.window);
    const rep = await apiJSON(page, `/api/v1/reports/members?from=${win.from}&to=${win.to}`);
    const row = rep.rows.find((r) => r.member_code === code);
    assert.ok(row, `the members report has a row of ${code}`);
    return row.left_on;
  };

  test('the member field offers every member of the register, by name and team', async () => {
    // The members report is the register as an admin sees it: every member,
    // whether or not an account holds them.
    const rep = await apiJSON(page, '/api/v1/reports/members');
    assert.ok(rep.rows.length > 10, `the demo county has members (${rep.rows.length})`);
    await page.focus('#admin-left-member');
    await page.waitForFunction((n) => document.querySelectorAll('#admin-left-members option').length === n, rep.rows.length);
    const offered = await page.$$eval('#admin-left-members option', (os) => os.map((o) => [o.value, o.textContent]));
    assert.deepEqual(offered.map(([code]) => code).sort(), rep.rows.map((r) => r.member_code).sort());
    const labels = new Map(offered);
    for (const r of rep.rows) assert.equal(labels.get(r.member_code), `${r.member_name} · ${r.team_name}`);
  });

  test('refused before the latest entry, set on it, marked 已离队 in the team view, cleared; in English', async () => {
    // The member with the most entries in the page's window; their latest
    // entry's day as the first refusal names it, which the next two asks
    // check from both sides (the day before refused, the day itself taken).
    const win = await page.evaluate(() => window.lianxin.window);
    const rep = await apiJSON(page, `/api/v1/reports/members?from=${win.from}&to=${win.to}`);
    member = rep.rows.reduce((a, b) => (b.diary_entries > a.diary_entries ? b : a)).member_code;
    const { starts_on: start } = await apiJSON(page, '/api/v1/campaign');
    assert.equal(await leftOnOf(member), null, `${member} serves before the test`);

    await page.fill('#admin-left-member', member);
    await page.fill('#admin-left-on', start);
    await page.click('#admin-left-save');
    await page.waitForFunction(() => document.getElementById('admin-left-result')?.classList.contains('error'));
    const first = await page.locator('#admin-left-result').innerText();
    const latest = /最近一条日记的日期 (\d{4}-\d{2}-\d{2})/.exec(first)?.[1];
    assert.ok(latest, `refusal ${first} names the latest entry's day`);
    assert.doesNotMatch(first, /latest|entries/, 'no server English on the Chinese page');
    assert.equal(await page.locator('#admin-left-result').getAttribute('role'), 'alert');

    // The day before the latest entry: refused, naming the same day and
    // fewer entries after it than after the campaign's first day (the Go
    // tests count them exactly against the diary); nothing written.
    const countOf = (text) => Number(/还有 (\d+) 条日记/.exec(text)?.[1]);
    await page.fill('#admin-left-on', dayAfter(latest, -1));
    await page.click('#admin-left-save');
    await page.waitForFunction((d) => new RegExp(`离队日期 ${d} 早于`).test(document.getElementById('admin-left-result')?.innerText || ''), dayAfter(latest, -1));
    const refused = await page.locator('#admin-left-result').innerText();
    assert.match(refused, new RegExp(`最近一条日记的日期 ${latest}`), `refusal ${refused}`);
    assert.ok(countOf(refused) >= 1 && countOf(refused) <= countOf(first), `refusal ${refused}: entries after the day before ${latest}, at most those after ${start} (${first})`);
    assert.equal(await leftOnOf(member), null, 'nothing written');

    // No day chosen: the page asks for one, and sends nothing.
    await page.fill('#admin-left-on', '');
    await page.click('#admin-left-save');
    await page.waitForFunction(() => /请选择离队日期/.test(document.getElementById('admin-left-result')?.innerText || ''));

    // The latest entry's day: taken, the day before and after said.
    await page.fill('#admin-left-on', latest);
    await page.click('#admin-left-save');
    await page.waitForFunction(() => document.getElementById('admin-left-result')?.classList.contains('ok'));
    const done = await page.locator('#admin-left-result').innerText();
    assert.match(done, new RegExp(`（${member}）的离队日期：在队 → `), `result ${done}`);
    assert.equal(await leftOnOf(member), latest);
    const audit = await apiJSON(page, `/api/v1/admin/audit?action=member_left&subject=${member}`);
    assert.ok((audit.events || []).some((e) => e.target === member && e.detail?.left_on === latest), `audit ${JSON.stringify(audit).slice(0, 300)}`);
    await shot(page, 'member-leave-zh');

    // The team view's county list marks the member.
    await page.click('#tab-team');
    await page.locator('#members-county').click();
    const mark = page.locator(`#members tr[data-key="${member}"] .member-left`);
    await mark.waitFor({ timeout: 30000 });
    assert.match(await mark.innerText(), /已离队/);
    assert.equal(await mark.getAttribute('data-left-on'), latest);
    await shot(page, 'member-leave-team');

    // Cleared: serving again.
    await page.click('#tab-admin');
    await page.fill('#admin-left-member', member);
    await page.click('#admin-left-clear');
    await page.waitForFunction(() => /→ 在队$/.test(document.getElementById('admin-left-result')?.innerText || ''));
    assert.equal(await leftOnOf(member), null, 'cleared');
    assert.equal(await page.locator('#admin-left-on').inputValue(), '');

    // In English, the form and its result.
    await setLang(page, 'en');
    await page.waitForFunction(() => document.getElementById('admin-left-title')?.innerText === 'A member’s last day');
    assert.match(await page.locator('#admin-left-result').innerText(), new RegExp(`\\(${member}\\): last day .+ → serving$`));
    assert.equal(await page.locator('label[for="admin-left-on"]').innerText(), 'Last day');
    await setLang(page, 'zh-CN');
  });

  test('the accounts search finds an account named in Chinese', async () => {
    const name = `陈晓燕${Date.now().toString(36).slice(-3).replace(/[^a-z0-9]/g, '')}`;
    await page.fill('#admin-username', name);
    await page.selectOption('#admin-role', 'planner');
    await page.click('#admin-add button[type=submit]');
    await page.locator('#admin-password').waitFor();
    await page.locator(`#admin-user-table tbody tr[data-key="${name}"]`).waitFor();
    await page.fill('#admin-user-search', '晓燕');
    await page.waitForFunction(() => /^显示 /.test(document.getElementById('admin-user-count')?.innerText || ''));
    const keys = await page.locator('#admin-user-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.key));
    assert.ok(keys.includes(name), `search 晓燕 lists ${JSON.stringify(keys)}, want ${name}`);
    assert.ok(keys.every((k) => k.includes('晓燕')), `search 晓燕 lists only accounts named so: ${JSON.stringify(keys)}`);
    await page.fill('#admin-user-search', '');
  });
});
