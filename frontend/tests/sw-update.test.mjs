// A new deploy reaches a phone that keeps the app shell (sw.js). The page is
// opened through a small proxy in front of the server under test, which
// serves the server's build as it is ("build A"), then as the next deploy
// would look ("build B": another index.html naming a new hashed stylesheet,
// and a sw.js with another version and that file in its shell), then
// with only a public file changed ("build C": what a new favicon.svg is,
// with index.html, the hashed files and so sw.js unchanged). The member
// gets build B on the first reload after the deploy, the worker of build
// B takes over and drops build A's shell, and the page still opens offline,
// as build B; a changed public file is seen on the first reload too.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';

import { BASE, demoAccounts, launch, openApp } from './helpers.mjs';

/** shellCaches lists CacheStorage's caches, each with the paths it keeps. */
const shellCaches = (page) => page.evaluate(async () => {
  const out = {};
  for (const name of await caches.keys()) {
    out[name] = (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname);
  }
  return out;
});

/** cachesBecome waits, at most ms, until CacheStorage holds exactly the named caches; it returns what it holds. */
async function cachesBecome(page, names, ms) {
  let kept = {};
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => { setTimeout(r, 200); })) {
    kept = await shellCaches(page);
    if (Object.keys(kept).sort().join() === [...names].sort().join()) break;
  }
  return kept;
}

/** build reads which build the page came from (the proxy marks each index.html) and whether build B's stylesheet applies. */
const build = (page) => page.evaluate(() => {
  const marked = document.querySelector('meta[name="lianxin-build"]')?.content || '';
  const styled = getComputedStyle(document.documentElement).getPropertyValue('--lianxin-build').trim().replaceAll('"', '');
  return styled ? `${marked}, styled ${styled}` : marked;
});

