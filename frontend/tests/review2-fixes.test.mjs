// The second user review's faults in the web map, each checked as the
// reviewer met it: a diary position taken at one household is not carried
// to the next entry (offline either); the GIS tab offers no download that
// is an error, and says on the page why one failed; the print view frames
// the whole route, the way back to the base too, clear of the legend; the
// base marker follows the language; the English gap table fits its panel;
// one week reads "第 10 周"; the village search finds part of a name, lists
// several and says when none matched; route distances say they are
// straight-line.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { BASE, launch, mapIdle, openApp, shot } from './helpers.mjs';

// Member M0001's households (demo seed 42, scale 0.2): about 850 m apart.
const HERE = { longitude: 120.2576, latitude: 32.0728 };
const FIRST = '3212991012020004';
const NEXT = '3212991012020190';
const NEXT_AT = [120.24858651332352, 32.072802649765705];

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** desktop opens the app as user at 1400×900 with the page in pageLang. */
async function desktop(user, pageLang = 'zh-CN') {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: pageLang, timezoneId: 'Asia/Shanghai' });
  await context.addInitScript((l) => localStorage.setItem('lianxin.lang', l), pageLang);
  const page = await context.newPage();
  await openApp(page, user);
  return { context, page };
}

/** openTeam opens the team tab and waits for the route on the map. */
async function openTeam(page) {
  await page.click('#tab-team');
  await page.locator('#plan table').waitFor({ timeout: 30000 });
  await page.waitForFunction(() => document.querySelector('.stop-marker.base'), null, { timeout: 30000 });
  await mapIdle(page);
}

describe('diary: a position goes with one entry only', () => {
  test('the next entry, written offline, is placed at its own household', async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
    });
    await context.addInitScript(() => localStorage.setItem('lianxin.lang', 'zh-CN'));
    await context.grantPermissions(['geolocation'], { origin: BASE });
    await context.setGeolocation({ ...HERE, accuracy: 12 });
    const page = await context.newPage();
    try {
      await openApp(page, 'member-M0001');
      await page.click('#tab-diary');
      await page.locator('#diary-form').waitFor();
      const mark = `review2-${randomUUID()}`;

      // The first household, with 使用我的位置.
      await page.fill('#diary-household', FIRST);
      await page.fill('#diary-notes', `${mark} a`);
      await page.click('#diary-locate');
      await page.locator('#diary-position-text', { hasText: '已定位' }).waitFor();
      await page.click('#diary-submit');
      await page.waitForFunction(() => window.lianxin.diary.queue().length === 0, null, { timeout: 30000 });
      const text = await page.locator('#diary-position-text').innerText();
      assert.doesNotMatch(text, /已定位/, `after saving, the position line says ${JSON.stringify(text)}: want no position carried to the next entry`);
      assert.equal(await page.locator('#diary-unlocate').count(), 0, 'no "不用定位" button for a position the form no longer holds');

      // The next household, offline, without touching the position.
      await context.setOffline(true);
      await page.fill('#diary-household', NEXT);
      await page.fill('#diary-notes', `${mark} b`);
      await page.click('#diary-submit');
      await page.waitForFunction((m) => window.lianxin.diary.queue().some((q) => q.entry.notes === m), `${mark} b`);
      const queued = (await page.evaluate(() => window.lianxin.diary.queue())).find((q) => q.entry.notes === `${mark} b`).entry;
      assert.equal(queued.lon, undefined, `the offline entry for ${NEXT} was queued at ${queued.lon}, ${queued.lat}: want no position (its household's place)`);
      await shot(page, 'review2-diary-offline');
      await context.setOffline(false);
      await page.evaluate(() => window.lianxin.diary.flush());
      await page.waitForFunction(() => window.lianxin.diary.queue().length === 0, null, { timeout: 30000 });

      // As stored: the first at the phone's position, the next at its household.
      const stored = await page.evaluate(async () => (await (await fetch('/api/v1/diary?limit=50')).json()).entries);
      const a = stored.find((e) => e.notes === `${mark} a`);
      const b = stored.find((e) => e.notes === `${mark} b`);
      assert.ok(a && b, `both entries stored (got ${stored.length} entries)`);
      assert.ok(Math.abs(a.lon - HERE.longitude) < 1e-5 && Math.abs(a.lat - HERE.latitude) < 1e-5,
        `entry for ${FIRST} at ${a.lon}, ${a.lat}: want the phone's position ${HERE.longitude}, ${HERE.latitude}`);
      assert.ok(Math.abs(b.lon - NEXT_AT[0]) < 1e-5 && Math.abs(b.lat - NEXT_AT[1]) < 1e-5,
        `entry for ${NEXT} at ${b.lon}, ${b.lat}: want its household's place ${NEXT_AT.join(', ')}, not the previous fix`);

      // A position taken says it is for this entry only.
      await page.click('#diary-locate');
      await page.locator('#diary-position-text', { hasText: '已定位' }).waitFor();
      assert.match(await page.locator('#diary-position-once').innerText(), /只用于这一条/, 'the form says the position is for this entry');
    } finally {
      await context.close();
    }
  });
});

