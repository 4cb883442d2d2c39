package sqlite

import (
	"context"
	"time"

	"github.com/khaosat/khaosat/internal/survey"
)

// insertEvent appends e to the change feed inside the change's
// transaction and sets its number (nil e: no feed).
func insertEvent(tx *wtx, e *survey.Event) error {
	if e == nil {
		return nil
	}
	r, err := tx.Exec(`INSERT INTO events (kind, submission, form, unit, survey_date, collector, revision, review_state, at, by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Kind, e.SubmissionID, e.Form, e.Unit, ms(e.SurveyDate), e.Collector, e.Revision, e.ReviewState, ms(e.At), e.By)
	if err != nil {
		return translate("insert event", err)
	}
	seq, err := r.LastInsertId()
	if err != nil {
		return translate("insert event", err)
	}
	e.Seq = seq
	return nil
}

// Events returns up to limit events after sequence number after.
func (s *Store) Events(ctx context.Context, after int64, limit int) ([]*survey.Event, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, kind, submission, form, unit, survey_date, collector, revision, review_state, at, by
		FROM events WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, translate("list events", err)
	}
	defer rows.Close()
	var out []*survey.Event
	for rows.Next() {
		var e survey.Event
		var date, at int64
		if err := rows.Scan(&e.Seq, &e.Kind, &e.SubmissionID, &e.Form, &e.Unit, &date, &e.Collector, &e.Revision, &e.ReviewState, &at, &e.By); err != nil {
			return nil, translate("list events", err)
		}
		e.SurveyDate, e.At = fromMS(date), fromMS(at)
		out = append(out, &e)
	}
	return out, translate("list events", rows.Err())
}

type commentDoc struct {
	ID          string    `json:"id"`
	Submission  string    `json:"submission"`
	At          time.Time `json:"at"`
	By          string    `json:"by"`
	ByName      string    `json:"by_name"`
	Role        string    `json:"role"`
	Text        string    `json:"text,omitempty"`
	ReviewState string    `json:"review_state,omitempty"`
}

func encodeComment(c *survey.Comment) (string, error) {
	return encode(commentDoc{ID: c.ID, Submission: c.SubmissionID, At: c.At, By: c.By, ByName: c.ByName, Role: string(c.Role),
		Text: c.Text, ReviewState: c.ReviewState})
}

func insertComment(tx *wtx, c *survey.Comment, doc string) error {
	_, err := tx.Exec(`INSERT INTO comments (id, submission, at, doc) VALUES (?, ?, ?, ?)`, c.ID, c.SubmissionID, ms(c.At), doc)
	return translate("insert comment", err)
}

// AddComment appends to a submission's comment thread.
func (s *Store) AddComment(ctx context.Context, c *survey.Comment) error {
	doc, err := encodeComment(c)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *wtx) error { return insertComment(tx, c, doc) })
}

// Comments returns a submission's comment thread, oldest first.
func (s *Store) Comments(ctx context.Context, id string) ([]*survey.Comment, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT doc FROM comments WHERE submission = ? ORDER BY at, id`, id)
	if err != nil {
		return nil, translate("list comments", err)
	}
	defer rows.Close()
	var out []*survey.Comment
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			return nil, translate("list comments", err)
		}
		var d commentDoc
		if err := decode(raw, &d); err != nil {
			return nil, err
		}
		out = append(out, &survey.Comment{ID: d.ID, SubmissionID: d.Submission, At: d.At.UTC(), By: d.By, ByName: d.ByName,
			Role: survey.Role(d.Role), Text: d.Text, ReviewState: d.ReviewState})
	}
	return out, translate("list comments", rows.Err())
}
