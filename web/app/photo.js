// Photos: a form question whose schema is a string with an image
// contentMediaType is answered with a photo taken on the phone. The picture
// is kept in IndexedDB with the submission and uploaded as an attachment
// after the submission is stored; the answer is the attachment's name.
// The picture is sealed like the answers (vault.js) and leaves the phone
// once uploaded.

import { html, useEffect, useState } from '../vendor/preact.js';
import { t } from '../shared/i18n.js';
import { db } from './db.js';
import { isOpen, seal, unseal } from './vault.js';

/** photoName is the attachment name of a question's photo, its extension
 * the picture's type: the server refuses a name that says another type. */
export const photoName = (path, type) =>
  'photo' + path.replace(/[^A-Za-z0-9]+/g, '-') + ({ 'image/png': '.png', 'image/webp': '.webp' }[type] || '.jpg');

/** makePhoto returns the renderer's Photo component for one submission. */
export function makePhoto(submission) {
  return function Photo({ id, path, value, set, readOnly, describedBy }) {
    const [url, setURL] = useState(null);
    useEffect(() => {
      let u = null;
      (async () => {
        const rec = value && await (await db()).get('photos', [submission, value]);
        const blob = rec && (rec.sealed ? await unseal(rec.sealed) : rec.blob);
        if (blob) { u = URL.createObjectURL(blob); setURL(u); } else setURL(null);
      })();
      return () => { if (u) URL.revokeObjectURL(u); };
    }, [value]);
    const take = async e => {
      const file = e.target.files && e.target.files[0];
      e.target.value = '';
      if (!file) return;
      const type = file.type || 'image/jpeg';
      const name = photoName(path, type);
      const picture = isOpen() ? { sealed: await seal(file) } : { blob: file };
      await (await db()).put('photos', { submission, name, type, uploaded: false, ...picture });
      set(name);
    };
    const remove = async () => { await (await db()).delete('photos', [submission, value]); set(undefined); };
    return html`<div class="photo">
      ${url && html`<img src=${url} alt="" class="photo-preview" />`}
      ${!readOnly && html`<label class="btn btn-secondary" for=${id}>${t('fill.photo_take')}</label>
        <input type="file" id=${id} class="sr-only" accept="image/*" capture="environment" aria-describedby=${describedBy} onChange=${take} />
        ${value && html`<button type="button" class="btn-quiet" onClick=${remove}>${t('fill.photo_remove')}</button>`}`}
    </div>`;
  };
}

