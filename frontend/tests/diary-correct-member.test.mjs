// The correction dialog's member field (队员) is for those who may name
// another member: a member correcting their own entry does not see it, a
// team leader does (with the entry's member chosen). The server holds the
// rule whatever the page shows: a member who sends another member's code
// is refused (member_self_only) and the entry stays as it was.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { DESKTOP, PHONE, launch, memberSessions, openDiary, shot, signedInPage } from './helpers.mjs';

/** entries is the diary list as the page's session reads it. */
const entries = (page) => page.evaluate(async () => (await (await fetch('/api/v1/diary?limit=500')).json()).entries);

describe('the correction dialog\'s member field', () => {
  let browser;
  let sessions;
  before(async () => {
    browser = await launch();
    sessions = await memberSessions();
  });
  after(async () => {
    await browser?.close();
  });

  const note = `浏览器测试：队员栏 ${Date.now()}`;
  let id = '';
  let own = '';

  test('a member correcting their own entry sees no member field', async () => {
    const page = await browser.newPage({ ...PHONE });
    await openDiary(page, sessions.member);
    const listed = await entries(page);
    assert.ok(listed.length > 0, 'the demo member has entries');
    await page.fill('#diary-household', listed[0].household);
    await page.fill('#diary-notes', note);
    await page.click('#diary-submit');
    await page.locator('#diary-queue-state[data-waiting="0"]').waitFor({ timeout: 15000 });
    const mine = (await entries(page)).find((e) => e.notes === note);
    assert.ok(mine?.may_change, `the entry just written is listed and may be changed: ${JSON.stringify(mine)}`);
    id = mine.id;
    own = mine.member;

    await page.locator(`#diary-correct-${id}`).click();
    await page.locator('#diary-correct').waitFor();
    await shot(page, 'diary-correct-member-hidden');
    assert.equal(await page.locator('#diary-correct-household').count(), 1, 'the dialog is the correction form');
    assert.equal(await page.locator('#diary-correct-member').count(), 0, 'the member field in a member\'s correction dialog');
    const labels = await page.$$eval('#diary-correct-form label', (ls) => ls.map((l) => l.textContent.trim()));
    assert.ok(!labels.includes('队员'), `the dialog's labels: ${labels.join(' / ')}`);

    // Correcting the notes still works without the field.
    page.on('dialog', (d) => d.accept());
    await page.fill('#diary-correct-notes', `${note}（已更正）`);
    await page.click('#diary-correct-save');
    await page.locator('#diary-change-status', { hasText: '已更正' }).waitFor({ timeout: 15000 });
    const stored = (await entries(page)).find((e) => e.id === id);
    assert.equal(stored.notes, `${note}（已更正）`);
    assert.equal(stored.member, own, 'the member is unchanged');

    // The server refuses a member who sends another member's code anyway.
    const leaderList = (await sessions.asLeader('/api/v1/diary?limit=500')).entries;
    const other = leaderList.map((e) => e.member).find((m) => m && m !== own);
    assert.ok(other, `the leader's list names a member other than ${own}`);
    const res = await page.evaluate(async ({ id, other }) => {
      const r = await fetch(`/api/v1/diary/${encodeURIComponent(id)}`, {
        method: 'PATCH', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': window.lianxin.user.csrf_token },
        body: JSON.stringify({ member: other }),
      });
      return { status: r.status, body: await r.json() };
    }, { id, other });
    assert.equal(res.status, 403, `PATCH member=${other} as ${sessions.member}: ${JSON.stringify(res)}`);
    assert.equal(res.body.error?.details?.reason, 'member_self_only', `the refusal's reason: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error?.details?.field, 'member');
    const after = (await entries(page)).find((e) => e.id === id);
    assert.equal(after.member, own, 'the refused correction left the member as it was');
    await page.close();
  });

  test('a team leader sees the member field, the entry\'s member chosen', async () => {
    assert.ok(id, 'the member\'s entry was written');
    const page = await signedInPage(browser, `leader-${sessions.town}`, { options: DESKTOP });
    await page.click('#tab-diary');
    await page.locator('#diary-form').waitFor();
    const mine = (await entries(page)).find((e) => e.id === id);
    assert.ok(mine?.may_change, `the leader may change the member's entry: ${JSON.stringify(mine)}`);
    const button = page.locator(`#diary-correct-${id}`);
    await button.waitFor({ timeout: 15000 });
    await button.click();
    await page.locator('#diary-correct').waitFor();
    await page.locator('#diary-correct-member').waitFor();
    assert.equal(await page.inputValue('#diary-correct-member'), own, 'the member field holds the entry\'s member');
    const label = await page.$eval('label[for="diary-correct-member"]', (l) => l.textContent.trim());
    assert.equal(label, '队员');
    await shot(page, 'diary-correct-member-leader');
    await page.click('#diary-correct-cancel');
    await page.close();
  });
});
