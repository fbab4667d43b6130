// The third user review's faults in the web map, each checked as the
// reviewer met it: after an import the team tab, the route, the special
// households, the summary and the open village panel show the new figures
// without a reload, each asked once; a refused file's rejects CSV is worded
// as the tab words it; the snapshots compare the latest two of one area,
// older first, and refuse two areas; a village found or clicked is framed
// whole, its dashed "below its rule" outline over the selection's line;
// the GIS tab offers only the H3 levels the user may download, words a
// refusal in Chinese, and says what a team leader's downloads cover; the
// snapshot diff's special-groups column says it sums the groups; the gap
// table fits a phone; a leader picks the member of a diary entry by name.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { apiJSON, launch, mapIdle, openApp, shot } from './helpers.mjs';

const TOWN = '321299101'; // leader-321299101's town (东岳镇), team D01
const stamp = Date.now().toString(36).toUpperCase();

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** open opens the app as user in a fresh context (zh-CN unless said). */
async function open(user, { width = 1400, height = 900, lang = 'zh-CN', phone = false } = {}) {
  const context = await browser.newContext({
    viewport: { width, height }, locale: lang, timezoneId: 'Asia/Shanghai', acceptDownloads: true,
    ...(phone ? { isMobile: true, hasTouch: true } : {}),
  });
  await context.addInitScript((l) => localStorage.setItem('lianxin.lang', l), lang);
  const page = await context.newPage();
  await openApp(page, user);
  return { context, page };
}

/** csvRows parses simple CSV text (quoted cells, no newlines in cells). */
function csvRows(text) {
  return text.replace(/^\ufeff/, '').split(/\r?\n/).filter((l) => l && !l.startsWith('#')).map((line) => {
    const out = [];
    let cur = '';
    let q = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (q && c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') q = !q;
      else if (c === ',' && !q) { out.push(cur); cur = ''; } else cur += c;
    }
    out.push(cur);
    return out;
  });
}

/** getText fetches path with the page's session as text. */
const getText = (page, path) => page.evaluate(async (p) => {
  const res = await fetch(p);
  if (!res.ok) throw new Error(`GET ${p}: ${res.status}`);
  return res.text();
}, path);

/** probeJSON is apiJSON marked, so the test's own questions are not counted as the page's. */
const probeJSON = (page, path) => page.evaluate(async (p) => {
  const res = await fetch(p, { headers: { 'X-Test-Probe': '1' } });
  if (!res.ok) throw new Error(`GET ${p}: ${res.status} ${await res.text()}`);
  return res.json();
}, path);

/** importVisits uploads a diary CSV in the 导入 tab and waits for the outcome. */
async function importVisits(page, name, csv, { skipInvalid = false } = {}) {
  await page.click('#tab-imports');
  await page.locator('#import-form').waitFor();
  await page.selectOption('#import-layer', 'visits');
  await page.setInputFiles('#import-file', { name, mimeType: 'text/csv', buffer: Buffer.from(`\ufeff${csv}`, 'utf8') });
  await page.setChecked('#import-skip-invalid', skipInvalid);
  await page.setChecked('#import-dry-run', false);
  await page.click('#import-submit');
  await page.locator('#import-outcome').waitFor({ timeout: 60000 });
  return Number(await page.locator('#import-result').getAttribute('data-id'));
}

