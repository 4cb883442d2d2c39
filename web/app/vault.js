// The phone's lock: what holds answers is sealed at rest with AES-GCM
// under a data key that only the collector's PIN opens.
//
// The PIN (6 digits or more) gives a key-encryption key by PBKDF2-SHA-256
// (ITERATIONS rounds, a random 16-byte salt); that key wraps a random
// 256-bit AES-GCM data key, so changing the PIN re-wraps the data key and
// nothing else. Unlocked, the data key is a non-extractable CryptoKey held
// in this module's memory only, never stored; locking forgets it. Each
// record is sealed with a fresh 12-byte IV. The service worker never holds
// the key: sending waits for the app to be open and unlocked.
//
// Stored in the clear (kv 'vault'): the salt, the work factor, the wrapped
// data key and the count of wrong PINs since the last success. The
// session's tokens are sealed too (db.js): a locked phone cannot call the
// API.

import { db, kv, session } from './db.js';

/** ITERATIONS is the PBKDF2-SHA-256 work factor (OWASP, 2023). */
export const ITERATIONS = 600000;
/** MIN_PIN is the fewest digits a PIN may have. */
export const MIN_PIN = 6;
/** MAX_FAILURES wrong PINs end the session: a fresh sign-in, online, is needed. */
export const MAX_FAILURES = 10;

let key = null; // the data key while unlocked
const listeners = new Set();

/** onChange calls f(state) whenever the lock opens or closes. */
export function onChange(f) { listeners.add(f); return () => listeners.delete(f); }
const changed = () => { const s = key ? 'open' : 'locked'; listeners.forEach(f => f(s)); };

/** isOpen reports whether the data key is in memory. */
export const isOpen = () => key !== null;

/** state is 'none' (no PIN set on this phone), 'locked' or 'open'. */
export async function state() {
  if (key) return 'open';
  return (await kv.get('vault')) ? 'locked' : 'none';
}

/** validPIN reports whether pin is at least MIN_PIN digits and nothing else. */
export const validPIN = pin => new RegExp(`^[0-9]{${MIN_PIN},}$`).test(pin);

async function kek(pin, salt, iterations) {
  const base = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, base,
    { name: 'AES-GCM', length: 256 }, false, ['wrapKey', 'unwrapKey']);
}

async function wrap(dataKey, pin) {
  const salt = crypto.getRandomValues(new Uint8Array(16)), iv = crypto.getRandomValues(new Uint8Array(12));
  const wrapped = await crypto.subtle.wrapKey('raw', dataKey, await kek(pin, salt, ITERATIONS), { name: 'AES-GCM', iv });
  return { salt, iv, iterations: ITERATIONS, wrapped, failures: 0 };
}

async function unwrap(v, pin, extractable) {
  return crypto.subtle.unwrapKey('raw', v.wrapped, await kek(pin, v.salt, v.iterations), { name: 'AES-GCM', iv: v.iv },
    { name: 'AES-GCM', length: 256 }, extractable, ['encrypt', 'decrypt']);
}

/** create makes the data key, wraps it under pin, seals what the phone holds and leaves the lock open. */
export async function create(pin) {
  if (!validPIN(pin)) throw new Error('pin');
  const fresh = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
  const v = await wrap(fresh, pin);
  await kv.set('vault', v);
  key = await unwrap(v, pin, false); // the one kept in memory cannot be read out
  await sealAll();
  changed();
}

/**
 * unlock opens the lock with pin: 'open', 'wrong' (attempts left in
 * .left) or 'signout' (MAX_FAILURES reached: the session must end).
 */
export async function unlock(pin) {
  const v = await kv.get('vault');
  if (!v) return { result: 'none' };
  try {
    key = await unwrap(v, pin, false);
  } catch {
    const failures = (v.failures || 0) + 1;
    await kv.set('vault', { ...v, failures });
    return failures >= MAX_FAILURES ? { result: 'signout' } : { result: 'wrong', left: MAX_FAILURES - failures };
  }
  if (v.failures) await kv.set('vault', { ...v, failures: 0 });
  changed();
  return { result: 'open' };
}

/** resetFailures gives the PIN its attempts back after a fresh sign-in. */
export async function resetFailures() {
  const v = await kv.get('vault');
  if (v && v.failures) await kv.set('vault', { ...v, failures: 0 });
}

/** changePIN re-wraps the data key under a new PIN. */
export async function changePIN(oldPIN, newPIN) {
  if (!validPIN(newPIN)) throw new Error('pin');
  const v = await kv.get('vault');
  const k = await unwrap(v, oldPIN, true);
  await kv.set('vault', await wrap(k, newPIN));
}

/** lock forgets the data key. */
export function lock() {
  if (!key) return;
  key = null;
  changed();
}

/** forget removes the lock from the phone (after a wipe). */
export async function forget() {
  key = null;
  await kv.del('vault');
  changed();
}

/** seal encrypts a JSON value, or a Blob's bytes, with a fresh IV. */
export async function seal(value) {
  if (!key) throw new Error('locked');
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const blob = value instanceof Blob;
  const bytes = blob ? await value.arrayBuffer() : new TextEncoder().encode(JSON.stringify(value));
  return { iv, ct: await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, bytes), ...(blob ? { blob: value.type || 'application/octet-stream' } : {}) };
}

