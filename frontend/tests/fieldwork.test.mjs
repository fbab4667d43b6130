// The web map as its users meet it: the first load asks each tile once, for
// the campaign's window; the legend is on the map and legible; the same
// village shows the same figures in the gap table, the panel and the report;
// a past window says "before the window ends", not "ago"; controls a role may
// not use are off and say why; an admin manages accounts; a phone keeps the
// map in view.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  BASE, apiJSON, demoAccounts, launch, mapIdle, openApp, shot,
} from './helpers.mjs';

/** contrast is the WCAG contrast ratio of two CSS rgb()/rgba() colours. */
function contrast(a, b) {
  const lum = (css) => {
    const [r, g, bl] = css.match(/[\d.]+/g).slice(0, 3).map(Number).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

describe('the planner on a desktop', () => {
  let browser;
  let page;
  const asked = [];
  const failed = [];

  before(async () => {
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1, locale: 'zh-CN' });
    page.on('request', (r) => asked.push(new URL(r.url())));
    page.on('response', (r) => {
      // Before sign-in the page asks /auth/session, which answers 200: no request may fail.
      if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    });
    await openApp(page, 'planner');
  });

  after(async () => {
    await browser?.close();
  });

  test('the first load asks each coverage tile once, for the campaign window', async () => {
    const tiles = asked.filter((u) => /^\/tiles\/(h3|villages)\//.test(u.pathname));
    assert.ok(tiles.length > 0, 'the map asked for coverage tiles');
    const open = tiles.filter((u) => !u.searchParams.get('from') || !u.searchParams.get('to'));
    assert.deepEqual(open.map((u) => u.pathname + u.search), [], 'coverage tiles asked without the window (thrown away a moment later)');
    const paths = tiles.map((u) => u.pathname);
    const twice = paths.filter((p, i) => paths.indexOf(p) !== i);
    assert.deepEqual(twice, [], 'coverage tiles asked twice on the first load');
    assert.deepEqual(failed, [], 'failed requests on the first load');
  });

  test('the legend is on the map, in view, and its one-third mark is legible', async () => {
    const legend = await page.locator('#legend-box').boundingBox();
    const map = await page.locator('#map').boundingBox();
    assert.ok(legend, 'the legend box is shown');
    const inside = legend.x >= map.x && legend.y >= map.y
      && legend.x + legend.width <= map.x + map.width && legend.y + legend.height <= map.y + map.height;
    assert.ok(inside, `legend ${JSON.stringify(legend)} inside the map ${JSON.stringify(map)} at 1366×768 (no scrolling to read it)`);
    const classes = await page.locator('#legend li').count();
    assert.ok(classes >= 5, `legend classes: ${classes}, want at least 5`);
    const colours = await page.locator('.one-third-tag').evaluate((el) => {
      let bg = 'rgba(0, 0, 0, 0)';
      for (let n = el; n && /rgba\(0, 0, 0, 0\)|transparent/.test(bg); n = n.parentElement) bg = getComputedStyle(n).backgroundColor;
      return { fg: getComputedStyle(el).color, bg };
    });
    const ratio = contrast(colours.fg, colours.bg);
    assert.ok(ratio >= 4.5, `one-third label ${colours.fg} on ${colours.bg}: contrast ${ratio.toFixed(2)}, want ≥ 4.5 (WCAG AA)`);
    // It folds away and back.
    await page.click('#legend-toggle');
    assert.equal(await page.locator('#legend').isVisible(), false, 'the legend folds');
    assert.equal(await page.locator('#legend-toggle').getAttribute('aria-expanded'), 'false');
    await page.click('#legend-toggle');
    assert.equal(await page.locator('#legend').isVisible(), true, 'the legend unfolds');
  });

  test("the map's own controls speak the page's language", async () => {
    assert.equal(await page.locator('.maplibregl-ctrl-zoom-in').getAttribute('aria-label'), '放大');
    assert.equal(await page.locator('#map canvas').getAttribute('aria-label'), '地图');
    await page.click('#lang');
    assert.equal(await page.locator('.maplibregl-ctrl-zoom-in').getAttribute('aria-label'), 'Zoom in');
    await page.click('#lang');
    assert.equal(await page.locator('.maplibregl-ctrl-zoom-out').getAttribute('title'), '缩小');
  });

  test("the admins' tab is not a planner's", async () => {
    assert.equal(await page.locator('#tab-admin').isVisible(), false, "a planner sees the admins' tab");
  });

  test('a layer the role may not read is off and says why', async () => {
    const visits = page.locator('input[name=layer][value=visits]');
    assert.equal(await visits.isDisabled(), true, "a planner's visits overlay (tiles answer 403) is disabled");
    assert.equal(await page.locator('#layers-grant-note').isVisible(), true, 'a note says the grant is needed');
    assert.equal(await visits.getAttribute('aria-describedby'), 'layers-grant-note');
    await page.click('#tab-gis');
    await page.waitForFunction(() => document.querySelectorAll('#layer-list a.download').length > 0);
    for (const layer of ['households', 'visits']) {
      const links = await page.locator(`#layer-list tr[data-layer="${layer}"] a`).count();
      assert.equal(links, 0, `${layer}: ${links} download links for a planner without household_points, want none`);
      // The grant by its name in the page's words, not its code.
      assert.match(await page.locator(`#layer-list tr[data-layer="${layer}"]`).innerText(), /需要“农户点位”授权/);
    }
    assert.equal(await page.locator('#url-tj-visits').count(), 0, 'no TileJSON URL the role cannot open');
    await page.click('#tab-planner');
  });

  test("the GIS downloads say which town and window they hold, and take the hexagons' resolution", async () => {
    const town = await page.locator('#town option').nth(1).evaluate((o) => ({ code: o.value, name: o.textContent }));
    await page.selectOption('#town', town.code);
    await page.click('#tab-gis');
    const filter = await page.locator('#export-filter').innerText();
    assert.ok(filter.includes(town.name), `export filter ${JSON.stringify(filter)} names the town ${town.name} the downloads are cut to`);
    const href = await page.locator('#layer-list tr[data-layer="villages"] a').first().getAttribute('href');
    assert.ok(href.includes(`town=${town.code}`), `villages download ${href} is of town ${town.code}`);
    // (A planner is offered levels to 8: finer needs household access, review 3.)
    await page.selectOption('#export-res', '7');
    const hex = await page.locator('#layer-list tr[data-layer="h3_cells"] a').first().getAttribute('href');
    assert.match(hex, /resolution=7/, `hexagon download ${hex} takes the chosen resolution`);
    await page.click('#tab-planner');
    await page.selectOption('#town', '');
    await page.click('#tab-gis');
    assert.ok(!(await page.locator('#export-filter').innerText()).includes(town.name), 'back to every town');
    await page.click('#tab-planner');
    await mapIdle(page);
  });

  test('a village shows the same figures in the gap table, its panel and the report', async () => {
    await page.click('#tab-team');
    const teams = await apiJSON(page, '/api/v1/teams');
    const team = (Array.isArray(teams) ? teams : teams.teams)[0].code;
    await page.selectOption('#team', team);
    await page.locator('#gap-table tbody tr').first().waitFor();
    const win = await page.evaluate(() => window.lianxin.window);
    const report = await apiJSON(page, `/api/v1/reports/gaps?format=json&team=${team}&from=${win.from}&to=${win.to}`);
    const rows = report.rows || report;
    const idx = await page.locator('#gap-table th', { has: page.locator('button[data-key="special_waiting_households"]') })
      .evaluate((el) => [...el.parentElement.children].indexOf(el));
    // The report's total as the page should print it: a number, "hidden"
    // in the page's words, or the bound "≥n" the server gives for a hidden total.
    const fmt = new Intl.NumberFormat('zh-CN').format;
    const wanted = (r, v = r.special_waiting) => {
      if (typeof v === 'number') return fmt(v);
      if (v === 'hidden') return '已隐藏';
      const bound = /^≥(\d+)$/.exec(v);
      return bound ? `≥ ${fmt(Number(bound[1]))}` : v;
    };
    const kinds = new Set();
    for (const r of rows.slice(0, 12)) {
      const cell = await page.locator(`#gap-table tbody tr[data-key="${r.village_code}"] td:nth-child(${idx + 1})`).innerText();
      // The table counts households once each; the panel (below) the sum over groups.
      assert.equal(cell.trim(), wanted(r, r.special_waiting_households),
        `village ${r.village_code}: gap table shows ${cell}, the report's special_waiting_households is ${r.special_waiting_households}`);
      kinds.add(typeof r.special_waiting_households);
    }
    assert.ok(kinds.has('number'), 'some gap row has an exact special-groups total to compare');
    const first = rows.find((r) => typeof r.special_waiting === 'string') ?? rows[0];
    await page.locator(`#gap-table tbody tr[data-key="${first.village_code}"]`).click();
    await page.locator(`#village-panel[data-code="${first.village_code}"] #village-special-total`).waitFor();
    const total = await page.locator('#village-special-total').innerText();
    assert.equal(total.trim(), wanted(first), `panel of ${first.village_code}: special-groups total ${total}, want the report's ${first.special_waiting}`);
    const facts = await page.locator('#village-body .facts').first().innerText();
    assert.ok(facts.includes(new Intl.NumberFormat('zh-CN').format(first.residents_needed)),
      `panel of ${first.village_code} shows residents needed ${first.residents_needed}: ${facts}`);
    // The weekly chart's peak is readable text, not a few pixels inside the SVG.
    const size = await page.locator('#village-body .chart-note').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    assert.ok(size >= 11, `weekly chart caption font ${size}px, want ≥ 11px`);
    await shot(page, 'fieldwork-team-panel');
  });

  test('a past window counts days to its end, not "ago"', async () => {
    await page.locator('#week-to').evaluate((el) => {
      el.value = '6';
      el.dispatchEvent(new Event('change'));
    });
    await page.waitForFunction(() => window.lianxin.window.to === window.lianxin.weeks[5].to);
    const code = await page.locator('#village-panel').getAttribute('data-code');
    await page.waitForFunction((c) => {
      const dd = [...document.querySelectorAll('#village-body .facts dd')];
      return document.querySelector('#village-panel').dataset.code === c && dd.length > 0
        && !document.querySelector('#village-body .loading');
    }, code);
    const text = await page.locator('#village-body .facts').first().innerText();
    assert.ok(!/\d+ 天前/.test(text), `a window ending in week 6 says "N 天前" (days ago): ${text}`);
    assert.match(text, /窗口结束前 \d+ 天|从未走访/, 'the last visit is counted to the window\'s end');
    await page.locator('#week-to').evaluate((el) => {
      el.value = el.max;
      el.dispatchEvent(new Event('change'));
    });
    await page.click('#village-close');
  });
});

describe('a team leader', () => {
  test('is offered the offline package of their own town only', async (t) => {
    const leader = [...demoAccounts().entries()].find(([, a]) => a.role.startsWith('team_leader'));
    if (!leader) {
      t.skip('this server has no team leader account');
      return;
    }
    const browser = await launch();
    try {
      const page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
      await openApp(page, leader[0]);
      const me = await apiJSON(page, '/api/v1/auth/me');
      await page.click('#tab-gis');
      const options = await page.locator('#pmtiles-town option').evaluateAll((os) => os.map((o) => o.value));
      assert.deepEqual(options, me.towns, `${leader[0]}: offline package towns ${options}, want their own ${me.towns}`);
    } finally {
      await browser.close();
    }
  });
});

describe('an admin', () => {
  // asAdmin opens the admins' tab signed in as the demo admin and runs fn on
  // the page; skipped where the server has no admin account.
  async function asAdmin(t, fn) {
    if (!demoAccounts().has('admin')) {
      t.skip('this server has no admin account');
      return;
    }
    const browser = await launch();
    try {
      const page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
      await openApp(page, 'admin');
      await page.click('#tab-admin');
      await page.locator('#admin-user-table tbody tr').first().waitFor();
      await fn(page);
    } finally {
      await browser.close();
    }
  }

  test('lists the accounts and the audit log, and adds an account with a one-time password', (t) => asAdmin(t, async (page) => {
    const users = await page.locator('#admin-user-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.key));
    const api = await apiJSON(page, '/api/v1/admin/users');
    assert.deepEqual([...users].sort(), api.users.map((u) => u.username).sort(), 'the account table lists exactly the API\'s accounts');
    await page.locator('#admin-audit-table tbody tr').first().waitFor();
    const name = `field-${Date.now().toString(36)}`;
    await page.fill('#admin-username', name);
    await page.selectOption('#admin-role', 'team_leader');
    // The first option asks for a town (none is preselected): take the first town.
    const town = await page.locator('#admin-town option:not([value=""])').first().getAttribute('value');
    await page.selectOption('#admin-town', town);
    await page.click('#admin-add button[type=submit]');
    const password = (await page.locator('#admin-password').innerText()).trim();
    assert.ok(password.length >= 10, `one-time password ${JSON.stringify(password)}: at least 10 characters`);
    await page.locator(`#admin-user-table tbody tr[data-key="${name}"]`).waitFor();
    const after = await apiJSON(page, '/api/v1/admin/users');
    const made = after.users.find((u) => u.username === name);
    assert.deepEqual(made?.roles, [{ role: 'team_leader', town }], `account ${name}: roles ${JSON.stringify(made?.roles)}`);
    // The password works.
    const status = await page.evaluate(async ([u, p]) => (await fetch('/api/v1/auth/login', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: u, password: p }), credentials: 'omit',
    })).status, [name, password]);
    assert.equal(status, 200, `sign-in as ${name} with the shown password: ${status}`);
    await shot(page, 'fieldwork-admin');
  }));

  test('disables an account and enables it again from the tab', (t) => asAdmin(t, async (page) => {
    const name = `off-${Date.now().toString(36)}`;
    await page.fill('#admin-username', name);
    await page.selectOption('#admin-role', 'planner');
    await page.click('#admin-add button[type=submit]');
    const password = (await page.locator('#admin-password').innerText()).trim();
    const row = `#admin-user-table tbody tr[data-key="${name}"]`;
    const signIn = () => page.evaluate(async ([u, p]) => (await fetch('/api/v1/auth/login', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: u, password: p }), credentials: 'omit',
    })).status, [name, password]);
    const disabledInAPI = async () => (await apiJSON(page, '/api/v1/admin/users')).users.find((u) => u.username === name)?.disabled;

    page.once('dialog', (d) => d.accept()); // disabling asks first
    await page.locator(`${row} button.admin-toggle`, { hasText: '停用' }).click();
    await page.locator(`${row} button.admin-toggle`, { hasText: '启用' }).waitFor();
    assert.equal(await disabledInAPI(), true, `${name} is disabled in the API after Disable`);
    assert.match(await page.locator(row).innerText(), /已停用/, 'the row says disabled');
    assert.equal(await signIn(), 401, `sign-in as disabled ${name}`);

    await page.locator(`${row} button.admin-toggle`, { hasText: '启用' }).click();
    await page.locator(`${row} button.admin-toggle`, { hasText: '停用' }).waitFor();
    assert.equal(await disabledInAPI(), false, `${name} is enabled in the API after Enable`);
    assert.equal(await signIn(), 200, `sign-in as enabled ${name}`);
    // The admin's own Disable is greyed out: the server refuses it anyway.
    assert.equal(await page.locator('#admin-user-table tbody tr[data-key="admin"] button.admin-toggle').isDisabled(), true,
      'the admin\'s own Disable button is disabled');
  }));

  test('grants and revokes every role the API accepts, a member\'s with its member code', (t) => asAdmin(t, async (page) => {
    // Every demo member has an account, and a member has one account at
    // most (migration 038): granting `taken` is refused; `code` is freed
    // from its demo account for the test and given back at the end.
    const members = [...demoAccounts().keys()].filter((k) => k.startsWith('member-')).map((k) => k.slice('member-'.length));
    assert.ok(members.length >= 2, 'the demo accounts name two members');
    const [taken, code] = members;
    const write = (method, path, body) => page.evaluate(async ([m, p, b]) => {
      const me = await (await fetch('/api/v1/auth/me')).json();
      const res = await fetch(p, { method: m, headers: { 'X-CSRF-Token': me.csrf_token || '', 'Content-Type': 'application/json' }, body: b });
      if (!res.ok) throw new Error(`${m} ${p}: ${res.status} ${await res.text()}`);
    }, [method, path, JSON.stringify(body)]);
    await write('DELETE', `/api/v1/admin/users/member-${code}/roles`, { role: 'member', member: code });
    const name = `grant-${Date.now().toString(36)}`;
    await page.fill('#admin-username', name);
    await page.selectOption('#admin-role', 'planner');
    await page.click('#admin-add button[type=submit]');
    await page.locator(`#admin-user-table tbody tr[data-key="${name}"]`).waitFor();
    const offered = await page.locator('#admin-grant-role option').evaluateAll((os) => os.map((o) => o.value));
    assert.deepEqual([...offered].sort(), ['admin', 'gis', 'household_points', 'member', 'personal_fields', 'planner', 'team_leader'],
      'the grant form offers every role the API accepts');
    // A member role also carries the member's name (member_name), checked
    // to be there and then left out of the comparisons.
    const rolesInAPI = async () => (await apiJSON(page, '/api/v1/admin/users')).users.find((u) => u.username === name)?.roles
      .map(({ member_name: memberName, ...r }) => {
        if (r.member) assert.ok(typeof memberName === 'string' && memberName.length > 0, `member ${r.member}'s role names the member`);
        return r;
      });
    const result = page.locator('#admin-user-result');
    const submit = async (button) => {
      const before = await result.innerText().catch(() => '');
      await page.click(button);
      await page.waitForFunction(([b]) => {
        const el = document.getElementById('admin-user-result');
        return el && !el.hidden && el.innerText !== b;
      }, [before]);
    };

    await page.selectOption('#admin-grant-user', name);
    await page.selectOption('#admin-grant-role', 'member');
    assert.equal(await page.locator('#admin-grant-member').isVisible(), true, 'the member role shows the member code field');
    assert.equal(await page.locator('#admin-grant-town').isVisible(), false, 'the member role hides the town');
    // No code: said at once, nothing sent.
    await submit('#admin-grant-submit');
    assert.match(await result.innerText(), /队员编号/, 'a member grant without a code says the code is needed');
    assert.equal(await result.getAttribute('class'), 'error');
    // An unknown code: the server's error, shown.
    await page.fill('#admin-grant-member', 'NO-SUCH-MEMBER');
    await submit('#admin-grant-submit');
    assert.match(await result.innerText(), /NO-SUCH-MEMBER/, 'an unknown member code shows the server\'s error');
    assert.equal(await result.getAttribute('class'), 'error');
    assert.deepEqual(await rolesInAPI(), [{ role: 'planner' }], 'a refused grant changed nothing');

    // A member another account holds: the server's member_taken, worded.
    await page.fill('#admin-grant-member', taken);
    await submit('#admin-grant-submit');
    assert.match(await result.innerText(), new RegExp(`${taken}.*已关联账号 member-${taken}`), 'a taken member names the account that holds it');
    assert.equal(await result.getAttribute('class'), 'error');
    assert.deepEqual(await rolesInAPI(), [{ role: 'planner' }], 'a refused grant changed nothing');

    await page.fill('#admin-grant-member', code);
    await submit('#admin-grant-submit');
    assert.equal(await result.getAttribute('class'), 'muted', `granting member ${code}: ${await result.innerText()}`);
    assert.deepEqual(await rolesInAPI(), [{ role: 'member', member: code }, { role: 'planner' }],
      `after granting member ${code} in the tab, the API's roles of ${name}`);
    await page.locator(`#admin-user-table tbody tr[data-key="${name}"]`, { hasText: code }).waitFor();

    await page.selectOption('#admin-grant-user', name);
    await page.selectOption('#admin-grant-role', 'member');
    await page.fill('#admin-grant-member', code);
    await submit('#admin-revoke-submit');
    assert.equal(await result.getAttribute('class'), 'muted', `revoking member ${code}: ${await result.innerText()}`);
    assert.deepEqual(await rolesInAPI(), [{ role: 'planner' }], `after revoking member ${code} in the tab`);
    // The demo's member account gets its member back.
    await write('POST', `/api/v1/admin/users/member-${code}/roles`, { role: 'member', member: code });
  }));
});

