// The spot check's results and ranking (抽查评比): the office (admin)
// records a verdict, score and note for sampled entries and sees them in
// place, in the API's list and in the ranking, which is the API's; a team
// leader records in their own team's sample and ranks their team's members;
// a planner reads the ranking and records nothing; the office corrects a
// result and withdraws it inside its round; every new word in Chinese
// first and in English.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openApp, demoAccounts, apiJSON, setLang, shot, zhMoment } from './helpers.mjs';

const accountOf = (role) => [...demoAccounts().entries()].find(([, a]) => a.role.startsWith(role))?.[0];

/** rankRows reads a ranking table: {key, cells by column key}. */
const rankRows = (page, sel) => page.locator(sel).evaluate((table) => {
  const keys = [...table.querySelectorAll('thead th')].map((th) => th.querySelector('button')?.dataset.key || th.textContent.trim());
  return [...table.querySelectorAll('tbody tr')].map((tr) => ({
    key: tr.dataset.key,
    cells: Object.fromEntries([...tr.children].map((td, i) => [keys[i], td.textContent.trim()])),
  }));
});

/** record fills the score and note of a sampled entry's row and clicks a verdict; returns the entry's number. */
async function record(page, prefix, row, verdict, score, note) {
  const box = page.locator(`#${prefix} .sc-record`).nth(row);
  const entry = await box.getAttribute('data-entry');
  if (score !== undefined) await box.locator('input.sc-score').fill(String(score));
  if (note) await box.locator('input.sc-note').fill(note);
  await box.locator(`button[data-verdict="${verdict}"]`).click();
  await page.locator(`#${prefix} .sc-result[data-entry="${entry}"]`).waitFor({ timeout: 30000 });
  return Number(entry);
}

/** checkRanking compares a ranking table's teams with the API's answer. */
async function checkRanking(page, prefix, params) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v));
  const api = await apiJSON(page, `/api/v1/reports/spot-check-ranking?${q}`);
  const rows = await rankRows(page, `#${prefix} table >> nth=0`);
  assert.equal(rows.length, api.teams.length, `${prefix}: ${rows.length} teams shown, the API ranks ${api.teams.length}`);
  for (const t of api.teams) {
    const r = rows.find((x) => x.key === t.team);
    assert.ok(r, `team ${t.team} is shown`);
    assert.equal(r.cells.rank, String(t.rank), `team ${t.team}: rank`);
    assert.equal(r.cells.entries_checked, String(t.entries_checked), `team ${t.team}: entries checked`);
    assert.equal(r.cells.members_meeting_target, `${t.members_meeting_target} / ${t.members}`, `team ${t.team}: ten households`);
  }
  return api;
}

describe('the office records results and ranks the teams', () => {
  let browser;
  let page;
  before(async () => {
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    await openApp(page, 'admin');
    await page.click('#tab-planner');
    await page.locator('#spotcheck-planner table').waitFor({ timeout: 30000 });
    await page.locator('#spotrank-planner table').waitFor({ timeout: 30000 });
  });
  after(async () => { await browser?.close(); });

  test('verdicts recorded in place land in the list and the ranking', async () => {
    assert.equal(await page.locator('#spotcheck-planner thead th').last().textContent(), '抽查结果');
    // An entry's time as every view shows a moment (dateTime), in China
    // time: the row's key ends with the entry's occurred_at.
    const [first] = await rankRows(page, '#spotcheck-planner table >> nth=0');
    const occurredAt = first.key.split('/').slice(2).join('/');
    assert.equal(first.cells.occurred_at, zhMoment(occurredAt), `entry of ${occurredAt} shown as "${first.cells.occurred_at}"`);
    const words = await page.locator('#spotcheck-planner .sc-record').first().locator('button').allTextContents();
    assert.deepEqual(words, ['合格', '需补充', '不合格']);
    const okEntry = await record(page, 'spotcheck-planner', 0, 'ok', 90, '电话回访属实');
    assert.match(await page.locator(`#spotcheck-planner .sc-result[data-entry="${okEntry}"]`).textContent(), /已记录：合格（第 \d+ 轮） · 90 分/);
    // The row recorded leaves the buttons: the next one is the second row's.
    const failedEntry = await record(page, 'spotcheck-planner', 0, 'failed');
    const list = await apiJSON(page, '/api/v1/spot-checks');
    assert.equal(list.total, 2, `the list holds ${list.total} results`);
    const ok = list.rows.find((r) => r.entry === okEntry);
    assert.deepEqual([ok?.verdict, ok?.score, ok?.note, ok?.checked_by], ['ok', 90, '电话回访属实', 'admin']);
    assert.equal(list.rows.find((r) => r.entry === failedEntry)?.verdict, 'failed');

    // The ranking reloads with the results: the API's, two entries checked in all.
    await page.waitForFunction(() => [...document.querySelectorAll('#spotrank-planner tbody td')].some((td) => td.textContent === '50%' || td.textContent === '100%' || td.textContent === '0%'),
      null, { timeout: 30000 });
    const win = await page.evaluate(() => window.lianxin.window);
    const api = await checkRanking(page, 'spotrank-planner', { from: win.from, to: win.to });
    assert.equal(api.teams.reduce((n, t) => n + t.entries_checked, 0), 2, 'two entries checked in the county');
    assert.equal(await page.locator('#spotrank-planner-title').textContent(), '抽查评比');
    const href = await page.locator('#spotrank-planner-csv').getAttribute('href');
    assert.match(href, /format=csv/);
    assert.match(href, /lang=zh/);
    await shot(page, 'spotcheck-results-admin');
  });

  test('a result is corrected, then withdrawn and recorded again, inside its round', async () => {
    // The second result recorded (failed, no score) is corrected in place:
    // the controls come back filled in with its verdict pressed.
    const { rows } = await apiJSON(page, '/api/v1/spot-checks');
    const failed = rows.find((r) => r.verdict === 'failed');
    assert.ok(failed, 'the failed result of the test before');
    const recorded = page.locator(`#spotcheck-planner .sc-recorded[data-entry="${failed.entry}"]`);
    assert.deepEqual(await recorded.locator('button').allTextContents(), ['更正', '撤销']);
    await recorded.locator('button.sc-correct').click();
    const box = page.locator(`#spotcheck-planner .sc-record[data-entry="${failed.entry}"]`);
    await box.waitFor({ timeout: 30000 });
    assert.equal(await box.locator('button[data-verdict="failed"]').getAttribute('aria-pressed'), 'true');
    assert.equal(await box.locator('button.sc-cancel').textContent(), '取消');
    await box.locator('input.sc-score').fill('60');
    await box.locator('input.sc-note').fill('复核后改为需补充');
    await box.locator('button[data-verdict="incomplete"]').click();
    const shown = page.locator(`#spotcheck-planner .sc-result[data-entry="${failed.entry}"]`);
    await shown.waitFor({ timeout: 30000 });
    assert.match(await shown.textContent(), /已记录：需补充（第 \d+ 轮） · 60 分 · 已更正/);
    let list = await apiJSON(page, '/api/v1/spot-checks');
    const corrected = list.rows.find((r) => r.id === failed.id);
    assert.deepEqual([corrected?.verdict, corrected?.score, corrected?.note, corrected?.corrected_by, corrected?.checked_by],
      ['incomplete', 60, '复核后改为需补充', 'admin', 'admin']);
    assert.ok(corrected.corrected_at, 'the correction is stamped');

    // Withdrawn, the row offers the verdicts again and the result is gone;
    // recorded anew, it is back in the list and the ranking is the API's.
    await page.locator(`#spotcheck-planner .sc-recorded[data-entry="${failed.entry}"] button.sc-withdraw`).click();
    await page.locator(`#spotcheck-planner .sc-record[data-entry="${failed.entry}"]`).waitFor({ timeout: 30000 });
    list = await apiJSON(page, '/api/v1/spot-checks');
    assert.equal(list.rows.some((r) => r.id === failed.id), false, 'the withdrawn result is not listed');
    assert.equal(list.total, 1);
    const again = page.locator(`#spotcheck-planner .sc-record[data-entry="${failed.entry}"]`);
    await again.locator('button[data-verdict="failed"]').click();
    await page.locator(`#spotcheck-planner .sc-result[data-entry="${failed.entry}"]`).waitFor({ timeout: 30000 });
    list = await apiJSON(page, '/api/v1/spot-checks');
    assert.equal(list.total, 2);
    assert.equal(list.rows.find((r) => r.entry === failed.entry)?.corrected_at, null, 'recorded anew, not a correction');
    const win = await page.evaluate(() => window.lianxin.window);
    await page.waitForFunction(() => !document.querySelector('#spotrank-planner .loading'), null, { timeout: 30000 });
    await checkRanking(page, 'spotrank-planner', { from: win.from, to: win.to });
  });

  test('a new draw shows the round\'s results; one recorded meanwhile elsewhere is refused in words', async () => {
    // A new draw with the same seed shows the same entries, those with a
    // result of this round showing it (with 更正 and 撤销) instead of buttons.
    const asked = await page.evaluate(() => Object.fromEntries(new URLSearchParams(document.querySelector('#spotcheck-planner-csv').href.split('?')[1])));
    await page.selectOption('#spotcheck-planner-n', '10');
    await page.locator('#spotcheck-planner table').waitFor({ timeout: 30000 });
    await page.selectOption('#spotcheck-planner-n', '5');
    await page.waitForFunction((s) => document.querySelector('#spotcheck-planner-csv')?.href.includes(`seed=${s}`)
      && document.querySelectorAll('#spotcheck-planner .sc-recorded').length >= 2, asked.seed, { timeout: 30000 });
    const drawn = await page.$$eval('#spotcheck-planner .sc-record, #spotcheck-planner .sc-recorded', (els) => els.map((e) => Number(e.dataset.entry)));
    const shown = await page.$$eval('#spotcheck-planner .sc-recorded', (els) => els.map((e) => Number(e.dataset.entry)).sort((a, b) => a - b));
    const round = await apiJSON(page, '/api/v1/spot-checks?round=current');
    assert.deepEqual(shown, round.rows.filter((r) => drawn.includes(r.entry)).map((r) => r.entry).sort((a, b) => a - b),
      'the entries showing a result are those the round holds');
    assert.deepEqual(await page.locator('#spotcheck-planner .sc-recorded').first().locator('button').allTextContents(), ['更正', '撤销']);

    // A result recorded meanwhile elsewhere (another tab) for an entry
    // still showing its buttons: the click is refused in words.
    const box = page.locator('#spotcheck-planner .sc-record').first();
    const entry = Number(await box.getAttribute('data-entry'));
    const status = await page.evaluate(async ({ entry: e, seed, from, to }) => {
      const me = await (await fetch('/api/v1/auth/me')).json();
      const res = await fetch('/api/v1/spot-checks', {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
        body: JSON.stringify({ entry: e, seed: Number(seed), from, to, verdict: 'ok' }),
      });
      return res.status;
    }, { entry, ...asked });
    assert.equal(status, 201, 'recorded from the other tab');
    await box.locator('button[data-verdict="ok"]').click();
    const err = box.locator('.error');
    await err.waitFor({ timeout: 30000 });
    assert.match(await err.textContent(), /已有抽查结果/);
  });

  test('in English', async () => {
    await setLang(page, 'en');
    assert.equal(await page.locator('#spotrank-planner-title').textContent(), 'Spot-check ranking');
    const words = await page.locator('#spotcheck-planner .sc-record').first().locator('button').allTextContents();
    assert.deepEqual(words, ['OK', 'Needs more', 'Failed']);
    assert.equal(await page.locator('#spotcheck-planner thead th').last().textContent(), 'Result');
    await setLang(page, 'zh-CN');
  });
});

