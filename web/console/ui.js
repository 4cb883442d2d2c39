// Small building blocks of the console's pages: error display, labelled
// fields, the async-load hook, dates.

import { html, useEffect, useState, useCallback, useRef } from '/vendor/preact.js';
import { ApiError } from './api.js';
import { t, language } from './i18n.js';

/** ErrorBox shows an API error in the current language with its fields. */
export function ErrorBox({ error }) {
  if (!error) return null;
  const lang = language();
  const msg = error instanceof ApiError ? error.text(lang) : String(error.message || error);
  const fields = (error instanceof ApiError && error.fields) || [];
  return html`<div class="error" role="alert">
    <p>${msg}</p>
    ${fields.length > 0 && html`<ul>${fields.map((f) => html`<li><code>${f.path}</code> ${(f.messages && f.messages[lang]) || f.message}</li>`)}</ul>`}
  </div>`;
}

/** Notice is a polite status line. */
export function Notice({ text }) {
  return html`<p class="notice" role="status">${text || ''}</p>`;
}

let seq = 0;
/** useId returns a stable unique id for label/input pairs. */
export function useFieldId(prefix) {
  const r = useRef('');
  if (!r.current) r.current = `${prefix}-${++seq}`;
  return r.current;
}

/** Field renders a label tied to its input (children gets the id). */
export function Field({ label, children, hint }) {
  const id = useFieldId('f');
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${children(id)}
    ${hint && html`<small>${hint}</small>`}
  </div>`;
}

/** Input is a labelled text input bound to value/onInput. */
export function Input({ label, value, onInput, type = 'text', name, required, autocomplete, placeholder }) {
  return html`<${Field} label=${label}>${(id) => html`<input id=${id} name=${name} type=${type} value=${value ?? ''}
    required=${required} autocomplete=${autocomplete} placeholder=${placeholder}
    onInput=${(e) => onInput(type === 'checkbox' ? e.target.checked : e.target.value)} />`}<//>`;
}

/** Select is a labelled select of options [{value, label}]. */
export function Select({ label, value, onChange, options, name }) {
  return html`<${Field} label=${label}>${(id) => html`<select id=${id} name=${name} value=${value}
    onChange=${(e) => onChange(e.target.value)}>
    ${options.map((o) => html`<option value=${o.value} selected=${o.value === value}>${o.label}</option>`)}
  </select>`}<//>`;
}

/** Check is a labelled checkbox. */
export function Check({ label, checked, onChange, name }) {
  const id = useFieldId('c');
  return html`<div class="check"><input type="checkbox" id=${id} name=${name} checked=${checked}
    onChange=${(e) => onChange(e.target.checked)} /><label for=${id}>${label}</label></div>`;
}

/**
 * useLoad runs load() now and whenever deps change; returns
 * {data, error, loading, reload}.
 */
export function useLoad(load, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const gen = useRef(0);
  const run = useCallback(() => {
    const g = ++gen.current;
    setState((s) => ({ ...s, loading: true, error: null }));
    Promise.resolve()
      .then(load)
      .then((data) => g === gen.current && setState({ data, error: null, loading: false }))
      .catch((error) => g === gen.current && setState({ data: null, error, loading: false }));
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

/** Loading shows the state of a useLoad. */
export function Loading({ load }) {
  if (load.error) return html`<${ErrorBox} error=${load.error} />`;
  if (load.loading && !load.data) return html`<p class="muted" role="status">${t('loading')}</p>`;
  return null;
}

/** when formats an ISO time in the current language, local time. */
export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return d.toLocaleString(language() === 'en' ? 'en-GB' : 'vi-VN', { dateStyle: 'short', timeStyle: 'short' });
}

/** useAction wraps an async action with busy and error state. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const run = useCallback(async (f) => {
    setBusy(true);
    setError(null);
    try {
      return await f();
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, setError };
}
