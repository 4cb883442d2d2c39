package sqlite

import (
	"context"
	"database/sql"

	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/khaosat/khaosat/internal/registry"
	"github.com/khaosat/khaosat/internal/survey"
)

// reader adapts the pool of readers to the Query the helpers take.
type reader struct {
	ctx context.Context
	db  *sql.DB
}

func (r reader) Query(q string, args ...any) (*sql.Rows, error) {
	return r.db.QueryContext(r.ctx, q, args...)
}

func one[T any](list []T, err error, what string) (*T, error) {
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("find %s: %w", what, survey.ErrNotFound)
	}
	return &list[0], nil
}

// RegistryHousehold returns a household's current state.
func (s *Store) RegistryHousehold(ctx context.Context, id string) (*registry.Household, error) {
	hs, err := docs[registry.Household](reader{ctx, s.r}, "read a household", `SELECT doc FROM reg_households WHERE id = ?`, id)
	return one(hs, err, "household")
}

// RegistryHouseholdVisits returns every stored visit of a household.
func (s *Store) RegistryHouseholdVisits(ctx context.Context, id string) ([]registry.Visit, error) {
	return docs[registry.Visit](reader{ctx, s.r}, "read visits", `SELECT doc FROM reg_visits WHERE household = ? ORDER BY submission`, id)
}

// RegistryHouseholdStays returns the stays in a household.
func (s *Store) RegistryHouseholdStays(ctx context.Context, id string) ([]registry.Stay, error) {
	return docs[registry.Stay](reader{ctx, s.r}, "read stays", `SELECT doc FROM reg_stays WHERE household = ? ORDER BY child, from_day`, id)
}

// RegistryChild returns a child's current state.
func (s *Store) RegistryChild(ctx context.Context, id string) (*registry.Child, error) {
	cs, err := docs[registry.Child](reader{ctx, s.r}, "read a child", `SELECT doc FROM reg_children WHERE id = ?`, id)
	return one(cs, err, "child")
}

// RegistryChildStays returns a child's stays in every household.
func (s *Store) RegistryChildStays(ctx context.Context, id string) ([]registry.Stay, error) {
	return docs[registry.Stay](reader{ctx, s.r}, "read stays", `SELECT doc FROM reg_stays WHERE child = ? ORDER BY household, from_day`, id)
}

// RegistryChildFollowUps returns the follow-ups naming a child.
func (s *Store) RegistryChildFollowUps(ctx context.Context, id string) ([]registry.FollowUp, error) {
	return docs[registry.FollowUp](reader{ctx, s.r}, "read follow-ups", `SELECT doc FROM reg_followups WHERE child = ? ORDER BY submission`, id)
}

// RegistrySurvivor returns the record an alias was merged into.
func (s *Store) RegistrySurvivor(ctx context.Context, kind, id string) (string, error) {
	v, err := strs(reader{ctx, s.r}, "read an alias", `SELECT survivor FROM reg_aliases WHERE kind = ? AND alias = ?`, kind, id)
	if err != nil || len(v) == 0 {
		return "", err
	}
	return v[0], nil
}

// RegistryAliases returns the aliases merged into a record.
func (s *Store) RegistryAliases(ctx context.Context, kind, id string) ([]string, error) {
	return strs(reader{ctx, s.r}, "read aliases", `SELECT alias FROM reg_aliases WHERE kind = ? AND survivor = ? ORDER BY alias`, kind, id)
}

// RegistryCandidates returns the candidates no standing decision
// settles, of records of the communes (nil: all); a pair shows when
// either record is in them.
func (s *Store) RegistryCandidates(ctx context.Context, kind string, communes []string, limit int) ([]registry.Candidate, error) {
	table := "reg_children"
	if kind == registry.KindHousehold {
		table = "reg_households"
	}
	q := `SELECT c.a, c.b, c.rule FROM reg_candidates c WHERE c.kind = ?
		AND NOT EXISTS (SELECT 1 FROM reg_decisions d WHERE d.kind = c.kind AND d.a = c.a AND d.b = c.b AND d.undone_at IS NULL)`
	args := []any{kind}
	if communes != nil {
		if len(communes) == 0 {
			return nil, nil
		}
		in := "(?" + strings.Repeat(", ?", len(communes)-1) + ")"
		q += ` AND EXISTS (SELECT 1 FROM ` + table + ` r WHERE r.id IN (c.a, c.b) AND r.commune IN ` + in + `)`
		for _, c := range communes {
			args = append(args, c)
		}
	}
	q += ` ORDER BY c.a, c.b LIMIT ?`
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, translate("list candidates", err)
	}
	defer rows.Close()
	var out []registry.Candidate
	for rows.Next() {
		c := registry.Candidate{Kind: kind}
		if err := rows.Scan(&c.A, &c.B, &c.Rule); err != nil {
			return nil, translate("list candidates", err)
		}
		out = append(out, c)
	}
	return out, translate("list candidates", rows.Err())
}

