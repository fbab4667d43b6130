// Three finishing touches of the web map, each against the API it shows:
// the village panel gives the special-group households waiting counted once
// each (special_waiting_households) beside the sum over the groups, with the
// server's label when hidden; the import tab offers allow_renames (a register
// row renaming a stored member is refused without it and lands with it); and
// the planner's summary and the team tab's gap and members tables link to the
// server's "for Excel" CSVs of what they show, in the page's language.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { apiJSON, mapIdle, openDesktop, setLang, shot } from './helpers.mjs';

/** text fetches path in the page (with its session) and returns the body as text (a BOM kept). */
const text = (page, path) => page.evaluate(async (p) => {
  const res = await fetch(p);
  if (!res.ok) throw new Error(`GET ${p}: ${res.status} ${await res.text()}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
}, path);

/** hrefOf is the link's href, relative to the page (path and query). */
const hrefOf = async (page, sel) => {
  const href = await page.locator(sel).getAttribute('href');
  const u = new URL(href, 'http://x');
  return { href, path: u.pathname, params: Object.fromEntries(u.searchParams) };
};

const LABELS = {
  'zh-CN': { hidden: '已隐藏', households: '每户计一次' },
  en: { hidden: 'hidden', households: 'each once' },
};

describe('the village panel gives the special-group households once each', () => {
  let browser;
  let page;
  before(async () => {
    ({ browser, page } = await openDesktop('planner'));
  });
  after(async () => { await browser?.close(); });

  test('a shown and a hidden count read as the server sends them, in zh and en', async () => {
    const win = await page.evaluate(() => window.lianxin.window);
    const report = await apiJSON(page, `/api/v1/reports/gaps?all=true&from=${win.from}&to=${win.to}`);
    const rows = report.rows || report;
    const shown = rows.find((r) => typeof r.special_waiting_households === 'number' && r.special_waiting_households > 0);
    const hidden = rows.find((r) => typeof r.special_waiting_households === 'string');
    assert.ok(shown && hidden, `set-up: a village with special_waiting_households shown and one hidden to a planner (got ${shown?.village_code}, ${hidden?.village_code})`);
    for (const lang of ['zh-CN', 'en']) {
      await setLang(page, lang);
      for (const r of [shown, hidden]) {
        const panel = await apiJSON(page, `/api/v1/villages/${r.village_code}?from=${win.from}&to=${win.to}`);
        assert.equal(panel.special_waiting_households, r.special_waiting_households,
          `village ${r.village_code}: panel API special_waiting_households ${panel.special_waiting_households}, gap report ${r.special_waiting_households}`);
        await page.evaluate((c) => window.lianxin.openVillage(c), r.village_code);
        const dd = page.locator(`#village-panel[data-code="${r.village_code}"] #village-special-households`);
        await dd.waitFor({ timeout: 30000 });
        const got = (await dd.innerText()).trim();
        const want = typeof r.special_waiting_households === 'number'
          ? new Intl.NumberFormat(lang).format(r.special_waiting_households)
          : r.special_waiting_households === 'hidden' ? LABELS[lang].hidden : r.special_waiting_households.replace(/^≥\s*/, '≥ ');
        assert.equal(got, want, `${lang} village ${r.village_code}: panel shows ${JSON.stringify(got)} for special_waiting_households, want ${JSON.stringify(want)} (server: ${JSON.stringify(r.special_waiting_households)})`);
        const label = (await page.locator('#village-panel dt:has(+ #village-special-households)').innerText()).trim();
        assert.ok(label.includes(LABELS[lang].households), `${lang}: label ${JSON.stringify(label)}, want it to say ${LABELS[lang].households}`);
        // Beside the sum over the groups, which the panel keeps.
        assert.equal(await page.locator('#village-panel #village-special-total').count(), 1, `${lang} village ${r.village_code}: the group sum is gone`);
      }
      await shot(page, `village-special-households-${lang}`);
    }
  });
});

