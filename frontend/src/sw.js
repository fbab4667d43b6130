// The service worker: keeps the app shell — index.html and this build's
// hashed scripts, styles and assets — so the page opens on a phone with no
// network, where a member can still write diary entries into the queue.
//
// It keeps nothing else. The API, the tiles and the OGC API carry households
// and diaries: their answers never go into a cache, and this worker does not
// even look at those requests (the browser sends them as if it were not
// here). Online, a page load still goes to the server first, so a new
// release shows at once; the cached shell answers only when the network
// fails, or the server has not answered within seconds (a weak signal).
//
// A deploy reaches a phone on its first load (or reload) online after it:
// the page comes from the server and names the new build's hashed files;
// during that load the browser finds the new sw.js (served no-cache), whose
// version differs, installs it with the new shell, and it takes over at
// once (skipWaiting, clients.claim) and deletes every older shell; from
// then on the page opens offline as the new build. tests/sw-update.test.mjs
// checks this. Files kept under their own names (index.html as "/", the
// public files such as favicon.svg) may change while the version does not
// (the version hashes the file names and index.html, not public files'
// contents): they too go to the server first, and the copy kept is
// refreshed from its answer; only hashed files (/assets/) are answered from
// the shell without asking.
//
// vite.config.js emits this file as /sw.js with the two values below filled
// in: the build's version (a hash of its files) and the files to keep.

const VERSION = '__LIANXIN_BUILD__';
const SHELL = JSON.parse('__LIANXIN_SHELL__'); // ['/', '/assets/index-1a2b.js', …]
const PREFIX = 'lianxin-shell-';
const CACHE = PREFIX + VERSION;
// Never answered from, or written to, a cache: personal data lives here.
const PRIVATE = ['/api/', '/tiles/', '/ogc/'];
// On a phone's weak signal a request may hang for a minute before it fails:
// a page load waits this long for the server, then the kept shell answers.
const NAVIGATE_WAIT_MS = 6000;
const isPrivate = (path) => path === '/api' || path === '/tiles' || path === '/ogc' || PRIVATE.some((p) => path.startsWith(p));

self.addEventListener('install', (event) => {
  // Where the browser knows static routes (Chromium 123+), the private paths
  // skip this worker altogether: a tile waits for no worker start-up or
  // fetch event. Elsewhere the fetch handler lets them pass.
  if (event.addRoutes) {
    event.waitUntil(event.addRoutes(PRIVATE.map((p) => ({ condition: { urlPattern: { pathname: `${p}*` } }, source: 'network' })))
      .catch(() => {}));
  }
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // The HTTP cache may answer: hashed files never change, and index.html
    // and the public files are revalidated (no-cache) by the server's rule.
    await cache.addAll(SHELL);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    // Earlier builds' shells, and any cache this worker does not know.
    for (const name of await caches.keys()) {
      if (name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || isPrivate(url.pathname)) return;
  if (req.mode === 'navigate') {
    // The page itself: the server's, or the kept shell when it cannot be
    // reached, or does not answer in time (the page then finds out for itself
    // whether the API answers: main.js boot).
    event.respondWith((async () => {
      const network = fetch(req);
      network.catch(() => {}); // a late failure, once the shell has answered
      let timer = 0;
      const slow = new Promise((resolve) => { timer = setTimeout(resolve, NAVIGATE_WAIT_MS, null); });
      try {
        const res = await Promise.race([network, slow]);
        if (res) return res;
      } catch {
        // No network: the shell.
      } finally {
        clearTimeout(timer);
      }
      return (await caches.match('/', { cacheName: CACHE })) || network;
    })());
    return;
  }
  if (!SHELL.includes(url.pathname)) return;
  if (url.pathname.startsWith('/assets/')) {
    // A hashed file never changes: the kept copy, else the network.
    event.respondWith((async () => (await caches.match(url.pathname, { cacheName: CACHE })) || fetch(req))());
    return;
  }
  // A public file keeps its name across builds: the server's copy (kept for
  // next time), else, offline or slow, the kept one.
  event.respondWith((async () => {
    const network = fetch(req);
    network.catch(() => {});
    let timer = 0;
    const slow = new Promise((resolve) => { timer = setTimeout(resolve, NAVIGATE_WAIT_MS, null); });
    try {
      const res = await Promise.race([network, slow]);
      if (res && res.ok) {
        const copy = res.clone();
        event.waitUntil(caches.open(CACHE).then((cache) => cache.put(url.pathname, copy)).catch(() => {}));
        return res;
      }
      if (res) return res;
    } catch {
      // No network: the kept copy.
    } finally {
      clearTimeout(timer);
    }
    return (await caches.match(url.pathname, { cacheName: CACHE })) || network;
  })());
});