describe('the sign-in form', () => {
  test('a fresh load logs no console error (the session probe is not a 401)', async (t) => {
    if (!demoAccounts().size) {
      t.skip('this server has no sign-in');
      return;
    }
    const browser = await launch();
    try {
      const page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
      const errors = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (err) => errors.push(err.message));
      const failed = [];
      page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`); });
      await page.goto(`${BASE}/`);
      await page.locator('#signin').waitFor({ state: 'visible' });
      await page.waitForLoadState('networkidle');
      assert.deepEqual(failed, [], 'failed requests before sign-in');
      assert.deepEqual(errors, [], 'console errors on a fresh load of the sign-in page');
    } finally {
      await browser.close();
    }
  });

  test('switches the language itself (the header button is behind it)', async () => {
    const browser = await launch();
    try {
      const page = await browser.newPage({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
      await page.goto(`${BASE}/`);
      await page.locator('#signin').waitFor({ state: 'visible' });
      assert.equal(await page.locator('#signin-title').innerText(), '登录');
      await page.click('#signin-lang');
      assert.equal(await page.locator('#signin-title').innerText(), 'Sign in', 'the form is in English after its language button');
      assert.equal(await page.locator('#signin-lang').innerText(), '中文');
    } finally {
      await browser.close();
    }
  });
});

describe('a phone', () => {
  let browser;
  let page;

  before(async () => {
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    await openApp(page, 'planner');
  });

  after(async () => {
    await browser?.close();
  });

  test('keeps the map in view, above the controls, and a village panel off it', async () => {
    const header = await page.locator('header.top').boundingBox();
    assert.ok(header.height <= 100, `header height ${header.height}px on a phone, want ≤ 100`);
    const map = await page.locator('#map').boundingBox();
    const sidebar = await page.locator('#sidebar').boundingBox();
    assert.ok(map.height >= 250, `map height ${map.height}px on a phone, want ≥ 250`);
    assert.ok(map.y < sidebar.y, `the map (y ${map.y}) comes before the controls (y ${sidebar.y})`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `page ${width}px wide on a 390px phone: it scrolls sideways`);
    assert.equal(await page.locator('#legend').isVisible(), false, 'the legend starts folded on a phone');
    // A village opened by name: its panel sits over the controls, not the map.
    await page.waitForFunction(() => document.querySelectorAll('#village-names option').length > 0);
    const name = await page.locator('#village-names option').first().getAttribute('value');
    await page.fill('#village-find', name);
    await page.locator('#village-find').dispatchEvent('change');
    await page.locator('#village-body .facts').first().waitFor();
    await mapIdle(page);
    const panel = await page.locator('#village-panel').boundingBox();
    const mapNow = await page.locator('#map').boundingBox();
    assert.ok(panel.y >= mapNow.y + mapNow.height - 2, `village panel top ${panel.y} covers the map (bottom ${mapNow.y + mapNow.height})`);
    await shot(page, 'fieldwork-phone-village');
  });
});
