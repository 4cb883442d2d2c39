package indicator_test

import (
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
)

// The generator of a random but realistic data set, and the independent
// computation of every indicator over it: plain loops over the generated
// answers, sharing no code with the engine (not its age function, not its
// conditions, not its rounding).

// genSub is one generated submission and what the test knows of it.
type genSub struct {
	id, form       string
	unit, district string // district "" after the reform
	hier           string
	date           time.Time
	data           map[string]any // as sent (JSON form)
	rejected       bool
	deleted        bool
}

var (
	reform = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	// oldCommunes maps communes of the 2025-03 list to their districts.
	oldCommunes = map[string]string{"00001": "001", "00004": "001", "00037": "002", "00040": "002", "00091": "003"}
	oldOrder    = []string{"00001", "00004", "00037", "00040", "00091"}
	newCommunes = []string{"00004", "00070", "00082", "00008"}
)

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

func (g gen) date() time.Time {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)
	days := int(end.Sub(start).Hours() / 24)
	return start.AddDate(0, 0, g.r.IntN(days+1))
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

func (g gen) sub(form string) *genSub {
	s := &genSub{id: uuid.NewString(), form: form, date: g.date()}
	if s.date.Before(reform) {
		s.unit = oldOrder[g.r.IntN(len(oldOrder))]
		s.district, s.hier = oldCommunes[s.unit], "old"
	} else {
		s.unit, s.hier = newCommunes[g.r.IntN(len(newCommunes))], "new"
	}
	s.data = g.answers(form, s.date)
	return s
}

