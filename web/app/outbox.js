// The outbox: what waits to be sent, what came back, and the receipts of
// what was sent (no answers: the server has them).

import { html, useEffect, useState } from '../vendor/preact.js';
import { pick, t } from '../shared/i18n.js';
import { listOutbox, reopen } from './data.js';
import { go } from './nav.js';

export function Outbox({ app, tick, online }) {
  const [items, setItems] = useState([]);
  const [busy, setBusy] = useState(false);
  useEffect(() => { listOutbox(app.user.id).then(setItems); }, [tick]);
  const waiting = items.filter(i => i.state === 'waiting').length;
  const send = async () => { setBusy(true); try { await app.sync(); } finally { setBusy(false); } };
  const fix = async item => { const d = await reopen(item); await app.refresh(); go('/fill/' + d.id); };
  return html`<section aria-labelledby="outbox-h" class="stack">
    <h2 id="outbox-h">${t('outbox.title')}</h2>
    <p class="banner ${waiting ? 'info' : 'ok'}" id="outbox-waiting" role="status">${t('outbox.waiting_n', { n: waiting })}</p>
    ${waiting > 0 && html`<button type="button" class="btn-block" id="send-now" disabled=${busy || !online} onClick=${send}>${busy ? t('outbox.sending') : t('outbox.send')}</button>`}
    ${items.length === 0 && html`<p>${t('outbox.empty')}</p>`}
    <ul class="cards" id="outbox">${items.map(i => html`<li class=${'card state-' + i.state} data-id=${i.id} data-state=${i.state}>
      <div class="card-main"><strong>${pick(i.title)}</strong>
        <span class=${'state state-' + i.state}>${t('outbox.state.' + i.state)}${i.revision ? ' · ' + t('outbox.revision', { n: i.revision }) : ''}</span>
        <span class="meta">${i.survey_date || i.submission.survey_date} · ${i.unit || i.submission.unit}</span>
        ${i.error && i.state !== 'sent' && html`<span class="item-error">${pick(i.error.messages) || i.error.message || ''}</span>`}</div>
      ${(i.state === 'rejected' || i.state === 'failed' || i.state === 'conflict') && html`<div class="card-actions">
        <button type="button" class="btn-secondary" onClick=${() => fix(i)}>${t('outbox.fix')}</button></div>`}
    </li>`)}</ul>
  </section>`;
}
