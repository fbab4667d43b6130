// The API the page reads, in one place: paths, parameters and the small
// adapters that turn each answer into the shapes the views use. The
// contracts live in the coverage, tiles, export and auth work; when one
// changes, this file is what changes here.

import { apiFetch, query } from './api.js';

/** rowsOf accepts a bare array or an object holding the rows under a common name. */
export function rowsOf(resp, ...names) {
  if (Array.isArray(resp)) return resp;
  if (!resp || typeof resp !== 'object') return [];
  for (const n of [...names, 'rows', 'items', 'villages', 'data']) {
    if (Array.isArray(resp[n])) return resp[n];
  }
  if (Array.isArray(resp.features)) return resp.features.map((f) => ({ ...f.properties, geometry: f.geometry }));
  return [];
}

export const api = {
  config: () => apiFetch('/api/v1/config'),
  me: () => apiFetch('/api/v1/auth/me', { quiet401: true }),
  /** session answers 200 signed in or not ({signed_in: false}): no 401 in the console of a fresh page. */
  session: () => apiFetch('/api/v1/auth/session'),
  login: (username, password) => apiFetch('/api/v1/auth/login', { method: 'POST', body: { username, password }, quiet401: true }),
  logout: () => apiFetch('/api/v1/auth/logout', { method: 'POST' }),

  campaign: () => apiFetch('/api/v1/campaign'),
  towns: async () => rowsOf(await apiFetch('/api/v1/towns'), 'towns'),
  teams: async () => rowsOf(await apiFetch('/api/v1/teams'), 'teams'),
  village: (code, win) => apiFetch(`/api/v1/villages/${encodeURIComponent(code)}${query(win)}`),

  summary: (p) => apiFetch(`/api/v1/reports/summary${query(p)}`),
  // The morning check: one row per town and its team, who is behind first.
  townsCheck: async (p) => rowsOf(await apiFetch(`/api/v1/reports/towns${query(p)}`), 'rows'),
  gaps: async (p) => rowsOf(await apiFetch(`/api/v1/reports/gaps${query({ format: 'json', ...p })}`), 'gaps'),
  next: (p) => apiFetch(`/api/v1/reports/next${query(p)}`),
  allVillages: async (p) => rowsOf(await apiFetch(`/api/v1/reports/gaps${query({ format: 'json', all: 'true', ...p })}`), 'gaps'),
  members: async (p) => rowsOf(await apiFetch(`/api/v1/reports/members${query(p)}`), 'members'),

  adminUsers: async () => rowsOf(await apiFetch('/api/v1/admin/users'), 'users'),
  adminAddUser: (user) => apiFetch('/api/v1/admin/users', { method: 'POST', body: user }),
  adminSetDisabled: (name, disabled) => apiFetch(`/api/v1/admin/users/${encodeURIComponent(name)}`, { method: 'PATCH', body: { disabled } }),
  adminResetPassword: (name) => apiFetch(`/api/v1/admin/users/${encodeURIComponent(name)}/password`, { method: 'POST' }),
  adminGrant: (name, grant) => apiFetch(`/api/v1/admin/users/${encodeURIComponent(name)}/roles`, { method: 'POST', body: grant }),
  adminRevoke: (name, grant) => apiFetch(`/api/v1/admin/users/${encodeURIComponent(name)}/roles`, { method: 'DELETE', body: grant }),
  adminAudit: async (limit) => rowsOf(await apiFetch(`/api/v1/admin/audit${query({ limit })}`), 'events'),

  exportURL: (layer, p) => `/api/v1/export/${encodeURIComponent(layer)}${query(p)}`,
  /** exportsAvailable asks the server's OpenAPI document, which lists every route it has. */
  exportsAvailable: async () => {
    const doc = await apiFetch('/api/openapi.json');
    return Boolean(doc?.paths?.['/api/v1/export/{layer}']);
  },
};

/** The layers a GIS user can download, and the formats of the export work. */
export const EXPORT_LAYERS = [
  'towns', 'villages', 'teams', 'members', 'households', 'contact_points', 'visits', 'projects', 'river_works',
  'village_coverage', 'gaps', 'h3_cells',
];
/** Layers whose export reads the time window. */
export const WINDOWED_EXPORTS = new Set(['visits', 'village_coverage', 'gaps', 'h3_cells']);
export const EXPORT_FORMATS = [
  { id: 'geojson', label: 'GeoJSON' },
  { id: 'csv', label: 'CSV' },
  { id: 'gpkg', label: 'GeoPackage' },
  { id: 'shp', label: 'Shapefile' },
  { id: 'kml', label: 'KML' },
  { id: 'fgb', label: 'FlatGeobuf' },
];
/**
 * mayReadLayer: whether user may read the layer named layer, from the
 * server's own answer (/auth/session and /auth/me list the layers the user
 * may read, by the rule every tile, export and OGC path applies). The page
 * keeps no copy of that rule. No user (a server without sign-in), or an
 * answer without the list (an older server), lets everyone through: the
 * server refuses what it refuses all the same.
 */
export const mayReadLayer = (user, layer) => !user || !Array.isArray(user.layers) || user.layers.includes(layer);

/** mayReadHouseholds: the households layer's rule, which the household lists (special groups) follow. */
export const mayReadHouseholds = (user) => mayReadLayer(user, 'households');

/**
 * userTowns lists the towns a user is held to, or null when they see every
 * town or the server does not say which (a member's /auth/me lists none).
 */
export const userTowns = (user) => (user && user.all_towns === false && Array.isArray(user.towns) && user.towns.length
  ? user.towns : null);

export const TILE_LAYERS = ['towns', 'villages', 'households', 'contact_points', 'visits', 'projects', 'river_works', 'h3'];
