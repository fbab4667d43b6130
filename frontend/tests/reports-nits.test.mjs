// The last review's wording and table nits: the members table names each
// contact point by its village (the code only as its tooltip) and shows
// the report's 需关注 verdict as a column; the summary's member checks say
// 队员 and the grant note shows no code (household_points); the rest of
// the terms are held by frontend/wordstest (TestProgrammeTerms).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { apiJSON, DESKTOP, launch, openApp, setWeeks } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

describe('review nits', () => {
  test('members table: contact point by village name, a 需关注 column', async () => {
    const page = await browser.newPage(DESKTOP);
    try {
      await openApp(page, 'planner');
      await setWeeks(page, 0, 4);
      await page.click('#tab-team');
      await page.locator('#members-county').click();
      await page.locator('#members table tbody tr').first().waitFor();
      const win = await page.evaluate(() => window.lianxin.window);
      const api = (await apiJSON(page, `/api/v1/reports/members?from=${win.from}&to=${win.to}`)).rows;
      const withPoint = api.filter((r) => r.contact_point);
      assert.ok(withPoint.length > 0 && withPoint.every((r) => typeof r.contact_point_village === 'string' && r.contact_point_village),
        'set-up: members with a contact point, each with its village named');
      const table = await page.locator('#members table').evaluate((tbl) => {
        const head = [...tbl.querySelectorAll('thead th')].map((th) => th.textContent.trim());
        return {
          head,
          rows: [...tbl.querySelectorAll('tbody tr')].map((tr) => ({ key: tr.dataset.key, cells: [...tr.querySelectorAll('td, th')].map((td) => td.textContent.trim()), titles: [...tr.querySelectorAll('td span[title]')].map((s) => s.title) })),
        };
      });
      const cp = table.head.findIndex((x) => x.startsWith('联系点'));
      const na = table.head.findIndex((x) => x.startsWith('需关注'));
      assert.ok(cp >= 0 && na >= 0, `columns ${JSON.stringify(table.head)}: want 联系点 and 需关注`);
      for (const r of api) {
        const row = table.rows.find((x) => x.key === r.member_code);
        assert.ok(row, `member ${r.member_code} on screen`);
        if (r.contact_point) {
          assert.equal(row.cells[cp], r.contact_point_village, `${r.member_code}: contact point cell ${row.cells[cp]}, want its village`);
          assert.ok(row.titles.includes(r.contact_point), `${r.member_code}: the code ${r.contact_point} as the tooltip`);
        }
        assert.equal(row.cells[na], r.needs_attention ? '是' : '否', `${r.member_code}: 需关注 ${row.cells[na]}, API ${r.needs_attention}`);
      }
      assert.ok(api.some((r) => r.needs_attention) && api.some((r) => !r.needs_attention), 'set-up: both verdicts among the members');
    } finally {
      await page.close();
    }
  });

  test('the summary says 队员; no zh text shows household_points', async () => {
    const page = await browser.newPage(DESKTOP);
    try {
      await openApp(page, 'planner');
      await page.click('#tab-planner');
      await page.waitForFunction(() => document.getElementById('summary')?.getAttribute('aria-busy') === 'false' && document.getElementById('summary-five'), null, { timeout: 60000 });
      const text = await page.locator('#summary').innerText();
      assert.match(text, /联系不足 10 户的队员/);
      assert.doesNotMatch(text, /成员/, 'no 成员 in the summary');
      const note = await page.locator('#layers-grant-note').evaluate((el) => el.textContent);
      assert.doesNotMatch(note, /household_points/, `grant note ${note}`);
    } finally {
      await page.close();
    }
  });
});
