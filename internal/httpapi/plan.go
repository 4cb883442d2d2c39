package httpapi

import (
	"bytes"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/plan"
	"github.com/khaosat/khaosat/internal/survey"
)

// planRoutes: targets, the dashboard, the city's status view, reports
// and reminders (internal/plan).
func (s *Server) planRoutes(a *gin.RouterGroup) {
	a.GET("/plan/targets", s.h(s.listTargets))
	a.POST("/plan/targets/import", s.h(s.importTargets))
	a.PUT("/plan/targets/:period/:unit/:indicator", s.h(s.putTarget))
	a.DELETE("/plan/targets/:period/:unit/:indicator", s.h(s.deleteTarget))
	a.GET("/plan/dashboard", s.h(s.planDashboard))
	a.GET("/plan/status", s.h(s.planStatus))
	a.GET("/plan/reminders", s.h(s.planReminders))
	a.GET("/plan/reports/:period/:unit", s.h(s.getReport))
	a.GET("/plan/reports/:period/:unit/xlsx", s.h(s.reportXLSX))
	a.POST("/plan/reports/:period/:unit/submit", s.h(s.submitReport))
	a.POST("/plan/reports/:period/:unit/approve", s.h(s.approveReport))
	a.POST("/plan/reports/:period/:unit/return", s.h(s.returnReport))
}

type baselineJSON struct {
	Value  *float64 `json:"value"`
	Period string   `json:"period"`
}

type targetJSON struct {
	ID        string        `json:"id"`
	Indicator string        `json:"indicator"`
	Unit      string        `json:"unit"`
	Period    string        `json:"period"`
	Value     float64       `json:"value"`
	Better    string        `json:"better"`
	Baseline  *baselineJSON `json:"baseline"`
	SetBy     string        `json:"set_by"`
	SetAt     time.Time     `json:"set_at"`
}

func toTargetJSON(t *plan.Target) *targetJSON {
	if t == nil {
		return nil
	}
	j := &targetJSON{ID: t.ID, Indicator: t.Indicator, Unit: t.Unit, Period: t.Period, Value: t.Value, Better: t.Better, SetBy: t.SetBy, SetAt: t.SetAt}
	if t.Baseline != nil {
		v := t.Baseline.Value
		j.Baseline = &baselineJSON{Value: &v, Period: t.Baseline.Period}
	}
	return j
}

