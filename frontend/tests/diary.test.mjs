// The diary on a phone (390×844): a member signs in, writes an entry at a
// household of their town with the phone's position, finds it in the API and
// in their list; then, offline, writes another, sees it wait in the queue,
// comes back online and finds it landed exactly once.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { BASE, PHONE, launch, memberSessions, openApp, openDiary, shot } from './helpers.mjs';

describe('a member writes the diary on a phone', () => {
  let browser;
  let context;
  let page;
  let member;
  let asMember;
  let households; // [{code, lon, lat}] of the member's town
  let leader;

  before(async () => {
    // A member sees no household they have not visited: the town's leader
    // names some, as the contact cards in the member's pocket would.
    let town;
    let asLeader;
    ({ member, town, asMember, asLeader } = await memberSessions());
    const items = await asLeader('/ogc/collections/households/items?limit=50');
    leader = `leader-${town}`;
    households = items.features.map((f) => ({ code: f.properties.external_id, lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1] }));
    assert.ok(households.length >= 3 && households.every((x) => x.code), `households of town ${town}: ${JSON.stringify(households.slice(0, 2))}`);

    browser = await launch();
    context = await browser.newContext({ ...PHONE, deviceScaleFactor: 2 });
    await context.grantPermissions(['geolocation'], { origin: BASE });
    page = await context.newPage();
    await openDiary(page, member);
  });

  after(async () => {
    await browser?.close();
  });

  /** write fills the form and submits it. */
  async function write(h, notes) {
    await page.fill('#diary-household', h.code);
    await page.selectOption('#diary-kind', 'household_visit');
    await page.fill('#diary-notes', notes);
    await page.fill('#diary-collected', '2');
    await page.fill('#diary-resolved', '1');
    await page.click('#diary-submit');
  }

  const entriesOf = async (household) => (await asMember('/api/v1/diary?limit=500')).entries.filter((e) => e.household === household.code);

  test('the tab fits the phone and is in Chinese', async () => {
    const box = await page.locator('#diary-submit').boundingBox();
    assert.ok(box && box.width > 0 && box.x + box.width <= 390, `the submit button ${JSON.stringify(box)} within 390 px`);
    assert.equal(await page.locator('#tab-diary').innerText(), '写日记');
    assert.equal(await page.locator('#diary-title').innerText(), '写民情日记');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than the phone`);
    // Every control a finger taps, the header's too, is at least 40 px high.
    const small = await page.evaluate(() => [...document.querySelectorAll('header button, [role=tab], #view-diary button')]
      .filter((el) => el.offsetParent !== null)
      .map((el) => ({ el: el.id || el.textContent, height: el.getBoundingClientRect().height }))
      .filter((x) => x.height < 40));
    assert.deepEqual(small, [], 'tap targets under 40 px high on the phone');
  });

  test('an entry written online lands, with the phone\'s position, and shows in the list', async () => {
    const h = households[0];
    const at = { longitude: h.lon + 0.0002, latitude: h.lat + 0.0001 };
    await context.setGeolocation({ ...at, accuracy: 12 });
    await page.click('#diary-locate');
    await page.locator('#diary-position-text', { hasText: '已定位' }).waitFor();
    const before = await entriesOf(h);
    await write(h, '问了今年的用水情况');
    await page.locator('#diary-notice', { hasText: `已发送：${h.code}` }).waitFor({ timeout: 15000 });
    const after = await entriesOf(h);
    assert.equal(after.length, before.length + 1, `entries at ${h.code}: ${after.length}, want ${before.length} + 1`);
    const e = after.find((x) => !before.some((y) => y.id === x.id));
    assert.ok(e.id.startsWith('app-'), `the entry's id ${e.id} is the phone's`);
    assert.equal(e.member, member.slice('member-'.length));
    assert.equal(e.notes, '问了今年的用水情况');
    assert.equal(e.problems_collected, 2);
    assert.equal(e.problems_resolved, 1);
    assert.ok(Math.abs(e.lon - at.longitude) < 1e-9 && Math.abs(e.lat - at.latitude) < 1e-9,
      `the entry is at ${e.lon},${e.lat}, want the phone's ${at.longitude},${at.latitude}`);
    await page.locator(`#diary-entries tr[data-key="${e.id}"]`).waitFor({ timeout: 15000 });
    assert.equal(await page.locator('#diary-queue-state').getAttribute('data-waiting'), '0');
    assert.doesNotMatch(await page.locator('#view-diary').innerText(), /\b(null|undefined|NaN)\b/, 'the tab shows a missing value');
    await page.waitForFunction((id) => window.lianxin.map.map.getSource('diary-entries')?.serialize().data.features
      .some((f) => f.properties.id === id), e.id, { timeout: 15000 });
    await shot(page, 'diary-phone');
  });

  test('an entry written offline waits, then lands exactly once when back online', async () => {
    const h = households[1];
    // The position went with the entry before: this one is placed at its household.
    assert.equal(await page.locator('#diary-unlocate').count(), 0, 'no position carried over from the entry before');
    const before = await entriesOf(h);
    await context.setOffline(true);
    await write(h, '离线时记录');
    // (While the page still tries to send, the state says so; then "offline".)
    await page.locator('#diary-queue-state[data-waiting="1"]', { hasText: '离线' }).waitFor({ timeout: 15000 });
    // The writer learns it where they pressed the button, not below the fold.
    const notice = page.locator('#diary-notice');
    assert.match(await notice.innerText(), new RegExp(`已保存在本机：${h.code}.*联网后自动发送`), 'the notice under the button, offline');
    assert.ok(await notice.evaluate((el) => el.getBoundingClientRect().bottom <= window.innerHeight), 'the notice is on the screen');
    const queued = await page.evaluate(() => window.lianxin.diary.queue());
    assert.equal(queued.length, 1, 'one entry waits');
    const { id } = queued[0].entry;
    const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('lianxin.diary.queue.')));
    assert.equal(stored.length, 1, `the queue is kept in localStorage: ${stored}`);
    await shot(page, 'diary-phone-offline');
    // Sending while still offline fails again and keeps the entry; the
    // writer typing the next entry meanwhile keeps the field, its focus
    // (the phone's keyboard) and the input method's composition.
    await page.fill('#diary-notes', '下一户的');
    await page.evaluate(() => {
      const el = document.getElementById('diary-notes');
      el.dataset.blurs = '0';
      el.addEventListener('blur', () => { el.dataset.blurs = String(Number(el.dataset.blurs) + 1); });
    });
    await page.evaluate(() => window.lianxin.diary.flush());
    assert.equal((await page.evaluate(() => window.lianxin.diary.queue())).length, 1, 'still waiting while offline');
    const typing = await page.evaluate(() => {
      const el = document.getElementById('diary-notes');
      return { blurs: el.dataset.blurs, focused: document.activeElement === el, value: el.value };
    });
    assert.deepEqual(typing, { blurs: '0', focused: true, value: '下一户的' }, 'the notes field while a round of sending ran');
    await page.fill('#diary-notes', '');

    await context.setOffline(false);
    await page.locator('#diary-queue-state[data-waiting="0"]').waitFor({ timeout: 20000 });
    // Sending the same entry again (a lost answer) answers it, not a copy.
    const again = await page.evaluate(async (entry) => {
      const csrf = window.lianxin.user.csrf_token;
      const r = await fetch('/api/v1/diary', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify(entry) });
      return { status: r.status, body: await r.json() };
    }, queued[0].entry);
    assert.equal(again.status, 200, `the entry sent again: ${JSON.stringify(again)}`);
    assert.equal(again.body.created, false);
    const after = await entriesOf(h);
    const landed = after.filter((x) => x.id === id);
    assert.equal(landed.length, 1, `entries with id ${id}: ${landed.length}, want 1`);
    assert.equal(after.length, before.length + 1, `entries at ${h.code}: ${after.length}, want ${before.length} + 1`);
    // (The OGC API rounds coordinates to 7 decimals, about a centimetre.)
    assert.ok(Math.abs(landed[0].lon - h.lon) < 1e-6 && Math.abs(landed[0].lat - h.lat) < 1e-6,
      `without a position the entry is at the household: ${landed[0].lon},${landed[0].lat}, want ${h.lon},${h.lat}`);
    await page.locator(`#diary-entries tr[data-key="${id}"]`).waitFor({ timeout: 15000 });
  });

  test('a team leader writes for a member of the team', async () => {
    assert.equal(await page.locator('#diary-member').count(), 0, 'a member names no member: they write as themselves');
    const h = households[2];
    const code = member.slice('member-'.length);
    const before = await entriesOf(h);
    const lctx = await browser.newContext({ ...PHONE, locale: 'en' });
    try {
      const lpage = await lctx.newPage();
      await openApp(lpage, leader);
      await lpage.click('#tab-diary');
      await lpage.click('#lang'); // English, a click away
      assert.equal(await lpage.locator('#diary-title').innerText(), 'Write a diary entry');
      // No location permission in this context: the reason is ours, in English.
      await lpage.context().setGeolocation(null).catch(() => {});
      await lpage.click('#diary-locate');
      const where = lpage.locator('#diary-position-text', { hasText: 'Could not locate' });
      await where.waitFor({ timeout: 25000 });
      assert.match(await where.innerText(), /^Could not locate \((this page may not use the location|the phone has no position now|locating took too long)\)/,
        'the position\'s failure, in the page\'s words');
      await lpage.click('#lang');
      assert.doesNotMatch(await lpage.locator('#diary-position-text').innerText(), /[A-Za-z]/, 'the failure in Chinese after switching back');
      await lpage.click('#lang');
      await lpage.fill('#diary-household', h.code);
      await lpage.click('#diary-submit');
      assert.match(await lpage.locator('#diary-form-error').innerText(), /member/, 'a leader is asked for the member first');
      await lpage.fill('#diary-household', h.code);
      // The team's members by name, once known (a typed code before).
      if (await lpage.locator('select#diary-member').count()) await lpage.selectOption('#diary-member', code);
      else await lpage.fill('#diary-member', code);
      await lpage.selectOption('#diary-kind', 'assistance_delivery');
      await lpage.click('#diary-submit');
      await lpage.locator('#diary-notice', { hasText: `Sent: ${h.code}` }).waitFor({ timeout: 15000 });
      assert.match(await lpage.locator('#diary-notice').innerText(), /^Sent: /, 'the leader reads the result in English');
    } finally {
      await lctx.close();
    }
    const after = await entriesOf(h);
    assert.equal(after.length, before.length + 1, `the member's entries at ${h.code}: ${after.length}, want ${before.length} + 1`);
    assert.ok(after.some((e) => e.kind === 'assistance_delivery' && e.member === code), 'the leader\'s entry is the member\'s');
  });

  test('a household number of no household is refused and kept to fix', async () => {
    await write({ code: 'NO-SUCH-HOUSEHOLD' }, '编号写错');
    const refused = page.locator('#diary-queue li[data-state="rejected"]');
    await refused.waitFor({ timeout: 15000 });
    assert.match(await refused.innerText(), /找不到这个农户编号/);
    // Said as it is: refused, waiting for the writer's fix, not "waiting to
    // send"; sending it again unchanged would only be refused again.
    const queueState = await page.locator('#diary-queue-state').innerText();
    assert.match(queueState, /1 条被退回/, `the queue's state ${queueState}`);
    assert.doesNotMatch(queueState, /待发送/, `the queue's state ${queueState}`);
    assert.equal(await page.locator('#diary-send-now').count(), 0, 'a "send now" button with only a refused entry');
    assert.match(await page.locator('#diary-notice').innerText(), /被退回：NO-SUCH-HOUSEHOLD/, 'the notice under the button');
    for (const b of await refused.locator('button').all()) {
      const box = await b.boundingBox();
      assert.ok(box.height >= 40, `the refused entry's ${await b.innerText()} button is ${box.height} px high, want ≥ 40`);
    }
    // In English the reason is English too (it was refused in Chinese).
    await page.click('#lang');
    try {
      assert.match(await refused.innerText(), /No household with this number/, 'the refusal after switching to English');
      assert.doesNotMatch(await page.locator('#diary-queue').innerText(), /[\u3400-\u9fff]/, 'Chinese left in the English queue');
    } finally {
      await page.click('#lang');
    }
    // Another entry written meanwhile goes alone: the refused one, unchanged, is not sent again.
    // (The refused entry came back into the form: the writer lets it wait there first.)
    assert.equal(await page.inputValue('#diary-household'), 'NO-SUCH-HOUSEHOLD', 'the refused entry back in the form');
    await page.click('#diary-edit-cancel');
    const refusedID = await refused.getAttribute('data-id');
    const posted = [];
    const onRequest = (req) => { if (req.method() === 'POST' && req.url().endsWith('/api/v1/diary')) posted.push(JSON.parse(req.postData()).id); };
    page.on('request', onRequest);
    try {
      await write(households[2], '下一户');
      await page.locator('#diary-notice', { hasText: `已发送：${households[2].code}` }).waitFor({ timeout: 15000 });
    } finally {
      page.off('request', onRequest);
    }
    assert.equal(posted.length, 1, `entries posted for one new entry: ${posted}`);
    assert.notEqual(posted[0], refusedID, 'the refused entry was sent again');
    await refused.locator('button[data-action="discard"]').click();
    await page.locator('#diary-queue-state[data-waiting="0"]').waitFor();
  });

  test('a refused entry is fixed in the form and lands under its own id', async () => {
    const h = households[0];
    await write({ code: 'NO-SUCH-HOUSEHOLD-2' }, '编号写错，改正后发送');
    const refused = page.locator('#diary-queue li[data-state="rejected"]');
    await refused.waitFor({ timeout: 15000 });
    const id = await refused.getAttribute('data-id');
    await refused.locator('button[data-action="edit"]').click();
    assert.equal(await page.inputValue('#diary-household'), 'NO-SUCH-HOUSEHOLD-2', 'the form holds the refused entry');
    assert.equal(await page.inputValue('#diary-notes'), '编号写错，改正后发送');
    assert.equal(await page.inputValue('#diary-collected'), '2');
    await page.locator('#diary-editing').waitFor();
    await page.fill('#diary-household', h.code);
    await page.click('#diary-submit');
    await page.locator('#diary-queue-state[data-waiting="0"]').waitFor({ timeout: 15000 });
    // A 404 means the server never stored the id: the fixed entry keeps it.
    const landed = (await entriesOf(h)).filter((e) => e.id === id);
    assert.equal(landed.length, 1, `entries at ${h.code} with the refused entry's id ${id}: ${landed.length}, want 1`);
    assert.equal(landed[0].notes, '编号写错，改正后发送');
    assert.equal(landed[0].problems_collected, 2);
  });

  test('an entry refused as a conflict takes a new id when fixed', async () => {
    const h = households[0];
    const [taken] = await entriesOf(h);
    assert.ok(taken, `an entry at ${h.code} to collide with`);
    const notes = `同一编号的另一条 ${Date.now()}`;
    // The same id with other content, as a phone that lost track would send it.
    const clash = { id: taken.id, household: h.code, kind: 'village_meeting', notes, occurred_at: new Date().toISOString() };
    await page.evaluate((entry) => window.lianxin.diary.enqueue(entry), clash);
    const refused = page.locator(`#diary-queue li[data-state="rejected"][data-id="${taken.id}"]`);
    await refused.waitFor({ timeout: 15000 });
    assert.match(await refused.innerText(), /已被另一条使用/);
    await refused.locator('button[data-action="edit"]').click();
    assert.equal(await page.inputValue('#diary-notes'), notes);
    await page.click('#diary-submit');
    await page.locator('#diary-queue-state[data-waiting="0"]').waitFor({ timeout: 15000 });
    const after = await entriesOf(h);
    const fixed = after.filter((e) => e.notes === notes);
    assert.equal(fixed.length, 1, `entries with the fixed notes: ${fixed.length}, want 1`);
    assert.notEqual(fixed[0].id, taken.id, 'the fixed entry has a new id');
    assert.equal(fixed[0].kind, 'village_meeting');
    assert.equal(after.find((e) => e.id === taken.id).notes, taken.notes, 'the entry that held the id is unchanged');
  });
});
