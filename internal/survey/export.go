package survey

import (
	"context"
	"errors"
	"io"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/schema"
)

// ExportOptions are what a caller may ask of an export.
type ExportOptions struct {
	Format         string // a key of the formats given to NewExports: csv, zip, xlsx, jsonl
	Labels         string // "codes" (default), "vi" or "en": how choices are written
	HeaderLabels   bool   // header row of field labels instead of names
	Split          bool   // one 0/1 column per choice of a multiple-choice field
	Unit           string // a unit code: its whole subtree
	From, To       time.Time
	ReviewState    string
	Version        int // 0 = every version
	IncludeDeleted bool
	// RawText writes text cells of CSV and ZIP exports as they are, even
	// when they begin like a spreadsheet formula (by default they are
	// neutralised); recorded in the export's audit entry.
	RawText bool
}

// ExportQuery is a SubmissionQuery with the filters only exports have.
type ExportQuery struct {
	SubmissionQuery
	ReviewState    string
	Version        int
	IncludeDeleted bool // false: submissions with a deleted_at mark are left out
}

// SubmissionStreamer reads submissions one at a time, in storage order,
// without holding the result set in memory.
type SubmissionStreamer interface {
	// StreamSubmissions calls fn for each submission q selects; it stops
	// at fn's first error, or when ctx is done, and returns that error.
	// Each submission is decoded for its call alone: fn may change it.
	StreamSubmissions(ctx context.Context, q ExportQuery, fn func(*Submission) error) error
}

// ExportSpec is what a writer needs to lay out its tables: the union of the
// fields of the exported versions (latest labels, latest order) and the
// options.
type ExportSpec struct {
	Form    *Form
	Fields  []*schema.Field
	Options ExportOptions
	// Pseudonymised means the caller has no personal grant: the answers
	// of the Personal fields are keyed pseudonyms (the fields marked
	// x-personal: "omit" are not among Fields at all).
	Pseudonymised bool
}

// ExportRecord is one submission as the caller may see it: metadata and
// the answers that went through Intake.View.
type ExportRecord struct {
	ID          string
	FormVersion int
	Unit        string
	UnitName    string
	SurveyDate  time.Time
	Collector   string // username at the time of submission
	ReceivedAt  time.Time
	Revision    int
	ReviewState string
	Data        map[string]any // API form: dates "YYYY-MM-DD", integers int64
}

// ExportWriter turns records into a file.
type ExportWriter interface {
	Write(r *ExportRecord) error
	// Flush pushes what is buffered to the underlying writer.
	Flush() error
	// Close finishes the file and releases what the writer holds;
	// nothing may be written after it.
	Close() error
	// Discard releases what the writer holds (temporary files) without
	// finishing the file, after a failure.
	Discard()
}

// ExportFormat is one file format an export can take.
type ExportFormat struct {
	ContentType string
	Extension   string
	New         func(w io.Writer, spec *ExportSpec) (ExportWriter, error)
}

// Exports is the service that streams a form's submissions into files.
type Exports struct {
	intake  *Intake
	stream  SubmissionStreamer
	auditor *Auditor
	formats map[string]ExportFormat
	gate    *ExportLimiter
}

// ExportsOption adds to the export service what NewExports does not
// require (WithExportLimits).
type ExportsOption func(*Exports)

// NewExports returns the export service, bounded by the default
// ExportLimits unless WithExportLimits says otherwise.
func NewExports(intake *Intake, stream SubmissionStreamer, auditor *Auditor, formats map[string]ExportFormat, opts ...ExportsOption) *Exports {
	e := &Exports{intake: intake, stream: stream, auditor: auditor, formats: formats, gate: NewExportLimiter(ExportLimits{})}
	for _, o := range opts {
		o(e)
	}
	return e
}

// WithExportLimits sets the bound on concurrent exports (zero fields take
// the defaults).
func WithExportLimits(l ExportLimits) ExportsOption {
	return func(e *Exports) { e.gate = NewExportLimiter(l) }
}

