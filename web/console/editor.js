// Designers: a form's draft in a code editor. As the designer types, the
// document is parsed here (JSON syntax) and, when it parses, saved as the
// draft: the API lints it and its errors (422) and warnings come back as
// diagnostics on the lines they concern. Beside it: the live preview with
// the phone's renderer, a test submission, the diff with the published
// version, publishing (a refused breaking change explained), close/reopen
// and the codebook.

import { html, useEffect, useRef, useState } from '/vendor/preact.js';
import {
  EditorState, EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection,
  history, defaultKeymap, historyKeymap, indentWithTab, syntaxHighlighting, defaultHighlightStyle,
  bracketMatching, indentOnInput, ensureSyntaxTree, linter, lintGutter, json, jsonParseLinter,
} from './vendor/codemirror.js';
import { get, put, post, download, ApiError } from './api.js';
import { t, label, language } from './i18n.js';
import { ErrorBox, Loading, Notice, useAction, useLoad, Field, Input } from './ui.js';
import { Preview } from './preview.js';

const enc = encodeURIComponent;

export function EditorPage({ form }) {
  const base = `/api/v1/forms/${enc(form)}`;
  const load = useLoad(async () => {
    const current = await get(base);
    let draft = null;
    try {
      draft = await get(base + '/draft');
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
    return { current, draft };
  }, [form]);
  const act = useAction();
  const [notice, setNotice] = useState('');

  if (!load.data) return html`<h1>${t('editorTitle', form)}</h1><${Loading} load=${load} />`;
  const { current, draft } = load.data;
  const startDraft = () => act.run(async () => {
    await put(base + '/draft', current.schema);
    load.reload();
  });
  const setStatus = (verb) => act.run(async () => {
    await post(`${base}/${verb}`);
    load.reload();
  });
  return html`<h1>${t('editorTitle', label(current.title))}</h1>
    <p class="muted"><code>${form}</code> · ${t('version')} ${current.version} · ${current.status === 'open' ? t('statusOpen') : t('statusClosed')}</p>
    <div class="actions">
      <button type="button" onClick=${() => setStatus(current.status === 'open' ? 'close' : 'reopen')} disabled=${act.busy}>
        ${current.status === 'open' ? t('closeForm') : t('reopenForm')}</button>
      <button type="button" onClick=${() => act.run(() => download(`${base}/versions/${current.version}/codebook?format=csv`))}>${t('codebook')}</button>
    </div>
    <${ErrorBox} error=${act.error} />
    <${Notice} text=${notice} />
    ${!draft && html`<section class="card" aria-labelledby="nodraft">
      <h2 id="nodraft">${t('noDraft')}</h2>
      <div class="actions"><button type="button" class="primary" onClick=${startDraft} disabled=${act.busy}>${t('startFromVersion', current.version)}</button></div>
      <${CopyAsNew} current=${current} />
    </section>`}
    ${draft && html`<${DraftEditor} key=${draft.hash} base=${base} current=${current} draft=${draft}
      onPublished=${(v) => { setNotice(t('published', v.version)); load.reload(); }} />`}`;
}

// CopyAsNew creates a new form from the published document under a new id.
function CopyAsNew({ current }) {
  const [id, setId] = useState('');
  const act = useAction();
  const create = (e) => {
    e.preventDefault();
    act.run(async () => {
      const doc = structuredClone(current.schema);
      doc['x-form'] = id;
      doc.$id = `https://khaosat.example/forms/${id}.json`;
      doc['x-title'] = { vi: doc['x-title'].vi + ' (' + id + ')', en: doc['x-title'].en + ' (' + id + ')' };
      await post('/api/v1/forms', doc);
      location.hash = '#/forms/' + enc(id);
    });
  };
  return html`<form class="row" onSubmit=${create}>
    <${Input} label=${t('newFormId')} value=${id} onInput=${setId} name="new-form-id" required />
    <button type="submit" disabled=${act.busy || !id}>${t('copyAsNew')}</button>
    <${ErrorBox} error=${act.error} />
  </form>`;
}

// unescape reads one JSON pointer token.
const token = (s) => s.replace(/~1/g, '/').replace(/~0/g, '~');

/**
 * locate finds the range of the JSON pointer in the editor's document: the
 * deepest existing member on its path (a missing x-label points at the
 * field that lacks it), cut to its first line.
 */
export function locate(state, pointer) {
  const tree = ensureSyntaxTree(state, state.doc.length, 1000);
  if (!tree) return { from: 0, to: 0 };
  let node = tree.topNode.firstChild;
  let best = node;
  const parts = pointer ? pointer.split('/').slice(1).map(token) : [];
  for (const part of parts) {
    if (!node) break;
    let next = null;
    let at = null;
    if (node.name === 'Object') {
      for (let c = node.firstChild; c; c = c.nextSibling) {
        if (c.name !== 'Property') continue;
        const n = c.getChild('PropertyName');
        let key = null;
        try {
          key = n && JSON.parse(state.sliceDoc(n.from, n.to));
        } catch {
          key = null;
        }
        if (key === part) {
          at = c;
          next = c.lastChild;
          break;
        }
      }
    } else if (node.name === 'Array') {
      let i = 0;
      for (let c = node.firstChild; c; c = c.nextSibling) {
        if (c.name === '[' || c.name === ']' || c.name === ',' || c.type.isError) continue;
        if (String(i) === part) {
          at = c;
          next = c;
          break;
        }
        i++;
      }
    }
    if (!next) break;
    best = at;
    node = next;
  }
  if (!best) return { from: 0, to: 0 };
  const line = state.doc.lineAt(best.from);
  return { from: best.from, to: Math.min(best.to, line.to) };
}

const parseLint = jsonParseLinter();

function DraftEditor({ base, current, draft, onPublished }) {
  const host = useRef(null);
  const view = useRef(null);
  const [status, setStatus] = useState({ kind: 'good', text: t('lintOk') });
  const [problems, setProblems] = useState({ errors: [], warnings: draft.warnings || [] });
  const [doc, setDoc] = useState(draft.schema);
  // dirty: the editor holds changes the server has not saved as the draft.
  const [dirty, setDirty] = useState(false);

  useEffect(() => {
    const lang = language();
    // The source of the diagnostics: JSON syntax here, everything else by the API.
    const source = async (v) => {
      const syntax = parseLint(v);
      if (syntax.length) {
        setStatus({ kind: 'bad', text: t('jsonSyntax') });
        setProblems({ errors: syntax.map((d) => ({ path: '', message: d.message, at: d.from, line: v.state.doc.lineAt(d.from).number })), warnings: [] });
        return syntax;
      }
      const text = v.state.doc.toString();
      let parsed;
      try {
        parsed = JSON.parse(text);
      } catch {
        return [];
      }
      setStatus({ kind: '', text: t('lintSaving') });
      const diag = (p, severity) => {
        const r = locate(v.state, p.path);
        return { from: r.from, to: r.to, severity, source: p.code, message: ((p.messages && p.messages[lang]) || p.message) + (p.path ? ` (${p.path})` : '') };
      };
      const withLine = (p) => {
        const at = locate(v.state, p.path).from;
        return { ...p, at, line: v.state.doc.lineAt(at).number };
      };
      try {
        const d = await put(base + '/draft', text);
        if (v.state.doc.toString() === text) setDirty(false);
        setDoc(parsed); // the preview draws what the server accepted as the draft
        const warnings = d.warnings || [];
        setProblems({ errors: [], warnings: warnings.map(withLine) });
        setStatus({ kind: 'good', text: t('lintOk') + (warnings.length ? ' ' + t('lintWarnings', warnings.length) : '') });
        return warnings.map((w) => diag(w, 'warning'));
      } catch (e) {
        if (!(e instanceof ApiError) || e.status !== 422) {
          setStatus({ kind: 'bad', text: e.text ? e.text(lang) : String(e) });
          return [];
        }
        const fields = e.fields.length ? e.fields : [{ path: '', code: e.code, message: e.text(lang), messages: e.messages }];
        setProblems({ errors: fields.map(withLine), warnings: [] });
        setStatus({ kind: 'bad', text: t('lintErrors', fields.length) });
        return fields.map((f) => diag(f, 'error'));
      }
    };
    const state = EditorState.create({
      doc: JSON.stringify(draft.schema, null, 2),
      extensions: [
        lineNumbers(), highlightActiveLineGutter(), history(), drawSelection(), indentOnInput(), bracketMatching(),
        highlightActiveLine(), syntaxHighlighting(defaultHighlightStyle, { fallback: true }), json(),
        linter(source, { delay: 500 }), lintGutter(),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) {
            setDirty(true);
            setStatus({ kind: '', text: t('lintSaving') });
          }
        }),
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        EditorView.contentAttributes.of({ 'aria-label': t('editorLabel') }),
        EditorView.theme({
          '&': { height: '62vh', backgroundColor: '#fff', color: '#1b1f24' },
          '.cm-scroller': { overflow: 'auto' },
          '.cm-gutters': { backgroundColor: '#eef1f4', color: '#3d4a57', borderRight: '1px solid #c9d1da' },
          '.cm-content': { fontFamily: 'ui-monospace, Menlo, Consolas, monospace', fontSize: '13px' },
          '.cm-activeLine': { backgroundColor: '#eef4fb' },
          '.cm-activeLineGutter': { backgroundColor: '#dde7f2' },
        }),
      ],
    });
    // The editor lives in a shadow root: there CodeMirror's styles are
    // constructed style sheets, which the page's CSP (style-src 'self', no
    // inline style elements) allows.
    const shadow = host.current.shadowRoot || host.current.attachShadow({ mode: 'open' });
    view.current = new EditorView({ state, parent: shadow, root: shadow });
    // Keyboard users reach the scrolling area too (the content is inside it).
    view.current.scrollDOM.setAttribute('tabindex', '0');
    return () => view.current.destroy();
  }, []);

  return html`<div class="grid2">
    <section aria-labelledby="ed-h">
      <h2 id="ed-h">${t('editorLabel')}</h2>
      <div class="editor-host" ref=${host}></div>
      <p class=${'lint-status ' + status.kind} role="status" aria-live="polite" data-testid="lint-status">${status.text}</p>
      <${ProblemList} problems=${problems} onJump=${(at) => {
        const ed = view.current;
        ed.dispatch({ selection: { anchor: at }, effects: EditorView.scrollIntoView(at, { y: 'center' }) });
        ed.focus();
      }} />
    </section>
    <section aria-labelledby="pv-h">
      <h2 id="pv-h">${t('preview')}</h2>
      <div class="card preview"><${Preview} schema=${doc} /></div>
      <${TestSubmission} base=${base} current=${current} />
      <${DraftDiff} base=${base} current=${current} />
      <${Publish} base=${base} dirty=${dirty} onPublished=${onPublished} />
    </section>
  </div>`;
}

