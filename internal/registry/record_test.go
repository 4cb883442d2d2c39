package registry_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/registry"
)

func d(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func at(date, ack, id string) registry.Seen {
	return registry.Seen{SurveyDate: d(date), Acknowledged: d(ack), SubmissionID: id}
}

var (
	an   = registry.Member{ChildID: "c-an", FullName: "Nguyễn Văn An", Sex: "male", DateOfBirth: d("2015-03-02")}
	binh = registry.Member{ChildID: "c-binh", FullName: "Nguyễn Thị Bình", Sex: "female", DateOfBirth: d("2018-07-09")}
	baby = registry.Member{ChildID: "c-baby", FullName: "Nguyễn Văn Cường", Sex: "male", DateOfBirth: d("2026-02-01")}
)

func visit(seen registry.Seen, head string, members ...registry.Member) registry.Visit {
	return registry.Visit{Seen: seen, HouseholdID: "h1", Commune: "00070", Counts: true, HeadName: head, Address: "Tổ 3", Members: members}
}

// TestDeriveHouseholdRevisit: the latest visit says the current state; a
// child missing from it has left as of its date, with the reason it
// gives; a newborn starts a stay.
func TestDeriveHouseholdRevisit(t *testing.T) {
	t.Parallel()
	first := visit(at("2026-01-10", "2026-01-10", "s1"), "Nguyễn Văn Hải", an, binh)
	again := visit(at("2026-02-10", "2026-02-11", "s2"), "Nguyễn Văn Hải (chủ hộ)", an, baby)
	again.Left = []registry.Departure{{ChildID: "c-binh", Reason: registry.LeftMovedOut}}
	h, stays := registry.DeriveHousehold("h1", []registry.Visit{again, first}) // any order
	if h.HeadName != "Nguyễn Văn Hải (chủ hộ)" || h.Visits != 2 || !h.FirstVisit.Equal(d("2026-01-10")) || h.Latest.SubmissionID != "s2" {
		t.Errorf("household = %+v", h)
	}
	left := d("2026-02-10")
	want := []registry.Stay{
		{ChildID: "c-an", HouseholdID: "h1", Commune: "00070", From: d("2026-01-10"), FullName: an.FullName, Sex: "male", DateOfBirth: an.DateOfBirth, Latest: again.Seen},
		{ChildID: "c-baby", HouseholdID: "h1", Commune: "00070", From: d("2026-02-10"), FullName: baby.FullName, Sex: "male", DateOfBirth: baby.DateOfBirth, Latest: again.Seen},
		{ChildID: "c-binh", HouseholdID: "h1", Commune: "00070", From: d("2026-01-10"), LeftAt: &left, LeftReason: registry.LeftMovedOut,
			FullName: binh.FullName, Sex: "female", DateOfBirth: binh.DateOfBirth, Latest: first.Seen},
	}
	if diff := cmp.Diff(want, stays); diff != "" {
		t.Errorf("stays (-want +got):\n%s", diff)
	}
	c := registry.DeriveChild("c-binh", stays[2:], nil)
	if c.LeftAt == nil || !c.LeftAt.Equal(left) || c.LeftReason != registry.LeftMovedOut || c.HouseholdID != "h1" {
		t.Errorf("child = %+v, want left on %s (moved_out)", c, left)
	}
}

// TestDeriveHouseholdIgnoresAndTies: deleted or rejected visits do not
// count; of two visits on one date the later acknowledged wins; a
// household without a visit that counts is none.
func TestDeriveHouseholdIgnoresAndTies(t *testing.T) {
	t.Parallel()
	early := visit(at("2026-03-01", "2026-03-05", "s-b"), "Trần A", an)
	late := visit(at("2026-03-01", "2026-03-06", "s-a"), "Trần B", an)
	gone := visit(at("2026-04-01", "2026-04-01", "s-c"), "Trần C")
	gone.Counts = false
	h, stays := registry.DeriveHousehold("h1", []registry.Visit{late, gone, early})
	if h.HeadName != "Trần B" || h.Visits != 2 {
		t.Errorf("household = %+v, want the later acknowledged of the tie, the ignored visit left out", h)
	}
	if len(stays) != 1 || stays[0].LeftAt != nil {
		t.Errorf("stays = %+v: an ignored visit removes no child", stays)
	}
	if h, stays := registry.DeriveHousehold("h1", []registry.Visit{gone}); h != nil || stays != nil {
		t.Errorf("only ignored visits: %+v %+v, want none", h, stays)
	}
}

// TestDeriveChildMoves: a child listed later by another household is
// there now; a child no visit lists is the one their follow-up registered.
func TestDeriveChildMoves(t *testing.T) {
	t.Parallel()
	_, a := registry.DeriveHousehold("h1", []registry.Visit{visit(at("2026-01-10", "2026-01-10", "s1"), "X", an)})
	v := visit(at("2026-05-01", "2026-05-01", "s2"), "Y", an)
	v.HouseholdID, v.Commune = "h2", "00082"
	_, b := registry.DeriveHousehold("h2", []registry.Visit{v})
	c := registry.DeriveChild("c-an", append(a, b...), nil)
	if c.HouseholdID != "h2" || c.Commune != "00082" || c.LeftAt != nil {
		t.Errorf("child = %+v, want in h2 (00082)", c)
	}
	f := registry.FollowUp{Seen: at("2026-02-01", "2026-02-01", "f1"), Form: "labour", Commune: "00070", Counts: true, ChildID: "f1", Own: true,
		FullName: "Lê Văn Dũng", Sex: "male", DateOfBirth: d("2012-01-01")}
	c = registry.DeriveChild("f1", nil, []registry.FollowUp{f})
	if c == nil || c.HouseholdID != "" || c.NameKey != "le van dung" || c.Commune != "00070" {
		t.Errorf("child from a follow-up = %+v", c)
	}
	f.Counts = false
	if c := registry.DeriveChild("f1", nil, []registry.FollowUp{f}); c != nil {
		t.Errorf("child of a deleted follow-up = %+v, want none", c)
	}
}

const mapping = `old_commune_code,old_commune_name,new_commune_code,new_commune_name,n_targets
00001,Phường Phúc Xá,00097,Phường Hồng Hà,1
00004,Phường Trúc Bạch,00004,Phường Ba Đình,1
00006,Phường Vĩnh Phúc,00004,Phường Ba Đình,2
00006,Phường Vĩnh Phúc,00097,Phường Hồng Hà,2
`

// TestChildKeys: two children share an index key exactly when they have
// the same sex, date of birth and name key in communes the 2025 mapping
// links.
func TestChildKeys(t *testing.T) {
	t.Parallel()
	l, err := registry.ReadLinker(strings.NewReader(mapping))
	if err != nil {
		t.Fatal(err)
	}
	child := func(name, commune, sex string) *registry.Child {
		return &registry.Child{NameKey: registry.NameKey(name), Commune: commune, Sex: sex, DateOfBirth: d("2015-03-02")}
	}
	shares := func(a, b *registry.Child) bool {
		for _, x := range l.ChildKeys(a) {
			for _, y := range l.ChildKeys(b) {
				if x == y {
					return true
				}
			}
		}
		return false
	}
	for _, c := range []struct {
		a, b *registry.Child
		want bool
	}{
		{child("Nguyễn Văn An", "00001", "male"), child("nguyen van an", "00097", "male"), true},  // old → new
		{child("Nguyễn Văn An", "00001", "male"), child("Nguyen Van An", "00006", "male"), true},  // two old into one new
		{child("Nguyễn Văn An", "00004", "male"), child("Nguyen Van An", "00001", "male"), false}, // unrelated communes
		{child("Nguyễn Văn An", "00097", "male"), child("Nguyen Van An", "00097", "female"), false},
		{child("Nguyễn Văn An", "00097", "male"), child("Nguyen Van Anh", "00097", "male"), false},
		{child("Nguyễn Văn An", "99999", "male"), child("Nguyen Van An", "99999", "male"), true}, // unknown to the mapping
	} {
		if got := shares(c.a, c.b); got != c.want {
			t.Errorf("%s in %s vs %s in %s: candidates = %v, want %v", c.a.NameKey, c.a.Commune, c.b.NameKey, c.b.Commune, got, c.want)
		}
	}
}

// TestTyposInHousehold: same date of birth and names one edit apart in
// one household are candidates; children who left are not.
func TestTyposInHousehold(t *testing.T) {
	t.Parallel()
	typo := registry.Member{ChildID: "c-anh", FullName: "Nguyễn Văn Anh", Sex: "male", DateOfBirth: an.DateOfBirth}
	other := registry.Member{ChildID: "c-x", FullName: "Nguyễn Văn Ánh", Sex: "male", DateOfBirth: d("2016-01-01")}
	_, stays := registry.DeriveHousehold("h1", []registry.Visit{visit(at("2026-01-10", "2026-01-10", "s1"), "X", an, typo, other)})
	want := []registry.Candidate{{Kind: registry.KindChild, A: "c-an", B: "c-anh", Rule: registry.RuleTypoInHousehold}}
	if diff := cmp.Diff(want, registry.TyposInHousehold(stays)); diff != "" {
		t.Errorf("candidates (-want +got):\n%s", diff)
	}
	_, stays = registry.DeriveHousehold("h1", []registry.Visit{
		visit(at("2026-01-10", "2026-01-10", "s1"), "X", an, typo),
		visit(at("2026-02-10", "2026-02-10", "s2"), "X", an),
	})
	if got := registry.TyposInHousehold(stays); len(got) != 0 {
		t.Errorf("candidates with one child gone = %+v, want none", got)
	}
}