describe('fault 4: an import refreshes every view of coverage, once', () => {
  test('the gap table, route, members, special households, summary and village panel follow a diary import', async () => {
    const { context, page } = await open('leader-321299101');
    try {
      await page.click('#tab-team');
      await page.locator('#gap-table tbody tr').first().waitFor({ timeout: 30000 });
      await page.locator('#plan table').waitFor({ timeout: 30000 });
      await page.locator('#summary .cards').first().waitFor({ state: 'attached', timeout: 30000 });
      const win = await page.evaluate(() => window.lianxin.window);

      // The gap village with the most residents still needed, and 40 of
      // its households no entry in the window reached.
      const gaps = (await apiJSON(page, `/api/v1/reports/gaps?team=D01&from=${win.from}&to=${win.to}`)).rows
        || await apiJSON(page, `/api/v1/reports/gaps?team=D01&from=${win.from}&to=${win.to}`);
      const village = [...gaps].sort((a, b) => b.residents_needed - a.residents_needed)[0];
      assert.ok(village, 'a gap village in D01');
      const households = csvRows(await getText(page, `/api/v1/export/households?format=csv&town=${TOWN}`));
      const hHead = households[0];
      const visits = csvRows(await getText(page, `/api/v1/export/visits?format=csv&town=${TOWN}&from=${win.from}&to=${win.to}`));
      const vHead = visits[0];
      const visited = new Set(visits.slice(1).map((r) => r[vHead.indexOf('household_id')]));
      const todo = households.slice(1)
        .filter((r) => r[hHead.indexOf('village_code')] === village.village_code && !visited.has(r[hHead.indexOf('external_id')]))
        .map((r) => r[hHead.indexOf('external_id')]).slice(0, 40);
      assert.ok(todo.length >= 10, `unvisited households of ${village.village_code}: ${todo.length}`);

      // The village's panel is open, from its row in the gap table.
      await page.locator('#gap-table tbody tr').filter({ hasText: village.village_name }).first().click();
      await page.locator('#village-panel .facts').first().waitFor({ timeout: 30000 });
      const cell = () => page.locator('#gap-table tbody tr', { hasText: village.village_name }).first().locator('td').nth(1).innerText();
      const before = await cell();
      const panelBefore = await page.locator('#village-panel .facts dd').first().innerText();

      // Every report the views ask, counted from the import on.
      const asked = [];
      page.on('request', (r) => {
        if (r.headers()['x-test-probe']) return;
        const m = /\/api\/v1\/(reports\/[a-z-]+|villages\/\d+)/.exec(r.url());
        if (m) asked.push(m[1].replace(/\d+$/, 'N'));
      });
      const d = new Date(Date.now() - 2 * 86400000);
      const day = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
      const csv = ['日记编号,走访队员,户编号,走访时间,走访类型',
        ...todo.map((hh, i) => `R3${stamp}${i},M0001,${hh},${day} ${String(8 + (i % 10)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')},入户走访`), ''].join('\r\n');
      const id = await importVisits(page, 'week.csv', csv);
      const rec = await probeJSON(page, `/api/v1/imports/${id}`);
      assert.equal(rec.status, 'succeeded', `import ${id}: ${JSON.stringify(rec).slice(0, 400)}`);
      assert.equal(rec.inserted, todo.length, `import ${id} inserted`);

      // The API's new figure, and the page's without a reload.
      const now = (await probeJSON(page, `/api/v1/reports/gaps?team=D01&from=${win.from}&to=${win.to}&all=true&format=json`));
      const row = (now.rows || now).find((r) => r.village_code === village.village_code);
      const want = row ? await page.evaluate((c) => new Intl.NumberFormat('zh-CN', { style: 'percent', maximumFractionDigits: 1 }).format(c), row.coverage) : null;
      await page.click('#tab-team');
      if (want) {
        await page.waitForFunction(([name, w]) => [...document.querySelectorAll('#gap-table tbody tr')]
          .some((tr) => tr.textContent.includes(name) && tr.cells[1].textContent === w), [village.village_name, want], { timeout: 20000 })
          .catch(() => {});
        const after = await cell();
        assert.notEqual(after, before, `the gap table's coverage of ${village.village_name} after the import: still ${before}`);
        assert.equal(after, want, `the gap table's coverage of ${village.village_name}: got ${after}, want the API's ${want}`);
      } else {
        // Past its rule now: out of the gap table.
        await page.waitForFunction((name) => ![...document.querySelectorAll('#gap-table tbody tr')].some((tr) => tr.textContent.includes(name)),
          village.village_name, { timeout: 20000 });
      }
      await page.waitForFunction((b) => document.querySelector('#village-panel .facts dd')?.textContent !== b, panelBefore, { timeout: 20000 })
        .catch(() => {});
      assert.notEqual(await page.locator('#village-panel .facts dd').first().innerText(), panelBefore, 'the open village panel\'s coverage after the import');
      await mapIdle(page);
      await page.waitForTimeout(1500); // a storm would come now
      const count = (k) => asked.filter((a) => a === k).length;
      for (const k of ['reports/gaps', 'reports/next', 'reports/summary', 'reports/special-households', 'reports/members', 'villages/N']) {
        assert.equal(count(k), 1, `${k} asked ${count(k)} times after one import (asked: ${asked.join(' ')})`);
      }
      await shot(page, 'review3-team-after-import');
    } finally {
      await context.close();
    }
  });
});

