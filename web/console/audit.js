// Admins: the audit log, newest first, with filters and pages.

import { html, useState } from '/vendor/preact.js';
import { get, query } from './api.js';
import { t } from './i18n.js';
import { Loading, useLoad, Input, when } from './ui.js';

export function AuditPage() {
  const [f, setF] = useState({ action: '', user: '', from: '', to: '' });
  const [applied, setApplied] = useState({ ...f, cursor: '' });
  const page = useLoad(() => get('/api/v1/audit' + query({ ...applied, limit: 50 })), [JSON.stringify(applied)]);
  const set = (k) => (v) => setF((p) => ({ ...p, [k]: v }));
  return html`<h1>${t('auditTitle')}</h1>
    <form class="card row" onSubmit=${(e) => { e.preventDefault(); setApplied({ ...f, cursor: '' }); }} aria-label=${t('filter')}>
      <${Input} label=${t('action')} name="action" value=${f.action} onInput=${set('action')} placeholder="login.failure" />
      <${Input} label=${t('user')} name="user" value=${f.user} onInput=${set('user')} />
      <${Input} label=${t('from')} name="from" type="date" value=${f.from} onInput=${set('from')} />
      <${Input} label=${t('to')} name="to" type="date" value=${f.to} onInput=${set('to')} />
      <button type="submit" class="primary">${t('filter')}</button>
    </form>
    <${Loading} load=${page} />
    ${page.data && html`<div class="table-wrap" tabindex="0"><table>
      <thead><tr><th scope="col">${t('at')}</th><th scope="col">${t('action')}</th><th scope="col">${t('user')}</th><th scope="col">${t('target')}</th><th scope="col">${t('details')}</th></tr></thead>
      <tbody>${page.data.items.map((a) => html`<tr><td>${when(a.at)}</td><td><code>${a.action}</code></td><td>${a.username || ''}${a.role ? ` (${t('roles.' + a.role)})` : ''}</td>
        <td><code>${a.target || ''}</code></td><td><code>${a.details ? JSON.stringify(a.details) : ''}</code></td></tr>`)}</tbody></table></div>
      ${page.data.next_cursor && html`<button type="button" onClick=${() => setApplied({ ...applied, cursor: page.data.next_cursor })}>${t('next')}</button>`}`}`;
}
