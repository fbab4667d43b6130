// lianxin's web map: boots the page, signs in when the server asks for it,
// and wires the three views (planners, team leaders, GIS staff) to the map.

import './style.css';
import { ApiError, apiFetch, onUnauthorized, setCsrfToken } from './api.js';
import { api, mayReadLayer, userTowns } from './endpoints.js';
import { boundsOf } from './geo.js';
import { applyI18n, initialLang, lang, onLangChange, setLang, t } from './i18n.js';
import { initGIS } from './gis.js';
import { initAdmin } from './admin.js';
import { initImports, mountImports } from './imports.js';
import { initDiary, mayWriteDiary, mountDiary } from './diary.js';
import { initDiarySearch, mountDiarySearch } from './diary-search.js';
import { initForecast } from './forecast.js';
import { initSpotCheck } from './spotcheck.js';
import { initVillagePanel } from './village.js';
import { clearStatus, describeError, showStatus } from './ui.js';
import { initAuth, rememberedUser } from './auth.js';
import { campaignWeeks } from './weeks.js';

// How long the page waits for the server's first answer before it opens offline.
const CONFIG_WAIT_MS = 8000;
// How long the map waits for a team leader's route before it opens on their town.
const FIRST_PLAN_WAIT_MS = 1500;

const app = {
  map: null,
  towns: [], // [{id, code, name}]
  weeks: [], // [{index, from: 'YYYY-MM-DD', to: 'YYYY-MM-DD'}]
  window: { from: '', to: '' },
  listeners: {},
  on(event, fn) {
    (this.listeners[event] ||= []).push(fn);
  },
  emit(event, ...args) {
    (this.listeners[event] || []).forEach((fn) => fn(...args));
  },
};
window.lianxin = app; // for the browser tests and the curious

/** idle resolves once the map has drawn everything asked of it so far. */
app.idle = () => new Promise((resolve) => {
  const m = app.map?.map;
  if (!m) {
    resolve();
    return;
  }
  m.once('idle', resolve);
  m.triggerRepaint();
});

function initLanguage() {
  setLang(initialLang());
  // The header's button, and the sign-in form's (the modal form hides the header's).
  const buttons = [document.getElementById('lang'), document.getElementById('signin-lang')];
  const label = () => {
    for (const btn of buttons) {
      btn.textContent = t('app.langButton');
      btn.setAttribute('lang', lang() === 'en' ? 'zh-CN' : 'en');
      btn.setAttribute('aria-label', t('app.langLabel'));
    }
  };
  label();
  for (const btn of buttons) btn.addEventListener('click', () => setLang(lang() === 'en' ? 'zh-CN' : 'en'));
  onLangChange(label);
}

function initTabs() {
  const tabs = [...document.querySelectorAll('[role=tab]')];
  const select = (tab, focus) => {
    for (const other of tabs) {
      const on = other === tab;
      other.setAttribute('aria-selected', String(on));
      other.tabIndex = on ? 0 : -1;
      document.getElementById(other.getAttribute('aria-controls')).hidden = !on;
    }
    if (focus) tab.focus();
    // On a phone the tabs scroll sideways in one row: the chosen one in view.
    tab.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
    document.body.dataset.view = tab.dataset.view;
    app.emit('view', tab.dataset.view);
  };
  tabs.forEach((tab) => {
    tab.addEventListener('click', () => select(tab));
    tab.addEventListener('keydown', (e) => {
      // Arrow keys skip tabs hidden from this role (the admins' tab).
      const shown = tabs.filter((x) => !x.hidden);
      const at = shown.indexOf(tab);
      const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
      if (step) select(shown[(at + step + shown.length) % shown.length], true);
      if (e.key === 'Home') select(shown[0], true);
      if (e.key === 'End') select(shown[shown.length - 1], true);
    });
  });
  app.selectView = (view) => select(tabs.find((x) => x.dataset.view === view));
  document.body.dataset.view = 'planner';
}

/**
 * landingView is the tab a user opens on after signing in: their own work.
 * A team leader's is their team (the next villages to visit), a member's the
 * diary; an account that is admin and nothing else its accounts; a planner,
 * GIS staff or an admin with another role opens on the county's map.
 */
function landingView(user) {
  const roles = new Set(user?.roles || []);
  // An account that only administers opens on the accounts (用户).
  if (roles.has('admin') && !['planner', 'gis', 'team_leader', 'member'].some((r) => roles.has(r))) return 'admin';
  if (['planner', 'gis', 'admin'].some((r) => roles.has(r))) return 'planner';
  if (roles.has('team_leader')) return 'team';
  // Every member keeps the diary (mayWriteDiary reads the roles alone; the
  // diary tab asks a member without a grant of their own which member).
  if (roles.has('member')) return 'diary';
  return 'planner';
}

