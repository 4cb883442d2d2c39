// Filling in a submission: the envelope (commune, survey date, location),
// the form drawn by the shared renderer, validation as the collector types
// (the form's JSON Schema and its age rules), the draft saved on every
// change, and finalising into the outbox.

import { html, useEffect, useLayoutEffect, useMemo, useRef, useState } from '../vendor/preact.js';
import { lang as currentLang, pick, t } from '../shared/i18n.js';
import { FormView, errorText, fieldID, notWithheld } from '../shared/form.js';
import { validate } from '../shared/validate.js';
import { finalise, getDraft, saveDraft, today, units, version } from './data.js';
import { go } from './nav.js';
import { makePhoto } from './photo.js';

/** metrics are the timings the browser tests read (opening, each change). */
const metrics = globalThis.__khaosatMetrics = globalThis.__khaosatMetrics || { open: [], painted: [], validate: [], change: [] };

function Envelope({ d, units: us, set, errors, show }) {
  const [geo, setGeo] = useState(null);
  const env = d.envelope;
  const err = p => (show(p) && errors.filter(e => e.path === p)) || [];
  const errList = (id, p) => err(p).length ? html`<div class="q-error" id=${id + '-err'} role="alert">${err(p).map(e => html`<p>${errorText(e)}</p>`)}</div>` : null;
  const locate = () => {
    setGeo('busy');
    navigator.geolocation.getCurrentPosition(
      pos => { setGeo(null); set({ location: { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: Math.round(pos.coords.accuracy * 10) / 10 } }); },
      () => setGeo('failed'), { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  };
  const unitName = (us.find(u => u.code === env.unit) || { name: env.unit }).name;
  return html`<section class="envelope" aria-labelledby="env-h"><h2 id="env-h">${t('fill.envelope')}</h2>
    <div class="q"><label class="q-label" for="env-unit">${t('fill.unit')}</label>
      ${us.length > 1 && d.kind !== 'edit'
        ? html`<select id="env-unit" value=${env.unit} onChange=${e => set({ unit: e.target.value })}>
            ${us.map(u => html`<option value=${u.code}>${u.name} (${u.code})</option>`)}</select>`
        : html`<input id="env-unit" readonly value=${`${unitName} (${env.unit})`} />`}
      ${errList('env-unit', '/unit')}</div>
    <div class="q"><label class="q-label" for="env-date">${t('fill.survey_date')}</label>
      <input type="date" id="env-date" max=${today()} value=${env.survey_date} onInput=${e => e.target.value && set({ survey_date: e.target.value })} />
      ${errList('env-date', '/survey_date')}</div>
    <div class="q"><span class="q-label" id="env-loc-l">${t('fill.location')}</span>
      <div class="row"><span class="meta" id="env-loc">${env.location ? t('fill.location_value', { lat: env.location.lat.toFixed(5), lon: env.location.lon.toFixed(5), acc: env.location.accuracy }) : t('fill.location_none')}</span>
        <button type="button" class="btn-secondary" aria-describedby="env-loc-l" disabled=${geo === 'busy'} onClick=${locate}>${t('fill.location_get')}</button></div>
      ${geo === 'failed' && html`<p class="q-hint">${t('fill.location_failed')}</p>`}</div>
  </section>`;
}

export function Fill({ id, app, lang }) {
  const [d, setD] = useState(undefined);
  const [schema, setSchema] = useState(null);
  const [us, setUnits] = useState([]);
  const [touched, setTouched] = useState(() => new Set());
  const [showAll, setShowAll] = useState(false);
  const [saved, setSaved] = useState(true);
  const [summary, setSummary] = useState(null);
  const saving = useRef(Promise.resolve());
  const opened = useRef(performance.now());
  const changed = useRef(0);
  const cur = useRef(null); // the latest draft: handlers of entries not redrawn since must not write an old one
  const lastTouched = useRef(null);
  cur.current = d;
  const Photo = useMemo(() => makePhoto(id), [id]);

  // The reads start as soon as the placeholder is in the page (a layout
  // effect), not after its paint: an effect waits for the next frame, up to
  // a hundred milliseconds and more on a busy phone.
  useLayoutEffect(() => {
    (async () => {
      const draft = await getDraft(id);
      if (!draft || draft.user !== app.user.id) { setD(null); return; }
      const v = await version(navigator.onLine ? app.api : null, draft.form, draft.version).catch(() => null);
      setSchema(v ? v.schema : null);
      setD(draft);
      if ((draft.server_errors || []).length) setShowAll(true);
      setUnits(await units(null, app.user));
      units(navigator.onLine ? app.api : null, app.user).then(setUnits);
    })();
  }, [id]);

  // Errors are shown on touched questions only, or on all of them after a
  // finalise attempt or with the server's errors: until then nothing drawn
  // depends on them, and a draft opens without a validation run.
  // The answers the server withholds from this user (an edit without the
  // phone's own copy): not asked, so not required here either.
  const withheld = useMemo(() => new Set((d && d.withheld) || []), [d && d.withheld]);
  const anyShown = showAll || touched.size > 0;
  const errors = useMemo(() => {
    if (!d || !schema || !anyShown) return [];
    const t0 = performance.now();
    const errs = notWithheld(validate(schema, d.data, d.envelope.survey_date), withheld);
    metrics.validate.push(performance.now() - t0);
    const server = (d.server_errors || []).map(e => ({ ...e, path: e.path.startsWith('/data/') ? e.path.slice(5) : e.path }));
    return [...errs, ...server];
  }, [d && d.data, d && d.envelope.survey_date, d && d.server_errors, schema, anyShown, withheld]);

  // Timings: to the form in the page (layout effect), and to the frame
  // after it was painted (effect).
  const drawnAt = useRef(0);
  useLayoutEffect(() => {
    if (!d || !schema) return;
    if (opened.current && !drawnAt.current) {
      drawnAt.current = opened.current;
      metrics.open.push(performance.now() - opened.current);
      // Resume where the collector was: their last question in view.
      const at = d.at && document.getElementById(fieldID('q', d.at));
      if (at) at.scrollIntoView({ block: 'center' });
    }
    if (changed.current) { metrics.change.push(performance.now() - changed.current); changed.current = 0; }
  });
  useEffect(() => {
    if (!d || !schema || !opened.current) return;
    metrics.painted.push(performance.now() - opened.current);
    opened.current = 0;
  });

  if (d === undefined) return html`<p class="boot">…</p>`;
  if (d === null || !schema) return html`<p class="banner error">${t('fill.not_found')}</p><a class="btn" href="#/">${t('fill.back')}</a>`;

  const update = next => {
    changed.current = performance.now();
    cur.current = next;
    setD(next);
    setSaved(false);
    saving.current = saving.current.then(() => saveDraft(next)).then(() => setSaved(true), () => setSaved(false));
  };
  const dropServer = p => (cur.current.server_errors || []).filter(e => {
    const ep = e.path.startsWith('/data/') ? e.path.slice(5) : e.path;
    return !(ep === p || ep.startsWith(p + '/'));
  });
  const onTouch = p => setTouched(prev => { if (prev.has(p)) return prev; const n = new Set(prev); n.add(p); return n; });
  const show = p => showAll || touched.has(p);
  const setEnvelope = patch => {
    const p = '/' + Object.keys(patch)[0];
    onTouch(p);
    update({ ...cur.current, envelope: { ...cur.current.envelope, ...patch }, server_errors: dropServer(p) });
  };
  // The renderer touches the path it changes just before calling onChange:
  // the server's errors on that question are answered by the change.
  const touchAndRemember = p => { lastTouched.current = p; onTouch(p); };
  const onChange = data => {
    const p = lastTouched.current;
    update({ ...cur.current, data, at: p || cur.current.at, server_errors: p ? dropServer(p) : cur.current.server_errors });
  };

  const submit = async () => {
    setShowAll(true);
    await saving.current;
    const latest = cur.current; // not the draft of the last drawing: a change may not be drawn yet
    const errs = notWithheld(validate(schema, latest.data, latest.envelope.survey_date), withheld);
    if (errs.length) {
      setSummary(t('fill.errors', { n: errs.length }));
      requestAnimationFrame(() => {
        const first = document.querySelector('[aria-invalid=true], .q-error');
        if (first) { first.scrollIntoView({ block: 'center' }); (first.querySelector ? first.querySelector('input,select,textarea') || first : first).focus?.(); }
      });
      return;
    }
    await finalise(latest);
    await app.refresh();
    app.requestBackgroundSync && app.requestBackgroundSync();
    go('/outbox');
    app.sync();
  };

  const unknown = showAll ? errors.filter(e => !document.getElementById(fieldID('q', e.path)) && !['/unit', '/survey_date'].includes(e.path)) : [];
  return html`<div class="fill">
    <div class="fill-head"><a class="btn btn-quiet" href="#/">← ${t('fill.back')}</a>
      <span class="meta save-state" id="save-state" role="status">${saved ? t('fill.saved') : t('fill.saving')}</span></div>
    <h2 class="fill-title">${pick(d.title)}</h2>
    <p class="meta">${t('fill.version', { v: d.version })}</p>
    ${d.review && d.review.comment && html`<div class="banner warn" id="review-comment"><p class="label">${t('fill.review_comment')}:</p><p>${d.review.comment}</p></div>`}
    ${(d.server_errors || []).length > 0 && html`<p class="banner error" role="alert">${t('fill.server_errors')}</p>`}
    <${Envelope} d=${d} units=${us} set=${setEnvelope} errors=${errors} show=${show} />
    <${FormView} schema=${schema} value=${d.data} lang=${lang || currentLang()} errors=${errors} show=${show}
      onTouch=${touchAndRemember} onChange=${onChange} prefix="q" Photo=${Photo} focus=${d.at || ''} withheld=${withheld}
      onWithheld=${w => update({ ...cur.current, withheld: w })} />
    ${unknown.length > 0 && html`<div class="banner error">${unknown.map(e => html`<p>${e.path}: ${errorText(e)}</p>`)}</div>`}
    <div class="finalise">
      ${summary && showAll && errors.length > 0 && html`<p class="banner error" role="alert" id="error-summary">${t('fill.errors', { n: errors.length })}</p>`}
      <button type="button" class="btn-block" id="finalise" onClick=${submit}>${t('fill.finalise')}</button>
    </div>
  </div>`;
}
