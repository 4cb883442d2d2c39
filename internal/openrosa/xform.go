package openrosa

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/xlsform"
)

// Unit is a commune a collector may choose in the XForm's metadata.
type Unit struct {
	Code string
	Name string
}

// XFormOptions are what an XForm needs besides the form document.
type XFormOptions struct {
	// Version is the published version, the instance's version attribute.
	Version int
	// Units are the communes the collector may submit for, the choices
	// of meta/commune.
	Units []Unit
}

// The metadata elements of every XForm: the envelope of a submission.
const (
	MetaInstanceID   = "instanceID"   // uuid:<submission id>
	MetaDeprecatedID = "deprecatedID" // set by the client on an edit: the submission edited
	MetaCommune      = "commune"      // unit
	MetaSurveyDate   = "surveyDate"   // survey_date
	MetaStart        = "timeStart"    // started_at
	MetaEnd          = "timeEnd"      // ended_at
	MetaDevice       = "deviceID"     // device_id
	MetaLocation     = "location"     // location, "lat lon altitude accuracy"
)

// XForm writes a form document as an XForm 1.0 document.
func XForm(doc []byte, opt XFormOptions) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("xform: read the form: %w", err)
	}
	id, _ := root["x-form"].(string)
	if id == "" {
		return nil, fmt.Errorf("xform: the form has no x-form")
	}
	w := &xformWriter{root: "/" + id, meta: "/" + id + "/meta"}
	title := label(root["x-title"])
	w.text(w.root+":title", title)
	if err := w.object(root, w.root, 1); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" xmlns:odk="http://www.opendatakit.org/xforms" xmlns:xsd="http://www.w3.org/2001/XMLSchema">` + "\n")
	b.WriteString("<h:head>\n<h:title>" + esc(title.vi) + "</h:title>\n")
	b.WriteString(`<model odk:xforms-version="1.0.0">` + "\n<itext>\n")
	for i, lang := range []string{"vi", "en"} {
		def := ""
		if i == 0 {
			def = ` default="true()"`
		}
		b.WriteString(`<translation lang="` + langName[lang] + `"` + def + ">\n")
		for _, t := range w.texts {
			b.WriteString(`<text id="` + esc(t.id) + `"><value>` + esc(t.l.in(lang)) + "</value></text>\n")
		}
		b.WriteString("</translation>\n")
	}
	b.WriteString("</itext>\n<instance>\n")
	b.WriteString("<" + id + ` id="` + esc(id) + `" version="` + strconv.Itoa(opt.Version) + `">` + "\n")
	b.WriteString(w.instance.String())
	b.WriteString("<meta><" + MetaInstanceID + "/><" + MetaCommune + "/><" + MetaSurveyDate + "/><" + MetaStart + "/><" + MetaEnd + "/><" + MetaDevice + "/><" + MetaLocation + "/></meta>\n")
	b.WriteString("</" + id + ">\n</instance>\n")
	b.WriteString(w.binds.String())
	m := w.meta
	fmt.Fprintf(&b, `<bind nodeset="%s/%s" type="string" readonly="true()" jr:preload="uid"/>`+"\n", m, MetaInstanceID)
	fmt.Fprintf(&b, `<bind nodeset="%s/%s" type="string" required="true()"/>`+"\n", m, MetaCommune)
	fmt.Fprintf(&b, `<bind nodeset="%s/%s" type="date" required="true()" jr:preload="date" jr:preloadParams="today"/>`+"\n", m, MetaSurveyDate)
	fmt.Fprintf(&b, `<bind nodeset="%s/%s" type="dateTime" jr:preload="timestamp" jr:preloadParams="start"/>`+"\n", m, MetaStart)
	fmt.Fprintf(&b, `<bind nodeset="%s/%s" type="dateTime" jr:preload="timestamp" jr:preloadParams="end"/>`+"\n", m, MetaEnd)
	fmt.Fprintf(&b, `<bind nodeset="%s/%s" type="string" jr:preload="property" jr:preloadParams="deviceid"/>`+"\n", m, MetaDevice)
	fmt.Fprintf(&b, `<bind nodeset="%s/%s" type="geopoint"/>`+"\n", m, MetaLocation)
	b.WriteString("</model>\n</h:head>\n<h:body>\n")
	b.WriteString(`<select1 ref="` + m + "/" + MetaCommune + `"><label>` + esc(msg.Both(msg.OpenRosaMetaCommune)) + `</label>`)
	for _, u := range opt.Units {
		b.WriteString("<item><label>" + esc(u.Name+" ("+u.Code+")") + "</label><value>" + esc(u.Code) + "</value></item>")
	}
	b.WriteString("</select1>\n")
	b.WriteString(`<input ref="` + m + "/" + MetaSurveyDate + `"><label>` + esc(msg.Both(msg.OpenRosaMetaSurveyDate)) + `</label></input>` + "\n")
	b.WriteString(`<input ref="` + m + "/" + MetaLocation + `"><label>` + esc(msg.Both(msg.OpenRosaMetaLocation)) + `</label></input>` + "\n")
	b.WriteString(w.body.String())
	b.WriteString("</h:body>\n</h:html>\n")
	return b.Bytes(), nil
}

