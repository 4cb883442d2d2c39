package survey

import (
	"bytes"
	"encoding/json"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/msg"
)

// Vietnam keeps one offset all year; "today" for a survey date is Hanoi's today.
var hanoi = time.FixedZone("ICT", 7*3600)

// Location is where the phone was when the form was filled.
type Location struct {
	Lat      float64
	Lon      float64
	Accuracy *float64
}

// Envelope is the part of a submission that every form shares.
type Envelope struct {
	ID          string
	FormVersion int
	Unit        string
	SurveyDate  time.Time
	StartedAt   *time.Time
	EndedAt     *time.Time
	DeviceID    string
	Location    *Location
	Data        map[string]any // as decoded from JSON with UseNumber
}

var envelopeFields = map[string]bool{
	"id": true, "form_version": true, "unit": true, "survey_date": true, "started_at": true,
	"ended_at": true, "device_id": true, "location": true, "data": true,
}

var unitRE = regexp.MustCompile(`^[0-9]{5}$`)

// ParseEnvelope decodes a submission body. A body that is not a JSON object
// or names fields the envelope does not have is malformed (400); values that
// break a rule are collected as field errors (422). prefix is prepended to
// every path (e.g. "/submissions/3" inside a batch).
func ParseEnvelope(body []byte, prefix string, now time.Time) (*Envelope, []FieldError, error) {
	if te := CheckText(body, prefix, AnswerLines(prefix)); len(te) > 0 {
		return nil, nil, invalid(te) // before decoding, which would hide invalid UTF-8
	}
	var top map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&top); err != nil || top == nil {
		return nil, nil, malformed(msg.EnvelopeNotObject)
	}
	if dec.More() {
		return nil, nil, malformed(msg.BodyTrailingData)
	}
	var unknown []string
	for k := range top {
		if !envelopeFields[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		e := malformed(msg.EnvelopeUnknownFields, strings.Join(unknown, ", "))
		for _, k := range unknown {
			e.Fields = append(e.Fields, fieldErr(prefix+"/"+escapePointer(k), "unknown_field", msg.UnknownFieldShort))
		}
		return nil, nil, e
	}
	env := &Envelope{}
	var fe []FieldError
	add := func(path, code string, key msg.Key, args ...any) {
		fe = append(fe, fieldErr(prefix+path, code, key, args...))
	}

	// id
	if s, ok := stringField(top, "id", true, add); ok {
		if u, err := uuid.Parse(s); err != nil || len(s) != 36 {
			add("/id", "format", msg.EnvelopeIDFormat)
		} else {
			env.ID = u.String()
		}
	}
	// form_version
	if raw, ok := top["form_version"]; !ok {
		add("/form_version", "required", msg.EnvelopeVersionRequired)
	} else {
		var n json.Number
		if t := bytes.TrimSpace(raw); len(t) == 0 || (t[0] != '-' && (t[0] < '0' || t[0] > '9')) || json.Unmarshal(t, &n) != nil {
			add("/form_version", "type", msg.EnvelopeVersionType)
		} else if i, err := n.Int64(); err != nil || i < 1 || i > math.MaxInt32 {
			add("/form_version", "minimum", msg.EnvelopeVersionPositive)
		} else {
			env.FormVersion = int(i)
		}
	}
	// unit
	if s, ok := stringField(top, "unit", true, add); ok {
		if !unitRE.MatchString(s) {
			add("/unit", "pattern", msg.EnvelopeUnitFormat)
		} else {
			env.Unit = s
		}
	}
	// survey_date
	if s, ok := stringField(top, "survey_date", true, add); ok {
		d, err := time.Parse(time.DateOnly, s)
		switch {
		case err != nil:
			add("/survey_date", "format", msg.EnvelopeSurveyDateFormat)
		case d.After(dateOf(now.In(hanoi))):
			add("/survey_date", "in_future", msg.EnvelopeSurveyDateFuture)
		default:
			env.SurveyDate = d
		}
	}
	env.StartedAt = timeField(top, "started_at", add)
	env.EndedAt = timeField(top, "ended_at", add)
	if env.StartedAt != nil && env.EndedAt != nil && env.EndedAt.Before(*env.StartedAt) {
		add("/ended_at", "before_start", msg.EnvelopeEndedBeforeStart)
	}
	if s, ok := stringField(top, "device_id", false, add); ok {
		if utf8.RuneCountInString(s) > 128 {
			add("/device_id", "max_length", msg.EnvelopeDeviceIDLength)
		} else {
			env.DeviceID = s
		}
	}
	if raw, ok := top["location"]; ok && !isNull(raw) {
		env.Location = parseLocation(raw, add)
	}
	if raw, ok := top["data"]; !ok || isNull(raw) {
		add("/data", "required", msg.EnvelopeDataRequired)
	} else {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		var data map[string]any
		if err := d.Decode(&data); err != nil {
			add("/data", "type", msg.EnvelopeDataType)
		} else {
			env.Data = data
		}
	}
	return env, fe, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func stringField(top map[string]json.RawMessage, name string, required bool, add func(path, code string, key msg.Key, args ...any)) (string, bool) {
	raw, ok := top[name]
	if !ok || isNull(raw) {
		if required {
			add("/"+name, "required", msg.EnvelopeRequired, name)
		}
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		add("/"+name, "type", msg.EnvelopeString, name)
		return "", false
	}
	return s, true
}

func timeField(top map[string]json.RawMessage, name string, add func(path, code string, key msg.Key, args ...any)) *time.Time {
	s, ok := stringField(top, name, false, add)
	if !ok {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		add("/"+name, "format", msg.EnvelopeTimeFormat, name)
		return nil
	}
	t = t.UTC()
	return &t
}

func parseLocation(raw json.RawMessage, add func(path, code string, key msg.Key, args ...any)) *Location {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		add("/location", "type", msg.EnvelopeLocationShape)
		return nil
	}
	loc := &Location{}
	ok := true
	for k := range m {
		if k != "lat" && k != "lon" && k != "accuracy" {
			add("/location/"+escapePointer(k), "unknown_field", msg.EnvelopeLocationUnknownField)
			ok = false
		}
	}
	num := func(name string, lo, hi float64, required bool) (float64, bool) {
		r, present := m[name]
		if !present || isNull(r) {
			if required {
				add("/location/"+name, "required", msg.EnvelopeLocationRequired, name)
			}
			return 0, false
		}
		var f float64
		if err := json.Unmarshal(r, &f); err != nil {
			add("/location/"+name, "type", msg.EnvelopeLocationType, name)
			return 0, false
		}
		if f < lo || f > hi {
			add("/location/"+name, "range", msg.EnvelopeLocationRange, name, lo, hi)
			return 0, false
		}
		return f, true
	}
	var okLat, okLon bool
	loc.Lat, okLat = num("lat", -90, 90, true)
	loc.Lon, okLon = num("lon", -180, 180, true)
	if _, present := m["accuracy"]; present {
		if a, okA := num("accuracy", 0, math.MaxFloat64, false); okA {
			loc.Accuracy = &a
		} else if !isNull(m["accuracy"]) {
			ok = false
		}
	}
	if !ok || !okLat || !okLon {
		return nil
	}
	return loc
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
