// The collectors' phone app: sign-in, forms kept offline, filling in,
// the outbox and review feedback. Hash routes: #/ (forms and drafts),
// #/fill/<id>, #/outbox, #/feedback. Signed in, the app asks for a PIN to be
// set, and then for the PIN whenever it opens or was left idle (lock.js,
// vault.js).

import { html, render, useEffect, useState, useCallback } from '../vendor/preact.js';
import { createClient } from '../shared/api.js';
import { lang, setLang, t } from '../shared/i18n.js';
import './messages.js';
import { kv, session, waiting as countWaiting } from './db.js';
import { lock, onChange as onLockChange, resetFailures, state as lockState, unsent, wipe } from './vault.js';
import { ConfirmLoss, LockScreen, PinSetup, useIdleLock } from './lock.js';
import { syncOutbox } from './sync.js';
import { newDevices } from './devices.js';
import { SignIn } from './signin.js';
import { Home } from './home.js';
import { Fill } from './fill.js';
import { Outbox } from './outbox.js';
import { Feedback } from './feedback.js';
import { warmControls } from '../shared/form.js';

const api = createClient({ session, onSignedOut: (err, s) => window.dispatchEvent(new CustomEvent('signedout', { detail: { err, deviceBound: !!(s && s.device_id) } })) });

/** app is what the screens share: the client, the user, and actions. */
const app = { api, sync: null, refresh: () => {} };

