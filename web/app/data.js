// The app's data on the phone: forms kept for offline use and refreshed by
// their hash/ETag, units, drafts, finalising into the outbox, feedback.

import { db, kv } from './db.js';
import { DRAFT_SECRET, ITEM_SECRET, openRecord, sealRecord } from './vault.js';

// Lists kept in kv that name people or places (units, feedback) are sealed.
async function putSealed(k, v) { await kv.set(k, (await sealRecord({ v }, ['v']))); }
async function getSealed(k) { const r = await kv.get(k); return r && (await openRecord(r)).v; }

// Form versions read in this page, so that opening a form just listed does
// not read its schema from storage again.
const versions = new Map();
const remember = (form, n, v) => { versions.set(form + '@' + n, v); return v; };

/**
 * refreshForms brings the phone's forms up to date with GET /api/v1/forms:
 * a new or changed version is downloaded (If-None-Match), a form that is no
 * longer published leaves the list. Versions stay stored for drafts.
 */
export async function refreshForms(api) {
  const { items } = await api.json('GET', '/api/v1/forms');
  const d = await db();
  const local = new Map((await d.getAll('forms')).map(f => [f.id, f]));
  const published = items.filter(f => f.status !== 'closed');
  for (const f of published) {
    const have = local.get(f.id);
    if (have && have.version === f.version && have.hash === f.hash) continue;
    const res = await api.request('GET', `/api/v1/forms/${encodeURIComponent(f.id)}`, { headers: have && have.etag ? { 'If-None-Match': have.etag } : {} });
    if (res.status === 304) continue;
    const v = await res.json();
    const rec = { id: v.id, title: v.title, version: v.version, hash: v.hash, status: v.status, schema: v.schema, etag: res.headers.get('ETag') };
    const tx = d.transaction(['forms', 'versions'], 'readwrite');
    await Promise.all([tx.objectStore('forms').put(rec), tx.objectStore('versions').put({ form: v.id, version: v.version, schema: v.schema, title: v.title }), tx.done]);
  }
  const keep = new Set(published.map(f => f.id));
  for (const id of local.keys()) if (!keep.has(id)) await d.delete('forms', id);
  return listForms();
}

/** listForms is the forms on the phone, by title. */
export async function listForms() {
  const forms = (await (await db()).getAll('forms')).sort((a, b) => a.id.localeCompare(b.id));
  for (const f of forms) remember(f.id, f.version, { form: f.id, version: f.version, schema: f.schema, title: f.title });
  return forms;
}

/** version returns a stored form version, downloading it when missing. */
export async function version(api, form, n) {
  if (versions.has(form + '@' + n)) return versions.get(form + '@' + n);
  const d = await db();
  let v = await d.get('versions', [form, n]);
  if (!v && api) {
    const r = await api.json('GET', `/api/v1/forms/${encodeURIComponent(form)}/versions/${n}`);
    v = { form, version: n, schema: r.schema, title: r.title };
    await d.put('versions', v);
  }
  return v && remember(form, n, v);
}

/** units returns the communes the collector may survey: [{code, name}], kept for offline. */
export async function units(api, user) {
  const key = 'units:' + user.id;
  if (api) {
    try {
      const out = [];
      for (const code of user.units || []) {
        const u = await api.json('GET', `/api/v1/units/${encodeURIComponent(code)}`);
        if (u.level === 'commune' || u.level === 'ward') out.push({ code: u.code, name: u.name });
        else {
          const kids = await api.json('GET', `/api/v1/units?parent=${encodeURIComponent(code)}`);
          for (const k of kids.items || kids) out.push({ code: k.code, name: k.name });
        }
      }
      await putSealed(key, out);
      return out;
    } catch { /* offline: what we had */ }
  }
  return (await getSealed(key).catch(() => null)) || (user.units || []).map(code => ({ code, name: code }));
}

