package sqlite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/khaosat/khaosat/internal/survey"
)

// Stored records are JSON text in the doc column (migration 0006): SQLite
// reads it with its own JSON functions (json_extract(doc, '$.data.sex')),
// so conditions on answers can run in SQL. Columns beside it carry what
// queries filter and sort on.
//
// Answers keep their exact types through JSON (see answers.go): an
// integer is written as an integer literal and a number with a fraction
// or an exponent (2.0, not 2), which SQLite, too, reads as an integer and
// a real; a time is written as RFC 3339 text and its place is listed
// beside the answers, so that text that looks like a date stays text.

type locationDoc struct {
	Lat      float64  `json:"lat"`
	Lon      float64  `json:"lon"`
	Accuracy *float64 `json:"accuracy,omitempty"`
}

type sealedDoc struct {
	Key string `json:"key"`
	Box []byte `json:"box"` // base64 in JSON, the same bytes back
}

type reviewNoteDoc struct {
	State   string `json:"state"`
	Comment string `json:"comment,omitempty"`
	At      stamp  `json:"at"`
	By      string `json:"by"`
	ByName  string `json:"by_name"`
}

type submissionDoc struct {
	ID          string       `json:"id"`
	Form        string       `json:"form"`
	FormVersion int          `json:"form_version"`
	Unit        string       `json:"unit"`
	SurveyDate  stamp        `json:"survey_date"`
	StartedAt   *stamp       `json:"started_at,omitempty"`
	EndedAt     *stamp       `json:"ended_at,omitempty"`
	DeviceID    string       `json:"device_id,omitempty"`
	Location    *locationDoc `json:"location,omitempty"`
	// Data holds the answers as JSON values (see jsonAnswers), Times the
	// JSON pointers of the answers that are times.
	Data          map[string]any `json:"data"`
	Times         []string       `json:"times,omitempty"`
	Collector     string         `json:"collector"`
	CollectorName string         `json:"collector_name"`
	ReceivedAt    stamp          `json:"received_at"`
	UpdatedAt     stamp          `json:"updated_at"`
	UpdatedBy     string         `json:"updated_by,omitempty"`
	Revision      int            `json:"revision"`
	ReviewState   string         `json:"review_state"`
	ContentHash   string         `json:"content_hash"`
	Sealed        *sealedDoc     `json:"sealed,omitempty"`
	LastReview    *reviewNoteDoc `json:"last_review,omitempty"`
	DeletedAt     *stamp         `json:"deleted_at,omitempty"`
	DeletedBy     string         `json:"deleted_by,omitempty"`
}

// encodeSubmission gives the stored text of a submission.
func encodeSubmission(s *survey.Submission) (string, error) {
	d := submissionDoc{
		ID: s.ID, Form: s.FormID, FormVersion: s.FormVersion, Unit: s.Unit, SurveyDate: stamp(s.SurveyDate),
		StartedAt: stampPtr(s.StartedAt), EndedAt: stampPtr(s.EndedAt), DeviceID: s.DeviceID, Collector: s.Collector,
		CollectorName: s.CollectorName, ReceivedAt: stamp(s.ReceivedAt), UpdatedAt: stamp(s.UpdatedAt), UpdatedBy: s.UpdatedBy,
		Revision: s.Revision, ReviewState: s.ReviewState, ContentHash: s.ContentHash, DeletedAt: stampPtr(s.DeletedAt), DeletedBy: s.DeletedBy,
	}
	var err error
	if d.Data, d.Times, err = jsonAnswers(s.Data); err != nil {
		return "", fmt.Errorf("encode submission %s: %w", s.ID, err)
	}
	if s.Location != nil {
		d.Location = &locationDoc{Lat: s.Location.Lat, Lon: s.Location.Lon, Accuracy: s.Location.Accuracy}
	}
	if s.Sealed != nil {
		d.Sealed = &sealedDoc{Key: s.Sealed.KeyID, Box: s.Sealed.Box}
	}
	if n := s.LastReview; n != nil {
		d.LastReview = &reviewNoteDoc{State: n.State, Comment: n.Comment, At: stamp(n.At), By: n.By, ByName: n.ByName}
	}
	b, err := json.Marshal(&d)
	if err != nil {
		return "", fmt.Errorf("encode submission %s: %w", s.ID, err)
	}
	return string(b), nil
}

// docDecoder decodes stored submissions from the tokens of
// encoding/json/v2's decoder (github.com/go-json-experiment/json/jsontext,
// the module the standard library's encoding/json/v2 comes from): the
// document's fields (see read) and its answers (answerReader) in one pass
// over the bytes, with the key and short-text tables of a scan.
// encoding/json (v1) took 3 to 4 times the time of the BSON decoder it
// replaced, with 277 allocations for its 61 (BenchmarkDecodeSubmission):
// it scans a document twice, reads numbers only as float64 or
// json.Number, and cannot share the keys and texts of one scan.
type docDecoder struct {
	answers answerReader
	buf     bytes.Buffer
	dec     *jsontext.Decoder
}

