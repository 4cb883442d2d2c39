package survey

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/schema"
)

// The form design lifecycle (ODK Central's drafts, publish and close, plus
// a linter): a form has at most one draft; publishing turns the draft into
// the next immutable version, unless the change would corrupt the analysis
// of data already collected (schema.BreakingChanges); closing stops new
// submissions and hides the form from collectors' phones.

// Draft is the schema a designer is working on for a form's next version.
type Draft struct {
	FormID    string
	Title     Label
	Schema    []byte
	Hash      string
	UpdatedAt time.Time
	UpdatedBy string // user id
}

// DesignStore persists drafts and form status; FormStore implementations
// provide it too.
type DesignStore interface {
	// CreateForm stores a new form record; ErrDuplicate when the id exists.
	CreateForm(ctx context.Context, f *Form) error
	Draft(ctx context.Context, form string) (*Draft, error)
	PutDraft(ctx context.Context, d *Draft) error
	// DeleteDraft removes the draft, only if its hash is hash when hash is
	// not empty; ErrNotFound when there is no such draft.
	DeleteDraft(ctx context.Context, form, hash string) error
	// SetFormStatus sets the status; ErrNotFound when the form does not exist.
	SetFormStatus(ctx context.Context, id string, status FormStatus, now time.Time) error
}

// Audit actions of the design lifecycle (AuditFormPublish is in audit.go).
const (
	AuditFormCreate = "form.create"
	AuditFormClose  = "form.close"
	AuditFormReopen = "form.reopen"
)

// WithAuditor makes the catalog record form creation, publishing, closing
// and reopening in the audit log; without it nothing is recorded.
func WithAuditor(a *Auditor) CatalogOption { return func(c *Catalog) { c.audit = a } }

// OnPublish sets fn to be called, in the publisher's goroutine, after each
// version this catalog publishes (the server starts sealing stored answers
// of fields the version marks sensitive). fn must not block.
func (c *Catalog) OnPublish(fn func(formID string)) { c.onPublish = fn }

// record appends an audit entry when an auditor is set. The action has
// happened by then; a failure to record it is still reported as a failure,
// so that it is noticed and retried, and the retry finds the state done.
func (c *Catalog) record(ctx context.Context, actor Actor, action, form string, details map[string]any) error {
	if c.audit == nil {
		return nil
	}
	if err := c.audit.Record(ctx, actor, action, form, details); err != nil {
		return fmt.Errorf("audit %s of %s: %w", action, form, err)
	}
	return nil
}

// MaxNotes is the longest release note, in characters.
const MaxNotes = 2000

// CanDesign reports whether the actor may create, edit, publish and close forms.
func (a Actor) CanDesign() bool { return a.Role == RoleDesigner || a.Role == RoleAdmin }

func designOnly(a Actor) error {
	if a.CanDesign() {
		return nil
	}
	return Errorf(CodeForbidden, msg.DesignersOnly)
}

// lintErrors turns the errors of a lint report into an invalid Error; each
// field's path is a JSON pointer into the form document.
func lintErrors(r schema.LintReport) error {
	if r.OK() {
		return nil
	}
	e := &Error{Code: CodeInvalid, Key: msg.DraftHasErrors, Message: msg.Text(msg.DraftHasErrors)}
	for _, p := range r.Errors {
		e.Fields = append(e.Fields, FieldError{Path: p.Path, Code: p.Code, Message: p.Message})
	}
	return e
}

// draftFrom lints a form document and makes it a draft.
func (c *Catalog) draftFrom(actor Actor, raw []byte) (*Draft, *schema.Form, schema.LintReport, error) {
	r := schema.Lint(raw)
	if err := lintErrors(r); err != nil {
		return nil, nil, r, err
	}
	sf, err := schema.Compile(raw)
	if err != nil {
		return nil, nil, r, Wrap(CodeInvalid, err, msg.DraftDoesNotCompile)
	}
	hash, err := SchemaHash(raw)
	if err != nil {
		return nil, nil, r, err
	}
	return &Draft{FormID: sf.ID, Title: sf.Title, Schema: raw, Hash: hash, UpdatedAt: c.now().UTC().Truncate(time.Millisecond),
		UpdatedBy: actor.UserID}, sf, r, nil
}