var langName = map[string]string{"vi": "Tiếng Việt (vi)", "en": "English (en)"}

type bilingual struct{ vi, en string }

func (l bilingual) in(lang string) string {
	if lang == "en" {
		return l.en
	}
	return l.vi
}

func label(v any) bilingual {
	m, _ := v.(map[string]any)
	vi, _ := m["vi"].(string)
	en, _ := m["en"].(string)
	return bilingual{vi, en}
}

type itext struct {
	id string
	l  bilingual
}

type xformWriter struct {
	root, meta string
	texts      []itext
	instance   strings.Builder
	binds      strings.Builder
	body       strings.Builder
}

func (w *xformWriter) text(id string, l bilingual) { w.texts = append(w.texts, itext{id, l}) }

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// object writes the instance, binds and body of an object's fields.
func (w *xformWriter) object(o map[string]any, path string, depth int) error {
	props, _ := o["properties"].(map[string]any)
	always := map[string]bool{}
	for _, n := range strList(o["required"]) {
		always[n] = true
	}
	reqBy, forbidBy := map[string][]any{}, map[string][]any{}
	all, _ := o["allOf"].([]any)
	for _, e := range all {
		rule, _ := e.(map[string]any)
		then, _ := rule["then"].(map[string]any)
		for _, n := range strList(then["required"]) {
			reqBy[n] = append(reqBy[n], rule["if"])
		}
		tp, _ := then["properties"].(map[string]any)
		names := make([]string, 0, len(tp))
		for n := range tp {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if tp[n] == false {
				forbidBy[n] = append(forbidBy[n], rule["if"])
			}
		}
	}
	ref := func(name string) string { return path + "/" + name }
	for _, name := range strList(o["x-order"]) {
		ps, ok := props[name].(map[string]any)
		if !ok {
			continue
		}
		if err := w.field(name, ps, path, ref, always[name], reqBy[name], forbidBy[name], props, depth); err != nil {
			return fmt.Errorf("xform: %s/%s: %w", path, name, err)
		}
	}
	return nil
}

