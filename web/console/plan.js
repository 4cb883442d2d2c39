// The plan's own numbers: targets (managers import a plan from a CSV
// file), the dashboard of a unit against its targets, the city's status
// view of every reporting unit, reminders, and a report: frozen figures,
// what changed since, the decision up the chain, XLSX and a printable page.

import { html, useState } from '/vendor/preact.js';
import { get, post, del, query, download, request } from './api.js';
import { t } from './i18n.js';
import { ErrorBox, Loading, useAction, useLoad, Input, Field, when } from './ui.js';

/** The quarter before the current one: the period reports are due for. */
function duePeriod() {
  const d = new Date();
  let y = d.getFullYear();
  let q = Math.floor(d.getMonth() / 3);
  if (q === 0) { y -= 1; q = 4; }
  return `${y}Q${q}`;
}

function num(v) {
  if (v === null || v === undefined) return '';
  return String(v);
}

function Verdict({ ok, suppressed }) {
  if (suppressed) return html`<span class="muted">${t('plan.suppressed')}</span>`;
  if (ok === null || ok === undefined) return html`<span class="muted">—</span>`;
  return ok ? html`<span class="ok">✔ ${t('plan.onTrack')}</span>` : html`<span class="bad">✘ ${t('plan.offTrack')}</span>`;
}

function Value({ value, suppressed }) {
  return suppressed ? html`<span class="muted" title=${t('plan.suppressed')}>▒</span>` : num(value);
}

/** PlanPage: reminders, the status view of the period, and a unit's dashboard. */
export function PlanPage({ user, args }) {
  const [period, setPeriod] = useState(args[0] || duePeriod());
  const [unit, setUnit] = useState(args[1] || '');
  const [asked, setAsked] = useState({ period: args[0] || duePeriod(), unit: args[1] || '' });
  const apply = (e) => {
    e.preventDefault();
    setAsked({ period, unit });
  };
  return html`<h1>${t('plan.title')}</h1>
    <form class="card row" onSubmit=${apply}>
      <${Input} label=${t('plan.period')} name="plan-period" value=${period} onInput=${setPeriod} required />
      <${Input} label=${t('plan.unitOptional')} name="plan-unit" value=${unit} onInput=${setUnit} />
      <button type="submit" class="primary">${t('apply')}</button>
    </form>
    <${Reminders} key=${'r' + asked.period} period=${asked.period} />
    <${Status} key=${'s' + asked.period + asked.unit} period=${asked.period} unit=${asked.unit} />
    <${Dashboard} key=${'d' + asked.period + asked.unit} period=${asked.period} unit=${asked.unit} />`;
}

function reportHref(period, unit) {
  return `#/indicators/report/${encodeURIComponent(period)}/${encodeURIComponent(unit)}`;
}

function Reminders({ period }) {
  const list = useLoad(() => get('/api/v1/plan/reminders' + query({ period })).then((b) => b.items), [period]);
  return html`<section class="card" aria-labelledby="rem-h"><h2 id="rem-h">${t('plan.reminders')}</h2>
    <${Loading} load=${list} />
    ${list.data && list.data.length === 0 && html`<p class="muted">${t('plan.noReminders')}</p>`}
    ${list.data && list.data.length > 0 && html`<ul data-testid="reminders">${list.data.map((r) => html`<li>
      <strong>${t('plan.reminderKinds.' + r.kind)}</strong>: <a href=${reportHref(r.period, r.unit)}>${r.name} (${r.unit}) · ${r.period}</a>
      ${r.comment && html` — <q>${r.comment}</q>`}</li>`)}</ul>`}
  </section>`;
}

// badge maps a report state to the review badges' colours.
const badge = { not_submitted: 'received', submitted: 'received', returned: 'has_issues', approved: 'approved' };

