// The admin view sets the campaign's last day (PATCH /api/v1/campaign):
// a date field, saved with a sentence in the page's language, refused with
// the reason worded when it is before the start, cleared with a button,
// and each change in the audit list under its own words.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  DESKTOP, apiJSON, launch, openApp, setLang, shot, zhMoment,
} from './helpers.mjs';

describe('campaign end in the admin view', () => {
  let browser;
  let page;
  let was;
  before(async () => {
    browser = await launch();
    page = await browser.newPage(DESKTOP);
    await openApp(page, 'admin');
    await page.click('#tab-admin');
    await page.waitForSelector('#admin-campaign-end');
    was = (await apiJSON(page, '/api/v1/campaign')).ends_on;
  });
  after(async () => {
    // Leave the county's end as it was for the tests after this one.
    await page?.evaluate(async (end) => {
      const me = await (await fetch('/api/v1/auth/me')).json();
      await fetch('/api/v1/campaign', { method: 'PATCH', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token }, body: JSON.stringify({ ends_on: end }) });
    }, was).catch(() => {});
    await browser?.close();
  });

  test('set, refused before the start, cleared (zh), worded in English', async () => {
    const c = await apiJSON(page, '/api/v1/campaign');
    await page.waitForFunction((v) => document.getElementById('admin-campaign-end').value === (v || ''), c.ends_on);
    assert.equal(await page.locator('#admin-campaign-end').getAttribute('min'), c.starts_on, 'no day before the start offered');
    assert.match(await page.locator('#admin-campaign-hint').innerText(), /活动自/);

    await page.fill('#admin-campaign-end', '2026-12-31');
    await page.click('#admin-campaign-save');
    await page.waitForFunction(() => document.getElementById('admin-campaign-result')?.classList.contains('ok'));
    assert.match(await page.locator('#admin-campaign-result').innerText(), /已保存/);
    assert.equal((await apiJSON(page, '/api/v1/campaign')).ends_on, '2026-12-31');

    // A day before the start, past the field's min (a typed date).
    await page.locator('#admin-campaign-end').evaluate((el) => { el.removeAttribute('min'); el.value = '2026-01-05'; });
    await page.click('#admin-campaign-save');
    await page.waitForFunction(() => document.getElementById('admin-campaign-result')?.classList.contains('error'));
    const refused = await page.locator('#admin-campaign-result').innerText();
    assert.match(refused, /早于活动开始日/, `refusal ${refused}`);
    assert.doesNotMatch(refused, /before the campaign/, 'no server English on the Chinese page');
    assert.equal((await apiJSON(page, '/api/v1/campaign')).ends_on, '2026-12-31', 'nothing written');

    await page.click('#admin-campaign-clear');
    await page.waitForFunction(() => /已清除/.test(document.getElementById('admin-campaign-result')?.innerText || ''));
    assert.equal((await apiJSON(page, '/api/v1/campaign')).ends_on, null);
    assert.equal(await page.locator('#admin-campaign-end').inputValue(), '');

    const audit = await apiJSON(page, '/api/v1/admin/audit?action=campaign_end');
    const events = audit.events || audit.rows || audit;
    assert.ok(Array.isArray(events) && events.length >= 2, `audit ${JSON.stringify(audit).slice(0, 300)}`);
    const options = await page.locator('#admin-audit-action option[value="campaign_end"], select option[value="campaign_end"]').allInnerTexts();
    assert.ok(options.some((x) => x.includes('设定活动截止日')), `audit filter offers ${JSON.stringify(options)}`);
    // The audit list shows when, as every view shows a moment (dateTime).
    const cleared = events[0];
    const row = page.locator(`#admin-audit-table tbody tr[data-key="${cleared.id}"]`);
    await row.waitFor({ timeout: 15000 });
    assert.equal(await row.locator('td').first().textContent(), zhMoment(cleared.at), `audit line ${cleared.id} at ${cleared.at}`);
    await shot(page, 'campaign-end-zh');

    await setLang(page, 'en');
    await page.waitForFunction(() => document.getElementById('admin-campaign-title')?.innerText === 'Campaign end');
    assert.match(await page.locator('#admin-campaign-hint').innerText(), /no end set/);
    await setLang(page, 'zh-CN');
  });
});
