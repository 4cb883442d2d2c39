package registry

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

// Audit actions of the registry's decisions.
const (
	AuditMerge         = "registry.merge"
	AuditNotDuplicates = "registry.not_duplicates"
	AuditUndo          = "registry.undo"
)

// Service answers the registry's reads and takes people's decisions,
// within each person's area.
type Service struct {
	store Store
	units *survey.Units
	audit *survey.Auditor
	now   func() time.Time
}

// NewService returns the registry's service.
func NewService(store Store, units *survey.Units, audit *survey.Auditor) *Service {
	return &Service{store: store, units: units, audit: audit, now: time.Now}
}

func notFound(what survey.Label) error { return survey.NotFound(what) }

var (
	labelChild     = msg.Text(msg.NounChild)
	labelHousehold = msg.Text(msg.NounHousehold)
	labelDecision  = msg.Text(msg.NounDecision)
)

// TimelineEntry is one observation about a child: a visit listing them or
// a follow-up naming them (its submission, never its answers: those are
// read through the submission, withheld as everywhere).
type TimelineEntry struct {
	Form         string
	SubmissionID string
	HouseholdID  string
	Commune      string
	SurveyDate   time.Time
	Counts       bool
}

// ChildView is a child with their history.
type ChildView struct {
	Child    *Child
	Survivor string   // the record this child was merged into, or ""
	Aliases  []string // the records merged into this child
	Stays    []Stay
	Timeline []TimelineEntry
}

// HouseholdView is a household with its children and visits.
type HouseholdView struct {
	Household *Household
	Survivor  string
	Aliases   []string
	Stays     []Stay
	Visits    []TimelineEntry
}

func (s *Service) sees(actor survey.Actor, commune string, date time.Time) bool {
	return actor.CanReadData() && Within(s.units, actor, commune, date)
}

// Child returns a child the actor may see, with their stays and the
// timeline of visits and follow-ups of them and their aliases.
func (s *Service) Child(ctx context.Context, actor survey.Actor, id string) (*ChildView, error) {
	c, err := s.store.RegistryChild(ctx, id)
	if errors.Is(err, survey.ErrNotFound) || (err == nil && !s.sees(actor, c.Commune, c.Latest.SurveyDate)) {
		return nil, notFound(labelChild)
	}
	if err != nil {
		return nil, err
	}
	v := &ChildView{Child: c}
	if v.Survivor, err = s.store.RegistrySurvivor(ctx, KindChild, id); err != nil {
		return nil, err
	}
	if v.Aliases, err = s.store.RegistryAliases(ctx, KindChild, id); err != nil {
		return nil, err
	}
	for _, cid := range append([]string{id}, v.Aliases...) {
		stays, err := s.store.RegistryChildStays(ctx, cid)
		if err != nil {
			return nil, err
		}
		v.Stays = append(v.Stays, stays...)
		seen := map[string]bool{}
		for _, st := range stays {
			if seen[st.HouseholdID] {
				continue
			}
			seen[st.HouseholdID] = true
			visits, err := s.store.RegistryHouseholdVisits(ctx, st.HouseholdID)
			if err != nil {
				return nil, err
			}
			for _, vi := range visits {
				for _, m := range vi.Members {
					if m.ChildID == cid {
						v.Timeline = append(v.Timeline, TimelineEntry{Form: FormHousehold, SubmissionID: vi.SubmissionID, HouseholdID: vi.HouseholdID,
							Commune: vi.Commune, SurveyDate: vi.SurveyDate, Counts: vi.Counts})
						break
					}
				}
			}
		}
		fus, err := s.store.RegistryChildFollowUps(ctx, cid)
		if err != nil {
			return nil, err
		}
		for _, f := range fus {
			v.Timeline = append(v.Timeline, TimelineEntry{Form: f.Form, SubmissionID: f.SubmissionID, Commune: f.Commune, SurveyDate: f.SurveyDate, Counts: f.Counts})
		}
	}
	sort.SliceStable(v.Timeline, func(i, j int) bool { return v.Timeline[i].SurveyDate.Before(v.Timeline[j].SurveyDate) })
	return v, nil
}

