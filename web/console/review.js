// Supervisors (and managers, admins): the review queue of their units with
// filters and bulk review, and one submission with the form's labels, its
// revisions and their diff, the comment thread and the review decision.
// Everything listed comes from the API, which already limits it to the
// caller's units (and hides sensitive answers without the grant).

import { html, useState } from '/vendor/preact.js';
import { get, post, query } from './api.js';
import { t, label, language } from './i18n.js';
import { ErrorBox, Loading, Notice, useAction, useLoad, Input, Select, Field, when } from './ui.js';

const enc = encodeURIComponent;
const STATES = ['received', 'has_issues', 'approved', 'rejected'];

export function ReviewPage({ form: initialForm }) {
  const forms = useLoad(() => get('/api/v1/forms').then((b) => b.items), []);
  const [form, setForm] = useState(initialForm || '');
  const [f, setF] = useState({ review_state: 'received', unit: '', collector: '', from: '', to: '', q: '' });
  const [applied, setApplied] = useState(f);
  const [cursor, setCursor] = useState('');
  const chosen = form || (forms.data && forms.data[0] && forms.data[0].id) || '';
  const list = useLoad(() => (chosen ? get(`/api/v1/forms/${enc(chosen)}/submissions${query({ ...applied, cursor, limit: 50 })}`) : null),
    [chosen, JSON.stringify(applied), cursor]);
  const [selected, setSelected] = useState(new Set());
  const [bulkMsg, setBulkMsg] = useState('');
  const set = (k) => (v) => setF((p) => ({ ...p, [k]: v }));
  const apply = (e) => {
    e.preventDefault();
    setCursor('');
    setSelected(new Set());
    setApplied(f);
  };
  const toggle = (id, on) => {
    const s = new Set(selected);
    if (on) s.add(id);
    else s.delete(id);
    setSelected(s);
  };
  const items = (list.data && list.data.items) || [];
  return html`<h1>${t('reviewTitle')}</h1>
    <${Loading} load=${forms} />
    <form class="card row" onSubmit=${apply} aria-label=${t('filter')}>
      ${forms.data && html`<${Select} label=${t('form')} name="form" value=${chosen}
        onChange=${(v) => { setForm(v); setCursor(''); setSelected(new Set()); }}
        options=${forms.data.map((x) => ({ value: x.id, label: label(x.title) }))} />`}
      <${Select} label=${t('reviewState')} name="review_state" value=${f.review_state} onChange=${set('review_state')}
        options=${[{ value: '', label: t('all') }, ...STATES.map((s) => ({ value: s, label: t('states.' + s) }))]} />
      <${Input} label=${t('unit')} name="unit" value=${f.unit} onInput=${set('unit')} />
      <${Input} label=${t('collector')} name="collector" value=${f.collector} onInput=${set('collector')} />
      <${Input} label=${t('from')} name="from" type="date" value=${f.from} onInput=${set('from')} />
      <${Input} label=${t('to')} name="to" type="date" value=${f.to} onInput=${set('to')} />
      <${Input} label=${t('answerFilter')} name="q" value=${f.q} onInput=${set('q')} />
      <button type="submit" class="primary">${t('filter')}</button>
    </form>
    <${Loading} load=${list} />
    ${list.data && (items.length === 0 ? html`<p data-testid="empty">${t('noSubmissions')}</p>` : html`<div class="table-wrap" tabindex="0"><table data-testid="queue">
      <thead><tr><th scope="col">${t('select')}</th><th scope="col">${t('surveyDate')}</th><th scope="col">${t('unit')}</th>
        <th scope="col">${t('collector')}</th><th scope="col">${t('reviewState')}</th><th scope="col">${t('received')}</th><th scope="col">${t('open')}</th></tr></thead>
      <tbody>${items.map((s) => html`<tr data-id=${s.id}>
        <td><input type="checkbox" aria-label=${t('select') + ' ' + s.id.slice(0, 8)} checked=${selected.has(s.id)} onChange=${(e) => toggle(s.id, e.target.checked)} /></td>
        <td>${s.survey_date}</td><td>${s.unit}</td><td>${s.collector}</td>
        <td><span class=${'state-badge ' + s.review_state}>${t('states.' + s.review_state)}</span></td>
        <td>${when(s.received_at)}</td>
        <td><a href=${`#/review/${enc(chosen)}/${enc(s.id)}`}>${t('open')} <span class="sr">${s.id}</span></a></td>
      </tr>`)}</tbody></table></div>`)}
    ${list.data && list.data.next_cursor && html`<button type="button" onClick=${() => setCursor(list.data.next_cursor)}>${t('next')}</button>`}
    ${selected.size > 0 && html`<${BulkReview} form=${chosen} ids=${[...selected]} onDone=${(m) => { setBulkMsg(m); setSelected(new Set()); list.reload(); }} />`}
    <${Notice} text=${bulkMsg} />`;
}

function Decision({ onSubmit, busy, heading }) {
  const [state, setState] = useState('approved');
  const [comment, setComment] = useState('');
  const submit = (e) => {
    e.preventDefault();
    onSubmit(state, comment);
  };
  return html`<form class="card" onSubmit=${submit} aria-label=${heading}>
    <h2>${heading}</h2>
    <fieldset class="row"><legend>${t('decision')}</legend>
      ${[['approved', t('approve')], ['has_issues', t('hasIssues')], ['rejected', t('reject')], ['received', t('markReceived')]].map(([v, l]) =>
        html`<label class="check"><input type="radio" name="decision" value=${v} checked=${state === v} onChange=${() => setState(v)} />${l}</label>`)}
    </fieldset>
    <${Field} label=${t('comment')} hint=${t('commentRequired')}>${(id) => html`<textarea id=${id} name="comment" rows="3" value=${comment}
      onInput=${(e) => setComment(e.target.value)}></textarea>`}<//>
    <button type="submit" class="primary" disabled=${busy}>${t('save')}</button>
  </form>`;
}

function BulkReview({ form, ids, onDone }) {
  const act = useAction();
  const [msg, setMsg] = useState('');
  const submit = (state, comment) => act.run(async () => {
    const r = await post(`/api/v1/forms/${enc(form)}/bulk/review`, { ids, state, comment });
    const ok = r.results.filter((x) => x.status === 200).length;
    const failed = r.results.find((x) => x.status !== 200);
    if (!failed) return onDone(t('bulkDone', ok, ids.length));
    setMsg(t('bulkDone', ok, ids.length));
    act.setError({ message: (failed.error.messages && failed.error.messages[language()]) || failed.error.message });
  });
  return html`<div>
    <${Decision} heading=${t('bulkTitle', ids.length)} onSubmit=${submit} busy=${act.busy} />
    <${ErrorBox} error=${act.error} /><${Notice} text=${msg} />
  </div>`;
}

/** Answers renders data with the labels of the form version's schema. */
export function Answers({ schema, data, redacted, path = '' }) {
  const hidden = new Set(redacted || []);
  const props = schema.properties || {};
  const order = schema['x-order'] || Object.keys(props);
  return html`<dl class="answers">${order.map((name) => {
    const p = props[name] || {};
    const ptr = `${path}/${name}`;
    const v = data ? data[name] : undefined;
    let shown;
    if (hidden.has(ptr)) shown = html`<span class="redacted">${t('redacted')}</span>`;
    else if (v === undefined || v === null) shown = html`<span class="muted">—</span>`;
    else if (p.type === 'array' && p.items && p.items.type === 'object') {
      shown = html`<ol>${v.map((item, i) => html`<li aria-label=${t('item', i + 1)}><${Answers} schema=${p.items} data=${item} redacted=${redacted} path=${`${ptr}/${i}`} /></li>`)}</ol>`;
    } else if (p.type === 'object') {
      shown = html`<${Answers} schema=${p} data=${v} redacted=${redacted} path=${ptr} />`;
    } else if (Array.isArray(v)) {
      shown = v.length ? v.map((c) => choiceLabel(p.items, c)).join('; ') : html`<span class="muted">${t('none')}</span>`;
    } else shown = choiceLabel(p, v);
    return html`<dt data-field=${ptr}>${label(p['x-label']) || name}</dt><dd data-value=${ptr}>${shown}</dd>`;
  })}</dl>`;
}

function choiceLabel(p, v) {
  const c = p && p['x-choices'] && p['x-choices'].find((x) => x.code === v);
  return c ? label(c) : String(v);
}

export function SubmissionPage({ form, id }) {
  const base = `/api/v1/forms/${enc(form)}/submissions/${enc(id)}`;
  const load = useLoad(async () => {
    const { body: sub, response } = await get(base, { withResponse: true });
    const [version, history, comments] = await Promise.all([
      get(`/api/v1/forms/${enc(form)}/versions/${sub.form_version}`),
      get(base + '/history'),
      get(base + '/comments'),
    ]);
    return { sub, etag: response.headers.get('ETag'), version, history: history.revisions, comments: comments.items };
  }, [form, id]);
  const act = useAction();
  const [msg, setMsg] = useState('');
  if (!load.data) return html`<h1>${t('submissionTitle', form, id)}</h1><${Loading} load=${load} />`;
  const { sub, etag, version, history, comments } = load.data;
  const review = (state, comment) => act.run(async () => {
    await post(base + '/review', { state, comment }, { headers: etag ? { 'If-Match': etag } : {} });
    setMsg(t('reviewed'));
    load.reload();
  });
  return html`<p><a href=${'#/review/' + enc(form)}>← ${t('back')}</a></p>
    <h1>${t('submissionTitle', label(version.title), id)}</h1>
    <p><span class=${'state-badge ' + sub.review_state} data-testid="state">${t('states.' + sub.review_state)}</span>
      ${sub.review && sub.review.comment && html` — ${sub.review.comment}`}</p>
    <div class="grid2">
      <section aria-labelledby="ans-h">
        <h2 id="ans-h">${t('answers')}</h2>
        <div class="card"><${Answers} schema=${version.schema} data=${sub.data} redacted=${sub.redacted} /></div>
        <h2>${t('envelope')}</h2>
        <dl class="answers card">
          <dt>${t('unit')}</dt><dd>${sub.unit}</dd><dt>${t('surveyDate')}</dt><dd>${sub.survey_date}</dd>
          <dt>${t('collector')}</dt><dd>${sub.collector}</dd><dt>${t('received')}</dt><dd>${when(sub.received_at)}</dd>
          <dt>${t('version')}</dt><dd>${sub.form_version}</dd><dt>${t('revision')}</dt><dd>${sub.revision}</dd>
        </dl>
      </section>
      <section>
        <${Decision} heading=${t('reviewThis')} onSubmit=${review} busy=${act.busy} />
        <${ErrorBox} error=${act.error} /><${Notice} text=${msg} />
        <${Thread} base=${base} comments=${comments} onAdded=${load.reload} />
        <${History} base=${base} history=${history} />
      </section>
    </div>`;
}

function Thread({ base, comments, onAdded }) {
  const [text, setText] = useState('');
  const act = useAction();
  const add = (e) => {
    e.preventDefault();
    act.run(async () => {
      await post(base + '/comments', { text });
      setText('');
      onAdded();
    });
  };
  return html`<section class="card" aria-labelledby="th-h"><h2 id="th-h">${t('comments')}</h2>
    <ul class="thread">${comments.map((c) => html`<li><strong>${c.by}</strong> <span class="muted">${when(c.at)}</span>
      ${c.review_state && html` <span class=${'state-badge ' + c.review_state}>${t('states.' + c.review_state)}</span>`}<br />${c.text}</li>`)}</ul>
    <form onSubmit=${add}>
      <${Field} label=${t('comment')}>${(id) => html`<textarea id=${id} name="thread-comment" rows="2" value=${text} onInput=${(e) => setText(e.target.value)}></textarea>`}<//>
      <button type="submit" disabled=${act.busy}>${t('addComment')}</button>
      <${ErrorBox} error=${act.error} />
    </form>
  </section>`;
}

function History({ base, history }) {
  const last = history.length ? history[history.length - 1].revision : 1;
  const [a, setA] = useState(String(Math.max(1, last - 1)));
  const [b, setB] = useState(String(last));
  const [diff, setDiff] = useState(null);
  const act = useAction();
  const revs = history.map((h) => ({ value: String(h.revision), label: `${h.revision} · ${h.updated_by}` }));
  const compare = (e) => {
    e.preventDefault();
    act.run(async () => setDiff(await get(`${base}/diff${query({ from: a, to: b })}`)));
  };
  return html`<section class="card" aria-labelledby="hi-h"><h2 id="hi-h">${t('history')}</h2>
    <div class="table-wrap" tabindex="0"><table><thead><tr><th scope="col">${t('revision')}</th><th scope="col">${t('by')}</th><th scope="col">${t('at')}</th><th scope="col">${t('reviewState')}</th></tr></thead>
      <tbody>${history.map((h) => html`<tr><td class="num">${h.revision}</td><td>${h.updated_by}</td><td>${when(h.updated_at)}</td><td>${t('states.' + h.review_state)}</td></tr>`)}</tbody></table></div>
    ${history.length > 1 && html`<form class="row" onSubmit=${compare}>
      <${Select} label=${t('from')} value=${a} onChange=${setA} options=${revs} />
      <${Select} label=${t('to')} value=${b} onChange=${setB} options=${revs} />
      <button type="submit">${t('compare')}</button>
    </form>`}
    <${ErrorBox} error=${act.error} />
    ${diff && html`<h3>${t('diffRevisions', diff.from, diff.to)}</h3><ul class="problems">${diff.changes.map((c) =>
      html`<li><code>${c.path}</code> ${c.op}: ${JSON.stringify(c.from ?? null)} → ${JSON.stringify(c.to ?? null)}</li>`)}</ul>`}
  </section>`;
}
