// The page without network, on a phone that has opened it once: the service
// worker's app shell opens it, a signed-in member reaches the diary tab and
// queues an entry, which is sent exactly once when the network is back;
// CacheStorage never holds an API, tile or OGC answer; signed out, the page
// opens at the sign-in form, which says it needs the network.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { BASE, PHONE, launch, memberSessions, openApp, shot } from './helpers.mjs';

/** cachedURLs lists every request kept in the page's CacheStorage, by cache. */
const cachedURLs = (page) => page.evaluate(async () => {
  const out = {};
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    out[name] = (await cache.keys()).map((r) => new URL(r.url).pathname);
  }
  return out;
});

/** shellReady waits for the service worker to be active, with the shell kept. */
const shellReady = (page) => page.evaluate(async () => {
  const reg = await navigator.serviceWorker.ready;
  return reg.active?.scriptURL || '';
});

test('the server gives /sw.js, revalidated, naming this build\'s files', async () => {
  const res = await fetch(`${BASE}/sw.js`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/javascript/);
  assert.equal(res.headers.get('cache-control'), 'no-cache', 'a new build\'s worker is seen on the next load');
  const src = await res.text();
  const version = /const VERSION = '([0-9a-f]{16})'/.exec(src)?.[1];
  assert.ok(version, 'the build filled in its version');
  const shell = JSON.parse(/JSON\.parse\('(.*)'\)/.exec(src)[1]);
  // (The server under test serves the build in dist/, which the tests run beside.)
  const built = readdirSync(join(import.meta.dirname, '..', 'dist', 'assets')).map((f) => `/assets/${f}`);
  assert.deepEqual(shell.filter((u) => u.startsWith('/assets/')).sort(), built.sort(), 'the shell is every built asset');
  assert.ok(shell.includes('/') && shell.includes('/favicon.svg'), `the page and the public files: ${shell}`);
  assert.deepEqual(shell.filter((u) => /^\/(api|tiles|ogc)(\/|$)/.test(u)), []);
});