// field writes one field.
func (w *xformWriter) field(name string, ps map[string]any, parent string, ref func(string) string, always bool, req, forbid []any, siblings map[string]any, depth int) error {
	p := parent + "/" + name
	l := label(ps["x-label"])
	w.text(p+":label", l)
	hint := ""
	if h, ok := ps["x-hint"]; ok {
		w.text(p+":hint", label(h))
		hint = `<hint ref="jr:itext('` + p + `:hint')"/>`
	}
	labelRef := `<label ref="jr:itext('` + p + `:label')"/>`
	indent := strings.Repeat(" ", depth)
	typ, _ := ps["type"].(string)
	items, _ := ps["items"].(map[string]any)
	bind := map[string]string{}
	var control string
	switch {
	case ps["x-repeat"] == true:
		w.instance.WriteString(indent + "<" + name + ` jr:template="">` + "\n")
		w.body.WriteString(`<group ref="` + p + `">` + labelRef + `<repeat nodeset="` + p + `">` + "\n")
		if err := w.object(items, p, depth+1); err != nil {
			return err
		}
		w.instance.WriteString(indent + "</" + name + ">\n")
		w.body.WriteString("</repeat></group>\n")
		// The repeat's own relevance; its counts are checked at intake.
		if rel, err := relevance(req, forbid, ref); err != nil {
			return err
		} else if rel != "" {
			fmt.Fprintf(&w.binds, `<bind nodeset="%s" relevant="%s"/>`+"\n", p, esc(rel))
		}
		return nil
	case typ == "array" && items != nil:
		bind["type"] = "string"
		control = `<select ref="` + p + `">` + labelRef + hint + w.items(p, items) + "</select>"
	case ps["enum"] != nil:
		bind["type"] = "string"
		if typ == "integer" {
			bind["type"] = "int"
		}
		control = `<select1 ref="` + p + `">` + labelRef + hint + w.items(p, ps) + "</select1>"
	case ps["format"] == "uuid" && ps["x-ref"] != nil:
		// The id of a registry record, picked by the collector, never
		// generated; the server checks that it names one.
		bind["type"] = "string"
	case ps["format"] == "uuid":
		bind["type"], bind["readonly"], bind["calculate"] = "string", "true()", "once(uuid())"
	case ps["format"] == "date":
		bind["type"] = "date"
	case ps["format"] == "date-time":
		bind["type"] = "dateTime"
	case ps["contentMediaType"] != nil:
		bind["type"] = "binary"
		control = `<upload ref="` + p + `" mediatype="image/*">` + labelRef + hint + "</upload>"
	case typ == "integer":
		bind["type"] = "int"
	case typ == "number":
		bind["type"] = "decimal"
	case typ == "boolean":
		bind["type"] = "boolean"
	default:
		bind["type"] = "string"
	}
	if control == "" && bind["calculate"] == "" {
		control = `<input ref="` + p + `">` + labelRef + hint + "</input>"
	}
	w.instance.WriteString(indent + "<" + name + "/>\n")
	if control != "" {
		w.body.WriteString(control + "\n")
	}
	mayBeEmpty := typ == "array" && ps["minItems"] == nil
	if always && !mayBeEmpty {
		bind["required"] = "true()"
	}
	if len(req) > 0 && len(forbid) > 0 && !mayBeEmpty {
		r, err := joinXPath(req, " or ", ref, false)
		if err != nil {
			return err
		}
		bind["required"] = r
	}
	rel, err := relevance(req, forbid, ref)
	if err != nil {
		return err
	}
	if rel != "" {
		bind["relevant"] = rel
		if len(forbid) == 0 && !mayBeEmpty {
			bind["required"] = "true()"
		}
	}
	if c := constraint(ps, p, parent, siblings, "/"+strings.Split(parent, "/")[1]+"/meta/"+MetaSurveyDate); c != "" {
		bind["constraint"] = c
	}
	keys := []string{"type", "required", "relevant", "constraint", "calculate", "readonly"}
	fmt.Fprintf(&w.binds, `<bind nodeset="%s"`, p)
	for _, k := range keys {
		if v, ok := bind[k]; ok {
			fmt.Fprintf(&w.binds, ` %s="%s"`, k, esc(v))
		}
	}
	w.binds.WriteString("/>\n")
	return nil
}

