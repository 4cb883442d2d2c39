// Designers: the forms with their versions and status, close/reopen, the
// codebook, and the way into each form's draft editor.

import { html } from '/vendor/preact.js';
import { get, post, download } from './api.js';
import { t, label } from './i18n.js';
import { ErrorBox, Loading, useLoad, useAction, Notice } from './ui.js';

export function FormsPage() {
  const forms = useLoad(() => get('/api/v1/forms').then((b) => b.items), []);
  const act = useAction();
  const setStatus = (f, verb) => act.run(async () => {
    await post(`/api/v1/forms/${encodeURIComponent(f.id)}/${verb}`);
    forms.reload();
  });
  return html`<h1>${t('formsTitle')}</h1>
    <${Loading} load=${forms} />
    <${ErrorBox} error=${act.error} />
    ${forms.data && html`<div class="table-wrap" tabindex="0"><table>
      <thead><tr><th scope="col">${t('form')}</th><th scope="col">${t('version')}</th><th scope="col">${t('status')}</th><th scope="col"><span class="sr">${t('edit')}</span></th></tr></thead>
      <tbody>${forms.data.map((f) => html`<tr data-form=${f.id}>
        <td><strong>${label(f.title)}</strong><br /><code>${f.id}</code></td>
        <td class="num">${f.version}</td>
        <td>${f.status === 'open' ? t('statusOpen') : t('statusClosed')}</td>
        <td><div class="actions">
          <a class="button" href=${'#/forms/' + encodeURIComponent(f.id)}>${t('openEditor')}</a>
          <button type="button" disabled=${act.busy} onClick=${() => setStatus(f, f.status === 'open' ? 'close' : 'reopen')}>
            ${f.status === 'open' ? t('closeForm') : t('reopenForm')}</button>
          <button type="button" onClick=${() => act.run(() => download(`/api/v1/forms/${encodeURIComponent(f.id)}/versions/${f.version}/codebook?format=csv`))}>${t('codebook')}</button>
        </div></td>
      </tr>`)}</tbody>
    </table></div>`}
    <${Notice} text="" />`;
}
