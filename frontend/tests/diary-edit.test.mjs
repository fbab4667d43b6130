// Correcting and deleting diary entries from the diary tab's list, on a
// phone whose own time zone is UTC (not the campaign's): the form reads
// 走访时间 as China time (UTC+8) and the list and the correction dialog show
// it so; 更正 and 删除 appear on the entries the server lets the member
// change, each asks to confirm (a dismissed confirm changes nothing), and
// the server holds the entry as corrected, then no more.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { demoAccounts, launch, openApp, setLang, shot } from './helpers.mjs';

const member = () => {
  const m = [...demoAccounts().keys()].find((k) => k.startsWith('member-'));
  assert.ok(m, 'the demo accounts name a member');
  return m;
};

/** entries is the member's diary list as the page's session reads it. */
const entries = (page) => page.evaluate(async () => (await (await fetch('/api/v1/diary?limit=500')).json()).entries);

describe('correcting and deleting diary entries (phone in UTC)', () => {
  let browser;
  let page;
  let dialogs = []; // the confirm texts, in order
  let answer = true; // how the next confirm is answered

  before(async () => {
    browser = await launch();
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'UTC',
    });
    await context.addInitScript(() => localStorage.setItem('lianxin.lang', 'zh-CN'));
    page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      return answer ? d.accept() : d.dismiss();
    });
    await openApp(page, member());
    await page.click('#tab-diary');
    await page.locator('#diary-form').waitFor();
  });

  after(async () => {
    await browser?.close();
  });

  let id = '';
  let household = '';

  test('走访时间 typed on a phone in UTC is China time', async () => {
    const listed = await entries(page);
    assert.ok(listed.length > 0, 'the demo member has entries');
    household = listed[0].household;
    await page.fill('#diary-household', household);
    await page.fill('#diary-notes', '浏览器测试：更正与删除');
    await page.fill('#diary-when', '2026-09-29 10:00');
    await page.click('#diary-submit');
    await page.locator('#diary-queue-state[data-waiting="0"]').waitFor({ timeout: 15000 });
    const mine = (await entries(page)).find((e) => e.notes === '浏览器测试：更正与删除');
    assert.ok(mine, 'the entry written from the form is listed by the server');
    id = mine.id;
    assert.equal(mine.occurred_at, '2026-09-29T10:00:00+08:00', 'stored time of 2026-09-29 10:00 typed on a phone in UTC (want 10:00 UTC+8)');
    assert.equal(mine.may_change, true, 'the member may change the entry just written');
  });

  test('the actions speak English on an English page', async () => {
    await setLang(page, 'en');
    // (Read from the page, shown or not: the narrow phone may fold the panel away.)
    await page.waitForFunction((id) => document.querySelector(`#diary-correct-${CSS.escape(id)}`)?.textContent.trim() === 'Correct',
      id, { timeout: 15000 });
    const words = await page.$$eval(`#diary-entries tbody tr:has(#diary-correct-${id}) button`,
      (bs) => [...new Set(bs.map((b) => b.textContent.trim()))]);
    assert.deepEqual(words, ['Correct', 'Delete'], 'the new entry\'s actions on an English page');
    // The demo's entries were written months ago: past a member's week, no actions.
    const old = (await entries(page)).find((e) => !e.may_change);
    assert.ok(old, 'the member has entries they may no longer change');
    assert.equal(await page.locator(`#diary-correct-${old.id}, #diary-delete-${old.id}`).count(), 0, `actions on ${old.id}, which may_change false`);
    await setLang(page, 'zh-CN');
  });

  test('更正 asks to confirm, then the server holds the correction', async () => {
    const button = page.locator(`#diary-correct-${id}`);
    await button.waitFor({ timeout: 15000 });
    assert.equal((await button.textContent()).trim(), '更正');
    await button.click();
    await page.locator('#diary-correct').waitFor();
    assert.equal(await page.inputValue('#diary-correct-when'), '2026-09-29 10:00', 'the dialog shows the time in China time');
    await shot(page, 'diary-correct-dialog');
    await page.fill('#diary-correct-when', '2026-09-28 09:30');
    await page.fill('#diary-correct-notes', '浏览器测试：已更正');
    await page.fill('#diary-correct-reason', '时间写错');

    answer = false;
    dialogs = [];
    await page.click('#diary-correct-save');
    await page.waitForTimeout(300);
    assert.equal(dialogs.length, 1, 'one confirm before correcting');
    assert.match(dialogs[0], /2026年9月29日 10:00 → 2026年9月28日 09:30/, 'the confirm lists the time before and after, as every view writes a time');
    let stored = (await entries(page)).find((e) => e.id === id);
    assert.equal(stored.occurred_at, '2026-09-29T10:00:00+08:00', 'a dismissed confirm changes nothing');

    answer = true;
    await page.click('#diary-correct-save');
    await page.locator('#diary-change-status', { hasText: '已更正' }).waitFor({ timeout: 15000 });
    stored = (await entries(page)).find((e) => e.id === id);
    assert.equal(stored.occurred_at, '2026-09-28T09:30:00+08:00', 'stored time after correcting to 2026-09-28 09:30 (UTC+8)');
    assert.equal(stored.notes, '浏览器测试：已更正');
  });

  test('删除 asks to confirm, then the entry is gone', async () => {
    answer = false;
    dialogs = [];
    await page.locator(`#diary-delete-${id}`).click();
    assert.equal(dialogs.length, 1, 'one confirm before deleting');
    assert.match(dialogs[0], /确定删除/);
    assert.ok((await entries(page)).some((e) => e.id === id), 'a dismissed confirm deletes nothing');

    answer = true;
    await page.locator(`#diary-delete-${id}`).click();
    await page.locator('#diary-change-status', { hasText: '已删除' }).waitFor({ timeout: 15000 });
    assert.ok(!(await entries(page)).some((e) => e.id === id), 'the entry is no longer listed by the server');
    await page.locator(`#diary-delete-${id}`).waitFor({ state: 'detached' });
    await shot(page, 'diary-deleted');
  });
});
