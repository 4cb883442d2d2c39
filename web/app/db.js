// The phone's storage in IndexedDB: the session, the forms and every form
// version a draft may need, drafts, the outbox and photos. Everything that
// must survive a restart lives here and is written before the screen says
// it is saved. Used by the page and by the service worker.

import { openDB } from '../vendor/idb.js';
import { isOpen, seal, unseal } from './vault.js';

let dbp = null;

/** db opens (once) the database. */
export function db() {
  if (!dbp) {
    dbp = openDB('khaosat', 1, {
      upgrade(d) {
        d.createObjectStore('kv');
        d.createObjectStore('forms', { keyPath: 'id' }); // the current version of each form the collector may fill
        d.createObjectStore('versions', { keyPath: ['form', 'version'] }); // every version a draft or an edit uses
        d.createObjectStore('drafts', { keyPath: 'id' });
        d.createObjectStore('outbox', { keyPath: 'id' }).createIndex('state', 'state');
        d.createObjectStore('photos', { keyPath: ['submission', 'name'] });
      },
      blocking() { dbp = null; }, // a newer version of the app wants the database: let it
    });
  }
  return dbp;
}

export const kv = {
  get: async k => (await db()).get('kv', k),
  set: async (k, v) => (await db()).put('kv', v, k),
  del: async k => (await db()).delete('kv', k),
};

/**
 * session is the API client's session store. Once a PIN is set its tokens
 * are sealed (vault.js): locked, the phone knows who is signed in (user,
 * device) and holds no token anyone could use.
 */
export const session = {
  async load() {
    const r = await kv.get('session');
    if (!r || !r.sealed) return r;
    const { sealed, ...who } = r;
    return isOpen() ? { ...who, ...(await unseal(sealed)) } : who;
  },
  async save(s) {
    const { access_token, refresh_token, ...who } = s;
    await kv.set('session', isOpen() ? { ...who, sealed: await seal({ access_token, refresh_token }) } : s);
  },
  clear: () => kv.del('session'),
};

/** deviceID is this phone's id, made once and kept. */
export async function deviceID() {
  let id = await kv.get('device_id');
  if (!id) {
    id = 'phone-' + crypto.randomUUID();
    await kv.set('device_id', id);
  }
  return id;
}

/** waiting counts the outbox items of a user not yet accepted or refused. */
export async function waiting(user) {
  const all = await (await db()).getAllFromIndex('outbox', 'state', 'waiting');
  return all.filter(i => i.user === user).length;
}
