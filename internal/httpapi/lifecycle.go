package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

// syncBodyLimit caps a sync request: 500 household submissions are about 3 MiB.
const syncBodyLimit = 32 << 20

// lifecycleRoutes registers sync, edits, history, review, comments,
// deletion and the change feed.
func (s *Server) lifecycleRoutes(a *gin.RouterGroup) {
	a.POST("/sync", s.h(s.sync))
	a.GET("/me/submissions", s.h(s.mySubmissions))
	a.GET("/changes", s.h(s.changes))
	a.PUT("/forms/:form/submissions/:id", s.h(s.editSubmission))
	a.DELETE("/forms/:form/submissions/:id", s.h(s.deleteSubmission))
	a.POST("/forms/:form/submissions/:id/restore", s.h(s.restoreSubmission))
	a.GET("/forms/:form/submissions/:id/history", s.h(s.submissionHistory))
	a.GET("/forms/:form/submissions/:id/history/:rev", s.h(s.submissionRevision))
	a.GET("/forms/:form/submissions/:id/diff", s.h(s.submissionDiff))
	a.POST("/forms/:form/submissions/:id/review", s.h(s.reviewSubmission))
	a.GET("/forms/:form/submissions/:id/comments", s.h(s.listComments))
	a.POST("/forms/:form/submissions/:id/comments", s.h(s.addComment))
	a.POST("/forms/:form/bulk/review", s.h(s.bulkReview))
	a.POST("/forms/:form/bulk/delete", s.h(s.bulkDelete))
	s.attachmentRoutes(a)
	s.webhookRoutes(a)
}

// itemError is the status and error body of one item of a batch: the
// same as a request failing with err would get.
func (s *Server) itemError(c *gin.Context, err error) (int, *errorJSON) {
	status, body, _ := s.problemOf(c, err)
	return status, &body
}

type itemResultJSON struct {
	ID       string     `json:"id"`
	Status   int        `json:"status"`
	Revision int        `json:"revision,omitempty"`
	Error    *errorJSON `json:"error,omitempty"`
}

func (s *Server) sync(c *gin.Context) error {
	var req struct {
		Submissions []json.RawMessage `json:"submissions"`
	}
	// A sync batch is checked for invalid text item by item, as each is
	// submitted: one bad item must not hold back the others.
	body, err := readJSON(c, syncBodyLimit)
	if err != nil {
		return err
	}
	if err := strictJSON(body, &req); err != nil {
		return err
	}
	s.obs().SyncBatch(len(req.Submissions))
	results, err := s.Lifecycle.Sync(c.Request.Context(), actor(c), req.Submissions)
	if err != nil {
		return err
	}
	out := make([]itemResultJSON, len(results))
	for i, r := range results {
		form := ""
		if r.Submission != nil {
			form = r.Submission.FormID
		}
		s.observeIntake(form, r.Created, r.Err)
		out[i] = itemResultJSON{ID: r.ID, Status: http.StatusOK}
		switch {
		case r.Err != nil:
			out[i].Status, out[i].Error = s.itemError(c, r.Err)
		case r.Created:
			out[i].Status = http.StatusCreated
		}
		if r.Err == nil {
			out[i].Revision = r.Submission.Revision
		}
	}
	c.JSON(http.StatusOK, gin.H{"results": out})
	return nil
}

// ifMatch reads the revision of If-Match ("3", 3 or W/"3").
func ifMatch(c *gin.Context, required bool) (int, error) {
	v := strings.TrimSpace(c.GetHeader("If-Match"))
	if v == "" {
		if !required {
			return 0, nil
		}
		return 0, survey.Errorf(survey.CodePreconditionNeeded, msg.IfMatchRequired)
	}
	n, err := strconv.Atoi(strings.Trim(strings.TrimPrefix(v, "W/"), `"`))
	if err != nil || n < 1 {
		e := malformed(msg.IfMatchMalformed).(*survey.Error)
		e.Fields = []survey.FieldError{{Path: "If-Match", Code: "format", Message: e.Message}}
		return 0, e
	}
	return n, nil
}

func (s *Server) writeSubmission(c *gin.Context, status int, sub *survey.Submission) error {
	j, err := s.toSubmissionJSON(c.Request.Context(), actor(c), sub)
	if err != nil {
		return err
	}
	c.Header("ETag", `"`+strconv.Itoa(sub.Revision)+`"`)
	c.JSON(status, j)
	return nil
}