func newDocDecoder() *docDecoder {
	return &docDecoder{answers: newAnswerReader()}
}

// decodeSubmission decodes a stored submission.
func decodeSubmission(raw []byte) (*survey.Submission, error) {
	return (&docDecoder{}).submission(raw)
}

// submission decodes a stored submission.
func (dd *docDecoder) submission(raw []byte) (*survey.Submission, error) {
	var d submissionDoc
	if err := dd.read(raw, &d); err != nil {
		return nil, fmt.Errorf("decode submission: %w", err)
	}
	data := d.Data
	if data == nil {
		data = map[string]any{}
	}
	if err := setTimes(data, d.Times); err != nil {
		return nil, fmt.Errorf("decode submission %s: %w", d.ID, err)
	}
	return d.submission(data), nil
}

// submission is the submission d stores, with answers data in storage form.
func (d *submissionDoc) submission(data map[string]any) *survey.Submission {
	s := &survey.Submission{
		ID: d.ID, FormID: d.Form, FormVersion: d.FormVersion, Unit: d.Unit, SurveyDate: d.SurveyDate.time(),
		StartedAt: d.StartedAt.timePtr(), EndedAt: d.EndedAt.timePtr(), DeviceID: d.DeviceID, Data: data,
		Collector: d.Collector, CollectorName: d.CollectorName, ReceivedAt: d.ReceivedAt.time(), UpdatedAt: d.UpdatedAt.time(),
		UpdatedBy: d.UpdatedBy, Revision: d.Revision, ReviewState: d.ReviewState, ContentHash: d.ContentHash,
		DeletedAt: d.DeletedAt.timePtr(), DeletedBy: d.DeletedBy,
	}
	if l := d.Location; l != nil {
		s.Location = &survey.Location{Lat: l.Lat, Lon: l.Lon, Accuracy: l.Accuracy}
	}
	if x := d.Sealed; x != nil {
		s.Sealed = &survey.SealedAnswers{KeyID: x.Key, Box: x.Box}
	}
	if n := d.LastReview; n != nil {
		s.LastReview = &survey.ReviewNote{State: n.State, Comment: n.Comment, At: n.At.time(), By: n.By, ByName: n.ByName}
	}
	return s
}

// encode and decode store the other records (users, forms, tokens, …)
// as JSON of their struct.
func encode(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func decode(raw []byte, v any) error { return json.Unmarshal(raw, v) }

// stampLayout is how a submission document writes its times: RFC 3339 in
// UTC at the millisecond precision of the time columns (and of the BSON
// documents stored before migration 0006), always as wide: a document's
// size must not vary with the clock, or its size would tell more than its
// columns (storetest.SealSizes).
const stampLayout = "2006-01-02T15:04:05.000Z"

// stamp is a time of a submission document, written in stampLayout.
type stamp time.Time

func (t stamp) time() time.Time { return time.Time(t).UTC() }

func (t *stamp) timePtr() *time.Time {
	if t == nil {
		return nil
	}
	u := t.time()
	return &u
}

func stampPtr(t *time.Time) *stamp {
	if t == nil {
		return nil
	}
	s := stamp(*t)
	return &s
}

// formatStamp writes t in stampLayout; a year past 9999 is refused, as
// time.Time's own MarshalJSON does.
func formatStamp(t time.Time) (string, error) {
	u := t.UTC().Truncate(time.Millisecond)
	if y := u.Year(); y < 0 || y > 9999 {
		return "", fmt.Errorf("the time %v is out of the years 0 to 9999", t)
	}
	return u.Format(stampLayout), nil
}

func (t stamp) MarshalJSON() ([]byte, error) {
	s, err := formatStamp(time.Time(t))
	if err != nil {
		return nil, err
	}
	return []byte(`"` + s + `"`), nil
}

// UnmarshalJSONFrom reads a stamp from a docDecoder's tokens without
// copying its text.
func (t *stamp) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	if v.Kind() != '"' {
		return fmt.Errorf("a stored time is JSON %s, not text", v.Kind())
	}
	u, err := parseStamp(v[1 : len(v)-1])
	if err != nil {
		return err
	}
	*t = stamp(u.UTC())
	return nil
}

func (t *stamp) UnmarshalJSON(b []byte) error {
	var u time.Time
	if err := u.UnmarshalJSON(b); err != nil {
		return err
	}
	*t = stamp(u.UTC())
	return nil
}

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
