package sqlite

import (
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/khaosat/khaosat/internal/survey"
)

// Stored records are BSON documents in a blob column: BSON keeps the
// types of answers exact (int64, float64, dates), which JSON would blur,
// is compact, and decodes fast on export scans. Columns beside the blob
// carry what queries filter and sort on.

type locationDoc struct {
	Lat      float64  `bson:"lat"`
	Lon      float64  `bson:"lon"`
	Accuracy *float64 `bson:"accuracy,omitempty"`
}

type sealedDoc struct {
	Key string `bson:"key"`
	Box []byte `bson:"box"`
}

type reviewNoteDoc struct {
	State   string    `bson:"state"`
	Comment string    `bson:"comment,omitempty"`
	At      time.Time `bson:"at"`
	By      string    `bson:"by"`
	ByName  string    `bson:"by_name"`
}

type submissionDoc struct {
	ID            string         `bson:"id"`
	Form          string         `bson:"form"`
	FormVersion   int            `bson:"form_version"`
	Unit          string         `bson:"unit"`
	SurveyDate    time.Time      `bson:"survey_date"`
	StartedAt     *time.Time     `bson:"started_at,omitempty"`
	EndedAt       *time.Time     `bson:"ended_at,omitempty"`
	DeviceID      string         `bson:"device_id,omitempty"`
	Location      *locationDoc   `bson:"location,omitempty"`
	Data          map[string]any `bson:"data"`
	Collector     string         `bson:"collector"`
	CollectorName string         `bson:"collector_name"`
	ReceivedAt    time.Time      `bson:"received_at"`
	UpdatedAt     time.Time      `bson:"updated_at"`
	UpdatedBy     string         `bson:"updated_by,omitempty"`
	Revision      int            `bson:"revision"`
	ReviewState   string         `bson:"review_state"`
	ContentHash   string         `bson:"content_hash"`
	Sealed        *sealedDoc     `bson:"sealed,omitempty"`
	LastReview    *reviewNoteDoc `bson:"last_review,omitempty"`
	DeletedAt     *time.Time     `bson:"deleted_at,omitempty"`
	DeletedBy     string         `bson:"deleted_by,omitempty"`
}

func encodeSubmission(s *survey.Submission) ([]byte, error) {
	d := submissionDoc{
		ID: s.ID, Form: s.FormID, FormVersion: s.FormVersion, Unit: s.Unit, SurveyDate: s.SurveyDate,
		StartedAt: s.StartedAt, EndedAt: s.EndedAt, DeviceID: s.DeviceID, Data: s.Data, Collector: s.Collector,
		CollectorName: s.CollectorName, ReceivedAt: s.ReceivedAt, UpdatedAt: s.UpdatedAt, UpdatedBy: s.UpdatedBy,
		Revision: s.Revision, ReviewState: s.ReviewState, ContentHash: s.ContentHash, DeletedAt: s.DeletedAt, DeletedBy: s.DeletedBy,
	}
	if d.Data == nil {
		d.Data = map[string]any{}
	}
	if s.Location != nil {
		d.Location = &locationDoc{Lat: s.Location.Lat, Lon: s.Location.Lon, Accuracy: s.Location.Accuracy}
	}
	if s.Sealed != nil {
		d.Sealed = &sealedDoc{Key: s.Sealed.KeyID, Box: s.Sealed.Box}
	}
	if n := s.LastReview; n != nil {
		d.LastReview = &reviewNoteDoc{State: n.State, Comment: n.Comment, At: n.At, By: n.By, ByName: n.ByName}
	}
	return bson.Marshal(&d)
}

// decodeSubmission decodes a stored submission (see docDecoder).
func decodeSubmission(raw []byte) (*survey.Submission, error) {
	return (&docDecoder{}).submission(raw)
}

// encode and decode store the other records (users, forms, tokens, …)
// as BSON of a tagged struct.
func encode(v any) ([]byte, error) { return bson.Marshal(v) }

func decode(raw []byte, v any) error { return bson.Unmarshal(raw, v) }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// ms is the column form of a time: Unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

func msPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }
