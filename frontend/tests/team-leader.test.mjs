// The team leader's view, as a team leader signs in: the special-group
// households still to visit (five full coverages #4 and #5) per village with
// their CSV and map points, the route's way back to the base as its own leg,
// "at least" households beside the typical figure, one column of diary
// entries in the members' table, and each report asked once on first load.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openApp, demoAccounts, mapIdle, shot } from './helpers.mjs';

const leaderName = () => [...demoAccounts().entries()].find(([, a]) => a.role.startsWith('team_leader'))?.[0];

describe('the team view of a team leader', () => {
  let browser;
  let page;
  const asked = []; // every API URL the page asked, in order
  before(async (t) => {
    if (!leaderName()) {
      t.skip('this server has no team leader account');
      return;
    }
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith('/api/')) asked.push(u.pathname + u.search);
    });
    await openApp(page, leaderName());
    // The team view loads its own team on "ready": wait until it has drawn.
    await page.click('#tab-team');
    await page.locator('#gaps table, #gaps p').first().waitFor({ timeout: 30000 });
    await page.locator('#members table').waitFor({ timeout: 30000 });
    // Waited for, not required here: its own test says when it is missing.
    await page.locator('#special-households .special-total, #special-households p').first().waitFor({ timeout: 30000 }).catch(() => {});
    await mapIdle(page);
  });
  after(async () => { await browser?.close(); });

  test('first load asks each report and list once', async (t) => {
    if (!page) return t.skip();
    const count = (prefix) => asked.filter((u) => u.split('?')[0] === prefix);
    // Per path, whatever the parameters: the diary's member picker once asked
    // /teams and /reports/members again (without the window). The gap report
    // is asked twice on purpose: the planner's village list (all=true) and
    // the team's gaps are different reports.
    for (const path of ['/api/v1/teams', '/api/v1/reports/members', '/api/v1/reports/next',
      '/api/v1/reports/special-households', '/api/v1/towns', '/api/v1/auth/me', '/api/v1/campaign']) {
      const urls = count(path);
      assert.ok(urls.length <= 1, `${path} asked ${urls.length} times on first load: ${urls.join(' ; ')}; want once`);
    }
    const dup = asked.filter((u, i) => asked.indexOf(u) !== i && !u.startsWith('/api/v1/diary'));
    assert.deepEqual(dup, [], `URLs asked more than once on first load: ${dup.join(' ; ')}`);
  });

  test('the special-group households still to visit, per village, as the API lists them', async (t) => {
    if (!page) return t.skip();
    const win = await page.evaluate(() => window.lianxin.window);
    const team = await page.evaluate(() => window.lianxin.team.team.code);
    const api = await page.evaluate(async ({ team, win }) => {
      const r = await fetch(`/api/v1/reports/special-households?team=${team}&from=${win.from}&to=${win.to}`);
      return { status: r.status, body: await r.json() };
    }, { team, win });
    assert.equal(api.status, 200, `GET special-households as a team leader: ${api.status} ${JSON.stringify(api.body).slice(0, 200)}`);
    const rows = api.body.rows;
    assert.ok(await page.locator('#special-households').count(), 'the team view has a section of the households still to visit');
    assert.ok(rows.length > 0, 'the demo team has special households not yet visited');
    const villages = [...new Set(rows.map((r) => r.village_code))];
    const shown = await page.locator('#special-households details.special-village').evaluateAll((ds) => ds.map((d) => d.dataset.village));
    assert.deepEqual(shown, villages, `villages listed ${shown.join(',')}, want the API's ${villages.join(',')}`);
    // A village opens to its households, by number, with the head's name (a team leader has personal fields).
    const first = page.locator('#special-households details.special-village').first();
    await first.locator('summary').click();
    // The table is built on the details' toggle event, which the browser
    // fires after the click returns.
    await first.locator('tbody tr').first().waitFor({ timeout: 10000 });
    const households = await first.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.key));
    const want = rows.filter((r) => r.village_code === villages[0]).map((r) => r.household);
    assert.deepEqual(households, want, `households of ${villages[0]}: ${households.join(',')}, want ${want.join(',')}`);
    const summary = await first.locator('summary').innerText();
    const poor = want.length && rows.filter((r) => r.village_code === villages[0] && r.groups.includes('poor')).length;
    if (poor) assert.ok(summary.includes(`贫困 ${poor}`), `summary ${JSON.stringify(summary)} counts ${poor} poor households`);
    assert.ok(rows.every((r) => typeof r.head_name === 'string'), 'a team leader gets the head of household');
    // The CSV link gives the same rows, with a UTF-8 BOM for Excel.
    const href = await page.locator('#special-csv').getAttribute('href');
    const csv = await page.evaluate(async (u) => {
      const b = new Uint8Array(await (await fetch(u)).arrayBuffer());
      const lines = new TextDecoder('utf-8', { ignoreBOM: true }).decode(b).split('\n').filter(Boolean).length;
      return `${b.slice(0, 3).join(',')}|${lines}`;
    }, href);
    assert.equal(csv, `239,187,191|${rows.length + 1}`, `CSV ${href}: BOM and lines ${csv}, want 239,187,191|${rows.length + 1}`);
    // Shown on the map: one point per household.
    await page.check('#special-on-map');
    await mapIdle(page);
    const points = await page.evaluate(() => window.lianxin.map.map.getSource('team-special')?.serialize().data.features.length);
    assert.equal(points, rows.filter((r) => Number.isFinite(r.lon)).length, 'each household is a point on the map');
    await shot(page, 'team-special-households');
    await page.uncheck('#special-on-map');
  });

  test('the route shows the way back to the base, and its legs add up to the total', async (t) => {
    if (!page) return t.skip();
    const team = await page.evaluate(() => window.lianxin.team.team.code);
    const win = await page.evaluate(() => window.lianxin.window);
    const n = await page.inputValue('#plan-n');
    const plan = await page.evaluate(async (q) => (await fetch(`/api/v1/reports/next?${new URLSearchParams(q)}`)).json(), { team, n, from: win.from, to: win.to });
    assert.ok(plan.stops.length > 0 && plan.return_km > 0, `the demo team's plan has stops and a way back: ${JSON.stringify(plan).slice(0, 200)}`);
    const back = page.locator('#plan tfoot tr.plan-return');
    assert.equal(await back.count(), 1, 'the plan has a row for the way back to the base');
    const cells = await back.locator('td, th').allInnerTexts();
    assert.ok(cells.includes(plan.return_km.toFixed(1)), `return row ${cells.join('|')} shows ${plan.return_km.toFixed(1)} km`);
    const legs = await page.locator('#plan tbody tr').evaluateAll((trs) => trs.map((tr) => tr.children[2].textContent));
    const sum = [...legs, plan.return_km.toFixed(1)].reduce((a, x) => a + Number(x), 0);
    assert.ok(Math.abs(sum - plan.total_km) < 0.05 * (plan.stops.length + 1), `legs ${legs.join('+')} + back ${plan.return_km} = ${sum}, total ${plan.total_km}`);
    const total = await page.locator('#plan .plan-total').innerText();
    assert.ok(total.includes('含返回驻地'), `total ${JSON.stringify(total)} says it includes the way back`);
    // And the print view.
    await page.click('#print-open');
    await page.locator('#print-view[data-ready="true"]').waitFor({ timeout: 30000 });
    assert.equal(await page.locator('#print-plan tfoot tr.plan-return').count(), 1, 'the print view has the way back too');
    await page.click('#print-close');
  });

  test('households needed reads "at least", with the typical figure beside it when the API has it', async (t) => {
    if (!page) return t.skip();
    const heads = await page.locator('#gaps thead th').allInnerTexts();
    assert.ok(heads.some((x) => x.includes('至少')), `gap table headings ${heads.join('|')}: households needed says "at least"`);
    const gaps = await page.evaluate(() => window.lianxin.team.gaps);
    if (gaps.some((r) => 'households_needed_typical' in r)) {
      assert.ok(heads.some((x) => x.includes('按平均户规模')), `headings ${heads.join('|')} show the typical figure the API gives`);
    } else {
      assert.ok(!heads.some((x) => x.includes('按平均户规模')), 'no typical column without the field');
    }
  });

  test('the members table has one column of diary entries', async (t) => {
    if (!page) return t.skip();
    const heads = await page.locator('#members thead th').allInnerTexts();
    assert.ok(!heads.some((x) => x.includes('走访次数')), `members headings ${heads.join('|')}: no "visits" column repeating the entries`);
    assert.equal(heads.filter((x) => x.includes('民情日记')).length, 1, `members headings ${heads.join('|')}: one diary column`);
  });
});