function Status({ period, unit }) {
  const st = useLoad(() => get('/api/v1/plan/status' + query({ period, unit })), [period, unit]);
  return html`<section class="card" aria-labelledby="st-h"><h2 id="st-h">${t('plan.status')}</h2>
    <${Loading} load=${st} />
    ${st.data && html`<p data-testid="status-counts">${['not_submitted', 'submitted', 'returned', 'approved'].map((s) =>
      html`<span class=${'state-badge ' + badge[s]}>${t('plan.states.' + s)}: ${st.data.counts[s] || 0}</span> `)}</p>
    <div class="table-wrap" tabindex="0"><table data-testid="status">
      <thead><tr><th scope="col">${t('unit')}</th><th scope="col">${t('plan.report')}</th><th scope="col" class="num">${t('plan.onTrack')}</th>
        <th scope="col" class="num">${t('plan.offTrack')}</th><th scope="col" class="num">${t('plan.unknown')}</th></tr></thead>
      <tbody>${st.data.units.filter((u) => u.cells.length > 0 || u.state !== 'not_submitted').map((u) => html`<tr data-unit=${u.code}>
        <th scope="row">${u.name} (${u.code})</th>
        <td><a href=${reportHref(period, u.code)}>${t('plan.states.' + u.state)}</a></td>
        <td class="num">${u.on_track}</td><td class="num">${u.off_track}</td><td class="num">${u.unknown}</td></tr>`)}</tbody>
    </table></div>
    <p class="muted">${t('plan.statusNote', st.data.units.length)}</p>`}
  </section>`;
}

function Dashboard({ period, unit }) {
  const d = useLoad(() => get('/api/v1/plan/dashboard' + query({ period, unit })), [period, unit]);
  return html`<section class="card" aria-labelledby="db-h"><h2 id="db-h">${t('plan.dashboard')}${d.data ? ` — ${d.data.unit.name} (${d.data.unit.code})` : ''}</h2>
    <${Loading} load=${d} />
    ${d.data && html`<div class="table-wrap" tabindex="0"><table data-testid="dashboard">
      <thead><tr><th scope="col">${t('plan.indicator')}</th><th scope="col" class="num">${t('plan.value')}</th><th scope="col" class="num">${t('plan.target')}</th>
        <th scope="col" class="num">${t('plan.baseline')}</th><th scope="col">${t('plan.verdict')}</th><th scope="col">${t('plan.trend')}</th></tr></thead>
      <tbody>${d.data.rows.map((r) => html`<tr data-indicator=${r.indicator}>
        <th scope="row">${r.indicator}</th><td class="num"><${Value} value=${r.value} suppressed=${r.suppressed} /></td>
        <td class="num">${r.target ? `${r.target.value}${r.target.better === 'less' ? ' ↓' : ''}` : ''}</td>
        <td class="num">${r.baseline !== null && r.baseline !== undefined ? `${r.baseline} (${r.baseline_period})` : ''}</td>
        <td>${r.target ? html`<${Verdict} ok=${r.on_track} suppressed=${r.suppressed} />` : ''}</td>
        <td>${r.trend.map((p) => `${p.period.slice(4)}: ${p.suppressed ? '▒' : num(p.value) || '—'}`).join(' · ')}</td></tr>`)}</tbody>
    </table></div>`}
  </section>`;
}