function initSidebarToggle() {
  const btn = document.getElementById('sidebar-toggle');
  const body = document.getElementById('sidebar-body');
  btn.addEventListener('click', () => {
    const open = btn.getAttribute('aria-expanded') !== 'true';
    btn.setAttribute('aria-expanded', String(open));
    body.hidden = !open;
    btn.textContent = t(open ? 'app.hidePanel' : 'app.showPanel');
    document.body.classList.toggle('sidebar-closed', !open);
    app.map?.map.resize();
  });
  onLangChange(() => {
    btn.textContent = t(btn.getAttribute('aria-expanded') === 'true' ? 'app.hidePanel' : 'app.showPanel');
  });
}

/** townList is the towns as the views keep them, in code order. */
function townList(towns) {
  return towns.map((x) => ({ id: x.id, code: x.code, name: x.name, bbox: x.bbox }))
    .sort((a, b) => String(a.code).localeCompare(String(b.code)));
}

/** setTowns keeps the town list and tells the views. */
function setTowns(towns) {
  app.towns = townList(towns);
  app.emit('towns', app.towns);
}

/**
 * loadTowns completes the town list once the map has loaded, when the API
 * had none (err 'missing') or named towns without ids: the towns tiles have
 * them (the villages tiles name their town by id).
 */
async function loadTowns(asked) {
  if (asked.status === 'fulfilled' && asked.value.every((x) => x.id !== undefined)) return; // set before the map
  if (asked.status === 'rejected') {
    if (asked.reason?.kind !== 'missing') throw asked.reason;
    setTowns(await townsFromTiles());
    return;
  }
  const ids = new Map((await townsFromTiles()).map((x) => [x.code, x.id]));
  setTowns(asked.value.map((x) => (x.id === undefined ? { ...x, id: ids.get(x.code) } : x)));
}

/**
 * ownBounds is the box around the towns a user is held to (a team leader's
 * town), or null: such a user's map opens there, not on the whole county,
 * whose other towns' tiles would hold nothing for them.
 */
function ownBounds(user, towns) {
  const own = userTowns(user);
  const boxes = own ? towns.filter((x) => own.includes(x.code) && Array.isArray(x.bbox) && x.bbox.length === 4).map((x) => x.bbox) : [];
  if (!own || !boxes.length || boxes.length !== own.length) return null;
  return boundsOf(boxes.flatMap((b) => [[b[0], b[1]], [b[2], b[3]]]));
}

/**
 * greyUnreadableOverlays turns off the map's overlay boxes for the layers the
 * server says this user may not read (visits without the household grant),
 * the note saying why, rather than a 403 banner once one is ticked.
 */
function greyUnreadableOverlays() {
  const note = document.getElementById('layers-grant-note');
  for (const c of document.querySelectorAll('input[name=layer]')) {
    if (mayReadLayer(app.user, c.value)) continue;
    c.disabled = true;
    c.checked = false;
    c.setAttribute('aria-describedby', 'layers-grant-note');
    note.hidden = false;
  }
}

function townsFromTiles() {
  const m = app.map.map;
  return new Promise((resolve) => {
    const read = () => {
      const seen = new Map();
      for (const f of m.querySourceFeatures('towns', { sourceLayer: 'towns' })) {
        const p = f.properties;
        if (!seen.has(p.code)) seen.set(p.code, { id: p.id, code: p.code, name: p.name });
      }
      return [...seen.values()];
    };
    if (m.loaded() && m.areTilesLoaded()) resolve(read());
    else m.once('idle', () => resolve(read()));
  });
}

/** readWeeks reads the campaign's weeks (the map opens on all of them). */
async function readWeeks() {
  let startsOn = '';
  try {
    const c = await api.campaign();
    app.campaign = c;
    if (Array.isArray(c.weeks) && c.weeks.length) {
      return c.weeks.map((w, i) => ({ index: i, from: w.from, to: w.to }));
    }
    startsOn = c.starts_on || '';
  } catch (err) {
    if (err.kind !== 'missing') throw err;
  }
  if (!startsOn) {
    try {
      const s = await api.summary({});
      startsOn = s?.window?.from || s?.from || '';
    } catch {
      // The summary explains its own failure in its panel.
    }
  }
  return campaignWeeks(startsOn, new Date());
}

