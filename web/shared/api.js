// The one API client of the app and the console: a fetch wrapper that adds
// the bearer token and the language, renews the session once on a 401 with
// the refresh token, and turns every failure into an ApiError carrying the
// API's own messages (vi and en) and field errors. Nothing else parses
// errors. No DOM access: the service worker uses it too.

import { lang, pick, t } from './i18n.js';

/** ApiError is a failed request: status 0 means no answer (no network). */
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || (status === 0 ? 'network' : 'unknown');
    this.messages = e.messages || null; // {vi, en}
    this.fields = (e.fields || []).map(f => ({ path: f.path, code: f.code, messages: f.messages || { vi: f.message, en: f.message } }));
  }
  /** text is the error in the current language. */
  text() {
    if (this.status === 0) return t('err.network');
    return this.messages ? pick(this.messages) : (this.message || t('err.unknown'));
  }
}

/**
 * createClient returns the API client.
 * session: {load(): Promise<s|null>, save(s): Promise, clear(): Promise}
 *   where s = {access_token, refresh_token, device_id?, user}; a session
 *   without its tokens (the phone's, locked) makes no request.
 * onSignedOut(apiError, session): called when the session cannot be renewed.
 */
export function createClient({ session, onSignedOut = () => {}, base = '' }) {
  let renewing = null;

  async function send(method, path, { body, headers = {}, token, raw = false } = {}) {
    const h = { 'Accept-Language': lang(), ...headers };
    if (token) h.Authorization = 'Bearer ' + token;
    let payload = body;
    if (body !== undefined && !(body instanceof Blob) && !(body instanceof ArrayBuffer)) {
      h['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(base + path, { method, headers: h, body: payload, cache: 'no-store' });
    } catch (err) {
      throw new ApiError(0, null);
    }
    return res;
  }

  async function failure(res) {
    let body = null;
    try { body = await res.json(); } catch { /* not JSON */ }
    return new ApiError(res.status, body);
  }

  /**
   * renew rotates the refresh token once, however many requests need it.
   * Pages and the service worker renew under one Web Lock, and whoever
   * comes second takes the session the first one stored: presenting a
   * refresh token already rotated would look like a stolen one to the
   * server, which then revokes the whole session.
   */
  function renew(s) {
    if (!renewing) {
      const locked = f => (globalThis.navigator && navigator.locks ? navigator.locks.request('khaosat-session', f) : f());
      renewing = locked(async () => {
        const now = await session.load();
        if (!now || !now.refresh_token) throw new ApiError(401, null); // signed out (or locked) meanwhile
        if (now.refresh_token !== s.refresh_token) return now; // renewed meanwhile
        const res = await send('POST', '/api/v1/auth/refresh', { body: { refresh_token: s.refresh_token, device_id: s.device_id || '' } });
        if (!res.ok) {
          const err = await failure(res);
          if (res.status === 401 || res.status === 403) {
            await session.clear();
            onSignedOut(err, s);
          }
          throw err;
        }
        const tok = await res.json();
        const next = { ...s, access_token: tok.access_token, refresh_token: tok.refresh_token, user: tok.user };
        await session.save(next);
        return next;
      }).finally(() => { renewing = null; });
    }
    return renewing;
  }

  /**
   * request sends an authenticated request and returns the Response
   * (2xx and 304), or throws an ApiError.
   */
  async function request(method, path, opts = {}) {
    let s = await session.load();
    if (!s || !s.refresh_token) throw new ApiError(401, { error: { code: 'unauthorized', messages: { vi: t('err.session_ended'), en: t('err.session_ended') } } });
    let res = await send(method, path, { ...opts, token: s.access_token });
    if (res.status === 401) {
      s = await renew(s);
      res = await send(method, path, { ...opts, token: s.access_token });
    }
    if (!res.ok && res.status !== 304) throw await failure(res);
    return res;
  }

  return {
    request,
    renew: async () => { const s = await session.load(); return s && s.refresh_token ? renew(s) : null; },
    /** json sends a request and decodes the JSON answer (null for 204/304). */
    async json(method, path, body, headers) {
      const res = await request(method, path, { body, headers });
      if (res.status === 204 || res.status === 304) return null;
      return res.json();
    },
    /** signIn logs in with a password or an enrolment code and stores the session. */
    async signIn({ username, password, code, deviceId }) {
      const res = code
        ? await send('POST', '/api/v1/auth/enroll', { body: { code, device_id: deviceId } })
        : await send('POST', '/api/v1/auth/login', { body: { username, password } });
      if (!res.ok) throw await failure(res);
      const tok = await res.json();
      const s = { access_token: tok.access_token, refresh_token: tok.refresh_token, user: tok.user, device_id: code ? deviceId : '' };
      await session.save(s);
      return s;
    },
    /** signOut revokes the refresh token (when the network allows) and forgets the session. */
    async signOut() {
      const s = await session.load();
      await session.clear();
      if (s && s.refresh_token) {
        try { await send('POST', '/api/v1/auth/logout', { body: { refresh_token: s.refresh_token, device_id: s.device_id || '' } }); } catch { /* offline: the token expires */ }
      }
    },
  };
}
