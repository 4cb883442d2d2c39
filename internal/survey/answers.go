package survey

import (
	"strings"
	"time"
)

// AnswersHold checks conditions on answers against a submission's stored
// answers (storage form), for a store that cannot evaluate them itself. A condition through a repeat holds when some item meets it
// ("ne": when no item has the value); conditions on the same repeat must
// hold for one item.
func AnswersHold(data map[string]any, conds []AnswerCond) bool {
	if len(conds) == 0 {
		return true
	}
	groups := map[string][]AnswerCond{}
	for _, c := range conds {
		if c.Repeat == "" {
			if !holds(lookup(data, c.Path), c.Op, c.Value) {
				return false
			}
			continue
		}
		groups[c.Repeat] = append(groups[c.Repeat], c)
	}
	for repeat, cs := range groups {
		items, _ := lookup(data, repeat).([]any)
		if len(cs) == 1 && cs[0].Op == "ne" {
			for _, it := range items {
				if m, ok := it.(map[string]any); ok && !holds(lookup(m, cs[0].Path), "ne", cs[0].Value) {
					return false
				}
			}
			continue
		}
		found := false
		for _, it := range items {
			m, ok := it.(map[string]any)
			if !ok {
				continue
			}
			all := true
			for _, c := range cs {
				all = all && holds(lookup(m, c.Path), c.Op, c.Value)
			}
			if all {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func lookup(m map[string]any, path string) any {
	var v any = m
	for _, tok := range strings.Split(path, ".") {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[tok]
	}
	return v
}

// holds compares one stored answer with a condition's value.
func holds(v any, op string, want any) bool {
	if list, ok := v.([]any); ok { // a multiple choice: has the code, or not
		has := false
		for _, x := range list {
			has = has || x == want
		}
		return (op == "eq" && has) || (op == "ne" && !has)
	}
	c, ok := compare(v, want)
	if !ok {
		return op == "ne"
	}
	switch op {
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	case "gt":
		return c > 0
	case "gte":
		return c >= 0
	case "lt":
		return c < 0
	case "lte":
		return c <= 0
	}
	return false
}

func compare(a, b any) (int, bool) {
	num := func(x any) (float64, bool) {
		switch n := x.(type) {
		case int64:
			return float64(n), true
		case float64:
			return n, true
		}
		return 0, false
	}
	if x, ok := num(a); ok {
		if y, ok := num(b); ok {
			switch {
			case x < y:
				return -1, true
			case x > y:
				return 1, true
			}
			return 0, true
		}
		return 0, false
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y), true
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y), true
		}
	case bool:
		if y, ok := b.(bool); ok && x == y {
			return 0, true
		} else if ok {
			return 1, true
		}
	}
	return 0, false
}
