package protect_test

import (
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
)

// A household generator for the benchmarks here, the same as the one the
// indicator tests verify the indicators over (internal/indicator), so
// that the benchmarks run on the same kind of data.

type gen struct{ r *rand.Rand }

func (g gen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

func (g gen) subset(xs ...string) []any {
	out := []any{}
	for _, x := range xs {
		if g.r.IntN(8) == 0 {
			out = append(out, x)
		}
	}
	return out
}

// dob returns a date of birth for a child aged between lo and hi completed
// years on day; one in four is exactly on a birthday.
func (g gen) dob(day time.Time, lo, hi int) string {
	age := lo + g.r.IntN(hi-lo+1)
	d := day.AddDate(-age, 0, 0)
	if g.r.IntN(4) != 0 {
		d = d.AddDate(0, 0, -g.r.IntN(365))
		if oracleAge(d, day) != age { // 29 February and the like: stay on the birthday
			d = day.AddDate(-age, 0, 0)
		}
	}
	return d.Format(time.DateOnly)
}

func (g gen) household(day time.Time) map[string]any {
	n := g.r.IntN(6)
	children := []any{}
	for range n {
		c := map[string]any{
			"child_id": uuid.NewString(), "full_name": "Nguyễn Văn An", "sex": g.pick("male", "female"),
			"date_of_birth": g.dob(day, 0, 17), "birth_registered": g.pick("yes", "yes", "no", "unknown"),
			"lives_with": g.pick("both_parents", "mother_only", "relatives"), "mother_alive": g.pick("yes", "yes", "no", "unknown"),
			"father_alive": g.pick("yes", "yes", "no", "unknown"), "in_school": g.pick("yes", "no", "not_applicable"),
			"health_insurance":      g.pick("yes", "no"),
			"special_circumstances": g.subset("double_orphan", "abandoned", "disabled", "hiv", "violence"),
		}
		if len(c["special_circumstances"].([]any)) > 0 {
			c["receiving_support"] = g.pick("yes", "no")
		}
		children = append(children, c)
	}
	return map[string]any{"address": "Tổ 5", "head_name": "Trần Văn Bình", "members_total": n + 1 + g.r.IntN(3),
		"poverty_status": g.pick("poor", "near_poor", "not_poor"), "children": children}
}

// oracleAge is completed years, written out again for the test.
func oracleAge(dob, on time.Time) int {
	a := on.Year() - dob.Year()
	if on.Month() < dob.Month() || (on.Month() == dob.Month() && on.Day() < dob.Day()) {
		a--
	}
	return a
}
