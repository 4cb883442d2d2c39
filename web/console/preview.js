// The live preview of a draft: the phone's own form renderer, fed the
// draft document. Placeholder until the shared renderer is merged.
import { html } from '/vendor/preact.js';
import { t } from './i18n.js';

export function Preview({ schema }) {
  return html`<p class="muted">${schema && schema['x-title'] ? '' : t('previewNeedsValid')}</p>`;
}