func (g gen) answers(form string, day time.Time) map[string]any {
	switch form {
	case "household":
		return g.household(day)
	case "disability":
		return g.disability(day)
	case "labour":
		return g.labour(day)
	}
	return g.hiv(day)
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

func (g gen) scale() int { return []int{1, 1, 1, 2, 2, 3, 4}[g.r.IntN(7)] }

func (g gen) disability(day time.Time) map[string]any {
	d := map[string]any{"full_name": "Lê Thị Hoa", "sex": g.pick("male", "female"), "respondent": "mother",
		"disability_certified": g.pick("none", "mild", "severe"), "receiving_support": g.pick("yes", "no")}
	if g.r.IntN(3) == 0 {
		d["date_of_birth"], d["age_band"] = g.dob(day, 2, 4), "2-4"
		for _, k := range []string{"cf_seeing", "cf_hearing", "cf_walking", "cf_fine_motor", "cf_communication", "cf_learning", "cf_playing", "cf_behaviour_2_4"} {
			d[k] = g.scale()
		}
		return d
	}
	d["date_of_birth"], d["age_band"] = g.dob(day, 5, 17), "5-17"
	for _, k := range []string{"cf_seeing", "cf_hearing", "cf_walking", "cf_self_care", "cf_communication", "cf_learning", "cf_remembering",
		"cf_concentrating", "cf_accepting_change", "cf_controlling_behaviour", "cf_making_friends"} {
		d[k] = g.scale()
	}
	freq := []string{"daily", "weekly", "monthly", "few_times_a_year", "never", "never", "never"}
	d["cf_anxiety"], d["cf_depression"] = g.pick(freq...), g.pick(freq...)
	return d
}

func (g gen) labour(day time.Time) map[string]any {
	hours := []float64{0, 0, 0.5, 1, 5, 13.5, 14, 20, 42.5, 43, 50}
	chores := []float64{0, 5, 21, 21.5, 28}
	econ := hours[g.r.IntN(len(hours))]
	d := map[string]any{"full_name": "Phạm Văn Cường", "sex": g.pick("male", "female"), "date_of_birth": g.dob(day, 5, 17),
		"econ_hours": econ, "chore_hours": chores[g.r.IntN(len(chores))],
		"hazardous_conditions":  g.subset("heavy_loads", "dangerous_tools", "dust_fumes_gas", "heights"),
		"works_far_from_family": g.pick("yes", "no"), "attends_school": g.pick("yes", "no")}
	if econ > 0 {
		d["sector"] = g.pick("agriculture", "construction", "trade")
	}
	return d
}

func (g gen) hiv(day time.Time) map[string]any {
	st := []string{"alive_healthy", "alive_chronically_ill", "deceased_aids", "deceased_other", "unknown"}
	d := map[string]any{"full_name": "Đỗ Thị Mai", "sex": g.pick("male", "female"), "date_of_birth": g.dob(day, 0, 17),
		"hiv_status": g.pick("positive", "negative", "unknown"), "mother_status": g.pick(st...), "father_status": g.pick(st...),
		"household_adult_ill": g.pick("yes", "no"), "caregiver": g.pick("parent", "grandparent"), "attends_school": g.pick("yes", "no", "not_applicable"),
		"support_received": g.subset("medical", "psychosocial", "material", "education")}
	if d["hiv_status"] == "positive" {
		d["on_art"] = g.pick("yes", "yes", "no")
	}
	return d
}

func (s *genSub) envelope() map[string]any {
	return map[string]any{"id": s.id, "form_version": 1, "unit": s.unit, "survey_date": s.date.Format(time.DateOnly), "data": s.data}
}

// oracleAge is completed years, written out again for the test.
func oracleAge(dob, on time.Time) int {
	a := on.Year() - dob.Year()
	if on.Month() < dob.Month() || (on.Month() == dob.Month() && on.Day() < dob.Day()) {
		a--
	}
	return a
}

func str(row map[string]any, k string) string { s, _ := row[k].(string); return s }

func num(row map[string]any, k string) float64 {
	switch v := row[k].(type) {
	case float64:
		return v
	case int:
		return float64(v)
	}
	return 0
}

func list(row map[string]any, k string) int { l, _ := row[k].([]any); return len(l) }

func between(a, lo, hi int) bool { return a >= lo && a <= hi }

// oracle says, for one row of a form, whether it is in each indicator's
// denominator and numerator, from INDICATORS.md read afresh.
func oracle(form string, row map[string]any, age int) map[string][2]bool {
	out := map[string][2]bool{}
	set := func(code string, den, n bool) { out[code] = [2]bool{den, den && n} }
	switch form {
	case "household":
		special := list(row, "special_circumstances") > 0
		set("CHILD_POP", true, between(age, 0, 15))
		set("CSPC_RATE", between(age, 0, 15), special)
		set("CSPC_ASSISTED", between(age, 0, 15) && special, str(row, "receiving_support") == "yes")
		set("BIRTH_REG_U5", between(age, 0, 4), str(row, "birth_registered") == "yes")
		set("ORPHAN_RATE", between(age, 0, 17), str(row, "mother_alive") == "no" || str(row, "father_alive") == "no")
		set("DOUBLE_ORPHANS", true, between(age, 0, 17) && str(row, "mother_alive") == "no" && str(row, "father_alive") == "no")
		set("SCHOOL_6_14", between(age, 6, 14), str(row, "in_school") == "yes")
		set("HEALTH_INS_U6", between(age, 0, 5), str(row, "health_insurance") == "yes")
	case "disability":
		hi := func(keys ...string) bool {
			for _, k := range keys {
				if num(row, k) >= 3 {
					return true
				}
			}
			return false
		}
		set("FUNC_DIFF_2_4", str(row, "age_band") == "2-4",
			hi("cf_seeing", "cf_hearing", "cf_walking", "cf_fine_motor", "cf_communication", "cf_learning", "cf_playing") || num(row, "cf_behaviour_2_4") == 4)
		set("FUNC_DIFF_5_17", str(row, "age_band") == "5-17",
			hi("cf_seeing", "cf_hearing", "cf_walking", "cf_self_care", "cf_communication", "cf_learning", "cf_remembering",
				"cf_concentrating", "cf_accepting_change", "cf_controlling_behaviour", "cf_making_friends") ||
				str(row, "cf_anxiety") == "daily" || str(row, "cf_depression") == "daily")
	case "labour":
		e, c := num(row, "econ_hours"), num(row, "chore_hours")
		var labour bool
		switch {
		case between(age, 5, 11):
			labour = e >= 1 || c > 21
		case between(age, 12, 14):
			labour = e >= 14 || c > 21
		case between(age, 15, 17):
			labour = e >= 43
		}
		set("CHILD_LABOUR", between(age, 5, 17), labour)
		set("HAZARDOUS_WORK", between(age, 5, 17), e > 0 && list(row, "hazardous_conditions") > 0)
	case "hiv":
		set("HIV_STATUS_KNOWN", between(age, 0, 17), str(row, "hiv_status") != "unknown")
		set("ON_ART", between(age, 0, 17) && str(row, "hiv_status") == "positive", str(row, "on_art") == "yes")
		set("AIDS_ORPHANS", true, between(age, 0, 17) && (str(row, "mother_status") == "deceased_aids" || str(row, "father_status") == "deceased_aids"))
		set("OVC_SUPPORT", between(age, 0, 17), list(row, "support_received") > 0)
	}
	return out
}

func oracleAgeGroup(age int) string {
	switch {
	case age < 5:
		return "0-4"
	case age < 12:
		return "5-11"
	case age < 15:
		return "12-14"
	}
	return "15-17"
}

// oracleRows returns the observation rows of a generated submission.
func oracleRows(s *genSub) []map[string]any {
	if s.form != "household" {
		return []map[string]any{s.data}
	}
	var out []map[string]any
	for _, c := range s.data["children"].([]any) {
		out = append(out, c.(map[string]any))
	}
	return out
}
