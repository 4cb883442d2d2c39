package schema

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"time"
)

// ToStorage converts answers that passed Validate into the form they are
// stored in: a date field becomes a time.Time at UTC midnight, an integer
// field (or an integer choice code) an int64, a number field a float64,
// every string NFC-normalised; repeats and objects are converted field by
// field. Answers the form does not describe are converted by their JSON
// type (json.Number to int64 when integral, else float64). The input is
// not modified. ToStorage also accepts what FromStorage accepts, so
// converting stored answers again changes nothing.
func (f *Form) ToStorage(data map[string]any) map[string]any {
	return convertObject(f.Fields, data, toStorage)
}

// FromStorage converts stored answers back to their API form: a date field
// becomes "YYYY-MM-DD" (the stored time read in UTC), integers int64 and
// numbers float64 (so an integer kind read back as a double is an integer
// again).
//
// It takes what a MongoDB driver decodes into map[string]any without
// importing one: documents as map[string]any, as any other map with string
// keys (bson.M) or as a slice of {Key string; Value any} structs (bson.D);
// lists as []any or any other slice type (bson.A); dates as time.Time or
// any value with a Time() time.Time method (bson.DateTime); numbers as any
// Go integer or float type. Other values (decimals, binary data) pass
// through unchanged, and a caller that stores such types must convert them
// first.
func (f *Form) FromStorage(doc map[string]any) map[string]any {
	return convertObject(f.Fields, doc, fromStorage)
}

// FromStorageInPlace is FromStorage without the copy: doc itself, and
// the maps and lists in it, are converted and returned. Only for a caller
// that owns doc and has no further use for its storage form (an export
// row, read for that row alone).
func (f *Form) FromStorageInPlace(doc map[string]any) map[string]any {
	return convertObject(f.Fields, doc, fromStorageInPlace)
}

// FromStorageAt converts one value found at the instance path pointer
// ("/children/0/sex") to its API form, as FromStorage converts the whole
// document; a value of JSON types (json.Number) is read as its field's
// kind says.
func (f *Form) FromStorageAt(pointer string, v any) any {
	return convert(f.Field(pointer), v, fromStorage)
}

// direction says which way convert goes.
type direction int

const (
	toStorage          direction = iota // API JSON to storage
	fromStorage                         // storage to API JSON
	fromStorageInPlace                  // storage to API JSON, in the input's own maps and lists
	canonical                           // anything to plain JSON values, NFC text
)

func (d direction) toAPI() bool { return d == fromStorage || d == fromStorageInPlace }

// convertObject converts a document whose keys fields describe.
func convertObject(fields []*Field, obj map[string]any, dir direction) map[string]any {
	out := obj // in place: changing the values of keys being ranged over is allowed
	if dir != fromStorageInPlace {
		out = make(map[string]any, len(obj))
	}
	for k, v := range obj {
		nv := convert(findField(fields, k), v, dir)
		if dir == fromStorageInPlace && unchangedInPlace(v, nv) {
			continue // storing it again would cost a map assignment per answer
		}
		out[k] = nv
	}
	return out
}

// unchangedInPlace reports whether converting old in place gave it back:
// a document or a list is always converted inside itself, and a text,
// integer, boolean or null may come back as it was (a number bit for bit:
// -0 becomes 0).
func unchangedInPlace(old, new any) bool {
	switch o := old.(type) {
	case map[string]any, []any:
		return true
	case string:
		n, ok := new.(string)
		return ok && n == o
	case int64:
		n, ok := new.(int64)
		return ok && n == o
	case float64:
		n, ok := new.(float64)
		return ok && math.Float64bits(n) == math.Float64bits(o)
	case bool:
		n, ok := new.(bool)
		return ok && n == o
	case nil:
		return new == nil
	}
	return false
}

// convert converts one answer of field f (nil if the form does not know it).
func convert(f *Field, v any, dir direction) any {
	var k Kind
	if f != nil {
		k = f.Kind
	}
	switch k {
	case KindDate:
		if d, ok := asDate(v); ok {
			if dir == toStorage {
				return d.time()
			}
			return d.text()
		}
	case KindInteger:
		if _, ok := v.(int64); ok {
			return v // already itself: boxing it again would allocate
		}
		if n, ok := asInt64(v); ok {
			return n
		}
	case KindNumber:
		if x, ok := v.(float64); ok && x != 0 { // 0 goes on: -0 becomes 0
			return v
		}
		if x, ok := asFloat64(v); ok {
			return x
		}
	case KindRepeat:
		if list, ok := asList(v); ok {
			out := list
			if dir != fromStorageInPlace {
				out = make([]any, len(list))
			}
			for i, item := range list {
				if obj, ok := asObject(item); ok {
					out[i] = convertObject(f.Fields, obj, dir)
				} else {
					out[i] = convert(nil, item, dir)
				}
			}
			if dir == fromStorageInPlace {
				if _, same := v.([]any); same {
					return v // boxing the same list again would allocate
				}
			}
			return out
		}
	case KindObject:
		if obj, ok := asObject(v); ok {
			return convertObject(f.Fields, obj, dir)
		}
	}
	return convertJSON(v, dir)
}

