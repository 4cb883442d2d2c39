package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

type locationJSON struct {
	Lat      float64  `json:"lat"`
	Lon      float64  `json:"lon"`
	Accuracy *float64 `json:"accuracy,omitempty"`
}

type submissionJSON struct {
	ID          string         `json:"id"`
	Form        string         `json:"form"`
	FormVersion int            `json:"form_version"`
	Unit        string         `json:"unit"`
	SurveyDate  string         `json:"survey_date"`
	StartedAt   *time.Time     `json:"started_at,omitempty"`
	EndedAt     *time.Time     `json:"ended_at,omitempty"`
	DeviceID    string         `json:"device_id,omitempty"`
	Location    *locationJSON  `json:"location,omitempty"`
	Data        map[string]any `json:"data"`
	// Redacted lists the JSON pointers (into data) of answers withheld
	// from this caller: they exist but the caller may not read them.
	Redacted    []string    `json:"redacted,omitempty"`
	Collector   string      `json:"collector"`
	ReceivedAt  time.Time   `json:"received_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
	Revision    int         `json:"revision"`
	ReviewState string      `json:"review_state"`
	Review      *reviewJSON `json:"review,omitempty"`
}

func (s *Server) toSubmissionJSON(ctx context.Context, a survey.Actor, sub *survey.Submission) (submissionJSON, error) {
	data, redacted, err := s.Intake.View(ctx, a, sub)
	if err != nil {
		return submissionJSON{}, err
	}
	j := submissionJSON{
		ID: sub.ID, Form: sub.FormID, FormVersion: sub.FormVersion, Unit: sub.Unit, SurveyDate: sub.SurveyDate.Format(time.DateOnly),
		StartedAt: sub.StartedAt, EndedAt: sub.EndedAt, DeviceID: sub.DeviceID, Data: data, Redacted: redacted,
		Collector: sub.CollectorName, ReceivedAt: sub.ReceivedAt, UpdatedAt: sub.UpdatedAt, Revision: sub.Revision, ReviewState: sub.ReviewState,
	}
	j.Review = toReviewJSON(sub.LastReview)
	if sub.Location != nil {
		j.Location = &locationJSON{Lat: sub.Location.Lat, Lon: sub.Location.Lon, Accuracy: sub.Location.Accuracy}
	}
	return j, nil
}

func (s *Server) submit(c *gin.Context) error {
	if !actor(c).CanSubmit() {
		return survey.Errorf(survey.CodeForbidden, msg.SubmitForbidden)
	}
	body, err := readJSON(c, s.MaxBody)
	if err != nil {
		return err
	}
	sub, created, err := s.Intake.Submit(c.Request.Context(), actor(c), c.Param("form"), body)
	s.observeIntake(c.Param("form"), created, err)
	if err != nil {
		return err
	}
	j, err := s.toSubmissionJSON(c.Request.Context(), actor(c), sub)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.Header("Location", "/api/v1/forms/"+sub.FormID+"/submissions/"+sub.ID)
	c.Header("ETag", `"`+strconv.Itoa(sub.Revision)+`"`)
	c.JSON(status, j)
	return nil
}

func dateParam(c *gin.Context, name string) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		e := survey.Errorf(survey.CodeMalformed, msg.ParamDate, name)
		e.Fields = []survey.FieldError{{Path: "?" + name, Code: "format", Message: e.Message}}
		return t, e
	}
	return t, nil
}

func (s *Server) listSubmissions(c *gin.Context) error {
	var f survey.ListFilter
	var err error
	if f.From, err = dateParam(c, "from"); err != nil {
		return err
	}
	if f.To, err = dateParam(c, "to"); err != nil {
		return err
	}
	if f.Limit, err = limitParam(c, survey.MaxListLimit); err != nil {
		return err
	}
	f.Unit, f.Cursor, f.ReviewState = c.Query("unit"), c.Query("cursor"), c.Query("review_state")
	f.Collector = c.Query("collector")
	f.Q = c.Query("q")
	subs, next, err := s.Intake.List(c.Request.Context(), actor(c), c.Param("form"), f)
	if err != nil {
		return err
	}
	ctx, err := s.Intake.AuditPage(c.Request.Context(), actor(c), subs)
	if err != nil {
		return err
	}
	items := make([]submissionJSON, len(subs))
	for i, sub := range subs {
		if items[i], err = s.toSubmissionJSON(ctx, actor(c), sub); err != nil {
			return err
		}
	}
	var nextCursor *string
	if next != "" {
		nextCursor = &next
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": nextCursor})
	return nil
}

func (s *Server) getSubmission(c *gin.Context) error {
	sub, err := s.Intake.Get(c.Request.Context(), actor(c), c.Param("form"), c.Param("id"))
	if err != nil {
		return err
	}
	j, err := s.toSubmissionJSON(c.Request.Context(), actor(c), sub)
	if err != nil {
		return err
	}
	c.Header("ETag", `"`+strconv.Itoa(sub.Revision)+`"`)
	c.JSON(http.StatusOK, j)
	return nil
}

// limitParam reads ?limit=, a page size from 1 to max; 0 when absent.
func limitParam(c *gin.Context, max int) (int, error) {
	l := c.Query("limit")
	if l == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(l)
	if err != nil || n < 1 || n > max {
		e := survey.Errorf(survey.CodeMalformed, msg.ParamLimit, max)
		e.Fields = []survey.FieldError{{Path: "?limit", Code: "range", Message: e.Message}}
		return 0, e
	}
	return n, nil
}
