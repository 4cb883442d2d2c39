package mongo

import (
	"context"

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
			if survey.AnswersHold(sub.Data, q.Answers) {
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
