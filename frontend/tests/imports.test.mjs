// The import tab as a town's team leader meets it: the diary's template
// downloads as the API writes it; a GBK file typed in Excel, with one good
// and one bad row, lands its good row with "skip invalid rows", and the page
// shows the counts and the reject as the import record has them (worded
// from its code in the page's language, under the column as typed);
// the good row is then in the API, and on the map (its tiles are asked for
// again); the rejects file downloads with the bad row as typed, to fix and
// import again (a dry run of the same file finds the good row unchanged and
// redraws nothing; without "skip invalid rows" the download is the reasons). A planner, who may not import, never sees the tab; a gis user
// without the household points grant still gets the diary's template.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import {
  ARTIFACTS, launch, mapIdle, openApp, shot,
} from './helpers.mjs';
import { TABLES } from '../src/i18n.js';
import { IMPORT_LAYERS, rejectsCSV } from '../src/imports.js';
import { csvCell } from '../src/ui.js';

const LEADER = 'leader-321299101';
const TOWN = '321299101';

/**
 * gbk encodes text as GBK, the way Chinese Excel saves a CSV: the table is
 * built by decoding every two-byte GBK sequence with Node's own decoder.
 */
function gbk(text) {
  const dec = new TextDecoder('gbk');
  const codes = new Map();
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) {
      if (trail === 0x7f) continue;
      const ch = dec.decode(Uint8Array.of(lead, trail));
      if (ch.length === 1 && ch !== '\ufffd' && !codes.has(ch)) codes.set(ch, [lead, trail]);
    }
  }
  const out = [];
  for (const ch of text) {
    const c = ch.codePointAt(0);
    if (c < 0x80) {
      out.push(c);
      continue;
    }
    const b = codes.get(ch);
    if (!b) throw new Error(`${ch} has no GBK code`);
    out.push(...b);
  }
  return Buffer.from(out);
}

/** api fetches path in the page (with its session): JSON, or the bytes with asBytes. */
const api = (page, path, asBytes = false) => page.evaluate(async ({ p, bytes }) => {
  const res = await fetch(p);
  if (!res.ok) throw new Error(`GET ${p}: ${res.status} ${await res.text()}`);
  return bytes ? [...new Uint8Array(await res.arrayBuffer())] : res.json();
}, { p: path, bytes: asBytes });

/** importFile fills the form, submits it and waits for the import to end; it returns the record's id. */
async function importFile(page, { name, body, encoding = '', skipInvalid = false, dryRun = false }) {
  await page.selectOption('#import-layer', 'visits');
  await page.setInputFiles('#import-file', { name, mimeType: 'text/csv', buffer: body });
  await page.selectOption('#import-encoding', encoding);
  await page.setChecked('#import-skip-invalid', skipInvalid);
  await page.setChecked('#import-dry-run', dryRun);
  await page.click('#import-submit');
  await page.locator('#import-outcome').waitFor({ timeout: 60000 });
  return Number(await page.locator('#import-result').getAttribute('data-id'));
}

/** shown reads the counts and the rejected rows off the page. */
const shown = (page) => page.evaluate(() => {
  const counts = {};
  for (const card of document.querySelectorAll('#import-counts [data-key]')) {
    counts[card.dataset.key] = Number(card.querySelector('dd').dataset.value);
  }
  const rejects = [...document.querySelectorAll('#import-rejects tbody tr')]
    .map((tr) => [...tr.cells].map((td) => td.textContent));
  return { counts, rejects, status: document.getElementById('import-result').dataset.status };
});

test('every layer, status and count of the tab has words in both languages', () => {
  const keys = [
    ...IMPORT_LAYERS.map((l) => `imp.layer.${l}`),
    ...['running', 'succeeded', 'failed', 'rejected'].map((k) => `imp.status.${k}`),
    ...['inserted', 'updated', 'unchanged', 'rejected'].map((k) => `imp.count.${k}`),
  ];
  for (const lang of ['zh-CN', 'en']) {
    assert.deepEqual(keys.filter((k) => !(k in TABLES[lang])), [], `${lang}: missing keys`);
  }
});

