// The summary's five full coverages for a team leader: towns, villages and
// special groups cover the area asked as a planner sees them (never the
// zeros of a town not theirs), and the page says that projects and members
// are judged in the leader's own town only, "not judged" for another town.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { launch, mapIdle, openApp, shot } from './helpers.mjs';

const LEADER = 'leader-321299102';
const OTHER = '321299105'; // not the leader's town

/** summaryLoaded waits until the summary panel shows the last summary asked for. */
async function summaryLoaded(page) {
  await page.waitForFunction(() => document.getElementById('summary').getAttribute('aria-busy') === 'false'
    && document.getElementById('summary-five'));
}

/** summaryOf reads the summary API as the page's user, for its window and town. */
async function summaryOf(page, town) {
  return page.evaluate(async (t) => {
    const w = window.lianxin.window;
    const q = new URLSearchParams({ from: w.from, to: w.to });
    if (t) q.set('town', t);
    const res = await fetch(`/api/v1/reports/summary?${q}`);
    return res.json();
  }, town);
}

describe('five full coverages for a team leader', () => {
  let browser;
  let page;

  before(async () => {
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1366, height: 900 }, deviceScaleFactor: 1, locale: 'zh-CN' });
    await openApp(page, LEADER);
    await page.click('#tab-planner');
    await mapIdle(page);
  });

  after(async () => {
    await browser?.close();
  });

  const cases = [
    { name: 'the county', town: '', judged: true },
    { name: 'another town', town: OTHER, judged: false },
  ];
  for (const c of cases) {
    test(`${c.name}: the planner's figures, and which towns projects and members judge`, async () => {
      if (c.town) {
        await page.selectOption('#town', c.town);
        await mapIdle(page);
      }
      await summaryLoaded(page);
      const api = await summaryOf(page, c.town);
      const five = api.five_coverages;
      assert.ok(Array.isArray(five.towns), `five_coverages.towns for ${LEADER}: ${JSON.stringify(five.towns)}`);
      const note = await page.locator('#summary-five-towns').innerText();
      assert.match(note, /只看本镇/, `note ${JSON.stringify(note)} says projects and members are the own town's`);
      const area = c.town ? await page.evaluate((t) => window.lianxin.towns.find((x) => x.code === t).name, c.town) : '全县';
      assert.ok(note.includes(area), `note ${JSON.stringify(note)} names the area ${area}`);
      // Villages and special groups: the API's, as a planner sees them.
      const nv = five.villages_without_visit.length;
      const villages = await page.locator('#summary .card[data-key="villages_without_visit"] dd').innerText();
      assert.match(villages, new RegExp(`^${nv}`), `villages without visit: card ${JSON.stringify(villages)}, API ${nv}`);
      const counts = Object.values(five.special_unvisited).filter((v) => typeof v === 'number');
      assert.ok(counts.some((v) => v > 0), `special groups waiting for ${c.name}: ${JSON.stringify(five.special_unvisited)}, want the planner's figures, not zeros`);
      for (const k of ['projects_without_visit', 'members_below_target', 'members_without_contact_point']) {
        const card = await page.locator(`#summary .card[data-key="${k}"] dd`).innerText();
        if (c.judged) {
          assert.ok(Array.isArray(five[k]), `${k} judged: ${JSON.stringify(five[k])}`);
          assert.doesNotMatch(card, /不判/, `${k} card ${JSON.stringify(card)}`);
        } else {
          assert.equal(five[k], null, `${k} for another town: ${JSON.stringify(five[k])}, want null (not judged)`);
          assert.equal(card, '不判（非本镇）', `${k} card for another town`);
        }
      }
      await page.locator('#summary-five-towns').scrollIntoViewIfNeeded();
      await shot(page, `five-towns-${c.town || 'county'}`);
    });
  }

  test('the planner sees no own-town note', async () => {
    const planner = await browser.newPage({ viewport: { width: 1366, height: 900 }, deviceScaleFactor: 1, locale: 'zh-CN' });
    await openApp(planner, 'planner');
    await summaryLoaded(planner);
    assert.equal(await planner.locator('#summary-five-towns').count(), 0, 'no note for a role that sees every town');
    await planner.close();
  });
});
