// The diary on a phone, for keyboard and screen reader users and for phones
// whose own language is not the page's: discarding a refused entry moves
// the focus to the next entry's discard button, then to the queue's
// heading (never to the page's body); the time field shows its format in
// the page's language, whatever language Chromium itself runs in, and reads
// what is typed in the phone's time zone.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { demoAccounts, launch, openApp, shot } from './helpers.mjs';
import { TABLES } from '../src/i18n.js';
import { localInput, parseLocalInput } from '../src/diary.js';

const member = () => {
  const m = [...demoAccounts().keys()].find((k) => k.startsWith('member-'));
  assert.ok(m, 'the demo accounts name a member');
  return m;
};

/** focused says where the keyboard focus is: the element's id, or its queue entry and action. */
const focused = (page) => page.evaluate(() => {
  const el = document.activeElement;
  return { tag: el?.tagName.toLowerCase(), id: el?.id || '', entry: el?.closest('li')?.dataset.id || '', action: el?.dataset?.action || '' };
});

/** openDiary opens the diary tab as the member on a phone with the page in pageLang. */
async function openDiary(browser, { locale, pageLang }) {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale, timezoneId: 'Asia/Shanghai',
  });
  await context.addInitScript((l) => localStorage.setItem('lianxin.lang', l), pageLang);
  const page = await context.newPage();
  await openApp(page, member());
  await page.click('#tab-diary');
  await page.locator('#diary-form').waitFor();
  return { context, page };
}

test('the time field reads year-month-day hour:minute, and refuses what is no time', () => {
  // (In this process's time zone, as the page reads the phone's: compared as shown again.)
  const cases = [
    { typed: '2026-06-15 10:30', want: '2026-06-15 10:30' },
    { typed: ' 2026-6-5 9:05 ', want: '2026-06-05 09:05' },
    { typed: '2026/06/15 10:30', want: '2026-06-15 10:30' },
    { typed: '2026.06.15', want: '2026-06-15 00:00' },
    { typed: '2026-06-15T10:30', want: '2026-06-15 10:30' },
    { typed: '2026-06-15 10', want: '2026-06-15 10:00' },
    { typed: '', want: null },
    { typed: '06/15/2026 10:30', want: 'invalid' },
    { typed: '2026-02-30 10:00', want: 'invalid' },
    { typed: '2026-06-15 24:00', want: 'invalid' },
    { typed: '2026-06-15 10:60', want: 'invalid' },
    { typed: '昨天', want: 'invalid' },
  ];
  for (const { typed, want } of cases) {
    const at = parseLocalInput(typed);
    const got = at === null ? null : Number.isNaN(at.getTime()) ? 'invalid' : localInput(at);
    assert.equal(got, want, `parseLocalInput(${JSON.stringify(typed)})`);
  }
});

describe('discarding a refused entry keeps the keyboard focus', () => {
  let browser;
  let context;
  let page;

  before(async () => {
    browser = await launch();
    ({ context, page } = await openDiary(browser, { locale: 'zh-CN', pageLang: 'zh-CN' }));
  });

  after(async () => {
    await browser?.close();
  });

  test('the focus goes to the next refused entry, then to the queue\'s heading', async () => {
    const ids = [`app-${randomUUID()}`, `app-${randomUUID()}`];
    for (const [i, id] of ids.entries()) {
      await page.evaluate((entry) => window.lianxin.diary.enqueue(entry), {
        id, household: `NO-SUCH-FOCUS-${i}`, kind: 'household_visit', notes: '', occurred_at: new Date().toISOString(),
      });
    }
    await page.locator('#diary-queue li[data-state="rejected"]').nth(1).waitFor({ timeout: 15000 });
    assert.deepEqual(await page.$$eval('#diary-queue li', (lis) => lis.map((li) => li.dataset.id)), ids, 'the queue holds the two refused entries, in order');

    // By keyboard: the first entry's discard button, Enter.
    await page.locator(`#diary-queue li[data-id="${ids[0]}"] button[data-action="discard"]`).focus();
    await page.keyboard.press('Enter');
    await page.locator(`#diary-queue li[data-id="${ids[0]}"]`).waitFor({ state: 'detached' });
    assert.deepEqual(await focused(page), { tag: 'button', id: `diary-discard-${ids[1]}`, entry: ids[1], action: 'discard' },
      'after discarding the first refused entry, the focus (want the next entry\'s discard button)');

    // A round of sending redraws the queue: the focus stays on the button.
    await page.evaluate(() => window.lianxin.diary.flush());
    await page.locator(`#diary-queue li[data-id="${ids[1]}"][data-state="rejected"]`).waitFor({ timeout: 15000 });
    assert.equal((await focused(page)).id, `diary-discard-${ids[1]}`, 'the focus after the queue was sent again and redrawn');

    await page.keyboard.press('Enter');
    await page.locator('#diary-queue-state[data-waiting="0"]').waitFor();
    const last = await focused(page);
    assert.deepEqual(last, { tag: 'h2', id: 'diary-queue-title', entry: '', action: '' },
      'after discarding the last refused entry, the focus (want the queue\'s heading, not the body)');
    // From the heading, Tab goes on into the diary (not back to the page's top).
    await page.keyboard.press('Tab');
    const next = await page.evaluate(() => document.activeElement.closest('#view-diary') !== null);
    assert.ok(next, `Tab from the queue's heading lands in the diary tab, at ${JSON.stringify(await focused(page))}`);
  });
});