// CreateForm creates a form, named by the document's x-form, with the
// document as its draft. It returns the draft and the lint warnings.
func (c *Catalog) CreateForm(ctx context.Context, actor Actor, raw []byte) (*Draft, []schema.Problem, error) {
	if err := designOnly(actor); err != nil {
		return nil, nil, err
	}
	d, _, r, err := c.draftFrom(actor, raw)
	if err != nil {
		return nil, r.Errors, err
	}
	f := &Form{ID: d.FormID, Title: d.Title, Status: FormOpen, CreatedAt: d.UpdatedAt, UpdatedAt: d.UpdatedAt}
	if err := c.store.CreateForm(ctx, f); isDuplicate(err) {
		return nil, nil, Errorf(CodeConflict, msg.FormExists, d.FormID)
	} else if err != nil {
		return nil, nil, err
	}
	if err := c.store.PutDraft(ctx, d); err != nil {
		return nil, nil, err
	}
	c.log.Info("form created", "form", d.FormID, "user_id", actor.UserID)
	return d, r.Warnings, c.record(ctx, actor, AuditFormCreate, d.FormID, nil)
}

// SaveDraft replaces (or starts) the draft of an existing form.
func (c *Catalog) SaveDraft(ctx context.Context, actor Actor, formID string, raw []byte) (*Draft, []schema.Problem, error) {
	if err := designOnly(actor); err != nil {
		return nil, nil, err
	}
	if _, err := c.storeForm(ctx, formID); err != nil {
		return nil, nil, err
	}
	d, _, r, err := c.draftFrom(actor, raw)
	if err != nil {
		return nil, nil, err
	}
	if d.FormID != formID {
		e := Errorf(CodeInvalid, msg.DraftFormIDMismatch, formID)
		e.Fields = []FieldError{fieldErr("/x-form", schema.LintFormID, msg.DraftFormIDMismatchField)}
		return nil, nil, e
	}
	if err := c.store.PutDraft(ctx, d); err != nil {
		return nil, nil, err
	}
	return d, r.Warnings, nil
}

var draftLabel = msg.Text(msg.NounDraft)

// Draft returns a form's draft and its lint warnings.
func (c *Catalog) Draft(ctx context.Context, actor Actor, formID string) (*Draft, []schema.Problem, error) {
	if err := designOnly(actor); err != nil {
		return nil, nil, err
	}
	d, err := c.store.Draft(ctx, formID)
	if isNotFound(err) {
		return nil, nil, notFound(draftLabel)
	}
	if err != nil {
		return nil, nil, err
	}
	return d, schema.Lint(d.Schema).Warnings, nil
}

// DeleteDraft abandons a form's draft.
func (c *Catalog) DeleteDraft(ctx context.Context, actor Actor, formID string) error {
	if err := designOnly(actor); err != nil {
		return err
	}
	if err := c.store.DeleteDraft(ctx, formID, ""); isNotFound(err) {
		return notFound(draftLabel)
	} else if err != nil {
		return err
	}
	return nil
}

// draftForm returns the compiled draft of a form.
func (c *Catalog) draftForm(ctx context.Context, formID string) (*Draft, *schema.Form, error) {
	d, err := c.store.Draft(ctx, formID)
	if isNotFound(err) {
		return nil, nil, notFound(draftLabel)
	}
	if err != nil {
		return nil, nil, err
	}
	sf, err := schema.Compile(d.Schema)
	if err != nil {
		return nil, nil, fmt.Errorf("compile draft of %s: %w", formID, err)
	}
	return d, sf, nil
}

