package registry

import (
	"fmt"
	"sort"
	"time"
)

// Why a child left a household, asked at the revisit that no longer lists
// them (the household form's children_left[].left_reason).
const (
	LeftMovedOut    = "moved_out"
	LeftDied        = "died"
	LeftTurned18    = "turned_18"
	LeftListedTwice = "listed_twice"
	LeftOther       = "other"
)

// LeaveReasons are the codes of a leave reason, in the form's order.
var LeaveReasons = []string{LeftMovedOut, LeftDied, LeftTurned18, LeftListedTwice, LeftOther}

// Observation is what one submission's current state tells the registry:
// a visit of a household, or a follow-up of a child. It travels from
// intake to the store beside the indicator facts (survey.Facts.Registry).
type Observation struct {
	SubmissionID string
	Visit        *Visit
	FollowUp     *FollowUp
}

// RegistrySubmission names the submission the observation is of.
func (o *Observation) RegistrySubmission() string { return o.SubmissionID }

// Seen is when an observation was made and acknowledged: observations
// are ordered by survey date, then by acknowledgement (the later wins a
// tie), then by submission id (so that the order is total).
type Seen struct {
	SurveyDate   time.Time
	Acknowledged time.Time
	SubmissionID string
}

// Key is a text that sorts as Seen does (for a store's index).
func (s Seen) Key() string {
	return fmt.Sprintf("%020d|%020d|%s", s.SurveyDate.UnixMilli()+1<<62, s.Acknowledged.UnixMilli()+1<<62, s.SubmissionID)
}

// Before reports whether s comes before t.
func (s Seen) Before(t Seen) bool {
	if !s.SurveyDate.Equal(t.SurveyDate) {
		return s.SurveyDate.Before(t.SurveyDate)
	}
	if !s.Acknowledged.Equal(t.Acknowledged) {
		return s.Acknowledged.Before(t.Acknowledged)
	}
	return s.SubmissionID < t.SubmissionID
}

// Visit is one household submission.
type Visit struct {
	Seen
	HouseholdID string
	Commune     string
	// Counts is false for a deleted or rejected submission: it is kept,
	// and ignored by every rule.
	Counts   bool
	HeadName string
	Address  string
	Members  []Member
	Left     []Departure
}

// Member is a child listed on a visit's roster.
type Member struct {
	ChildID     string
	FullName    string
	Sex         string
	DateOfBirth time.Time
}

// Departure is a roster entry removed at a revisit, with why it left.
type Departure struct {
	ChildID string
	Reason  string
}

// FollowUp is one disability, labour or hiv submission.
type FollowUp struct {
	Seen
	Form    string
	Commune string
	Counts  bool
	// ChildID is the registry child the follow-up is about: the child it
	// names, or, when it names none the registry has, the child it creates
	// (its own submission id; Own is then set).
	ChildID string
	Own     bool
	// FullName, Sex and DateOfBirth are the follow-up's own answers; they
	// make the child a follow-up creates. A follow-up of a form marked
	// x-sensitive-form leaves them empty: its answers never reach the
	// registry, which is read by people without the sensitive grant.
	FullName    string
	Sex         string
	DateOfBirth time.Time
	Sensitive   bool
}

// Household is a household's current state: that of its latest visit
// that counts.
type Household struct {
	ID         string
	Commune    string
	HeadName   string
	Address    string
	HeadKey    string
	AddressKey string
	FirstVisit time.Time
	Latest     Seen
	Visits     int
}

// Key is the household's duplicate key: commune, head's name key and
// address key.
func (h *Household) Key() string { return h.Commune + "|" + h.HeadKey + "|" + h.AddressKey }

// Stay is a child's time in one household: from the first visit listing
// them to the visit that no longer does (Left), with what the latest visit
// listing them said.
type Stay struct {
	ChildID     string
	HouseholdID string
	Commune     string
	From        time.Time
	LeftAt      *time.Time
	LeftReason  string // "" when the visit gave none (an older form version)
	FullName    string
	Sex         string
	DateOfBirth time.Time
	Latest      Seen // the latest visit listing the child in this stay
}

