// The GIS tab's Shapefile encoding: UTF-8 unless GBK is chosen (for older
// ArcGIS), and then only the Shapefile links carry encoding=gbk, the
// check=true asked first too; the file downloaded is a zip whose .cpg names
// code page 936 and whose .dbf holds the towns' names in GBK bytes.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';

import { launch, openApp, setLang, shot } from './helpers.mjs';

/** unzip reads a zip's entries from its central directory: name → bytes. */
function unzip(buf) {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, 'the file is a zip (no end of central directory found)');
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const out = new Map();
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(at), 0x02014b50, `central directory entry ${i}`);
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const skip = nameLen + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.subarray(at + 46, at + 46 + nameLen).toString('utf8');
    const data = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(data, data + size);
    out.set(name, method === 8 ? inflateRawSync(raw) : Buffer.from(raw));
    at += 46 + skip;
  }
  return out;
}

describe('the GIS tab\'s Shapefile encoding', () => {
  let browser;
  let page;
  const requests = [];
  before(async () => {
    browser = await launch();
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN', acceptDownloads: true });
    page = await context.newPage();
    page.on('request', (r) => { if (r.url().includes('/api/v1/export/')) requests.push(r.url()); });
    await openApp(page, 'gis');
    await page.click('#tab-gis');
    await page.waitForFunction(() => document.querySelectorAll('#layer-list a.download').length > 0);
  });
  after(async () => {
    await browser?.close();
  });

  const shpLink = (layer) => page.locator(`#layer-list tr[data-layer="${layer}"] a.download[href*="format=shp"]`).first();
  const encodingOf = (href) => new URL(href, 'http://x').searchParams.get('encoding');

  test('UTF-8 by default: no link asks an encoding', async () => {
    await page.locator('#export-encoding').waitFor();
    assert.equal(await page.inputValue('#export-encoding'), 'utf-8');
    assert.equal(await page.$eval('label[for="export-encoding"]', (l) => l.textContent.trim()), 'Shapefile 属性文字编码');
    assert.match(await page.textContent('#export-encoding-hint'), /ArcGIS 10\.x 及更早版本/);
    const hrefs = await page.$$eval('#layer-list a.download', (as) => as.map((a) => a.getAttribute('href')));
    assert.ok(hrefs.some((u) => /format=shp/.test(u)), 'the tab offers Shapefiles');
    assert.deepEqual(hrefs.filter((u) => encodingOf(u) !== null), [], 'links with an encoding while UTF-8 is chosen');
  });

  test('GBK goes into the Shapefile links only, and says so in English too', async () => {
    await page.selectOption('#export-encoding', 'gbk');
    const hrefs = await page.$$eval('#layer-list a.download', (as) => as.map((a) => a.getAttribute('href')));
    const shp = hrefs.filter((u) => /format=shp/.test(u));
    assert.ok(shp.length >= 5, `Shapefile links: ${shp.length}`);
    assert.deepEqual(shp.filter((u) => encodingOf(u) !== 'gbk'), [], 'Shapefile links without encoding=gbk');
    assert.deepEqual(hrefs.filter((u) => !/format=shp/.test(u) && encodingOf(u) !== null), [], 'other formats\' links with an encoding');
    assert.equal((await shpLink('towns').textContent()).trim(), 'Shapefile · GBK');
    await page.locator('#export-encoding-group').scrollIntoViewIfNeeded();
    await shot(page, 'gis-gbk-chosen');
    await setLang(page, 'en');
    assert.equal(await page.$eval('label[for="export-encoding"]', (l) => l.textContent.trim()), 'Shapefile attribute encoding');
    assert.match(await page.textContent('#export-encoding-hint'), /ArcGIS 10\.x and older/);
    assert.equal(await page.inputValue('#export-encoding'), 'gbk', 'the choice survives the language switch');
    assert.equal(encodingOf(await shpLink('towns').getAttribute('href')), 'gbk');
    await setLang(page, 'zh-CN');
  });

  test('the GBK download is checked with encoding=gbk and is a zip whose .cpg says code page 936', async () => {
    const link = shpLink('towns');
    const href = await link.getAttribute('href');
    requests.length = 0;
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const asked = requests.map((u) => new URL(u));
    assert.equal(asked.length, 1, `the page's export requests: ${requests.join(' ')}`);
    assert.equal(asked[0].searchParams.get('check'), 'true');
    assert.equal(asked[0].searchParams.get('encoding'), 'gbk', 'the check asks the GBK file');
    assert.equal(download.url(), new URL(href, page.url()).href, 'the browser followed the GBK link');
    assert.match(download.suggestedFilename(), /gbk.*\.zip$/i, `file name ${download.suggestedFilename()}`);

    const files = unzip(readFileSync(await download.path()));
    const names = [...files.keys()];
    const cpg = names.find((n) => n.toLowerCase().endsWith('.cpg'));
    const dbf = names.find((n) => n.toLowerCase().endsWith('.dbf'));
    assert.ok(cpg && dbf, `the zip's files: ${names.join(', ')}`);
    assert.match(files.get(cpg).toString('latin1').trim(), /^(CP)?936$/i, `the .cpg says ${JSON.stringify(files.get(cpg).toString('latin1'))}`);

    // The towns' names are in the .dbf as GBK bytes, not UTF-8 ones.
    const towns = await page.evaluate(() => window.lianxin.towns.map((x) => x.name));
    const name = towns.find((n) => /[\u4e00-\u9fff]/.test(n));
    assert.ok(name, `a town with a Chinese name among ${towns.join(', ')}`);
    const bytes = files.get(dbf);
    const utf8 = Buffer.from(name, 'utf8');
    assert.equal(bytes.indexOf(utf8), -1, `the .dbf holds ${name} in UTF-8`);
    const text = new TextDecoder('gbk').decode(bytes);
    assert.ok(text.includes(name), `the .dbf read as GBK does not hold ${name}`);
  });
});
