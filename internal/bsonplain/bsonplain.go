// Package bsonplain turns what the BSON decoder gives (bson.D, bson.M,
// bson.A, bson.DateTime, int32) into plain Go maps, slices, time.Time and
// int64: the form the schema package works with. Both storage adapters
// keep documents in BSON and hand answers to the domain this way.
package bsonplain

import (
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Map converts every value of m.
func Map(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = Value(v)
	}
	return out
}

// Value converts one decoded value, recursively.
func Value(v any) any {
	switch x := v.(type) {
	case bson.D:
		m := make(map[string]any, len(x))
		for _, e := range x {
			m[e.Key] = Value(e.Value)
		}
		return m
	case bson.M:
		return Map(x)
	case map[string]any:
		return Map(x)
	case bson.A:
		return slice(x)
	case []any:
		return slice(x)
	case bson.DateTime:
		return x.Time().UTC()
	case time.Time:
		return x.UTC()
	case int32:
		return int64(x)
	case int:
		return int64(x)
	default:
		return v
	}
}

func slice(xs []any) []any {
	out := make([]any, len(xs))
	for i, e := range xs {
		out[i] = Value(e)
	}
	return out
}
