package survey

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/schema"
)

// FormStatus says whether a form takes new submissions.
type FormStatus string

// Form statuses.
const (
	FormOpen   FormStatus = "open"
	FormClosed FormStatus = "closed"
)

// Form is a questionnaire; its content lives in its versions.
type Form struct {
	ID             string
	Title          Label
	Status         FormStatus
	CurrentVersion int
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// FormVersion is one immutable published version of a form.
type FormVersion struct {
	FormID      string
	Version     int
	Title       Label
	Schema      []byte // the JSON Schema exactly as published
	Hash        string // hex SHA-256 of the compacted schema
	PublishedAt time.Time
	Notes       string
}

// FormStore persists forms and their versions.
type FormStore interface {
	Form(ctx context.Context, id string) (*Form, error)
	Forms(ctx context.Context) ([]*Form, error)
	// UpsertForm creates the form record when missing and raises its
	// current version to at least version (never lowers it).
	UpsertForm(ctx context.Context, id string, title Label, version int, now time.Time) error
	// InsertVersion stores a new version; ErrDuplicate when (form, version) exists.
	InsertVersion(ctx context.Context, v *FormVersion) error
	Version(ctx context.Context, form string, n int) (*FormVersion, error)
	LatestVersion(ctx context.Context, form string) (*FormVersion, error)
	DesignStore
}

// Catalog serves forms and versions and caches their compiled schemas.
type Catalog struct {
	store    FormStore
	log      *slog.Logger
	now      func() time.Time
	compiled sync.Map // "form@version" → *schema.Form; versions are immutable
	versionc sync.Map // "form@version" → *FormVersion
	marked   sync.Map // "form@version@latest" → *schema.Form with the sealed paths of versions 1..latest marked
	sealed   sync.Map // "form@latest" → map[string]bool, the sealed paths of versions 1..latest
	forms    *TTLCache[*Form]
	audit    *Auditor // nil: design actions are not audited
	// onPublish is called after each version published (see OnPublish).
	onPublish func(formID string)
}

// CatalogOption adds to the catalog what NewCatalog does not require
// (WithAuditor).
type CatalogOption func(*Catalog)

// NewCatalog returns the form catalog.
func NewCatalog(store FormStore, log *slog.Logger, opts ...CatalogOption) *Catalog {
	c := &Catalog{store: store, log: log, now: time.Now, forms: NewTTLCache[*Form](RecordCacheTTL)}
	for _, o := range opts {
		o(c)
	}
	return c
}

// SchemaHash is the content hash of a schema: whitespace does not count.
func SchemaHash(raw []byte) (string, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return "", err
	}
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:]), nil
}

// PublishDir publishes every dir/*.json form file of fsys whose content
// differs from its form's latest version, as the next version. Unchanged
// files change nothing, so running it at every start is safe, also from
// several instances at once.
func (c *Catalog) PublishDir(ctx context.Context, fsys fs.FS, dir string) error {
	names, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		notes, err := releaseNotes(fsys, dir, name)
		if err != nil {
			return err
		}
		if err := c.publishFile(ctx, name, raw, notes); err != nil {
			return fmt.Errorf("publish %s: %w", name, err)
		}
	}
	return nil
}

// publishFile publishes a shipped form file under the same rules as a
// designer's draft: it must lint without errors, and it must not break
// data collected with any earlier version. A file whose content already is
// one of the form's versions changes nothing, so a designer's later
// versions published through the API are not overwritten by an older file.
func (c *Catalog) publishFile(ctx context.Context, name string, raw []byte, notes string) error {
	if r := schema.Lint(raw); !r.OK() {
		return fmt.Errorf("the form has errors (run khaosat forms lint):%s", problemList(r.Errors))
	}
	sf, err := schema.Compile(raw)
	if err != nil {
		return err
	}
	want := strings.TrimSuffix(path.Base(name), ".json")
	if sf.ID != want {
		return fmt.Errorf("x-form is %q but the file is named %s", sf.ID, path.Base(name))
	}
	hash, err := SchemaHash(raw)
	if err != nil {
		return err
	}
	versions, err := c.versions(ctx, sf.ID)
	if err != nil {
		return err
	}
	for i, v := range versions {
		if v.Hash != hash {
			continue
		}
		if i == len(versions)-1 {
			// Also repairs a start that stopped between the two writes.
			return c.store.UpsertForm(ctx, sf.ID, v.Title, v.Version, c.now().UTC())
		}
		return nil
	}
	note := "published from " + path.Base(name)
	if notes != "" {
		note += ": " + notes
	}
	v, err := c.publish(ctx, sf, raw, hash, note)
	if errors.Is(err, errUnchanged) {
		return nil // another instance published it first
	}
	var e *Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		return fmt.Errorf("%s%s", e.Message.EN, fieldList(e.Fields))
	}
	if err != nil {
		return err
	}
	c.log.Info("published form version", "form", sf.ID, "version", v.Version)
	return c.record(ctx, SystemActor, AuditFormPublish, sf.ID, map[string]any{"version": v.Version, "source": path.Base(name)})
}

// releaseNotes returns the notes shipped with a form file, dir/notes/<form>.txt
// (what changed in its content, for the version it becomes), or "".
func releaseNotes(fsys fs.FS, dir, name string) (string, error) {
	raw, err := fs.ReadFile(fsys, path.Join(dir, "notes", strings.TrimSuffix(path.Base(name), ".json")+".txt"))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return strings.Join(strings.Fields(string(raw)), " "), nil
}

