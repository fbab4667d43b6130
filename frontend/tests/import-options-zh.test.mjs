// An import asked for the wrong way — an encoding or coordinate system the
// server does not know — is refused with the option's code and parameters
// (the error's details), and the import tab says it in the page's
// language: in Chinese, from the code, with no English sentence; in
// English, the server's own message. Every option code the server gives
// has its sentence in both tables, filled from its parameters.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { launch, openApp, shot } from './helpers.mjs';
import { TABLES } from '../src/i18n.js';
import { optionReason } from '../src/imports.js';

const LEADER = 'leader-321299101';

// One refusal of each code, as the API's details carry it.
const REFUSALS = [
  [{ option: 'layer', code: 'unknown_layer', params: { value: 'rivers', layers: ['towns', 'villages'] } }, '没有“rivers”这个图层：可选 towns、villages'],
  [{ option: 'layer', code: 'missing_layer', params: { layers: ['towns', 'villages'] } }, '请指定要导入的图层：可选 towns、villages'],
  [{ option: 'encoding', code: 'bad_encoding', params: { value: 'big5', allowed: ['auto', 'utf-8', 'gbk', 'gb18030'] } }, '无法识别的编码“big5”：可选 auto、utf-8、gbk、gb18030'],
  [{ option: 'crs', code: 'bad_crs', params: { value: 'bd09', allowed: ['wgs84', 'cgcs2000', 'gcj02'] } }, '无法识别的坐标系“bd09”：可选 wgs84、cgcs2000、gcj02'],
  [{ option: 'lang', code: 'bad_lang', params: { value: 'fr', allowed: ['zh', 'en'] } }, '无法识别的语言“fr”：可选 zh、en'],
  // The option named by the form's label.
  [{ option: 'skip_invalid', code: 'not_true_false', params: { option: 'skip_invalid', value: 'perhaps' } }, '选项“跳过无效行”的值“perhaps”无效'],
  [{ option: 'file', code: 'no_file' }, '没有收到文件'],
  [{ option: 'skipinvalid', code: 'unknown_option', params: { option: 'skipinvalid', options: ['file', 'crs'] } }, '“skipinvalid”不是导入的选项：可用的选项为 file、crs'],
  [{ option: 'id', code: 'bad_import_id', params: { value: 'abc' } }, '导入编号“abc”无效'],
  [{ option: 'limit', code: 'bad_limit', params: { value: '0', min: 1, max: 1000 } }, '条数“0”无效：应在 1 到 1000 之间'],
];

test('every option code is worded in both languages', () => {
  const codes = Object.keys(TABLES['zh-CN']).filter((k) => k.startsWith('imp.option.'));
  assert.ok(codes.length >= REFUSALS.length, `imp.option.* keys: ${codes}`);
  for (const key of codes) assert.ok(TABLES.en[key], `${key} has no English`);
  for (const [details] of REFUSALS) assert.ok(codes.includes(`imp.option.${details.code}`), `imp.option.${details.code} is not worded`);
});

test('a refused option is worded from its code and parameters', () => {
  for (const [details, want] of REFUSALS) {
    const got = optionReason(details);
    assert.ok(got.includes(want), `optionReason(${JSON.stringify(details)}) = ${got}, want it to hold ${want}`);
    assert.doesNotMatch(got, /\{\w+\}|want/, `optionReason(${JSON.stringify(details)}) = ${got}: a parameter left, or English`);
  }
  // Not an option's details: a refused file's, a diary refusal's, none.
  for (const d of [{ file: 'a.csv', problems: [] }, { field: 'kind', reason: 'kind_bad' }, null, { code: 'no_such_code' }]) {
    assert.equal(optionReason(d), '', `optionReason(${JSON.stringify(d)})`);
  }
});

describe('the import tab says a refused option in the page\'s language', () => {
  let browser;
  let page;

  before(async () => {
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
    await openApp(page, LEADER);
    await page.click('#tab-imports');
    await page.locator('#import-form').waitFor();
  });

  after(async () => {
    await browser?.close();
  });

  // refuse offers value as the select's option (the form lists only those
  // the server knows), uploads a small file, and returns the error shown.
  const refuse = async (select, value) => {
    await page.setInputFiles('#import-file', { name: 'visits.csv', mimeType: 'text/csv', buffer: Buffer.from('日记编号\r\nX1\r\n') });
    await page.evaluate(({ id, v }) => {
      const sel = document.getElementById(id);
      if (![...sel.options].some((o) => o.value === v)) sel.append(new Option(v, v));
      sel.value = v;
      sel.dispatchEvent(new Event('change'));
    }, { id: select, v: value });
    await page.evaluate(() => document.getElementById('import-error')?.remove());
    await page.click('#import-submit');
    await page.locator('#import-error').waitFor({ timeout: 30000 });
    return page.textContent('#import-error');
  };

  test('in Chinese, from the code: the encoding and the coordinate system', async () => {
    const cases = [
      ['import-encoding', 'big5', '无法识别的编码“big5”：可选 auto、utf-8、gbk、gb18030', ''],
      ['import-crs', 'bd09', '无法识别的坐标系“bd09”：可选 wgs84、cgcs2000、gcj02', 'wgs84'],
    ];
    for (const [select, value, want, known] of cases) {
      const shown = await refuse(select, value);
      await page.selectOption(`#${select}`, known); // back to a value the server knows
      assert.match(shown, /^服务器拒收了这个文件或选项。/, `the error shown for ${select}=${value}: ${shown}`);
      assert.ok(shown.includes(`服务器说明：${want}`), `the error shown for ${select}=${value}: ${shown}, want it to hold ${want}`);
      assert.doesNotMatch(shown, /want|encoding "|crs "/, `the error shown for ${select}=${value} holds English: ${shown}`);
    }
    await shot(page, 'import-option-refused-zh');
  });

  test('in English, the server\'s own sentence', async () => {
    await page.click('#lang');
    try {
      const shown = await refuse('import-encoding', 'big5');
      assert.match(shown, /The server refused the file or an option\./, `the error shown: ${shown}`);
      assert.ok(shown.includes('The server says: encoding "big5": want auto, utf-8, gbk, gb18030'), `the error shown: ${shown}`);
      await page.selectOption('#import-encoding', '');
    } finally {
      await page.click('#lang'); // back to zh-CN
    }
  });
});
