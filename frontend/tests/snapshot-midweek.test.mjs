// Snapshots a planner may not compare: a team leader saves their town's
// snapshots as of the day asked (mid-week), which a planner, bound to whole
// campaign weeks, can never diff. The planner's list marks them, the
// pickers do not offer them, the page says why in the page's language, and
// a retake of each (as of its day, over whole weeks) is listed comparable
// and compares. The pickers never open on them.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { TABLES } from '../src/i18n.js';

import { ARTIFACTS, launch, setLang, signedInPage } from './helpers.mjs';

const zh = TABLES['zh-CN'];
const en = TABLES.en;
const LEADER = 'leader-321299101';
const LEADER_TOWN = '321299101';

/** post saves a snapshot from page's session: {status, body}. */
const post = (page, asOf, town) => page.evaluate(async ({ asOf, town }) => {
  const r = await fetch('/api/v1/snapshots', {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': window.lianxin.user.csrf_token },
    body: JSON.stringify({ as_of: asOf, town }),
  });
  return { status: r.status, body: await r.json() };
}, { asOf, town });

const listed = (page) => page.evaluate(async () => (await fetch('/api/v1/snapshots')).json());

describe('snapshots a planner may not compare', () => {
  let browser;
  let planner;
  const old = []; // the leader's mid-week snapshots

  before(async () => {
    browser = await launch();
    const leader = await signedInPage(browser, LEADER);
    for (const day of ['2026-06-03', '2026-06-10']) { // Wednesdays (weeks from Sunday 2026-03-01)
      const { status, body } = await post(leader, day, LEADER_TOWN);
      assert.equal(status, 201, `the leader's snapshot as of ${day}: ${JSON.stringify(body)}`);
      assert.equal(body.as_of, day, 'the leader\'s own town: as of the day asked');
      old.push(body);
    }
    await leader.close();
    planner = await signedInPage(browser, 'planner');
    // Two of the planner's own (whole weeks), which the pickers open on.
    for (const day of ['2026-07-01', '2026-07-08']) assert.equal((await post(planner, day, '')).status, 201, `the planner's snapshot as of ${day}`);
    await planner.reload();
    await planner.locator('body[data-ready="true"]').waitFor();
    await planner.locator('#snap-save').waitFor();
    await planner.locator(`#snap-list tr[data-id="${old[1].id}"]`).waitFor({ timeout: 15000 });
  });

  after(async () => {
    await browser?.close();
  });

  test('the list and the pickers mark them, the page says why', async () => {
    const api = await listed(planner);
    for (const [s, week] of [[old[0], '2026-06-06'], [old[1], '2026-06-13']]) {
      const l = api.find((x) => x.id === s.id);
      assert.deepEqual([l.comparable, l.retake_as_of], [false, week], `snapshot #${s.id} as of ${s.as_of} as the planner lists it`);
      const row = planner.locator(`#snap-list tr[data-id="${s.id}"]`);
      assert.equal(await row.getAttribute('data-comparable'), 'false');
      assert.equal((await row.locator('.snap-nc').textContent()).trim(), zh['snap.notComparable']);
      assert.match(await planner.locator(`#snap-a option[value="${s.id}"]`).textContent(), /（不可比较）$/);
    }
    // A comparable snapshot is not marked (the list holds the others' too).
    const ok = api.find((x) => x.comparable === true);
    if (ok) assert.equal(await planner.locator(`#snap-list tr[data-id="${ok.id}"] .snap-nc`).count(), 0, `#${ok.id} is comparable, marked`);
    const picked = [await planner.inputValue('#snap-a'), await planner.inputValue('#snap-b')];
    const bad = api.filter((x) => x.comparable === false).map((x) => String(x.id));
    assert.ok(!picked.some((id) => bad.includes(id)), `the pickers open on ${picked}, not comparable: ${bad}`);
    assert.equal((await planner.locator('#snap-nc-why').textContent()).trim(), zh['snap.notComparableNote']);
    assert.match(await planner.locator(`#snap-retake-${old[0].id}`).textContent(), /按整周重拍（截至 2026年6月6日）/);
    await planner.locator('#snapshots-section').screenshot({ path: join(ARTIFACTS, 'snapshot-midweek-marked.png') });
  });

  test('a retake is whole weeks, listed comparable, and compares', async () => {
    const retakes = [];
    for (const s of old) {
      const [res] = await Promise.all([
        planner.waitForResponse((r) => r.url().endsWith('/api/v1/snapshots') && r.request().method() === 'POST'),
        planner.click(`#snap-retake-${s.id}`),
      ]);
      const body = await res.json();
      assert.equal(res.status(), 201, `retake of #${s.id}: ${JSON.stringify(body)}`);
      assert.equal(body.as_of_asked, s.as_of, 'the retake is asked as of the old snapshot\'s day');
      assert.equal(body.town, LEADER_TOWN, 'the retake is of the old snapshot\'s area');
      retakes.push(body);
      await planner.locator(`#snap-list tr[data-id="${body.id}"][data-comparable="true"]`).waitFor({ timeout: 15000 });
    }
    assert.deepEqual(retakes.map((r) => r.as_of), ['2026-06-06', '2026-06-13'], 'the retakes run to their weeks\' last days');
    assert.match(await planner.locator('#snap-save-msg').textContent(), new RegExp(`#${retakes[1].id}.*按整周保存`));

    await planner.locator('#snap-a').selectOption(String(retakes[0].id));
    await planner.locator('#snap-b').selectOption(String(retakes[1].id));
    const [res] = await Promise.all([
      planner.waitForResponse((r) => r.url().includes(`/api/v1/snapshots/${retakes[0].id}/diff/${retakes[1].id}`)),
      planner.click('#snap-compare'),
    ]);
    assert.equal(res.status(), 200, `the retakes compared: ${await res.text()}`);
    await planner.locator('#snap-diff-title').waitFor();
    assert.equal(await planner.locator('#snap-diff-refused').count(), 0, 'no refusal');
  });

  test('the explanation in English', async () => {
    await setLang(planner, 'en');
    assert.equal((await planner.locator('#snap-nc-why').textContent()).trim(), en['snap.notComparableNote']);
    assert.equal((await planner.locator(`#snap-list tr[data-id="${old[0].id}"] .snap-nc`).textContent()).trim(), 'not comparable');
    assert.match(await planner.locator(`#snap-retake-${old[0].id}`).textContent(), /^Retake over whole weeks \(to /);
    await setLang(planner, 'zh-CN');
  });
});
