// Each role opens on its own work after signing in: a team leader on their
// team (the next villages to visit), a member on the diary, a planner on the
// county's map. A leader's team view never says "choose a team first" while
// the team list is still coming, and a planner without a team is asked for
// one rather than left on "loading"; another team's members table says why it
// is empty; a user who may not read households one by one is not shown the
// list of households still to visit.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { demoAccounts, launch, openApp } from './helpers.mjs';

const accountOf = (role) => [...demoAccounts().entries()].find(([, a]) => a.role.startsWith(role))?.[0];

describe('where each role lands', () => {
  let browser;
  before(async () => { browser = await launch(); });
  after(async () => { await browser?.close(); });

  /** open signs user in on a fresh page that records every text the gap list showed. */
  async function open(user) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, locale: 'zh-CN' });
    await page.addInitScript(() => {
      window.gapTexts = [];
      new MutationObserver(() => {
        const el = document.getElementById('gaps');
        const text = el?.textContent?.trim();
        if (text && window.gapTexts.at(-1) !== text) window.gapTexts.push(text);
      }).observe(document, { subtree: true, childList: true, characterData: true });
    });
    await openApp(page, user);
    return page;
  }

  const selectedView = (page) => page.locator('[role=tab][aria-selected=true]').getAttribute('data-view');

  test('a team leader opens on their team, never told to choose one', async (t) => {
    const leader = accountOf('team_leader');
    if (!leader) return t.skip('no team leader account');
    const page = await open(leader);
    t.after(() => page.close());
    assert.equal(await selectedView(page), 'team', 'the tab a team leader lands on');
    assert.equal(await page.locator('#view-team').isVisible(), true, 'the team view is shown');
    await page.locator('#gaps table').waitFor({ timeout: 30000 });
    const texts = await page.evaluate(() => window.gapTexts);
    assert.ok(!texts.some((x) => x.includes('请先选择一个工作队')),
      `the gap list said, in turn: ${JSON.stringify(texts.map((x) => x.slice(0, 40)))}; want never "请先选择一个工作队"`);
    assert.notEqual(await page.locator('#team').inputValue(), '', 'the leader\'s own team is chosen');
  });

  test('a planner\'s team view without a team asks for one, not "loading"', async (t) => {
    const page = await open('planner');
    t.after(() => page.close());
    await page.click('#tab-team');
    await page.waitForFunction(() => /请先选择一个工作队/.test(document.getElementById('gaps')?.textContent || ''), null, { timeout: 30000 });
    assert.equal(await page.locator('#team').inputValue(), '', 'no team chosen for a planner');
  });

  test('another team\'s members table says why it is empty', async (t) => {
    const leader = accountOf('team_leader');
    if (!leader) return t.skip('no team leader account');
    const page = await open(leader);
    t.after(() => page.close());
    await page.locator('#members table').waitFor({ timeout: 30000 });
    const own = await page.locator('#team').inputValue();
    const other = await page.locator('#team option').evaluateAll((os, mine) => os.map((o) => o.value).find((v) => v && v !== mine), own);
    assert.ok(other, 'set-up: another team in the list');
    await page.selectOption('#team', other);
    // The area says "loading" first, then either a table or the note.
    await page.waitForFunction(() => {
      const el = document.getElementById('members');
      return el.querySelector('table') || /只显示您所在镇/.test(el.textContent);
    }, null, { timeout: 30000 });
    assert.match(await page.locator('#members').innerText(), /只显示您所在镇/, 'the members area of another team');
    assert.equal(await page.locator('#members table').count(), 0, 'no empty table under the note');
  });

  test('a member opens on the diary and is not shown the households list', async (t) => {
    const member = [...demoAccounts().keys()].find((k) => k.startsWith('member-'));
    if (!member) return t.skip('no member account');
    const page = await open(member);
    t.after(() => page.close());
    assert.equal(await selectedView(page), 'diary', 'the tab a member lands on');
    assert.equal(await page.locator('#diary-household').isVisible(), true, 'the diary form is shown');
    await page.click('#tab-team');
    await page.locator('#gaps table, #gaps p').first().waitFor({ timeout: 30000 });
    assert.equal(await page.locator('#special-section').isVisible(), false,
      'the section of households still to visit, for a member who may not read households');
  });

  test('a planner opens on the county map', async (t) => {
    const page = await open('planner');
    t.after(() => page.close());
    assert.equal(await selectedView(page), 'planner', 'the tab a planner lands on');
  });
});