// relevance is when a field is shown: while a condition that requires
// it holds (when it is only conditionally required), or while none that
// forbids it holds.
func relevance(req, forbid []any, ref func(string) string) (string, error) {
	switch {
	case len(forbid) > 0:
		return joinXPath(forbid, " and ", ref, true)
	case len(req) > 0:
		return joinXPath(req, " or ", ref, false)
	}
	return "", nil
}

func joinXPath(conds []any, sep string, ref func(string) string, negate bool) (string, error) {
	var parts []string
	for _, c := range conds {
		f := xlsform.XPath
		if negate {
			f = xlsform.XPathNot
		}
		s, err := f(c, ref)
		if err != nil {
			return "", err
		}
		if len(conds) > 1 {
			s = "(" + s + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, sep), nil
}

// items writes a choice list's items with their itext labels.
func (w *xformWriter) items(p string, s map[string]any) string {
	var b strings.Builder
	list, _ := s["x-choices"].([]any)
	for _, c := range list {
		m, _ := c.(map[string]any)
		code := fmt.Sprint(m["code"])
		id := p + "/" + code + ":label"
		w.text(id, label(m))
		b.WriteString(`<item><label ref="jr:itext('` + esc(id) + `')"/><value>` + esc(code) + "</value></item>")
	}
	return b.String()
}

// constraint writes the JSON Schema bounds of a field, and its age rules
// against the survey date of the metadata, as an XPath constraint.
func constraint(ps map[string]any, p, parent string, siblings map[string]any, surveyDate string) string {
	var parts []string
	for _, k := range []struct{ kw, op string }{{"minimum", ">="}, {"exclusiveMinimum", ">"}, {"maximum", "<="}, {"exclusiveMaximum", "<"}} {
		if v, ok := ps[k.kw]; ok {
			parts = append(parts, ". "+k.op+" "+fmt.Sprint(v))
		}
	}
	for _, k := range []struct{ kw, fn, op string }{{"minLength", "string-length", ">="}, {"maxLength", "string-length", "<="},
		{"minItems", "count-selected", ">="}, {"maxItems", "count-selected", "<="}} {
		if v, ok := ps[k.kw]; ok && ps["x-repeat"] != true {
			parts = append(parts, k.fn+"(.) "+k.op+" "+fmt.Sprint(v))
		}
	}
	if v, ok := ps["pattern"].(string); ok {
		parts = append(parts, "regex(., '"+strings.ReplaceAll(v, "'", "")+"')")
	}
	if a, ok := ps["x-age"].(map[string]any); ok {
		age := ageXPath(".", surveyDate)
		parts = append(parts, fmt.Sprintf("decimal-date-time(.) <= decimal-date-time(%s) and %s >= %v and %s <= %v", surveyDate, age, a["min"], age, a["max"]))
	}
	if b, ok := ps["x-age-bands"].(map[string]any); ok {
		from, _ := b["from"].(string)
		bands, _ := b["bands"].(map[string]any)
		codes := make([]string, 0, len(bands))
		for c := range bands {
			codes = append(codes, c)
		}
		sort.Strings(codes)
		date := parent + "/" + from
		age := ageXPath(date, surveyDate)
		var alts []string
		for _, c := range codes {
			r, _ := bands[c].(map[string]any)
			alts = append(alts, fmt.Sprintf("(. = '%s' and %s >= %v and %s <= %v)", c, age, r["min"], age, r["max"]))
		}
		parts = append(parts, fmt.Sprintf("(%s = '' or %s)", date, strings.Join(alts, " or ")))
	}
	return strings.Join(parts, " and ")
}

// ageXPath is the completed years from the date at path to the survey
// date: the difference of the years, less one before the birthday.
func ageXPath(date, surveyDate string) string {
	return fmt.Sprintf("(format-date(%[2]s, '%%Y') - format-date(%[1]s, '%%Y') - if(format-date(%[2]s, '%%m%%d') < format-date(%[1]s, '%%m%%d'), 1, 0))", date, surveyDate)
}

func strList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