describe('a team leader', () => {
  let browser;
  let page;
  before(async (t) => {
    if (!accountOf('team_leader')) return t.skip('no team leader account');
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    await openApp(page, accountOf('team_leader'));
    await page.click('#tab-team');
    await page.locator('#spotcheck-team table').waitFor({ timeout: 30000 });
  });
  after(async () => { await browser?.close(); });

  test('records in their team\'s sample and ranks their members', async (t) => {
    if (!page) return t.skip();
    const team = await page.evaluate(() => window.lianxin.team.team.code);
    const entry = await record(page, 'spotcheck-team', 0, 'incomplete', undefined, '缺少问题记录');
    const list = await apiJSON(page, '/api/v1/spot-checks');
    assert.ok(list.rows.every((r) => r.team === team), `the leader's list holds their team's results only: ${list.rows.map((r) => r.team)}`);
    assert.equal(list.rows.find((r) => r.entry === entry)?.verdict, 'incomplete');
    assert.ok(list.rows.find((r) => r.entry === entry)?.visit_id, 'the leader sees the entry\'s own id');
    await page.waitForFunction(() => document.querySelector('#spotrank-team h3'), null, { timeout: 30000 });
    const win = await page.evaluate(() => window.lianxin.window);
    const api = await checkRanking(page, 'spotrank-team', { team, from: win.from, to: win.to });
    assert.deepEqual(api.teams.map((x) => x.team), [team], 'the leader ranks their own team alone');
    const members = await rankRows(page, '#spotrank-team table >> nth=1');
    assert.equal(members.length, api.members.length, 'every member of the team is ranked');
    const checked = members.filter((m) => m.cells.entries_checked !== '0');
    const unchecked = members.filter((m) => m.cells.entries_checked === '0');
    assert.ok(checked.length >= 1, 'a member of the team has an entry checked');
    assert.ok(Math.max(...checked.map((m) => Number(m.cells.rank))) < Math.min(...unchecked.map((m) => Number(m.cells.rank))),
      `the members checked rank before the others: ${JSON.stringify(members.map((m) => [m.key, m.cells.rank, m.cells.entries_checked]))}`);
    for (const m of api.members) {
      const shown = members.find((x) => x.key === `${m.team}/${m.member_code}`);
      assert.equal(shown?.cells.rank, String(m.rank), `member ${m.member_code}: the API's rank`);
    }
    await shot(page, 'spotcheck-results-leader');
  });
});

describe('a planner', () => {
  let browser;
  let page;
  before(async () => {
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    await openApp(page, 'planner');
    await page.locator('#spotcheck-planner table').waitFor({ timeout: 30000 });
    await page.locator('#spotrank-planner table').waitFor({ timeout: 30000 });
  });
  after(async () => { await browser?.close(); });

  test('reads the ranking and records nothing', async () => {
    assert.equal(await page.locator('#spotcheck-planner .sc-record').count(), 0, 'no verdict buttons for a planner');
    const win = await page.evaluate(() => window.lianxin.window);
    await checkRanking(page, 'spotrank-planner', { from: win.from, to: win.to });
    const res = await page.evaluate(async () => (await fetch('/api/v1/spot-checks')).status);
    assert.equal(res, 403, 'the list of results is not the planner\'s');
  });
});