// RegistryDecide records a decision and applies it in one transaction.
// The unique index on a pair's standing decision lets one of concurrent
// decisions on a pair win.
func (s *Store) RegistryDecide(ctx context.Context, d *registry.Decision) error {
	doc, err := jsonOf(d)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *wtx) error {
		r := regTx{tx}
		if d.Action == registry.ActionMerge {
			for _, id := range []string{d.Survivor, d.Alias} {
				if sv, err := r.Survivor(ctx, d.Kind, id); err != nil {
					return err
				} else if sv != "" {
					return fmt.Errorf("merge: %s is an alias already: %w", id, survey.ErrDuplicate)
				}
			}
		}
		if _, err := tx.Exec(`INSERT INTO reg_decisions (id, kind, action, a, b, doc) VALUES (?, ?, ?, ?, ?, ?)`, d.ID, d.Kind, d.Action, d.A, d.B, doc); err != nil {
			return translate("record a decision", err)
		}
		if d.Action != registry.ActionMerge {
			return nil
		}
		if _, err := tx.Exec(`INSERT INTO reg_aliases (kind, alias, survivor, decision) VALUES (?, ?, ?, ?)`, d.Kind, d.Alias, d.Survivor, d.ID); err != nil {
			return translate("record an alias", err)
		}
		return s.refreshAfterDecision(ctx, r, d)
	})
}

// refreshAfterDecision finds the candidates of both records of d again
// (an alias has none) and tells the phones.
func (s *Store) refreshAfterDecision(ctx context.Context, r regTx, d *registry.Decision) error {
	for _, id := range []string{d.A, d.B} {
		if d.Kind == registry.KindHousehold {
			h, err := r.Household(ctx, id)
			if err != nil {
				return err
			}
			if err := registry.RefreshHouseholdCandidates(ctx, r, id, h); err != nil {
				return err
			}
			if h != nil {
				if err := r.Changed(ctx, d.Kind, id, h.Commune); err != nil {
					return err
				}
			}
			continue
		}
		c, err := r.Child(ctx, id)
		if err != nil {
			return err
		}
		var keys []string
		if c != nil {
			keys = s.linker.ChildKeys(c)
		}
		if err := registry.RefreshChildCandidates(ctx, r, id, c, keys); err != nil {
			return err
		}
		if c != nil {
			if err := r.Changed(ctx, d.Kind, id, c.Commune); err != nil {
				return err
			}
		}
	}
	return nil
}

