// The home screen: the forms on the phone (shown at once from storage,
// then refreshed from the server: stale-while-revalidate), the drafts in
// progress, and signing out.

import { html, useEffect, useState } from '../vendor/preact.js';
import { pick, t } from '../shared/i18n.js';
import { generated } from '../shared/form.js';
import { validatorOf } from '../shared/validate.js';
import { deviceID } from './db.js';
import { deleteDraft, listDrafts, listForms, newDraft, refreshForms, units } from './data.js';
import { go } from './nav.js';

export function Home({ app, tick, online, onSignOut }) {
  const [forms, setForms] = useState(null);
  const [drafts, setDrafts] = useState([]);
  const [note, setNote] = useState(null);

  const load = async () => {
    const list = await listForms();
    setForms(list);
    // Prepare each form's validator while the collector reads the list:
    // opening a form then costs only its drawing.
    const idle = globalThis.requestIdleCallback || (f => setTimeout(f, 200));
    idle(() => list.forEach(f => validatorOf(f.schema)));
    setDrafts(await listDrafts(app.user.id));
  };
  const refresh = async () => {
    try {
      setForms(await refreshForms(app.api));
      setNote(null);
    } catch (err) {
      setNote(err.status === 0 ? t('forms.offline_copy') : err.text());
    }
  };
  useEffect(() => { load().then(() => { if (navigator.onLine) refresh(); }); }, [tick]);

  const start = async form => {
    const us = await units(navigator.onLine ? app.api : null, app.user);
    const d = await newDraft({ form, user: app.user, unit: us.length === 1 ? us[0].code : (us[0] ? us[0].code : ''), deviceId: await deviceID(), data: generated(form.schema) });
    go('/fill/' + d.id);
  };
  const remove = async d => {
    if (!confirm(t('drafts.delete_confirm'))) return;
    await deleteDraft(d.id);
    load();
  };

  return html`<div class="stack">
    ${drafts.length > 0 && html`<section aria-labelledby="drafts-h"><h2 id="drafts-h">${t('drafts.title')}</h2>
      <ul class="cards" id="drafts">${drafts.map(d => html`<li class="card" data-draft=${d.id}>
        <div class="card-main"><strong>${pick(d.title)}</strong>
          <span class="meta">${d.kind === 'edit' ? t('drafts.edit_of') + ' · ' : ''}${t('drafts.saved_at', { t: new Date(d.updated_at).toLocaleString(app.locale) })}</span></div>
        <div class="card-actions"><a class="btn" href=${'#/fill/' + d.id}>${t('drafts.open')}</a>
          <button type="button" class="btn-quiet" onClick=${() => remove(d)}>${t('drafts.delete')}</button></div></li>`)}</ul></section>`}
    <section aria-labelledby="forms-h"><h2 id="forms-h">${t('forms.title')}</h2>
      ${note && html`<p class="banner info" role="status">${note}</p>`}
      ${forms && forms.length === 0 && html`<p class="banner info">${t('forms.none')}</p>`}
      <ul class="cards" id="forms">${(forms || []).map(f => html`<li class="card" data-form=${f.id}>
        <div class="card-main"><strong class="form-title">${pick(f.title)}</strong><span class="meta">${t('forms.version', { v: f.version })}</span></div>
        <div class="card-actions"><button type="button" class="new-submission" data-form=${f.id} onClick=${() => start(f)}>${t('forms.new')}</button></div></li>`)}</ul>
      ${online && html`<button type="button" class="btn-secondary btn-block" onClick=${refresh}>${t('forms.refresh')}</button>`}
    </section>
    <section class="account"><p class="meta">${app.user.display_name || app.user.username}</p>
      <button type="button" class="btn-danger btn-block" id="sign-out" onClick=${onSignOut}>${t('signout')}</button></section>
  </div>`;
}
