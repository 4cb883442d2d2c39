// Review feedback: the collector's submissions a supervisor marked
// has_issues or rejected, with the comment; opening one starts a correction
// that is sent as an edit (If-Match) of the reviewed revision.

import { html, useEffect, useState } from '../vendor/preact.js';
import { pick, t } from '../shared/i18n.js';
import { cachedFeedback, correct, listForms, refreshFeedback } from './data.js';
import { db } from './db.js';
import { go } from './nav.js';

export function Feedback({ app, tick, online }) {
  const [items, setItems] = useState([]);
  const [titles, setTitles] = useState({});
  const [stale, setStale] = useState(false);
  const [error, setError] = useState(null);
  useEffect(() => {
    (async () => {
      const forms = await listForms();
      setTitles(Object.fromEntries(forms.map(f => [f.id, f.title])));
      const show = async list => {
        // Corrections already queued are not asked for again.
        const queued = new Set((await (await db()).getAll('outbox')).filter(i => i.kind === 'edit' && i.state !== 'rejected').map(i => i.id + ':' + i.base_revision));
        setItems(list.filter(s => !queued.has(s.id + ':' + s.revision)));
      };
      await show(await cachedFeedback(app.user));
      try { await show(await refreshFeedback(app.api, app.user)); setStale(false); } catch { setStale(true); }
    })();
  }, [tick]);
  const open = async s => {
    try { const d = await correct(app.api, s, app.user); go('/fill/' + d.id); } catch (err) { setError(err.text ? err.text() : t('err.unknown')); }
  };
  return html`<section aria-labelledby="fb-h" class="stack">
    <h2 id="fb-h">${t('feedback.title')}</h2>
    ${stale && html`<p class="banner info">${t('feedback.offline')}</p>`}
    ${error && html`<p class="banner error" role="alert">${error}</p>`}
    ${items.length === 0 && html`<p>${t('feedback.none')}</p>`}
    <ul class="cards" id="feedback">${items.map(s => html`<li class="card" data-id=${s.id}>
      <div class="card-main"><strong>${pick(titles[s.form]) || s.form}</strong>
        <span class=${'state state-' + s.review_state}>${t('feedback.state.' + s.review_state)}</span>
        <span class="meta">${s.survey_date} · ${s.unit}</span>
        ${s.review && s.review.comment && html`<blockquote class="comment">${s.review.comment}</blockquote>`}</div>
      <div class="card-actions"><button type="button" class="correct" onClick=${() => open(s)}>${t('feedback.correct')}</button></div>
    </li>`)}</ul>
  </section>`;
}
