// What the planner's view calls a village that meets its rule. A rural
// village is judged by one-third of its residents; an urban community only
// by whether it was visited in the window. The page must never call a
// community at 12% "one-third reached" (已达三分之一), nor count communities
// "at one-third" in the summary: it says which rule each figure is. The
// summary's kind cards add up to the visits (household visits without the
// assistance deliveries that have their own card), and the gap table's
// special-groups column says it is a sum over the groups.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  apiJSON, launch, mapIdle, openApp, setLang, shot,
} from './helpers.mjs';

/** summaryCard is the summary card named key (its data-key), asserted to be there. */
async function summaryCard(page, key) {
  const c = page.locator(`#summary .card[data-key="${key}"]`);
  assert.equal(await c.count(), 1, `summary cards: ${await c.count()} with data-key ${key}, want 1`);
  return c;
}
const cardValue = async (page, key) => (await (await summaryCard(page, key)).locator('dd').innerText()).trim();
const cardLabel = async (page, key) => (await (await summaryCard(page, key)).locator('dt').innerText()).trim();
const toNumber = (s) => Number(s.replace(/[^\d.-]/g, ''));

const STATUS = {
  'zh-CN': { visited: '社区：已走访（不按三分之一考核）', rural: '已达三分之一' },
  en: { visited: 'Community: visited (not judged by one-third)', rural: 'One-third reached' },
};

describe('villages meeting their rule, on the planner view', () => {
  let browser;
  let page;
  let summary;
  before(async () => {
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1366, height: 900 }, deviceScaleFactor: 1, locale: 'zh-CN' });
    await openApp(page, 'planner');
    await setLang(page, 'zh-CN');
    await page.locator('#summary .card[data-key="rural"]').waitFor();
    const win = await page.evaluate(() => window.lianxin.window);
    summary = await apiJSON(page, `/api/v1/reports/summary?from=${win.from}&to=${win.to}`);
  });
  after(async () => { await browser?.close(); });

  test('the summary gives rural villages at one-third and urban communities visited apart', async () => {
    // The first card: villages meeting their rule (villages_reached).
    const label = (await page.locator('#summary .card dt').first().innerText()).trim();
    assert.doesNotMatch(label, /^达到三分之一的村居$/, `villages_reached card label ${JSON.stringify(label)} calls every village "at one-third"`);
    assert.match(label, /社区已走访/, `villages_reached card label ${JSON.stringify(label)}, want it to say communities count once visited`);
    const urban = await cardValue(page, 'urban');
    const want = `${summary.villages_reached - summary.rural_villages_reached} / ${summary.villages - summary.rural_villages}`;
    assert.equal(urban, want, `urban communities visited card: got ${JSON.stringify(urban)}, want the API's villages_reached - rural_villages_reached of villages - rural_villages (${want})`);
    assert.match(await cardLabel(page, 'urban'), /城镇社区已走访/);
    const rural = await page.locator('#summary .card[data-key="rural"] dd').innerText();
    assert.match(rural, new RegExp(`${summary.rural_villages_reached}/${summary.rural_villages} 村达到三分之一`), `rural card ${JSON.stringify(rural)}`);
  });

  test('the kinds of visits add up to the visits', async () => {
    const kinds = ['household_visits', 'enterprise_visits', 'project_site_visits', 'village_meetings', 'publicity_events', 'assistance_deliveries'];
    const values = {};
    for (const k of kinds) values[k] = toNumber(await cardValue(page, k));
    const sum = kinds.reduce((a, k) => a + values[k], 0);
    const visits = toNumber(await cardValue(page, 'visits'));
    assert.equal(sum, visits, `kind cards ${JSON.stringify(values)} add up to ${sum}, the visits card says ${visits}`);
    assert.equal(values.household_visits, summary.household_visit_entries,
      `household visits card ${values.household_visits}, want the API's household_visit_entries ${summary.household_visit_entries}`);
    assert.match(await cardLabel(page, 'household_visits'), /不含帮扶送达/);
  });

  test('a community visited below one-third is never "one-third reached"', async () => {
    const report = await apiJSON(page, '/api/v1/reports/gaps?all=true');
    const rows = (report.rows || report).filter((r) => !r.suppressed);
    const community = rows.filter((r) => r.rural === false && r.reached === true && typeof r.coverage === 'number' && r.coverage < 1 / 3)
      .sort((a, b) => a.coverage - b.coverage)[0];
    assert.ok(community, 'set-up: an urban community visited but below one-third');
    const rural = rows.find((r) => r.rural === true && r.reached === true);
    for (const lang of ['zh-CN', 'en']) {
      await setLang(page, lang);
      await page.evaluate((c) => window.lianxin.openVillage(c), community.village_code);
      const status = page.locator(`#village-panel[data-code="${community.village_code}"] .village-status`);
      await status.waitFor();
      const got = (await status.innerText()).trim();
      assert.equal(got, STATUS[lang].visited, `${lang}: community ${community.village_code} at ${(community.coverage * 100).toFixed(1)}% reads ${JSON.stringify(got)}`);
      if (lang === 'zh-CN') await shot(page, 'village-rule-community');
      if (rural) {
        await page.evaluate((c) => window.lianxin.openVillage(c), rural.village_code);
        const rs = page.locator(`#village-panel[data-code="${rural.village_code}"] .village-status`);
        await rs.waitFor();
        assert.equal((await rs.innerText()).trim(), STATUS[lang].rural, `${lang}: rural village ${rural.village_code} at ${(rural.coverage * 100).toFixed(1)}%`);
      }
    }
    await setLang(page, 'zh-CN');
  });

  test('the village legend says what each outline means', async () => {
    await page.check('input[name=mode][value=villages]');
    await mapIdle(page);
    const legend = await page.locator('#legend').innerText();
    assert.doesNotMatch(legend, /已达三分之一/, `legend ${JSON.stringify(legend)}`);
    assert.match(legend, /农村达三分之一，社区已走访/, `legend ${JSON.stringify(legend)}: want the rule of each kind`);
    await page.check('input[name=mode][value=heat]');
    await mapIdle(page);
  });

  test('the gap table counts special-group households once each, and says so', async () => {
    await page.click('#tab-team');
    const options = await page.locator('#team option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
    assert.ok(options.length > 0, 'set-up: teams to pick');
    await page.selectOption('#team', options[0]);
    const th = page.locator('#gap-table th', { has: page.locator('button[data-key="special_waiting_households"]') });
    await th.waitFor();
    const heading = (await th.innerText()).trim();
    // Households, each once (a leader counts doors), not the sum over the groups, which the panel keeps.
    assert.match(heading, /户/, `special column heading ${JSON.stringify(heading)}: want it to count households`);
    assert.doesNotMatch(heading, /之和/, `special column heading ${JSON.stringify(heading)}: the table's column is not the sum over groups`);
    assert.equal(await page.locator('#gap-table button[data-key="special"]').count(), 0, 'the sum-over-groups column left the table for the panel');
    await page.click('#tab-planner');
  });
});
