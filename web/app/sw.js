// The phone app's service worker (a module, at /sw.js so that its scope is
// the whole origin). Short and versioned: it precaches the app shell,
// serves it cache-first and refreshes it in the background
// (stale-while-revalidate), leaves the API to the network (forms are kept in
// IndexedDB by the app, which revalidates them by ETag; API writes are never
// cached), and sends the outbox on Background Sync on a phone without a PIN
// only: the outbox is sealed under a key that lives in the unlocked page,
// never here, so on a locked phone sending waits for the app to be opened
// and unlocked (sync.js). Imports are absolute: this file is served at
// /sw.js, not under /app/.

import { createClient } from '/shared/api.js';
import { session } from '/app/db.js';
import { syncOutbox } from '/app/sync.js';

const VERSION = 'khaosat-shell-v3';
const SHELL = [
  '/', '/manifest.webmanifest', '/app/app.css', '/app/main.js', '/app/messages.js', '/app/nav.js', '/app/db.js', '/app/sync.js',
  '/app/data.js', '/app/signin.js', '/app/home.js', '/app/fill.js', '/app/outbox.js', '/app/feedback.js', '/app/photo.js', '/app/devices.js',
  '/app/vault.js', '/app/lock.js',
  '/app/icons/icon-192.png', '/app/icons/icon-512.png',
  '/shared/api.js', '/shared/i18n.js', '/shared/form.js', '/shared/validate.js', '/shared/styles.css',
  '/vendor/preact.js', '/vendor/idb.js', '/vendor/json-schema.js', '/vendor/jsqr.js',
];

self.addEventListener('install', event => {
  event.waitUntil(caches.open(VERSION).then(c => c.addAll(SHELL.map(u => new Request(u, { cache: 'no-cache' })))).then(() => self.skipWaiting()));
});

self.addEventListener('activate', event => {
  event.waitUntil((async () => {
    for (const k of await caches.keys()) if (k !== VERSION) await caches.delete(k);
    await self.clients.claim();
  })());
});

function shellPath(url) {
  if (url.origin !== location.origin) return null;
  if (url.pathname === '/' || url.pathname === '/index.html') return '/';
  return SHELL.includes(url.pathname) ? url.pathname : null;
}

self.addEventListener('fetch', event => {
  const req = event.request;
  if (req.method !== 'GET') return; // writes always go to the network
  const url = new URL(req.url);
  let key = shellPath(url);
  if (!key && req.mode === 'navigate' && url.origin === location.origin && !url.pathname.startsWith('/api/') && !url.pathname.startsWith('/console')) key = '/';
  if (!key) return; // the API, the console: the network
  event.respondWith((async () => {
    const cache = await caches.open(VERSION);
    const cached = await cache.match(key);
    const fresh = fetch(key, { cache: 'no-cache' }).then(res => {
      if (res.ok) cache.put(key, res.clone());
      return res;
    });
    if (cached) {
      event.waitUntil(fresh.catch(() => {}));
      return cached;
    }
    return fresh;
  })());
});

self.addEventListener('sync', event => {
  if (event.tag !== 'outbox') return;
  event.waitUntil((async () => {
    const s = await session.load();
    if (!s) return;
    await syncOutbox(createClient({ session }), s.user.id);
  })());
});