/** ReportPage: one report as the caller is shown it, and its decisions. */
export function ReportPage({ user, period, unit }) {
  const [version, setVersion] = useState(0);
  const path = `/api/v1/plan/reports/${encodeURIComponent(period)}/${encodeURIComponent(unit)}`;
  const rep = useLoad(() => get(path + query({ version: version || '' })).catch((e) => {
    if (e.status === 404) return null;
    throw e;
  }), [path, version]);
  const [comment, setComment] = useState('');
  const act = useAction();
  const [done, setDone] = useState('');
  const step = (verb, body) => act.run(async () => {
    await post(`${path}/${verb}`, body);
    setDone(t('plan.done.' + verb));
    setComment('');
    rep.reload();
  });
  const r = rep.data;
  // The API decides; the buttons show where it would let the user: a
  // supervisor of the parent unit (or the city) who did not submit it.
  const mayDecide = r && r.state === 'submitted' && r.version.by !== user.username && (user.role === 'admin' ||
    (user.role === 'supervisor' && (user.units || []).some((u) => u === r.parent || u === '01')));
  return html`<h1>${t('plan.reportTitle', unit, period)}</h1>
    <p class="no-print"><a href=${'#/indicators/plan/' + encodeURIComponent(period)}>${t('back')}</a></p>
    <${Loading} load=${rep} />
    <${ErrorBox} error=${act.error} />
    <p class="notice" role="status">${done}</p>
    ${!rep.loading && !rep.error && !r && html`<p>${t('plan.states.not_submitted')}</p>`}
    ${(!r || r.state === 'returned') && !rep.loading && user.role !== 'designer' && html`<div class="actions no-print">
      <button type="button" class="primary" disabled=${act.busy} onClick=${() => step('submit')}>${r ? t('plan.resubmit') : t('plan.submit')}</button></div>`}
    ${r && html`<section class="card" aria-labelledby="rh-h"><h2 id="rh-h">${r.unit_name} (${r.unit}) · ${r.period}</h2>
      <p data-testid="report-state"><strong>${t('plan.states.' + r.state)}</strong> · ${t('plan.versionOf', r.version.version, r.versions.length)}
        · ${t('plan.submittedBy', r.version.by, when(r.version.at))}</p>
      <p>${t('plan.hash')}: <code data-testid="report-hash">${r.version.hash}</code></p>
      ${r.definitions_changed && html`<p class="warning">${t('plan.definitionsChanged')}</p>`}
      <div class="actions no-print">
        ${r.versions.length > 1 && r.versions.map((v) => html`<button type="button" aria-pressed=${v.version === r.version.version}
          onClick=${() => setVersion(v.version)}>${t('plan.version', v.version)}</button>`)}
        <button type="button" onClick=${() => act.run(() => download(`${path}/xlsx` + query({ version: r.version.version })))}>${t('plan.xlsx')}</button>
        <button type="button" onClick=${() => window.print()}>${t('plan.print')}</button>
      </div>
      ${mayDecide && html`<div class="no-print decision">
        <${Field} label=${t('comment')}>${(id) => html`<textarea id=${id} name="report-comment" rows="2" value=${comment} onInput=${(e) => setComment(e.target.value)}></textarea>`}<//>
        <div class="actions"><button type="button" class="primary" disabled=${act.busy} onClick=${() => step('approve')}>${t('plan.approve')}</button>
        <button type="button" disabled=${act.busy} onClick=${() => step('return', { comment })}>${t('plan.return')}</button></div></div>`}
    </section>
    <section class="card" aria-labelledby="ch-h"><h2 id="ch-h">${t('plan.changes')}</h2>
      ${r.changes.length === 0 ? html`<p class="muted">${t('plan.noChanges')}</p>` : html`<div class="table-wrap" tabindex="0"><table data-testid="changes">
        <thead><tr><th scope="col">${t('plan.indicator')}</th><th scope="col">${t('plan.breakdown')}</th><th scope="col" class="num">${t('plan.frozen')}</th>
          <th scope="col" class="num">${t('plan.now')}</th><th scope="col" class="num">${t('plan.delta')}</th></tr></thead>
        <tbody>${r.changes.map((c) => html`<tr><th scope="row">${c.indicator}</th><td>${[c.sex, c.age_group].filter(Boolean).join(' · ') || t('all')}</td>
          <td class="num"><${Value} value=${c.frozen.value} suppressed=${c.frozen.suppressed} /> (${num(c.frozen.numerator)}/${num(c.frozen.denominator)})</td>
          <td class="num"><${Value} value=${c.now.value} suppressed=${c.now.suppressed} /> (${num(c.now.numerator)}/${num(c.now.denominator)})</td>
          <td class="num">${c.delta_numerator !== null ? `${c.delta_numerator > 0 ? '+' : ''}${c.delta_numerator}` : ''}</td></tr>`)}</tbody></table></div>`}
    </section>
    <section class="card" aria-labelledby="fz-h"><h2 id="fz-h">${t('plan.frozenTable')}</h2>
      <div class="table-wrap" tabindex="0"><table data-testid="frozen">
        <thead><tr><th scope="col">${t('plan.indicator')}</th><th scope="col">${t('plan.breakdown')}</th><th scope="col" class="num">${t('plan.numerator')}</th>
          <th scope="col" class="num">${t('plan.denominator')}</th><th scope="col" class="num">${t('plan.value')}</th></tr></thead>
        <tbody>${r.cells.map((c) => html`<tr><th scope="row">${c.indicator}</th><td>${[c.sex, c.age_group].filter(Boolean).join(' · ') || t('all')}</td>
          <td class="num">${c.suppressed ? '▒' : num(c.numerator)}</td><td class="num">${c.suppressed ? '▒' : num(c.denominator)}</td>
          <td class="num"><${Value} value=${c.value} suppressed=${c.suppressed} /></td></tr>`)}</tbody></table></div>
    </section>
    <section class="card" aria-labelledby="hi-h"><h2 id="hi-h">${t('history')}</h2>
      <ol>${r.history.map((h) => html`<li>${when(h.at)} · ${h.by} · ${t('plan.actions.' + h.action)} (${t('plan.version', h.version)})${h.comment ? html` — <q>${h.comment}</q>` : ''}</li>`)}</ol>
    </section>
    <p class="print-only">${t('plan.signature')}</p>`}`;
}

