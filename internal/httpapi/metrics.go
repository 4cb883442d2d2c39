package httpapi

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/khaosat/khaosat/internal/survey"
)

// Observer is told what the API does, for metrics (the metrics package
// implements it). Labels are bounded: route templates, not paths; form
// ids only of forms that exist; outcomes from the error catalogue.
type Observer interface {
	Request(method, route string, status int, d time.Duration)
	Intake(form, outcome string)
	SyncBatch(items int)
	Export(format, outcome string, rows int64, d time.Duration)
	IndicatorQuery(outcome string, d time.Duration)
}

type noObserver struct{}

func (noObserver) Request(string, string, int, time.Duration)  {}
func (noObserver) Intake(string, string)                       {}
func (noObserver) SyncBatch(int)                               {}
func (noObserver) Export(string, string, int64, time.Duration) {}
func (noObserver) IndicatorQuery(string, time.Duration)        {}

func (s *Server) obs() Observer {
	if s.Metrics == nil {
		return noObserver{}
	}
	return s.Metrics
}

// observeRequests records every request's route template, status and
// latency.
func (s *Server) observeRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	switch {
	case route != "":
	case !strings.HasPrefix(c.Request.URL.Path, "/api/"):
		route = "web" // the phone app and the console: one series, not one per file
	default:
		route = "unmatched"
	}
	s.obs().Request(c.Request.Method, route, c.Writer.Status(), time.Since(start))
}

// outcome names a result for metrics: "ok", or the error's code.
func outcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return "cancelled"
	}
	return string(survey.ErrorCode(err))
}

// observeIntake records one submission's outcome. The form is named only
// when it exists (an unknown one is not_found), so that no caller can add
// labels at will.
func (s *Server) observeIntake(form string, created bool, err error) {
	o := "duplicate"
	switch {
	case err != nil:
		o = outcome(err)
	case created:
		o = "created"
	}
	if err != nil && (form == "" || survey.ErrorCode(err) == survey.CodeNotFound || survey.ErrorCode(err) == survey.CodeMalformed) {
		form = "unknown"
	}
	s.obs().Intake(form, o)
}