describe('the page opens offline', () => {
  let browser;
  let context;
  let page;
  let member;
  let household;
  let asMember; // GET as the member, from node

  before(async () => {
    let asLeader;
    ({ member, asMember, asLeader } = await memberSessions());
    const items = await asLeader('/ogc/collections/households/items?limit=20');
    household = items.features[items.features.length - 1].properties.external_id;
    assert.ok(household, 'a household of the member\'s town');

    browser = await launch();
    context = await browser.newContext(PHONE);
    page = await context.newPage();
    await openApp(page, member);
  });

  after(async () => {
    await browser?.close();
  });

  test('the service worker keeps the app shell, and nothing of the API', async () => {
    const script = await shellReady(page);
    assert.match(script, /\/sw\.js$/, 'the service worker is /sw.js');
    const kept = await cachedURLs(page);
    const names = Object.keys(kept);
    assert.equal(names.length, 1, `one cache, this build's shell: ${names}`);
    assert.match(names[0], /^lianxin-shell-[0-9a-f]{16}$/);
    const urls = kept[names[0]];
    assert.ok(urls.includes('/'), `the shell keeps the page: ${urls}`);
    assert.ok(urls.some((u) => /^\/assets\/index-.+\.js$/.test(u)), `the shell keeps the page's script: ${urls}`);
    assert.ok(urls.some((u) => /^\/assets\/.+\.css$/.test(u)), `the shell keeps the styles: ${urls}`);
  });

  test('offline, a reload opens the diary and an entry waits; online, it is sent once', async () => {
    const before = (await asMember('/api/v1/diary?limit=500')).entries.filter((e) => e.household === household);
    await context.setOffline(true);
    // The worker's own requests are offline too: the page comes from the shell.
    const [worker] = context.serviceWorkers();
    assert.ok(worker, 'a service worker runs');
    assert.equal(await worker.evaluate(() => fetch('/favicon.svg?probe').then(() => 'reached', () => 'offline')), 'offline',
      'the service worker reaches no network');
    await page.reload();
    await page.locator('#tab-diary:not([hidden])').waitFor({ timeout: 20000 });
    assert.equal(await page.locator('body').getAttribute('data-offline'), 'true', 'the page knows it is offline');
    assert.match(await page.locator('#status').innerText(), /离线/, 'the banner says the page is offline');
    assert.equal(await page.locator('#user-name').innerText(), member, 'the remembered member');
    await page.locator('#diary-form').waitFor();
    await page.fill('#diary-household', household);
    await page.fill('#diary-notes', '断网时打开页面记录');
    await page.click('#diary-submit');
    await page.locator('#diary-queue-state[data-waiting="1"]', { hasText: '离线' }).waitFor({ timeout: 15000 });
    assert.match(await page.locator('#diary-queue-state').innerText(), /离线.*联网后自动发送/, 'the queue says it will be sent');
    const [{ entry }] = await page.evaluate(() => window.lianxin.diary.queue());
    await shot(page, 'offline-diary');
    // Offline in English: the banner and the diary alike (no Chinese left over).
    await page.click('#lang');
    try {
      assert.match(await page.locator('#status').innerText(), /^Offline: /, 'the offline banner after switching to English');
      const notice = await page.locator('#diary-notice').innerText();
      assert.match(notice, new RegExp(`^Kept on this phone: ${household}\\.`), `the notice under the button: ${notice}`);
      for (const sel of ['#status', '#view-diary form', '#diary-queue-state']) {
        assert.doesNotMatch(await page.locator(sel).innerText(), /[\u3400-\u9fff]/, `${sel} in English still shows Chinese`);
      }
    } finally {
      await page.click('#lang');
    }

    // Nothing personal in any cache, even after the API and tiles were used online.
    const kept = await cachedURLs(page);
    const leaked = Object.values(kept).flat().filter((u) => /^\/(api|tiles|ogc)(\/|$)/.test(u));
    assert.deepEqual(leaked, [], `API, tile or OGC answers in CacheStorage: ${JSON.stringify(kept)}`);

    await context.setOffline(false);
    await page.locator('#diary-queue-state[data-waiting="0"]').waitFor({ timeout: 45000 });
    // Back online, the banner offers to load the map; on the phone its
    // buttons keep their words on one line ("重试", not "重" over "试").
    await page.locator('#status:not([hidden])', { hasText: '已恢复联网' }).waitFor({ timeout: 15000 });
    const wrapped = await page.$$eval('#status button', (bs) => bs.map((b) => {
      const r = document.createRange();
      r.selectNodeContents(b);
      return { text: b.textContent, lines: new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size };
    }));
    assert.ok(wrapped.length >= 2, `the banner's buttons: ${JSON.stringify(wrapped)}`);
    assert.deepEqual(wrapped.filter((b) => b.lines !== 1), [], 'banner buttons whose words wrap');
    const after = (await asMember('/api/v1/diary?limit=500')).entries.filter((e) => e.household === household);
    assert.equal(after.filter((e) => e.id === entry.id).length, 1, `entries with id ${entry.id}: want 1 in ${JSON.stringify(after.map((e) => e.id))}`);
    assert.equal(after.length, before.length + 1, `entries at ${household}: ${after.length}, want ${before.length} + 1`);
    assert.equal(after.find((e) => e.id === entry.id).notes, '断网时打开页面记录');
    await page.locator(`#diary-entries tr[data-key="${entry.id}"]`).waitFor({ timeout: 15000 });
  });

  test('a server that does not answer (a weak signal): the diary opens from the shell all the same', async () => {
    // The page and the first API call hang, as on a phone with one bar of
    // signal, where a request can wait a minute before it fails.
    const held = [];
    const hold = (route) => { held.push(route); };
    const hanging = (url) => url.pathname === '/' || url.pathname === '/api/v1/config';
    await context.route(hanging, hold);
    try {
      await page.reload({ timeout: 30000 });
      await page.locator('body[data-offline="true"] #tab-diary:not([hidden])').waitFor({ timeout: 30000 });
      await page.locator('#diary-form').waitFor();
      assert.ok(held.some((r) => new URL(r.request().url()).pathname === '/'), 'the page was asked of the server (and never answered)');
    } finally {
      await context.unroute(hanging, hold);
      await Promise.all(held.map((r) => r.abort().catch(() => {})));
    }
  });

  test('signed out, the page opens offline at the sign-in form, which needs the network', async () => {
    await page.reload();
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 60000 });
    await page.click('#sign-out');
    await page.locator('#signin').waitFor({ state: 'visible', timeout: 20000 });
    await context.setOffline(true);
    try {
      await page.reload();
      await page.locator('#signin').waitFor({ state: 'visible', timeout: 20000 });
      assert.match(await page.locator('#signin-error').innerText(), /离线/, 'the form says signing in needs the network');
      assert.equal(await page.locator('#tab-diary').isVisible(), false, 'no one\'s diary without signing in');
      assert.equal(await page.evaluate(() => localStorage.getItem('lianxin.lastUser')), null, 'signing out forgot the user');
      await shot(page, 'offline-signin');
    } finally {
      await context.setOffline(false);
    }
  });
});