// Household returns a household the actor may see, with its stays and
// visits.
func (s *Service) Household(ctx context.Context, actor survey.Actor, id string) (*HouseholdView, error) {
	h, err := s.store.RegistryHousehold(ctx, id)
	if errors.Is(err, survey.ErrNotFound) || (err == nil && !s.sees(actor, h.Commune, h.Latest.SurveyDate)) {
		return nil, notFound(labelHousehold)
	}
	if err != nil {
		return nil, err
	}
	v := &HouseholdView{Household: h}
	if v.Survivor, err = s.store.RegistrySurvivor(ctx, KindHousehold, id); err != nil {
		return nil, err
	}
	if v.Aliases, err = s.store.RegistryAliases(ctx, KindHousehold, id); err != nil {
		return nil, err
	}
	if v.Stays, err = s.store.RegistryHouseholdStays(ctx, id); err != nil {
		return nil, err
	}
	visits, err := s.store.RegistryHouseholdVisits(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, vi := range visits {
		v.Visits = append(v.Visits, TimelineEntry{Form: FormHousehold, SubmissionID: vi.SubmissionID, HouseholdID: id, Commune: vi.Commune, SurveyDate: vi.SurveyDate, Counts: vi.Counts})
	}
	sort.SliceStable(v.Visits, func(i, j int) bool { return v.Visits[i].SurveyDate.Before(v.Visits[j].SurveyDate) })
	return v, nil
}

// mayDecide: supervisors of the area, managers and admins decide.
func mayDecide(actor survey.Actor) bool {
	return actor.Role == survey.RoleSupervisor || actor.Role == survey.RoleManager || actor.Role == survey.RoleAdmin
}

func errMayNotDecide() error {
	return survey.Errorf(survey.CodeForbidden, msg.RegistryMayNotDecide)
}

// communesOf lists the communes of the actor's area (nil: everywhere).
func (s *Service) communesOf(actor survey.Actor) []string {
	if actor.Role == survey.RoleAdmin {
		return nil
	}
	set := map[string]bool{}
	for _, p := range s.units.Scope(actor.Units) {
		for _, c := range p.Communes {
			set[c] = true
		}
	}
	out := make([]string, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Candidates lists the undecided candidates of kind in the actor's area.
func (s *Service) Candidates(ctx context.Context, actor survey.Actor, kind string, limit int) ([]Candidate, error) {
	if !mayDecide(actor) {
		return nil, errMayNotDecide()
	}
	if kind != KindChild && kind != KindHousehold {
		e := survey.Errorf(survey.CodeMalformed, msg.RegistryKindInvalid)
		e.Fields = []survey.FieldError{survey.NewFieldError("?kind", "invalid_kind", msg.RegistryKindField)}
		return nil, e
	}
	return s.store.RegistryCandidates(ctx, kind, s.communesOf(actor), limit)
}

// record returns the commune of a record the actor may see, or not found.
func (s *Service) record(ctx context.Context, actor survey.Actor, kind, id string) (string, error) {
	if kind == KindHousehold {
		h, err := s.store.RegistryHousehold(ctx, id)
		if errors.Is(err, survey.ErrNotFound) || (err == nil && !Within(s.units, actor, h.Commune, h.Latest.SurveyDate)) {
			return "", notFound(labelHousehold)
		}
		if err != nil {
			return "", err
		}
		return h.Commune, nil
	}
	c, err := s.store.RegistryChild(ctx, id)
	if errors.Is(err, survey.ErrNotFound) || (err == nil && !Within(s.units, actor, c.Commune, c.Latest.SurveyDate)) {
		return "", notFound(labelChild)
	}
	if err != nil {
		return "", err
	}
	return c.Commune, nil
}

// DecisionInput is a person's decision on a pair.
type DecisionInput struct {
	Kind     string
	Action   string
	A, B     string
	Survivor string // merge only: A or B
}

// Decide merges a pair (the survivor chosen) or keeps it apart. Both
// records must lie in the actor's area: a merge never crosses it. The
// decision is audited with who, when and both records.
func (s *Service) Decide(ctx context.Context, actor survey.Actor, in DecisionInput) (*Decision, error) {
	if !mayDecide(actor) {
		return nil, errMayNotDecide()
	}
	var fe []survey.FieldError
	if in.Kind != KindChild && in.Kind != KindHousehold {
		fe = append(fe, survey.NewFieldError("/kind", "invalid_kind", msg.RegistryKindField))
	}
	if in.Action != ActionMerge && in.Action != ActionNotDuplicates {
		fe = append(fe, survey.NewFieldError("/action", "invalid_action", msg.RegistryActionField))
	}
	if in.A == "" || in.B == "" || in.A == in.B {
		fe = append(fe, survey.NewFieldError("/b", "same_record", msg.RegistrySameRecord))
	}
	if in.Action == ActionMerge && in.Survivor != in.A && in.Survivor != in.B {
		fe = append(fe, survey.NewFieldError("/survivor", "invalid_survivor", msg.RegistrySurvivorField))
	}
	if len(fe) > 0 {
		e := survey.Errorf(survey.CodeInvalid, msg.RegistryDecisionInvalid)
		e.Fields = fe
		return nil, e
	}
	ca, err := s.record(ctx, actor, in.Kind, in.A)
	if err != nil {
		return nil, err
	}
	cb, err := s.record(ctx, actor, in.Kind, in.B)
	if err != nil {
		return nil, err
	}
	p := NewCandidate(in.Kind, in.A, in.B, "")
	d := &Decision{ID: uuid.NewString(), Kind: in.Kind, Action: in.Action, A: p.A, B: p.B, By: actor.Username, ByID: actor.UserID,
		At: s.now().UTC().Truncate(time.Millisecond), Communes: communes(ca, cb)}
	if in.Action == ActionMerge {
		d.Survivor = in.Survivor
		d.Alias = in.A
		if d.Alias == d.Survivor {
			d.Alias = in.B
		}
	}
	err = s.store.RegistryDecide(ctx, d)
	if errors.Is(err, survey.ErrDuplicate) {
		return nil, survey.Errorf(survey.CodeConflict, msg.RegistryDecidedAlready)
	}
	if err != nil {
		return nil, err
	}
	action := AuditMerge
	if d.Action == ActionNotDuplicates {
		action = AuditNotDuplicates
	}
	if err := s.audit.Record(ctx, actor, action, d.ID, map[string]any{"kind": d.Kind, "a": d.A, "b": d.B, "survivor": d.Survivor}); err != nil {
		return nil, err
	}
	return d, nil
}

// Undo undoes a standing decision of the actor's area: a merge's alias is
// its own record again, exactly as before; a pair kept apart is proposed
// again.
func (s *Service) Undo(ctx context.Context, actor survey.Actor, id string) (*Decision, error) {
	if !mayDecide(actor) {
		return nil, errMayNotDecide()
	}
	d, err := s.store.RegistryDecision(ctx, id)
	if errors.Is(err, survey.ErrNotFound) {
		return nil, notFound(labelDecision)
	}
	if err != nil {
		return nil, err
	}
	for _, r := range []string{d.A, d.B} {
		if _, err := s.record(ctx, actor, d.Kind, r); err != nil {
			return nil, notFound(labelDecision)
		}
	}
	u, err := s.store.RegistryUndo(ctx, id, actor.Username, s.now().UTC().Truncate(time.Millisecond))
	if errors.Is(err, survey.ErrNotFound) {
		return nil, survey.Errorf(survey.CodeConflict, msg.RegistryUndoneAlready)
	}
	if err != nil {
		return nil, err
	}
	if err := s.audit.Record(ctx, actor, AuditUndo, id, map[string]any{"kind": d.Kind, "a": d.A, "b": d.B, "action": d.Action}); err != nil {
		return nil, err
	}
	return u, nil
}

// FeedItem is one record of the phones' feed: its current state, or
// Removed when it is gone or out of the caller's area.
type FeedItem struct {
	Kind      string
	ID        string
	Removed   bool
	Household *Household
	Child     *Child
}

// Changes returns the records of the actor's communes that changed after
// cursor (0: from the start), each once with its current state, and the
// cursor to ask from next.
func (s *Service) Changes(ctx context.Context, actor survey.Actor, cursor int64, limit int) ([]FeedItem, int64, error) {
	if !actor.CanSubmit() {
		return nil, 0, survey.Forbidden()
	}
	communes := s.communesOf(actor)
	if communes == nil { // an admin: no phone of theirs carries the whole city
		return nil, cursor, nil
	}
	chs, err := s.store.RegistryChanges(ctx, communes, cursor, limit)
	if err != nil {
		return nil, 0, err
	}
	next := cursor
	seen := map[[2]string]bool{}
	var out []FeedItem
	for _, c := range chs {
		next = c.Seq
		k := [2]string{c.Kind, c.ID}
		if seen[k] {
			continue
		}
		seen[k] = true
		it := FeedItem{Kind: c.Kind, ID: c.ID}
		if c.Kind == KindHousehold {
			h, err := s.store.RegistryHousehold(ctx, c.ID)
			switch {
			case errors.Is(err, survey.ErrNotFound):
				it.Removed = true
			case err != nil:
				return nil, 0, err
			case !Within(s.units, actor, h.Commune, h.Latest.SurveyDate):
				it.Removed = true
			default:
				it.Household = h
			}
		} else {
			ch, err := s.store.RegistryChild(ctx, c.ID)
			switch {
			case errors.Is(err, survey.ErrNotFound):
				it.Removed = true
			case err != nil:
				return nil, 0, err
			case !Within(s.units, actor, ch.Commune, ch.Latest.SurveyDate):
				it.Removed = true
			default:
				it.Child = ch
			}
		}
		out = append(out, it)
	}
	return out, next, nil
}