// Publish turns the form's draft into its next version and drops the draft.
func (c *Catalog) Publish(ctx context.Context, actor Actor, formID, notes string) (*FormVersion, error) {
	if err := designOnly(actor); err != nil {
		return nil, err
	}
	notes = strings.TrimSpace(notes)
	if utf8.RuneCountInString(notes) > MaxNotes {
		e := Errorf(CodeInvalid, msg.NotesMaxLength)
		e.Fields = []FieldError{fieldErr("/notes", "max_length", msg.NotesMaxLengthField)}
		return nil, e
	}
	if _, err := c.storeForm(ctx, formID); err != nil {
		return nil, err
	}
	d, sf, err := c.draftForm(ctx, formID)
	if err != nil {
		return nil, err
	}
	if err := lintErrors(schema.Lint(d.Schema)); err != nil {
		return nil, err
	}
	v, err := c.publish(ctx, sf, d.Schema, d.Hash, notes)
	if err != nil {
		return nil, err
	}
	// Only the draft just published: one saved meanwhile stays.
	if err := c.store.DeleteDraft(ctx, formID, d.Hash); err != nil && !isNotFound(err) {
		return nil, err
	}
	c.log.Info("published form version", "form", formID, "version", v.Version, "user_id", actor.UserID)
	return v, c.record(ctx, actor, AuditFormPublish, formID, map[string]any{"version": v.Version, "hash": v.Hash})
}

// errUnchanged is what publish says when the content is already a version.
var errUnchanged = Errorf(CodeConflict, msg.PublishUnchanged)

// publish stores sf (raw, with hash) as the form's next version, refusing
// breaking changes against every earlier version and content equal to the
// latest one. It retries when another instance publishes at the same time.
func (c *Catalog) publish(ctx context.Context, sf *schema.Form, raw []byte, hash, notes string) (*FormVersion, error) {
	for attempt := 0; attempt < 5; attempt++ {
		earlier, err := c.versions(ctx, sf.ID)
		if err != nil {
			return nil, err
		}
		if n := len(earlier); n > 0 && earlier[n-1].Hash == hash {
			return earlier[n-1], errUnchanged
		}
		olds := make([]*schema.Form, len(earlier))
		for i, v := range earlier {
			if olds[i], err = c.compiledAsPublished(ctx, sf.ID, v.Version); err != nil {
				return nil, err
			}
		}
		if bc := schema.BreakingChanges(olds, sf); len(bc) > 0 {
			return nil, breakingError(bc)
		}
		v := &FormVersion{FormID: sf.ID, Version: len(earlier) + 1, Title: sf.Title, Schema: raw, Hash: hash,
			PublishedAt: c.now().UTC().Truncate(time.Millisecond), Notes: notes}
		err = c.store.InsertVersion(ctx, v)
		if isDuplicate(err) {
			continue // another instance published first; look again
		}
		if err != nil {
			return nil, err
		}
		err = c.store.UpsertForm(ctx, sf.ID, sf.Title, v.Version, c.now().UTC())
		c.forms.Forget(sf.ID) // after the write, so no reader caches the old record
		if err == nil && c.onPublish != nil {
			c.onPublish(sf.ID)
		}
		return v, err
	}
	return nil, Errorf(CodeConflict, msg.PublishRace)
}

// versions returns every published version of a form, oldest first.
func (c *Catalog) versions(ctx context.Context, formID string) ([]*FormVersion, error) {
	latest, err := c.store.LatestVersion(ctx, formID)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]*FormVersion, 0, latest.Version)
	for n := 1; n < latest.Version; n++ {
		v, err := c.Version(ctx, formID, n)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return append(out, latest), nil
}

func breakingError(changes []schema.Change) *Error {
	e := &Error{Code: CodeConflict, Key: msg.PublishBreaking, Message: msg.Text(msg.PublishBreaking)}
	for _, ch := range changes {
		e.Fields = append(e.Fields, FieldError{Path: ch.Path, Code: ch.Kind, Message: ch.Message})
	}
	return e
}

// storeForm reads a form record past the cache, for the design operations
// that must see the latest state.
func (c *Catalog) storeForm(ctx context.Context, id string) (*Form, error) {
	f, err := c.store.Form(ctx, id)
	if isNotFound(err) {
		return nil, notFound(formLabel)
	}
	return f, err
}

// SetStatus closes or reopens a form. A closed form is not sent to phones
// and takes no new submissions; edits of stored ones go on.
func (c *Catalog) SetStatus(ctx context.Context, actor Actor, formID string, status FormStatus) (*Form, error) {
	if err := designOnly(actor); err != nil {
		return nil, err
	}
	if err := c.store.SetFormStatus(ctx, formID, status, c.now().UTC().Truncate(time.Millisecond)); isNotFound(err) {
		return nil, notFound(formLabel)
	} else if err != nil {
		return nil, err
	}
	c.forms.Forget(formID)
	c.log.Info("form status changed", "form", formID, "status", string(status), "user_id", actor.UserID)
	action := AuditFormReopen
	if status == FormClosed {
		action = AuditFormClose
	}
	if err := c.record(ctx, actor, action, formID, nil); err != nil {
		return nil, err
	}
	return c.storeForm(ctx, formID)
}