/** TargetsPage: managers import a plan from a CSV file and see its targets. */
export function TargetsPage() {
  const [period, setPeriod] = useState(duePeriod());
  const [asked, setAsked] = useState(duePeriod());
  const list = useLoad(() => get('/api/v1/plan/targets' + query({ period: asked })).then((b) => b.items), [asked]);
  const [file, setFile] = useState(null);
  const [done, setDone] = useState('');
  const act = useAction();
  const importFile = (e) => {
    e.preventDefault();
    if (!file) return;
    act.run(async () => {
      const text = await file.text();
      const b = await request('POST', '/api/v1/plan/targets/import', new Blob([text], { type: 'text/csv' }));
      setDone(t('plan.imported', b.items.length));
      list.reload();
    });
  };
  const remove = (x) => act.run(async () => {
    await del(`/api/v1/plan/targets/${encodeURIComponent(x.period)}/${encodeURIComponent(x.unit)}/${encodeURIComponent(x.indicator)}`);
    list.reload();
  });
  return html`<h1>${t('plan.targetsTitle')}</h1>
    <form class="card" onSubmit=${importFile}>
      <${Field} label=${t('plan.csvFile')} hint=${t('plan.csvHint')}>${(id) => html`<input id=${id} name="targets-file" type="file" accept=".csv,text/csv"
        onChange=${(e) => setFile(e.target.files[0] || null)} />`}<//>
      <button type="submit" class="primary" disabled=${act.busy || !file}>${t('plan.import')}</button>
      <p class="notice" role="status">${done}</p>
    </form>
    <${ErrorBox} error=${act.error} />
    <form class="card row" onSubmit=${(e) => { e.preventDefault(); setAsked(period); }}>
      <${Input} label=${t('plan.period')} name="targets-period" value=${period} onInput=${setPeriod} required />
      <button type="submit">${t('apply')}</button>
    </form>
    <${Loading} load=${list} />
    ${list.data && html`<div class="table-wrap" tabindex="0"><table data-testid="targets">
      <thead><tr><th scope="col">${t('unit')}</th><th scope="col">${t('plan.indicator')}</th><th scope="col">${t('plan.period')}</th>
        <th scope="col" class="num">${t('plan.target')}</th><th scope="col" class="num">${t('plan.baseline')}</th><th scope="col">${t('by')}</th><th scope="col"><span class="sr-only">${t('remove')}</span></th></tr></thead>
      <tbody>${list.data.map((x) => html`<tr><td>${x.unit}</td><th scope="row">${x.indicator}</th><td>${x.period}</td>
        <td class="num">${x.value}${x.better === 'less' ? ' ↓' : ''}</td><td class="num">${x.baseline ? `${x.baseline.value} (${x.baseline.period})` : ''}</td>
        <td>${x.set_by}</td><td><button type="button" class="danger" onClick=${() => remove(x)}>${t('remove')}</button></td></tr>`)}</tbody>
    </table></div>`}`;
}
