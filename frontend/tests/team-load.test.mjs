// A team leader's first load of the web map: the team's tables come without
// waiting for the map's code, and the map asks only tiles of the leader's
// own town, each once. And the layers a user may read come from the server
// (/auth/session's list, Scope.MayReadLayer): a planner sees the household
// layers greyed out, a GIS user with the household grant does not.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, openApp, demoAccounts, mapIdle } from './helpers.mjs';

const leaderName = () => [...demoAccounts().entries()].find(([, a]) => a.role.startsWith('team_leader'))?.[0];

/** signIn signs the browser context in through the API, as the form would. */
async function signIn(context, username, password) {
  const res = await context.request.post(`${BASE}/api/v1/auth/login`, { data: { username, password } });
  assert.equal(res.status(), 200, `POST /auth/login as ${username} = ${res.status()}, want 200`);
  return res.json();
}

/** tileBounds is a z/x/y tile's [west, south, east, north] in degrees. */
function tileBounds(z, x, y) {
  const n = 2 ** z;
  const lat = (yy) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * yy) / n))) * 180) / Math.PI;
  return [(x / n) * 360 - 180, lat(y + 1), ((x + 1) / n) * 360 - 180, lat(y)];
}

describe("a team leader's first load", () => {
  let browser;
  let leader;
  before(async (t) => {
    leader = leaderName();
    if (!leader) {
      t.skip('this server has no team leader account');
      return;
    }
    browser = await launch();
  });
  after(async () => { await browser?.close(); });

  test('the team tables do not wait for the map', async (t) => {
    if (!browser) return t.skip();
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    try {
      await signIn(context, leader, demoAccounts().get(leader).password);
      const page = await context.newPage();
      // The map's code never arrives: the tables must come all the same.
      let held = 0;
      await page.route(/\/assets\/map-[^/]*\.js$/, () => { held++; });
      await page.goto(`${BASE}/`);
      await page.locator('#gap-table').waitFor({ state: 'attached', timeout: 30000 });
      await page.locator('#members table').waitFor({ state: 'attached', timeout: 30000 });
      assert.ok(held > 0, 'the page asked for the map code (else this test proves nothing)');
      const state = await page.evaluate(() => ({ map: Boolean(window.lianxin.map), ready: document.body.dataset.ready || '' }));
      assert.deepEqual(state, { map: false, ready: '' }, `with the map code held back: ${JSON.stringify(state)}, want no map and not ready`);
      const { team, win } = await page.evaluate(() => ({ team: window.lianxin.team.team.code, win: window.lianxin.window }));
      const api = await page.evaluate(async ({ team, win }) => (await (await fetch(`/api/v1/reports/gaps?format=json&team=${team}&from=${win.from}&to=${win.to}`)).json()).rows, { team, win });
      const rows = await page.locator('#gap-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.key));
      assert.deepEqual(rows, api.map((r) => r.village_code), `gap table rows ${rows.join(',')}, want the API's ${api.map((r) => r.village_code).join(',')}`);
    } finally {
      await context.close();
    }
  });

  test("the map asks tiles of the leader's own town only, each once", async (t) => {
    if (!browser) return t.skip();
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    try {
      const me = await signIn(context, leader, demoAccounts().get(leader).password);
      const page = await context.newPage();
      const tiles = [];
      page.on('request', (r) => {
        const u = new URL(r.url());
        if (/^\/tiles\/[^/]+\/\d+\/\d+\/\d+\.mvt$/.test(u.pathname)) tiles.push(u.pathname + u.search);
      });
      await openApp(page, leader);
      await mapIdle(page);
      assert.ok(tiles.length > 0, 'the map asked no tiles');
      const dup = tiles.filter((u, i) => tiles.indexOf(u) !== i);
      assert.deepEqual(dup, [], `tiles asked more than once on first load: ${dup.join(' ; ')}`);
      const towns = await page.evaluate(async () => (await fetch('/api/v1/towns')).json());
      const own = towns.filter((x) => me.towns.includes(x.code));
      assert.ok(own.length > 0 && own.every((x) => Array.isArray(x.bbox)), `own towns ${me.towns} with their bbox in /api/v1/towns`);
      const outside = tiles.filter((u) => {
        const [z, x, y] = u.split('?')[0].match(/(\d+)\/(\d+)\/(\d+)\.mvt$/).slice(1).map(Number);
        const [w, s, e, n] = tileBounds(z, x, y);
        return !own.some(({ bbox: b }) => w < b[2] && e > b[0] && s < b[3] && n > b[1]);
      });
      assert.deepEqual(outside, [], `tiles asked away from the leader's towns ${me.towns}: ${outside.join(' ; ')}`);
    } finally {
      await context.close();
    }
  });
});

describe('the layers a user may read come from the server', () => {
  let browser;
  before(async () => { browser = await launch(); });
  after(async () => { await browser?.close(); });

  /** check opens the page as the signed-in context's user and reads how each household layer is offered. */
  const check = async (context, login) => {
    const page = await context.newPage();
    await openApp(page, login);
    const got = await page.evaluate(async () => {
      const me = await (await fetch('/api/v1/auth/me')).json();
      const box = (v) => document.querySelector(`input[name=layer][value="${v}"]`);
      const row = (l) => document.querySelector(`#layer-list tr[data-layer="${l}"]`);
      return {
        pageLayers: window.lianxin.user.layers,
        meLayers: me.layers,
        visitsBox: box('visits').disabled,
        contactBox: box('contact_points').disabled,
        note: !document.getElementById('layers-grant-note').hidden,
        rows: Object.fromEntries(['households', 'visits', 'villages'].map((l) => [l, {
          greyed: Boolean(row(l)?.querySelector('.needs-grant')),
          links: row(l)?.querySelectorAll('a.download').length || 0,
          tilejson: Boolean(document.getElementById(`url-tj-${l}`)),
        }])),
      };
    });
    await page.close();
    return got;
  };

  test('a planner sees households and visits greyed out', async (t) => {
    if (!demoAccounts().get('planner')) return t.skip('no planner account');
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    try {
      await signIn(context, 'planner', demoAccounts().get('planner').password);
      const got = await check(context, 'planner');
      assert.deepEqual(got.pageLayers, got.meLayers, 'the page reads the layers from the server');
      assert.ok(Array.isArray(got.meLayers) && !got.meLayers.includes('households') && !got.meLayers.includes('visits') && got.meLayers.includes('villages'),
        `/auth/me layers of a planner: ${got.meLayers}; want villages, no households or visits`);
      assert.equal(got.visitsBox, true, 'the visits overlay is disabled for a planner');
      assert.equal(got.contactBox, false, 'the contact points overlay stays on offer');
      assert.equal(got.note, true, 'the note says why');
      for (const l of ['households', 'visits']) {
        assert.deepEqual(got.rows[l], { greyed: true, links: 0, tilejson: false }, `${l} for a planner: ${JSON.stringify(got.rows[l])}, want greyed, no downloads, no TileJSON`);
      }
      assert.equal(got.rows.villages.greyed, false, 'villages are not greyed');
      assert.ok(got.rows.villages.links > 0 && got.rows.villages.tilejson, `villages for a planner: ${JSON.stringify(got.rows.villages)}, want downloads and TileJSON`);
    } finally {
      await context.close();
    }
  });

  test('a GIS user with the household grant sees them offered', async (t) => {
    const admin = demoAccounts().get('admin');
    if (!admin) return t.skip('no admin account');
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    try {
      // A GIS account with household_points, added as an admin would.
      const adminCtx = await browser.newContext();
      const adminMe = await signIn(adminCtx, 'admin', admin.password);
      const username = `gis-hh-${Date.now().toString(36)}`;
      const password = `pw-${Math.random().toString(36).slice(2)}-${Date.now()}`;
      const res = await adminCtx.request.post(`${BASE}/api/v1/admin/users`, {
        data: { username, password, roles: [{ role: 'gis' }, { role: 'household_points' }] },
        headers: { 'X-CSRF-Token': adminMe.csrf_token },
      });
      assert.equal(res.status(), 201, `POST /admin/users ${username} = ${res.status()} ${await res.text()}, want 201`);
      await adminCtx.close();

      await signIn(context, username, password);
      const got = await check(context, username);
      assert.deepEqual(got.pageLayers, got.meLayers, 'the page reads the layers from the server');
      assert.ok(got.meLayers.includes('households') && got.meLayers.includes('visits'), `/auth/me layers: ${got.meLayers}; want households and visits`);
      assert.equal(got.visitsBox, false, 'the visits overlay is on offer');
      assert.equal(got.note, false, 'no note about a missing grant');
      for (const l of ['households', 'visits']) {
        assert.equal(got.rows[l].greyed, false, `${l} greyed for a GIS user with the grant`);
        assert.ok(got.rows[l].links > 0 && got.rows[l].tilejson, `${l}: ${JSON.stringify(got.rows[l])}, want downloads and its TileJSON`);
      }
    } finally {
      await context.close();
    }
  });
});
