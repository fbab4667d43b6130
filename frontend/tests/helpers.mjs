// Shared set-up of the browser tests: Debian's Chromium through
// playwright-core (no browser is ever downloaded), sign-in with the demo
// accounts, reading the map canvas's pixels, the API's JSON as the page's
// session reads it, and switching the page's language.

import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

// hexRGB is the [r, g, b] of a '#rrggbb' colour, as the page's own scales read it.
export { rgb as hexRGB } from '../src/scales.js';

export const BASE = process.env.LIANXIN_URL || 'http://127.0.0.1:8080';
export const ARTIFACTS = process.env.LIANXIN_ARTIFACTS || join(process.cwd(), '..', 'test-artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

/** launch starts Chromium; extraArgs go on its command line (--lang=en-US: the browser's own language). */
export async function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      // WebGL without a GPU: Chromium's software renderer, which it no longer
      // falls back to by itself.
      '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
      '--no-first-run', '--disable-component-update', '--disable-sync',
      ...extraArgs,
    ],
  });
}

/** demoAccounts reads `lianxin user demo` output: "  username  password  role" lines. */
export function demoAccounts() {
  const file = process.env.LIANXIN_DEMO_ACCOUNTS;
  const out = new Map();
  if (!file) return out;
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const m = /^\s+(\S+)\s+(\S+)\s+(\S+)\s*$/.exec(line);
    if (m) out.set(m[1], { password: m[2], role: m[3] });
  }
  return out;
}

/**
 * openApp loads the page and, when the server asks for sign-in, signs in
 * through the form as user. It returns once the app says it is ready.
 * base is the server's origin (the service worker test puts a proxy in front).
 */
export async function openApp(page, user = 'planner', base = BASE) {
  page.on('pageerror', (err) => console.error('page error:', err.message));
  await page.goto(`${base}/`);
  const dialog = page.locator('#signin');
  const ready = page.locator('body[data-ready="true"]');
  await Promise.race([
    dialog.waitFor({ state: 'visible', timeout: 30000 }).catch(() => {}),
    ready.waitFor({ state: 'attached', timeout: 30000 }).catch(() => {}),
  ]);
  if (await dialog.isVisible()) {
    const acct = demoAccounts().get(user);
    if (!acct) throw new Error(`the server asks for sign-in but no password for ${user} is in ${process.env.LIANXIN_DEMO_ACCOUNTS}`);
    await page.fill('#signin-user', user);
    await page.fill('#signin-pass', acct.password);
    await page.click('#signin-submit');
  }
  await ready.waitFor({ state: 'attached', timeout: 60000 });
  await mapIdle(page);
}

/** DESKTOP is the page most tests open: a laptop's screen, the page in Chinese. */
export const DESKTOP = { viewport: { width: 1366, height: 900 }, deviceScaleFactor: 1, locale: 'zh-CN' };

/** PHONE is the page of the tests of the diary and the phone layout: 390×844, touch, in Chinese. */
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' };

/** openDiary opens the app on page as user (see openApp) and its diary tab, once the form is there. */
export async function openDiary(page, user) {
  await openApp(page, user);
  await page.click('#tab-diary');
  await page.locator('#diary-form').waitFor();
}

/**
 * signedInPage opens a new page of browser (a DESKTOP one unless options
 * say otherwise) and the app on it as user (see openApp).
 */
export async function signedInPage(browser, user = 'planner', { base = BASE, options = DESKTOP } = {}) {
  const page = await browser.newPage(options);
  await openApp(page, user, base);
  return page;
}

/** openDesktop launches Chromium and opens the app as user on a DESKTOP page: { browser, page }. */
export async function openDesktop(user = 'planner') {
  const browser = await launch();
  return { browser, page: await signedInPage(browser, user) };
}

/**
 * signIn opens an API session from node (no browser) as user and returns a
 * GET bound to it: path → the answer's JSON; an answer not 2xx fails.
 */
export async function signIn(user, base = BASE) {
  const acct = demoAccounts().get(user);
  assert.ok(acct, `no password for ${user} in the demo accounts`);
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: user, password: acct.password }),
  });
  assert.equal(res.status, 200, `sign in as ${user}`);
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return async (path) => {
    const r = await fetch(`${base}${path}`, { headers: { Cookie: cookie, Accept: 'application/json' } });
    if (!r.ok) throw new Error(`GET ${path} as ${user}: ${r.status} ${await r.text()}`);
    return r.json();
  };
}

/**
 * memberSessions signs in from node as the demo accounts' first member and
 * as their town's leader (a member sees no household they have not
 * visited; the leader names some): { member, town, asMember, asLeader }.
 */
export async function memberSessions() {
  const member = [...demoAccounts().keys()].find((k) => k.startsWith('member-'));
  assert.ok(member, 'the demo accounts name a member');
  const asMember = await signIn(member);
  const me = await asMember('/api/v1/auth/me');
  const [town] = me.towns || [];
  assert.ok(town, `${member}'s session names their town: ${JSON.stringify(me)}`);
  return { member, town, asMember, asLeader: await signIn(`leader-${town}`) };
}

/** mapIdle waits until the map has drawn everything asked of it. */
export async function mapIdle(page) {
  await page.evaluate(() => window.lianxin.idle());
}

/**
 * canvasPixels reads the map canvas (drawn with preserveDrawingBuffer) into
 * RGBA bytes, downscaled by 2 to keep the comparison cheap.
 */
export async function canvasPixels(page) {
  return page.evaluate(() => {
    const src = window.lianxin.map.map.getCanvas();
    const c = document.createElement('canvas');
    c.width = Math.floor(src.width / 2);
    c.height = Math.floor(src.height / 2);
    const ctx = c.getContext('2d');
    ctx.drawImage(src, 0, 0, c.width, c.height);
    return { width: c.width, height: c.height, data: Array.from(ctx.getImageData(0, 0, c.width, c.height).data) };
  });
}

