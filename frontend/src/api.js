// Calls to lianxin's API. Every failure becomes an ApiError whose `kind`
// says what the page should tell the user: the server could not be reached,
// the endpoint does not exist in this server yet, sign-in is needed, the role
// does not allow it, or the server answered with an error message.

export class ApiError extends Error {
  constructor(kind, status, message, code, details) {
    super(message || kind);
    this.kind = kind; // 'unreachable' | 'missing' | 'unauthorized' | 'forbidden' | 'server'
    this.status = status;
    this.code = code;
    // The error body's details: a diary refusal's {field, reason, params},
    // for a sentence in the page's language.
    this.details = details;
  }
}

let csrfToken = '';
const unauthorizedListeners = [];

/** onUnauthorized registers fn to run whenever the API answers 401. */
export function onUnauthorized(fn) {
  unauthorizedListeners.push(fn);
}

export function setCsrfToken(token) {
  csrfToken = token || '';
}

/**
 * apiFetch calls path (relative to this origin) and returns the parsed JSON,
 * or the Response itself when raw is set.
 */
export async function apiFetch(path, { method = 'GET', body, raw = false, signal, quiet401 = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError('unreachable', 0, err.message);
  }
  if (res.ok) {
    if (raw) return res;
    if (res.status === 204) return null;
    return res.json();
  }
  let code = '';
  let message = '';
  let details;
  try {
    const payload = await res.json();
    code = payload?.error?.code || '';
    message = payload?.error?.message || '';
    details = payload?.error?.details;
  } catch {
    // Not our error shape: a proxy in between, or the server is down.
  }
  if (res.status === 401) {
    if (!quiet401) unauthorizedListeners.forEach((fn) => fn());
    throw new ApiError('unauthorized', 401, message, code, details);
  }
  if (res.status === 403) throw new ApiError('forbidden', 403, message, code, details);
  // A 404 whose message is Echo's generic "Not Found" means the route is not
  // in this server (yet); a 404 about an object says which one is missing.
  if (res.status === 404 && (!message || /^not found$/i.test(message))) {
    throw new ApiError('missing', 404, message, code, details);
  }
  if (res.status === 502 || res.status === 504) throw new ApiError('unreachable', res.status, message, code, details);
  throw new ApiError('server', res.status, message || res.statusText, code, details);
}

/** query builds "?a=1&b=2" from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
