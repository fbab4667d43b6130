// The forecast (which villages reach one-third by the campaign's end) and the
// diary spot check, as a team leader and a planner see them: the figures in
// the tables are the API's own, the CSVs hold the same rows with Chinese
// headers, a forecast row flies to its village, "new sample" draws again, the
// print sheet lists the sample; a member gets neither view.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openApp, demoAccounts, mapIdle, shot } from './helpers.mjs';

const accountOf = (role) => [...demoAccounts().entries()].find(([, a]) => a.role.startsWith(role))?.[0];

/** tableCells reads a table's rows as {key, cells: {column key: text}}. */
const tableCells = (page, sel) => page.locator(sel).evaluate((table) => {
  const keys = [...table.querySelectorAll('thead th')].map((th) => th.querySelector('button')?.dataset.key || th.textContent.trim());
  return [...table.querySelectorAll('tbody tr')].map((tr) => ({
    key: tr.dataset.key,
    cells: Object.fromEntries([...tr.children].map((td, i) => [keys[i], td.textContent.trim()])),
  }));
});

/**
 * fetchText fetches a path in the page (its session) and answers {status,
 * text, bom}: whether the bytes start with a UTF-8 BOM (text() drops it).
 */
const fetchText = (page, path) => page.evaluate(async (p) => {
  const r = await fetch(p);
  const b = new Uint8Array(await r.arrayBuffer());
  return { status: r.status, bom: b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf, text: new TextDecoder().decode(b) };
}, path);

const parseCSV = (text) => text.replace(/^\ufeff/, '').trim().split('\r\n').map((line) => {
  const out = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') quoted = false; else cur += c;
    } else if (c === '"') quoted = true; else if (c === ',') { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur);
  return out;
});

const zhNum = (v, digits = 0) => new Intl.NumberFormat('zh-CN', { maximumFractionDigits: digits }).format(v);

/** checkForecast compares the forecast table under prefix with the API's answer for the same parameters. */
async function checkForecast(page, prefix, params) {
  const table = `#${prefix} table`;
  await page.locator(table).waitFor({ timeout: 30000 });
  const endsOn = await page.locator(`#${prefix}-end`).inputValue();
  assert.match(endsOn, /^\d{4}-\d{2}-\d{2}$/, `the campaign's end field holds ${endsOn}`);
  const q = new URLSearchParams({ ...params, ends_on: endsOn, format: 'json' });
  const api = JSON.parse((await fetchText(page, `/api/v1/reports/forecast?${q}`)).text);
  assert.equal(api.ends_on, endsOn, `the API judged against ${api.ends_on}, the page shows ${endsOn}`);
  const rows = await tableCells(page, table);
  assert.equal(rows.length, api.rows.length, `${prefix}: ${rows.length} rows shown, the API has ${api.rows.length}`);
  assert.ok(api.rows.length > 0, 'the API forecasts some village (else the test proves nothing)');
  const byCode = new Map(rows.map((r) => [r.key, r.cells]));
  let judged = 0;
  for (const r of api.rows) {
    const c = byCode.get(r.village_code);
    assert.ok(c, `village ${r.village_code} (${r.village_name}) of the API is not in the table`);
    assert.equal(c.village_name, r.village_name);
    const onTrack = r.on_track === null ? '—' : r.on_track ? '能' : '不能';
    assert.equal(c.on_track, onTrack, `village ${r.village_code}: on track shown "${c.on_track}", API ${r.on_track}`);
    if (r.suppressed) {
      assert.equal(c.residents_needed, '已隐藏', `suppressed village ${r.village_code}: residents needed shown ${c.residents_needed}`);
      continue;
    }
    assert.equal(c.residents_needed, zhNum(r.residents_needed), `village ${r.village_code}: residents needed`);
    assert.equal(c.residents_per_week, zhNum(r.residents_per_week, 1), `village ${r.village_code}: residents a week`);
    const need = r.residents_per_week_needed === null ? '—' : zhNum(r.residents_per_week_needed);
    assert.equal(c.residents_per_week_needed, need, `village ${r.village_code}: pace needed shown ${c.residents_per_week_needed}, API ${r.residents_per_week_needed}`);
    if (r.on_track !== null) judged++;
  }
  assert.ok(judged > 0, 'some village is judged against the campaign end');
  // The summary counts what the API judged.
  const on = api.rows.filter((r) => r.on_track === true).length;
  const off = api.rows.filter((r) => r.on_track === false).length;
  const summary = await page.locator(`#${prefix}-summary`).textContent();
  // An ended campaign (the demo's, asked after its end) says who reached it.
  const words = api.ended ? [`${on} 个村居达到三分之一`, `${off} 个未达到`] : [`${on} 个村居能达到`, `${off} 个按此进度达不到`];
  assert.ok(words.every((w) => summary.includes(w)), `summary "${summary}", want ${on} on track and ${off} not (ended ${api.ended})`);

  // The CSV: the same rows, Chinese headers, a BOM.
  const href = await page.locator(`#${prefix}-csv`).getAttribute('href');
  assert.ok(href.includes('format=csv') && href.includes('lang=zh') && href.includes(`ends_on=${endsOn}`), `CSV link ${href}`);
  const csv = await fetchText(page, href);
  assert.equal(csv.status, 200, `GET ${href}: ${csv.status}`);
  assert.ok(csv.bom, 'the CSV starts with a UTF-8 BOM');
  const [head, ...body] = parseCSV(csv.text);
  for (const col of ['村（社区）', '尚需走访人数', '活动结束前可达三分之一', '每周需走访人数（按期达到）', '预计达到日期']) {
    assert.ok(head.includes(col), `CSV header ${head.join(',')} lacks ${col}`);
  }
  assert.equal(body.length, api.rows.length, `the CSV has ${body.length} rows, the table ${api.rows.length}`);
  const iCode = head.indexOf('村代码');
  const iNeed = head.indexOf('每周需走访人数（按期达到）');
  const iTrack = head.indexOf('活动结束前可达三分之一');
  for (const line of body) {
    const code = line[iCode].replace(/^="?|"$/g, '');
    const r = api.rows.find((x) => x.village_code === code);
    assert.ok(r, `CSV village ${line[iCode]} not in the API's rows`);
    assert.equal(line[iNeed], r.residents_per_week_needed === null ? '' : String(r.residents_per_week_needed), `CSV pace needed of ${code}`);
    assert.equal(line[iTrack], r.on_track === null ? '' : r.on_track ? '是' : '否', `CSV on track of ${code}`);
  }
  return api;
}

