// What an exploratory review of every role found, checked as the user
// meets it: the sign-in form's error follows a change of language; an
// admin without the household grant who opens 日记查询 is told why without
// a request the server must refuse; a village never visited in the window
// shows no weekly chart with a peak of one, but says there was no visit,
// and a community on the route is met by the visit, not "0% after";
// a member's code may be typed in lower case in the diary search; on a
// phone the print view's tables scroll inside the sheet.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { BASE, DESKTOP, PHONE, apiJSON, launch, openApp } from './helpers.mjs';

describe('review 5', () => {
  let browser;
  before(async () => { browser = await launch(); });
  after(async () => { await browser?.close(); });

  test('the sign-in error is worded again in the language chosen', async (t) => {
    const page = await browser.newPage(DESKTOP);
    t.after(() => page.close());
    await page.goto(`${BASE}/`);
    await page.locator('#signin').waitFor({ state: 'visible', timeout: 30000 });
    if ((await page.evaluate(() => document.documentElement.lang)) !== 'zh-CN') await page.click('#signin-lang');
    await page.fill('#signin-user', 'planner');
    await page.fill('#signin-pass', 'not-the-password');
    await page.click('#signin-submit');
    const err = page.locator('#signin-error');
    await page.waitForFunction(() => !document.getElementById('signin-error').hidden, null, { timeout: 15000 });
    assert.equal(await err.textContent(), '用户名或密码错误。');
    await page.click('#signin-lang');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.match(await err.textContent(), /wrong user name or password/i, 'the error in English');
    await page.click('#signin-lang');
    assert.equal(await err.textContent(), '用户名或密码错误。', 'and back in Chinese');
  });

  test('an admin without the household grant is told so in 日记查询 without a refused request', async (t) => {
    // An admin account of its own: the demo's admin may hold the grant by now.
    const setup = await browser.newPage(DESKTOP);
    await openApp(setup, 'admin');
    const password = 'review5-admin-password';
    const status = await setup.evaluate(async (pw) => {
      const me = await (await fetch('/api/v1/auth/me')).json();
      const res = await fetch('/api/v1/admin/users', {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
        body: JSON.stringify({ username: 'review5-admin', password: pw, roles: [{ role: 'admin' }] }),
      });
      return res.status;
    }, password);
    await setup.close();
    assert.ok(status === 201 || status === 409, `the admin account made (${status})`);
    const page = await browser.newPage(DESKTOP);
    t.after(() => page.close());
    await page.goto(`${BASE}/`);
    await page.locator('#signin').waitFor({ state: 'visible', timeout: 30000 });
    await page.fill('#signin-user', 'review5-admin');
    await page.fill('#signin-pass', password);
    await page.click('#signin-submit');
    await page.locator('body[data-ready="true"]').waitFor({ state: 'attached', timeout: 60000 });
    const me = await apiJSON(page, '/api/v1/auth/me');
    assert.equal(me.household_points, false, 'a new admin holds no household grant');
    const asked = [];
    page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/v1/diary') asked.push(r.url()); });
    await page.click('#tab-diary-search');
    const err = page.locator('#dsearch-error');
    await err.waitFor({ timeout: 15000 });
    assert.match(await err.textContent(), /农户点位/);
    await page.click('#dsearch-submit');
    await page.waitForTimeout(300);
    assert.match(await err.textContent(), /农户点位/, 'a search says the same');
    assert.deepEqual(asked, [], 'no diary request was sent');
  });

  test('a village never visited says so instead of a chart peaking at one', async (t) => {
    const page = await browser.newPage(DESKTOP);
    t.after(() => page.close());
    await openApp(page, 'planner');
    const win = await page.evaluate(() => window.lianxin.window);
    const gaps = await apiJSON(page, `/api/v1/reports/gaps?all=true&from=${win.from}&to=${win.to}`);
    // A community never visited: on its town's route too.
    const never = gaps.rows.find((r) => r.visits === 0 && r.rural === false);
    assert.ok(never, 'the demo county has a community without a visit in the window');
    const leader = `leader-${never.town_code}`;
    const lp = await browser.newPage(DESKTOP);
    t.after(() => lp.close());
    await openApp(lp, leader);
    await lp.click('#tab-team');
    await lp.locator(`#gap-table tbody tr[data-key="${never.village_code}"]`).click();
    await lp.locator(`#village-panel[data-code="${never.village_code}"] #village-weekly-none`).waitFor({ timeout: 30000 });
    assert.equal(await lp.locator('#village-weekly-none').textContent(), '所选时段内没有走访。');
    assert.equal(await lp.locator('#village-body .weekly-chart').count(), 0, 'no chart of empty weeks');
    assert.doesNotMatch(await lp.locator('#village-body').innerText(), /最高 1 次\/周/);

    // The route: a community is met by a visit, a village by its share after the visits.
    await lp.locator('#plan table tbody tr').first().waitFor({ timeout: 30000 });
    const stops = await lp.locator('#plan table tbody tr').evaluateAll((trs) => trs.map((tr) => ({
      code: tr.dataset.key, last: tr.lastElementChild.textContent.trim(),
    })));
    const rural = new Map(gaps.rows.map((r) => [r.village_code, r.rural]));
    const communities = stops.filter((s) => rural.get(s.code) === false);
    assert.ok(communities.length > 0, `the route ${JSON.stringify(stops)} holds a community`);
    for (const s of stops) {
      if (rural.get(s.code) === false) assert.equal(s.last, '走访即达标', `community ${s.code}`);
      else assert.match(s.last, /%$/, `village ${s.code}: its share after the visits`);
    }
  });

  test('on a phone the print view\'s tables scroll inside the sheet', async (t) => {
    const context = await browser.newContext(PHONE);
    t.after(() => context.close());
    const page = await context.newPage();
    await openApp(page, 'leader-321299103');
    await page.click('#tab-team');
    await page.locator('#gaps table').waitFor({ timeout: 30000 });
    await page.click('#print-open');
    await page.locator('#print-gaps table').waitFor({ timeout: 30000 });
    const box = await page.locator('#print-gaps').evaluate((el) => {
      const sheet = document.getElementById('print-view');
      return {
        overflow: getComputedStyle(el).overflowX, scroll: el.scrollWidth, client: el.clientWidth,
        sheetScroll: sheet.scrollWidth, sheetClient: sheet.clientWidth,
      };
    });
    assert.equal(box.overflow, 'auto', 'the gaps box scrolls sideways on its own when its table is wider');
    assert.ok(box.sheetScroll <= box.sheetClient + 1, `the sheet itself does not run off the screen (${box.sheetScroll} > ${box.sheetClient}px)`);
  });

  test('a member\'s code in lower case finds their entries', async (t) => {
    const page = await browser.newPage(DESKTOP);
    t.after(() => page.close());
    await openApp(page, 'leader-321299101');
    const [entry] = (await apiJSON(page, '/api/v1/diary?limit=1')).entries;
    assert.ok(entry, 'the leader lists an entry');
    const total = async (member) => (await apiJSON(page, `/api/v1/diary?limit=1&member=${encodeURIComponent(member)}`)).total;
    const exact = await total(entry.member);
    assert.ok(exact > 0);
    await page.click('#tab-diary-search');
    await page.fill('#dsearch-member', entry.member.toLowerCase());
    await page.click('#dsearch-submit');
    await page.waitForFunction(() => document.querySelector('#dsearch-table'), null, { timeout: 15000 });
    assert.match(await page.textContent('#dsearch-count'), new RegExp(`共 ${new Intl.NumberFormat('zh-CN').format(exact)} 条`));
  });
});
