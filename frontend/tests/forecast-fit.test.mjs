// The forecast table fits its sidebar: at 1400×900 and at the DESKTOP size,
// in Chinese and in English, the planner's county-wide forecast and a team
// leader's show no sideways scroll. Where every column does not fit, the
// table is compact: short headings with the full name in their tooltip,
// each row's progress and reach day in its tooltip, and a button that shows
// every column (which then scroll sideways) and back.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { DESKTOP, apiJSON, demoAccounts, launch, openApp, setLang, shot } from './helpers.mjs';

const WIDE = { viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1, locale: 'zh-CN' };

/** fits waits until the forecast under prefix is drawn and answers its box's widths and whether it is compact. */
async function fits(page, prefix) {
  await page.locator(`#${prefix} table`).waitFor({ timeout: 30000 });
  await page.locator(`#${prefix}-section`).scrollIntoViewIfNeeded();
  // (A resize re-measures on the next frame.)
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return page.locator(`#${prefix}`).evaluate((box) => {
    const table = box.querySelector('table');
    return {
      scrollWidth: box.scrollWidth, clientWidth: box.clientWidth, tableWidth: Math.ceil(table.getBoundingClientRect().width),
      compact: table.classList.contains('compact'), keys: [...table.querySelectorAll('thead button.sort')].map((b) => b.dataset.key),
    };
  });
}

const assertFits = (m, what) => {
  assert.ok(m.clientWidth > 200, `${what}: the forecast's box is ${m.clientWidth} px wide (not shown?)`);
  assert.ok(m.scrollWidth <= m.clientWidth, `${what}: scrollWidth ${m.scrollWidth} > clientWidth ${m.clientWidth} (columns ${m.keys.join(', ')})`);
  assert.ok(m.tableWidth <= m.clientWidth, `${what}: the table is ${m.tableWidth} px in a ${m.clientWidth} px box`);
};

describe('the forecast fits the sidebar', () => {
  let browser;
  before(async () => { browser = await launch(); });
  after(async () => { await browser?.close(); });

  test('a planner at 1400×900: compact, every figure reachable', async () => {
    const page = await browser.newPage(WIDE);
    await openApp(page, 'planner');
    const m = await fits(page, 'forecast-planner');
    assertFits(m, 'planner, 1400 px, zh-CN');
    assert.ok(m.compact, `at 1400 px the county's forecast (nine columns) is compact: columns ${m.keys.join(', ')}`);
    assert.deepEqual(m.keys, ['village_name', 'on_track', 'coverage', 'residents_needed', 'residents_per_week', 'residents_per_week_needed']);
    await shot(page, 'forecast-fit-planner-1400', { clip: await page.locator('#sidebar').boundingBox() || undefined });

    // Short headings say the full name in their tooltip.
    const heads = await page.$$eval('#forecast-planner thead abbr', (as) => as.map((a) => [a.textContent, a.title]));
    assert.deepEqual(heads.map(([, full]) => full), ['按期达到', '覆盖率', '还需人口', '近四周每周新增走访人数', '按期达到每周需走访人数'],
      `the short headings' tooltips: ${JSON.stringify(heads)}`);
    for (const [s, full] of heads) assert.ok(s.length < full.length, `heading ${s} is shorter than ${full}`);

    // A row's tooltip holds its progress, reach day and town, as the API says.
    const win = await page.evaluate(() => window.lianxin.window);
    const endsOn = await page.inputValue('#forecast-planner-end');
    const api = await apiJSON(page, `/api/v1/reports/forecast?format=json&from=${win.from}&to=${win.to}&ends_on=${endsOn}`);
    const r = api.rows.find((x) => x.reaches_on) || api.rows[0];
    const town = await page.evaluate((c) => window.lianxin.towns.find((x) => x.code === c)?.name, r.town_code);
    const tip = await page.locator(`#forecast-planner tr[data-key="${r.village_code}"] td:first-child span`).getAttribute('title');
    // The demo's campaign has ended (its villages reached or not by the end); a stalled village says since when.
    const status = r.stalled ? (r.last_visit_on ? '后无日记' : '时段内无日记')
      : { on_pace: '按此进度可达到', not_at_this_pace: '近四周无新增', not_reached: '活动结束时未达到', no_visit: '社区未走访', not_judged: '社区已走访（不按三分之一考核）', reached: '已达到', no_population: '无人口', suppressed: '已隐藏（样本过小）' }[r.status];
    assert.ok(tip.includes(status), `village ${r.village_code} (${r.status}): tooltip "${tip}" lacks "${status}"`);
    assert.ok(tip.includes(town), `village ${r.village_code}: tooltip "${tip}" lacks its town ${town}`);
    if (r.reaches_on) {
      const [y, mo, d] = r.reaches_on.split('-').map(Number);
      assert.ok(tip.includes(`${y}`) && tip.includes(`${mo}`) && tip.includes(`${d}`), `village ${r.village_code}: tooltip "${tip}" lacks ${r.reaches_on}`);
    }

    // Every column on request, scrolling sideways; and back.
    const note = page.locator('#forecast-planner-fit');
    assert.ok(await note.isVisible(), 'the compact table says so');
    assert.match(await note.textContent(), /侧栏较窄/);
    await page.click('#forecast-planner-columns');
    let wide = await fits(page, 'forecast-planner');
    assert.ok(!wide.compact, 'every column after 显示全部列');
    assert.ok(wide.keys.includes('reaches_on') && wide.keys.includes('status') && wide.keys.includes('town_code'), `columns ${wide.keys.join(', ')}`);
    assert.ok(wide.scrollWidth > wide.clientWidth, 'every column scrolls sideways in the sidebar (else the compact table was needless)');
    assert.equal((await page.textContent('#forecast-planner-columns')).trim(), '只显示主要列');
    await page.click('#forecast-planner-columns');
    wide = await fits(page, 'forecast-planner');
    assertFits(wide, 'planner, back to the main columns');

    // In English too.
    await setLang(page, 'en');
    const en = await fits(page, 'forecast-planner');
    assertFits(en, 'planner, 1400 px, English');
    assert.match(await note.textContent(), /sidebar is narrow/);
    await page.close();
  });

  test('a planner at the DESKTOP size', async () => {
    const page = await browser.newPage(DESKTOP);
    await openApp(page, 'planner');
    assertFits(await fits(page, 'forecast-planner'), `planner, ${DESKTOP.viewport.width} px`);
    await page.close();
  });

  test('a team leader\'s forecast at 1400 and DESKTOP sizes', async (t) => {
    const leader = [...demoAccounts().entries()].find(([, a]) => a.role.startsWith('team_leader'))?.[0];
    if (!leader) return t.skip('no team leader account');
    for (const options of [WIDE, DESKTOP]) {
      const page = await browser.newPage(options);
      await openApp(page, leader);
      await page.click('#tab-team');
      const m = await fits(page, 'forecast-team');
      assertFits(m, `team leader, ${options.viewport.width} px`);
      await setLang(page, 'en');
      assertFits(await fits(page, 'forecast-team'), `team leader, ${options.viewport.width} px, English`);
      await page.close();
    }
  });
});
