// The forecast says where it stands. The demo's campaign ends on the day
// its diary stops, so a planner opening it any later day reads the
// standing at the end (reached or not, residents still missing), not a
// projection; naming a far end instead gives the live forecast, which says
// the diary stalled and since when, village by village.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openApp, apiJSON, shot, setLang, setWeeks } from './helpers.mjs';

/** asked is what the planner's forecast asks now (its CSV link's parameters). */
const asked = async (page) => {
  const href = await page.locator('#forecast-planner-csv').getAttribute('href');
  const q = new URLSearchParams(href.split('?')[1]);
  q.delete('lang');
  q.set('format', 'json');
  return q;
};

/** statusCells reads the status column of the wide table, by village code. */
const statusCells = (page) => page.locator('#forecast-planner table').evaluate((table) => {
  const keys = [...table.querySelectorAll('thead th')].map((th) => th.querySelector('button')?.dataset.key);
  const i = keys.indexOf('status');
  return Object.fromEntries([...table.querySelectorAll('tbody tr')].map((tr) => [tr.dataset.key, i < 0 ? null : tr.children[i].textContent.trim()]));
});

/** filterLabels reads the forecast filter's choices, in order. */
const filterLabels = (page) => page.locator('#forecast-planner-filter option').allTextContents();

describe('where the forecast stands', () => {
  let browser;
  let page;
  before(async () => {
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await openApp(page, 'planner');
    await page.locator('#forecast-planner table').waitFor({ timeout: 30000 });
  });
  after(async () => { await browser?.close(); });

  test('the demo\'s campaign has ended: the standing at its end, said so', async () => {
    const api = await apiJSON(page, `/api/v1/reports/forecast?${await asked(page)}`);
    assert.equal(api.ends_on, '2026-09-30', 'the demo campaign ends where its diary does');
    assert.ok(api.ended, `the forecast asked after 2026-09-30 is the ended view (as of ${api.as_of})`);
    const note = page.locator('#forecast-planner-asof');
    assert.equal(await note.getAttribute('data-ended'), 'true');
    assert.equal(await note.getAttribute('data-last-diary-on'), api.last_diary_on);
    const text = await note.textContent();
    assert.match(text, /活动已于 .+ 结束/, `the note "${text}" says the campaign ended`);
    assert.match(text, /民情日记最近一条记于/, `the note "${text}" names the diary's last entry`);
    // A planner is bound to whole weeks: the campaign's end (a Wednesday)
    // stands as of the end of its last whole week, never counting after it.
    assert.ok(api.as_of <= api.ends_on, `as of ${api.as_of}, after the end ${api.ends_on}`);
    if (api.as_of < api.ends_on) {
      assert.match(text, /截至 .+（结束前最后一个整周）/, `the note "${text}" says the day it stands at`);
      const summaryText = await page.locator('#forecast-planner-summary').textContent();
      const day = await page.evaluate((d) => new Intl.DateTimeFormat('zh-CN', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'Asia/Shanghai' }).format(new Date(`${d}T12:00:00+08:00`)), api.as_of);
      assert.ok(summaryText.startsWith(`截至 ${day}（活动 `), `the summary "${summaryText}" stands at ${day}`);
    }
    const missed = api.rows.filter((r) => r.status === 'not_reached');
    assert.ok(missed.length > 0 && api.rows.some((r) => r.status === 'reached'), 'some villages reached by the end and some not');
    assert.ok(api.rows.every((r) => r.reaches_on === null && !r.stalled), 'nothing projected in an ended campaign');
    const missing = missed.reduce((n, r) => n + r.residents_needed, 0);
    const summary = await page.locator('#forecast-planner-summary').textContent();
    const zh = (v) => new Intl.NumberFormat('zh-CN').format(v);
    assert.ok(summary.includes(`${zh(missed.length)} 个未达到`) && summary.includes(`共差 ${zh(missing)} 人`),
      `summary "${summary}", want ${missed.length} villages not reached, ${missing} residents missing`);
    // An urban community is not judged by one-third: never "reached", and
    // counted with the villages the rule does not judge.
    const communities = api.rows.filter((r) => r.rural === false);
    assert.ok(communities.length > 0, 'the demo has urban communities');
    for (const r of communities) {
      assert.ok(['not_judged', 'no_visit', 'suppressed'].includes(r.status) && r.on_track === null,
        `community ${r.village_code}: status ${r.status}, on_track ${r.on_track}; want not judged`);
    }
    assert.ok(api.rows.some((r) => r.status === 'not_judged'), 'some community visited, so not judged');
    const other = api.rows.filter((r) => r.on_track === null).length;
    assert.ok(summary.includes(`${zh(other)} 个不按三分之一考核`), `summary "${summary}", want ${other} not judged by one-third`);
    // The filter says what the ended table shows, reached or not by the
    // end, not "at this pace"; and showing those not reached shows just them.
    assert.deepEqual(await filterLabels(page), ['全部村居', '活动结束时未达到的', '活动结束时已达到的']);
    assert.match(await page.locator('#forecast-planner-section > p.muted').first().textContent(), /^活动已结束/);
    await page.selectOption('#forecast-planner-filter', 'off');
    const shown = Object.keys(await statusCells(page));
    assert.deepEqual(shown.sort(), missed.map((r) => r.village_code).sort(), 'the filter "not reached by the end" shows the villages not reached');
    await page.locator('#forecast-planner-section').scrollIntoViewIfNeeded();
    await shot(page, 'forecast-ended');
    await setLang(page, 'en');
    assert.deepEqual(await filterLabels(page), ['every village', 'not reached by the end', 'reached by the end']);
    await setLang(page, 'zh-CN');
    await page.selectOption('#forecast-planner-filter', '');
  });

  test('a far end: the diary stalled, since when, each village too', async () => {
    // The campaign's first 35 weeks (to 2026-11-01): the demo's diary stops
    // on 09-30, and entries other test files write today fall outside.
    await setWeeks(page, 0, 35);
    await page.locator('#forecast-planner-end').fill('2099-12-31');
    await page.locator('#forecast-planner-end').dispatchEvent('change');
    await page.waitForFunction(() => document.querySelector('#forecast-planner-csv')?.href.includes('ends_on=2099-12-31')
      && document.querySelector('#forecast-planner table') && document.querySelector('#forecast-planner-asof')?.dataset.ended === 'false');
    const api = await apiJSON(page, `/api/v1/reports/forecast?${await asked(page)}`);
    assert.ok(!api.ended && api.diary_stalled, `far end: ended ${api.ended}, diary stalled ${api.diary_stalled}`);
    assert.deepEqual(await filterLabels(page), ['全部村居', '按此进度达不到的', '能按期达到的（含已达到）'], 'a live forecast filters by the pace again');
    assert.ok(api.last_diary_on <= '2026-09-30', `the diary's last entry ${api.last_diary_on}`);
    const note = page.locator('#forecast-planner-asof');
    assert.equal(await note.getAttribute('data-stalled'), 'true');
    assert.equal(await note.getAttribute('data-as-of'), api.as_of);
    assert.match(await note.getAttribute('class'), /fc-warn/);
    const text = await note.textContent();
    assert.match(text, /此后 [\d,]+ 天没有新记录/, `the note "${text}" says how long the diary has been silent`);
    // Every column, so the status is a cell of its own.
    if (await page.locator('#forecast-planner-columns').isVisible()) await page.click('#forecast-planner-columns');
    const cells = await statusCells(page);
    const stalled = api.rows.filter((r) => r.stalled);
    assert.ok(stalled.length > 0, 'some village is stalled');
    for (const r of stalled) {
      const want = r.last_visit_on ? /后无日记$/ : /^时段内无日记$/;
      assert.match(cells[r.village_code] || '', want, `stalled village ${r.village_code} (last visit ${r.last_visit_on}) shows "${cells[r.village_code]}"`);
    }
    const community = api.rows.find((r) => r.status === 'not_judged');
    assert.ok(community && community.rural === false, `a visited community is not judged: ${JSON.stringify(community)}`);
    assert.equal(cells[community.village_code], '社区已走访（不按三分之一考核）', `community ${community.village_code}'s status`);
    await setLang(page, 'en');
    assert.match(await note.textContent(), /the diary’s last entry is from .+ days earlier/);
    await shot(page, 'forecast-stalled-en');
    await setLang(page, 'zh-CN');
  });
});
