// The members table sorts households contacted as numbers, and another
// member's "<10" (1 to 9, as a planner reads it) inside its range, below
// 10. The demo's teams are of two members, so each case picks the team
// whose two values a wrong sort would put in the wrong order, and fails
// (never skips) when the seeded county holds no such team:
//   - figures of different lengths whose text order is not their order
//     (98 and 365: "365" < "98" as text), which a sort of the cells' text
//     or of the formatted figures gets wrong;
//   - "<10" beside the smallest figure there is, which a sort reading the
//     label's digits (10) ties, and a sort that leaves it out of order
//     (NaN) keeps in the server's order one way or the other.
// Each is checked up and down: a sort that does nothing passes one
// direction at most.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { apiJSON, launch, openApp, shot } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** value is households_contacted as the table should sort it. */
const value = (v) => (typeof v === 'string' ? 5 : v);
/** byText is the order of the values' text, the wrong sort this test must catch. */
const byText = (a, b) => String(a).localeCompare(String(b));

const cases = [
  {
    name: 'figures sort by number, not by their text',
    weeks: 'all',
    // Two figures whose text order is the reverse of their order.
    pick: (vals) => vals.every((v) => typeof v === 'number') && vals[0] !== vals[1]
      && [...vals].sort(byText)[0] !== [...vals].sort((a, b) => a - b)[0],
    score: (vals) => -Math.abs(String(vals[0]).length - String(vals[1]).length),
  },
  {
    name: '"<10" sorts below the smallest figure',
    weeks: 4,
    pick: (vals) => vals.some((v) => typeof v === 'string') && vals.some((v) => typeof v === 'number'),
    // The nearer the figure is to 10, the more wrong sorts it catches.
    score: (vals) => Math.min(...vals.filter((v) => typeof v === 'number')),
  },
];

describe('members table', () => {
  for (const tc of cases) {
    test(tc.name, async () => {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN' });
      const page = await context.newPage();
      try {
        await openApp(page, 'planner');
        await page.locator('#week-from').evaluate((el) => { el.value = '0'; el.dispatchEvent(new Event('change')); });
        await page.locator('#week-to').evaluate((el, weeks) => {
          el.value = weeks === 'all' ? el.max : String(weeks);
          el.dispatchEvent(new Event('change'));
        }, tc.weeks);
        await page.click('#tab-team');
        const win = await page.evaluate(() => window.lianxin.window);
        const teams = await apiJSON(page, '/api/v1/teams');
        let best = null;
        for (const { code } of Array.isArray(teams) ? teams : teams.teams) {
          const r = await apiJSON(page, `/api/v1/reports/members?team=${code}&from=${win.from}&to=${win.to}`);
          const rows = r.rows || r.members || r;
          const vals = rows.map((m) => m.households_contacted);
          if (rows.length !== 2 || !tc.pick(vals)) continue;
          if (!best || tc.score(vals) < best.score) best = { code, rows, score: tc.score(vals) };
        }
        assert.ok(best, `a team of the seeded demo whose two members' households contacted (${win.from} to ${win.to}) a wrong sort orders wrongly`);
        const byCode = new Map(best.rows.map((m) => [m.member_code, m.households_contacted]));
        await page.selectOption('#team', best.code);
        await page.locator('#members tbody tr').first().waitFor();
        for (const dir of ['asc', 'desc']) {
          await page.click('#members button[data-key="households_contacted"]');
          await page.locator(`#members th[aria-sort="${dir === 'asc' ? 'ascending' : 'descending'}"]`).waitFor();
          const got = await page.locator('#members tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.key));
          const sign = dir === 'asc' ? 1 : -1;
          const want = best.rows.map((m) => m.member_code)
            .sort((a, b) => (value(byCode.get(a)) - value(byCode.get(b))) * sign);
          assert.deepEqual(got, want, `team ${best.code} sorted ${dir} by households contacted ${JSON.stringify(Object.fromEntries(byCode))}: got ${got}, want ${want}`);
        }
        await shot(page, `members-sorted-${tc.weeks}`);
      } finally {
        await context.close();
      }
    });
  }
});
