// Data managers (and supervisors, admins, within their units): the 16
// indicators for a period and a level, as the API's table (with sex and
// age-group breakdowns, suppressed cells shown as such), a bar chart by
// unit and a trend by month (by quarter for a sensitive indicator without
// the grant), and the table as CSV or XLSX. Periods are years and quarters
// only: the grid on which sensitive indicators are given to everyone.

import { html, useEffect, useRef, useState } from '/vendor/preact.js';
import uPlot from './vendor/uplot.js';
import { get, download, query } from './api.js';
import { t, label } from './i18n.js';
import { ErrorBox, Loading, useAction, useLoad, Input, Select, Check } from './ui.js';

function periods() {
  const y = new Date().getFullYear();
  const out = [];
  for (let year = y; year >= y - 3; year--) {
    out.push({ value: String(year), label: String(year) });
    for (let q = 1; q <= 4; q++) out.push({ value: `${year}Q${q}`, label: `${year} Q${q}` });
  }
  return out;
}

/** months lists [from, to] dates of each month of a period (2026, 2026Q2). */
export function months(period) {
  const year = Number(period.slice(0, 4));
  const q = period.length > 4 ? Number(period.slice(5)) : 0;
  const first = q ? (q - 1) * 3 : 0;
  const n = q ? 3 : 12;
  const out = [];
  for (let m = first; m < first + n; m++) {
    const last = new Date(Date.UTC(year, m + 1, 0)).getUTCDate();
    const mm = String(m + 1).padStart(2, '0');
    out.push({ month: m + 1, from: `${year}-${mm}-01`, to: `${year}-${mm}-${last}` });
  }
  return out;
}

/** quarters lists the four quarters of a period's year (2026, 2026Q2), as
 * periods: the grid on which a user without the sensitive grant may ask
 * for a sensitive indicator (a month would be refused). */
export function quarters(period) {
  const year = period.slice(0, 4);
  return [1, 2, 3, 4].map((q) => ({ quarter: q, period: `${year}Q${q}` }));
}

/** seesSensitive mirrors the server's rule: admins, managers, and
 * supervisors with the grant. */
export function seesSensitive(user) {
  return user.role === 'admin' || user.role === 'manager' || !!user.sensitive_access;
}

/** cell is the text of a table cell exactly as the dashboard shows it. */
export function cellText(def, row, key) {
  if (key === 'numerator') return row.suppressed ? t('suppressed') : String(row.numerator);
  if (row.suppressed) return t('suppressed'); // numerator, denominator and value alike
  if (key === 'denominator') return String(row.denominator);
  if (row.value === null || row.value === undefined) return '—';
  return def.type === 'percent' ? `${row.value} %` : String(row.value);
}

// total adds up rows (over breakdowns or units) into one value.
function total(def, rows) {
  let num = 0;
  let den = 0;
  for (const r of rows) {
    if (r.suppressed || r.numerator === null) return null;
    num += r.numerator;
    den += r.denominator;
  }
  if (def.type === 'count') return num;
  return den ? Math.round((num / den) * 1000) / 10 : null;
}