// RegistryUndo undoes a standing decision: of concurrent undos one wins.
func (s *Store) RegistryUndo(ctx context.Context, id, by string, at time.Time) (*registry.Decision, error) {
	var d registry.Decision
	err := s.write(ctx, func(tx *wtx) error {
		ds, err := docs[registry.Decision](tx, "read a decision", `SELECT doc FROM reg_decisions WHERE id = ? AND undone_at IS NULL`, id)
		if err != nil {
			return err
		}
		if len(ds) == 0 {
			return fmt.Errorf("undo a decision: %w", survey.ErrNotFound)
		}
		d = ds[0]
		d.UndoneAt, d.UndoneBy = &at, by
		doc, err := jsonOf(d)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE reg_decisions SET undone_at = ?, doc = ? WHERE id = ?`, ms(at), doc, id); err != nil {
			return translate("undo a decision", err)
		}
		if d.Action != registry.ActionMerge {
			return nil
		}
		if _, err := tx.Exec(`DELETE FROM reg_aliases WHERE kind = ? AND alias = ? AND decision = ?`, d.Kind, d.Alias, d.ID); err != nil {
			return translate("undo a merge", err)
		}
		return s.refreshAfterDecision(ctx, regTx{tx}, &d)
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// RegistryDecision returns one decision.
func (s *Store) RegistryDecision(ctx context.Context, id string) (*registry.Decision, error) {
	ds, err := docs[registry.Decision](reader{ctx, s.r}, "read a decision", `SELECT doc FROM reg_decisions WHERE id = ?`, id)
	return one(ds, err, "decision")
}

// RegistryChanges returns the feed's entries of the communes after seq.
func (s *Store) RegistryChanges(ctx context.Context, communes []string, after int64, limit int) ([]registry.Change, error) {
	if len(communes) == 0 {
		return nil, nil
	}
	args := []any{after}
	for _, c := range communes {
		args = append(args, c)
	}
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, `SELECT seq, kind, id, commune FROM reg_changes WHERE seq > ? AND commune IN (?`+
		strings.Repeat(", ?", len(communes)-1)+`) ORDER BY seq LIMIT ?`, args...)
	if err != nil {
		return nil, translate("read registry changes", err)
	}
	defer rows.Close()
	var out []registry.Change
	for rows.Next() {
		var c registry.Change
		if err := rows.Scan(&c.Seq, &c.Kind, &c.ID, &c.Commune); err != nil {
			return nil, translate("read registry changes", err)
		}
		out = append(out, c)
	}
	return out, translate("read registry changes", rows.Err())
}

// RegistrySnapshot reads everything the registry derives.
func (s *Store) RegistrySnapshot(ctx context.Context) (*registry.Snapshot, error) {
	r := reader{ctx, s.r}
	var snap registry.Snapshot
	var err error
	if snap.Households, err = docs[registry.Household](r, "snapshot", `SELECT doc FROM reg_households ORDER BY id`); err != nil {
		return nil, err
	}
	if snap.Stays, err = docs[registry.Stay](r, "snapshot", `SELECT doc FROM reg_stays ORDER BY child, household, from_day`); err != nil {
		return nil, err
	}
	if snap.Children, err = docs[registry.Child](r, "snapshot", `SELECT doc FROM reg_children ORDER BY id`); err != nil {
		return nil, err
	}
	keys, err := strs(r, "snapshot", `SELECT dkey || char(9) || child FROM reg_child_keys ORDER BY dkey, child`)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		a, b, _ := strings.Cut(k, "\t")
		snap.ChildKeys = append(snap.ChildKeys, [2]string{a, b})
	}
	cs, err := strs(r, "snapshot", `SELECT kind || char(9) || a || char(9) || b || char(9) || rule FROM reg_candidates ORDER BY kind, a, b`)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		p := strings.Split(c, "\t")
		snap.Candidates = append(snap.Candidates, registry.Candidate{Kind: p[0], A: p[1], B: p[2], Rule: p[3]})
	}
	return &snap, nil
}

// RebuildRegistry empties what the registry derives and projects every
// stored submission again, in the order they were acknowledged, in one
// transaction: readers see the old registry or the new one.
func (s *Store) RebuildRegistry(ctx context.Context, observe func(context.Context, *survey.Submission) (*registry.Observation, error)) error {
	return s.write(ctx, func(tx *wtx) error {
		for _, t := range []string{"reg_visits", "reg_followups", "reg_households", "reg_stays", "reg_children", "reg_child_keys", "reg_candidates"} {
			if _, err := tx.Exec(`DELETE FROM ` + t); err != nil {
				return translate("empty the registry", err)
			}
		}
		rows, err := tx.Query(`SELECT doc FROM submissions ORDER BY received_at, id`)
		if err != nil {
			return translate("rebuild the registry", err)
		}
		var subs []*survey.Submission
		for rows.Next() {
			var doc []byte
			if err := rows.Scan(&doc); err != nil {
				rows.Close()
				return translate("rebuild the registry", err)
			}
			sub, err := decodeSubmission(doc)
			if err != nil {
				rows.Close()
				return err
			}
			subs = append(subs, sub)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return translate("rebuild the registry", err)
		}
		sort.SliceStable(subs, func(i, j int) bool { return subs[i].ReceivedAt.Before(subs[j].ReceivedAt) })
		for _, sub := range subs {
			o, err := observe(ctx, sub)
			if err != nil {
				return err
			}
			if o == nil {
				continue
			}
			if err := registry.Project(ctx, regTx{tx}, s.linker, o); err != nil {
				return err
			}
		}
		return nil
	})
}

// RegistryNeedsRebuild reports whether the registry is empty while
// submissions it is made of exist: a database from before the registry
// (migration 0007), whose registry is then built once from them.
func (s *Store) RegistryNeedsRebuild(ctx context.Context) (bool, error) {
	var have, subs bool
	err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM reg_visits) OR EXISTS (SELECT 1 FROM reg_followups),
		EXISTS (SELECT 1 FROM submissions WHERE form IN ('household', 'disability', 'labour'))`).Scan(&have, &subs)
	if err != nil {
		return false, translate("look at the registry", err)
	}
	return !have && subs, nil
}