/** today is the local date, YYYY-MM-DD. */
export function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** now is the local time in RFC 3339 with its offset. */
export function now() {
  const d = new Date(), off = -d.getTimezoneOffset(), p = n => String(Math.floor(Math.abs(n))).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}` +
    `${off >= 0 ? '+' : '-'}${p(off / 60)}:${p(off % 60)}`;
}

/** newDraft starts a submission of a form's current version. */
export async function newDraft({ form, user, unit, deviceId, data }) {
  const d = {
    id: crypto.randomUUID(), user: user.id, form: form.id, version: form.version, title: form.title, kind: 'new',
    envelope: { unit, survey_date: today(), started_at: now(), device_id: deviceId },
    data, created_at: new Date().toISOString(), updated_at: new Date().toISOString(), server_errors: [],
  };
  await putDraft(d);
  return d;
}

// A draft is stored with its answers sealed (vault.js); its id, form and
// dates stay readable for the list.
const putDraft = async d => (await db()).put('drafts', await sealRecord(d, DRAFT_SECRET));

export const getDraft = async id => openRecord(await (await db()).get('drafts', id));
export const saveDraft = async d => putDraft({ ...d, updated_at: new Date().toISOString() });
export const deleteDraft = async id => {
  const d = await db();
  await d.delete('drafts', id);
  for (const k of await d.getAllKeys('photos')) if (k[0] === id) await d.delete('photos', k);
};
/** listDrafts is the user's drafts, newest first: their ids, forms and dates, no answers. */
export async function listDrafts(user) {
  return (await (await db()).getAll('drafts')).filter(d => d.user === user).sort((a, b) => b.updated_at.localeCompare(a.updated_at));
}

/** envelopeOf is the submission the server receives for a draft. */
export function envelopeOf(d) {
  const e = { id: d.id, form_version: d.version, unit: d.envelope.unit, survey_date: d.envelope.survey_date, data: d.data };
  for (const k of ['started_at', 'ended_at', 'device_id', 'location']) if (d.envelope[k]) e[k] = d.envelope[k];
  return e;
}

/**
 * finalise moves a draft into the outbox in one transaction: the item
 * exists or the draft does, never neither nor both.
 */
export async function finalise(d) {
  const env = { ...d.envelope, ended_at: d.envelope.ended_at && d.kind === 'edit' ? d.envelope.ended_at : now() };
  const item = {
    id: d.id, user: d.user, form: d.form, version: d.version, title: d.title, kind: d.kind, base_revision: d.base_revision, withheld: d.withheld || [],
    submission: envelopeOf({ ...d, envelope: env }), state: 'waiting', queued_at: new Date().toISOString(), error: null,
    survey_date: env.survey_date, unit: env.unit,
  };
  const sealed = await sealRecord(item, ITEM_SECRET); // before the transaction: it must not wait on anything else
  const tx = (await db()).transaction(['drafts', 'outbox'], 'readwrite');
  await Promise.all([tx.objectStore('outbox').put(sealed), tx.objectStore('drafts').delete(d.id), tx.done]);
  return item;
}

/** getOutbox is an outbox item with its answers opened (a receipt has none). */
export const getOutbox = async id => openRecord(await (await db()).get('outbox', id));
/** putOutbox stores an outbox item, its answers sealed. */
export const putOutbox = async item => (await db()).put('outbox', await sealRecord(item, ITEM_SECRET));

/** listOutbox is the user's outbox, newest first, the items opened. */
export async function listOutbox(user) {
  const mine = (await (await db()).getAll('outbox')).filter(i => i.user === user).sort((a, b) => b.queued_at.localeCompare(a.queued_at));
  return Promise.all(mine.map(openRecord));
}

/** reopen turns a refused outbox item back into a draft with the server's errors on its questions. */
export async function reopen(item) {
  const s = item.submission;
  const errs = ((item.error && item.error.fields) || []).map(f => ({ path: f.path, code: f.code, messages: f.messages || { vi: f.message, en: f.message } }));
  const d = {
    id: item.id, user: item.user, form: item.form, version: item.version, title: item.title, kind: item.kind, base_revision: item.base_revision,
    withheld: item.withheld || [],
    envelope: { unit: s.unit, survey_date: s.survey_date, started_at: s.started_at, device_id: s.device_id, location: s.location },
    data: s.data, created_at: item.queued_at, updated_at: new Date().toISOString(), server_errors: errs,
  };
  const sealed = await sealRecord(d, DRAFT_SECRET);
  const tx = (await db()).transaction(['drafts', 'outbox'], 'readwrite');
  await Promise.all([tx.objectStore('drafts').put(sealed), tx.objectStore('outbox').delete(item.id), tx.done]);
  return d;
}

/**
 * refreshFeedback reads the collector's submissions that need a correction
 * (kept sealed for offline), and notes the review on their receipts.
 */
export async function refreshFeedback(api, user) {
  const out = [];
  for (const state of ['has_issues', 'rejected']) {
    const page = await api.json('GET', `/api/v1/me/submissions?review_state=${state}&limit=100`);
    out.push(...page.items);
  }
  await putSealed('feedback:' + user.id, out);
  const d = await db();
  for (const s of out) {
    const r = await d.get('outbox', s.id);
    if (r && r.state === 'sent' && !r.sealed && r.review_state !== s.review_state) await d.put('outbox', { ...r, review_state: s.review_state });
  }
  return out;
}

export const cachedFeedback = async user => (await getSealed('feedback:' + user.id).catch(() => null)) || [];

/** correct opens a reviewed submission as an edit draft of the version it was collected with. */
export async function correct(api, sub, user) {
  const existing = await getDraft(sub.id);
  if (existing) return existing;
  const v = await version(api, sub.form, sub.form_version);
  // The phone keeps a receipt of what it sent, not the answers: a
  // correction starts from the server's copy. The server withholds
  // sensitive answers from a collector without the grant, even their own:
  // those questions are not asked again, and left out of the edit the
  // server keeps their stored answers. The collector may still remove a
  // child who holds some: the server lets a submission's own collector.
  const data = sub.data;
  const d = {
    id: sub.id, user: user.id, form: sub.form, version: sub.form_version, title: v.title, kind: 'edit', base_revision: sub.revision,
    withheld: sub.redacted || [],
    envelope: { unit: sub.unit, survey_date: sub.survey_date, started_at: sub.started_at, ended_at: sub.ended_at, device_id: sub.device_id, location: sub.location },
    data, review: sub.review, created_at: new Date().toISOString(), updated_at: new Date().toISOString(), server_errors: [],
  };
  await putDraft(d);
  return d;
}
