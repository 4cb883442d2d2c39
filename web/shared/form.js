// The form renderer of the phone app and of the console's preview: it draws
// any form from its JSON Schema document and the x- vocabulary of
// forms/README.md (labels, hints, order, choices, repeats, if/then rules),
// never from a form's field names. The answers are plain JSON as the server
// stores them; every change goes through onChange with the new answers.

import { Component, html, useRef, useState } from '../vendor/preact.js';

/** memo redraws a component only when same(prev, next) is false. */
function memo(render, same) {
  return class extends Component {
    shouldComponentUpdate(next) { return !same(this.props, next); }
    render(props) { return render(props); }
  };
}
import { pick, t } from './i18n.js';
import { escape, pointerGet, validatorOf } from './validate.js';

/** kindOf names the kind of question a property schema asks. */
export function kindOf(ps) {
  if (!ps || typeof ps !== 'object') return 'none';
  if (ps['x-repeat']) return 'repeat';
  if (ps.type === 'array' && ps.items && ps.items.enum) return 'multi';
  if (ps.enum) return 'single';
  if (ps.type === 'string' && typeof ps.contentMediaType === 'string' && ps.contentMediaType.startsWith('image/')) return 'photo';
  if (ps.format === 'date') return 'date';
  if (ps.format === 'uuid') return 'uuid';
  if (ps.type === 'integer') return 'integer';
  if (ps.type === 'number') return 'number';
  if (ps.type === 'boolean') return 'boolean';
  if (ps.type === 'string') return 'text';
  return 'none';
}

/**
 * rules reads an object schema's if/then rules against its current value:
 * hidden holds the fields that may not be answered now (forbidden by a rule
 * that holds, or required only by rules that do not hold), required the
 * fields that must be answered now.
 */
export function rules(s, v) {
  const hidden = new Set();
  const required = new Set(s.required || []);
  const conditional = new Map();
  const apply = (branch, holds) => {
    if (!branch || typeof branch !== 'object') return;
    if (holds) for (const [n, ps] of Object.entries(branch.properties || {})) if (ps === false) hidden.add(n);
    for (const n of branch.required || []) conditional.set(n, conditional.get(n) || holds);
  };
  for (const rule of s.allOf || []) {
    if (!rule || !rule.if) continue;
    const holds = validatorOf(rule.if).validate(v ?? {}).valid;
    apply(rule.then, holds);
    apply(rule.else, !holds);
  }
  for (const [n, on] of conditional) {
    if (on) required.add(n);
    else if (!required.has(n)) hidden.add(n);
  }
  for (const n of hidden) required.delete(n);
  return { hidden, required };
}

/** order is the presentation order of an object schema's properties. */
export const order = s => s['x-order'] || Object.keys(s.properties || {});

/**
 * prune removes the answers of questions the rules hide, until nothing
 * changes (a removed answer can hide another question), and returns the
 * answers (the same object when nothing was hidden).
 */
export function prune(s, v) {
  if (!s || v == null || typeof v !== 'object') return v;
  if (s['x-repeat'] && Array.isArray(v)) {
    let changed = false;
    const out = v.map(item => { const n = prune(s.items, item); if (n !== item) changed = true; return n; });
    return changed ? out : v;
  }
  if (s.type !== 'object' || !s.properties) return v;
  let out = v;
  for (let pass = 0; pass < 5; pass++) {
    const { hidden } = rules(s, out);
    const drop = [...hidden].filter(n => out[n] !== undefined);
    if (!drop.length) break;
    out = { ...out };
    for (const n of drop) delete out[n];
  }
  for (const n of Object.keys(s.properties)) {
    if (out[n] === undefined) continue;
    const next = prune(s.properties[n], out[n]);
    if (next !== out[n]) { if (out === v) out = { ...out }; out[n] = next; }
  }
  return out;
}

/**
 * generated fills what an object's answers start with: identifiers
 * (format uuid, but not references to the registry, x-ref), and [] for a required multiple choice that may be empty
 * (no minItems): leaving every box unticked is the answer "none".
 */
export function generated(s, v = {}) {
  const out = { ...v };
  const req = new Set(s.required || []);
  for (const [n, ps] of Object.entries(s.properties || {})) {
    if (out[n] !== undefined) continue;
    const kind = kindOf(ps);
    if (kind === 'uuid' && !ps['x-ref']) out[n] = crypto.randomUUID(); // a reference is picked, never made up
    else if (kind === 'multi' && req.has(n) && !ps.minItems) out[n] = [];
  }
  return out;
}

