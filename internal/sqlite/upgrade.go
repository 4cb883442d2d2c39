package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/survey"
)

// Option changes how Open opens a database.
type Option func(*options)

type options struct {
	readBSON func([]byte) (map[string]any, error)
}

// ReadingBSON gives Open the reader of the BSON documents that databases
// of schema versions before 6 hold: read turns one document into plain Go
// values (map[string]any, []any, string, bool, nil, int64, float64,
// time.Time in UTC, []byte). Migration 0006 reads every such document
// with it and stores it again as JSON. This package reads no BSON itself
// (it imports no MongoDB package): the caller that wires the stores hands
// the MongoDB adapter's reader in. Without it, a database that still
// holds BSON documents is not opened.
func ReadingBSON(read func([]byte) (map[string]any, error)) Option {
	return func(o *options) { o.readBSON = read }
}

// errNeedsBSON is a database of documents stored before migration 0006
// opened without ReadingBSON.
var errNeedsBSON = errors.New("the database holds documents of schema version 5 or earlier (BSON), and no BSON reader was given to convert them")

// upgrades are the steps of migrations that SQL cannot do alone, run
// after the migration's SQL in its transaction, by version.
var upgrades = map[int]func(ctx context.Context, tx *sql.Tx, o *options) error{
	6: documentsToJSON,
}

// docTable is a table with a doc column: its primary key (in order) and
// how one of its documents, read as plain values, is stored as JSON.
type docTable struct {
	name    string
	key     []string
	convert func(plain map[string]any) (string, error)
}

var docTables = []docTable{
	{"submissions", []string{"rowid"}, submissionFromPlain},
	{"submission_history", []string{"submission", "revision"}, submissionFromPlain},
	{"comments", []string{"id"}, viaJSON[commentDoc]},
	{"users", []string{"id"}, viaJSON[account.User]},
	{"forms", []string{"id"}, viaJSON[survey.Form]},
	{"form_versions", []string{"form", "version"}, viaJSON[survey.FormVersion]},
	{"form_drafts", []string{"form"}, viaJSON[survey.Draft]},
	{"refresh_tokens", []string{"hash"}, viaJSON[account.RefreshToken]},
	{"enrollments", []string{"hash"}, viaJSON[account.Enrollment]},
	{"audit", []string{"id"}, auditFromPlain},
	{"attachments", []string{"seq"}, viaJSON[survey.Attachment]},
	{"webhooks", []string{"id"}, viaJSON[survey.Webhook]},
	{"webhook_deliveries", []string{"id"}, viaJSON[survey.Delivery]},
}

// documentsToJSON is migration 0006: every document stored as BSON (a
// blob) is read and stored again as JSON text, in place, table by table
// in primary key order, a page at a time. A document already JSON (text)
// is left as it is.
func documentsToJSON(ctx context.Context, tx *sql.Tx, o *options) error {
	for _, t := range docTables {
		if err := t.toJSON(ctx, tx, o); err != nil {
			return fmt.Errorf("convert %s to JSON: %w", t.name, err)
		}
	}
	return nil
}

const upgradePage = 256

func (t docTable) toJSON(ctx context.Context, tx *sql.Tx, o *options) error {
	cols := strings.Join(t.key, ", ")
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(t.key)), ", ")
	where := "(" + cols + ") > (" + marks + ")"
	if len(t.key) == 1 {
		where = cols + " > ?"
	}
	first := "SELECT " + cols + ", doc FROM " + t.name + " ORDER BY " + cols + " LIMIT ?"
	next := "SELECT " + cols + ", doc FROM " + t.name + " WHERE " + where + " ORDER BY " + cols + " LIMIT ?"
	conds := make([]string, len(t.key))
	for i, k := range t.key {
		conds[i] = k + " = ?"
	}
	update := "UPDATE " + t.name + " SET doc = ? WHERE " + strings.Join(conds, " AND ")
	var after []any
	for {
		var rows *sql.Rows
		var err error
		if after == nil {
			rows, err = tx.QueryContext(ctx, first, upgradePage)
		} else {
			rows, err = tx.QueryContext(ctx, next, append(after, upgradePage)...)
		}
		if err != nil {
			return err
		}
		type row struct {
			key []any
			doc any
		}
		var page []row
		for rows.Next() {
			r := row{key: make([]any, len(t.key))}
			dest := make([]any, len(t.key)+1)
			for i := range r.key {
				dest[i] = &r.key[i]
			}
			dest[len(t.key)] = &r.doc
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return err
			}
			page = append(page, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range page {
			raw, ok := r.doc.([]byte) // BSON was written as a blob, JSON is text
			if !ok {
				continue
			}
			if o.readBSON == nil {
				return errNeedsBSON
			}
			plain, err := o.readBSON(raw)
			if err != nil {
				return fmt.Errorf("read the document of %v: %w", r.key, err)
			}
			text, err := t.convert(plain)
			if err != nil {
				return fmt.Errorf("convert the document of %v: %w", r.key, err)
			}
			if _, err := tx.ExecContext(ctx, update, append([]any{text}, r.key...)...); err != nil {
				return err
			}
		}
		if len(page) < upgradePage {
			return nil
		}
		after = page[len(page)-1].key
	}
}

// viaJSON stores a record whose plain values are those of the struct T:
// they pass through JSON into T (BSON's lower-case field names match T's
// fields, as encoding/json matches names without regard to case; times
// and bytes come back as they were) and T is stored as every T is.
func viaJSON[T any](plain map[string]any) (string, error) {
	b, err := json.Marshal(plain)
	if err != nil {
		return "", err
	}
	v := new(T)
	if err := json.Unmarshal(b, v); err != nil {
		return "", err
	}
	return encode(v)
}

// submissionFromPlain stores a submission document: its answers are
// taken as they are (plain values are storage form), the rest passes
// through JSON into submissionDoc, whose names are the BSON document's.
func submissionFromPlain(plain map[string]any) (string, error) {
	data, _ := plain["data"].(map[string]any)
	if v, ok := plain["data"]; ok && v != nil && data == nil {
		return "", fmt.Errorf("data is a %T", v)
	}
	rest := make(map[string]any, len(plain))
	for k, v := range plain {
		if k != "data" {
			rest[k] = v
		}
	}
	b, err := json.Marshal(rest)
	if err != nil {
		return "", err
	}
	var d submissionDoc
	if err := json.Unmarshal(b, &d); err != nil {
		return "", err
	}
	if data == nil {
		data = map[string]any{}
	}
	return encodeSubmission(d.submission(data))
}

// auditFromPlain stores an audit entry's document, its details taken as
// they are.
func auditFromPlain(plain map[string]any) (string, error) {
	e := &survey.AuditEntry{}
	e.Role = survey.Role(str(plain["role"]))
	e.Target = str(plain["target"])
	if d, ok := plain["details"].(map[string]any); ok {
		e.Details = d
	}
	return encodeAudit(e)
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