// ExportJob is a checked, ready export: its file name and type are known
// before the first byte is written, so a caller can send headers.
type ExportJob struct {
	e      *Exports
	actor  Actor
	spec   *ExportSpec
	query  ExportQuery
	format ExportFormat
	// compiled are the form's versions the rows may have, compiled once
	// before the scan: the rows' code reads nothing from the store while
	// the scan holds its connection.
	compiled map[int]*schema.Form
	// pseudonyms turn the personal answers into pseudonyms; nil when the
	// actor has the personal grant.
	pseudonyms *Pseudonyms
	// release gives back the export's running slot (see ExportLimits).
	release     func()
	Filename    string
	ContentType string
	// Progress, when set, is called after each row with the count so far.
	Progress func(rows int64)
}

// CanExport reports whether the actor may export: data managers and admins.
func (a Actor) CanExport() bool { return a.Role == RoleManager || a.Role == RoleAdmin }

func exportParamError(param, code string, key msg.Key, args ...any) *Error {
	e := Errorf(CodeMalformed, key, args...)
	e.Fields = []FieldError{fieldErr("?"+param, code, key, args...)}
	return e
}

// Prepare checks the actor and the options, builds the query and the
// column layout, and takes one of the running slots of the export bound,
// waiting in its queue if need be: past the queue, or after waiting too
// long, the export is refused with a 429 error (too_many_requests with
// RetryAfter). The job's Run gives the slot back; a job that is never run
// must be given up with Release. No submission is read yet.
func (e *Exports) Prepare(ctx context.Context, actor Actor, formID string, o ExportOptions) (*ExportJob, error) {
	if !actor.CanExport() {
		return nil, Errorf(CodeForbidden, msg.ExportForbidden)
	}
	format, ok := e.formats[o.Format]
	if !ok {
		return nil, exportParamError("format", "enum", msg.ExportFormat)
	}
	switch o.Labels {
	case "":
		o.Labels = "codes"
	case "codes", "vi", "en":
	default:
		return nil, exportParamError("labels", "enum", msg.ExportLabels)
	}
	switch o.ReviewState {
	case "", ReviewReceived, ReviewHasIssues, ReviewApproved, ReviewRejected:
	default:
		return nil, exportParamError("review_state", "enum", msg.ReviewStateUnknown)
	}
	if !o.From.IsZero() && !o.To.IsZero() && o.To.Before(o.From) {
		return nil, exportParamError("to", "range", msg.ExportToBeforeFrom)
	}
	form, err := e.intake.catalog.Form(ctx, formID)
	if err != nil {
		return nil, err
	}
	fields, compiled, err := e.unionFields(ctx, form, o.Version)
	if err != nil {
		return nil, err
	}
	if !actor.SeesSensitive() {
		fields = withoutSensitive(fields)
	}
	var pseudonyms *Pseudonyms
	if !actor.SeesPersonal() {
		fields = withoutOmittedPersonal(fields)
		pseudonyms = NewPseudonyms(e.intake.prot.HashKey, formID)
	}
	q := ExportQuery{SubmissionQuery: SubmissionQuery{Form: formID, From: o.From, To: o.To},
		ReviewState: o.ReviewState, Version: o.Version, IncludeDeleted: o.IncludeDeleted}
	if err := e.intake.restrictTo(actor, &q.SubmissionQuery); err != nil {
		return nil, err
	}
	if o.Unit != "" {
		if !e.intake.units.Known(o.Unit) {
			return nil, exportParamError("unit", "unknown_unit", msg.ExportUnitUnknown)
		}
		q.UnitFilter = e.intake.units.Scope([]string{o.Unit})
	}
	name := formID
	if o.Version > 0 {
		name += "-v" + strconv.Itoa(o.Version)
	}
	// Last, once the request is known to be good: a bad one is told so,
	// not asked to come back later.
	release, err := e.gate.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	return &ExportJob{
		e: e, actor: actor, query: q, format: format, compiled: compiled, pseudonyms: pseudonyms, release: release,
		spec:     &ExportSpec{Form: form, Fields: fields, Options: o, Pseudonymised: pseudonyms != nil},
		Filename: name + "-" + e.intake.now().UTC().Format("20060102-150405") + "." + format.Extension, ContentType: format.ContentType,
	}, nil
}

