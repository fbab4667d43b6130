// The planner's view after a user review: hidden counts read "hidden" (已隐藏),
// never "<11" or "≥ 0"; hidden hexagons and villages are grey with a legend
// entry, not the lowest class; the legend's swatches are the colours the map
// draws; the summary shows the five full coverages; the print map carries a
// legend and the village names.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  canvasBlock, colourDistance as dist, interiorPoints, mapIdle, openDesktop, PHONE, setWeeks, shot, signedInPage,
} from './helpers.mjs';

/** pixel reads the map canvas's colour at CSS pixel (x, y). */
const pixel = async (page, x, y) => (await canvasBlock(page, x, y, 1))[0];

/** summaryLoaded waits until the summary panel shows the last summary asked for. */
async function summaryLoaded(page) {
  await page.waitForFunction(() => document.getElementById('summary').getAttribute('aria-busy') === 'false'
    && document.getElementById('summary-five'));
}

describe('planner review', () => {
  let browser;
  let page;

  before(async () => {
    ({ browser, page } = await openDesktop('planner'));
  });

  after(async () => {
    await browser?.close();
  });

  test('the legend swatches are the colours the villages are drawn in', async () => {
    await page.check('input[name=mode][value=villages]');
    await mapIdle(page);
    const swatches = await page.locator('#legend .legend-classes').first().locator('.swatch')
      .evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
    const breaks = await page.evaluate(() => window.lianxin.map.legend().breaks);
    const pts = await interiorPoints(page, 'villages-fill', (p) => p.coverage !== undefined, 12);
    assert.ok(pts.length >= 3, `set-up: villages with coverage inside the view: ${pts.length}`);
    const legendBox = await page.locator('#legend').boundingBox().catch(() => null);
    let checked = 0;
    for (const { x, y, props } of pts) {
      if (legendBox && x >= legendBox.x && x <= legendBox.x + legendBox.width && y >= legendBox.y && y <= legendBox.y + legendBox.height) continue;
      const cls = breaks.filter((b) => Number(props.coverage) >= b).length;
      const want = swatches[cls].match(/\d+/g).slice(0, 3).map(Number);
      const got = await pixel(page, x, y);
      assert.ok(dist(got, want) <= 6,
        `village ${props.code} (coverage ${props.coverage}, class ${cls}) at (${x}, ${y}): drawn rgb(${got}), legend swatch rgb(${want}); want within 6`);
      checked++;
    }
    assert.ok(checked >= 3, `villages compared with the legend: ${checked}`);
    await shot(page, 'review-villages-legend');
  });

  test('hidden hexagons are grey, with a legend entry, not the lowest class', async () => {
    await page.check('input[name=mode][value=heat]');
    await page.check('input[name=metric][value=special_waiting]');
    await setWeeks(page, 0, 1);
    await page.waitForTimeout(300);
    await mapIdle(page);
    const legend = await page.locator('#legend').innerText();
    assert.match(legend, /已隐藏/, `legend ${JSON.stringify(legend)} names hidden cells`);
    const hiddenSwatch = await page.locator('#legend .legend-hidden .swatch').evaluate((e) => getComputedStyle(e).backgroundColor);
    const want = hiddenSwatch.match(/\d+/g).slice(0, 3).map(Number);
    const lowest = await page.locator('#legend .legend-classes').first().locator('.swatch').first()
      .evaluate((e) => getComputedStyle(e).backgroundColor);
    assert.ok(dist(want, lowest.match(/\d+/g).slice(0, 3).map(Number)) > 30, `hidden swatch rgb(${want}) stands apart from the lowest class ${lowest}`);
    const pts = await interiorPoints(page, 'h3-fill', (p) => p.special_waiting === undefined && p.households !== undefined, 6);
    assert.ok(pts.length >= 1, 'set-up: a hexagon whose special-group count is hidden in week 1');
    for (const { x, y, props } of pts) {
      const got = await pixel(page, x, y);
      assert.ok(dist(got, want) <= 6, `hidden hexagon ${props.cell} at (${x}, ${y}): drawn rgb(${got}), want the hidden swatch rgb(${want})`);
    }
    await shot(page, 'review-hidden-hexagons');
    await page.check('input[name=metric][value=coverage]');
  });

  test('the summary says what is hidden and shows the five full coverages', async () => {
    const town = await page.evaluate(() => window.lianxin.towns[0].code);
    await page.selectOption('#town', town);
    await setWeeks(page, 0, 5);
    const api = await page.evaluate(async (t) => {
      const w = window.lianxin.window;
      const res = await fetch(`/api/v1/reports/summary?${new URLSearchParams({ town: t, from: w.from, to: w.to })}`);
      return res.json();
    }, town);
    await summaryLoaded(page);
    const text = await page.locator('#summary').innerText();
    assert.doesNotMatch(text, /≥ 0(?!\d)/, `summary ${JSON.stringify(text)} must not read "≥ 0"`);
    const groups = Object.values(api.five_coverages.special_unvisited);
    assert.ok(!groups.includes('<11'), `summary API: a town's special_unvisited reads "<11": ${JSON.stringify(api.five_coverages.special_unvisited)}`);
    for (const [g, v] of Object.entries(api.five_coverages.special_unvisited)) {
      const shown = await page.locator(`#summary .card[data-key="group-${g}"] dd`).innerText();
      if (v === 'hidden') assert.equal(shown, '已隐藏', `group ${g}`);
      else if (typeof v === 'number') assert.equal(shown.replace(/,/g, ''), String(v), `group ${g}`);
    }
    const nv = api.five_coverages.villages_without_visit.length;
    const card = page.locator('#summary .card[data-key="villages_without_visit"] dd');
    assert.match(await card.innerText(), new RegExp(`^${nv}`), `villages without visit: want ${nv}`);
    if (nv > 0) {
      await card.locator('summary').click();
      assert.equal(await card.locator('li').count(), nv, 'the list of villages without a visit opens on click');
    }
    for (const k of ['projects_without_visit', 'towns_without_activity', 'members_below_target', 'members_without_contact_point']) {
      assert.equal(await page.locator(`#summary .card[data-key="${k}"]`).count(), 1, `summary card ${k}`);
    }
    assert.match(text, /走访企业/, 'enterprise visits');
    assert.match(text, /项目现场走访/, 'project-site visits');
    await shot(page, 'review-summary');
    await page.click('#lang');
    await summaryLoaded(page);
    const en = await page.locator('#summary').innerText();
    assert.match(en, /Villages not visited/);
    assert.match(en, /Members without a contact point/);
    await page.click('#lang');
    await summaryLoaded(page);
  });

  test('the summary panel fits a 390×844 phone', async () => {
    const phone = await signedInPage(browser, 'planner', { options: { ...PHONE, deviceScaleFactor: 1 } });
    await summaryLoaded(phone);
    const over = await phone.locator('#summary').evaluate((el) => {
      const r = el.getBoundingClientRect();
      return [...el.querySelectorAll('*')].filter((c) => {
        const b = c.getBoundingClientRect();
        return b.width > 0 && (b.right > r.right + 1 || b.left < r.left - 1);
      }).map((c) => c.className || c.tagName).slice(0, 5);
    });
    assert.deepEqual(over, [], 'elements of the summary reaching past its edges at 390 px');
    await phone.locator('#summary').screenshot({ path: `${process.env.LIANXIN_ARTIFACTS || '../test-artifacts'}/review-summary-390.png` });
    await phone.close();
  });

  test('the print map has a legend and the village names', async () => {
    await page.selectOption('#town', '');
    await page.check('input[name=mode][value=villages]');
    await mapIdle(page);
    // What the print view's picture is drawn with: every text written on it.
    const texts = await page.evaluate(() => {
      const seen = [];
      const orig = CanvasRenderingContext2D.prototype.fillText;
      CanvasRenderingContext2D.prototype.fillText = function fillText(s, ...rest) {
        seen.push(String(s));
        return orig.call(this, s, ...rest);
      };
      try {
        window.lianxin.map.snapshot();
      } finally {
        CanvasRenderingContext2D.prototype.fillText = orig;
      }
      return seen;
    });
    assert.ok(texts.includes('常住人口覆盖率'), `print map texts ${JSON.stringify(texts.slice(0, 12))}: want the legend's title`);
    const labels = await page.locator('#legend li').evaluateAll((lis) => lis
      .filter((li) => !li.querySelector('.outline-below, .outline-reached'))
      .map((li) => li.firstChild && li.childNodes[1] ? li.childNodes[1].textContent : li.textContent));
    assert.ok(labels.length >= 6, `set-up: legend labels ${JSON.stringify(labels)}`);
    for (const label of labels) {
      assert.ok(texts.includes(label), `print map legend: ${JSON.stringify(label)} missing from ${JSON.stringify(texts.slice(0, 14))}`);
    }
    const names = await page.evaluate(() => [...new Set(window.lianxin.map.map.queryRenderedFeatures({ layers: ['villages-fill'] }).map((f) => f.properties.name))]);
    const named = names.filter((n) => texts.includes(n));
    assert.ok(named.length >= Math.min(5, names.length), `village names on the print map: ${named.length} of ${names.length} shown villages`);
    await page.check('input[name=mode][value=heat]');
  });
});
