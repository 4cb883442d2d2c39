package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/registry"
	"github.com/khaosat/khaosat/internal/survey"
)

// registryRoutes: the registry of households and children — records with
// their history, duplicate candidates and decisions, and the phones'
// feed of changes. Without a Registry (a store that keeps none) they
// answer 404.
func (s *Server) registryRoutes(a *gin.RouterGroup) {
	a.GET("/registry/households/:id", s.hr(s.registryHousehold))
	a.GET("/registry/children/:id", s.hr(s.registryChild))
	a.GET("/registry/candidates", s.hr(s.registryCandidates))
	a.POST("/registry/decisions", s.hr(s.registryDecide))
	a.POST("/registry/decisions/:id/undo", s.hr(s.registryUndo))
	a.GET("/registry/changes", s.hr(s.registryChanges))
}

// hr is h for a registry route.
func (s *Server) hr(fn func(*gin.Context) error) gin.HandlerFunc {
	return s.h(func(c *gin.Context) error {
		if s.Registry == nil {
			return survey.Errorf(survey.CodeNotFound, msg.RegistryNone)
		}
		return fn(c)
	})
}

type householdJSON struct {
	ID         string `json:"id"`
	Commune    string `json:"unit"`
	HeadName   string `json:"head_name"`
	Address    string `json:"address"`
	FirstVisit string `json:"first_visit"`
	LastVisit  string `json:"last_visit"`
	Visits     int    `json:"visits"`
}

func toHouseholdJSON(h *registry.Household) *householdJSON {
	if h == nil {
		return nil
	}
	return &householdJSON{ID: h.ID, Commune: h.Commune, HeadName: h.HeadName, Address: h.Address,
		FirstVisit: h.FirstVisit.Format(time.DateOnly), LastVisit: h.Latest.SurveyDate.Format(time.DateOnly), Visits: h.Visits}
}

type childJSON struct {
	ID          string  `json:"id"`
	HouseholdID string  `json:"household_id,omitempty"`
	Commune     string  `json:"unit"`
	FullName    string  `json:"full_name"`
	Sex         string  `json:"sex"`
	DateOfBirth string  `json:"date_of_birth"`
	LeftAt      *string `json:"left_at,omitempty"`
	LeftReason  string  `json:"left_reason,omitempty"`
	LastSeen    string  `json:"last_seen"`
}

func dateOf(t time.Time) string { return t.Format(time.DateOnly) }

func toChildJSON(c *registry.Child) *childJSON {
	if c == nil {
		return nil
	}
	out := &childJSON{ID: c.ID, HouseholdID: c.HouseholdID, Commune: c.Commune, FullName: c.FullName, Sex: c.Sex,
		DateOfBirth: dateOf(c.DateOfBirth), LeftReason: c.LeftReason, LastSeen: dateOf(c.Latest.SurveyDate)}
	if c.LeftAt != nil {
		d := dateOf(*c.LeftAt)
		out.LeftAt = &d
	}
	return out
}

type stayJSON struct {
	ChildID     string  `json:"child_id"`
	HouseholdID string  `json:"household_id"`
	FullName    string  `json:"full_name"`
	Sex         string  `json:"sex"`
	DateOfBirth string  `json:"date_of_birth"`
	From        string  `json:"from"`
	LeftAt      *string `json:"left_at,omitempty"`
	LeftReason  string  `json:"left_reason,omitempty"`
}

func toStaysJSON(stays []registry.Stay) []stayJSON {
	out := []stayJSON{}
	for _, s := range stays {
		j := stayJSON{ChildID: s.ChildID, HouseholdID: s.HouseholdID, FullName: s.FullName, Sex: s.Sex, DateOfBirth: dateOf(s.DateOfBirth),
			From: dateOf(s.From), LeftReason: s.LeftReason}
		if s.LeftAt != nil {
			d := dateOf(*s.LeftAt)
			j.LeftAt = &d
		}
		out = append(out, j)
	}
	return out
}

type timelineJSON struct {
	Form         string `json:"form"`
	SubmissionID string `json:"submission_id"`
	HouseholdID  string `json:"household_id,omitempty"`
	Commune      string `json:"unit"`
	SurveyDate   string `json:"survey_date"`
	Counts       bool   `json:"counts"`
}

func toTimelineJSON(es []registry.TimelineEntry) []timelineJSON {
	out := []timelineJSON{}
	for _, e := range es {
		out = append(out, timelineJSON{Form: e.Form, SubmissionID: e.SubmissionID, HouseholdID: e.HouseholdID, Commune: e.Commune,
			SurveyDate: dateOf(e.SurveyDate), Counts: e.Counts})
	}
	return out
}

func emptyIfNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Server) registryHousehold(c *gin.Context) error {
	v, err := s.Registry.Household(c.Request.Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"household": toHouseholdJSON(v.Household), "merged_into": v.Survivor, "aliases": emptyIfNil(v.Aliases),
		"children": toStaysJSON(v.Stays), "visits": toTimelineJSON(v.Visits)})
	return nil
}

// registryChild: the child, their stays and the timeline of visits and
// follow-ups. The timeline names submissions, never their answers: those
// are read through the submission routes, which withhold sensitive ones
// (and the hiv form's follow-ups never enter the registry).
func (s *Server) registryChild(c *gin.Context) error {
	v, err := s.Registry.Child(c.Request.Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"child": toChildJSON(v.Child), "merged_into": v.Survivor, "aliases": emptyIfNil(v.Aliases),
		"households": toStaysJSON(v.Stays), "timeline": toTimelineJSON(v.Timeline)})
	return nil
}

// queryLimit reads ?limit= (default def, at most max).
func queryLimit(c *gin.Context, def, max int) (int, error) {
	raw := c.Query("limit")
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > max {
		e := survey.Errorf(survey.CodeMalformed, msg.LimitInvalid)
		e.Fields = []survey.FieldError{survey.NewFieldError("?limit", "invalid_limit", msg.LimitRange, max)}
		return 0, e
	}
	return n, nil
}

func (s *Server) registryCandidates(c *gin.Context) error {
	limit, err := queryLimit(c, 100, 1000)
	if err != nil {
		return err
	}
	kind := c.DefaultQuery("kind", registry.KindChild)
	cs, err := s.Registry.Candidates(c.Request.Context(), actor(c), kind, limit)
	if err != nil {
		return err
	}
	items := []gin.H{}
	for _, p := range cs {
		items = append(items, gin.H{"kind": p.Kind, "a": p.A, "b": p.B, "rule": p.Rule})
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
	return nil
}

type decisionRequest struct {
	Kind     string `json:"kind"`
	Action   string `json:"action"`
	A        string `json:"a"`
	B        string `json:"b"`
	Survivor string `json:"survivor"`
}

func decisionJSON(d *registry.Decision) gin.H {
	out := gin.H{"id": d.ID, "kind": d.Kind, "action": d.Action, "a": d.A, "b": d.B, "by": d.By, "at": d.At}
	if d.Action == registry.ActionMerge {
		out["survivor"], out["alias"] = d.Survivor, d.Alias
	}
	if d.UndoneAt != nil {
		out["undone_at"], out["undone_by"] = d.UndoneAt, d.UndoneBy
	}
	return out
}

func (s *Server) registryDecide(c *gin.Context) error {
	var req decisionRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		return err
	}
	d, err := s.Registry.Decide(c.Request.Context(), actor(c), registry.DecisionInput{Kind: req.Kind, Action: req.Action, A: req.A, B: req.B, Survivor: req.Survivor})
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, decisionJSON(d))
	return nil
}

func (s *Server) registryUndo(c *gin.Context) error {
	d, err := s.Registry.Undo(c.Request.Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, decisionJSON(d))
	return nil
}

// registryChanges: the phone's feed, from ?cursor= (an opaque number; ""
// from the start): each changed record of the caller's communes once,
// with its current state or removed.
func (s *Server) registryChanges(c *gin.Context) error {
	var cursor int64
	if raw := c.Query("cursor"); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 0 {
			e := survey.Errorf(survey.CodeMalformed, msg.RegistryCursorInvalid)
			e.Fields = []survey.FieldError{survey.NewFieldError("?cursor", "invalid_cursor", msg.RegistryCursorField)}
			return e
		}
		cursor = n
	}
	limit, err := queryLimit(c, 500, 5000)
	if err != nil {
		return err
	}
	items, next, err := s.Registry.Changes(c.Request.Context(), actor(c), cursor, limit)
	if err != nil {
		return err
	}
	out := []gin.H{}
	for _, it := range items {
		j := gin.H{"kind": it.Kind, "id": it.ID, "removed": it.Removed}
		if it.Household != nil {
			j["household"] = toHouseholdJSON(it.Household)
		}
		if it.Child != nil {
			j["child"] = toChildJSON(it.Child)
		}
		out = append(out, j)
	}
	c.JSON(http.StatusOK, gin.H{"items": out, "cursor": strconv.FormatInt(next, 10)})
	return nil
}