// unionFields returns the fields of the form's versions (only version when
// it is not 0): the latest version's fields in its order and with its
// labels, then those only older versions have; and those versions
// compiled, by number.
func (e *Exports) unionFields(ctx context.Context, form *Form, version int) ([]*schema.Field, map[int]*schema.Form, error) {
	if version > 0 {
		sf, err := e.intake.catalog.Compiled(ctx, form.ID, version)
		if err != nil {
			if ErrorCode(err) == CodeNotFound {
				return nil, nil, exportParamError("version", "unknown_version", msg.ExportVersionUnknown)
			}
			return nil, nil, err
		}
		return sf.Fields, map[int]*schema.Form{version: sf}, nil
	}
	var fields []*schema.Field
	compiled := map[int]*schema.Form{}
	for n := form.CurrentVersion; n >= 1; n-- {
		sf, err := e.intake.catalog.Compiled(ctx, form.ID, n)
		if ErrorCode(err) == CodeNotFound {
			continue // a gap in the numbering
		}
		if err != nil {
			return nil, nil, err
		}
		compiled[n] = sf
		fields = mergeFields(fields, sf.Fields)
	}
	return fields, compiled, nil
}

// mergeFields appends to have the fields of older it lacks, recursively
// inside groups and repeats. have's fields are not modified: a group that
// gains children is copied.
func mergeFields(have, older []*schema.Field) []*schema.Field {
	if have == nil {
		return older
	}
	out := slices.Clone(have)
	for _, o := range older {
		i := slices.IndexFunc(out, func(f *schema.Field) bool { return f.Name == o.Name })
		if i < 0 {
			out = append(out, o)
			continue
		}
		if len(o.Fields) > 0 && (out[i].Kind == schema.KindRepeat || out[i].Kind == schema.KindObject) {
			merged := mergeFields(out[i].Fields, o.Fields)
			if len(merged) != len(out[i].Fields) {
				c := *out[i]
				c.Fields = merged
				out[i] = &c
			}
		}
	}
	return out
}

func withoutSensitive(fields []*schema.Field) []*schema.Field {
	var out []*schema.Field
	for _, f := range fields {
		if f.Sensitive {
			continue
		}
		if len(f.Fields) > 0 {
			c := *f
			c.Fields = withoutSensitive(f.Fields)
			f = &c
		}
		out = append(out, f)
	}
	return out
}

// flushEvery bounds how long written rows may wait in buffers before they
// are pushed to the client.
const flushEvery = 200 * time.Millisecond

// Run streams the export into w and returns the number of submissions
// written. When w has a Flush method (an HTTP response), it is flushed as
// rows are written, so the first bytes leave while the query still runs.
// Every run, finished or not, is recorded in the audit log with its
// filters and row count.
func (j *ExportJob) Run(ctx context.Context, w io.Writer) (rows int64, err error) {
	defer j.Release()
	var sensitive atomic.Int64
	defer func() {
		// Recorded even when the client went away: use a context that
		// outlives the request.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if aerr := j.e.auditor.Record(actx, j.actor, AuditExport, j.spec.Form.ID, j.auditDetails(ctx, rows, sensitive.Load(), err)); aerr != nil && err == nil {
			err = aerr
		}
	}()
	ew, err := j.format.New(w, j.spec)
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			ew.Discard()
		}
	}()
	flusher, _ := w.(interface{ Flush() })
	flush := func() error {
		if err := ew.Flush(); err != nil {
			return err
		}
		if flusher != nil {
			flusher.Flush()
		}
		return nil
	}
	// The header row (or the file's start) leaves at once.
	if err := flush(); err != nil {
		return 0, err
	}
	last := time.Now()
	// The reads of sealed answers are counted for the export's audit
	// entry; one context for every row.
	rctx := context.WithValue(ctx, exportReadsKey{}, &sensitive)
	err = j.e.stream.StreamSubmissions(ctx, j.query, func(sub *Submission) error {
		// The query is scoped, but every record passes the same check as
		// a single read: a scope bug must not become a leak.
		// A deleted submission asked for with include_deleted passes the
		// same scope check as if it were not deleted.
		check := sub
		if j.query.IncludeDeleted && sub.DeletedAt != nil {
			live := *sub
			live.DeletedAt = nil
			check = &live
		}
		if !j.e.intake.canSee(j.actor, check) {
			return nil
		}
		rec, err := j.record(rctx, sub)
		if err != nil {
			return err
		}
		if err := ew.Write(rec); err != nil {
			return err
		}
		rows++
		if j.Progress != nil {
			j.Progress(rows)
		}
		if time.Since(last) >= flushEvery {
			last = time.Now()
			return flush()
		}
		return nil
	})
	if err != nil {
		return rows, err
	}
	if err := ctx.Err(); err != nil {
		return rows, err
	}
	if err := ew.Close(); err != nil {
		return rows, err
	}
	if flusher != nil {
		flusher.Flush()
	}
	return rows, nil
}

