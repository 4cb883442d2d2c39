package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

type auditEntryJSON struct {
	ID       string         `json:"id"`
	At       time.Time      `json:"at"`
	UserID   string         `json:"user_id,omitempty"`
	Username string         `json:"username,omitempty"`
	Role     string         `json:"role,omitempty"`
	Action   string         `json:"action"`
	Target   string         `json:"target,omitempty"`
	Details  map[string]any `json:"details,omitempty"`
}

// timeParam reads an RFC 3339 time or a date (the start of that day, UTC).
func timeParam(c *gin.Context, name string, endOfDay bool) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		e := survey.Errorf(survey.CodeMalformed, msg.ParamDateOrTime, name)
		e.Fields = []survey.FieldError{{Path: "?" + name, Code: "format", Message: e.Message}}
		return t, e
	}
	if endOfDay {
		t = t.Add(24*time.Hour - time.Millisecond)
	}
	return t, nil
}

func (s *Server) listAudit(c *gin.Context) error {
	var f survey.AuditFilter
	var err error
	if f.From, err = timeParam(c, "from", false); err != nil {
		return err
	}
	if f.To, err = timeParam(c, "to", true); err != nil {
		return err
	}
	if f.Limit, err = limitParam(c, survey.MaxListLimit); err != nil {
		return err
	}
	f.Action, f.User, f.Cursor = c.Query("action"), c.Query("user"), c.Query("cursor")
	entries, next, err := s.Auditor.List(c.Request.Context(), actor(c), f)
	if err != nil {
		return err
	}
	items := make([]auditEntryJSON, len(entries))
	for i, e := range entries {
		items[i] = auditEntryJSON{ID: e.ID, At: e.At, UserID: e.UserID, Username: e.Username, Role: string(e.Role),
			Action: e.Action, Target: e.Target, Details: e.Details}
	}
	var nextCursor *string
	if next != "" {
		nextCursor = &next
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": nextCursor})
	return nil
}