describe('GIS tab: no download that is an error', () => {
  let context;
  let page;
  before(async () => {
    ({ context, page } = await desktop('gis'));
    await page.click('#tab-gis');
    await page.waitForFunction(() => document.querySelectorAll('#layer-list a.download').length > 0);
  });
  after(async () => { await context?.close(); });

  test('projects offer a shapefile of points and one of polygons, never one of both', async () => {
    const hrefs = await page.locator('#layer-list tr[data-layer="projects"] a.download').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    const shp = hrefs.filter((u) => /[?&]format=shp\b/.test(u));
    const kinds = shp.map((u) => new URL(u, 'http://x').searchParams.get('geometry'));
    assert.deepEqual(kinds.sort(), ['point', 'polygon'], `projects' shapefile links ${JSON.stringify(shp)}: want one per geometry kind, none of both`);
    assert.match(await page.locator('#layer-list tr[data-layer="projects"]').innerText(), /一种几何类型/, 'the row says why');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#layer-list tr[data-layer="projects"] a.download[href*="geometry=point"]'),
    ]);
    assert.equal(download.suggestedFilename(), 'projects_points.zip');
    const bytes = readFileSync(await download.path());
    assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'the file is a zip (the shapefile), not an error');
    await page.locator('#export-status', { hasText: 'projects_points.zip' }).waitFor();
  });

  test('an export the server refuses says why on the page and saves nothing', async () => {
    let downloads = 0;
    const count = () => { downloads++; };
    page.on('download', count);
    // The link the tab used to offer.
    await page.locator('#layer-list tr[data-layer="projects"] a.download').first()
      .evaluate((a) => a.setAttribute('href', '/api/v1/export/projects?format=shp'));
    await page.locator('#layer-list tr[data-layer="projects"] a.download').first().click();
    const status = page.locator('#export-status', { hasText: '导出失败' });
    await status.waitFor();
    assert.match(await status.innerText(), /既有点也有面/, 'the server\'s reason (shp_mixed) is shown in Chinese');
    await shot(page, 'review2-gis-error');
    page.off('download', count);
    assert.equal(downloads, 0, 'the refusal was not saved as a file');
  });
});

describe('team tab: the route, its print and its words', () => {
  /** routeOnMap: the route's points as the map projects them, the map's size and the legend's box on it. */
  const routeOnMap = (page) => page.evaluate(() => {
    const app = window.lianxin;
    const m = app.map.map;
    const plan = app.team.plan;
    const c = m.getContainer().getBoundingClientRect();
    const lg = document.getElementById('legend-box').getBoundingClientRect();
    const pts = [plan.base, ...plan.stops.map((s) => s.lnglat)].map((p) => { const q = m.project(p); return [q.x, q.y]; });
    const line = app.map.planData.features[0]?.geometry.coordinates || [];
    return {
      w: c.width, h: c.height, pts, base: plan.base, line,
      legend: lg.width ? { left: lg.left - c.left, top: lg.top - c.top, right: lg.right - c.left, bottom: lg.bottom - c.top } : null,
    };
  });
  const R = 16; // a stop marker's half size, and a little
  const checkClear = (r, what) => {
    r.pts.forEach(([x, y], i) => {
      const name = i === 0 ? 'the base' : `stop ${i}`;
      assert.ok(x >= R && x <= r.w - R && y >= R && y <= r.h - R, `${what}: ${name} at ${Math.round(x)}, ${Math.round(y)} on a ${Math.round(r.w)}×${Math.round(r.h)} map: want it inside`);
      if (r.legend) {
        const under = x + R > r.legend.left && x - R < r.legend.right && y + R > r.legend.top && y - R < r.legend.bottom;
        assert.ok(!under, `${what}: ${name} at ${Math.round(x)}, ${Math.round(y)} is under the legend (${JSON.stringify(r.legend)})`);
      }
    });
  };

  test('the print view frames the whole route, the way back to the base too, clear of the legend', async () => {
    const { context, page } = await desktop('leader-321299101');
    try {
      await openTeam(page);
      const first = await routeOnMap(page);
      assert.ok(first.pts.length >= 3, `a route of the base and ${first.pts.length - 1} stops: want at least 2 stops`);
      const [x0, y0] = first.line.at(-1) || [];
      assert.ok(first.line.length === first.pts.length + 1 && x0 === first.base[0] && y0 === first.base[1],
        `the route's line has ${first.line.length} points ending at ${x0}, ${y0}: want the base, the stops and the base again (the way back)`);
      checkClear(first, 'team view');
      // As the reviewer did: a row opens a village first, then the print view.
      await page.click('#gap-table tbody tr:first-child');
      await page.locator('#village-panel').waitFor();
      await mapIdle(page);
      await page.click('#print-open');
      await page.locator('#print-view[data-ready="true"]').waitFor({ timeout: 30000 });
      checkClear(await routeOnMap(page), 'print view');
      const img = await page.evaluate(() => { const i = document.getElementById('print-map'); return { w: i.naturalWidth, src: i.src.slice(0, 22) }; });
      assert.ok(img.w > 0 && img.src === 'data:image/png;base64,', `printed map ${JSON.stringify(img)}: want the snapshot`);
      await shot(page, 'review2-print', { fullPage: true });
    } finally {
      await context.close();
    }
  });

  test('after switching to English the base marker is labelled in English', async () => {
    const { context, page } = await desktop('leader-321299101');
    try {
      await openTeam(page);
      assert.equal(await page.locator('.stop-marker.base').getAttribute('title'), '工作队驻地');
      await page.click('#lang');
      await page.waitForFunction(() => document.documentElement.lang === 'en');
      const base = page.locator('.stop-marker.base');
      assert.equal(await base.getAttribute('title'), "The team's base", 'the base marker\'s title in English');
      assert.equal(await base.getAttribute('aria-label'), "The team's base", 'the base marker\'s label in English');
    } finally {
      await context.close();
    }
  });

  test('distances say they are straight-line, in Chinese and in English', async () => {
    for (const [pageLang, want] of [['zh-CN', /直线/], ['en', /straight[- ]line/]]) {
      const { context, page } = await desktop('leader-321299101', pageLang);
      try {
        await openTeam(page);
        for (const sel of ['#plan thead', '#plan .plan-total', '#gap-table thead']) {
          const text = await page.locator(sel).innerText();
          assert.match(text, want, `${pageLang} ${sel} reads ${JSON.stringify(text)}: want it to say the distance is straight-line`);
        }
      } finally {
        await context.close();
      }
    }
  });

  test('in English at 1400 px the gap table shows every column inside its panel', async () => {
    const { context, page } = await desktop('leader-321299101', 'en');
    try {
      await openTeam(page);
      const fit = await page.evaluate(() => {
        const wrap = document.getElementById('gaps');
        const w = wrap.getBoundingClientRect();
        const ths = [...wrap.querySelectorAll('#gap-table thead th')].map((th) => ({ text: th.innerText.replace(/\s+/g, ' '), right: th.getBoundingClientRect().right }));
        return { scroll: wrap.scrollWidth, client: wrap.clientWidth, right: w.right, ths };
      });
      await shot(page, 'review2-team-en');
      assert.ok(fit.scroll <= fit.client + 1, `the gap table is ${fit.scroll} px wide in a ${fit.client} px panel: want it to fit`);
      for (const th of fit.ths) assert.ok(th.right <= fit.right + 1, `column "${th.text}" ends at ${th.right}, past the panel's edge ${fit.right}`);
    } finally {
      await context.close();
    }
  });
});