/** checkSpotCheck compares the spot check under prefix with the API's draw of the same seed. */
async function checkSpotCheck(page, prefix, team, withHouseholds) {
  const table = `#${prefix} table`;
  await page.locator(table).waitFor({ timeout: 30000 });
  const href = await page.locator(`#${prefix}-csv`).getAttribute('href');
  const asked = new URLSearchParams(href.split('?')[1]);
  assert.ok(asked.get('seed'), `the CSV link names the seed: ${href}`);
  assert.equal(asked.get('team') || '', team, `the spot check asks team ${asked.get('team')}, want ${team}`);
  const q = new URLSearchParams(asked);
  q.delete('format');
  q.delete('lang');
  const api = JSON.parse((await fetchText(page, `/api/v1/reports/diary-sample?${q}`)).text);
  assert.ok(api.rows.length > 0, 'the API drew some entries');
  const rows = await tableCells(page, table);
  assert.equal(rows.length, api.rows.length, `${prefix}: ${rows.length} entries shown, the API drew ${api.rows.length}`);
  const shown = rows.map((r) => r.key).sort();
  const want = api.rows.map((r) => `${r.team}/${r.member_code}/${r.occurred_at}`).sort();
  assert.deepEqual(shown, want, 'the entries shown are the API\'s draw');
  const hasHousehold = rows.some((r) => 'household' in r.cells);
  assert.equal(hasHousehold, withHouseholds, `household column shown ${hasHousehold}, want ${withHouseholds}`);
  if (withHouseholds) {
    for (const r of api.rows) {
      const c = rows.find((x) => x.key === `${r.team}/${r.member_code}/${r.occurred_at}`).cells;
      assert.equal(c.household, r.household || '—', `entry ${r.visit_id}: household`);
      assert.equal(c.notes_chars, String(r.notes_chars), `entry ${r.visit_id}: note length`);
    }
  }
  // Where each entry is, in names beside the codes: the village and town.
  assert.ok(api.rows.every((r) => r.town_name) && api.rows.some((r) => r.village_name),
    `the API names the towns of every entry and some villages: ${JSON.stringify(api.rows.slice(0, 2))}`);
  for (const r of api.rows) {
    const c = rows.find((x) => x.key === `${r.team}/${r.member_code}/${r.occurred_at}`).cells;
    assert.deepEqual([c.town_name, c.village_name, c.village_code], [r.town_name, r.village_name || '—', r.village_code || '—'],
      `entry ${r.team}/${r.member_code}/${r.occurred_at}: town, village name and code shown`);
  }
  const csv = await fetchText(page, href);
  assert.ok(csv.status === 200 && csv.bom, `GET ${href}: ${csv.status}, BOM ${csv.bom}`);
  const [head, ...body] = parseCSV(csv.text);
  for (const col of ['工作队', '队员', '村代码', '村（社区）', '乡镇代码', '乡镇', '走访时间', '提示']) assert.ok(head.includes(col), `spot-check CSV header ${head.join(',')} lacks ${col}`);
  assert.equal(body.length, api.rows.length, `the spot-check CSV has ${body.length} rows, the table ${api.rows.length}`);
  assert.deepEqual(body.map((l) => l[head.indexOf('村（社区）')]), api.rows.map((r) => r.village_name),
    'the CSV\'s village names are the API\'s, row by row');
  assert.deepEqual(body.map((l) => l[head.indexOf('乡镇')]), api.rows.map((r) => r.town_name),
    'the CSV\'s town names are the API\'s, row by row');
  assert.equal(head.includes('户编号') && body.some((l) => l[head.indexOf('户编号')] !== ''), withHouseholds, 'households in the CSV as on the page');

  // A new sample: another seed, asked and shown.
  const before = asked.get('seed');
  await page.click(`#${prefix}-new`);
  await page.waitForFunction(([sel, old]) => {
    const a = document.querySelector(sel);
    return a && !a.hidden && !a.href.includes(`seed=${old}&`) && !a.href.endsWith(`seed=${old}`) && document.querySelector(`${sel.replace('-csv', '')} table`);
  }, [`#${prefix}-csv`, before], { timeout: 30000 });
  const after = new URLSearchParams((await page.locator(`#${prefix}-csv`).getAttribute('href')).split('?')[1]).get('seed');
  assert.notEqual(after, before, 'a new sample has a new seed');
  const meta = await page.locator(`#${prefix}-meta`).textContent();
  assert.ok(meta.includes(after), `the note "${meta}" names the sample's seed ${after}`);

  // The print sheet: the same entries, a column to write the check in.
  const n = (await tableCells(page, table)).length;
  await page.click(`#${prefix}-print`);
  await page.locator('#spotcheck-print').waitFor({ timeout: 5000 });
  assert.equal(await page.locator('#spotcheck-print tbody tr').count(), n, 'the print sheet lists the entries shown');
  assert.equal(await page.locator('#spotcheck-print th.sc-check').textContent(), '核实情况');
  const printed = await page.locator('#spotcheck-print table').textContent();
  const named = (await tableCells(page, table)).map((r) => r.cells.village_name).filter((v) => v && v !== '—');
  assert.ok(named.length > 0 && named.every((v) => printed.includes(v)), `the print sheet names the villages ${named.join('、')}`);
  await shot(page, `spotcheck-print-${prefix}`);
  await page.click('#spotcheck-print-close');
  assert.equal(await page.locator('#spotcheck-print').count(), 0, 'the print sheet closes');
}