/** setIn returns v with the value at the path segments replaced (undefined deletes it). */
export function setIn(v, parts, x) {
  const [head, ...rest] = parts;
  const key = head.replace(/~1/g, '/').replace(/~0/g, '~');
  const cur = v ?? (/^\d+$/.test(key) ? [] : {});
  const next = Array.isArray(cur) ? cur.slice() : { ...cur };
  const val = rest.length ? setIn(cur[key], rest, x) : x;
  if (val === undefined && !Array.isArray(next)) delete next[key];
  else next[key] = val;
  return next;
}

/** fieldID is the DOM id of the question at a pointer. */
export const fieldID = (prefix, path) => prefix + path.replace(/[^A-Za-z0-9_-]/g, '-');

/** errorText is an error in the current language (server messages win). */
export function errorText(e) {
  if (e.messages) return pick(e.messages);
  const k = 'v.' + e.code;
  if (e.code === 'type' && (e.params.kind === 'integer' || e.params.kind === 'number')) return t('v.type_' + e.params.kind);
  if (e.code === 'format' && e.params.kind === 'date') return t('v.format_date');
  const s = t(k, e.params);
  return s === k ? t('v.invalid') : s;
}

/** byPath groups errors by their pointer. */
export function byPath(errors) {
  const m = new Map();
  for (const e of errors) {
    if (!m.has(e.path)) m.set(e.path, []);
    m.get(e.path).push(e);
  }
  return m;
}

function ErrorList({ id, errs }) {
  if (!errs || !errs.length) return null;
  return html`<div class="q-error" id=${id} role="alert">${errs.map(e => html`<p>${errorText(e)}</p>`)}</div>`;
}

function Head({ ps, id, required, as = 'label' }) {
  const mark = required ? html`<span class="req" aria-hidden="true"> *</span><span class="sr-only"> (${t('form.required_mark')})</span>` : null;
  if (as === 'legend') return html`<legend class="q-label">${pick(ps['x-label'])}${mark}</legend>`;
  return html`<label class="q-label" for=${id}>${pick(ps['x-label'])}${mark}</label>`;
}

const toNumber = (raw, integer) => {
  const s = raw.trim().replace(',', '.');
  if (s === '') return undefined;
  if ((integer ? /^-?\d+$/ : /^-?\d+(\.\d+)?$/).test(s)) return Number(s);
  return raw; // kept as typed: the validator says why it is wrong
};

