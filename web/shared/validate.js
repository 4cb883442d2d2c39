// Validation of a form's answers in the browser, with the same JSON Schema
// document the server validates against (draft 2020-12, formats asserted)
// plus the age rules of forms/README.md, which compare dates with the
// envelope's survey_date. Errors are {path, code, params}: path is a JSON
// pointer into the answers, code one of the server's field error codes.
//
// The validator is @cfworker/json-schema: it interprets the schema instead of
// generating code, so it runs under a Content-Security-Policy without
// 'unsafe-eval' (Ajv compiles validators with new Function).

import { Validator } from '../vendor/json-schema.js';

const keywordCodes = {
  required: 'required', enum: 'enum', const: 'enum', minimum: 'minimum', maximum: 'maximum',
  exclusiveMinimum: 'exclusive_minimum', exclusiveMaximum: 'exclusive_maximum',
  minLength: 'min_length', maxLength: 'max_length', minItems: 'min_items', maxItems: 'max_items',
  pattern: 'pattern', format: 'format', type: 'type', uniqueItems: 'unique_items',
  false: 'forbidden',
};

/** pointerGet reads a JSON pointer ("" or "/a/0/b") in v. */
export function pointerGet(v, ptr) {
  if (!ptr) return v;
  for (const part of ptr.slice(1).split('/')) {
    if (v == null) return undefined;
    v = v[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return v;
}

/** escape makes a property name a pointer segment. */
export const escape = s => String(s).replace(/~/g, '~0').replace(/\//g, '~1');

const validators = new WeakMap();

/** validatorOf compiles (once) a schema document or subschema. */
export function validatorOf(schema) {
  let v = validators.get(schema);
  if (!v) {
    v = new Validator(schema, '2020-12', false);
    validators.set(schema, v);
  }
  return v;
}

/** declared reports whether the property at a data pointer is in its object's properties. */
function declared(schema, ptr) {
  const parts = ptr.slice(1).split('/').map(p => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let s = schema;
  for (let i = 0; i < parts.length; i++) {
    if (!s || typeof s !== 'object') return false;
    const next = s.properties && Object.hasOwn(s.properties, parts[i]) ? s.properties[parts[i]] : /^\d+$/.test(parts[i]) && s.items ? s.items : undefined;
    if (next === undefined) return false;
    s = next;
  }
  return true;
}

/** schemaErrors validates data against the form's schema. */
export function schemaErrors(schema, data) {
  const res = validatorOf(schema).validate(data);
  if (res.valid) return [];
  const out = [];
  const seen = new Set();
  for (const e of res.errors) {
    let code = keywordCodes[e.keyword];
    if (!code) continue; // a wrapper ("properties", "items", "allOf", "if", "additionalProperties"…): its cause is listed too
    // A false schema fails either a property the form does not declare
    // (additionalProperties) or a declared one a rule forbids.
    if (code === 'forbidden' && !declared(schema, e.instanceLocation.replace(/^#/, ''))) code = 'unknown_field';
    let path = e.instanceLocation.replace(/^#/, '');
    const params = {};
    if (code === 'required') {
      const m = /required property "(.*)"/.exec(e.error);
      if (m) path += '/' + escape(m[1]);
    } else {
      const kw = pointerGet(schema, e.keywordLocation.replace(/^#/, ''));
      if (typeof kw === 'number') params.limit = kw;
      if (code === 'format' || code === 'type') params.kind = typeof kw === 'string' ? kw : Array.isArray(kw) ? kw[0] : '';
    }
    const key = path + ' ' + code;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, code, params });
  }
  return out;
}

/** age is the completed years between a birth date and a day ("YYYY-MM-DD"). */
export function age(birth, day) {
  const [by, bm, bd] = birth.split('-').map(Number);
  const [sy, sm, sd] = day.split('-').map(Number);
  let a = sy - by;
  if (sm < bm || (sm === bm && sd < bd)) a--;
  return a;
}

const isDate = s => typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s);

/** ageErrors checks x-age and x-age-bands against surveyDate, per object. */
export function ageErrors(schema, data, surveyDate) {
  const out = [];
  if (!isDate(surveyDate)) return out;
  const walk = (s, v, path) => {
    if (!s || v == null || typeof v !== 'object') return;
    if (s.type === 'object' && s.properties) {
      const dateOK = {};
      for (const [name, ps] of Object.entries(s.properties)) {
        const val = v[name];
        if (ps && ps['x-age'] && isDate(val)) {
          const p = path + '/' + escape(name);
          if (val > surveyDate) out.push({ path: p, code: 'after_survey_date', params: {} });
          else {
            const a = age(val, surveyDate), { min, max } = ps['x-age'];
            if (a < min || a > max) out.push({ path: p, code: 'age_out_of_range', params: { min, max, age: a } });
            else dateOK[name] = a;
          }
        }
      }
      for (const [name, ps] of Object.entries(s.properties)) {
        const bands = ps && ps['x-age-bands'];
        const val = v[name];
        if (!bands || val == null) continue;
        const from = v[bands.from];
        let a = dateOK[bands.from];
        if (a === undefined && isDate(from) && !(s.properties[bands.from] || {})['x-age']) {
          if (from > surveyDate) continue;
          a = age(from, surveyDate);
        }
        if (a === undefined) continue;
        const band = bands.bands[val];
        if (!band || a < band.min || a > band.max) out.push({ path: path + '/' + escape(name), code: 'age_band_mismatch', params: { age: a } });
      }
      for (const [name, ps] of Object.entries(s.properties)) walk(ps, v[name], path + '/' + escape(name));
    } else if (s.type === 'array' && s.items && Array.isArray(v)) {
      v.forEach((item, i) => walk(s.items, item, path + '/' + i));
    }
  };
  walk(schema, data, '');
  return out;
}

/** validate returns every error of the answers: schema first, then age rules. */
export function validate(schema, data, surveyDate) {
  return [...schemaErrors(schema, data), ...ageErrors(schema, data, surveyDate)];
}