describe('the time field speaks the page\'s language, not the browser\'s', () => {
  const DATE_TYPES = ['date', 'datetime-local', 'time', 'month', 'week'];
  for (const [browserLang, pageLang] of [['en-US', 'zh-CN'], ['zh-CN', 'en']]) {
    test(`Chromium in ${browserLang}, the page in ${pageLang}`, async () => {
      const browser = await launch([`--lang=${browserLang}`]);
      try {
        const { page } = await openDiary(browser, { locale: browserLang, pageLang });
        const T = TABLES[pageLang];
        const example = '2026-06-15 10:30';
        const fill = (key, vars = {}) => T[key].replace(/\{(\w+)\}/g, (_, k) => vars[k]);
        assert.equal(await page.evaluate(() => navigator.language), browserLang, 'the browser\'s own language (else the test proves nothing)');
        assert.equal(await page.evaluate(() => document.documentElement.lang), pageLang, 'the page\'s language');

        const field = page.locator('#diary-when');
        const type = await field.getAttribute('type');
        assert.ok(!DATE_TYPES.includes(type), `#diary-when is <input type=${type}>, which Chromium draws (mm/dd/yyyy, 年/月/日) in the browser's language`);
        assert.equal(await field.getAttribute('placeholder'), T['diary.whenPlaceholder'], 'the time field\'s placeholder');
        const hintID = await field.getAttribute('aria-describedby');
        assert.equal(hintID, 'diary-when-hint', 'the field is described by its format hint');
        assert.equal(await page.locator(`#${hintID}`).innerText(), fill('diary.whenFormat', { example }), 'the format hint under the field');
        await shot(page, `diary-when-${browserLang}-page-${pageLang}`);

        // A time as the hint says: read in the phone's time zone (UTC+8 here).
        const posted = [];
        page.on('request', (req) => { if (req.method() === 'POST' && req.url().endsWith('/api/v1/diary')) posted.push(JSON.parse(req.postData())); });
        const household = `NO-SUCH-WHEN-${pageLang}`;
        await page.fill('#diary-household', household);
        await field.fill(example);
        await page.click('#diary-submit');
        const refused = page.locator(`#diary-queue li[data-state="rejected"]`, { hasText: household });
        await refused.waitFor({ timeout: 15000 });
        assert.equal(posted.at(-1)?.occurred_at, '2026-06-15T02:30:00.000Z', `the entry's time for "${example}" typed in UTC+8`);
        // Opened to fix, the field shows the time as it was typed.
        await refused.locator('button[data-action="edit"]').click();
        assert.equal(await field.inputValue(), example, 'the refused entry\'s time in the form');
        await page.click('#diary-edit-cancel');
        await refused.locator('button[data-action="discard"]').click();
        await page.locator('#diary-queue-state[data-waiting="0"]').waitFor();

        // An American date is not guessed at: the writer is told the format.
        const before = posted.length;
        await page.fill('#diary-household', household);
        await field.fill('06/15/2026 10:30');
        await page.click('#diary-submit');
        assert.equal(await page.locator('#diary-form-error').innerText(), fill('diary.whenInvalid', { example }), 'the form\'s error for 06/15/2026');
        assert.equal(await field.getAttribute('aria-invalid'), 'true');
        assert.equal(posted.length, before, 'nothing was sent');
        assert.equal(await page.locator('#diary-queue-state').getAttribute('data-waiting'), '0', 'nothing was queued');

        // The other language: the placeholder and the hint follow the page.
        await page.click('#lang');
        const other = TABLES[pageLang === 'en' ? 'zh-CN' : 'en'];
        assert.equal(await field.getAttribute('placeholder'), other['diary.whenPlaceholder'], 'the placeholder after switching the page\'s language');
        assert.equal(await page.locator('#diary-when-hint').innerText(), other['diary.whenFormat'].replace('{example}', example));
      } finally {
        await browser.close();
      }
    });
  }
});
