// Tells the user of a phone enrolled on their account that this phone has
// not seen before: someone given an enrolment code for the account reads
// what the account reads, and its owner should know.

import { kv } from './db.js';

/**
 * newDevices reads the account's phones and returns the ids of those,
 * other than this one, not seen at the last look; it then remembers them
 * all as seen. Offline or on an error it returns [] and remembers nothing.
 */
export async function newDevices(api, s) {
  let list;
  try { list = await api.json('GET', '/api/v1/me/devices'); } catch { return []; }
  const key = 'devices_seen:' + s.user.id;
  const seen = new Set((await kv.get(key)) || []);
  const ids = (list.items || []).map(d => d.device_id);
  const fresh = ids.filter(id => id !== s.device_id && !seen.has(id));
  await kv.set(key, ids);
  return fresh;
}