/** Question draws one question of any kind but repeat. */
function Question({ ps, name, path, value, required, set, ctx }) {
  const kind = kindOf(ps);
  const id = fieldID(ctx.prefix, path);
  const errs = ctx.errors.get(path);
  const shown = errs && ctx.show(path) ? errs : null;
  const hint = ps['x-hint'] ? html`<p class="q-hint" id=${id + '-hint'}>${pick(ps['x-hint'])}</p>` : null;
  const describedBy = [hint && id + '-hint', shown && id + '-err'].filter(Boolean).join(' ') || undefined;
  const touch = () => ctx.touch(path);
  const common = { id, name: id, 'aria-describedby': describedBy, 'aria-invalid': shown ? 'true' : undefined, disabled: ctx.readOnly, onBlur: touch };
  let input;
  switch (kind) {
    case 'single': {
      const choices = ps['x-choices'] || ps.enum.map(c => ({ code: c, vi: String(c), en: String(c) }));
      if (choices.length > 7) {
        input = html`<select ...${common} value=${value === undefined ? '' : String(value)}
            onChange=${e => { const c = choices.find(c => String(c.code) === e.target.value); set(c ? c.code : undefined); touch(); }}>
          <option value="">${t('form.choose')}</option>
          ${choices.map(c => html`<option value=${String(c.code)}>${pick(c)}</option>`)}
        </select>`;
        return html`<div class="q" data-path=${path}><${Head} ps=${ps} id=${id} required=${required} />${hint}${input}<${ErrorList} id=${id + '-err'} errs=${shown} /></div>`;
      }
      return html`<fieldset class="q" data-path=${path} id=${id} aria-describedby=${describedBy} aria-invalid=${shown ? 'true' : undefined}>
        <${Head} ps=${ps} required=${required} as="legend" />${hint}
        <div class="choices">${choices.map((c, i) => html`<label class=${'choice' + (value === c.code ? ' on' : '')} for=${id + '-' + i}>
          <input type="radio" id=${id + '-' + i} name=${id} value=${String(c.code)} checked=${value === c.code} disabled=${ctx.readOnly}
            onChange=${() => { set(c.code); touch(); }} /><span>${pick(c)}</span></label>`)}</div>
        <${ErrorList} id=${id + '-err'} errs=${shown} /></fieldset>`;
    }
    case 'multi': {
      const choices = ps.items['x-choices'] || ps.items.enum.map(c => ({ code: c, vi: String(c), en: String(c) }));
      const list = Array.isArray(value) ? value : [];
      return html`<fieldset class="q" data-path=${path} id=${id} aria-describedby=${describedBy} aria-invalid=${shown ? 'true' : undefined}>
        <${Head} ps=${ps} required=${required} as="legend" />${hint}
        <div class="choices">${choices.map((c, i) => html`<label class=${'choice' + (list.includes(c.code) ? ' on' : '')} for=${id + '-' + i}>
          <input type="checkbox" id=${id + '-' + i} value=${String(c.code)} checked=${list.includes(c.code)} disabled=${ctx.readOnly}
            onChange=${e => { const on = e.target.checked, cur = ctx.get(path) || []; set(choices.map(x => x.code).filter(code => code === c.code ? on : cur.includes(code))); touch(); }} />
          <span>${pick(c)}</span></label>`)}</div>
        <${ErrorList} id=${id + '-err'} errs=${shown} /></fieldset>`;
    }
    case 'date':
      input = html`<input type="date" ...${common} value=${value ?? ''} onInput=${e => set(e.target.value || undefined)} />`;
      break;
    case 'integer':
    case 'number':
      input = html`<input type="text" inputmode=${kind === 'integer' ? 'numeric' : 'decimal'} autocomplete="off" ...${common}
        value=${value === undefined ? '' : String(value)} onInput=${e => set(toNumber(e.target.value, kind === 'integer'))} />`;
      break;
    case 'boolean':
      input = html`<input type="checkbox" ...${common} checked=${value === true} onChange=${e => set(e.target.checked)} />`;
      break;
    case 'photo':
      return html`<div class="q" data-path=${path}><${Head} ps=${ps} id=${id} required=${required} />${hint}
        <${ctx.Photo} id=${id} path=${path} value=${value} set=${set} readOnly=${ctx.readOnly} describedBy=${describedBy} />
        <${ErrorList} id=${id + '-err'} errs=${shown} /></div>`;
    case 'uuid':
    case 'none':
      return null;
    default: {
      const long = (ps.maxLength || 0) > 200;
      const tel = typeof ps.pattern === 'string' && /^\^?\\?\+?\??\[0-9\]/.test(ps.pattern);
      const onInput = e => set(e.target.value === '' ? undefined : e.target.value.normalize('NFC'));
      input = long
        ? html`<textarea ...${common} rows="3" maxlength=${ps.maxLength} onInput=${onInput} value=${value ?? ''}></textarea>`
        : html`<input type=${tel ? 'tel' : 'text'} ...${common} autocomplete="off" maxlength=${ps.maxLength} value=${value ?? ''} onInput=${onInput} />`;
    }
  }
  return html`<div class="q" data-path=${path}><${Head} ps=${ps} id=${id} required=${required} />${hint}${input}<${ErrorList} id=${id + '-err'} errs=${shown} /></div>`;
}

/** Fields draws the questions of an object schema in x-order. */
function Fields({ s, value, path, ctx }) {
  const v = value || {};
  const { hidden, required } = rules(s, v);
  return order(s).map(name => {
    const ps = s.properties[name];
    if (hidden.has(name) || !ps) return null;
    const p = path + '/' + escape(name);
    if (ctx.withheld.has(p)) return html`<${Withheld} key=${name} ps=${ps} path=${p} ctx=${ctx} />`;
    const setOne = x => ctx.setAt(p, x);
    if (kindOf(ps) === 'repeat') return html`<${Repeat} key=${name} ps=${ps} path=${p} value=${v[name]} required=${required.has(name)} ctx=${ctx} />`;
    return html`<${Question} key=${name} ps=${ps} name=${name} path=${p} value=${v[name]} required=${required.has(name)} set=${setOne} ctx=${ctx} />`;
  });
}

/**
 * Withheld stands for a question whose stored answer the server withholds
 * from this user (x-sensitive): it is not asked, and the edit leaves it
 * out, so the stored answer is kept.
 */
