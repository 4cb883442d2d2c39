// Data managers (and admins): a form's submissions as a file. The download
// streams in the background with its progress shown; the page stays usable
// and the download can be stopped.

import { html, useRef, useState } from '/vendor/preact.js';
import { get, download, query } from './api.js';
import { t, label } from './i18n.js';
import { ErrorBox, Loading, Notice, useAction, useLoad, Input, Select, Check } from './ui.js';

export function ExportsPage() {
  const forms = useLoad(() => get('/api/v1/forms').then((b) => b.items), []);
  const [o, setO] = useState({ form: '', format: 'zip', labels: 'codes', header: 'names', split: false, unit: '', from: '', to: '', review_state: '' });
  const [progress, setProgress] = useState('');
  const act = useAction();
  const abort = useRef(null);
  const set = (k) => (v) => setO((p) => ({ ...p, [k]: v }));
  const form = o.form || (forms.data && forms.data[0] && forms.data[0].id) || '';
  const start = (e) => {
    e.preventDefault();
    const ctl = new AbortController();
    abort.current = ctl;
    setProgress(t('exportProgress', 0));
    act.run(async () => {
      try {
        const { form: _, ...params } = o;
        const r = await download(`/api/v1/forms/${encodeURIComponent(form)}/export${query(params)}`,
          (n) => setProgress(t('exportProgress', Math.ceil(n / 1024))), ctl.signal);
        setProgress(t('exportDone', r.name, Math.ceil(r.size / 1024)));
      } catch (err) {
        setProgress('');
        if (err.name !== 'AbortError') throw err;
      } finally {
        abort.current = null;
      }
    });
  };
  return html`<h1>${t('exportsTitle')}</h1>
    <${Loading} load=${forms} />
    ${forms.data && html`<form class="card" onSubmit=${start}>
      <div class="row">
        <${Select} label=${t('form')} name="form" value=${form} onChange=${set('form')} options=${forms.data.map((f) => ({ value: f.id, label: label(f.title) }))} />
        <${Select} label=${t('format')} name="format" value=${o.format} onChange=${set('format')}
          options=${[['csv', 'CSV'], ['zip', 'ZIP (CSV)'], ['xlsx', 'XLSX'], ['jsonl', 'JSON Lines']].map(([value, l]) => ({ value, label: l }))} />
        <${Select} label=${t('labels')} name="labels" value=${o.labels} onChange=${set('labels')}
          options=${[['codes', t('labelsCodes')], ['vi', t('labelsVi')], ['en', t('labelsEn')]].map(([value, l]) => ({ value, label: l }))} />
        <${Select} label=${t('reviewState')} name="review_state" value=${o.review_state} onChange=${set('review_state')}
          options=${[{ value: '', label: t('all') }, ...['received', 'has_issues', 'approved', 'rejected'].map((s) => ({ value: s, label: t('states.' + s) }))]} />
      </div>
      <div class="row">
        <${Input} label=${t('unit')} name="unit" value=${o.unit} onInput=${set('unit')} />
        <${Input} label=${t('from')} name="from" type="date" value=${o.from} onInput=${set('from')} />
        <${Input} label=${t('to')} name="to" type="date" value=${o.to} onInput=${set('to')} />
      </div>
      <${Check} label="split (0/1)" checked=${o.split} onChange=${set('split')} name="split" />
      <p class="muted">${t('exportHint')}</p>
      <div class="actions">
        <button type="submit" class="primary" disabled=${act.busy}>${t('exportStart')}</button>
        ${act.busy && html`<button type="button" onClick=${() => abort.current && abort.current.abort()}>${t('exportCancel')}</button>`}
      </div>
      <p role="status" aria-live="polite" data-testid="export-progress">${progress}</p>
      <${ErrorBox} error=${act.error} />
    </form>`}
    <${Notice} text="" />`;
}