// Release gives back the job's running slot of the export bound. Run
// does it; a caller that prepares a job and does not run it must.
func (j *ExportJob) Release() {
	if j.release != nil {
		j.release()
	}
}

// record builds the export record of one submission; its answers come
// from View, the one way answers leave the system. The streamed
// submission is the row's alone: View converts its answers in place.
//
// It runs while the scan holds its database connection, so it reads
// nothing from the store: the form's versions were compiled by Prepare.
// (On the embedded engine such a read waited for a connection of the
// same pool the scans held: a few exports at once waited for each other
// for ever.) Only a version published after Prepare is looked up, and
// the store serves that from its interactive connections, which scans
// never hold.
func (j *ExportJob) record(ctx context.Context, sub *Submission) (*ExportRecord, error) {
	e, actor := j.e, j.actor
	sf := j.compiled[sub.FormVersion]
	if sf == nil {
		var err error
		if sf, err = e.intake.catalog.Compiled(ctx, sub.FormID, sub.FormVersion); err != nil {
			return nil, err
		}
	}
	data, _, err := e.intake.viewCompiled(ctx, actor, sf, sub, true)
	if err != nil {
		return nil, err
	}
	if j.pseudonyms != nil {
		j.pseudonyms.Apply(sf.Fields, data)
	}
	r := &ExportRecord{
		ID: sub.ID, FormVersion: sub.FormVersion, Unit: sub.Unit, SurveyDate: sub.SurveyDate, Collector: sub.CollectorName,
		ReceivedAt: sub.ReceivedAt, Revision: sub.Revision, ReviewState: sub.ReviewState, Data: data,
	}
	if u, ok := e.intake.units.At(sub.Unit, sub.SurveyDate); ok {
		r.UnitName = u.Name
	}
	return r, nil
}

// auditDetails names the filters and the outcome; never an answer.
func (j *ExportJob) auditDetails(ctx context.Context, rows, sensitive int64, err error) map[string]any {
	o := j.spec.Options
	d := map[string]any{"format": o.Format, "labels": o.Labels, "split": o.Split, "rows": rows, "include_deleted": o.IncludeDeleted, "raw_text": o.RawText}
	// Whether the personal answers left as they are or as pseudonyms.
	d["personal"] = "clear"
	if j.spec.Pseudonymised {
		d["personal"] = "pseudonymised"
	}
	if sensitive > 0 {
		d["sensitive_rows"] = sensitive // submissions whose sealed answers were opened for it
	}
	if o.Unit != "" {
		d["unit"] = o.Unit
	}
	if !o.From.IsZero() {
		d["from"] = o.From.Format(time.DateOnly)
	}
	if !o.To.IsZero() {
		d["to"] = o.To.Format(time.DateOnly)
	}
	if o.ReviewState != "" {
		d["review_state"] = o.ReviewState
	}
	if o.Version > 0 {
		d["version"] = o.Version
	}
	switch {
	case err == nil:
		d["outcome"] = "complete"
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil:
		d["outcome"] = "cancelled"
	default:
		d["outcome"] = "failed"
	}
	return d
}
