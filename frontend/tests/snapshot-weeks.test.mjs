// Coverage snapshots for a planner, whose figures are whole campaign weeks
// (privacy rule 5): the form says a snapshot runs to the end of the chosen
// day's week, and the page says which day it was saved as of; two
// snapshots a day apart compare as one window; every card of a comparison
// is titled in words, never a JSON key; a village whose shown figures did
// not move is marked as such; the server's refusals (a day to come, a day
// before the campaign) are worded in the page's language; and the list's
// saving time is not cut off at the sidebar's edge.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { TABLES } from '../src/i18n.js';

import { ARTIFACTS, DESKTOP, openApp, openDesktop, setLang } from './helpers.mjs';

const zh = TABLES['zh-CN'];
const LEADER = 'leader-321299101';
const LEADER_TOWN = '321299101';

/** fill replaces {name} placeholders as i18n.js's t does. */
const fill = (s, vars) => s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k]));

/** dayText formats a YYYY-MM-DD day as the page does (snapshots.js day()). */
const dayText = (lang, d) => new Intl.DateTimeFormat(lang, {
  year: 'numeric', month: 'short', day: 'numeric', timeZone: 'Asia/Shanghai',
}).format(new Date(`${d}T12:00:00+08:00`));

/** save submits the form as of asOf for the county; the answer's status and body. */
async function save(page, asOf, town = '') {
  await page.locator('#snap-town').selectOption(town);
  // The date picker stops at today and the campaign's first day; a day
  // beyond them is asked all the same to see the server's refusal.
  await page.locator('#snap-asof').evaluate((el, v) => { el.removeAttribute('max'); el.removeAttribute('min'); el.value = v; el.dispatchEvent(new Event('change')); }, asOf);
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/v1/snapshots') && r.request().method() === 'POST'),
    page.click('#snap-save'),
  ]);
  const body = await res.json();
  // The page reloads its list (and resets its pickers) after a save: wait
  // for it, so that nothing chosen next is undone by that render.
  if (res.status() === 201) await page.locator(`#snap-list tr[data-id="${body.id}"]`).waitFor();
  else await page.locator('#snap-save-msg[role="alert"]').waitFor();
  return { status: res.status(), body };
}

async function compare(page, a, b) {
  await page.locator('#snap-a').selectOption(String(a));
  await page.locator('#snap-b').selectOption(String(b));
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().includes(`/api/v1/snapshots/${a}/diff/${b}`)),
    page.click('#snap-compare'),
  ]);
  await page.locator('#snap-diff[aria-busy="false"]').waitFor();
  return res.json();
}