/**
 * colouredShare is the share of pixels with a clear hue: the hexagons'
 * viridis colours count, while the grey background and the grey outlines
 * of towns and villages do not.
 */
export function colouredShare({ data }) {
  let coloured = 0;
  const n = data.length / 4;
  for (let i = 0; i < data.length; i += 4) {
    const r = data[i];
    const g = data[i + 1];
    const b = data[i + 2];
    if (Math.max(r, g, b) - Math.min(r, g, b) > 40) coloured++;
  }
  return coloured / n;
}

/** changedShare is the share of pixels that differ noticeably between two frames. */
export function changedShare(a, b) {
  if (a.data.length !== b.data.length) return 1;
  let changed = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    const d = Math.abs(a.data[i] - b.data[i]) + Math.abs(a.data[i + 1] - b.data[i + 1]) + Math.abs(a.data[i + 2] - b.data[i + 2]);
    if (d > 30) changed++;
  }
  return changed / (a.data.length / 4);
}

export async function shot(page, name, opts = {}) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), ...opts });
}

/** apiJSON fetches path in the page (with its session) and returns the JSON. */
export const apiJSON = (page, path) => page.evaluate(async (p) => {
  const res = await fetch(p);
  if (!res.ok) throw new Error(`GET ${p}: ${res.status} ${await res.text()}`);
  return res.json();
}, path);

/** setLang clicks the language button until the page is in lang (zh-CN or en). */
export async function setLang(page, lang) {
  for (let i = 0; i < 2; i++) {
    const now = await page.evaluate(() => document.documentElement.lang);
    if (now.startsWith(lang.slice(0, 2))) return;
    await page.click('#lang');
  }
  assert.ok((await page.evaluate(() => document.documentElement.lang)).startsWith(lang.slice(0, 2)), `page language ${lang}`);
}

/**
 * zhMoment is how a zh-CN page shows the instant iso (the UI's dateTime):
 * its day and 24-hour time in China time, 2026年11月28日 08:49. Worked out
 * here by arithmetic, not by Intl, so it checks the page's formatting.
 */
export function zhMoment(iso) {
  const [d, time] = new Date(Date.parse(iso) + 8 * 3600e3).toISOString().split('T');
  const [y, m, day] = d.split('-');
  return `${y}年${Number(m)}月${Number(day)}日 ${time.slice(0, 5)}`;
}

/** setWeeks sets the time window to weeks [w1, w2) of the campaign. */
export async function setWeeks(page, w1, w2) {
  await page.locator('#week-from').evaluate((el, n) => { el.value = String(n); el.dispatchEvent(new Event('change')); }, w1);
  await page.locator('#week-to').evaluate((el, n) => { el.value = String(n); el.dispatchEvent(new Event('change')); }, w2);
  await mapIdle(page);
}

/** canvasBlock reads the map canvas's colours in the n × n CSS pixels from (x, y), as [r, g, b] each. */
export async function canvasBlock(page, x, y, n) {
  const data = await page.evaluate(([px, py, size]) => {
    const src = window.lianxin.map.map.getCanvas();
    const r = src.width / src.clientWidth;
    const c = document.createElement('canvas');
    c.width = size;
    c.height = size;
    const ctx = c.getContext('2d');
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(src, Math.round(px * r), Math.round(py * r), Math.round(size * r), Math.round(size * r), 0, 0, size, size);
    return Array.from(ctx.getImageData(0, 0, size, size).data);
  }, [x, y, n]);
  const out = [];
  for (let i = 0; i < data.length; i += 4) out.push(data.slice(i, i + 3));
  return out;
}

/** colourDistance is the largest difference of two [r, g, b] colours' channels. */
export const colourDistance = (a, b) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

/**
 * interiorPoints finds up to n canvas points well inside features of layer
 * that want accepts (no village or town outline within 4 px, and clear of
 * the legend), with their properties.
 */
export async function interiorPoints(page, layer, want, n = 8) {
  return page.evaluate(([lyr, wantFn, max]) => {
    const map = window.lianxin.map.map;
    const keep = new Function('p', `return (${wantFn})(p);`);
    const lines = ['villages-line', 'villages-below', 'towns-line', 'village-selected', 'h3-line'].filter((id) => map.getLayer(id));
    const canvas = map.getCanvas().getBoundingClientRect();
    const legend = document.getElementById('legend')?.getBoundingClientRect();
    const covered = (x, y) => legend && legend.width > 0 && x + canvas.left >= legend.left - 6 && x + canvas.left <= legend.right + 6
      && y + canvas.top >= legend.top - 6 && y + canvas.top <= legend.bottom + 6;
    const { clientWidth: w, clientHeight: h } = map.getCanvas();
    const out = [];
    for (let y = 40; y < h - 40 && out.length < max; y += 11) {
      for (let x = 40; x < w - 60 && out.length < max; x += 13) {
        if (covered(x, y)) continue;
        const f = map.queryRenderedFeatures([x, y], { layers: [lyr] });
        if (f.length !== 1 || !keep(f[0].properties)) continue;
        if (map.queryRenderedFeatures([[x - 4, y - 4], [x + 4, y + 4]], { layers: lines }).length > 0) continue;
        if (map.queryRenderedFeatures([[x - 4, y - 4], [x + 4, y + 4]], { layers: [lyr] }).length !== 1) continue;
        out.push({ x, y, props: f[0].properties });
      }
    }
    return out;
  }, [layer, want.toString(), n]);
}