func (s *Server) listTargets(c *gin.Context) error {
	ts, err := s.Plan.Targets(c.Request.Context(), actor(c), c.Query("period"))
	if err != nil {
		return err
	}
	items := make([]*targetJSON, len(ts))
	for i, t := range ts {
		items[i] = toTargetJSON(t)
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
	return nil
}

type putTargetJSON struct {
	Value    *float64      `json:"value"`
	Better   string        `json:"better"`
	Baseline *baselineJSON `json:"baseline"`
}

func (s *Server) putTarget(c *gin.Context) error {
	var body putTargetJSON
	if err := decodeJSON(c, maxJSONBody, &body); err != nil {
		return err
	}
	in := plan.TargetInput{Indicator: c.Param("indicator"), Unit: c.Param("unit"), Period: c.Param("period"), Value: body.Value, Better: body.Better}
	if body.Baseline != nil {
		in.BaselineValue, in.BaselinePeriod = body.Baseline.Value, body.Baseline.Period
	}
	t, err := s.Plan.SetTarget(c.Request.Context(), actor(c), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, toTargetJSON(t))
	return nil
}

func (s *Server) deleteTarget(c *gin.Context) error {
	if err := s.Plan.RemoveTarget(c.Request.Context(), actor(c), c.Param("period"), c.Param("unit"), c.Param("indicator")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// importTargets takes a targets CSV file as the body (text/csv): the
// same reader as `khaosat targets import`.
func (s *Server) importTargets(c *gin.Context) error {
	if mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil || mt != "text/csv" {
		return survey.Errorf(survey.CodeUnsupportedType, msg.PlanTargetsCSV)
	}
	b, err := readBody(c, plan.MaxCSV)
	if err != nil {
		return err
	}
	ts, err := s.Plan.ImportCSV(c.Request.Context(), actor(c), bytes.NewReader(b))
	if err != nil {
		return err
	}
	items := make([]*targetJSON, len(ts))
	for i, t := range ts {
		items[i] = toTargetJSON(t)
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
	return nil
}

type unitRefJSON struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Level  string `json:"level"`
	Parent string `json:"parent,omitempty"`
}

func toUnitRef(u *survey.Unit) unitRefJSON {
	return unitRefJSON{Code: u.Code, Name: u.Name, Level: string(u.Level), Parent: u.Parent}
}

type pointJSON struct {
	Period     string   `json:"period"`
	Value      *float64 `json:"value"`
	Suppressed bool     `json:"suppressed,omitempty"`
}

type progressJSON struct {
	Indicator      string      `json:"indicator"`
	Value          *float64    `json:"value"`
	Suppressed     bool        `json:"suppressed,omitempty"`
	Target         *targetJSON `json:"target"`
	Baseline       *float64    `json:"baseline"`
	BaselinePeriod string      `json:"baseline_period,omitempty"`
	OnTrack        *bool       `json:"on_track"`
	Trend          []pointJSON `json:"trend"`
}

func (s *Server) planDashboard(c *gin.Context) error {
	d, err := s.Plan.Dashboard(c.Request.Context(), actor(c), c.Query("period"), c.Query("unit"))
	if err != nil {
		return err
	}
	rows := make([]progressJSON, len(d.Rows))
	for i, p := range d.Rows {
		r := progressJSON{Indicator: p.Indicator, Value: p.Value, Suppressed: p.Suppressed, Target: toTargetJSON(p.Target), Baseline: p.Baseline,
			OnTrack: p.OnTrack, Trend: []pointJSON{}}
		if r.Target != nil && p.Baseline == nil {
			r.Target.Baseline = nil // hidden from this person: not in the target either
		}
		if p.Baseline != nil {
			r.BaselinePeriod = p.Target.Baseline.Period
		}
		for _, q := range p.Trend {
			r.Trend = append(r.Trend, pointJSON{Period: q.Period, Value: q.Value, Suppressed: q.Suppressed})
		}
		rows[i] = r
	}
	c.JSON(http.StatusOK, gin.H{"unit": toUnitRef(d.Unit), "period": d.Period, "rows": rows})
	return nil
}

type statusCellJSON struct {
	Indicator  string   `json:"indicator"`
	Value      *float64 `json:"value"`
	Suppressed bool     `json:"suppressed,omitempty"`
	Target     float64  `json:"target"`
	Better     string   `json:"better"`
	OnTrack    *bool    `json:"on_track"`
}

type unitStatusJSON struct {
	unitRefJSON
	State    string           `json:"state"`
	Version  int              `json:"version"`
	OnTrack  int              `json:"on_track"`
	OffTrack int              `json:"off_track"`
	Unknown  int              `json:"unknown"`
	Cells    []statusCellJSON `json:"cells"`
}

func (s *Server) planStatus(c *gin.Context) error {
	st, err := s.Plan.Status(c.Request.Context(), actor(c), c.Query("period"), c.Query("unit"))
	if err != nil {
		return err
	}
	units := make([]unitStatusJSON, len(st.Units))
	for i, u := range st.Units {
		j := unitStatusJSON{unitRefJSON: toUnitRef(u.Unit), State: u.Report.State, Version: u.Report.Version, OnTrack: u.OnTrack,
			OffTrack: u.OffTrack, Unknown: u.Unknown, Cells: make([]statusCellJSON, len(u.Cells))}
		for k, x := range u.Cells {
			j.Cells[k] = statusCellJSON{Indicator: x.Indicator, Value: x.Value, Suppressed: x.Suppressed, Target: x.Target, Better: x.Better, OnTrack: x.OnTrack}
		}
		units[i] = j
	}
	c.JSON(http.StatusOK, gin.H{"unit": toUnitRef(st.Unit), "period": st.Period, "counts": st.Counts, "units": units})
	return nil
}

func (s *Server) planReminders(c *gin.Context) error {
	rs, err := s.Plan.Reminders(c.Request.Context(), actor(c), c.Query("period"))
	if err != nil {
		return err
	}
	type reminderJSON struct {
		Kind    string `json:"kind"`
		Unit    string `json:"unit"`
		Name    string `json:"name"`
		Period  string `json:"period"`
		Comment string `json:"comment,omitempty"`
	}
	items := make([]reminderJSON, len(rs))
	for i, r := range rs {
		items[i] = reminderJSON{Kind: r.Kind, Unit: r.Unit, Name: r.Name, Period: r.Period, Comment: r.Comment}
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
	return nil
}

type versionJSON struct {
	Version     int       `json:"version"`
	At          time.Time `json:"at"`
	By          string    `json:"by"`
	Definitions string    `json:"definitions"`
	Hash        string    `json:"hash"`
}

type stepJSON struct {
	Action  string    `json:"action"`
	State   string    `json:"state"`
	Version int       `json:"version"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	Comment string    `json:"comment,omitempty"`
}

type reportJSON struct {
	ID       string        `json:"id"`
	Unit     string        `json:"unit"`
	UnitName string        `json:"unit_name"`
	Parent   string        `json:"parent"`
	Period   string        `json:"period"`
	State    string        `json:"state"`
	Rev      int           `json:"rev"`
	Versions []versionJSON `json:"versions"`
	History  []stepJSON    `json:"history"`
}

func toReportJSON(r *plan.Report) reportJSON {
	j := reportJSON{ID: r.ID, Unit: r.Unit, UnitName: r.UnitName, Parent: r.Parent, Period: r.Period, State: r.State, Rev: r.Rev,
		Versions: make([]versionJSON, len(r.Versions)), History: make([]stepJSON, len(r.History))}
	for i, v := range r.Versions {
		j.Versions[i] = versionJSON{Version: v.Version, At: v.At, By: v.By, Definitions: v.Definitions, Hash: v.Hash}
	}
	for i, h := range r.History {
		j.History[i] = stepJSON{Action: h.Action, State: h.State, Version: h.Version, By: h.By, At: h.At, Comment: h.Comment}
	}
	return j
}

type reportCellJSON struct {
	Indicator   string   `json:"indicator"`
	Hierarchy   string   `json:"hierarchy,omitempty"`
	Sex         string   `json:"sex,omitempty"`
	AgeGroup    string   `json:"age_group,omitempty"`
	Numerator   *int     `json:"numerator"`
	Denominator *int     `json:"denominator"`
	Value       *float64 `json:"value"`
	Suppressed  bool     `json:"suppressed,omitempty"`
}

func toCellJSON(c plan.ViewCell) reportCellJSON {
	return reportCellJSON{Indicator: c.Indicator, Hierarchy: c.Hierarchy, Sex: c.Sex, AgeGroup: c.AgeGroup, Numerator: c.Numerator,
		Denominator: c.Denominator, Value: c.Value, Suppressed: c.Suppressed}
}

type cellChangeJSON struct {
	Indicator        string         `json:"indicator"`
	Hierarchy        string         `json:"hierarchy,omitempty"`
	Sex              string         `json:"sex,omitempty"`
	AgeGroup         string         `json:"age_group,omitempty"`
	Frozen           reportCellJSON `json:"frozen"`
	Now              reportCellJSON `json:"now"`
	DeltaNumerator   *int           `json:"delta_numerator"`
	DeltaDenominator *int           `json:"delta_denominator"`
	DeltaValue       *float64       `json:"delta_value"`
}

type reportViewJSON struct {
	reportJSON
	Version            versionJSON      `json:"version"`
	Cells              []reportCellJSON `json:"cells"`
	Changes            []cellChangeJSON `json:"changes"`
	DefinitionsChanged bool             `json:"definitions_changed"`
}

func (s *Server) reportView(c *gin.Context) (*plan.ReportView, error) {
	version := 0
	if v := c.Query("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			e := survey.Errorf(survey.CodeMalformed, msg.PlanVersionInvalid)
			e.Fields = []survey.FieldError{survey.NewFieldError("?version", "invalid", msg.PlanVersionInvalid)}
			return nil, e
		}
		version = n
	}
	return s.Plan.Get(c.Request.Context(), actor(c), c.Param("period"), c.Param("unit"), version)
}

func (s *Server) getReport(c *gin.Context) error {
	v, err := s.reportView(c)
	if err != nil {
		return err
	}
	f := v.Version
	j := reportViewJSON{reportJSON: toReportJSON(v.Report), Version: versionJSON{Version: f.Version, At: f.At, By: f.By, Definitions: f.Definitions, Hash: f.Hash},
		Cells: make([]reportCellJSON, len(v.Cells)), Changes: make([]cellChangeJSON, len(v.Changes)), DefinitionsChanged: v.DefinitionsChanged}
	for i, x := range v.Cells {
		j.Cells[i] = toCellJSON(x)
	}
	for i, x := range v.Changes {
		j.Changes[i] = cellChangeJSON{Indicator: x.Indicator, Hierarchy: x.Hierarchy, Sex: x.Sex, AgeGroup: x.AgeGroup, Frozen: toCellJSON(x.Frozen),
			Now: toCellJSON(x.Now), DeltaNumerator: x.DeltaNumerator, DeltaDenominator: x.DeltaDenom, DeltaValue: x.DeltaValue}
	}
	c.JSON(http.StatusOK, j)
	return nil
}

func (s *Server) submitReport(c *gin.Context) error {
	r, err := s.Plan.Submit(c.Request.Context(), actor(c), c.Param("period"), c.Param("unit"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, toReportJSON(r))
	return nil
}

func (s *Server) approveReport(c *gin.Context) error {
	r, err := s.Plan.Approve(c.Request.Context(), actor(c), c.Param("period"), c.Param("unit"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, toReportJSON(r))
	return nil
}

func (s *Server) returnReport(c *gin.Context) error {
	var body struct {
		Comment string `json:"comment"`
	}
	if err := decodeJSON(c, maxJSONBody, &body); err != nil {
		return err
	}
	r, err := s.Plan.Return(c.Request.Context(), actor(c), c.Param("period"), c.Param("unit"), body.Comment)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, toReportJSON(r))
	return nil
}
