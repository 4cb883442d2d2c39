package openrosa

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// element is a node of an instance document.
type element struct {
	name     string
	template bool // jr:template: a repeat's prototype, never data
	version  string
	id       string
	text     strings.Builder
	kids     []*element
}

// maxDepth bounds the nesting of an instance document.
const maxDepth = 32

// parseXML reads an instance document into its element tree.
func parseXML(raw []byte) (*element, error) {
	dec := xml.NewDecoder(bytes.NewReader(raw))
	dec.Strict = true
	var stack []*element
	var root *element
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not well-formed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			e := &element{name: t.Name.Local}
			for _, a := range t.Attr {
				switch a.Name.Local {
				case "template":
					e.template = true
				case "version":
					e.version = a.Value
				case "id":
					e.id = a.Value
				}
			}
			if len(stack) == maxDepth {
				return nil, errors.New("the instance is nested too deep")
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, e)
			} else if root == nil {
				root = e
			} else {
				return nil, errors.New("more than one root element")
			}
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

// Instance is a submitted instance document read into khaosat's envelope.
type Instance struct {
	// FormID and Version name the form version the instance fills in.
	FormID  string
	Version int
	// ID is the submission id (the instanceID without "uuid:").
	ID string
	// DeprecatedID, when the client edited a submission it had sent, is
	// the id of that submission: the instance is then its new revision.
	DeprecatedID string
	// Envelope is the submission as the JSON intake takes it.
	Envelope []byte
	// Root is the instance's root element, kept for Envelope.
	root *element
}

// Peek reads which form version an instance document fills in.
func Peek(raw []byte) (*Instance, error) {
	root, err := parseXML(raw)
	if err != nil {
		return nil, err
	}
	in := &Instance{FormID: root.id, root: root}
	if in.FormID == "" {
		in.FormID = root.name
	}
	if in.Version, err = strconv.Atoi(strings.TrimSpace(root.version)); err != nil || in.Version < 1 {
		return nil, errors.New("the root element's version attribute is not a form version")
	}
	return in, nil
}

// Convert turns the instance into the JSON envelope, typing each answer
// by the form document (doc) of its version.
func (in *Instance) Convert(doc []byte) error {
	form, err := decodeForm(doc)
	if err != nil {
		return err
	}
	return in.ConvertWith(form)
}

func decodeForm(doc []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var form map[string]any
	if err := dec.Decode(&form); err != nil {
		return nil, fmt.Errorf("openrosa: read the form: %w", err)
	}
	return form, nil
}

// ConvertWith is Convert with the form document already decoded (by a
// FormCache); form is only read.
func (in *Instance) ConvertWith(form map[string]any) error {
	env := map[string]any{"form_version": in.Version}
	var meta *element
	for _, k := range in.root.kids {
		if k.name == "meta" {
			meta = k
		}
	}
	if meta != nil {
		for _, k := range meta.kids {
			v := strings.TrimSpace(k.text.String())
			if v == "" {
				continue
			}
			switch k.name {
			case MetaInstanceID:
				in.ID = strings.TrimPrefix(v, "uuid:")
				env["id"] = in.ID
			case MetaDeprecatedID:
				in.DeprecatedID = strings.TrimPrefix(v, "uuid:")
			case MetaCommune:
				env["unit"] = v
			case MetaSurveyDate:
				env["survey_date"] = v
			case MetaStart:
				env["started_at"] = v
			case MetaEnd:
				env["ended_at"] = v
			case MetaDevice:
				env["device_id"] = v
			case MetaLocation:
				if loc := geopoint(v); loc != nil {
					env["location"] = loc
				}
			}
		}
	}
	if in.DeprecatedID != "" {
		// An edit: the envelope is the next revision of the submission
		// it deprecates, under that submission's id.
		env["id"] = in.DeprecatedID
	}
	env["data"] = object(form, in.root, true)
	raw, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("openrosa: write the envelope: %w", err)
	}
	in.Envelope = raw
	return nil
}

// geopoint reads "lat lon [altitude [accuracy]]".
func geopoint(s string) map[string]any {
	f := strings.Fields(s)
	if len(f) < 2 {
		return nil
	}
	loc := map[string]any{}
	for i, k := range []string{"lat", "lon", "", "accuracy"} {
		if i >= len(f) || k == "" {
			continue
		}
		n := json.Number(f[i])
		if _, err := n.Float64(); err != nil {
			return nil
		}
		loc[k] = n
	}
	return loc
}

// object reads the answers of an object schema from an element.
func object(s map[string]any, e *element, root bool) map[string]any {
	props, _ := s["properties"].(map[string]any)
	always := map[string]bool{}
	for _, n := range strList(s["required"]) {
		always[n] = true
	}
	out := map[string]any{}
	for _, k := range e.kids {
		if k.template || (root && k.name == "meta") {
			continue
		}
		ps, _ := props[k.name].(map[string]any)
		text := k.text.String()
		if ps == nil {
			// Not a field of the form: kept, so that validation names it.
			if t := strings.TrimSpace(text); t != "" || len(k.kids) > 0 {
				out[k.name] = t
			}
			continue
		}
		typ, _ := ps["type"].(string)
		items, _ := ps["items"].(map[string]any)
		switch {
		case ps["x-repeat"] == true:
			if len(k.kids) == 0 && strings.TrimSpace(text) == "" {
				continue // an empty element is no entry
			}
			list, _ := out[k.name].([]any)
			out[k.name] = append(list, object(items, k, false))
		case typ == "array":
			codes := strings.Fields(text)
			if len(codes) == 0 && !(always[k.name] && ps["minItems"] == nil) {
				continue
			}
			list := make([]any, 0, len(codes))
			for _, c := range codes {
				list = append(list, c)
			}
			out[k.name] = list
		case typ == "integer" || typ == "number":
			t := strings.TrimSpace(text)
			if t == "" {
				continue
			}
			if _, err := strconv.ParseFloat(t, 64); err == nil && json.Valid([]byte(t)) {
				out[k.name] = json.Number(t)
			} else {
				out[k.name] = t
			}
		case typ == "boolean":
			switch strings.TrimSpace(text) {
			case "":
			case "true", "1":
				out[k.name] = true
			case "false", "0":
				out[k.name] = false
			default:
				out[k.name] = strings.TrimSpace(text)
			}
		default:
			if strings.TrimSpace(text) == "" {
				continue
			}
			if ps["format"] != nil || ps["enum"] != nil {
				text = strings.TrimSpace(text)
			}
			out[k.name] = text
		}
	}
	// A client sends nothing for a repeat with no entries or a multiple
	// choice with no box ticked: for an always required one that is the
	// answer "none".
	for n := range always {
		ps, _ := props[n].(map[string]any)
		if _, ok := out[n]; ok || ps == nil || ps["type"] != "array" {
			continue
		}
		if ps["x-repeat"] == true || ps["minItems"] == nil {
			out[n] = []any{}
		}
	}
	return out
}