function Chart({ title, labels, values, kind }) {
  const host = useRef(null);
  useEffect(() => {
    const el = host.current;
    el.textContent = '';
    const xs = labels.map((_, i) => i);
    const plot = new uPlot({
      width: Math.max(280, el.clientWidth - 16), height: 260,
      legend: { show: false },
      scales: { x: { time: false, range: [-0.6, Math.max(0.6, labels.length - 0.4)] }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [
        { values: (u, splits) => splits.map((i) => (Number.isInteger(i) && labels[i] !== undefined ? labels[i] : '')), stroke: '#1b1f24', space: 20, incrs: [1] },
        { stroke: '#1b1f24' },
      ],
      series: [{}, kind === 'bar'
        ? { stroke: '#0b5cad', fill: 'rgba(11,92,173,0.75)', paths: uPlot.paths.bars({ size: [0.6, 60] }), points: { show: false } }
        : { stroke: '#0b5cad', width: 2, points: { size: 7, fill: '#0b5cad' } }],
    }, [xs, values.map((v) => (v === null ? null : v))], el);
    return () => plot.destroy();
  }, [JSON.stringify(labels), JSON.stringify(values)]);
  const summary = labels.map((l, i) => `${l}: ${values[i] === null ? '—' : values[i]}`).join('; ');
  return html`<figure class="chart" role="img" aria-label=${title + '. ' + summary}>
    <figcaption><strong>${title}</strong></figcaption>
    <div ref=${host} data-testid=${'chart-' + kind}></div>
  </figure>`;
}

export function IndicatorsPage({ user }) {
  const defaultUnit = user.units && user.units.length === 1 ? user.units[0] : '01';
  // The city's 16 indicators at a glance; a commune's user starts at their commune.
  const [o, setO] = useState({ period: String(new Date().getFullYear()), level: defaultUnit === '01' ? 'city' : 'commune',
    unit: defaultUnit, sex: false, age: false });
  const [applied, setApplied] = useState(o);
  const set = (k) => (v) => setO((p) => ({ ...p, [k]: v }));
  const params = (a) => ({ period: a.period, level: a.level, unit: a.unit, by: [a.sex && 'sex', a.age && 'age_group'].filter(Boolean).join(',') });
  // The loaded table keeps the query it answers, so that the charts never
  // mix a new query with an old table.
  const table = useLoad(() => get('/api/v1/indicators/table' + query(params(applied))).then((b) => ({ ...b, query: applied })),
    [JSON.stringify(applied)]);
  const [code, setCode] = useState('');
  const act = useAction();
  const data = table.data;
  const defs = (data && data.indicators) || [];
  // code '' shows every indicator in the table; the charts draw one.
  const charted = code || (defs[0] && defs[0].code) || '';
  const def = defs.find((d) => d.code === charted);
  const submit = (e) => {
    e.preventDefault();
    setApplied(o);
  };
  const file = (format) => act.run(() => download('/api/v1/indicators/table' + query({ ...params(data.query), format })));
  return html`<h1>${t('indicatorsTitle')}</h1>
    <p><a href="#/indicators/plan">${t('plan.title')}</a></p>
    <form class="card row" onSubmit=${submit} aria-label=${t('filter')}>
      <${Select} label=${t('period')} name="period" value=${o.period} onChange=${set('period')} options=${periods()} />
      <${Select} label=${t('level')} name="level" value=${o.level} onChange=${set('level')}
        options=${['city', 'district', 'commune'].map((l) => ({ value: l, label: t('levels.' + l) }))} />
      <${Input} label=${t('unit')} name="unit" value=${o.unit} onInput=${set('unit')} />
      <fieldset class="row"><legend>${t('breakdown')}</legend>
        <${Check} label=${t('bySex')} name="by-sex" checked=${o.sex} onChange=${set('sex')} />
        <${Check} label=${t('byAge')} name="by-age" checked=${o.age} onChange=${set('age')} />
      </fieldset>
      <button type="submit" class="primary">${t('show')}</button>
    </form>
    <div class="actions">
      <button type="button" onClick=${() => file('csv')} disabled=${!data || act.busy}>${t('downloadCsv')}</button>
      <button type="button" onClick=${() => file('xlsx')} disabled=${!data || act.busy}>${t('downloadXlsx')}</button>
    </div>
    <${ErrorBox} error=${act.error} />
    <${Loading} load=${table} />
    ${data && html`
      <${Select} label=${t('indicator')} name="indicator" value=${code} onChange=${setCode}
        options=${[{ value: '', label: t('allIndicators') }, ...defs.map((d) => ({ value: d.code, label: label(d.name) }))]} />
      ${def && html`<${Charts} def=${def} data=${data} applied=${data.query} byQuarter=${def.sensitive && !seesSensitive(user)} />`}
      <${Table} data=${data} code=${code} />
      <p class="muted">${t('suppressedNote')}</p>`}`;
}

// Charts draws one indicator by unit and its trend: by month, or by
// quarter for a sensitive indicator and a user without the grant, who is
// given it only for years and quarters.
function Charts({ def, data, applied, byQuarter }) {
  const rows = data.rows.filter((r) => r.indicator === def.code);
  const units = [];
  const byUnit = new Map();
  for (const r of rows) {
    const k = (r.hierarchy || '') + '/' + r.unit;
    if (!byUnit.has(k)) {
      byUnit.set(k, []);
      units.push(r);
    }
    byUnit.get(k).push(r);
  }
  const points = byQuarter
    ? quarters(applied.period).map((q) => ({ label: t('quarter', q.quarter), range: { period: q.period } }))
    : months(applied.period).map((m) => ({ label: t('month', m.month), range: { from: m.from, to: m.to } }));
  const trend = useLoad(() => Promise.all(points.map((p) =>
    get('/api/v1/indicators/table' + query({ codes: def.code, ...p.range, level: applied.level, unit: applied.unit }))
      .then((tb) => ({ label: p.label, value: total(def, tb.rows) })))), [def.code, byQuarter, JSON.stringify(applied)]);
  return html`<div class="charts">
    <${Chart} kind="bar" title=${t('chartBy') + ' — ' + label(def.name)}
      labels=${units.map((u) => u.unit_name)} values=${units.map((u) => total(def, byUnit.get((u.hierarchy || '') + '/' + u.unit)))} />
    ${trend.data ? html`<${Chart} kind="line" title=${t(byQuarter ? 'chartTrendQuarter' : 'chartTrend') + ' — ' + label(def.name)}
      labels=${trend.data.map((p) => p.label)} values=${trend.data.map((p) => p.value)} />` : html`<${Loading} load=${trend} />`}
  </div>`;
}

function Table({ data, code }) {
  const bySex = data.by.includes('sex');
  const byAge = data.by.includes('age_group');
  const defs = new Map(data.indicators.map((d) => [d.code, d]));
  return html`<div class="table-wrap" tabindex="0"><table data-testid="indicator-table">
    <caption class="sr">${t('indicatorsTitle')} ${data.from} – ${data.to}</caption>
    <thead><tr><th scope="col">${t('indicator')}</th><th scope="col">${t('unit')}</th>
      ${bySex && html`<th scope="col">${t('sex')}</th>`}${byAge && html`<th scope="col">${t('ageGroup')}</th>`}
      <th scope="col" class="num">${t('numerator')}</th><th scope="col" class="num">${t('denominator')}</th><th scope="col" class="num">${t('value')}</th></tr></thead>
    <tbody>${data.rows.filter((r) => !code || r.indicator === code).map((r) => {
      const def = defs.get(r.indicator);
      return html`<tr data-indicator=${r.indicator} data-unit=${r.unit} data-sex=${r.sex || ''} data-age=${r.age_group || ''}>
        <td>${label(def.name)}</td><td>${r.unit_name} <code>${r.unit}</code></td>
        ${bySex && html`<td>${t('sexes.' + r.sex)}</td>`}${byAge && html`<td>${r.age_group}</td>`}
        <td class=${'num' + (r.suppressed ? ' suppressed' : '')} data-cell="numerator">${cellText(def, r, 'numerator')}</td>
        <td class=${'num' + (r.suppressed ? ' suppressed' : '')} data-cell="denominator">${cellText(def, r, 'denominator')}</td>
        <td class=${'num' + (r.suppressed ? ' suppressed' : '')} data-cell="value">${cellText(def, r, 'value')}</td>
      </tr>`;
    })}</tbody></table></div>`;
}
