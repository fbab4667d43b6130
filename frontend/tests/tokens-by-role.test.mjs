// The GIS tab's token form is shown only to the roles that may make their
// own API token (desktop GIS and scripts: gis, planner, team leader,
// admin); a member reads why instead, and the server refuses a member's
// POST /api/v1/auth/tokens (403 token_role) whatever the page shows.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { demoAccounts, launch, openApp } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const member = () => [...demoAccounts().keys()].find((k) => k.startsWith('member-'));
const leader = () => [...demoAccounts().keys()].find((k) => k.startsWith('leader-'));

const cases = [
  { name: 'gis', user: () => 'gis', form: true },
  { name: 'planner', user: () => 'planner', form: true },
  { name: 'team leader', user: leader, form: true },
  { name: 'member', user: member, form: false },
];

describe('the GIS tab\'s token form by role', () => {
  for (const tc of cases) {
    test(`${tc.name}: ${tc.form ? 'the form' : 'no form, the reason'}`, async () => {
      const user = tc.user();
      assert.ok(user, `a demo account for ${tc.name}`);
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN' });
      await context.addInitScript(() => localStorage.setItem('lianxin.lang', 'zh-CN'));
      const page = await context.newPage();
      try {
        await openApp(page, user);
        await page.click('#tab-gis');
        await page.locator('#gis-token-title').waitFor();
        const got = {
          form: await page.locator('#gis-token-form').count(),
          none: await page.locator('#gis-token-none').count(),
        };
        assert.deepEqual(got, tc.form ? { form: 1, none: 0 } : { form: 0, none: 1 },
          `${user}: token form and refusal note ${JSON.stringify(got)}, want the ${tc.form ? 'form' : 'note'}`);
        if (!tc.form) {
          const note = await page.locator('#gis-token-none').innerText();
          assert.match(note, /管理员/, `${user}: the note says whom to ask: ${note}`);
          const refused = await page.evaluate(async () => {
            const me = await (await fetch('/api/v1/auth/me')).json();
            const res = await fetch('/api/v1/auth/tokens', {
              method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token }, body: '{}',
            });
            return { status: res.status, reason: (await res.json())?.error?.details?.reason, may: me.may_make_token };
          });
          assert.deepEqual(refused, { status: 403, reason: 'token_role', may: false }, `${user}: POST /api/v1/auth/tokens`);
        }
      } finally {
        await context.close();
      }
    });
  }
});