async function boot() {
  // MapLibre is most of the code: fetch it while the user signs in, so the
  // sign-in form does not wait for it (on a phone's network, seconds). The
  // team view's code comes apart from it: its tables need no map, and are
  // asked and shown while MapLibre is still loading.
  const mapCode = Promise.all([import('./map.js'), import('./planner.js')]);
  const teamCode = import('./team.js');
  mapCode.catch(() => {}); // reported where it is awaited
  teamCode.catch(() => {});
  initLanguage();
  mountImports(); // its tab, before the tabs are wired
  mountDiary(); // likewise
  mountDiarySearch(); // and the diary search (admins, team leaders)
  initTabs();
  initSidebarToggle();
  applyI18n(document);

  let config = { basemap_url: '' };
  let configErr = null;
  try {
    // On a weak signal a request can hang for a minute: the server not
    // answering in time counts as unreachable, and the diary opens offline
    // (it confirms the session once the server answers).
    config = await Promise.race([api.config(), new Promise((resolve, reject) => {
      setTimeout(() => reject(new ApiError('unreachable', 0, 'no answer in time')), CONFIG_WAIT_MS);
    })]);
  } catch (err) {
    if (err.kind === 'unreachable') {
      await bootOffline();
      return;
    }
    configErr = err; // a server that keeps it behind sign-in, or has none: no basemap
  }

  await initAuth(app);
  if (configErr?.kind === 'unauthorized') config = await api.config().catch(() => config);

  const loadingEl = document.getElementById('map-loading');
  loadingEl.hidden = false;
  // The team view first: a team leader's own team is asked as soon as the
  // window is known ('start'), and its tables drawn while MapLibre loads; its
  // route goes on the map once there is one ('map'). Its team list is asked
  // now (app.teamList shares the answer), beside the county's bounds, the
  // campaign's weeks and the towns, which come before the map: its first
  // tiles are then those of the county (or the user's own towns) and the
  // whole campaign, not a guessed view and an open window that are thrown
  // away a moment later.
  onLangChange(() => app.emit('lang', lang()));
  const teamView = teamCode.then(({ initTeam }) => {
    initTeam(app);
    app.teamList().catch(() => {}); // said by the team view, which asks again
  });
  teamView.catch(() => {}); // reported where it is awaited
  const [tj, weeks, towns] = await Promise.allSettled([apiFetch('/tiles/towns.json'), readWeeks(), api.towns()]);
  let bounds = null;
  if (tj.status === 'fulfilled') {
    const b = tj.value?.bounds;
    if (Array.isArray(b) && b.length === 4 && b[0] < b[2]) bounds = [[b[0], b[1]], [b[2], b[3]]];
  } else if (tj.reason?.kind === 'unreachable') {
    showStatus(describeError(tj.reason), { retry: () => window.location.reload() });
  }
  if (weeks.status === 'fulfilled') app.weeks = weeks.value;
  else showStatus(describeError(weeks.reason, t('planner.window')), { retry: () => window.location.reload() });
  const all = app.weeks.length ? { from: app.weeks[0].from, to: app.weeks[app.weeks.length - 1].to } : { from: '', to: '' };
  app.window = all; // the planner's sliders open on it (the 'weeks' event)
  if (towns.status === 'fulfilled') {
    bounds = ownBounds(app.user, towns.value) || bounds;
    // Without ids (the villages tiles name their town by id) they wait for the map's towns tiles: loadTowns.
    if (towns.value.every((x) => x.id !== undefined)) app.towns = townList(towns.value);
  }

  try {
    await teamView;
    // The diary's form needs no map either (its latest entries go on the map
    // once it is ready): a member opens on it at once.
    initDiary(app);
    initDiarySearch(app);
    // The forecast and the spot check, for the roles they are for (after the team view: they follow its team).
    initForecast(app);
    initSpotCheck(app);
    const landing = landingView(app.user);
    if (landing !== 'planner') app.selectView(landing);
    app.emit('start');
  } catch (err) {
    loadingEl.hidden = true;
    showStatus(t('status.unreachable'), { retry: () => window.location.reload() });
    console.error(err);
    return;
  }

  let CoverageMap;
  let initPlanner;
  try {
    [{ CoverageMap }, { initPlanner }] = await mapCode;
  } catch (err) {
    loadingEl.hidden = true;
    showStatus(t('status.unreachable'), { retry: () => window.location.reload() });
    console.error(err);
    return;
  }
  // A team leader's map ends on their team's route: when it comes soon
  // (asked while MapLibre loaded), the map opens there and asks only those
  // tiles, rather than the town's and every zoom on the way to the route.
  if (userTowns(app.user)) {
    await Promise.race([app.teamFirstPlan, new Promise((resolve) => { setTimeout(resolve, FIRST_PLAN_WAIT_MS); })]);
  }
  try {
    app.map = new CoverageMap('map', {
      bounds,
      window: all,
      basemapURL: config.basemap_url,
      onError: (message, e) => {
        const status = e?.error?.status;
        if (status === 401) return; // the sign-in form handles it
        showStatus(t('map.tilesFailed', { message: status ? `HTTP ${status}` : message }), { level: 'warn' });
      },
    });
  } catch (err) {
    loadingEl.hidden = true;
    showStatus(t('map.noWebgl'));
    console.error(err);
    return;
  }
  app.map.map.on('dataloading', () => { loadingEl.hidden = false; });
  app.map.map.on('idle', () => { loadingEl.hidden = true; });
  const localise = () => app.map.localise({ zoomIn: t('map.zoomIn'), zoomOut: t('map.zoomOut'), title: t('map.label') });
  localise();
  onLangChange(localise);

  app.emit('map');

  initVillagePanel(app);
  initPlanner(app);
  greyUnreadableOverlays();
  initGIS(app);
  initAdmin(app);
  initImports(app);

  if (app.weeks.length) app.emit('weeks', app.weeks);
  if (app.towns.length) app.emit('towns', app.towns);
  await app.map.loaded;
  try {
    await loadTowns(towns);
  } catch (err) {
    showStatus(describeError(err, t('planner.town')), { retry: () => window.location.reload() });
  }
  document.body.dataset.ready = 'true';
  app.emit('ready');
}