func (s *Server) editSubmission(c *gin.Context) error {
	if !actor(c).CanSubmit() {
		return survey.Errorf(survey.CodeForbidden, msg.EditForbidden)
	}
	rev, err := ifMatch(c, true)
	if err != nil {
		return err
	}
	body, err := readJSON(c, s.MaxBody)
	if err != nil {
		return err
	}
	sub, err := s.Lifecycle.Edit(c.Request.Context(), actor(c), c.Param("form"), c.Param("id"), rev, body)
	if err != nil {
		return err
	}
	return s.writeSubmission(c, http.StatusOK, sub)
}

func (s *Server) deleteSubmission(c *gin.Context) error {
	if err := s.Lifecycle.Delete(c.Request.Context(), actor(c), c.Param("form"), c.Param("id")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (s *Server) restoreSubmission(c *gin.Context) error {
	sub, err := s.Lifecycle.Restore(c.Request.Context(), actor(c), c.Param("form"), c.Param("id"))
	if err != nil {
		return err
	}
	return s.writeSubmission(c, http.StatusOK, sub)
}

type revisionJSON struct {
	Revision    int       `json:"revision"`
	FormVersion int       `json:"form_version"`
	UpdatedAt   time.Time `json:"updated_at"`
	UpdatedBy   string    `json:"updated_by"`
	ReviewState string    `json:"review_state"`
}

func (s *Server) submissionHistory(c *gin.Context) error {
	revs, err := s.Lifecycle.History(c.Request.Context(), actor(c), c.Param("form"), c.Param("id"))
	if err != nil {
		return err
	}
	out := make([]revisionJSON, len(revs))
	for i, r := range revs {
		out[i] = revisionJSON(r)
	}
	c.JSON(http.StatusOK, gin.H{"revisions": out})
	return nil
}

func intParam(v, name string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		e := malformed(msg.ParamPositiveInteger, name).(*survey.Error)
		e.Fields = []survey.FieldError{{Path: "?" + name, Code: "format", Message: e.Message}}
		return 0, e
	}
	return n, nil
}

func (s *Server) submissionRevision(c *gin.Context) error {
	rev, err := intParam(c.Param("rev"), "rev")
	if err != nil {
		return err
	}
	sub, err := s.Lifecycle.AtRevision(c.Request.Context(), actor(c), c.Param("form"), c.Param("id"), rev)
	if err != nil {
		return err
	}
	return s.writeSubmission(c, http.StatusOK, sub)
}

type changeJSON struct {
	Path string `json:"path"`
	Op   string `json:"op"`
	From any    `json:"from,omitempty"`
	To   any    `json:"to,omitempty"`
}

func (s *Server) submissionDiff(c *gin.Context) error {
	from, err := intParam(c.Query("from"), "from")
	if err != nil {
		return err
	}
	to, err := intParam(c.Query("to"), "to")
	if err != nil {
		return err
	}
	changes, err := s.Lifecycle.Diff(c.Request.Context(), actor(c), c.Param("form"), c.Param("id"), from, to)
	if err != nil {
		return err
	}
	out := make([]changeJSON, len(changes))
	for i, ch := range changes {
		out[i] = changeJSON(ch)
	}
	c.JSON(http.StatusOK, gin.H{"from": from, "to": to, "changes": out})
	return nil
}

func (s *Server) reviewSubmission(c *gin.Context) error {
	var req struct {
		State   string `json:"state"`
		Comment string `json:"comment"`
	}
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		return err
	}
	rev, err := ifMatch(c, false)
	if err != nil {
		return err
	}
	sub, err := s.Lifecycle.Review(c.Request.Context(), actor(c), c.Param("form"), c.Param("id"),
		survey.ReviewInput{State: req.State, Comment: req.Comment, IfMatch: rev})
	if err != nil {
		return err
	}
	return s.writeSubmission(c, http.StatusOK, sub)
}

type commentJSON struct {
	ID          string    `json:"id"`
	At          time.Time `json:"at"`
	By          string    `json:"by"`
	Role        string    `json:"role"`
	Text        string    `json:"text,omitempty"`
	ReviewState string    `json:"review_state,omitempty"`
}

func toCommentJSON(cm *survey.Comment) commentJSON {
	return commentJSON{ID: cm.ID, At: cm.At, By: cm.ByName, Role: string(cm.Role), Text: cm.Text, ReviewState: cm.ReviewState}
}

