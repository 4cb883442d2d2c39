package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/survey"
)

// TestBatchItemErrorMatchesRequestError: an item of /sync or of a bulk
// action fails with the code, status, message and fields a single request
// failing with the same error gets, for every code and for the database
// being unavailable.
func TestBatchItemErrorMatchesRequestError(t *testing.T) {
	errs := map[string]error{
		"database unavailable": fmt.Errorf("insert submission: %w: %w", survey.ErrUnavailable, errors.New("database is locked")),
		"plain error":          errors.New("disk on fire"),
	}
	for code := range statusOf {
		e := &survey.Error{Code: code, Message: survey.Label{VI: "thông báo " + string(code), EN: "message " + string(code)}}
		e.Fields = []survey.FieldError{{Path: "/x", Code: "format", Message: survey.Label{VI: "sai", EN: "wrong"}}}
		errs[string(code)] = fmt.Errorf("wrapped: %w", e)
	}
	s := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for name, err := range errs {
		t.Run(name, func(t *testing.T) {
			w := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(w)
			c.Request = httptest.NewRequest("POST", "/api/v1/sync", nil)
			c.Request.Header.Set("Accept-Language", "en")
			s.fail(c, err)
			var single struct {
				Error errorJSON `json:"error"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &single); err != nil {
				t.Fatal(err)
			}
			status, itemp := s.itemError(c, err)
			item := *itemp
			if status != w.Code {
				t.Errorf("item status %d, single request %d", status, w.Code)
			}
			if diff := cmp.Diff(single.Error, item); diff != "" {
				t.Errorf("item error differs from the single request's (-single +item):\n%s", diff)
			}
		})
	}
}

// TestErrorAfterTheHeaderBreaksTheConnection: a handler that fails once
// its response has begun (an export, a download) gets no error body
// appended to the file; the connection is broken so that the client sees
// an incomplete response, and the failure is logged.
func TestErrorAfterTheHeaderBreaksTheConnection(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil))}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(s.recovery)
	r.GET("/file", s.h(func(c *gin.Context) error {
		c.Header("Content-Type", "text/csv")
		c.Status(http.StatusOK)
		if _, err := c.Writer.WriteString("a,b\n"); err != nil {
			return err
		}
		c.Writer.Flush()
		return errors.New("cursor lost")
	}))
	srv := httptest.NewServer(r)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/file")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err == nil {
		t.Errorf("the response ended normally: %q", body)
	}
	if string(body) != "a,b\n" {
		t.Errorf("body %q, want only the rows written", body)
	}
	if !strings.Contains(logs.String(), "response cut short") || !strings.Contains(logs.String(), "cursor lost") {
		t.Errorf("not logged: %s", logs.String())
	}
}