describe('forecast and spot check for a team leader', () => {
  let browser;
  let page;
  before(async (t) => {
    if (!accountOf('team_leader')) return t.skip('no team leader account');
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await openApp(page, accountOf('team_leader'));
    await page.click('#tab-team');
    await page.locator('#forecast-team table').waitFor({ timeout: 30000 });
  });
  after(async () => { await browser?.close(); });

  test('the forecast of the team\'s villages is the API\'s, with its CSV', async (t) => {
    if (!page) return t.skip();
    const team = await page.evaluate(() => window.lianxin.team.team.code);
    const win = await page.evaluate(() => window.lianxin.window);
    await checkForecast(page, 'forecast-team', { team, from: win.from, to: win.to });
    await shot(page, 'forecast-team');
  });

  test('an earlier window and end: the forecast follows', async (t) => {
    if (!page) return t.skip();
    // The demo's diary ends in September: a window to August has a pace.
    await page.evaluate(() => {
      const app = window.lianxin;
      app.window = { from: app.weeks[0].from, to: app.weeks[21].to };
      app.emit('window');
    });
    await page.locator('#forecast-team-end').fill('2026-12-31');
    await page.locator('#forecast-team-end').dispatchEvent('change');
    await page.waitForFunction(() => document.querySelector('#forecast-team-csv')?.href.includes('ends_on=2026-12-31') && document.querySelector('#forecast-team table'));
    const team = await page.evaluate(() => window.lianxin.team.team.code);
    const win = await page.evaluate(() => window.lianxin.window);
    const api = await checkForecast(page, 'forecast-team', { team, from: win.from, to: win.to });
    assert.ok(api.rows.some((r) => r.status === 'on_pace'), 'some village has a pace in a window to August');
  });

  test('a forecast row flies to its village', async (t) => {
    if (!page) return t.skip();
    await mapIdle(page);
    const code = await page.locator('#forecast-team tbody tr').first().getAttribute('data-key');
    await page.locator('#forecast-team tbody tr').first().click();
    await page.waitForFunction((c) => {
      const p = document.getElementById('village-panel');
      return p && !p.hidden && p.dataset.code === c;
    }, code, { timeout: 15000 });
  });

  test('the spot check of the team is the API\'s draw, with households', async (t) => {
    if (!page) return t.skip();
    const team = await page.evaluate(() => window.lianxin.team.team.code);
    await checkSpotCheck(page, 'spotcheck-team', team, true);
  });
});

