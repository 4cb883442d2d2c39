package main

import (
	"fmt"
	"net/http"
	"testing"
)

// TestIndicatorsFollowTheLifecycle: a submission counts in the indicators
// the moment it is acknowledged, stops counting when it is rejected or
// deleted, and counts again when approved or restored; an edit counts with
// its new answers. Ward 00091 is used by no other test.
func TestIndicatorsFollowTheLifecycle(t *testing.T) {
	const unit = "00091"
	col := newUser(t, shared, "collector", unit)
	admin := adminClient(t, shared)
	pop := func(what string) (children, special int) {
		t.Helper()
		var res struct {
			Rows []struct {
				Indicator string `json:"indicator"`
				Numerator *int   `json:"numerator"`
			} `json:"rows"`
		}
		r := admin.do("GET", "/api/v1/indicators/table?codes=CHILD_POP,CSPC_RATE&period=2026&unit="+unit+"&level=commune", nil)
		if r.status != http.StatusOK {
			t.Fatalf("%s: indicators: %d %s", what, r.status, r.body)
		}
		r.json(t, &res)
		for _, row := range res.Rows {
			if row.Numerator == nil {
				continue
			}
			switch row.Indicator {
			case "CHILD_POP":
				children += *row.Numerator
			case "CSPC_RATE":
				special += *row.Numerator
			}
		}
		return children, special
	}
	c0, s0 := pop("before")
	e := envelope(householdData(t)) // 3 children under 16, one in special circumstances (sealed at rest)
	e["unit"] = unit
	if r := col.do("POST", "/api/v1/forms/household/submissions", e); r.status != http.StatusCreated {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	path := "/api/v1/forms/household/submissions/" + e["id"].(string)
	step := func(what string, wantChildren, wantSpecial int) {
		t.Helper()
		if c, s := pop(what); c-c0 != wantChildren || s-s0 != wantSpecial {
			t.Errorf("%s: the submission adds %d children (%d in special circumstances), want %d (%d)", what, c-c0, s-s0, wantChildren, wantSpecial)
		}
	}
	step("after intake", 3, 1)
	review := func(state, rev string) {
		t.Helper()
		r := admin.do("POST", path+"/review", map[string]any{"state": state, "comment": "kiểm tra " + state})
		if r.status != http.StatusOK {
			t.Fatalf("review %s: %d %s", state, r.status, r.body)
		}
	}
	review("rejected", "1")
	step("after rejection", 0, 0)
	review("approved", "2")
	step("after approval", 3, 1)

	// An edit that takes the first child out of special circumstances.
	var cur struct {
		Revision int `json:"revision"`
	}
	admin.do("GET", path, nil).json(t, &cur)
	data := householdData(t)
	first := data["children"].([]any)[0].(map[string]any)
	first["special_circumstances"] = []any{}
	delete(first, "receiving_support")
	e["data"] = data
	if r := admin.do("PUT", path, e, "If-Match", fmt.Sprintf(`"%d"`, cur.Revision)); r.status != http.StatusOK {
		t.Fatalf("edit: %d %s", r.status, r.body)
	}
	step("after the edit", 3, 0)

	if r := admin.do("DELETE", path, nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	step("after deletion", 0, 0)
	if r := admin.do("POST", path+"/restore", nil); r.status != http.StatusOK {
		t.Fatalf("restore: %d %s", r.status, r.body)
	}
	step("after restore", 3, 0)
}