func problemList(ps []schema.Problem) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "\n  %s: %s: %s", displayPointer(p.Path), p.Code, p.Message.EN)
	}
	return b.String()
}

func fieldList(fs []FieldError) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "\n  %s: %s: %s", displayPointer(f.Path), f.Code, f.Message.EN)
	}
	return b.String()
}

func displayPointer(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// Forms lists the forms the actor may use.
func (c *Catalog) Forms(ctx context.Context, actor Actor) ([]*Form, error) {
	all, err := c.store.Forms(ctx)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, f := range all {
		if f.CurrentVersion == 0 {
			continue
		}
		if f.Status == FormClosed && actor.Role == RoleCollector {
			continue // phones no longer receive a closed form
		}
		out = append(out, f)
	}
	return out, nil
}

var formLabel = msg.Text(msg.NounForm)

// Form returns a form's record.
// Results are cached for RecordCacheTTL.
func (c *Catalog) Form(ctx context.Context, id string) (*Form, error) {
	if f, ok := c.forms.Lookup(id); ok {
		return f, nil
	}
	f, err := c.store.Form(ctx, id)
	if isNotFound(err) {
		return nil, notFound(formLabel)
	}
	if err != nil {
		return nil, err
	}
	c.forms.Put(id, f)
	return f, nil
}

// Current returns the form's current published version.
func (c *Catalog) Current(ctx context.Context, id string) (*Form, *FormVersion, error) {
	f, err := c.Form(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	v, err := c.Version(ctx, id, f.CurrentVersion)
	return f, v, err
}

// Version returns one published version.
// Versions are immutable, so they are cached for good once read.
func (c *Catalog) Version(ctx context.Context, id string, n int) (*FormVersion, error) {
	key := id + "@" + strconv.Itoa(n)
	if v, ok := c.versionc.Load(key); ok {
		return v.(*FormVersion), nil
	}
	v, err := c.store.Version(ctx, id, n)
	if isNotFound(err) {
		return nil, notFound(msg.Text(msg.NounFormVersion, n))
	}
	if err != nil {
		return nil, err
	}
	c.versionc.Store(key, v)
	return v, nil
}

// Compiled returns version n of a form compiled, each field marked
// sensitive if any published version of the form marks the same path
// sensitive: a field once sealed is sealed in every version, so a phone
// still holding an older version (which did not mark it) sends answers
// that are sealed all the same, and every reader (views, exports,
// filters, indicators) withholds them alike whatever the version. The
// rule only ever adds sensitivity: publishing a version that drops the
// mark does not unseal anything.
//
// The versions are known from the form record, cached for RecordCacheTTL:
// an instance learns of a version another one published within that time.
func (c *Catalog) Compiled(ctx context.Context, id string, n int) (*schema.Form, error) {
	sf, err := c.compiledAsPublished(ctx, id, n)
	if err != nil {
		return nil, err
	}
	latest := n
	if f, err := c.Form(ctx, id); err == nil {
		latest = max(latest, f.CurrentVersion)
	} else if e := (*Error)(nil); !errors.As(err, &e) || e.Code != CodeNotFound {
		return nil, err
	}
	key := id + "@" + strconv.Itoa(n) + "@" + strconv.Itoa(latest)
	if m, ok := c.marked.Load(key); ok {
		return m.(*schema.Form), nil
	}
	paths, err := c.sealedPaths(ctx, id, latest)
	if err != nil {
		return nil, err
	}
	actual, _ := c.marked.LoadOrStore(key, sf.WithSensitive(paths))
	return actual.(*schema.Form), nil
}

// SealedPaths returns the paths (schema.Field.Path) of the fields sealed
// in every version of a form: those marked x-sensitive in any published
// version.
func (c *Catalog) SealedPaths(ctx context.Context, id string) (map[string]bool, error) {
	f, err := c.Form(ctx, id)
	if err != nil {
		return nil, err
	}
	return c.sealedPaths(ctx, id, f.CurrentVersion)
}

func (c *Catalog) sealedPaths(ctx context.Context, id string, latest int) (map[string]bool, error) {
	key := id + "@" + strconv.Itoa(latest)
	if p, ok := c.sealed.Load(key); ok {
		return p.(map[string]bool), nil
	}
	forms := make([]*schema.Form, 0, latest)
	for v := 1; v <= latest; v++ {
		sf, err := c.compiledAsPublished(ctx, id, v)
		if err != nil {
			return nil, err
		}
		forms = append(forms, sf)
	}
	actual, _ := c.sealed.LoadOrStore(key, schema.SensitivePaths(forms...))
	return actual.(map[string]bool), nil
}

// compiledAsPublished returns the compiled schema of a version exactly as
// published, compiling it once: what publishing and diffs compare.
func (c *Catalog) compiledAsPublished(ctx context.Context, id string, n int) (*schema.Form, error) {
	key := id + "@" + strconv.Itoa(n)
	if sf, ok := c.compiled.Load(key); ok {
		return sf.(*schema.Form), nil
	}
	v, err := c.Version(ctx, id, n)
	if err != nil {
		return nil, err
	}
	sf, err := schema.Compile(v.Schema)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", key, err)
	}
	actual, _ := c.compiled.LoadOrStore(key, sf)
	return actual.(*schema.Form), nil
}
