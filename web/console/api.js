// The console's use of the shared API client (web/shared/api.js): its
// session lives in sessionStorage, so it survives a reload but not the
// closing of the tab (consoles run on shared office computers), is
// renewed before the access token expires (and by the shared client once
// more on a 401), and every page calls the helpers below. Downloads stream
// into a Blob with progress, so a long export never holds the page.

import { createClient, ApiError } from '/shared/api.js';

export { ApiError };

const KEY = 'khaosat.console.session';
const listeners = new Set();
let session = load();
let renewTimer = 0;

function load() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY)) || null;
  } catch {
    return null;
  }
}

function store(s) {
  session = s;
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
  schedule();
  for (const f of listeners) f(s);
}

const ended = new Set();
const client = createClient({
  session: { load: async () => session, save: async (s) => store(s), clear: async () => store(null) },
  onSignedOut: (err) => ended.forEach((f) => f(err)),
});

/** Calls f(apiError) when the session could not be renewed (expired, revoked, account disabled). */
export function onSessionEnded(f) {
  ended.add(f);
  return () => ended.delete(f);
}

/** Calls f(session) whenever the session changes (sign in, renewal, sign out). */
export function onSession(f) {
  listeners.add(f);
  return () => listeners.delete(f);
}

export const currentSession = () => session;

// expiry reads the access token's exp claim (ms since the epoch).
function expiry(token) {
  try {
    const b = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(b)).exp * 1000;
  } catch {
    return Date.now() + 60000;
  }
}

// schedule renews the access token at four fifths of its remaining life.
function schedule() {
  clearTimeout(renewTimer);
  if (!session) return;
  const wait = Math.max(5000, (expiry(session.access_token) - Date.now()) * 0.8);
  renewTimer = setTimeout(() => client.renew().catch(() => {}), wait);
}

export const login = (username, password) => client.signIn({ username, password });
export const logout = () => client.signOut();

/**
 * request sends a JSON request and returns the parsed body (null for 204);
 * an error status throws ApiError. opts.headers adds headers; opts.withResponse
 * returns {body, response}. A string body is sent as it is (a form document
 * exactly as the designer typed it).
 */
export async function request(method, path, body, opts = {}) {
  const payload = typeof body === 'string' ? new Blob([body], { type: 'application/json' }) : body;
  const headers = { ...(opts.headers || {}) };
  if (typeof body === 'string') headers['Content-Type'] = 'application/json';
  const r = await client.request(method, path, { body: payload, headers });
  const parsed = r.status === 204 ? null : await r.json().catch(() => null);
  return opts.withResponse ? { body: parsed, response: r } : parsed;
}

export const get = (path, opts) => request('GET', path, undefined, opts);
export const post = (path, body, opts) => request('POST', path, body, opts);
export const put = (path, body, opts) => request('PUT', path, body, opts);
export const patch = (path, body, opts) => request('PATCH', path, body, opts);
export const del = (path, opts) => request('DELETE', path, undefined, opts);

/** query builds "?a=1&b=2" from the non-empty values of o. */
export function query(o) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) {
    if (v !== undefined && v !== null && v !== '' && v !== false) p.set(k, String(v));
  }
  const s = p.toString();
  return s ? '?' + s : '';
}

/** blob fetches a binary resource (a QR code image) as a Blob. */
export async function blob(path) {
  return (await client.request('GET', path)).blob();
}

/**
 * download streams path into a file the browser saves, calling
 * progress(bytes) as chunks arrive; signal aborts it. Resolves to
 * {name, size}.
 */
export async function download(path, progress, signal) {
  const r = await client.request('GET', path);
  const name = fileName(r.headers.get('Content-Disposition')) || path.split('/').pop().split('?')[0];
  const reader = r.body.getReader();
  // Cancelling the body closes the connection, which stops the export on the server.
  if (signal) signal.addEventListener('abort', () => reader.cancel());
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (signal && signal.aborted) throw new DOMException('stopped', 'AbortError');
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (progress) progress(size);
  }
  const url = URL.createObjectURL(new Blob(chunks, { type: r.headers.get('Content-Type') || '' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return { name, size };
}

function fileName(cd) {
  if (!cd) return '';
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd);
  return m ? decodeURIComponent(m[1]) : '';
}

schedule();