describe('forecast and spot check for a planner', () => {
  let browser;
  let page;
  before(async () => {
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await openApp(page, 'planner');
    await page.locator('#forecast-planner table').waitFor({ timeout: 30000 });
  });
  after(async () => { await browser?.close(); });

  test('the county\'s forecast is the API\'s, with its CSV', async () => {
    const win = await page.evaluate(() => window.lianxin.window);
    const api = await checkForecast(page, 'forecast-planner', { from: win.from, to: win.to });
    const towns = new Set(api.rows.map((r) => r.town_code));
    assert.ok(towns.size > 1, `the planner's forecast covers ${towns.size} towns, want the county`);
    await page.locator('#forecast-planner-section').scrollIntoViewIfNeeded();
    await shot(page, 'forecast-planner');
  });

  test('the spot check of every team, without households', async () => {
    await checkSpotCheck(page, 'spotcheck-planner', '', false);
  });

  test('the spot check of one team the planner picks', async () => {
    const code = await page.locator('#spotcheck-planner-team option').nth(2).getAttribute('value');
    assert.ok(code, 'the planner\'s spot check lists the teams');
    await page.selectOption('#spotcheck-planner-team', code);
    await page.waitForFunction((c) => document.querySelector('#spotcheck-planner-csv')?.href.includes(`team=${c}&`)
      && document.querySelector('#spotcheck-planner table'), code, { timeout: 30000 });
    await checkSpotCheck(page, 'spotcheck-planner', code, false);
    const teams = await page.locator('#spotcheck-planner tbody tr').evaluateAll((trs) => [...new Set(trs.map((tr) => tr.dataset.key.split('/')[0]))]);
    assert.deepEqual(teams, [code], `entries of teams ${teams.join(',')} shown, want only ${code}`);
  });

  test('in English, the same views', async () => {
    await page.click('#lang');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.match(await page.locator('#forecast-planner-title').textContent(), /Forecast/);
    assert.match(await page.locator('#spotcheck-planner-title').textContent(), /spot check/);
    const href = await page.locator('#forecast-planner-csv').getAttribute('href');
    assert.ok(!href.includes('lang=zh'), `the English page's CSV link ${href} asks English headers`);
    await page.click('#lang');
  });
});

describe('a member', () => {
  let browser;
  let page;
  const asked = [];
  before(async (t) => {
    if (!accountOf('member')) return t.skip('no member account');
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    await openApp(page, accountOf('member'));
    // Through the tabs the member has, as a member would.
    for (const tab of ['#tab-planner', '#tab-team']) {
      if (await page.locator(tab).isVisible()) await page.click(tab);
    }
  });
  after(async () => { await browser?.close(); });

  test('gets neither the forecast nor the spot check', async (t) => {
    if (!page) return t.skip();
    for (const id of ['forecast-planner-section', 'forecast-team-section', 'spotcheck-planner-section', 'spotcheck-team-section']) {
      assert.equal(await page.locator(`#${id}`).count(), 0, `a member's page has #${id}`);
    }
    const reports = asked.filter((p) => p === '/api/v1/reports/forecast' || p === '/api/v1/reports/diary-sample');
    assert.deepEqual(reports, [], 'a member\'s page asks neither report');
  });
});

describe('the forecast of a county with a suppressed village', () => {
  let browser;
  after(async () => { await browser?.close(); });

  test('the suppressed village shows the privacy label, no figure', async (t) => {
    const base = process.env.LIANXIN_URL_SUPPRESSED;
    if (!base) {
      t.skip('LIANXIN_URL_SUPPRESSED is not set: serve a county with a suppressed village (scripts/browser-test.sh does)');
      return;
    }
    browser = await launch();
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await openApp(page, 'planner', base);
    await page.locator('#forecast-planner table').waitFor({ timeout: 30000 });
    const win = await page.evaluate(() => window.lianxin.window);
    const api = await checkForecast(page, 'forecast-planner', { from: win.from, to: win.to });
    const hidden = api.rows.filter((r) => r.suppressed);
    assert.ok(hidden.length > 0, 'the county has a suppressed village in the forecast');
    const rows = await tableCells(page, '#forecast-planner table');
    for (const r of hidden) {
      const c = rows.find((x) => x.key === r.village_code).cells;
      for (const k of ['coverage', 'residents_needed', 'residents_per_week', 'residents_per_week_needed']) {
        assert.equal(c[k], '已隐藏', `suppressed village ${r.village_code}: ${k} shown "${c[k]}", want the privacy label`);
      }
      assert.equal(c.on_track, '—', `suppressed village ${r.village_code}: on track shown "${c.on_track}"`);
    }
  });
});