test('the rejects CSV quotes what needs it and defuses formulas', () => {
  const cases = [
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['-1', "'-1"],
    [3, '3'],
    [undefined, ''],
  ];
  for (const [value, want] of cases) assert.equal(csvCell(value), want, `csvCell(${JSON.stringify(value)})`);
  const text = rejectsCSV({ rejects: [{ file: '民情日记.csv', unit: 'line', line: 3, field: 'kind', reason: '"串门" is not one of a, b' }] });
  assert.equal(text, '\ufefffile,unit,line,field,reason\r\n民情日记.csv,line,3,kind,"""串门"" is not one of a, b"\r\n');
});

describe('a team leader imports the diary', () => {
  let browser;
  let context;
  let page;
  const stamp = Date.now().toString(36).toUpperCase();
  const good = `WEB${stamp}A`;
  const bad = `WEB${stamp}B`;
  let member = '';
  let village = '';
  let csv = '';
  let imported = 0; // the import with a good and a bad row
  // Every tile the page asks for (MapLibre fetches them in its worker).
  const tiles = [];
  // tilesSince waits, at most ms, for the map to ask for tiles after the
  // first n were asked, and returns the URLs asked since.
  const tilesSince = async (n, ms) => {
    for (const end = Date.now() + ms; tiles.length === n && Date.now() < end;) await new Promise((r) => { setTimeout(r, 100); });
    return tiles.slice(n);
  };

  before(async () => {
    browser = await launch();
    // A town office's laptop screen.
    context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', acceptDownloads: true });
    context.on('request', (req) => { if (/\/tiles\//.test(req.url())) tiles.push(req.url()); });
    page = await context.newPage();
    await openApp(page, LEADER);
    // A member and a village of the leader's own town: the leader may
    // import only their towns' rows.
    const teams = await api(page, '/api/v1/teams');
    const team = teams.find((x) => x.town_code === TOWN && x.members > 0);
    assert.ok(team, `a team of town ${TOWN} with members in ${JSON.stringify(teams).slice(0, 300)}`);
    member = (await api(page, `/api/v1/reports/members?team=${team.code}`)).rows[0].member_code;
    village = (await api(page, `/api/v1/reports/gaps?town=${TOWN}&all=true&format=json`)).rows[0].village_code;
    // Chinese headers and values, as a town clerk types them; the second
    // row's kind (串门, dropping in) is not one the diary knows.
    csv = [
      '日记编号,成员代码,村代码,走访时间,走访类型,参与人数,记录,收集问题数,解决问题数,化解信访,化解纠纷',
      `${good},${member},${village},2026-06-15 10:30,入户走访,2,了解用水情况（网页导入测试）,1,0,否,否`,
      `${bad},${member},${village},2026-06-15 11:00,串门,1,随便聊聊,0,0,否,否`,
      '',
    ].join('\r\n');
  });

  after(async () => {
    await browser?.close();
  });

  test('the tab is there, and the template downloads as the API writes it', async () => {
    await page.click('#tab-imports');
    await page.locator('#import-form').waitFor();
    await page.selectOption('#import-layer', 'visits');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#import-template')]);
    assert.equal(download.suggestedFilename(), 'lianxin-visits-template.csv');
    const got = readFileSync(await download.path());
    // The zh page downloads the Chinese template: Chinese headers the import reads, Chinese notes.
    const want = Buffer.from(await api(page, '/api/v1/imports/template?layer=visits&lang=zh', true));
    assert.ok(got.equals(want), `the downloaded template (${got.length} bytes) differs from GET /api/v1/imports/template?layer=visits&lang=zh (${want.length} bytes)`);
    const text = got.toString('utf8');
    assert.ok(text.startsWith('\ufeff'), `the template starts ${JSON.stringify(text.slice(0, 10))}, want a UTF-8 BOM`);
    const header = text.slice(1, text.indexOf('\n')).trim().split(',');
    assert.ok(header.includes('日记编号') && header.includes('走访时间'), `template header ${header}`);
    for (const col of header.filter((c) => c !== '经度' && c !== '纬度')) {
      assert.match(text, new RegExp(`\\n# ${col}\\*?：`), `the template has no # line explaining ${col}`);
    }
  });

  test('a GBK file with a good and a bad row: the counts and the reject are the record\'s', async () => {
    const body = gbk(csv);
    assert.equal(new TextDecoder('gbk').decode(body), csv, 'the GBK bytes decode back to the text');
    assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(body), 'the file is not valid UTF-8 (else the test proves nothing about GBK)');

    const before = tiles.length;
    const id = await importFile(page, { name: '民情日记.csv', body, encoding: 'gbk', skipInvalid: true });
    assert.ok(id > 0, `the result names the import (data-id ${id})`);
    imported = id;
    const rec = await api(page, `/api/v1/imports/${id}`);
    const page1 = await shown(page);
    // The outcome and the rejects come into view; they end below the form.
    const onScreen = (sel) => page.locator(sel).evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight;
    });
    for (const sel of ['#import-outcome', '#import-counts', '#import-rejects tbody tr']) assert.ok(await onScreen(sel), `${sel} is off the 1366×768 screen after the import`);
    // The panel scrolled, not the page: the header and the tabs stay.
    const pageScroll = await page.evaluate(() => [document.scrollingElement.scrollTop, document.scrollingElement.scrollHeight - window.innerHeight]);
    assert.deepEqual(pageScroll, [0, 0], 'the page scrolled as a whole (scrollTop, overflow), header and all');
    await shot(page, 'imports-leader');
    await page.locator('#import-result').screenshot({ path: `${ARTIFACTS}/imports-result.png` });

    // What the API says, first: else matching the page proves little.
    assert.equal(rec.status, 'succeeded', `import ${id}: ${JSON.stringify(rec).slice(0, 400)}`);
    assert.deepEqual([rec.inserted, rec.rejected], [1, 1], `import ${id} record counts ${JSON.stringify(rec)}`);
    assert.equal(rec.rejects?.length, 1, `import ${id} record rejects ${JSON.stringify(rec.rejects)}`);
    const [reject] = rec.rejects;
    assert.deepEqual([reject.line, reject.field], [3, 'kind'], `the reject ${JSON.stringify(reject)}, want line 3, field kind`);
    // Its code, parameters and the column as the clerk typed it.
    assert.deepEqual([reject.code, reject.params?.value, reject.header], ['not_one_of', '串门', '走访类型'],
      `the reject ${JSON.stringify(reject)}, want code not_one_of, value 串门, header 走访类型`);
    assert.ok(reject.params.allowed?.includes('household_visit') && reject.params.allowed_zh?.includes('入户走访'),
      `the reject's allowed values ${JSON.stringify(reject.params)}`);
    assert.match(reject.reason, /^"串门" is not one of household_visit/, 'the English reason stays');

    assert.equal(page1.status, rec.status);
    assert.deepEqual(page1.counts, { inserted: rec.inserted, updated: rec.updated, unchanged: rec.unchanged, rejected: rec.rejected },
      'the counts on the page against the record');
    // In Chinese, worded from the code; the field as typed, the API's name in the tooltip.
    assert.deepEqual(page1.rejects, [[reject.file, String(reject.line), '走访类型', `“串门”不是可选值之一（${reject.params.allowed_zh.join('、')}）`]],
      'the rejected rows on the page against the record');
    assert.equal(await page.getAttribute('#import-rejects tbody tr td:nth-child(3) span', 'title'), '接口字段名：kind',
      'the field cell\'s tooltip names the API field');
    assert.equal(reject.file, '民情日记.csv', 'the file name came through the upload');

    // The good row is in the API; the bad one is not.
    const found = await api(page, `/ogc/collections/visits/items?external_id=${good}`);
    assert.equal(found.features.length, 1, `visit ${good} after the import: ${JSON.stringify(found).slice(0, 300)}`);
    const p = found.features[0].properties;
    assert.deepEqual([p.member_code, p.village_code, p.kind, p.participants, p.problems_collected],
      [member, village, 'household_visit', 2, 1], `visit ${good} as stored`);
    assert.equal(new Date(p.occurred_at).toISOString(), '2026-06-15T02:30:00.000Z', 'occurred_at is China time');
    const none = await api(page, `/ogc/collections/visits/items?external_id=${bad}`);
    assert.equal(none.features.length, 0, `the rejected visit ${bad} was stored`);

    // A row landed: the map asks for its tiles again, without a reload.
    const asked = await tilesSince(before, 15000);
    assert.ok(asked.some((u) => /\/tiles\/(h3|villages)\//.test(u)),
      `tiles asked for after the import changed a row: ${JSON.stringify(asked.slice(0, 5))}, want the heat map's or the villages'`);
    await mapIdle(page);
  });

  test('the rejects file downloads with the bad row as typed, and imports again once fixed', async () => {
    const rec = await api(page, `/api/v1/imports/${imported}`);
    assert.deepEqual(rec.rejects_file, { name: '民情日记.rejects.csv', format: 'csv', rows: 1, complete: true },
      `import ${imported}'s rejects_file`);
    assert.equal(await page.getAttribute('#import-rejects-download', 'data-kind'), 'file');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#import-rejects-download')]);
    assert.equal(download.suggestedFilename(), '民情日记.rejects.csv');
    const got = readFileSync(await download.path());
    const want = Buffer.from(await api(page, `/api/v1/imports/${imported}/rejects`, true));
    assert.ok(got.equals(want), `the downloaded file (${got.length} bytes) differs from GET /api/v1/imports/${imported}/rejects (${want.length} bytes)`);
    // As the command line writes it: UTF-8 with a BOM (the upload was GBK),
    // the header and the bad row as typed, its line and reason added.
    const text = got.toString('utf8');
    assert.ok(text.startsWith('\ufeff'), `the rejects file starts ${JSON.stringify(text.slice(0, 10))}, want a UTF-8 BOM`);
    const lines = text.slice(1).trimEnd().split('\n');
    const [header, , badRow] = csv.split('\r\n');
    assert.equal(lines.length, 2, `rejects file:\n${text}`);
    // The page is in Chinese: the line and reason columns too, then the
    // codes for scripts, as `lianxin ingest --lang zh` heads them.
    assert.equal(lines[0], `${header},原行号,拒绝原因,reject_code,reject_params`);
    // The web tab asks for Chinese reasons, after the column as typed.
    assert.ok(lines[1].startsWith(`${badRow},3,走访类型：“串门”不是可选值之一（入户走访、走访农户、`),
      `rejects file row ${lines[1]}, want ${badRow},3,走访类型：“串门”不是可选值之一（入户走访、走访农户、…`);

    // Fixed in a spreadsheet (the kind), the file imports as it is.
    const fixed = text.replace(',串门,', ',入户走访,');
    const id = await importFile(page, { name: '民情日记.rejects.csv', body: Buffer.from(fixed), skipInvalid: true });
    const again = await api(page, `/api/v1/imports/${id}`);
    assert.deepEqual([again.status, again.inserted, again.rejected], ['succeeded', 1, 0], `the fixed rejects file imported: ${JSON.stringify(again).slice(0, 400)}`);
    const found = await api(page, `/ogc/collections/visits/items?external_id=${bad}`);
    assert.equal(found.features.length, 1, `visit ${bad} after importing the fixed rejects file`);
  });

  test('a dry run of the same file, encoding detected, finds the good row unchanged', async () => {
    await mapIdle(page);
    const before = tiles.length;
    const id = await importFile(page, { name: '民情日记.csv', body: gbk(csv), skipInvalid: true, dryRun: true });
    const asked = await tilesSince(before, 2000);
    assert.deepEqual(asked, [], 'tiles asked for after a dry run, which changes nothing');
    const rec = await api(page, `/api/v1/imports/${id}`);
    const { counts } = await shown(page);
    assert.equal(rec.dry_run, true);
    assert.deepEqual([rec.inserted, rec.updated, rec.unchanged, rec.rejected], [0, 0, 1, 1], `dry run record ${JSON.stringify(rec)}`);
    assert.deepEqual(counts, { inserted: 0, updated: 0, unchanged: 1, rejected: 1 }, 'the dry run counts on the page');
  });

  test('the recent imports list both, newest first, with who ran them', async () => {
    const { imports } = await api(page, '/api/v1/imports?limit=20');
    await page.locator(`#import-list-table tbody tr[data-key="${imports[0].id}"]`).waitFor();
    // (Each row: when over who, layer over file, status, the four counts; imports-layout.test.mjs checks it fits.)
    const rows = await page.$$eval('#import-list-table tbody tr', (trs) => trs.map((tr) => ({
      id: Number(tr.dataset.key),
      who: tr.querySelector('.who')?.textContent,
      status: tr.querySelector('.state')?.textContent,
      counts: [...tr.querySelectorAll('dl.counts [data-key]')].map((d) => d.querySelector('dd').textContent),
    })));
    assert.deepEqual(rows.map((r) => r.id), imports.map((r) => r.id), 'the list on the page against GET /api/v1/imports');
    const [dry, fixed, real] = rows;
    assert.equal(dry.who, LEADER);
    assert.match(dry.status, /试运行/, `the dry run's status ${dry.status}`);
    assert.deepEqual(fixed.counts, ['1', '0', '0', '0'], `the fixed rejects file's counts (inserted, updated, unchanged, rejected) ${fixed.counts}`);
    assert.deepEqual(real.counts, ['1', '0', '0', '1'], `the import's counts (inserted, updated, unchanged, rejected) ${real.counts}`);
  });

  test('without "skip invalid rows" no rejects file is kept: the download is the reasons', async () => {
    const id = await importFile(page, { name: '民情日记.csv', body: gbk(csv), encoding: 'gbk' });
    const rec = await api(page, `/api/v1/imports/${id}`);
    assert.deepEqual([rec.status, rec.rejects_file], ['rejected', undefined], `import ${id}: ${JSON.stringify(rec).slice(0, 300)}`);
    assert.equal(await page.getAttribute('#import-rejects-download', 'data-kind'), 'reasons');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#import-rejects-download')]);
    assert.equal(download.suggestedFilename(), '民情日记.rejects.csv');
    const text = readFileSync(await download.path(), 'utf8');
    assert.ok(text.startsWith('\ufeff'), 'the reasons CSV starts with a UTF-8 BOM');
    const lines = text.slice(1).trim().split('\r\n');
    // Worded as the tab's table: Chinese headers, the column as typed, the reason in Chinese.
    assert.equal(lines[0], '文件,行号,字段,原因');
    assert.equal(lines.length, 2, `reasons CSV:\n${text}`);
    assert.match(lines[1], /^民情日记\.csv,3,走访类型,“串门”不是可选值之一/, `reasons CSV row ${lines[1]}`);
  });

  test('in English every word of the tab is English', async () => {
    await page.click('#lang');
    assert.equal((await page.textContent('#tab-imports')).trim(), 'Import');
    for (const sel of ['#import-form', '#import-counts', '#import-recent-title', '#import-list-table thead']) {
      // The chosen file's name is the user's, not the page's.
      const text = await page.locator(sel).evaluate((el) => {
        const copy = el.cloneNode(true);
        copy.querySelector('#import-file-name')?.remove();
        return copy.textContent;
      });
      assert.doesNotMatch(text, /[\u3400-\u9fff]/, `${sel} in English still shows Chinese: ${text}`);
    }
    assert.equal(await page.textContent('#import-file-name'), '民情日记.csv', 'the chosen file is named');
    // The reject shown (the last import's) is worded in English now; the
    // column stays as the clerk typed it, the tooltip in English.
    const [row] = (await shown(page)).rejects;
    assert.equal(row[2], '走访类型', `the reject's field cell ${row}`);
    assert.match(row[3], /^“串门” is not one of household_visit, enterprise_visit, /, `the reject's reason cell in English ${row}`);
    assert.equal(await page.getAttribute('#import-rejects tbody tr td:nth-child(3) span', 'title'), 'API field: kind');
    await page.click('#lang'); // back to zh-CN for whoever runs next
  });

  test('errors are said in the page\'s language, with the server\'s own words as the detail', async () => {
    // A workbook is stopped before the upload, with the fix.
    await page.setInputFiles('#import-file', { name: '民情日记.xlsx', mimeType: 'application/octet-stream', buffer: Buffer.from('PK') });
    await page.click('#import-submit');
    assert.match(await page.textContent('#import-error'), /另存为/);
    // An option the server refuses (400 invalid): our sentence, then the server's message.
    await page.setInputFiles('#import-file', { name: 'visits.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.evaluate(() => {
      const sel = document.getElementById('import-encoding');
      sel.append(new Option('big5', 'big5'));
      sel.value = 'big5';
      sel.dispatchEvent(new Event('change'));
    });
    await page.click('#import-submit');
    await page.waitForFunction(() => /big5/.test(document.getElementById('import-error')?.textContent || ''));
    const refused = await page.textContent('#import-error');
    assert.match(refused, /^服务器拒收了这个文件或选项。/, `the error shown: ${refused}`);
    assert.match(refused, /服务器说明：无法识别的编码“big5”：可选 auto、utf-8、gbk、gb18030/, `the detail shown: ${refused}`);
    // A file the server takes but cannot read: the record's problems,
    // worded from their codes in the page's language, are the detail.
    await page.selectOption('#import-encoding', '');
    await page.setInputFiles('#import-file', { name: 'empty.csv', mimeType: 'text/csv', buffer: Buffer.from('') });
    await page.setChecked('#import-dry-run', true);
    await page.click('#import-submit');
    await page.locator('#import-result[data-status="rejected"] #import-outcome').waitFor({ timeout: 30000 });
    const outcome = await page.textContent('#import-outcome');
    assert.match(outcome, /这个文件无法导入.*服务器说明：文件是空的/, `the outcome shown: ${outcome}`);
    assert.doesNotMatch(outcome, /is empty/, `the outcome shown: ${outcome}`);
  });
});

describe('who sees the tab', () => {
  let browser;

  before(async () => {
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
  });

  test('a planner does not see the import tab', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
    await openApp(page, 'planner');
    assert.equal(await page.locator('#tab-imports').isVisible(), false, 'the planner sees the import tab');
    assert.equal(await page.locator('#view-imports').evaluate((el) => el.children.length), 0, 'the planner\'s page holds the import form');
    const status = await page.evaluate(async () => (await fetch('/api/v1/imports')).status);
    assert.equal(status, 403, 'GET /api/v1/imports as a planner');
    await page.close();
  });

  test('a gis user without household points downloads the diary template', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
    await openApp(page, 'gis');
    const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).json());
    assert.equal(me.household_points, false, 'the demo gis user has no household points (else the test proves nothing)');
    await page.click('#tab-imports');
    await page.selectOption('#import-layer', 'visits');
    const status = await page.evaluate(async () => (await fetch(document.getElementById('import-template').href)).status);
    assert.equal(status, 200, 'the diary template for a gis user without household points');
    await page.close();
  });
});