// TestDraft validates a submission body against a form's draft exactly as
// intake validates against a version, and stores nothing. The body's
// form_version is not looked up: the draft has no number yet.
func (s *Intake) TestDraft(ctx context.Context, actor Actor, formID string, body []byte) (map[string]any, error) {
	if err := designOnly(actor); err != nil {
		return nil, err
	}
	_, sf, err := s.catalog.draftForm(ctx, formID)
	if err != nil {
		return nil, err
	}
	env, _, err := s.check(body, s.now(), func(int) (*schema.Form, error) { return sf, nil })
	if err != nil {
		return nil, err
	}
	return sf.FromStorage(sf.ToStorage(env.Data)), nil
}

// FormFor returns a form record as the actor may read it: a closed form is
// hidden from collectors (their phones no longer receive it), and a form
// with no published version from everyone but designers.
func (c *Catalog) FormFor(ctx context.Context, actor Actor, id string) (*Form, error) {
	f, err := c.Form(ctx, id)
	if err != nil {
		return nil, err
	}
	if (f.Status == FormClosed && actor.Role == RoleCollector) || (f.CurrentVersion == 0 && !actor.CanDesign()) {
		return nil, notFound(formLabel)
	}
	return f, nil
}

// CurrentFor returns the current version of a form the actor may read.
func (c *Catalog) CurrentFor(ctx context.Context, actor Actor, id string) (*Form, *FormVersion, error) {
	f, err := c.FormFor(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	if f.CurrentVersion == 0 {
		return nil, nil, Errorf(CodeNotFound, msg.FormUnpublished)
	}
	v, err := c.Version(ctx, id, f.CurrentVersion)
	return f, v, err
}

// compiledUpTo returns versions 1..n of a form, compiled.
func (c *Catalog) compiledUpTo(ctx context.Context, formID string, n int) ([]*schema.Form, error) {
	out := make([]*schema.Form, 0, n)
	for i := 1; i <= n; i++ {
		sf, err := c.Compiled(ctx, formID, i)
		if err != nil {
			return nil, err
		}
		out = append(out, sf)
	}
	return out, nil
}

// Codebook documents version n of a form, one row per field.
func (c *Catalog) Codebook(ctx context.Context, actor Actor, formID string, n int) ([]schema.CodebookRow, error) {
	f, err := c.FormFor(ctx, actor, formID)
	if err != nil {
		return nil, err
	}
	if _, err := c.Version(ctx, f.ID, n); err != nil {
		return nil, err
	}
	versions, err := c.compiledUpTo(ctx, f.ID, n)
	if err != nil {
		return nil, err
	}
	return schema.Codebook(versions), nil
}

// DiffDraft lists the changes from version from to the form's draft, with
// the breaking ones that publishing the draft would refuse against that
// version. Designers only, like the draft itself.
func (c *Catalog) DiffDraft(ctx context.Context, actor Actor, formID string, from int) ([]schema.Change, error) {
	if err := designOnly(actor); err != nil {
		return nil, err
	}
	if _, err := c.storeForm(ctx, formID); err != nil {
		return nil, err
	}
	a, err := c.compiledAsPublished(ctx, formID, from)
	if err != nil {
		return nil, err
	}
	_, b, err := c.draftForm(ctx, formID)
	if err != nil {
		return nil, err
	}
	return schema.Diff(a, b), nil
}

// Diff lists the changes from version from to version to of a form.
func (c *Catalog) Diff(ctx context.Context, actor Actor, formID string, from, to int) ([]schema.Change, error) {
	f, err := c.FormFor(ctx, actor, formID)
	if err != nil {
		return nil, err
	}
	a, err := c.compiledAsPublished(ctx, f.ID, from)
	if err != nil {
		return nil, err
	}
	b, err := c.compiledAsPublished(ctx, f.ID, to)
	if err != nil {
		return nil, err
	}
	return schema.Diff(a, b), nil
}