// Child is a child's current state.
type Child struct {
	ID          string
	HouseholdID string // "" for a child a follow-up created
	Commune     string
	FullName    string
	NameKey     string
	Sex         string
	DateOfBirth time.Time
	LeftAt      *time.Time
	LeftReason  string
	Latest      Seen
}

// DeriveHousehold computes a household's current state and the stays of
// its children from all its visits (in any order). Visits that do not
// count are ignored; with none left, h is nil.
func DeriveHousehold(id string, visits []Visit) (h *Household, stays []Stay) {
	vs := make([]Visit, 0, len(visits))
	for _, v := range visits {
		if v.Counts {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return nil, nil
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].Seen.Before(vs[j].Seen) })
	open := map[string]int{} // child id → index in stays of the open stay
	for _, v := range vs {
		listed := make(map[string]bool, len(v.Members))
		for _, m := range v.Members {
			listed[m.ChildID] = true
		}
		reasons := make(map[string]string, len(v.Left))
		for _, d := range v.Left {
			reasons[d.ChildID] = d.Reason
		}
		for child, i := range open {
			if listed[child] {
				continue
			}
			at := v.SurveyDate
			stays[i].LeftAt, stays[i].LeftReason = &at, reasons[child]
			delete(open, child)
		}
		for _, m := range v.Members {
			i, ok := open[m.ChildID]
			if !ok {
				stays = append(stays, Stay{ChildID: m.ChildID, HouseholdID: id, From: v.SurveyDate})
				i = len(stays) - 1
				open[m.ChildID] = i
			}
			s := &stays[i]
			s.Commune, s.FullName, s.Sex, s.DateOfBirth, s.Latest = v.Commune, m.FullName, m.Sex, m.DateOfBirth, v.Seen
		}
	}
	last := vs[len(vs)-1]
	h = &Household{
		ID: id, Commune: last.Commune, HeadName: last.HeadName, Address: last.Address,
		HeadKey: NameKey(last.HeadName), AddressKey: NameKey(last.Address),
		FirstVisit: vs[0].SurveyDate, Latest: last.Seen, Visits: len(vs),
	}
	sort.SliceStable(stays, func(i, j int) bool {
		if stays[i].ChildID != stays[j].ChildID {
			return stays[i].ChildID < stays[j].ChildID
		}
		return stays[i].From.Before(stays[j].From)
	})
	return h, stays
}

// DeriveChild computes a child's current state from the child's latest
// stay (by Latest; any stays may be given) and the follow-ups naming the
// child. The latest visit
// listing the child says who they are and where; a child whose latest
// stay was closed has left. A child never listed by a visit is the one a
// follow-up created, as that follow-up (the latest, if edited) says. Nil
// when nothing describes the child any more.
func DeriveChild(id string, stays []Stay, followUps []FollowUp) *Child {
	var best *Stay
	for i := range stays {
		if best == nil || best.Latest.Before(stays[i].Latest) {
			best = &stays[i]
		}
	}
	if best != nil {
		c := &Child{
			ID: id, HouseholdID: best.HouseholdID, Commune: best.Commune, FullName: best.FullName,
			NameKey: NameKey(best.FullName), Sex: best.Sex, DateOfBirth: best.DateOfBirth, Latest: best.Latest,
		}
		if best.LeftAt != nil {
			at := *best.LeftAt
			c.LeftAt, c.LeftReason = &at, best.LeftReason
		}
		return c
	}
	var own *FollowUp
	for i := range followUps {
		f := &followUps[i]
		if f.Counts && f.Own && f.ChildID == id && (own == nil || own.Seen.Before(f.Seen)) {
			own = f
		}
	}
	if own == nil {
		return nil
	}
	return &Child{
		ID: id, Commune: own.Commune, FullName: own.FullName, NameKey: NameKey(own.FullName),
		Sex: own.Sex, DateOfBirth: own.DateOfBirth, Latest: own.Seen,
	}
}