// convertJSON converts a value by its JSON type alone; choice codes and
// text take this way too.
func convertJSON(v any, dir direction) any {
	switch x := v.(type) {
	case nil, bool:
		return x
	case string:
		if dir.toAPI() {
			return v // v, not x: boxing x again would allocate
		}
		return CleanText(x)
	case int64:
		return v
	case map[string]any:
		return convertObject(nil, x, dir)
	case []any:
		if dir == fromStorageInPlace {
			convertList(x, dir)
			return v // the same list: boxing it again would allocate
		}
		return convertList(x, dir)
	case time.Time:
		return convertTime(x, dir)
	}
	if n, ok := asInt64(v); ok {
		return n
	}
	if n, ok := asFloat64(v); ok {
		return n
	}
	if t, ok := v.(interface{ Time() time.Time }); ok {
		return convertTime(t.Time(), dir)
	}
	if obj, ok := asObject(v); ok {
		return convertObject(nil, obj, dir)
	}
	if list, ok := asList(v); ok {
		return convertList(list, dir)
	}
	return v
}

func convertList(list []any, dir direction) []any {
	out := list
	if dir != fromStorageInPlace {
		out = make([]any, len(list))
	}
	for i, item := range list {
		out[i] = convertJSON(item, dir)
	}
	return out
}

// convertTime keeps a time the form does not call a date as a time in
// storage and as RFC 3339 text in JSON.
func convertTime(t time.Time, dir direction) any {
	if dir == toStorage {
		return t
	}
	return t.Format(time.RFC3339Nano)
}

// asDate reads a date answer: "YYYY-MM-DD" text, or a stored time, whose
// calendar date is taken in UTC (storage keeps dates at UTC midnight).
func asDate(v any) (civilDate, bool) {
	switch x := v.(type) {
	case string:
		return parseDate(x)
	case time.Time:
		return civil(x.UTC()), true
	case interface{ Time() time.Time }:
		return civil(x.Time().UTC()), true
	}
	return civilDate{}, false
}

// asInt64 reads an integral number of any Go type, or json.Number.
func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case int:
		return int64(x), true
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, true
		}
		if f, err := x.Float64(); err == nil {
			return floatToInt64(f)
		}
		return 0, false
	case float64:
		return floatToInt64(x)
	case float32:
		return floatToInt64(float64(x))
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if _, isTime := v.(interface{ Time() time.Time }); !isTime {
			return rv.Int(), true
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if u := rv.Uint(); u <= math.MaxInt64 {
			return int64(u), true
		}
	}
	return 0, false
}

// floatToInt64 accepts only integral values that int64 holds exactly.
func floatToInt64(f float64) (int64, bool) {
	if f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
		return 0, false
	}
	return int64(f), true
}

// asFloat64 reads any number as a float64; -0 becomes 0.
func asFloat64(v any) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case float32:
		f = float64(x)
	case json.Number:
		var err error
		if f, err = strconv.ParseFloat(string(x), 64); err != nil {
			return 0, false
		}
	default:
		n, ok := asInt64(v)
		if !ok {
			return 0, false
		}
		f = float64(n)
	}
	if f == 0 {
		f = 0
	}
	return f, true
}

// asObject reads a document: map[string]any, another map with string keys
// (bson.M), or a slice of {Key, Value} structs (bson.D).
func asObject(v any) (map[string]any, bool) {
	if m, ok := v.(map[string]any); ok {
		return m, true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return nil, false
		}
		out := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			out[it.Key().String()] = it.Value().Interface()
		}
		return out, true
	case reflect.Slice, reflect.Array:
		if !isKeyValue(rv.Type().Elem()) {
			return nil, false
		}
		out := make(map[string]any, rv.Len())
		for i := 0; i < rv.Len(); i++ {
			e := rv.Index(i)
			out[e.FieldByName("Key").String()] = e.FieldByName("Value").Interface()
		}
		return out, true
	}
	return nil, false
}

// isKeyValue reports whether t looks like bson.E: struct{Key string; Value any}.
func isKeyValue(t reflect.Type) bool {
	if t.Kind() != reflect.Struct {
		return false
	}
	k, ok1 := t.FieldByName("Key")
	v, ok2 := t.FieldByName("Value")
	return ok1 && ok2 && k.Type.Kind() == reflect.String && v.Type.Kind() == reflect.Interface
}

// asList reads a list: []any or any other slice (bson.A), but not a
// document or bytes.
func asList(v any) ([]any, bool) {
	if l, ok := v.([]any); ok {
		return l, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	if el := rv.Type().Elem(); isKeyValue(el) || el.Kind() == reflect.Uint8 {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}