/** unseal decrypts what seal made. */
export async function unseal(s) {
  if (!key) throw new Error('locked');
  const bytes = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: s.iv }, key, s.ct);
  return s.blob ? new Blob([bytes], { type: s.blob }) : JSON.parse(new TextDecoder().decode(bytes));
}

/**
 * sealRecord returns rec with the named fields sealed into rec.sealed: the
 * rest (ids, states, dates) stays readable for lists and indexes. With no
 * PIN set yet (a phone from before the lock) the record stays as it is.
 */
export async function sealRecord(rec, fields) {
  if (!key) {
    if (await kv.get('vault')) throw new Error('locked');
    return rec;
  }
  const clear = {}, secret = {};
  for (const [k, v] of Object.entries(rec)) {
    if (k === 'sealed') continue;
    if (fields.includes(k)) secret[k] = v; else clear[k] = v;
  }
  return { ...clear, sealed: await seal(secret) };
}

/** openRecord returns a record with its sealed fields back in place. */
export async function openRecord(rec) {
  if (!rec || !rec.sealed) return rec;
  const { sealed, ...clear } = rec;
  return { ...clear, ...(await unseal(sealed)) };
}

/** The fields of a draft and of an outbox item that hold answers. */
export const DRAFT_SECRET = ['envelope', 'data', 'at', 'withheld', 'server_errors', 'review'];
export const ITEM_SECRET = ['submission', 'withheld', 'error'];

/**
 * receiptOf is what the phone keeps of a submission the server has
 * acknowledged: enough for the sent list and for feedback, no answers.
 */
export function receiptOf(item) {
  const s = item.submission || {};
  return {
    id: item.id, user: item.user, form: item.form, version: item.version, title: item.title, kind: item.kind,
    state: 'sent', status: item.status, revision: item.revision, queued_at: item.queued_at, sent_at: item.sent_at,
    survey_date: item.survey_date || s.survey_date, unit: item.unit || s.unit, review_state: item.review_state || 'received',
  };
}

/**
 * sealAll seals what the phone held in the clear before the PIN was set:
 * drafts, waiting items, photos, lists kept offline; sent items become
 * receipts. Run once, just after the PIN is set.
 */
export async function sealAll() {
  const cur = await session.load();
  if (cur) await session.save(cur);
  const d = await db();
  for (const r of await d.getAll('drafts')) if (!r.sealed) await d.put('drafts', await sealRecord(r, DRAFT_SECRET));
  for (const r of await d.getAll('outbox')) {
    if (r.state === 'sent') { if (r.submission) await d.put('outbox', receiptOf(r)); } else if (!r.sealed) await d.put('outbox', await sealRecord(r, ITEM_SECRET));
  }
  for (const p of await d.getAll('photos')) if (p.blob) { const { blob, ...rest } = p; await d.put('photos', { ...rest, sealed: await seal(blob) }); }
  for (const k of await d.getAllKeys('kv')) {
    if (typeof k === 'string' && (k.startsWith('units:') || k.startsWith('feedback:'))) {
      const v = await d.get('kv', k);
      if (v && !v.sealed) await d.put('kv', await sealRecord(Array.isArray(v) ? { v } : v, ['v']), k); // data.js reads them as {v}
    }
  }
}

/** unsent counts the drafts and the outbox items not yet accepted by the server. */
export async function unsent() {
  const d = await db();
  return (await d.count('drafts')) + (await d.getAll('outbox')).filter(i => i.state !== 'sent').length;
}

/**
 * wipe erases from the phone what holds answers, names and lists: sent
 * receipts, review feedback, units, photos, drafts and the outbox, the lock
 * itself, and the browser's local and session storage and the caches other
 * than the app shell. keepUnsent keeps the drafts and the items not yet
 * sent (sealed) and their photos, and the lock that opens them: a revoked
 * phone whose work could not be sent loses nothing until the loss is
 * confirmed. The forms, the device id and the language stay: they name no one.
 */
export async function wipe({ keepUnsent = false } = {}) {
  const d = await db();
  const keep = new Set();
  if (keepUnsent) {
    for (const r of await d.getAll('drafts')) keep.add(r.id);
    for (const r of await d.getAll('outbox')) if (r.state !== 'sent') keep.add(r.id); else await d.delete('outbox', r.id);
    for (const p of await d.getAll('photos')) if (!keep.has(p.submission)) await d.delete('photos', [p.submission, p.name]);
  } else {
    for (const s of ['drafts', 'outbox', 'photos']) await d.clear(s);
  }
  for (const k of await d.getAllKeys('kv')) {
    if (['device_id', 'lang'].includes(k) || (k === 'vault' && keep.size)) continue;
    await d.delete('kv', k);
  }
  if (!keep.size) { key = null; changed(); }
  try { localStorage.clear(); sessionStorage.clear(); } catch { /* not in a worker */ }
  try {
    for (const c of await caches.keys()) if (!c.startsWith('khaosat-shell-')) await caches.delete(c);
  } catch { /* no caches */ }
}
