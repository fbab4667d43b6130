// The diary's queue, sent after a time offline, reloads the views once:
// entries queued offline go out when the network is back, more written
// while the first round is still sending go in a second round, and the
// latest entries (GET /api/v1/diary?limit=…) and the coverage reports are
// asked again once, when the queue is empty — not after every round.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { PHONE, launch, memberSessions, openDiary, shot } from './helpers.mjs';

describe('the diary queue reloads the views once it is empty', () => {
  let browser;
  let context;
  let page;
  let households;
  let asMember;

  before(async () => {
    let member;
    let asLeader;
    ({ member, asMember, asLeader } = await memberSessions());
    const items = await asLeader('/ogc/collections/households/items?limit=8');
    households = items.features.map((f) => f.properties.external_id);
    assert.ok(households.length >= 6, `households of the member's town: ${households}`);

    browser = await launch();
    context = await browser.newContext({ ...PHONE,
      // Requests the service worker makes are out of page.route's reach.
      serviceWorkers: 'block',
    });
    page = await context.newPage();
    await openDiary(page, member);
  });

  after(async () => {
    await browser?.close();
  });

  test('six entries, in two rounds: one reload of the entries and one of each report', async () => {
    const entry = (i) => ({
      id: `app-${randomUUID()}`, household: households[i], kind: 'household_visit',
      notes: `离线排队 ${i}`, occurred_at: new Date().toISOString(),
    });
    const written = [];
    await context.setOffline(true);
    for (let i = 0; i < 4; i++) {
      const e = entry(i);
      written.push(e.id);
      await page.evaluate((x) => window.lianxin.diary.enqueue(x), e);
    }
    await page.locator('#diary-queue-state[data-waiting="4"]').waitFor({ timeout: 15000 });

    // Count what the page asks from here on.
    const asked = [];
    page.on('request', (req) => {
      const u = new URL(req.url());
      if (req.method() === 'GET' && (u.pathname === '/api/v1/diary' || u.pathname.startsWith('/api/v1/reports/'))) asked.push(u.pathname);
    });
    // The first POST is held until two more entries are written: they wait
    // for the next round, as entries written while a phone sends do.
    let release;
    const held = new Promise((r) => { release = r; });
    let sending;
    const started = new Promise((r) => { sending = r; });
    let first = true;
    await page.route('**/api/v1/diary', async (route) => {
      if (route.request().method() === 'POST' && first) {
        first = false;
        sending();
        await held;
      }
      await route.continue();
    });
    await context.setOffline(false);
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await started;
    for (let i = 4; i < 6; i++) {
      const e = entry(i);
      written.push(e.id);
      await page.evaluate((x) => { window.lianxin.diary.enqueue(x); }, e);
    }
    release();
    await page.locator('#diary-queue-state[data-waiting="0"]').waitFor({ timeout: 45000 });
    await page.locator(`#diary-entries tr[data-key="${written[5]}"]`).waitFor({ timeout: 15000 });
    await page.waitForLoadState('networkidle');

    const stored = (await asMember('/api/v1/diary?limit=500')).entries.map((e) => e.id);
    assert.deepEqual(written.filter((id) => !stored.includes(id)), [], 'every entry written landed');
    const count = (p) => asked.filter((x) => x === p).length;
    assert.equal(count('/api/v1/diary'), 1, `the latest entries asked ${count('/api/v1/diary')} times after the queue was sent: ${JSON.stringify(asked)}; want once`);
    const reports = [...new Set(asked.filter((x) => x.startsWith('/api/v1/reports/')))];
    for (const r of reports) assert.equal(count(r), 1, `${r} asked ${count(r)} times: ${JSON.stringify(asked)}; want once`);
    await shot(page, 'diary-reload-once');
  });
});