func (s *Server) listComments(c *gin.Context) error {
	cs, err := s.Lifecycle.Comments(c.Request.Context(), actor(c), c.Param("form"), c.Param("id"))
	if err != nil {
		return err
	}
	out := make([]commentJSON, len(cs))
	for i, cm := range cs {
		out[i] = toCommentJSON(cm)
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
	return nil
}

func (s *Server) addComment(c *gin.Context) error {
	var req struct {
		Text string `json:"text"`
	}
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		return err
	}
	cm, err := s.Lifecycle.AddComment(c.Request.Context(), actor(c), c.Param("form"), c.Param("id"), req.Text)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, toCommentJSON(cm))
	return nil
}

func (s *Server) writeBulk(c *gin.Context, results []survey.BulkResult, err error, okStatus int) error {
	if err != nil {
		return err
	}
	out := make([]itemResultJSON, len(results))
	for i, r := range results {
		out[i] = itemResultJSON{ID: r.ID, Status: okStatus}
		if r.Err != nil {
			out[i].Status, out[i].Error = s.itemError(c, r.Err)
		}
	}
	c.JSON(http.StatusOK, gin.H{"results": out})
	return nil
}

func (s *Server) bulkReview(c *gin.Context) error {
	var req struct {
		IDs     []string `json:"ids"`
		State   string   `json:"state"`
		Comment string   `json:"comment"`
	}
	if err := decodeJSON(c, 1<<20, &req); err != nil {
		return err
	}
	res, err := s.Lifecycle.BulkReview(c.Request.Context(), actor(c), c.Param("form"), req.IDs, survey.ReviewInput{State: req.State, Comment: req.Comment})
	return s.writeBulk(c, res, err, http.StatusOK)
}

func (s *Server) bulkDelete(c *gin.Context) error {
	var req struct {
		IDs []string `json:"ids"`
	}
	if err := decodeJSON(c, 1<<20, &req); err != nil {
		return err
	}
	res, err := s.Lifecycle.BulkDelete(c.Request.Context(), actor(c), c.Param("form"), req.IDs)
	return s.writeBulk(c, res, err, http.StatusNoContent)
}

func (s *Server) mySubmissions(c *gin.Context) error {
	f := survey.ListFilter{ReviewState: c.Query("review_state"), Cursor: c.Query("cursor")}
	var err error
	if f.Limit, err = limitParam(c, survey.MaxListLimit); err != nil {
		return err
	}
	subs, next, err := s.Lifecycle.Mine(c.Request.Context(), actor(c), f)
	if err != nil {
		return err
	}
	return s.writePage(c, subs, next)
}

func (s *Server) writePage(c *gin.Context, subs []*survey.Submission, next string) error {
	items := make([]submissionJSON, len(subs))
	for i, sub := range subs {
		var err error
		if items[i], err = s.toSubmissionJSON(c.Request.Context(), actor(c), sub); err != nil {
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

type eventJSON struct {
	Kind        string    `json:"kind"`
	ID          string    `json:"id"`
	Form        string    `json:"form"`
	Unit        string    `json:"unit"`
	SurveyDate  string    `json:"survey_date"`
	Revision    int       `json:"revision"`
	ReviewState string    `json:"review_state"`
	At          time.Time `json:"at"`
	By          string    `json:"by"`
}

func (s *Server) changes(c *gin.Context) error {
	limit, err := limitParam(c, survey.MaxFeedLimit)
	if err != nil {
		return err
	}
	evs, next, err := s.Intake.Changes(c.Request.Context(), actor(c), c.Query("cursor"), c.Query("form"), limit)
	if err != nil {
		return err
	}
	out := make([]eventJSON, len(evs))
	for i, e := range evs {
		out[i] = eventJSON{Kind: e.Kind, ID: e.SubmissionID, Form: e.Form, Unit: e.Unit, SurveyDate: e.SurveyDate.Format(time.DateOnly),
			Revision: e.Revision, ReviewState: e.ReviewState, At: e.At, By: e.By}
	}
	c.JSON(http.StatusOK, gin.H{"items": out, "next_cursor": next})
	return nil
}

// reviewJSON is the latest review decision, shown with the submission so
// that the phone can tell the collector what to fix.
type reviewJSON struct {
	State   string    `json:"state"`
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
	By      string    `json:"by"`
}

func toReviewJSON(n *survey.ReviewNote) *reviewJSON {
	if n == nil {
		return nil
	}
	return &reviewJSON{State: n.State, Comment: n.Comment, At: n.At, By: n.ByName}
}
