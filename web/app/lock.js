// The lock's screens: setting the PIN after signing in, the lock screen,
// and the confirmation asked before unsent work is erased (its count
// shown); and the rule that locks the app after inactivity.

import { html, useEffect, useState } from '../vendor/preact.js';
import { t } from '../shared/i18n.js';
import { MIN_PIN, create, lock, unlock, unsent as countUnsent, validPIN } from './vault.js';

/** IDLE_MS without a touch or a key, or HIDDEN_MS out of sight, lock the app. */
export const limits = { IDLE_MS: 5 * 60 * 1000, HIDDEN_MS: 60 * 1000 };

/**
 * useIdleLock locks the app (vault.lock) while active after limits.IDLE_MS
 * without input, or when it comes back after more than limits.HIDDEN_MS
 * hidden (the phone put in a pocket, another app used).
 */
export function useIdleLock(active) {
  useEffect(() => {
    if (!active) return undefined;
    let last = Date.now(), hiddenAt = 0;
    const touch = () => { last = Date.now(); };
    const seen = () => {
      if (document.hidden) { hiddenAt = Date.now(); return; }
      if (hiddenAt && Date.now() - hiddenAt > limits.HIDDEN_MS) lock();
      hiddenAt = 0;
      touch();
    };
    const events = ['pointerdown', 'keydown', 'input', 'touchstart', 'scroll'];
    events.forEach(e => window.addEventListener(e, touch, { capture: true, passive: true }));
    document.addEventListener('visibilitychange', seen);
    const timer = setInterval(() => { if (Date.now() - last > limits.IDLE_MS) lock(); }, 1000);
    return () => {
      events.forEach(e => window.removeEventListener(e, touch, { capture: true }));
      document.removeEventListener('visibilitychange', seen);
      clearInterval(timer);
    };
  }, [active]);
}

const pinInput = (id, label, extra = {}) => html`<div class="q"><label class="q-label" for=${id}>${label}</label>
  <input id=${id} name=${id} type="password" inputmode="numeric" pattern="[0-9]*" autocomplete="off" required minlength=${MIN_PIN} ...${extra} /></div>`;

/** PinSetup asks for a new PIN twice, makes the lock and seals what the phone holds. */
export function PinSetup({ onDone }) {
  const [error, setError] = useState(null); // [key, params]: drawn in the language of the moment
  const [busy, setBusy] = useState(false);
  const submit = async e => {
    e.preventDefault();
    const f = new FormData(e.target), pin = String(f.get('pin-new')), again = String(f.get('pin-repeat'));
    if (!validPIN(pin)) { setError(['pin.too_short', { n: MIN_PIN }]); return; }
    if (pin !== again) { setError(['pin.mismatch']); return; }
    setBusy(true);
    try {
      await create(pin);
      onDone();
    } catch {
      setError(['err.unknown']);
      setBusy(false);
    }
  };
  return html`<section class="stack lock" aria-labelledby="pin-h" id="pin-setup">
    <h2 id="pin-h">${t('pin.setup_title')}</h2>
    <p class="q-hint">${t('pin.setup_hint', { n: MIN_PIN })}</p>
    ${error && html`<p class="banner error" role="alert" id="pin-error">${t(...error)}</p>`}
    <form class="stack" id="pin-form" onSubmit=${submit}>
      ${pinInput('pin-new', t('pin.new'))}
      ${pinInput('pin-repeat', t('pin.repeat'))}
      <button type="submit" class="btn-block" id="pin-set" disabled=${busy}>${busy ? t('pin.working') : t('pin.set')}</button>
    </form>
  </section>`;
}

/**
 * LockScreen asks for the PIN. Wrong ones are counted; at the last the
 * session ends (onTooMany) and the sealed work stays for the PIN. Forgetting
 * the PIN erases the unsent work, once its loss is confirmed (onForgot).
 */
export function LockScreen({ onTooMany, onForgot }) {
  const [unsent, setUnsent] = useState(0);
  useEffect(() => { countUnsent().then(setUnsent); }, []);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [forgot, setForgot] = useState(false);
  const submit = async e => {
    e.preventDefault();
    const input = e.target.elements['lock-pin'];
    setBusy(true);
    setError(null);
    try {
      const r = await unlock(String(input.value));
      if (r.result === 'wrong') { setError(['lock.wrong', { n: r.left }]); input.value = ''; input.focus(); }
      if (r.result === 'signout') onTooMany();
    } finally {
      setBusy(false);
    }
  };
  if (forgot) return html`<${ConfirmLoss} n=${unsent} text=${t('wipe.forgot', { n: unsent })} onConfirm=${onForgot} onCancel=${() => setForgot(false)} />`;
  return html`<section class="stack lock" aria-labelledby="lock-h" id="lock-screen">
    <h2 id="lock-h">${t('lock.title')}</h2>
    <p class="q-hint">${t('lock.hint')}</p>
    ${error && html`<p class="banner error" role="alert" id="lock-error">${t(...error)}</p>`}
    <form class="stack" id="lock-form" onSubmit=${submit}>
      ${pinInput('lock-pin', t('lock.pin'), { autofocus: true })}
      <button type="submit" class="btn-block" id="unlock" disabled=${busy}>${busy ? t('pin.working') : t('lock.open')}</button>
    </form>
    <button type="button" class="btn-quiet btn-block" id="forgot-pin" onClick=${() => setForgot(true)}>${t('lock.forgot')}</button>
  </section>`;
}

/** ConfirmLoss says how much unsent work an action erases and asks before it does. */
export function ConfirmLoss({ n, text, onConfirm, onCancel }) {
  const [busy, setBusy] = useState(false);
  return html`<section class="stack lock" id="confirm-loss" role="alertdialog" aria-labelledby="confirm-loss-text">
    <p class="banner error" id="confirm-loss-text" data-count=${n}>${text}</p>
    <button type="button" class="btn-danger btn-block" id="wipe-confirm" disabled=${busy}
      onClick=${async () => { setBusy(true); try { await onConfirm(); } finally { setBusy(false); } }}>${t('wipe.confirm', { n })}</button>
    <button type="button" class="btn-secondary btn-block" id="wipe-cancel" onClick=${onCancel}>${t('wipe.cancel')}</button>
  </section>`;
}
