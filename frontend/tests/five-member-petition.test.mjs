// Review 3, faults 5 and 13, in the planner's five-coverages panel: a
// member cannot judge their teammates (the members lists are null, and the
// page says why, never 0), and the households with a standing petition case
// not visited (five full coverages #3) have a card of their own, the API's
// count as each role may see it; a team leader downloads them by name from
// the team tab.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { launch, mapIdle, openApp, shot } from './helpers.mjs';

const TOWN = '321299101';

async function summaryLoaded(page) {
  await page.waitForFunction(() => document.getElementById('summary').getAttribute('aria-busy') === 'false'
    && document.getElementById('summary-five'));
}

async function summaryOf(page, town) {
  return page.evaluate(async (t) => {
    const w = window.lianxin.window;
    const q = new URLSearchParams({ from: w.from, to: w.to });
    if (t) q.set('town', t);
    return (await fetch(`/api/v1/reports/summary?${q}`)).json();
  }, town);
}

describe('five coverages: members and petition households', () => {
  let browser;
  before(async () => { browser = await launch(); });
  after(async () => { await browser?.close(); });

  const cases = [
    // Petition households reach a member as published counts (migration 032).
    { user: 'member-M0001', town: TOWN, members: 'notJudged', petition: 'count' },
    { user: 'leader-321299101', town: TOWN, members: 'judged', petition: 'count' },
    { user: 'planner', town: '', members: 'judged', petition: 'count' },
  ];
  for (const c of cases) {
    test(`${c.user}, town ${c.town || 'county'}`, async () => {
      const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, deviceScaleFactor: 1, locale: 'zh-CN' });
      try {
        await openApp(page, c.user);
        await page.click('#tab-planner');
        if (c.town) {
          await page.selectOption('#town', c.town);
          await mapIdle(page);
        }
        await summaryLoaded(page);
        const five = (await summaryOf(page, c.town)).five_coverages;
        for (const k of ['members_below_target', 'members_without_contact_point']) {
          const card = await page.locator(`#summary .card[data-key="${k}"] dd`).innerText();
          if (c.members === 'notJudged') {
            assert.equal(five[k], null, `${c.user}: API ${k} ${JSON.stringify(five[k])}, want null (not judged)`);
            assert.equal(card, '不判（队员只看得到本人的记录）', `${c.user}: ${k} card`);
          } else {
            assert.ok(Array.isArray(five[k]), `${c.user}: API ${k} ${JSON.stringify(five[k])}, want a list`);
            assert.doesNotMatch(card, /不判/, `${c.user}: ${k} card ${JSON.stringify(card)}`);
          }
        }
        if (c.members === 'notJudged') {
          const note = await page.locator('#summary-five-towns').innerText();
          assert.match(note, /队员两项不判/, `${c.user}: note ${JSON.stringify(note)} says members are not judged`);
        }
        const v = five.petition_households_unvisited;
        const card = await page.locator('#summary .card[data-key="petition_households_unvisited"] dd').innerText();
        if (c.petition === 'notJudged') {
          assert.equal(v, null, `${c.user}: API petition_households_unvisited ${JSON.stringify(v)}, want null`);
          assert.match(card, /^不判/, `${c.user}: petition card ${JSON.stringify(card)}`);
        } else if (typeof v === 'number') {
          assert.ok(v > 0, `${c.user}: petition households not visited ${v}; the demo has some`);
          assert.equal(card.replace(/[,，]/g, ''), String(v), `${c.user}: petition card ${JSON.stringify(card)}, API ${v}`);
        } else {
          assert.equal(typeof v, 'string', `${c.user}: API petition_households_unvisited ${JSON.stringify(v)}`);
          assert.notEqual(card, '0', `${c.user}: a hidden count reads as its label, not 0`);
        }
        await page.locator('#summary-five').scrollIntoViewIfNeeded();
        await shot(page, `five-petition-${c.user}`);
        if (c.user.startsWith('leader-')) {
          // The team tab's link gives the petition households by name.
          await page.click('#tab-team');
          await page.locator('#special-petition-csv').waitFor({ timeout: 30000 });
          const href = await page.locator('#special-petition-csv').getAttribute('href');
          assert.match(href, /group=petition/, `petition CSV link ${href}`);
          const got = await page.evaluate(async (u) => {
            const csv = (await (await fetch(u)).text()).split('\n').filter(Boolean).length - 1;
            const json = await (await fetch(u.replace(/format=csv/, 'format=json').replace(/&lang=zh/, ''))).json();
            return { csv, rows: json.rows.length, petition: json.rows.every((r) => r.groups.includes('petition')) };
          }, href);
          assert.ok(got.rows > 0 && got.csv === got.rows && got.petition,
            `petition list: CSV ${got.csv} rows, JSON ${got.rows}, every row petition ${got.petition}`);
        }
      } finally {
        await page.close();
      }
    });
  }
});
