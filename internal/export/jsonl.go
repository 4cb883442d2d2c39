package export

import (
	"bufio"
	"encoding/json"
	"io"
	"time"

	"github.com/khaosat/khaosat/internal/survey"
)

// JSONL writes one submission per line: its metadata and its answers as
// the API gives them (codes, dates YYYY-MM-DD).
type JSONL struct {
	form string
	buf  *bufio.Writer
	enc  *json.Encoder
}

type jsonlRecord struct {
	ID          string         `json:"id"`
	Form        string         `json:"form"`
	FormVersion int            `json:"form_version"`
	Unit        string         `json:"unit"`
	UnitName    string         `json:"unit_name"`
	SurveyDate  string         `json:"survey_date"`
	Collector   string         `json:"collector"`
	ReceivedAt  time.Time      `json:"received_at"`
	Revision    int            `json:"revision"`
	ReviewState string         `json:"review_state"`
	Data        map[string]any `json:"data"`
}

// NewJSONL starts a JSON Lines export into w.
func NewJSONL(w io.Writer, spec *survey.ExportSpec) (survey.ExportWriter, error) {
	buf := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	return &JSONL{form: spec.Form.ID, buf: buf, enc: enc}, nil
}

// Write implements survey.ExportWriter.
func (j *JSONL) Write(r *survey.ExportRecord) error {
	return j.enc.Encode(jsonlRecord{
		ID: r.ID, Form: j.form, FormVersion: r.FormVersion, Unit: r.Unit, UnitName: r.UnitName,
		SurveyDate: r.SurveyDate.Format(time.DateOnly), Collector: r.Collector, ReceivedAt: r.ReceivedAt.UTC(),
		Revision: r.Revision, ReviewState: r.ReviewState, Data: r.Data,
	})
}

// Flush implements survey.ExportWriter.
func (j *JSONL) Flush() error { return j.buf.Flush() }

// Close implements survey.ExportWriter.
func (j *JSONL) Close() error { return j.buf.Flush() }

// Discard implements survey.ExportWriter.
func (j *JSONL) Discard() {}
