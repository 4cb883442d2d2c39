package indicator

import (
	"fmt"
	"time"

	"github.com/khaosat/khaosat/internal/survey"
)

// The facts of a submission: every indicator of its form evaluated once
// on each of its rows, counted per sex and age group. Intake writes them
// with the submission (survey.WithFacts); the stores count them.

// Age groups, the indicators' age dimension.
var AgeGroups = []string{"0-4", "5-11", "12-14", "15-17"}

// Sexes, the indicators' sex dimension.
var Sexes = []string{"male", "female"}

// AgeGroup returns the age group of an age in completed years, "" outside 0–17.
func AgeGroup(age int) string {
	switch {
	case age < 0:
		return ""
	case age <= 4:
		return "0-4"
	case age <= 11:
		return "5-11"
	case age <= 14:
		return "12-14"
	case age <= 17:
		return "15-17"
	}
	return ""
}

// Deriver derives the indicator facts of one submission. It holds only
// the definitions and the units, so that intake can be given it when it
// is built (survey.WithFacts), before the service that counts.
type Deriver struct {
	set   *Set
	units *survey.Units
}

// NewDeriver returns the deriver of the facts of set over units.
func NewDeriver(set *Set, units *survey.Units) *Deriver { return &Deriver{set: set, units: units} }

// Set returns the indicator set the facts are derived from.
func (d *Deriver) Set() *Set { return d.set }

// counts reports whether a submission's current state counts in the
// indicators: not rejected and not deleted.
func counts(sub *survey.Submission) bool {
	return sub.ReviewState != survey.ReviewRejected && sub.DeletedAt == nil
}

// FactsOf evaluates every indicator of the submission's form on each of
// its rows, once: the facts of the submission's current state (every
// answer in clear, storage form).
func (d *Deriver) FactsOf(sub *survey.Submission) (*survey.Facts, error) {
	f := &survey.Facts{SubmissionID: sub.ID, Form: sub.FormID, Commune: sub.Unit, SurveyDate: sub.SurveyDate}
	u, ok := d.units.At(sub.Unit, sub.SurveyDate)
	if !ok {
		return nil, fmt.Errorf("indicator facts of %s: unit %s not valid on %s", sub.ID, sub.Unit, sub.SurveyDate.Format(time.DateOnly))
	}
	f.Hierarchy = u.Hierarchy
	if p, ok := d.units.At(u.Parent, sub.SurveyDate); ok && p.Level == survey.LevelDistrict {
		f.District = p.Code
	}
	if !counts(sub) {
		return f, nil
	}
	type cellKey struct{ code, sex, ag string }
	cells := map[cellKey]*survey.FactCell{}
	var order []cellKey
	vars := map[string][]map[string]any{} // rows path → variables of each row
	for _, def := range d.set.ForForm(sub.FormID) {
		rowVars, ok := vars[def.Rows]
		if !ok {
			for _, row := range rowsOf(sub.Data, def.Rows) {
				rowVars = append(rowVars, Vars(def.Fields(), row, sub.SurveyDate))
			}
			vars[def.Rows] = rowVars
		}
		for _, v := range rowVars {
			den, num, err := def.Eval(v)
			if err != nil {
				return nil, fmt.Errorf("indicator %s on submission %s: %w", def.Code, sub.ID, err)
			}
			if !den {
				continue
			}
			sex, _ := v["sex"].(string)
			age, _ := v[AgeVar].(int64)
			if _, has := v[AgeVar]; !has {
				age = -1
			}
			k := cellKey{def.Code, sex, AgeGroup(int(age))}
			c := cells[k]
			if c == nil {
				c = &survey.FactCell{Indicator: k.code, Sex: k.sex, AgeGroup: k.ag, Sensitive: def.Sensitive}
				cells[k] = c
				order = append(order, k)
			}
			c.Den++
			if num {
				c.Num++
			}
		}
	}
	for _, k := range order {
		f.Cells = append(f.Cells, *cells[k])
	}
	return f, nil
}

// rowsOf returns the observation rows of data: the object itself, or the
// items of its repeat field rows.
func rowsOf(data map[string]any, rows string) []map[string]any {
	if rows == "" {
		return []map[string]any{data}
	}
	items, _ := data[rows].([]any)
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}
