// Measures a team leader's first load of the web map (not a test: node
// --test does not pick up this file). Each run is a fresh browser context,
// signed in through the API before the page opens, so the load itself is
// what is timed: the gap table in the DOM (#gap-table), the page ready, and
// the map idle with every tile drawn; and every request the page made, with
// its size. BENCHMARKS.md ("Web map: a team leader's first load") says how
// it is run and what it gave.
//
//   LIANXIN_URL=http://127.0.0.1:PORT LIANXIN_DEMO_ACCOUNTS=accounts.txt \
//     [RUNS=5] [LXUSER=leader-321299101] [OUT=requests.json] node tests/team-load.bench.mjs
//
// Prints one JSON line per run (times in ms from navigation start) and the
// medians, with the floor (below); OUT gets the first run's requests, in
// order. scripts/bench.d/80-webmap.sh runs it for `make bench`.

import { writeFileSync } from 'node:fs';
import { launch, demoAccounts } from './helpers.mjs';

const BASE = process.env.LIANXIN_URL;
const runs = Number(process.env.RUNS || 5);
const user = process.env.LXUSER || [...demoAccounts().entries()].find(([, a]) => a.role.startsWith('team_leader'))?.[0];
const password = demoAccounts().get(user)?.password;
if (!BASE || !password) throw new Error('set LIANXIN_URL and LIANXIN_DEMO_ACCOUNTS (with a team leader account)');

const browser = await launch();
const results = [];
let firstRequests = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const login = await context.request.post(`${BASE}/api/v1/auth/login`, { data: { username: user, password } });
  if (!login.ok()) throw new Error(`login ${user}: ${login.status()}`);
  const page = await context.newPage();
  const requests = [];
  page.on('requestfinished', async (r) => {
    const u = new URL(r.url());
    const tm = r.timing();
    let size = 0;
    try {
      size = (await r.sizes()).responseBodySize; // as sent (gzipped)
    } catch { /* gone with the page */ }
    requests.push({ path: u.pathname + u.search, start: tm.startTime, ms: Math.round(tm.responseEnd), size });
  });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.addInitScript(() => {
    window.benchMarks = {};
    const seen = new MutationObserver(() => {
      const m = window.benchMarks;
      if (!m.gaps && document.querySelector('#gap-table')) m.gaps = performance.now();
      if (!m.ready && document.body?.dataset.ready === 'true') m.ready = performance.now();
    });
    document.addEventListener('DOMContentLoaded', () => seen.observe(document.body, { subtree: true, childList: true, attributes: true }));
  });
  await page.goto(`${BASE}/`);
  await page.locator('#gap-table').waitFor({ state: 'attached', timeout: 60000 });
  await page.locator('body[data-ready="true"]').waitFor({ state: 'attached', timeout: 60000 });
  const idle = await page.evaluate(async () => {
    const m = window.lianxin.map.map;
    while (!(m.loaded() && m.areTilesLoaded())) await new Promise((resolve) => { m.once('idle', resolve); });
    return performance.now();
  });
  await page.waitForTimeout(300); // the last requests' sizes
  const marks = await page.evaluate(() => window.benchMarks);
  const tiles = requests.filter((x) => /^\/tiles\/.*\.mvt/.test(x.path));
  const res = {
    gaps: Math.round(marks.gaps), ready: Math.round(marks.ready), idle: Math.round(idle),
    zoom: Number((await page.evaluate(() => window.lianxin.map.map.getZoom())).toFixed(2)),
    requests: requests.length, tiles: tiles.length,
    tileBytes: tiles.reduce((a, x) => a + x.size, 0), bytes: requests.reduce((a, x) => a + x.size, 0),
  };
  results.push(res);
  console.log(JSON.stringify(res));
  if (i === 0) firstRequests = requests.slice();
  if (i === 0 && process.env.OUT) {
    const t0 = Math.min(...requests.map((x) => x.start));
    writeFileSync(process.env.OUT, JSON.stringify(requests.sort((a, b) => a.start - b.start)
      .map((x) => ({ ...x, start: Math.round(x.start - t0) })), null, 1));
  }
  await context.close();
}

// The floor, same run: the API requests of the page's first load (reports,
// window, towns: everything under /api/), asked again all at once by a
// bare client with the same session, no browser; "floor" is the time until
// the last answer. The page cannot show its tables sooner than its answers
// come, so gap table ÷ floor is what the page itself adds.
const apiPaths = [...new Set(firstRequests.filter((x) => x.path.startsWith('/api/') && !x.path.startsWith('/api/v1/auth/'))
  .map((x) => x.path))];
const floorContext = await browser.newContext();
const signin = await floorContext.request.post(`${BASE}/api/v1/auth/login`, { data: { username: user, password } });
if (!signin.ok()) throw new Error(`login ${user}: ${signin.status()}`);
const floors = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const answers = await Promise.all(apiPaths.map((p) => floorContext.request.get(`${BASE}${p}`)));
  floors.push(Math.round(performance.now() - t0));
  const bad = answers.find((a) => !a.ok());
  if (bad) throw new Error(`floor: ${bad.url()} answered ${bad.status()}`);
}
await floorContext.close();
await browser.close();
const median = (k) => {
  const v = results.map((x) => x[k]).sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)];
};
const floor = floors.sort((a, b) => a - b)[Math.floor(floors.length / 2)];
console.log('median', JSON.stringify({
  ...Object.fromEntries(Object.keys(results[0]).map((k) => [k, median(k)])), floor, apiRequests: apiPaths.length,
}));