function route() {
  const h = location.hash.replace(/^#/, '') || '/';
  const parts = h.split('/').filter(Boolean);
  return { name: parts[0] || 'home', arg: parts[1] ? decodeURIComponent(parts[1]) : null };
}

import { go } from './nav.js';

function App() {
  const [s, setS] = useState(undefined); // undefined: loading; null: signed out
  const [, setLangState] = useState(lang());
  const [r, setR] = useState(route());
  const [online, setOnline] = useState(navigator.onLine);
  const [waiting, setWaiting] = useState(null); // null until counted
  const [notice, setNotice] = useState(null);
  const [tick, setTick] = useState(0);
  const [vs, setVs] = useState(undefined); // the lock: 'none' (no PIN yet), 'locked', 'open'
  const [kept, setKept] = useState(0); // signed out: unsent work kept sealed on the phone
  const [confirm, setConfirm] = useState(null); // {n, key, run}: erasing unsent work, to be confirmed
  useIdleLock(!!s && vs === 'open');

  // A session ended without the collector signing out (a revoked device, an
  // expired session, too many wrong PINs): receipts and the lists kept
  // offline go; unsent work stays sealed until it is sent or its loss is
  // confirmed.
  const endSession = async () => { lock(); await wipe({ keepUnsent: true }); setVs(await lockState()); setKept(await unsent()); };

  const refreshCount = useCallback(async () => {
    const cur = await session.load();
    setWaiting(cur ? await countWaiting(cur.user.id) : 0);
    setTick(x => x + 1);
  }, []);
  app.refresh = refreshCount;

  const sync = useCallback(async () => {
    const cur = await session.load();
    if (!cur) return;
    try { await syncOutbox(api, cur.user.id); } catch { /* offline: stays waiting */ }
    await refreshCount();
    const fresh = await newDevices(api, cur);
    if (fresh.length) setNotice({ kind: 'warn', id: 'new-device', text: t('devices.new', { ids: fresh.join(', ') }) });
  }, []);
  app.sync = sync;

  useEffect(() => {
    (async () => {
      const l = await kv.get('lang');
      if (l) setLang(l);
      const cur = await session.load();
      setVs(await lockState());
      if (!cur) setKept(await unsent());
      setS(cur || null);
      await refreshCount();
      if (cur && navigator.onLine) {
        // Renewing at once finds a revoked device at its first contact.
        try { await api.renew(); setS(await session.load()); } catch { /* offline or signed out */ }
        sync();
      }
    })();
    const onHash = () => setR(route());
    const onOnline = () => { setOnline(true); sync(); };
    const onOffline = () => setOnline(false);
    const onSignedOut = async e => {
      // A device-bound session ends only when an administrator revokes the device.
      setNotice({ kind: 'error', text: e.detail.deviceBound ? t('err.device_revoked') : t('err.session_ended') });
      setS(null);
      await endSession();
    };
    const offLock = onLockChange(async st => {
      setVs(await lockState());
      if (st !== 'open') return;
      // Unlocked: the session's tokens are sealed again (a sign-in while
      // locked stored them in the clear) and renewed, which finds a device
      // revoked meanwhile; then the outbox goes.
      const cur = await session.load();
      if (cur) {
        await session.save(cur);
        if (navigator.onLine) { try { await api.renew(); setS(await session.load()); } catch { /* offline or signed out */ } }
      }
      await refreshCount();
      sync();
    });
    window.addEventListener('hashchange', onHash);
    window.addEventListener('online', onOnline);
    window.addEventListener('offline', onOffline);
    window.addEventListener('signedout', onSignedOut);
    let channel = null;
    try { channel = new BroadcastChannel('khaosat'); channel.onmessage = () => refreshCount(); } catch { /* none */ }
    const timer = setInterval(() => { if (navigator.onLine) sync(); }, 60000);
    return () => {
      window.removeEventListener('hashchange', onHash);
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOffline);
      window.removeEventListener('signedout', onSignedOut);
      offLock();
      clearInterval(timer);
      if (channel) channel.close();
    };
  }, []);

  const switchLang = async () => {
    const next = lang() === 'vi' ? 'en' : 'vi';
    setLang(next);
    setLangState(next);
    await kv.set('lang', next);
  };

  if (s === undefined || vs === undefined) return html`<p class="boot">…</p>`;
  const langButton = html`<button type="button" class="btn-quiet lang" id="lang-switch" lang=${lang() === 'vi' ? 'en' : 'vi'}
      aria-label=${t('lang.switch_label')} onClick=${switchLang}>${t('lang.switch')}</button>`;
  const bare = body => html`<div class="screen"><header class="bar"><h1>${t('app.title')}</h1>${langButton}</header>
      <main class="content">${notice && html`<p class="banner ${notice.kind}" role="alert" id="notice">${notice.text}</p>`}${body}</main></div>`;
  const confirmLoss = confirm && html`<${ConfirmLoss} n=${confirm.n} text=${t(confirm.key, { n: confirm.n })} onConfirm=${confirm.run} onCancel=${() => setConfirm(null)} />`;
  if (!s) {
    if (confirm) return bare(confirmLoss);
    const eraseKept = () => setConfirm({ n: kept, key: 'wipe.kept', run: async () => { await wipe(); setConfirm(null); setKept(0); setVs(await lockState()); } });
    return bare(html`${kept > 0 && html`<div class="banner info stack" id="kept-notice" data-count=${kept}><p>${t('signin.kept', { n: kept })}</p>
        <button type="button" class="btn-secondary" id="erase-kept" onClick=${eraseKept}>${t('signin.erase_kept')}</button></div>`}
      <${SignIn} api=${api} onSignedIn=${async cur => { setNotice(null); setKept(0); await resetFailures(); setVs(await lockState()); setS(cur); go('/'); await refreshCount(); sync(); }} />`);
  }
  if (vs === 'none') return bare(html`<${PinSetup} onDone=${() => go('/')} />`);
  if (vs === 'locked') {
    return bare(html`<${LockScreen} onTooMany=${async () => { await api.signOut(); setNotice({ kind: 'error', text: t('lock.too_many') }); setS(null); await endSession(); }}
      onForgot=${async () => { await api.signOut(); await wipe(); setNotice(null); setKept(0); setVs(await lockState()); setS(null); }} />`);
  }
  app.user = s.user;
  const signOut = async () => {
    // Unsent work is sent first; what cannot be sent is erased only once its loss is confirmed.
    if (navigator.onLine) await sync();
    const n = await unsent();
    const out = async () => { await api.signOut(); await wipe(); setConfirm(null); setKept(0); setVs(await lockState()); setS(null); };
    if (n > 0) setConfirm({ n, key: 'wipe.signout', run: out });
    else await out();
  };
  let screen;
  switch (r.name) {
    case 'fill': screen = html`<${Fill} key=${r.arg} id=${r.arg} app=${app} lang=${lang()} />`; break;
    case 'outbox': screen = html`<${Outbox} app=${app} tick=${tick} online=${online} />`; break;
    case 'feedback': screen = html`<${Feedback} app=${app} tick=${tick} online=${online} />`; break;
    default: screen = html`<${Home} app=${app} tick=${tick} online=${online} onSignOut=${signOut} />`;
  }
  if (confirm) screen = confirmLoss;
  const tab = (name, path, label, extra) => html`<a href=${'#' + path} class=${'tab' + (r.name === name ? ' active' : '')}
      aria-current=${r.name === name ? 'page' : undefined}>${label}${extra}</a>`;
  return html`<div class="screen">
    <header class="bar">
      <h1>${t('app.title')}</h1>
      <a href="#/outbox" class=${'waiting' + (waiting ? ' some' : '')} id="waiting" data-count=${waiting ?? undefined}
        aria-label=${t('head.waiting_label', { n: waiting ?? '…' })}>${t('head.waiting', { n: waiting ?? '…' })}</a>
      ${langButton}
    </header>
    ${!online && html`<p class="banner warn offline" role="status">${t('net.offline')}</p>`}
    ${notice && html`<p class="banner ${notice.kind}" role="alert" id="notice" data-notice=${notice.id}>${notice.text}</p>`}
    <main class="content">${screen}</main>
    ${r.name !== 'fill' && html`<nav class="tabs" aria-label="Menu">
      ${tab('home', '/', t('nav.forms'))}
      ${tab('outbox', '/outbox', t('nav.outbox'), waiting ? html` <span class="badge">${waiting}</span>` : null)}
      ${tab('feedback', '/feedback', t('nav.feedback'))}
    </nav>`}
  </div>`;
}

render(html`<${App} />`, document.getElementById('app'));
// While the phone is idle after start, so that opening the first form does not pay for it.
(window.requestIdleCallback || (f => setTimeout(f, 200)))(() => warmControls(), { timeout: 2000 });

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js', { type: 'module', scope: '/' }).catch(() => { /* the app works without it online */ });
}
if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});

/** requestBackgroundSync asks the service worker to send the outbox when the network returns. */
export async function requestBackgroundSync() {
  try {
    const reg = await navigator.serviceWorker.ready;
    if (reg.sync) await reg.sync.register('outbox');
  } catch { /* not supported: the page sends on open and on online */ }
}
app.requestBackgroundSync = requestBackgroundSync;