/**
 * bootOffline runs when the server cannot be reached as the page starts, or
 * does not answer in time (CONFIG_WAIT_MS): a village without network, the page itself from the service worker's shell.
 * The user last signed in on this browser, if they keep the diary, gets the
 * diary tab and their queue; anyone else the sign-in form, which says it
 * needs the network. Nothing is sent until the server has confirmed the
 * session (the session cookie may have ended meanwhile, and the CSRF token
 * comes with the answer); then the queue goes, and the map waits for a reload.
 */
async function bootOffline() {
  document.body.dataset.offline = 'true';
  const me = rememberedUser();
  if (!me || !mayWriteDiary(me)) {
    // Nothing to do offline but sign in, or wait for the map: back online, the whole page.
    showStatus(t('status.unreachable'), { level: 'warn', retry: () => window.location.reload() });
    window.addEventListener('online', () => window.location.reload(), { once: true });
    if (!me) {
      await initAuth(app, { offline: true });
      window.location.reload(); // signed in after all: the whole page
    }
    return;
  }
  app.user = me;
  app.unverified = true;
  document.getElementById('user-name').textContent = me.user;
  // The banner follows a change of language, as the rest of the page does
  // (unless it was dismissed, or cleared when the network came back).
  let banner = null;
  const say = (key, opts) => {
    banner = { key, opts };
    showStatus(t(key), opts);
  };
  onLangChange(() => {
    if (banner && !document.getElementById('status').hidden) say(banner.key, banner.opts);
  });
  let asking = false;
  let authStarted = false; // initAuth wires the form and the sign-out button: once a page
  const verify = async () => {
    if (asking || !app.unverified) return;
    asking = true;
    try {
      const probe = await api.session();
      if (!probe?.signed_in || probe.user !== me.user) {
        window.location.reload(); // signed out meanwhile, or another account: from the sign-in form
        return;
      }
      if (authStarted) {
        window.location.reload(); // the first try was cut off: start afresh
        return;
      }
      authStarted = true;
      await initAuth(app); // signed in: the CSRF token, the sign-out button
      if (!app.user?.csrf_token) return; // the network went again meanwhile
      app.unverified = false;
      delete document.body.dataset.offline;
      say('offline.back', { level: 'warn', retry: () => window.location.reload() });
      app.emit('verified');
    } catch (err) {
      if (err.kind !== 'unreachable') window.location.reload();
    } finally {
      asking = false;
    }
  };
  // "online" fires on a change only; a phone with signal and no data sees none.
  window.addEventListener('online', verify);
  const timer = setInterval(() => (app.unverified ? verify() : clearInterval(timer)), 30000);
  initDiary(app);
  app.selectView('diary');
  say('offline.diary', { level: 'warn' });
  registerShell();
}

/**
 * registerShell installs the service worker that keeps the app shell for
 * offline use (sw.js). Once the page is ready: installing copies the whole
 * shell (MapLibre's megabytes among it) into its cache, work that would
 * otherwise compete with the first load it is meant to speed up later.
 */
function registerShell() {
  // Browsers offer service workers on https and localhost only.
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js').catch((err) => console.warn('service worker:', err));
}

app.on('ready', registerShell);
onUnauthorized(() => app.emit('unauthorized'));
window.addEventListener('online', () => clearStatus());
boot().catch((err) => {
  console.error(err);
  showStatus(describeError(err));
});

export { setCsrfToken };
