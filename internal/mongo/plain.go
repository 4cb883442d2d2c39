package mongo

import (
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// plainMap turns what the BSON decoder gives (bson.D, bson.M, bson.A,
// bson.DateTime, int32, bson.Binary) into plain Go maps, slices,
// time.Time, int64 and []byte: the storage form of answers the schema
// package works with.
func plainMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = plainValue(v)
	}
	return out
}

// plainValue converts one decoded value, recursively.
func plainValue(v any) any {
	switch x := v.(type) {
	case bson.D:
		m := make(map[string]any, len(x))
		for _, e := range x {
			m[e.Key] = plainValue(e.Value)
		}
		return m
	case bson.M:
		return plainMap(x)
	case map[string]any:
		return plainMap(x)
	case bson.A:
		return plainSlice(x)
	case []any:
		return plainSlice(x)
	case bson.DateTime:
		return x.Time().UTC()
	case time.Time:
		return x.UTC()
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case bson.Binary:
		return append([]byte(nil), x.Data...)
	default:
		return v
	}
}

func plainSlice(xs []any) []any {
	out := make([]any, len(xs))
	for i, e := range xs {
		out[i] = plainValue(e)
	}
	return out
}

// PlainDocument reads one BSON document into plain Go values (see
// plainValue). It is how the embedded database's migration 0006 reads
// the BSON documents it stored before (sqlite.ReadingBSON): that package
// imports no MongoDB package, and the wiring hands it this reader.
func PlainDocument(raw []byte) (map[string]any, error) {
	var d bson.D
	if err := bson.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	return plainValue(d).(map[string]any), nil
}
