// Sending the outbox: waiting submissions go to POST /api/v1/sync in
// batches (new ones) or PUT with If-Match (corrections after review), and
// each result is written back to the item. Sending is safe to repeat: an
// item keeps its id, the server stores an id once, and an item leaves the
// waiting state only when the server's answer has been read. One sender at a
// time across the page and the service worker (a Web Lock).
//
// The items are sealed (vault.js): only an unlocked page can send them. A
// submission the server has acknowledged is kept as a receipt, without its
// answers.

import { db, kv } from './db.js';
import { ITEM_SECRET, isOpen, openRecord, receiptOf, sealRecord, unseal } from './vault.js';

// A batch is at most 100 submissions (~300 KB of households): few round
// trips on a slow link, and a lost answer costs one resend of 100.
const BATCH = 100;

/** notify tells every open page that the outbox changed. */
export function notify() {
  try { new BroadcastChannel('khaosat').postMessage({ type: 'outbox' }); } catch { /* no channel */ }
}

/** stored is what the outbox keeps of an item: a receipt once sent, else the item sealed. */
const stored = item => (item.state === 'sent' ? receiptOf(item) : sealRecord(item, ITEM_SECRET));

async function put(item) {
  await (await db()).put('outbox', await stored(item));
}

function applyError(item, status, error) {
  item.error = error || null;
  item.status = status;
  if (status === 422) item.state = 'rejected';
  else if (status === 409 || status === 412) item.state = 'conflict';
  else item.state = 'failed';
}

async function sendNew(api, items) {
  const res = await api.json('POST', '/api/v1/sync', { submissions: items.map(i => ({ ...i.submission, form: i.form })) });
  const done = [];
  for (let k = 0; k < items.length; k++) {
    const item = items[k], r = res.results[k];
    if (!r || r.id !== item.id) continue;
    if (r.status === 200 || r.status === 201) {
      Object.assign(item, { state: 'sent', status: r.status, revision: r.revision, sent_at: new Date().toISOString(), error: null });
    } else if (r.status >= 500) {
      continue; // the server failed: it stays waiting
    } else {
      applyError(item, r.status, r.error);
    }
    done.push(item);
  }
  // Every result of the batch in one transaction.
  const recs = await Promise.all(done.map(stored));
  const tx = (await db()).transaction('outbox', 'readwrite');
  await Promise.all([...recs.map(r => tx.store.put(r)), tx.done]);
}

async function sendEdit(api, item) {
  const path = `/api/v1/forms/${encodeURIComponent(item.form)}/submissions/${encodeURIComponent(item.id)}`;
  try {
    const res = await api.request('PUT', path, { body: item.submission, headers: { 'If-Match': `"${item.base_revision}"` } });
    const sub = await res.json();
    Object.assign(item, { state: 'sent', status: 200, revision: sub.revision, sent_at: new Date().toISOString(), error: null });
  } catch (err) {
    if (err.status === 0 || err.status >= 500 || err.status === 401) throw err;
    if (err.status === 412) {
      // Sent before, answer lost? Then the stored revision is ours.
      const cur = await api.json('GET', path);
      if (cur.revision > item.base_revision && sameAnswers(cur.data, item.submission.data, cur.redacted)) {
        Object.assign(item, { state: 'sent', status: 200, revision: cur.revision, sent_at: new Date().toISOString(), error: null });
        await put(item);
        return;
      }
    }
    applyError(item, err.status, { code: err.code, messages: err.messages, fields: err.fields });
  }
  await put(item);
}

/**
 * sameAnswers reports whether stored (the server's read of a submission)
 * holds the answers sent, whatever the order of their keys. The read
 * lacks the answers withheld from this reader (redacted: JSON pointers
 * into the answers): when the phone sent one of those, the read cannot
 * confirm it and the answer is no (the correction stays in conflict
 * rather than be called sent unseen); a phone that left them out (it
 * corrected without its own copy, the server kept them) is compared on
 * the rest.
 */
export function sameAnswers(stored, sent, redacted) {
  for (const p of redacted || []) {
    if (atPointer(sent, p) !== undefined) return false;
  }
  return canonical(stored) === canonical(sent);
}

function atPointer(obj, pointer) {
  let at = obj;
  for (const k of pointer.split('/').slice(1).map(k => k.replace(/~1/g, '/').replace(/~0/g, '~'))) {
    if (at === null || typeof at !== 'object') return undefined;
    at = at[k];
  }
  return at;
}

/** canonical is JSON with the keys of every object in order. */
function canonical(v) {
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  if (v !== null && typeof v === 'object') {
    return '{' + Object.keys(v).sort().map(k => JSON.stringify(k) + ':' + canonical(v[k])).join(',') + '}';
  }
  return JSON.stringify(v);
}

/**
 * uploadPhotos sends the photos of a sent submission; an uploaded photo
 * leaves the phone, as the answers did.
 */
async function uploadPhotos(api, item) {
  const d = await db();
  const all = (await d.getAll('photos')).filter(p => p.submission === item.id && !p.uploaded);
  for (const p of all) {
    const blob = p.sealed ? await unseal(p.sealed) : p.blob;
    await api.request('PUT', `/api/v1/forms/${encodeURIComponent(item.form)}/submissions/${encodeURIComponent(item.id)}/attachments/${encodeURIComponent(p.name)}`,
      { body: blob, headers: { 'Content-Type': p.type } });
    await d.delete('photos', [p.submission, p.name]);
  }
}

/** uploadPending uploads the photos of submissions the server has stored. */
async function uploadPending(api, user) {
  const d = await db();
  const pending = (await d.getAll('photos')).filter(p => !p.uploaded);
  const ids = new Set(pending.map(p => p.submission));
  for (const id of ids) {
    const item = await d.get('outbox', id);
    if (item && item.user === user && item.state === 'sent') await uploadPhotos(api, item);
  }
}

/**
 * syncOutbox sends every waiting item of the user and returns how many were
 * sent. A network failure stops it (the items stay waiting) and is thrown.
 * Locked (or in the service worker, which never holds the key), a phone
 * with a PIN sends nothing: the items wait for the collector to unlock.
 */
export async function syncOutbox(api, user) {
  const run = async () => {
    if (!isOpen() && (await kv.get('vault'))) return 0;
    let sent = 0;
    for (;;) {
      const waiting = await Promise.all((await (await db()).getAllFromIndex('outbox', 'state', 'waiting'))
        .filter(i => i.user === user).sort((a, b) => a.queued_at.localeCompare(b.queued_at)).map(openRecord));
      const fresh = waiting.filter(i => i.kind !== 'edit').slice(0, BATCH);
      const edits = waiting.filter(i => i.kind === 'edit');
      if (!fresh.length && !edits.length) break;
      try {
        if (fresh.length) await sendNew(api, fresh);
        for (const e of edits) await sendEdit(api, e);
      } finally {
        notify();
      }
      const left = (await (await db()).getAllFromIndex('outbox', 'state', 'waiting')).filter(i => i.user === user);
      sent += waiting.length - left.length;
      if (left.length >= waiting.length) break; // nothing moved (server errors): try again later
    }
    await uploadPending(api, user);
    return sent;
  };
  if (globalThis.navigator && navigator.locks) return navigator.locks.request('khaosat-sync', run);
  return run();
}
