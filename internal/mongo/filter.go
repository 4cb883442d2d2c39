package mongo

import (
	"context"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/khaosat/khaosat/internal/survey"
)

// answerFilter translates answer conditions into dotted-path conditions
// ("data.children.sex"), which the embedded engine evaluates over arrays
// of items; it does not evaluate $elemMatch on items (measured: no match,
// or "unknown operator"). A dotted condition through a repeat holds when
// some item satisfies it ($ne: when no item has the value).
func answerFilter(conds []survey.AnswerCond) bson.A {
	var out bson.A
	for _, c := range conds {
		path := "data." + c.Path
		if c.Repeat != "" {
			path = "data." + c.Repeat + "." + c.Path
		}
		out = append(out, bson.D{{Key: path, Value: bson.D{{Key: "$" + c.Op, Value: c.Value}}}})
	}
	return out
}

// sameItem returns the repeats with more than one condition: those must
// hold for one item, which is checked here after the database has
// narrowed the candidates with each condition on its own.
func sameItem(conds []survey.AnswerCond) map[string][]survey.AnswerCond {
	groups := map[string][]survey.AnswerCond{}
	for _, c := range conds {
		if c.Repeat != "" {
			groups[c.Repeat] = append(groups[c.Repeat], c)
		}
	}
	for r, g := range groups {
		if len(g) < 2 {
			delete(groups, r)
		}
	}
	if len(groups) == 0 {
		return nil
	}
	return groups
}

// listSameItem pages through the candidates until it has q.Limit
// submissions whose repeat conditions hold for one item.
func (s *Store) listSameItem(ctx context.Context, q survey.SubmissionQuery, groups map[string][]survey.AnswerCond) ([]*survey.Submission, error) {
	pre := q
	pre.Answers = nil
	for _, c := range q.Answers {
		if groups[c.Repeat] != nil && c.Op == "ne" {
			continue // "no item has it" would be stricter than "this item has not"
		}
		pre.Answers = append(pre.Answers, survey.AnswerCond{Path: dotted(c), Op: c.Op, Value: c.Value})
	}
	pre.Limit = max(2*q.Limit, 100)
	var out []*survey.Submission
	for {
		batch, err := s.ListSubmissions(ctx, pre)
		if err != nil {
			return nil, err
		}
		for _, sub := range batch {
			if holdsForOneItem(sub.Data, groups) {
				out = append(out, sub)
				if len(out) == q.Limit {
					return out, nil
				}
			}
		}
		if len(batch) < pre.Limit {
			return out, nil
		}
		last := batch[len(batch)-1]
		pre.After = &survey.PageKey{ReceivedAt: last.ReceivedAt, ID: last.ID}
	}
}

func dotted(c survey.AnswerCond) string {
	if c.Repeat == "" {
		return c.Path
	}
	return c.Repeat + "." + c.Path
}

func holdsForOneItem(data map[string]any, groups map[string][]survey.AnswerCond) bool {
	for repeat, conds := range groups {
		items, _ := lookup(data, repeat).([]any)
		found := false
		for _, it := range items {
			m, ok := it.(map[string]any)
			if !ok {
				continue
			}
			all := true
			for _, c := range conds {
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
		return op == "ne" && v != want
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
			return cmpOrdered(x, y), true
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

func cmpOrdered(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}
