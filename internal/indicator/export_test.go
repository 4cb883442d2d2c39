package indicator

import (
	"context"

	"github.com/khaosat/khaosat/internal/survey"
)

// DecisionOf returns the suppression decision that the answer to q uses
// for actor, for each sensitive indicator of q: each reachable cell's
// denominator and numerator and whether it is hidden, keyed by
// "code/period/hierarchy/unit/sex/age group" (period "" for the year, Q1
// to Q4 for its quarters). Tests compare the decisions of two
// services with it, not only the rows they show.
func DecisionOf(ctx context.Context, ind *Indicators, actor survey.Actor, q TableQuery) (map[string][3]int, error) {
	t, err := ind.Table(ctx, actor, q)
	if err != nil {
		return nil, err
	}
	defs := sensitiveRule(actor, t)
	year, _, _ := gridPeriod(t.From, t.To)
	decided, err := ind.suppressions(ctx, actor, year, defs)
	if err != nil {
		return nil, err
	}
	out := map[string][3]int{}
	for _, d := range decided {
		for n, k := range d.cube.keys {
			c, h := d.vals[n], 0
			if d.hidden[n] {
				h = 1
			}
			out[k.code+"/"+k.period+"/"+k.hier+"/"+k.unit+"/"+k.sex+"/"+k.ag] = [3]int{c.den, c.num, h}
		}
	}
	return out, nil
}