function Withheld({ ps, path, ctx }) {
  const id = fieldID(ctx.prefix, path);
  return html`<div class="q withheld" data-path=${path} id=${id}><span class="q-label">${pick(ps['x-label'])}</span>
    <p class="q-hint">${t('form.withheld')}</p></div>`;
}

/** holdsWithheld reports whether a withheld question lies at or under path. */
const holdsWithheld = (withheld, path) => [...withheld].some(w => w === path || w.startsWith(path + '/'));

/** summary is an entry's first text answer, to name it when it is folded. */
function summary(s, v) {
  for (const n of order(s)) {
    const ps = s.properties[n];
    if (kindOf(ps) === 'text' && typeof (v || {})[n] === 'string') return v[n];
  }
  return '';
}

/**
 * Item is one entry of a repeat, open (its questions) or folded (a line
 * naming it): a household of ten children opens with ten lines, not five
 * hundred inputs. Redrawn only when its answers, errors, language or fold
 * change.
 */
const Item = memo(function Item({ ps, path, value, index, open, toggle, remove, ctx }) {
  const id = fieldID(ctx.prefix, path);
  const bad = ctx.errorKey(path) !== '';
  const name = summary(ps.items, value);
  return html`<section class=${'item' + (open ? '' : ' folded')} data-path=${path} aria-labelledby=${id + '-h'}>
    <div class="item-head"><h3 id=${id + '-h'}>${t('form.item', { n: index + 1 })}${name ? ': ' + name : ''}${bad ? html` <span class="item-bad">⚠ ${t('form.item_errors')}</span>` : null}</h3>
      <button type="button" class="btn-quiet" id=${id + '-toggle'} aria-expanded=${open ? 'true' : 'false'} onClick=${toggle}>${open ? t('form.fold') : t('form.open')}</button></div>
    ${open && html`<${Fields} s=${ps.items} value=${value} path=${path} ctx=${ctx} />
      ${!ctx.readOnly && (ctx.mayRemoveWithheld || !holdsWithheld(ctx.withheld, path)) && html`<button type="button" class="btn-quiet remove" onClick=${remove}>${t('form.remove')}</button>`}`}
  </section>`;
}, (a, b) => a.value === b.value && a.index === b.index && a.open === b.open && a.ctx.lang === b.ctx.lang && a.ctx.readOnly === b.ctx.readOnly &&
  a.ctx.errorKey(a.path) === b.ctx.errorKey(b.path));

function Repeat({ ps, path, value, required, ctx }) {
  const list = Array.isArray(value) ? value : [];
  const id = fieldID(ctx.prefix, path);
  const errs = ctx.errors.get(path);
  const shown = errs && ctx.show(path) ? errs : null;
  // Entries start folded, except the one holding the question the collector
  // was last at (ctx.focus), so that a draft resumes where it was left.
  const [opened, setOpened] = useState(() => new Set(list.map((_, i) => i).filter(i => (ctx.focus || '').startsWith(path + '/' + i + '/'))));
  const isOpen = i => opened.has(i) || ctx.errorKey(path + '/' + i) !== '';
  const toggle = i => setOpened(prev => { const n = new Set(prev); if (isOpen(i)) n.delete(i); else n.add(i); return n; });
  const add = () => {
    const cur = ctx.get(path) || [];
    setOpened(prev => new Set(prev).add(cur.length));
    ctx.setAt(path, [...cur, generated(ps.items)]);
    ctx.touch(path);
  };
  const remove = i => {
    setOpened(prev => new Set([...prev].filter(j => j !== i).map(j => (j > i ? j - 1 : j))));
    const w = ctx.withheldNow();
    if (w.size) ctx.onWithheld(shiftWithheld(w, path, i));
    ctx.setAt(path, (ctx.get(path) || []).filter((_, j) => j !== i));
  };
  return html`<fieldset class="q repeat" data-path=${path} id=${id}>
    <${Head} ps=${ps} required=${required} as="legend" />
    ${ps['x-hint'] && html`<p class="q-hint">${pick(ps['x-hint'])}</p>`}
    ${list.map((item, i) => html`<${Item} key=${i} ps=${ps} path=${path + '/' + i} value=${item} index=${i} ctx=${ctx}
        open=${isOpen(i)} toggle=${() => toggle(i)} remove=${() => remove(i)} />`)}
    <${ErrorList} id=${id + '-err'} errs=${shown} />
    ${!ctx.readOnly && html`<button type="button" class="btn-secondary add" onClick=${add}>${t('form.add_item')}</button>`}
  </fieldset>`;
}