describe('the import tab offers allow_renames', () => {
  let browser;
  let page;
  before(async () => {
    ({ browser, page } = await openDesktop('gis'));
    await setLang(page, 'zh-CN');
  });
  after(async () => { await browser?.close(); });

  const upload = async (csv, allowRenames) => {
    await page.selectOption('#import-layer', 'members');
    await page.setInputFiles('#import-file', { name: 'members.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.setChecked('#import-allow-renames', allowRenames);
    const before = await page.locator('#import-result').getAttribute('data-id');
    await page.click('#import-submit');
    await page.waitForFunction((b) => {
      const el = document.getElementById('import-result');
      return el && el.dataset.id && el.dataset.id !== b && el.dataset.status !== 'running' && document.getElementById('import-outcome');
    }, before, { timeout: 60000 });
    return page.evaluate(() => {
      const counts = {};
      for (const card of document.querySelectorAll('#import-counts [data-key]')) counts[card.dataset.key] = Number(card.querySelector('dd').dataset.value);
      const rejects = [...document.querySelectorAll('#import-rejects tbody tr')].map((tr) => tr.textContent);
      return { counts, rejects, id: Number(document.getElementById('import-result').dataset.id) };
    });
  };

  test('a rename is refused without the option and lands with it', async () => {
    await page.click('#tab-imports');
    await page.selectOption('#import-layer', 'visits');
    assert.ok(await page.locator('#import-allow-renames-row').isHidden(), 'allow_renames is offered for the diary, which has no names');
    await page.selectOption('#import-layer', 'members');
    assert.ok(await page.locator('#import-allow-renames-row').isVisible(), 'allow_renames is not offered for members');
    const label = (await page.locator('#import-allow-renames-row').innerText()).trim();
    assert.match(label, /允许改名/, `zh label ${JSON.stringify(label)}`);
    await setLang(page, 'en');
    assert.match((await page.locator('#import-allow-renames-row').innerText()).trim(), /^Allow renames/, 'en label');
    await setLang(page, 'zh-CN');

    const teams = await apiJSON(page, '/api/v1/teams');
    const team = (Array.isArray(teams) ? teams : teams.teams)[0].code;
    const members = await apiJSON(page, `/api/v1/reports/members?team=${team}`);
    const m = (members.rows || members.members || members)[0];
    const newName = `${m.member_name || m.name}改`;
    const csv = `code,name,team_code,role\n${m.member_code},${newName},${team},${m.role || 'cadre'}\n`;
    const nameOf = async () => {
      const now = await apiJSON(page, `/api/v1/reports/members?team=${team}`);
      const r = (now.rows || now.members || now).find((x) => x.member_code === m.member_code);
      return r.member_name || r.name;
    };

    const refused = await upload(csv, false);
    assert.equal(refused.counts.rejected, 1, `without allow_renames: counts ${JSON.stringify(refused.counts)}, want the row rejected`);
    assert.ok(refused.rejects.some((r) => r.includes('已是') && r.includes(newName)), `rejects ${JSON.stringify(refused.rejects)}, want code_other_name worded`);
    assert.equal(await nameOf(), m.member_name || m.name, 'the stored member was renamed without allow_renames');
    const rec = await apiJSON(page, `/api/v1/imports/${refused.id}`);
    assert.notEqual(rec.options?.allow_renames, true, `import ${refused.id} options ${JSON.stringify(rec.options)}`);

    const landed = await upload(csv, true);
    assert.equal(landed.counts.rejected, 0, `with allow_renames: counts ${JSON.stringify(landed.counts)}, rejects ${JSON.stringify(landed.rejects)}`);
    assert.equal(landed.counts.updated, 1, `with allow_renames: counts ${JSON.stringify(landed.counts)}, want 1 updated`);
    assert.equal(await nameOf(), newName, 'the member was not renamed with allow_renames');
    await shot(page, 'import-allow-renames');
  });
});

describe('the report views link to their CSVs for Excel', () => {
  let browser;
  let page;
  before(async () => {
    ({ browser, page } = await openDesktop('planner'));
  });
  after(async () => { await browser?.close(); });

  /** sameAsAPI checks the link sel asks report for want (and lang) and downloads what the API gives. */
  const sameAsAPI = async (sel, report, want, lang) => {
    await page.locator(sel).waitFor({ timeout: 30000 });
    const { href, path, params } = await hrefOf(page, sel);
    assert.equal(path, `/api/v1/reports/${report}`, `${sel}: ${href}`);
    for (const [k, v] of Object.entries({ ...want, format: 'csv', lang })) {
      assert.equal(params[k], v, `${sel} ${href}: ${k}=${params[k]}, want ${v} (the view shows ${JSON.stringify(want)})`);
    }
    const q = new URLSearchParams({ ...want, format: 'csv', lang });
    const api = await text(page, `/api/v1/reports/${report}?${q}`);
    const got = await text(page, href);
    assert.ok(got.startsWith('\ufeff'), `${sel}: the CSV has no BOM (Excel would not read its Chinese)`);
    assert.equal(got, api, `${sel}: the link's CSV differs from GET /api/v1/reports/${report}?${q}`);
    if (lang === 'zh') assert.match(got.split('\n')[0], /[\u4e00-\u9fff]/, `${sel}: lang=zh header ${got.split('\n')[0]}`);
    assert.equal(await page.locator(sel).getAttribute('download'), '', `${sel}: not a download link`);
  };

  test('the planner summary, for the window and town shown, in each language', async () => {
    for (const [lang, code] of [['zh-CN', 'zh'], ['en', 'en']]) {
      await setLang(page, lang);
      await mapIdle(page);
      const win = await page.evaluate(() => window.lianxin.window);
      await sameAsAPI('#summary-csv', 'summary', { from: win.from, to: win.to }, code);
    }
    const towns = await apiJSON(page, '/api/v1/towns');
    const town = (Array.isArray(towns) ? towns : towns.towns)[1].code;
    await page.selectOption('#town', town);
    await page.waitForFunction((tc) => document.getElementById('summary-csv')?.href.includes(`town=${tc}`), town, { timeout: 30000 });
    const win = await page.evaluate(() => window.lianxin.window);
    await sameAsAPI('#summary-csv', 'summary', { from: win.from, to: win.to, town }, 'en');
    await page.selectOption('#town', '');
    await setLang(page, 'zh-CN');
  });

  test('the team tab gap and members tables, for the team and window shown', async () => {
    await page.click('#tab-team');
    const teams = await apiJSON(page, '/api/v1/teams');
    const team = (Array.isArray(teams) ? teams : teams.teams)[0].code;
    await page.selectOption('#team', team);
    await page.locator('#gap-table tbody tr').first().waitFor({ timeout: 30000 });
    const win = await page.evaluate(() => window.lianxin.window);
    await sameAsAPI('#gaps-csv', 'gaps', { team, from: win.from, to: win.to }, 'zh');
    await sameAsAPI('#members-csv', 'members', { team, from: win.from, to: win.to }, 'zh');
    await setLang(page, 'en');
    await sameAsAPI('#gaps-csv', 'gaps', { team, from: win.from, to: win.to }, 'en');
    await sameAsAPI('#members-csv', 'members', { team, from: win.from, to: win.to }, 'en');
    await shot(page, 'team-report-csv-links');
  });
});