describe('planner: the window and the village search', () => {
  test('a single week reads 第 10 周 (week 10)', async () => {
    for (const [pageLang, want, not] of [['zh-CN', /第 10 周/, /10–10/], ['en', /week 10\b/, /10–10/]]) {
      const { context, page } = await desktop('planner', pageLang);
      try {
        await page.evaluate(() => {
          const from = document.getElementById('week-from');
          const to = document.getElementById('week-to');
          to.value = '10';
          to.dispatchEvent(new Event('change'));
          from.value = '9';
          from.dispatchEvent(new Event('change'));
        });
        const text = await page.locator('#window-text').innerText();
        assert.match(text, want, `${pageLang} window text ${JSON.stringify(text)}`);
        assert.doesNotMatch(text, not, `${pageLang} window text ${JSON.stringify(text)}`);
      } finally {
        await context.close();
      }
    }
  });

  test('查找村居 finds part of a name, lists several, and says when none matched', async () => {
    const { context, page } = await desktop('planner');
    try {
      const find = async (text) => {
        await page.fill('#village-find', text);
        await page.press('#village-find', 'Enter');
      };
      // Part of a name: 湾泉 is 湾泉村 alone.
      await find('湾泉');
      await page.locator('#village-panel h2', { hasText: '湾泉村' }).waitFor({ timeout: 30000 });
      // Unknown.
      await find('不存在的村');
      const none = page.locator('#village-find-result');
      await none.locator('text=没有找到').waitFor();
      assert.match(await none.innerText(), /不存在的村/, 'the message names what was searched');
      // Several: 湾 is in 湾泉村, 河湾社区, 湾园村, 高湾村 and 湾墩村.
      await find('湾');
      await page.locator('#village-find-result ul.find-list').waitFor();
      const names = await page.locator('#village-find-result ul.find-list button').allInnerTexts();
      assert.ok(names.length >= 3 && names.every((n) => n.includes('湾')), `matches for 湾: ${JSON.stringify(names)}`);
      assert.match(await page.locator('#village-find-result').innerText(), new RegExp(`找到 ${names.length} 个村居`));
      const pick = names.find((n) => n.startsWith('高湾村')) || names[0];
      await page.locator('#village-find-result ul.find-list button', { hasText: pick }).click();
      await page.locator('#village-panel h2', { hasText: pick.split(' · ')[0] }).waitFor({ timeout: 30000 });
      await shot(page, 'review2-find');
    } finally {
      await context.close();
    }
  });
});
