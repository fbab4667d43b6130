// The county-wide members table (工作队 → 全县队员): a planner, with no team
// chosen, lists every member of the county with their team's and town's
// names, the window's households and the standing count the ten-household
// rule judges, in the rule's bands ("<10", "≥10"), never "<11"; the CSV
// link asks every team and its file has one column per campaign week. In
// English the same table reads in English. A team leader, held to their
// own towns, is not offered the county.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { apiJSON, demoAccounts, DESKTOP, launch, openApp, setLang, setWeeks, shot } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const leaderName = () => [...demoAccounts().entries()].find(([, a]) => a.role.startsWith('team_leader'))?.[0];

/** cellTexts reads the county members table: its header and each row's cells. */
const tableOf = (page) => page.locator('#members table').evaluate((tbl) => ({
  head: [...tbl.querySelectorAll('thead th')].map((th) => th.textContent.trim()),
  rows: [...tbl.querySelectorAll('tbody tr')].map((tr) => ({
    key: tr.dataset.key,
    cells: [...tr.querySelectorAll('td, th')].map((td) => td.textContent.trim()),
  })),
}));

describe('the county-wide members table', () => {
  test('a planner lists every member with team and town, in the rule\'s bands', async () => {
    const context = await browser.newContext(DESKTOP);
    const page = await context.newPage();
    try {
      await openApp(page, 'planner');
      await setWeeks(page, 0, 4); // four weeks from the campaign's start
      await page.click('#tab-team');
      const show = page.locator('#members-county');
      await show.waitFor();
      assert.equal((await show.textContent()).trim(), '显示全县队员');
      await show.click();
      await page.locator('#members table tbody tr').first().waitFor();

      const win = await page.evaluate(() => window.lianxin.window);
      const api = await apiJSON(page, `/api/v1/reports/members?from=${win.from}&to=${win.to}`);
      const rows = api.rows;
      const teams = new Set(rows.map((r) => r.team));
      assert.ok(teams.size > 1, `the county's members come from ${teams.size} team(s)`);
      assert.ok(rows.every((r) => r.team_name && r.town_name), 'every row names its team and town');
      for (const r of rows) {
        for (const k of ['households_contacted', 'households_to_date']) {
          const v = r[k];
          assert.ok(typeof v === 'number' || v === '<10' || v === '≥10', `${r.member_code} ${k} = ${JSON.stringify(v)}, want a number or a band at 10`);
          if (typeof v === 'number') assert.ok(v === 0 || v >= 10, `${r.member_code} ${k} = ${v} shown to a planner: 1 to 9 read "<10"`);
        }
        assert.equal(r.meets_target, r.households_to_date === '≥10', `${r.member_code}: meets_target ${r.meets_target} beside ${r.households_to_date} since the start`);
      }
      assert.ok(rows.some((r) => r.households_to_date === '≥10'), 'some member has ten households since the start');

      const { head, rows: shown } = await tableOf(page);
      for (const col of ['工作队', '乡镇（街道、园区）', '本期联系户数', '累计联系户数（活动开始至今）', '本周无记录']) {
        assert.ok(head.some((h) => h.startsWith(col)), `header ${JSON.stringify(head)} has ${col}`);
      }
      assert.equal(shown.length, rows.length, `the table lists ${shown.length} members, the report ${rows.length}`);
      const teamCol = head.findIndex((h) => h.startsWith('工作队'));
      const byCode = new Map(rows.map((r) => [r.member_code, r]));
      const toDateCol = head.findIndex((h) => h.startsWith('累计联系户数'));
      for (const tr of shown) {
        const r = byCode.get(tr.key);
        assert.ok(r, `table row ${tr.key} is in the report`);
        assert.equal(tr.cells[teamCol], r.team_name, `${tr.key}: team cell`);
        assert.equal(tr.cells[toDateCol], String(r.households_to_date), `${tr.key}: households since the start`);
      }
      const text = await page.locator('#members').textContent();
      assert.doesNotMatch(text, /<11/, 'no "<11" in the members table');
      // A standing count in its band beside the period's exact count is explained.
      assert.match(await page.locator('#members-band-note').textContent(), /只显示是否达到 10 户/);

      // The CSV asks every team: one column per week of the window.
      const href = await page.locator('#members-csv').getAttribute('href');
      assert.doesNotMatch(href, /team=/, `CSV link ${href} asks one team`);
      const csv = await page.evaluate(async (u) => (await fetch(u)).text(), href);
      const header = csv.replace(/^\ufeff/, '').split(/\r?\n/)[0].split(',');
      const weekCols = header.filter((h) => /^(每周走访|weekly_visits)\.\d{4}-\d\d-\d\d~\d\d-\d\d$/.test(h));
      assert.equal(weekCols.length, 4, `CSV header ${header.join(',')}: want 4 week columns`);
      assert.ok(header.some((h) => h === '工作队名称' || h === 'team_name'), `CSV header has the team's name: ${header.join(',')}`);
      await shot(page, 'members-county-zh');

      await setLang(page, 'en');
      await page.locator('#members table').waitFor();
      const en = await tableOf(page);
      for (const col of ['Team', 'Town', 'Households this window', 'Households since the start', 'No entry this week']) {
        assert.ok(en.head.some((h) => h.startsWith(col)), `English header ${JSON.stringify(en.head)} has ${col}`);
      }
      assert.equal(en.rows.length, rows.length, 'the same members in English');
      await shot(page, 'members-county-en');
    } finally {
      await context.close();
    }
  });

  test('a team leader is not offered the county', async (t) => {
    const leader = leaderName();
    if (!leader) return t.skip('this server has no team leader account');
    const context = await browser.newContext(DESKTOP);
    const page = await context.newPage();
    try {
      await openApp(page, leader);
      await page.click('#tab-team');
      await page.locator('#members table').waitFor({ timeout: 30000 });
      assert.equal(await page.locator('#members-county').count(), 0, 'a team leader sees a "show every member" button');
    } finally {
      await context.close();
    }
  });
});
