package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/khaosat/khaosat/internal/registry"
	"github.com/khaosat/khaosat/internal/survey"
)

// The registry of households and children lives in the reg_* tables
// (migration 0007). What a submission tells it is projected inside the
// submission's own transaction (putRegistry, called where its facts are
// written), so the registry never shows a submission the database does
// not hold, nor misses one it does.

// UseLinker gives the store the 2025 commune mapping the duplicate
// candidates of children are found across. Without it each commune is
// its own match area.
func (s *Store) UseLinker(l *registry.Linker) { s.linker = l }

// putRegistry projects what f tells the registry (nothing when f or its
// Registry is nil) inside tx.
func putRegistry(tx *wtx, f *survey.Facts) error {
	if f == nil || f.Registry == nil {
		return nil
	}
	o, ok := f.Registry.(*registry.Observation)
	if !ok {
		return fmt.Errorf("registry: an observation of type %T", f.Registry)
	}
	return registry.Project(context.Background(), regTx{tx}, tx.s.linker, o)
}

// regTx is registry.Tx over one write transaction.
type regTx struct{ tx *wtx }

func jsonOf(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func (r regTx) PutObservation(ctx context.Context, o *registry.Observation) (*registry.Observation, error) {
	prev := &registry.Observation{SubmissionID: o.SubmissionID}
	var doc string
	err := r.tx.QueryRow(`SELECT doc FROM reg_visits WHERE submission = ?`, o.SubmissionID).Scan(&doc)
	switch {
	case err == nil:
		prev.Visit = new(registry.Visit)
		if err := json.Unmarshal([]byte(doc), prev.Visit); err != nil {
			return nil, fmt.Errorf("read a visit: %w", err)
		}
	case !errors.Is(err, sql.ErrNoRows):
		return nil, translate("read a visit", err)
	}
	err = r.tx.QueryRow(`SELECT doc FROM reg_followups WHERE submission = ?`, o.SubmissionID).Scan(&doc)
	switch {
	case err == nil:
		prev.FollowUp = new(registry.FollowUp)
		if err := json.Unmarshal([]byte(doc), prev.FollowUp); err != nil {
			return nil, fmt.Errorf("read a follow-up: %w", err)
		}
	case !errors.Is(err, sql.ErrNoRows):
		return nil, translate("read a follow-up", err)
	}
	if _, err := r.tx.Exec(`DELETE FROM reg_visits WHERE submission = ?`, o.SubmissionID); err != nil {
		return nil, translate("replace a visit", err)
	}
	if _, err := r.tx.Exec(`DELETE FROM reg_followups WHERE submission = ?`, o.SubmissionID); err != nil {
		return nil, translate("replace a follow-up", err)
	}
	if o.Visit != nil {
		doc, err := jsonOf(o.Visit)
		if err != nil {
			return nil, err
		}
		if _, err := r.tx.Exec(`INSERT INTO reg_visits (submission, household, doc) VALUES (?, ?, ?)`, o.SubmissionID, o.Visit.HouseholdID, doc); err != nil {
			return nil, translate("write a visit", err)
		}
	}
	if o.FollowUp != nil {
		doc, err := jsonOf(o.FollowUp)
		if err != nil {
			return nil, err
		}
		if _, err := r.tx.Exec(`INSERT INTO reg_followups (submission, child, doc) VALUES (?, ?, ?)`, o.SubmissionID, o.FollowUp.ChildID, doc); err != nil {
			return nil, translate("write a follow-up", err)
		}
	}
	if prev.Visit == nil && prev.FollowUp == nil {
		return nil, nil
	}
	return prev, nil
}

// docs reads the JSON docs a query returns into a slice of T.
func docs[T any](q interface {
	Query(string, ...any) (*sql.Rows, error)
}, op, query string, args ...any) ([]T, error) {
	rows, err := q.Query(query, args...)
	if err != nil {
		return nil, translate(op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, translate(op, err)
		}
		var v T
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		out = append(out, v)
	}
	return out, translate(op, rows.Err())
}

// strs reads the one text column a query returns.
func strs(q interface {
	Query(string, ...any) (*sql.Rows, error)
}, op, query string, args ...any) ([]string, error) {
	rows, err := q.Query(query, args...)
	if err != nil {
		return nil, translate(op, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, translate(op, err)
		}
		out = append(out, s)
	}
	return out, translate(op, rows.Err())
}

func (r regTx) HouseholdVisits(ctx context.Context, id string) ([]registry.Visit, error) {
	return docs[registry.Visit](r.tx, "read visits", `SELECT doc FROM reg_visits WHERE household = ?`, id)
}

func (r regTx) HouseholdStays(ctx context.Context, id string) ([]registry.Stay, error) {
	return docs[registry.Stay](r.tx, "read stays", `SELECT doc FROM reg_stays WHERE household = ? ORDER BY child, from_day`, id)
}

func (r regTx) PutHousehold(ctx context.Context, id string, h *registry.Household, stays []registry.Stay) error {
	if _, err := r.tx.Exec(`DELETE FROM reg_stays WHERE household = ?`, id); err != nil {
		return translate("replace stays", err)
	}
	if _, err := r.tx.Exec(`DELETE FROM reg_households WHERE id = ?`, id); err != nil {
		return translate("replace a household", err)
	}
	if h == nil {
		return nil
	}
	doc, err := jsonOf(h)
	if err != nil {
		return err
	}
	if _, err := r.tx.Exec(`INSERT INTO reg_households (id, commune, dkey, doc) VALUES (?, ?, ?, ?)`, id, h.Commune, h.Key(), doc); err != nil {
		return translate("write a household", err)
	}
	for _, s := range stays {
		doc, err := jsonOf(s)
		if err != nil {
			return err
		}
		if _, err := r.tx.Exec(`INSERT INTO reg_stays (child, household, from_day, seen, doc) VALUES (?, ?, ?, ?, ?)`, s.ChildID, id, ms(s.From), s.Latest.Key(), doc); err != nil {
			return translate("write a stay", err)
		}
	}
	return nil
}

func (r regTx) Household(ctx context.Context, id string) (*registry.Household, error) {
	hs, err := docs[registry.Household](r.tx, "read a household", `SELECT doc FROM reg_households WHERE id = ?`, id)
	if err != nil || len(hs) == 0 {
		return nil, err
	}
	return &hs[0], nil
}

func (r regTx) HouseholdsWithKey(ctx context.Context, key string, limit int) ([]string, error) {
	return strs(r.tx, "find households by key", `SELECT id FROM reg_households WHERE dkey = ? ORDER BY id LIMIT ?`, key, limit)
}

func (r regTx) LatestStay(ctx context.Context, id string) (*registry.Stay, error) {
	ss, err := docs[registry.Stay](r.tx, "read stays", `SELECT doc FROM reg_stays WHERE child = ? ORDER BY seen DESC LIMIT 1`, id)
	if err != nil || len(ss) == 0 {
		return nil, err
	}
	return &ss[0], nil
}

func (r regTx) ChildFollowUps(ctx context.Context, id string) ([]registry.FollowUp, error) {
	return docs[registry.FollowUp](r.tx, "read follow-ups", `SELECT doc FROM reg_followups WHERE child = ? ORDER BY submission`, id)
}

func (r regTx) Child(ctx context.Context, id string) (*registry.Child, error) {
	cs, err := docs[registry.Child](r.tx, "read a child", `SELECT doc FROM reg_children WHERE id = ?`, id)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	return &cs[0], nil
}

func (r regTx) PutChild(ctx context.Context, id string, c *registry.Child, keys []string) error {
	if _, err := r.tx.Exec(`DELETE FROM reg_child_keys WHERE child = ?`, id); err != nil {
		return translate("replace child keys", err)
	}
	if _, err := r.tx.Exec(`DELETE FROM reg_children WHERE id = ?`, id); err != nil {
		return translate("replace a child", err)
	}
	if c == nil {
		return nil
	}
	doc, err := jsonOf(c)
	if err != nil {
		return err
	}
	if _, err := r.tx.Exec(`INSERT INTO reg_children (id, commune, name_key, doc) VALUES (?, ?, ?, ?)`, id, c.Commune, c.NameKey, doc); err != nil {
		return translate("write a child", err)
	}
	for _, k := range keys {
		if _, err := r.tx.Exec(`INSERT OR IGNORE INTO reg_child_keys (dkey, child) VALUES (?, ?)`, k, id); err != nil {
			return translate("write child keys", err)
		}
	}
	return nil
}

func (r regTx) ChildrenWithKeys(ctx context.Context, keys []string, limit int) ([]string, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	return strs(r.tx, "find children by key", `SELECT DISTINCT child FROM reg_child_keys WHERE dkey IN (?`+strings.Repeat(", ?", len(keys)-1)+`) ORDER BY child LIMIT ?`, append(args, limit)...)
}

func (r regTx) Survivor(ctx context.Context, kind, id string) (string, error) {
	var s string
	err := r.tx.QueryRow(`SELECT survivor FROM reg_aliases WHERE kind = ? AND alias = ?`, kind, id).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return s, translate("read an alias", err)
}

func (r regTx) ReplaceCandidates(ctx context.Context, kind, id string, cs []registry.Candidate) error {
	if _, err := r.tx.Exec(`DELETE FROM reg_candidates WHERE kind = ? AND (a = ? OR b = ?)`, kind, id, id); err != nil {
		return translate("replace candidates", err)
	}
	for _, c := range cs {
		if _, err := r.tx.Exec(`INSERT OR IGNORE INTO reg_candidates (kind, a, b, rule) VALUES (?, ?, ?, ?)`, c.Kind, c.A, c.B, c.Rule); err != nil {
			return translate("write candidates", err)
		}
	}
	return nil
}

func (r regTx) Changed(ctx context.Context, kind, id string, communes ...string) error {
	for _, c := range communes {
		if _, err := r.tx.Exec(`INSERT INTO reg_changes (kind, id, commune) VALUES (?, ?, ?)`, kind, id, c); err != nil {
			return translate("record a registry change", err)
		}
	}
	return nil
}

// Query runs query with args, through its prepared statement if it has
// one (see Exec): the registry's reads inside a write.
func (tx *wtx) Query(query string, args ...any) (*sql.Rows, error) {
	if st, ok := tx.s.stmts[query]; ok {
		return tx.Stmt(st).Query(args...)
	}
	tx.s.unprepared[query] = true
	return tx.Tx.Query(query, args...)
}