describe('snapshots over whole weeks', () => {
  let browser;
  let page;

  before(async () => {
    ({ browser, page } = await openDesktop('planner'));
    await page.locator('#snap-save').waitFor();
  });

  after(async () => {
    await browser?.close();
  });

  test('a planner is told snapshots are whole weeks, and two a day apart compare as one window', async () => {
    const hint = await page.locator('#snap-weeks-hint').innerText();
    assert.equal(hint, fill(zh['snap.weeksHint'], { start: dayText('zh-CN', '2026-03-01') }), 'the form says how as_of maps to weeks');

    const a = await save(page, '2026-06-01');
    assert.equal(a.status, 201, `POST as_of 2026-06-01: ${JSON.stringify(a.body)}`);
    assert.deepEqual([a.body.as_of, a.body.as_of_asked, a.body.from, a.body.to], ['2026-06-06', '2026-06-01', '2026-03-01', '2026-06-07'],
      'a planner\'s snapshot as of a Monday runs to the Saturday ending its campaign week');
    await page.locator('#snap-save-msg', { hasText: `#${a.body.id}` }).waitFor();
    assert.equal(await page.locator('#snap-save-msg').innerText(), fill(zh['snap.savedWeeks'], {
      id: a.body.id, area: zh['snap.county'], date: dayText('zh-CN', '2026-06-06'), asked: dayText('zh-CN', '2026-06-01'),
    }), 'the page says the snapshot was saved over whole weeks, to which day');
    const b = await save(page, '2026-06-02');
    assert.equal(b.body.as_of, '2026-06-06', 'as of the next day: the same week');

    const d = await compare(page, a.body.id, b.body.id);
    assert.ok(Object.values(d.summary).every((v) => v === 0), `the summary of one window against itself moved: ${JSON.stringify(d.summary)}`);
    assert.equal(await page.locator('#snap-summary-none').count(), 1, 'the page says no summary count moved');
    for (const v of d.villages) {
      assert.deepEqual([v.visited_residents_change, v.residents_needed_change], [0, 0], `village ${v.village_code} moved within one window`);
    }
    // Villages kept for their hidden figure only are marked, listed last,
    // and explained (nit 1), not called "changed".
    const statuses = await page.locator('#snap-villages tbody .snap-status').allInnerTexts();
    assert.ok(statuses.every((s) => s === zh['snap.status.hiddenOnly'] || s === zh['snap.status.changed']), `statuses ${statuses}`);
    const moving = d.villages.filter((v) => v.coverage_before !== null || v.coverage_after !== null);
    assert.equal(statuses.filter((s) => s === zh['snap.status.hiddenOnly']).length, moving.length,
      'every village with figures shown and none moved reads "hidden figure only"');
    if (moving.length) {
      assert.equal(await page.locator('#snap-hidden-only-note').innerText(), zh['snap.hiddenOnlyNote']);
      assert.match(await page.locator('#snap-villages-title').innerText(), new RegExp(`另有 ${moving.length} 个`));
    }
    await page.locator('#snapshots-section').screenshot({ path: join(ARTIFACTS, 'snapshot-weeks-one-window.png') });
  });

  test('every card of a comparison is titled in words, in both languages', async () => {
    const a = await save(page, '2026-05-31');
    const b = await save(page, '2026-07-31');
    const d = await compare(page, a.body.id, b.body.id);
    assert.ok(d.summary.household_visit_entries > 0, `household_visit_entries moved: ${JSON.stringify(d.summary)}`);
    for (const lang of ['zh-CN', 'en']) {
      await setLang(page, lang);
      await page.locator('#snap-summary .card').first().waitFor();
      const titles = await page.locator('#snap-summary .card, #snap-counters .card').evaluateAll((els) => els.map((el) => ({
        key: el.dataset.key, title: el.querySelector('dt').textContent.trim(),
      })));
      assert.ok(titles.some((c) => c.key === 'household_visit_entries'), `${lang}: a card for household_visit_entries`);
      for (const c of titles) {
        assert.doesNotMatch(c.title, /^[a-z0-9_.]+$/, `${lang}: card ${c.key} is titled with a raw key`);
        assert.notEqual(c.title, c.key, `${lang}: card ${c.key} is titled with its key`);
      }
      const words = titles.find((c) => c.key === 'household_visit_entries').title;
      assert.equal(words, TABLES[lang]['snap.sum.household_visit_entries']);
    }
    await setLang(page, 'zh-CN');
  });

  test('a day to come and a day before the campaign are refused in words', async () => {
    for (const [asOf, reason, vars] of [
      ['2099-01-01', 'as_of_future', (p) => p],
      ['2026-01-02', 'as_of_before_campaign', (p) => p],
    ]) {
      const r = await save(page, asOf);
      assert.equal(r.status, 400, `POST as_of ${asOf}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.details.reason, reason, `the refusal of as_of ${asOf}`);
      const msg = page.locator('#snap-save-msg[role="alert"]');
      await msg.waitFor();
      const text = await msg.innerText();
      assert.equal(text, fill(zh['snap.refused'], { message: fill(zh[`snap.refusal.${reason}`], vars(r.body.error.details.params)) }));
      assert.doesNotMatch(text, /\bfrom\b|\bto\b/, 'names no parameter the user did not send');
    }
  });

  test('a team leader\'s snapshots of single days are exact for them and refused to a planner, in words', async () => {
    const leader = await browser.newPage(DESKTOP);
    let ids;
    try {
      await openApp(leader, LEADER);
      await leader.click('#tab-planner');
      await leader.locator('#snap-save').waitFor();
      assert.equal(await leader.locator('#snap-weeks-hint').count(), 0, 'a leader\'s own town is exact: no whole-weeks hint');
      ids = [];
      for (const asOf of ['2026-06-01', '2026-06-02']) {
        await leader.locator('#snap-town').selectOption(LEADER_TOWN);
        const r = await save(leader, asOf, LEADER_TOWN);
        assert.equal(r.status, 201, `leader POST as_of ${asOf}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.as_of, asOf, 'a leader\'s own town keeps the day asked');
        ids.push(r.body.id);
      }
      const d = await compare(leader, ids[0], ids[1]);
      assert.ok(Array.isArray(d.villages), `the leader compares their own days: ${JSON.stringify(d).slice(0, 200)}`);
    } finally {
      await leader.close();
    }
    // The planner's list now holds them: comparing them is refused in words.
    await page.reload();
    await page.locator('body[data-ready="true"]').waitFor();
    await page.locator(`#snap-list tr[data-id="${ids[1]}"]`).waitFor();
    const r = await compare(page, ids[0], ids[1]);
    assert.equal(r.error?.details?.reason, 'not_whole_weeks', `the planner's diff of a leader's days: ${JSON.stringify(r)}`);
    const p = r.error.details.params;
    assert.equal(await page.locator('#snap-diff-refused').innerText(), fill(zh['snap.refusal.not_whole_weeks'], p));
  });

  test('the list\'s saving time is not cut off at the sidebar\'s edge', async () => {
    await page.locator('#snap-list tbody tr').first().waitFor();
    const cut = await page.evaluate(() => {
      const wrap = document.querySelector('#snap-list').closest('.table-wrap');
      const right = wrap.getBoundingClientRect().right;
      const out = [];
      for (const td of document.querySelectorAll('#snap-list tbody td')) {
        const r = td.getBoundingClientRect();
        if (r.right > right + 1 || td.scrollWidth > td.clientWidth + 1) out.push(td.textContent);
      }
      return { out, scroll: wrap.scrollWidth, client: wrap.clientWidth };
    });
    assert.deepEqual(cut.out, [], `cells cut off or scrolled out of the list (list ${cut.scroll}px in ${cut.client}px)`);
    await page.locator('#snap-list').screenshot({ path: join(ARTIFACTS, 'snapshot-weeks-list.png') });
  });
});
