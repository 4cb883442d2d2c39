package survey_test

import (
	"os"
	"testing"

	"github.com/khaosat/khaosat/internal/survey"
)

func mustUnits(tb testing.TB) *survey.Units {
	tb.Helper()
	u, err := survey.LoadUnits(os.DirFS("../.."), "forms/units")
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

func TestUnitsAcrossTheReform(t *testing.T) {
	us := mustUnits(t)
	tests := []struct {
		code, date, name, parent string
		ok                       bool
	}{
		{"00004", "2025-06-30", "Phường Trúc Bạch", "001", true},
		{"00004", "2025-07-01", "Phường Ba Đình", "01", true},
		{"00001", "2025-07-01", "", "", false},
		{"001", "2020-01-01", "Quận Ba Đình", "01", true},
		{"001", "2026-01-01", "", "", false},
		{"01", "2026-01-01", "Thành phố Hà Nội", "", true},
	}
	for _, tc := range tests {
		u, ok := us.At(tc.code, day(tc.date))
		if ok != tc.ok || (ok && (u.Name != tc.name || u.Parent != tc.parent)) {
			t.Errorf("At(%s, %s) = %+v, %v; want %s under %q", tc.code, tc.date, u, ok, tc.name, tc.parent)
		}
	}
	if n := len(us.Children("01", day("2025-01-01"))); n != 30 {
		t.Errorf("districts before the reform: %d, want 30", n)
	}
	if n := len(us.Children("01", day("2026-01-01"))); n != 126 {
		t.Errorf("communes after the reform: %d, want 126", n)
	}
	total := 0
	for _, d := range us.Children("01", day("2025-01-01")) {
		total += len(us.Children(d.Code, day("2025-01-01")))
	}
	if total != 526 {
		t.Errorf("communes before the reform: %d, want 526", total)
	}
	if !us.Within("00004", day("2025-01-01"), []string{"001"}) || us.Within("00004", day("2026-01-01"), []string{"001"}) {
		t.Error("00004 lies in district 001 before the reform only")
	}
	for _, d := range []string{"2025-01-01", "2026-01-01"} {
		for _, u := range append(us.Children("01", day(d)), us.Children("001", day(d))...) {
			if u.Name == "" || u.Name != normalized(u.Name) {
				t.Errorf("%s: name %q is not trimmed NFC", u.Code, u.Name)
			}
		}
	}
}
