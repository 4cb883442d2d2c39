// The live preview of a draft: the phone's own renderer (web/shared/form.js)
// and validator, fed the draft document as the designer types, so the
// designer sees exactly what a collector will see. The renderer is loaded
// when the editor first needs it, and a document it cannot draw (mid-edit)
// never takes the page down.

import { html, useEffect, useMemo, useState, useErrorBoundary } from '/vendor/preact.js';
import { t, language } from './i18n.js';

let shared = null;
const loadShared = () => (shared ||= Promise.all([import('/shared/form.js'), import('/shared/validate.js')])
  .then(([form, validate]) => ({ FormView: form.FormView, validate: validate.validate })));

export function Preview({ schema }) {
  const [mod, setMod] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    loadShared().then(setMod, (e) => setError(String(e)));
  }, []);
  const [failed, reset] = useErrorBoundary();
  if (failed) {
    setTimeout(reset, 0); // try again with the next document
    return html`<p class="muted">${t('previewNeedsValid')}</p>`;
  }
  if (error) return html`<p class="error" role="alert">${error}</p>`;
  if (!mod) return html`<p class="muted" role="status">${t('loading')}</p>`;
  return html`<${Drawn} schema=${schema} mod=${mod} />`;
}

function Drawn({ schema, mod }) {
  const [value, setValue] = useState({});
  const today = new Date().toISOString().slice(0, 10);
  const errors = useMemo(() => {
    try {
      return mod.validate(schema, value, today);
    } catch {
      return null;
    }
  }, [schema, value]);
  if (!schema || typeof schema !== 'object' || !schema.properties || errors === null) {
    return html`<p class="muted">${t('previewNeedsValid')}</p>`;
  }
  return html`<div data-testid="preview"><${mod.FormView} schema=${schema} value=${value} onChange=${setValue}
    errors=${errors} show=${() => false} prefix="pv" lang=${language()} /></div>`;
}