// ProblemList lists the lint problems; each one's line is a button that
// takes the cursor there.
function ProblemList({ problems, onJump }) {
  const lang = language();
  const text = (p) => (p.messages && p.messages[lang]) || p.message;
  if (!problems.errors.length && !problems.warnings.length) return null;
  const item = (p, kind, title) => html`<li class=${kind}><strong>${title}</strong>
    ${p.line ? html` <button type="button" class="link" onClick=${() => onJump(p.at)}>${t('line', p.line)}</button>: ` : ' '}${text(p)} ${p.path && html`<code>${p.path}</code>`}</li>`;
  return html`<ul class="problems" data-testid="problems">
    ${problems.errors.map((p) => item(p, 'error-item', t('errorsTitle')))}
    ${problems.warnings.map((p) => item(p, 'warning', t('warningsTitle')))}
  </ul>`;
}

function TestSubmission({ base, current }) {
  const [unit, setUnit] = useState('');
  const [date, setDate] = useState(new Date().toISOString().slice(0, 10));
  const [data, setData] = useState('{}');
  const [ok, setOk] = useState('');
  const act = useAction();
  const send = (e) => {
    e.preventDefault();
    setOk('');
    act.run(async () => {
      let parsed;
      try {
        parsed = JSON.parse(data);
      } catch {
        throw new Error(t('jsonSyntax'));
      }
      await post(base + '/draft/submissions', { id: crypto.randomUUID(), form_version: current.version + 1, unit, survey_date: date, data: parsed });
      setOk(t('testValid'));
    });
  };
  return html`<details class="card"><summary><strong>${t('testSubmission')}</strong></summary>
    <form onSubmit=${send}>
      <div class="row">
        <${Input} label=${t('testUnit')} value=${unit} onInput=${setUnit} name="test-unit" />
        <${Input} label=${t('testDate')} type="date" value=${date} onInput=${setDate} name="test-date" />
      </div>
      <${Field} label=${t('testData')}>${(id) => html`<textarea id=${id} name="test-data" rows="6" value=${data} onInput=${(e) => setData(e.target.value)}></textarea>`}<//>
      <button type="submit" disabled=${act.busy}>${t('testSend')}</button>
      <${ErrorBox} error=${act.error} />
      <${Notice} text=${ok} />
    </form>
  </details>`;
}