/**
 * warmControls draws, out of sight, one control of each kind the renderer
 * uses (a date field above all), lays them out once and removes them. A
 * browser prepares a kind of control the first time a page draws one (for
 * a date field: its locale's format and its inner fields), which on a slow
 * phone takes longer than drawing a whole form; done while the phone is
 * idle, the first form opened does not wait for it.
 */
export function warmControls(doc = document) {
  const box = doc.createElement('div');
  box.setAttribute('aria-hidden', 'true');
  box.inert = true;
  box.style.cssText = 'position:absolute;left:-10000px;top:0;width:20rem;visibility:hidden';
  box.className = 'form';
  box.innerHTML = '<div class="q"><input type="date" value="2000-01-01" max="2000-01-02"><input type="text" inputmode="numeric">' +
    '<input type="tel"><textarea rows="1"></textarea><select><option>-</option></select></div>' +
    '<fieldset class="q"><legend class="q-label">-</legend><div class="choices"><label class="choice"><input type="radio"><span>-</span></label>' +
    '<label class="choice"><input type="checkbox"><span>-</span></label></div></fieldset>';
  doc.body.appendChild(box);
  box.getBoundingClientRect();
  box.remove();
}

const NONE = new Set();

/**
 * shiftWithheld is the withheld pointers once entry i of the repeat at path
 * is removed: those under the entry go, those of later entries move up one.
 */
export function shiftWithheld(withheld, path, i) {
  const pre = path + '/';
  const out = [];
  for (const w of withheld) {
    if (!w.startsWith(pre)) { out.push(w); continue; }
    const rest = w.slice(pre.length);
    const k = rest.indexOf('/');
    const j = Number(k < 0 ? rest : rest.slice(0, k));
    if (j === i) continue;
    out.push(j > i ? pre + (j - 1) + (k < 0 ? '' : rest.slice(k)) : w);
  }
  return out;
}

/** notWithheld drops the errors of questions at or under a withheld pointer. */
export const notWithheld = (errors, withheld) => withheld.size ? errors.filter(e => !holdsWithheld(withheld, e.path)) : errors;

/**
 * FormView draws a form. Props: schema (the form document), value (the
 * answers), onChange(answers), errors ([{path, code, params, messages?}]),
 * show(path) → whether the errors of a question are shown yet,
 * onTouch(path), readOnly, prefix (DOM ids), lang (redraws on change),
 * Photo (a component for image questions), focus (the pointer of the
 * question to show unfolded when the form opens), withheld (a Set of the
 * pointers of answers the server withholds: drawn as a note, not asked),
 * onWithheld(pointers): given, an entry holding withheld answers may be
 * removed (the server lets the submission's own collector do so), and it
 * is called with the pointers that remain, renumbered.
 */
export function FormView({ schema, value, onChange, errors = [], show = () => true, onTouch = () => {}, readOnly = false, prefix = 'q', lang = 'vi', Photo = () => null, focus = '', withheld = NONE, onWithheld = null }) {
  const map = byPath(errors);
  const keys = new Map();
  const errorKey = p => {
    if (!keys.has(p)) {
      let k = '';
      for (const [ep, es] of map) if ((ep === p || ep.startsWith(p + '/')) && show(ep)) k += ep + es.map(e => e.code).join(',') + ';';
      keys.set(p, k);
    }
    return keys.get(p);
  };
  // Setters read the latest answers, not the ones of the last drawing: a
  // repeat entry that was not redrawn still writes into the current answers.
  const latest = useRef(value);
  latest.current = value;
  // An entry not redrawn since holds the ctx of its last drawing: it reads
  // the withheld pointers of now through this.
  const latestWithheld = useRef(withheld);
  latestWithheld.current = withheld;
  const ctx = {
    prefix, errors: map, show, touch: onTouch, readOnly, lang, errorKey, Photo, focus, withheld,
    mayRemoveWithheld: !!onWithheld, onWithheld, withheldNow: () => latestWithheld.current,
    get: p => pointerGet(latest.current, p),
    setAt: (p, x) => {
      latest.current = prune(schema, setIn(latest.current || {}, p.slice(1).split('/'), x));
      onTouch(p);
      onChange(latest.current);
    },
  };
  return html`<div class="form" lang=${lang}><${Fields} s=${schema} value=${value} path="" ctx=${ctx} /></div>`;
}
