package mongo

import (
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/khaosat/khaosat/internal/survey"
)

// answerFilter translates answer conditions into MongoDB's own: a
// condition on an answer outside repeats, or alone on its repeat, is a
// dotted-path condition ("data.children.sex"), which holds when some item
// satisfies it ($ne: when no item has the value); the conditions on one
// repeat, which must hold for the same item, are one $elemMatch on the
// repeat's items (the operators on one answer merged: age >= 5 and < 10).
func answerFilter(conds []survey.AnswerCond) bson.A {
	n := map[string]int{}
	for _, c := range conds {
		if c.Repeat != "" {
			n[c.Repeat]++
		}
	}
	var out bson.A
	items := map[string]bson.D{} // repeat → the $elemMatch condition on its items
	var repeats []string
	for _, c := range conds {
		op := bson.E{Key: "$" + c.Op, Value: c.Value}
		if c.Repeat == "" || n[c.Repeat] < 2 {
			out = append(out, bson.D{{Key: "data." + dotted(c), Value: bson.D{op}}})
			continue
		}
		item, ok := items[c.Repeat]
		if !ok {
			repeats = append(repeats, c.Repeat)
		}
		merged := false
		for i, e := range item {
			if e.Key == c.Path {
				item[i].Value = append(e.Value.(bson.D), op)
				merged = true
			}
		}
		if !merged {
			item = append(item, bson.E{Key: c.Path, Value: bson.D{op}})
		}
		items[c.Repeat] = item
	}
	for _, r := range repeats {
		out = append(out, bson.D{{Key: "data." + r, Value: bson.D{{Key: "$elemMatch", Value: items[r]}}}})
	}
	return out
}

func dotted(c survey.AnswerCond) string {
	if c.Repeat == "" {
		return c.Path
	}
	return c.Repeat + "." + c.Path
}