function ChangeList({ changes }) {
  if (!changes.length) return html`<p>${t('diffNone')}</p>`;
  return html`<ul class="problems" data-testid="diff">${changes.map((c) => html`<li>
    ${c.breaking && html`<span class="state-badge breaking">${t('breaking')}</span> `}${label(c.message)} ${c.path && html`<code>${c.path}</code>`}
  </li>`)}</ul>`;
}

function DraftDiff({ base, current }) {
  const [changes, setChanges] = useState(null);
  const act = useAction();
  const show = () => act.run(async () => {
    const d = await get(`${base}/diff?from=${current.version}&to=draft`);
    setChanges(d.changes);
  });
  return html`<section class="card" aria-labelledby="diff-h">
    <h3 id="diff-h">${t('diffTitle', current.version)}</h3>
    <button type="button" onClick=${show} disabled=${act.busy}>${t('diffShow')}</button>
    <${ErrorBox} error=${act.error} />
    ${changes && html`<${ChangeList} changes=${changes} />`}
  </section>`;
}

function Publish({ base, dirty, onPublished }) {
  const [notes, setNotes] = useState('');
  const act = useAction();
  const lang = language();
  const publish = (e) => {
    e.preventDefault();
    act.run(async () => {
      const v = await post(base + '/publish', { notes });
      onPublished(v);
    });
  };
  const err = act.error;
  const breaking = err instanceof ApiError && err.status === 409 && err.fields.some((f) => t('breakingHelp.' + f.code) !== 'breakingHelp.' + f.code);
  return html`<section class="card" aria-labelledby="pub-h">
    <h3 id="pub-h">${t('publishTitle')}</h3>
    <form onSubmit=${publish}>
      <${Field} label=${t('releaseNotes')}>${(id) => html`<textarea id=${id} name="notes" rows="3" value=${notes} onInput=${(e) => setNotes(e.target.value)}></textarea>`}<//>
      <button type="submit" class="primary" disabled=${act.busy || dirty}>${t('publish')}</button>
    </form>
    ${breaking ? html`<div class="error" role="alert" data-testid="breaking">
      <p>${t('breakingRefused')}</p>
      <p>${err.text(lang)}</p>
      <ul>${err.fields.map((f) => html`<li><code>${f.path}</code> — ${(f.messages && f.messages[lang]) || f.message}
        <br />${t('breakingHelp.' + f.code)}</li>`)}</ul>
    </div>` : html`<${ErrorBox} error=${err} />`}
  </section>`;
}