describe('fault 8: a refused file\'s rejects CSV is worded as the tab words it', () => {
  for (const lang of ['zh-CN', 'en']) {
    test(`in ${lang}`, async () => {
      const { context, page } = await open('leader-321299101', { lang });
      try {
        const csv = ['日记编号,走访队员,户编号,走访时间,走访类型,收集问题数',
          `B3${stamp}1,M0001,3212991012020004,2026-06-15 10:30,入户走访,一`,
          `B3${stamp}2,M0001,3212991012020004,不是时间,入户走访,0`,
          `B3${stamp}3,M0001,3212991012020004,2026-06-15 11:30,串门,0`, ''].join('\r\n');
        await importVisits(page, 'bad.csv', csv);
        const table = await page.locator('#import-rejects tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
        assert.ok(table.length >= 3, `rejected rows shown: ${JSON.stringify(table)}`);
        const btn = page.locator('#import-rejects-download');
        assert.equal(await btn.getAttribute('data-kind'), 'reasons', 'a refused file keeps no rejects file: the CSV of the reasons');
        const [download] = await Promise.all([page.waitForEvent('download'), btn.click()]);
        const text = readFileSync(await download.path(), 'utf8');
        assert.ok(text.startsWith('\ufeff'), `the rejects CSV starts ${JSON.stringify(text.slice(0, 8))}, want a UTF-8 BOM`);
        const rows = csvRows(text);
        const head = lang === 'en' ? ['File', 'Line', 'Field', 'Reason'] : ['文件', '行号', '字段', '原因'];
        assert.deepEqual(rows[0], head, 'the rejects CSV\'s header');
        // Each row says what the table says: the line, the column as typed, the reason in the page's language.
        const got = rows.slice(1).map((r) => [r[1], r[2], r[3]]).sort();
        const want = table.map((r) => [r[1].replace(/,/g, ''), r[2], r[3]]).sort();
        assert.deepEqual(got, want, 'the rejects CSV\'s line, field and reason vs the tab\'s table');
        if (lang !== 'en') {
          for (const r of rows.slice(1)) assert.match(r[3], /[\u4e00-\u9fff]/, `a reason not in Chinese in the zh rejects CSV: ${r}`);
          assert.ok(rows.slice(1).some((r) => r[2] === '收集问题数'), `the column as the file typed it: ${JSON.stringify(rows)}`);
        }
      } finally {
        await context.close();
      }
    });
  }
});

describe('fault 11 and nit 6: snapshots', () => {
  test('the comparison opens on the latest two of one area, older first; two areas are refused', async () => {
    const { context, page } = await open('planner');
    try {
      await page.locator('#snap-save').waitFor({ timeout: 30000 });
      const save = async (asOf, town) => {
        await page.locator('#snap-town').selectOption(town);
        await page.fill('#snap-asof', asOf);
        const [res] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/snapshots') && r.request().method() === 'POST'),
          page.click('#snap-save'),
        ]);
        const body = await res.json();
        assert.equal(res.status(), 201, `save ${asOf} ${town}: ${JSON.stringify(body)}`);
        await page.locator(`#snap-list tr[data-id="${body.id}"]`).waitFor();
        return body;
      };
      // The reviewer's three: two of the county, then one of a town (one
      // no snapshot was saved of yet, so it has no pair of its own).
      const saved = new Set((await apiJSON(page, '/api/v1/snapshots')).map((s) => s.town || ''));
      const towns = await page.locator('#snap-town option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
      const town = towns.find((c) => !saved.has(c));
      assert.ok(town, `a town with no snapshot yet among ${towns}`);
      const c1 = await save('2026-05-01', '');
      const c2 = await save('2026-09-30', '');
      const t1 = await save('2026-06-01', town);
      // The latest two county snapshots by as_of (then by number): those
      // just saved unless an earlier run saved the same days.
      const list = await apiJSON(page, '/api/v1/snapshots');
      const county = list.filter((s) => !s.town).sort((a, b) => (a.as_of === b.as_of ? b.id - a.id : (a.as_of < b.as_of ? 1 : -1)));
      const [newer, older] = county;
      assert.ok(newer.id >= c2.id && newer.as_of === c2.as_of, `the latest county snapshot ${JSON.stringify(newer)}`);
      assert.ok(older.as_of <= newer.as_of, 'older first');
      const picked = [await page.locator('#snap-a').inputValue(), await page.locator('#snap-b').inputValue()];
      assert.deepEqual(picked, [String(older.id), String(newer.id)],
        `the pickers after saving #${c1.id} (county 5-01), #${c2.id} (county 9-30), #${t1.id} (town 6-01)`);

      await page.click('#snap-compare');
      await page.locator('#snap-villages table, #snap-diff table').first().waitFor({ timeout: 30000 });
      assert.equal(await page.locator('#snap-areas-differ').count(), 0, 'the default comparison is of one area');
      const title = await page.locator('#snap-diff-title').innerText();
      assert.ok(title.indexOf(`#${older.id}`) < title.indexOf(`#${newer.id}`), `older → newer: ${title}`);
      // Nit 6: the column sums the groups, as the gap table says.
      const heads = await page.locator('#snap-diff table thead th').allInnerTexts();
      const waiting = heads.find((x) => x.includes('特殊群体'));
      assert.ok(waiting && waiting.includes('各类之和') && !waiting.includes('户'), `the special groups' change column: ${JSON.stringify(heads)}`);

      // Two areas: said, and not compared.
      await page.locator('#snap-a').selectOption(String(t1.id));
      await page.locator('#snap-b').selectOption(String(newer.id));
      let diffAsked = 0;
      page.on('request', (r) => { if (/\/diff\//.test(r.url())) diffAsked++; });
      await page.click('#snap-compare');
      const refused = page.locator('#snap-areas-refused');
      await refused.waitFor({ timeout: 10000 });
      assert.match(await refused.innerText(), /不能比较/, 'the refusal in Chinese');
      assert.equal(diffAsked, 0, 'no diff of two areas is asked');
      assert.equal(await page.locator('#snap-diff table').count(), 0, 'no comparison table for two areas');
      await shot(page, 'review3-snapshots');
    } finally {
      await context.close();
    }
  });
});

describe('fault 14: a village found is framed whole', () => {
  test('查找村居 fits the village\'s outline, and its dashed outline draws over the selection', async () => {
    const { context, page } = await open('planner');
    try {
      await page.click('input[name=mode][value=villages]');
      await mapIdle(page);
      const gaps = await apiJSON(page, `/api/v1/reports/gaps?town=${TOWN}`);
      const village = (gaps.rows || gaps)[0];
      await page.fill('#village-find', `${village.village_name} · ${village.town_name}`);
      await page.press('#village-find', 'Enter');
      await page.locator('#village-panel:not([hidden])').waitFor();
      await page.waitForFunction(() => !window.lianxin.map.map.isMoving(), null, { timeout: 20000 });
      await mapIdle(page);
      await page.waitForFunction(() => !window.lianxin.map.map.isMoving(), null, { timeout: 20000 });
      await mapIdle(page);
      const got = await page.evaluate((code) => {
        const m = window.lianxin.map.map;
        const pts = [];
        for (const f of m.querySourceFeatures('villages', { sourceLayer: 'villages', filter: ['==', ['get', 'code'], code] })) {
          const walk = (c) => (typeof c[0] === 'number' ? pts.push(m.project(c)) : c.forEach(walk));
          walk(f.geometry.coordinates);
        }
        const xs = pts.map((p) => p.x);
        const ys = pts.map((p) => p.y);
        const c = m.getCanvas();
        const layers = m.getStyle().layers.map((l) => l.id);
        const cr = c.getBoundingClientRect();
        const lg = document.getElementById('legend-box')?.getBoundingClientRect();
        return {
          n: pts.length, zoom: m.getZoom(), w: c.clientWidth, h: c.clientHeight,
          box: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)],
          below: layers.indexOf('villages-below'), selected: layers.indexOf('village-selected'),
          selectedWidth: m.getPaintProperty('village-selected', 'line-width'),
          belowWidth: m.getPaintProperty('villages-below', 'line-width'),
          legend: lg?.width ? [lg.left - cr.left, lg.top - cr.top] : null,
        };
      }, village.village_code);
      assert.ok(got.n > 0, `the village ${village.village_code} is in the villages tiles`);
      const [x0, y0, x1, y1] = got.box;
      assert.ok(x0 >= -1 && y0 >= -1 && x1 <= got.w + 1 && y1 <= got.h + 1, `the outline ${got.box.map(Math.round)} is within the map ${got.w}×${got.h} (zoom ${got.zoom.toFixed(2)})`);
      assert.ok((x1 - x0) / got.w > 0.3 || (y1 - y0) / got.h > 0.3, `the outline fills the view: ${got.box.map(Math.round)} in ${got.w}×${got.h}`);
      if (got.legend) assert.ok(x1 <= got.legend[0] || y1 <= got.legend[1], `the outline ${got.box.map(Math.round)} is clear of the legend at ${got.legend.map(Math.round)}`);
      assert.ok(got.below > got.selected, `the dashed outline (layer ${got.below}) draws over the selection's line (layer ${got.selected})`);
      assert.ok(got.selectedWidth > got.belowWidth + 2, `the selection's line (${got.selectedWidth}) shows on both sides of the dashes (${got.belowWidth})`);
      await shot(page, 'review3-find-village');
    } finally {
      await context.close();
    }
  });
});

describe('nits 1 and 2: the GIS tab', () => {
  test('a GIS user without household access is offered H3 levels to 8, and a refusal is worded in Chinese', async () => {
    const { context, page } = await open('gis');
    try {
      await page.click('#tab-gis');
      await page.locator('#layer-list table').waitFor({ timeout: 30000 });
      const me = await apiJSON(page, '/api/v1/auth/me').catch(() => null);
      if (me) assert.equal(me.household_points, false, 'the demo gis user has no household access (else the test proves nothing)');
      const offered = await page.locator('#export-res option').evaluateAll((os) => os.filter((o) => !o.disabled && !o.hidden).map((o) => o.value));
      assert.deepEqual(offered, ['6', '7', '8'], 'the H3 levels offered');
      assert.match(await page.locator('#export-res-note').innerText(), /8/, 'why no finer level');
      // A finer level all the same (a copied link): the server's refusal, in Chinese.
      await page.evaluate(() => {
        const s = document.getElementById('export-res');
        s.value = '10';
        s.dispatchEvent(new Event('change'));
      });
      await page.locator('tr[data-layer="h3_cells"] a.download').first().click();
      const msg = page.locator('#export-status.warn');
      await msg.waitFor({ timeout: 20000 });
      const text = await msg.innerText();
      assert.doesNotMatch(text, /finer than|resolution/, `the refusal in English: ${text}`);
      assert.match(text, /10/, `the refusal names the level: ${text}`);
    } finally {
      await context.close();
    }
  });

  test('a team leader\'s downloads say their town, and which layers are county-wide', async () => {
    const { context, page } = await open('leader-321299101');
    try {
      await page.click('#tab-gis');
      await page.locator('#layer-list table').waitFor({ timeout: 30000 });
      const said = await page.locator('#export-filter').innerText();
      assert.doesNotMatch(said, /全部镇街/, `a leader's downloads hold their town's rows: ${said}`);
      assert.match(said, /东岳镇/, `the leader's town named: ${said}`);
      assert.match(said, /缺口报告/, `the county-wide layers named: ${said}`);
      const offered = await page.locator('#export-res option').evaluateAll((os) => os.filter((o) => !o.disabled && !o.hidden).map((o) => o.value));
      // Review GIS fault 13: finer levels hold the leader's own town's hexagons, exact.
      assert.deepEqual(offered, ['6', '7', '8', '9', '10'], 'a leader\'s H3 levels (finer than 8: their own town\'s)');
      assert.match(await page.locator('#export-res-note').innerText(), /东岳镇/, 'the note says finer levels are the own town\'s');
    } finally {
      await context.close();
    }
  });
});

describe('nit 8: the gap table on a phone', () => {
  test('it scrolls sideways with the village pinned, each header on two lines at most', async () => {
    const { context, page } = await open('leader-321299101', { width: 390, height: 844, phone: true });
    try {
      await page.click('#tab-team');
      await page.locator('#gap-table tbody tr').first().waitFor({ timeout: 30000 });
      const got = await page.evaluate(() => {
        const wrap = document.getElementById('gaps');
        const ths = [...document.querySelectorAll('#gap-table thead th')];
        const lines = ths.map((th) => {
          const el = th.querySelector('button') || th;
          const lh = parseFloat(getComputedStyle(el).lineHeight) || parseFloat(getComputedStyle(el).fontSize) * 1.2;
          return { text: th.textContent, lines: Math.round(el.getBoundingClientRect().height / lh) };
        });
        return {
          lines, scroll: wrap.scrollWidth > wrap.clientWidth,
          pinned: getComputedStyle(document.querySelector('#gap-table tbody td')).position,
        };
      });
      for (const l of got.lines) assert.ok(l.lines <= 2, `header ${l.text} on ${l.lines} lines`);
      assert.ok(got.scroll, 'the table scrolls sideways');
      assert.equal(got.pinned, 'sticky', 'the village column is pinned');
      await shot(page, 'review3-phone-gaps');
    } finally {
      await context.close();
    }
  });
});

describe('nit 12: a leader\'s diary names the members', () => {
  test('the member is picked by name, and the latest entries say who wrote each', async () => {
    const { context, page } = await open('leader-321299101');
    try {
      await page.click('#tab-diary');
      const pick = page.locator('select#diary-member');
      await pick.waitFor({ timeout: 30000 });
      const members = (await apiJSON(page, '/api/v1/reports/members?team=D01')).rows;
      const options = await pick.locator('option').evaluateAll((os) => os.map((o) => [o.value, o.textContent]));
      for (const m of members) {
        assert.ok(options.some(([v, txt]) => v === m.member_code && txt.includes(m.member_name)), `member ${m.member_code} ${m.member_name} in ${JSON.stringify(options)}`);
      }
      const m = members[members.length - 1];
      await page.fill('#diary-household', '3212991012020004');
      await pick.selectOption(m.member_code);
      await page.selectOption('#diary-kind', 'household_visit');
      await page.fill('#diary-notes', `review3 ${stamp}`);
      // An entry that lands refreshes the views of coverage and the map's tiles, once (as an import does).
      const asked = [];
      page.on('request', (r) => {
        const m = /\/api\/v1\/(reports\/[a-z-]+)|\/tiles\/(villages)\//.exec(r.url());
        if (m) asked.push(m[1] || m[2]);
      });
      await page.click('#diary-submit');
      await page.locator('#diary-notice', { hasText: '3212991012020004' }).waitFor({ timeout: 20000 });
      await page.waitForFunction((n) => [...document.querySelectorAll('#diary-entries tbody tr')].some((tr) => tr.textContent.includes(n)),
        `review3 ${stamp}`.slice(0, 24), { timeout: 20000 });
      const heads = await page.locator('#diary-entries thead th').allInnerTexts();
      const col = heads.findIndex((x) => x.includes('队员'));
      assert.ok(col >= 0, `a member column in ${JSON.stringify(heads)}`);
      const row = await page.locator('#diary-entries tbody tr', { hasText: `review3 ${stamp}`.slice(0, 24) }).first().locator('td, th').allInnerTexts();
      assert.equal(row[col], m.member_name, `the entry's member: ${JSON.stringify(row)}`);
      await page.waitForTimeout(1500);
      const count = (k) => asked.filter((x) => x === k).length;
      assert.equal(count('reports/gaps'), 1, `the gap table asked ${count('reports/gaps')} times after one entry (asked: ${asked.join(' ')})`);
      assert.ok(count('villages') > 0, `the villages tiles asked again after the entry (asked: ${asked.join(' ')})`);
    } finally {
      await context.close();
    }
  });
});
