// Managers (their own) and admins (all): webhooks, created with their
// secret shown once, their deliveries with state, attempts and retry time.

import { html, useState } from '/vendor/preact.js';
import { get, post, del } from './api.js';
import { t, label } from './i18n.js';
import { ErrorBox, Loading, useAction, useLoad, Input, Select, Check, when } from './ui.js';

const EVENTS = ['create', 'edit', 'review', 'delete', 'restore', 'report'];

export function WebhooksPage() {
  const hooks = useLoad(() => get('/api/v1/webhooks').then((b) => b.items), []);
  const forms = useLoad(() => get('/api/v1/forms').then((b) => b.items), []);
  const [w, setW] = useState({ url: '', form: '', events: ['create', 'edit'] });
  const [secret, setSecret] = useState('');
  const [open, setOpen] = useState('');
  const act = useAction();
  const toggle = (ev, on) => setW((p) => ({ ...p, events: on ? [...p.events, ev] : p.events.filter((x) => x !== ev) }));
  const create = (e) => {
    e.preventDefault();
    act.run(async () => {
      const body = { url: w.url, events: w.events };
      if (w.form) body.form = w.form;
      const h = await post('/api/v1/webhooks', body);
      setSecret(h.secret);
      hooks.reload();
    });
  };
  const remove = (h) => act.run(async () => {
    await del('/api/v1/webhooks/' + encodeURIComponent(h.id));
    hooks.reload();
  });
  return html`<h1>${t('webhooksTitle')}</h1>
    <form class="card" onSubmit=${create}>
      <div class="row">
        <${Input} label=${t('url')} name="url" type="url" value=${w.url} onInput=${(v) => setW((p) => ({ ...p, url: v }))} required />
        ${forms.data && html`<${Select} label=${t('form')} name="form" value=${w.form} onChange=${(v) => setW((p) => ({ ...p, form: v }))}
          options=${[{ value: '', label: t('anyForm') }, ...forms.data.map((f) => ({ value: f.id, label: label(f.title) }))]} />`}
      </div>
      <fieldset class="row"><legend>${t('events')}</legend>
        ${EVENTS.map((ev) => html`<${Check} label=${t('eventsNames.' + ev)} name=${'ev-' + ev} checked=${w.events.includes(ev)} onChange=${(on) => toggle(ev, on)} />`)}
      </fieldset>
      <button type="submit" class="primary" disabled=${act.busy}>${t('create')}</button>
      ${secret && html`<p role="status">${t('secretOnce')} <code>${secret}</code></p>`}
    </form>
    <${ErrorBox} error=${act.error} />
    <${Loading} load=${hooks} />
    ${hooks.data && html`<div class="table-wrap" tabindex="0"><table>
      <thead><tr><th scope="col">${t('url')}</th><th scope="col">${t('form')}</th><th scope="col">${t('events')}</th><th scope="col">${t('owner')}</th><th scope="col">${t('deliveries')}</th></tr></thead>
      <tbody>${hooks.data.map((h) => html`<tr><td><code>${h.url}</code></td><td>${h.form || t('anyForm')}</td>
        <td>${h.events.map((e) => t('eventsNames.' + e)).join(', ')}</td><td>${h.owner}</td>
        <td><div class="actions"><button type="button" aria-expanded=${open === h.id} onClick=${() => setOpen(open === h.id ? '' : h.id)}>${t('deliveries')}</button>
          <button type="button" class="danger" onClick=${() => remove(h)}>${t('remove')}</button></div></td></tr>`)}</tbody></table></div>`}
    ${open && html`<${Deliveries} key=${open} id=${open} />`}`;
}

function Deliveries({ id }) {
  const list = useLoad(() => get(`/api/v1/webhooks/${encodeURIComponent(id)}/deliveries`).then((b) => b.items), [id]);
  return html`<section class="card" aria-labelledby="dl-h"><h2 id="dl-h">${t('deliveries')}</h2>
    <button type="button" onClick=${list.reload}>${t('refresh')}</button>
    <${Loading} load=${list} />
    ${list.data && html`<table><thead><tr><th scope="col">${t('at')}</th><th scope="col">${t('action')}</th><th scope="col">${t('status')}</th>
      <th scope="col" class="num">${t('attempts')}</th><th scope="col">${t('nextAt')}</th><th scope="col">${t('lastError')}</th></tr></thead>
      <tbody>${list.data.map((d) => html`<tr><td>${when(d.created_at)}</td><td>${t('eventsNames.' + d.kind)} <code>${d.kind === 'report' ? d.submission : d.submission.slice(0, 8)}</code></td>
        <td>${t('stateDelivery.' + d.state)}${d.last_status ? ` (${d.last_status})` : ''}</td><td class="num">${d.attempts}</td>
        <td>${when(d.next_at)}</td><td>${d.last_error || ''}</td></tr>`)}</tbody></table>`}
  </section>`;
}