describe('a new deploy reaches a phone that keeps the shell', () => {
  let proxy;
  let origin;
  let serving = 'A';
  let versionA = '';
  let versionB = '';
  let entryA = '';
  // Build B's own hashed file: a stylesheet that marks the page as build B.
  const cssB = '/assets/build-b-4f2a9c.css';
  const cssBText = ':root { --lianxin-build: "B"; }\n';
  const faviconC = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><!-- build C --><circle cx="8" cy="8" r="7"/></svg>';
  let browser;
  let context;
  let page;

  before(async () => {
    const sw = await (await fetch(`${BASE}/sw.js`)).text();
    versionA = /const VERSION = '([0-9a-f]{16})'/.exec(sw)?.[1];
    assert.ok(versionA, 'the server\'s sw.js names its build\'s version');
    versionB = createHash('sha256').update(`${versionA} then B`).digest('hex').slice(0, 16);
    const index = await (await fetch(`${BASE}/`)).text();
    entryA = /<script type="module" crossorigin src="(\/assets\/index-[^"]+\.js)"/.exec(index)?.[1];
    assert.ok(entryA, `the page's entry script in ${index.slice(0, 300)}`);

    // The proxy: the API and everything else as the server answers; the
    // build's own files as build A, B or C.
    proxy = createServer(async (req, res) => {
      try {
        const url = new URL(req.url, 'http://proxy');
        if (serving !== 'A' && url.pathname === cssB) {
          res.writeHead(200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=31536000, immutable' });
          res.end(cssBText);
          return;
        }
        const headers = { ...req.headers };
        for (const k of ['host', 'connection', 'accept-encoding', 'if-none-match', 'if-modified-since']) delete headers[k];
        const chunks = [];
        for await (const c of req) chunks.push(c);
        const up = await fetch(`${BASE}${req.url}`, {
          method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined, redirect: 'manual',
        });
        const out = {};
        for (const [k, v] of up.headers) if (!['content-encoding', 'content-length', 'transfer-encoding', 'set-cookie', 'etag', 'last-modified'].includes(k)) out[k] = v;
        const cookies = up.headers.getSetCookie();
        if (cookies.length) out['set-cookie'] = cookies;
        let body = Buffer.from(await up.arrayBuffer());
        const isPage = /^text\/html/.test(up.headers.get('content-type') || '') && !/^\/(api|tiles|ogc)(\/|$)/.test(url.pathname);
        if (isPage) {
          let html = body.toString('utf8').replace('<head>', `<head>\n  <meta name="lianxin-build" content="${serving}">`);
          if (serving !== 'A') html = html.replace('</head>', `  <link rel="stylesheet" crossorigin href="${cssB}">\n</head>`);
          body = Buffer.from(html);
        } else if (url.pathname === '/sw.js' && serving !== 'A') {
          body = Buffer.from(body.toString('utf8').replace(`'${versionA}'`, `'${versionB}'`).replace(`"${entryA}"`, `"${entryA}","${cssB}"`));
        } else if (url.pathname === '/favicon.svg' && serving === 'C') {
          body = Buffer.from(faviconC);
        }
        res.writeHead(up.status, out);
        res.end(body);
      } catch (err) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(String(err));
      }
    });
    await new Promise((resolve) => { proxy.listen(0, '127.0.0.1', resolve); });
    // 127.0.0.1 is a secure context: service workers run on plain http there.
    origin = `http://127.0.0.1:${proxy.address().port}`;

    const member = [...demoAccounts().keys()].find((k) => k.startsWith('member-'));
    assert.ok(member, 'the demo accounts name a member');
    browser = await launch();
    context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    page = await context.newPage();
    await openApp(page, member, origin);
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => { proxy?.close(resolve); proxy?.closeAllConnections?.(); });
  });

  test('build A: the page, and the worker keeps build A\'s shell', async () => {
    assert.equal(await build(page), 'A');
    const kept = await cachesBecome(page, [`lianxin-shell-${versionA}`], 30000);
    assert.deepEqual(Object.keys(kept), [`lianxin-shell-${versionA}`], 'the caches once the worker is in place');
    assert.ok(kept[`lianxin-shell-${versionA}`].includes(entryA), `build A's shell keeps its entry script ${entryA}: ${JSON.stringify(kept)}`);
    assert.ok(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)), 'the worker controls the page');
  });

  test('build B is deployed: the first reload shows it, and build A\'s shell is dropped', async () => {
    serving = 'B';
    await page.reload();
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 60000 });
    assert.equal(await build(page), 'B, styled B', 'the page after one reload (want build B, with its stylesheet)');
    // The new worker installs beside the page and takes over; the old shell goes.
    const caches = await cachesBecome(page, [`lianxin-shell-${versionB}`], 30000);
    assert.deepEqual(Object.keys(caches), [`lianxin-shell-${versionB}`], 'the caches (at most 30 s) after the reload: build B\'s shell alone');
    const kept = caches[`lianxin-shell-${versionB}`];
    assert.ok(kept.includes(cssB) && kept.includes(entryA), `build B's shell: ${kept}`);
    const shellPage = await page.evaluate(async (name) => (await (await caches.open(name)).match('/')).text(), `lianxin-shell-${versionB}`);
    assert.match(shellPage, /<meta name="lianxin-build" content="B">/, 'the page build B\'s shell keeps is build B\'s');
  });

  test('after the update the page opens offline, as build B', async () => {
    await context.setOffline(true);
    try {
      await page.reload();
      await page.locator('body[data-offline="true"] #tab-diary:not([hidden])').waitFor({ timeout: 30000 });
      assert.equal(await build(page), 'B, styled B', 'the page offline (want build B, with its stylesheet from the shell)');
      await page.locator('#diary-form').waitFor();
    } finally {
      await context.setOffline(false);
    }
  });

  test('a changed public file (same build version) is seen on the first reload', async () => {
    serving = 'C';
    await page.reload();
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 60000 });
    const icon = await page.evaluate(async () => (await fetch('/favicon.svg')).text());
    assert.equal(icon, faviconC, 'favicon.svg as the page gets it, after build C changed it');
    // And offline, the latest copy.
    await context.setOffline(true);
    try {
      const offlineIcon = await page.evaluate(async () => (await fetch('/favicon.svg')).text());
      assert.equal(offlineIcon, faviconC, 'favicon.svg offline, from the shell');
    } finally {
      await context.setOffline(false);
    }
  });
});
