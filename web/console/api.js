// The console's API client: the one place that sends requests, holds the
// session (access + refresh token, renewed before it expires and once more
// on a 401), and turns error bodies into ApiError. Nothing else parses
// errors. Downloads stream into a Blob with progress, so a long export never
// holds the page.

const KEY = 'khaosat.console.session';

/** An error answered by the API: its code, status, messages {vi,en} and fields. */
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || 'network';
    this.messages = e.messages || null;
    this.fields = e.fields || [];
    this.requestId = e.request_id || '';
  }
  /** The message in lang ('vi' or 'en'). */
  text(lang) {
    return (this.messages && this.messages[lang]) || this.message;
  }
}

let session = load();
let renewTimer = 0;
const listeners = new Set();

function load() {
  try {
    return JSON.parse(localStorage.getItem(KEY)) || null;
  } catch {
    return null;
  }
}

function save(s) {
  session = s;
  if (s) localStorage.setItem(KEY, JSON.stringify(s));
  else localStorage.removeItem(KEY);
  schedule();
  for (const f of listeners) f(s);
}

/** Calls f(session) whenever the session changes (sign in, renewal, sign out). */
export function onSession(f) {
  listeners.add(f);
  return () => listeners.delete(f);
}

export function currentSession() {
  return session;
}

function fromLogin(body) {
  return { access: body.access_token, refresh: body.refresh_token, user: body.user,
    expiresAt: Date.now() + body.expires_in * 1000 };
}

// schedule renews the access token at four fifths of its life.
function schedule() {
  clearTimeout(renewTimer);
  if (!session) return;
  const wait = Math.max(5000, (session.expiresAt - Date.now()) * 0.8);
  renewTimer = setTimeout(() => renew().catch(() => {}), wait);
}

let renewing = null;

/** Exchanges the refresh token for new tokens; a refused one ends the session. */
export function renew() {
  if (!session) return Promise.reject(new ApiError(401, null));
  if (!renewing) {
    const refresh = session.refresh;
    renewing = raw('POST', '/api/v1/auth/refresh', { refresh_token: refresh }, false)
      .then(async (r) => {
        if (r.status === 401) {
          save(null);
          throw new ApiError(401, await r.json().catch(() => null));
        }
        if (!r.ok) throw new ApiError(r.status, await r.json().catch(() => null));
        const body = await r.json();
        save({ ...fromLogin(body) });
      })
      .finally(() => { renewing = null; });
  }
  return renewing;
}

export async function login(username, password) {
  const r = await raw('POST', '/api/v1/auth/login', { username, password }, false);
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(r.status, body);
  save(fromLogin(body));
  return session;
}

export async function logout() {
  const s = session;
  save(null);
  if (s) await raw('POST', '/api/v1/auth/logout', { refresh_token: s.refresh }, false).catch(() => {});
}

let lang = 'vi';
/** The language of the API's error messages. */
export function setLanguage(l) {
  lang = l;
}

function raw(method, path, body, auth, headers = {}) {
  const h = { 'Accept-Language': lang, ...headers };
  if (auth && session) h.Authorization = 'Bearer ' + session.access;
  let payload;
  if (body !== undefined && body !== null) {
    if (typeof body === 'string') {
      payload = body;
    } else {
      payload = JSON.stringify(body);
    }
    h['Content-Type'] = 'application/json';
  }
  return fetch(path, { method, headers: h, body: payload });
}

// send makes one authenticated request, renewing the session once on a 401.
async function send(method, path, body, headers) {
  let r;
  try {
    r = await raw(method, path, body, true, headers);
    if (r.status === 401 && session) {
      await renew();
      r = await raw(method, path, body, true, headers);
    }
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(0, { error: { code: 'network', message: String(e),
      messages: { vi: 'Không kết nối được máy chủ.', en: 'The server cannot be reached.' } } });
  }
  return r;
}

/**
 * request sends a JSON request and returns the parsed body (null for 204);
 * an error status throws ApiError. opts.headers adds headers; opts.withResponse
 * returns {body, response}.
 */
export async function request(method, path, body, opts = {}) {
  const r = await send(method, path, body, opts.headers);
  const text = r.status === 204 ? '' : await r.text();
  let parsed = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (!r.ok) throw new ApiError(r.status, parsed);
  return opts.withResponse ? { body: parsed, response: r } : parsed;
}

export const get = (path, opts) => request('GET', path, undefined, opts);
export const post = (path, body, opts) => request('POST', path, body === undefined ? {} : body, opts);
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
  const r = await send('GET', path);
  if (!r.ok) throw new ApiError(r.status, await r.json().catch(() => null));
  return r.blob();
}

/**
 * download streams path into a file the browser saves, calling
 * progress(bytes) as chunks arrive; signal aborts it. Resolves to
 * {name, size}.
 */
export async function download(path, progress, signal) {
  const r = await fetch(path, { headers: { Authorization: 'Bearer ' + (session && session.access),
    'Accept-Language': lang }, signal }).then(async (res) => {
    if (res.status === 401 && session) {
      await renew();
      return fetch(path, { headers: { Authorization: 'Bearer ' + session.access, 'Accept-Language': lang }, signal });
    }
    return res;
  });
  if (!r.ok) throw new ApiError(r.status, await r.json().catch(() => null));
  const name = fileName(r.headers.get('Content-Disposition')) || path.split('/').pop().split('?')[0];
  const reader = r.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
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
