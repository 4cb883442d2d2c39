// Signing in: a username and password, or a one-time enrolment code, typed
// or read from the QR code the administrator printed (a photo taken with the
// camera; BarcodeDetector where the browser has it, jsQR otherwise).

import { html, useState } from '../vendor/preact.js';
import { t } from '../shared/i18n.js';
import { deviceID } from './db.js';

/** decodeQR reads the text of the QR code in an image file, or null. */
export async function decodeQR(file) {
  const bitmap = await createImageBitmap(file);
  if ('BarcodeDetector' in globalThis) {
    try {
      const found = await new BarcodeDetector({ formats: ['qr_code'] }).detect(bitmap);
      if (found.length) return found[0].rawValue;
    } catch { /* fall back to jsQR */ }
  }
  const scale = Math.min(1, 1024 / Math.max(bitmap.width, bitmap.height));
  const w = Math.round(bitmap.width * scale), h = Math.round(bitmap.height * scale);
  const canvas = new OffscreenCanvas(w, h);
  const g = canvas.getContext('2d');
  g.drawImage(bitmap, 0, 0, w, h);
  const { default: jsQR } = await import('../vendor/jsqr.js');
  const res = jsQR(g.getImageData(0, 0, w, h).data, w, h);
  return res ? res.data : null;
}

export function SignIn({ api, onSignedIn }) {
  const [mode, setMode] = useState('code');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [code, setCode] = useState('');

  const submit = async e => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const f = new FormData(e.target);
      const s = mode === 'code'
        ? await api.signIn({ code: String(f.get('code')).trim(), deviceId: await deviceID() })
        : await api.signIn({ username: String(f.get('username')).trim(), password: String(f.get('password')) });
      onSignedIn(s);
    } catch (err) {
      setError(err.text ? err.text() : t('err.unknown'));
    } finally {
      setBusy(false);
    }
  };
  const scan = async e => {
    const file = e.target.files && e.target.files[0];
    e.target.value = '';
    if (!file) return;
    setError(null);
    try {
      const text = await decodeQR(file);
      if (text) setCode(text.trim());
      else setError(t('signin.scan_failed'));
    } catch {
      setError(t('signin.scan_failed'));
    }
  };
  const tabButton = (m, label) => html`<button type="button" role="tab" id=${'tab-' + m} aria-selected=${mode === m ? 'true' : 'false'}
      class=${mode === m ? '' : 'btn-secondary'} onClick=${() => { setMode(m); setError(null); }}>${label}</button>`;
  return html`<section class="signin" aria-labelledby="signin-title">
    <h2 id="signin-title">${t('signin.title')}</h2>
    <div class="segmented" role="tablist">${tabButton('code', t('signin.code_tab'))}${tabButton('password', t('signin.password_tab'))}</div>
    ${error && html`<p class="banner error" role="alert" id="signin-error">${error}</p>`}
    <form onSubmit=${submit} class="stack" id="signin-form">
      ${mode === 'code' ? html`
        <div class="q"><label class="q-label" for="code">${t('signin.code')}</label>
          <p class="q-hint" id="code-hint">${t('signin.code_hint')}</p>
          <input id="code" name="code" required autocomplete="one-time-code" autocapitalize="characters" spellcheck="false"
            aria-describedby="code-hint" value=${code} onInput=${e => setCode(e.target.value)} /></div>
        <label class="btn btn-secondary btn-block file-button" for="qr-file">${t('signin.scan')}</label>
        <input type="file" id="qr-file" class="sr-only" accept="image/*" capture="environment" onChange=${scan} />
        <button type="submit" class="btn-block" disabled=${busy}>${busy ? t('signin.working') : t('signin.enroll')}</button>`
      : html`
        <div class="q"><label class="q-label" for="username">${t('signin.username')}</label>
          <input id="username" name="username" required autocomplete="username" autocapitalize="none" spellcheck="false" /></div>
        <div class="q"><label class="q-label" for="password">${t('signin.password')}</label>
          <input id="password" name="password" type="password" required autocomplete="current-password" /></div>
        <button type="submit" class="btn-block" disabled=${busy}>${busy ? t('signin.working') : t('signin.submit')}</button>`}
    </form>
  </section>`;
}
