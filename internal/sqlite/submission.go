package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/khaosat/khaosat/internal/survey"
)

// CreateSubmission stores a new submission, its change event and its
// facts in one transaction; the event's number is the rowid the insert
// takes inside it.
func (s *Store) CreateSubmission(ctx context.Context, sub *survey.Submission, e *survey.Event, f *survey.Facts) error {
	doc, err := encodeSubmission(sub)
	if err != nil {
		return err
	}
	if err := s.room(int64(len(doc))); err != nil {
		return err
	}
	return s.write(ctx, func(tx *wtx) error {
		if err := checkNotPurged(tx, sub.ID); err != nil {
			return err
		}
		if err := insertSubmission(tx, sub, doc); err != nil {
			return err
		}
		if err := putFacts(tx, sub.ID, f, true); err != nil {
			return err
		}
		return insertEvent(tx, e)
	})
}

// checkNotPurged returns ErrDuplicate if id belonged to a purged
// submission: the id stays taken.
func checkNotPurged(tx *wtx, id string) error {
	var one int
	err := tx.QueryRow(`SELECT 1 FROM purged_submissions WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return translate("insert submission", err)
	}
	return fmt.Errorf("insert submission: the id of a purged submission: %w", survey.ErrDuplicate)
}

func insertSubmission(tx *wtx, sub *survey.Submission, doc string) error {
	_, err := tx.Exec(`INSERT INTO submissions (id, form, form_version, unit, survey_date, collector, collector_name, received_at, revision, review_state, deleted_at, sealed_key, doc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sub.ID, sub.FormID, sub.FormVersion, sub.Unit, ms(sub.SurveyDate), sub.Collector, sub.CollectorName, ms(sub.ReceivedAt), sub.Revision,
		sub.ReviewState, msPtr(sub.DeletedAt), sealedKey(sub), doc)
	return translate("insert submission", err)
}

func sealedKey(sub *survey.Submission) any {
	if sub.Sealed == nil {
		return nil
	}
	return sub.Sealed.KeyID
}

// matchWhere is the condition that submission id is still in the state m.
func matchWhere(id string, m survey.Match) (string, []any) {
	if m.DeletedAt == nil {
		return "id = ? AND revision = ? AND review_state = ? AND deleted_at IS NULL", []any{id, m.Revision, m.ReviewState}
	}
	return "id = ? AND revision = ? AND review_state = ? AND deleted_at = ?", []any{id, m.Revision, m.ReviewState, ms(*m.DeletedAt)}
}

// UpdateSubmission applies a change in one transaction if the stored
// submission still matches c.Match: the compare and the set happen under
// the single writer, so of concurrent changes of one revision one wins.
func (s *Store) UpdateSubmission(ctx context.Context, c *survey.SubmissionChange) error {
	next, err := encodeSubmission(c.Next)
	if err != nil {
		return err
	}
	var hist string
	if c.History != nil {
		if hist, err = encodeSubmission(c.History); err != nil {
			return err
		}
	}
	var comment string
	if c.Comment != nil {
		if comment, err = encodeComment(c.Comment); err != nil {
			return err
		}
	}
	n := c.Next
	return s.write(ctx, func(tx *wtx) error {
		cond, margs := matchWhere(n.ID, c.Match)
		q := `UPDATE submissions SET form = ?, form_version = ?, unit = ?, survey_date = ?, collector = ?, collector_name = ?, received_at = ?,
			revision = ?, review_state = ?, deleted_at = ?, sealed_key = ?, doc = ? WHERE ` + cond
		args := append([]any{n.FormID, n.FormVersion, n.Unit, ms(n.SurveyDate), n.Collector, n.CollectorName, ms(n.ReceivedAt), n.Revision, n.ReviewState,
			msPtr(n.DeletedAt), sealedKey(n), next}, margs...)
		r, err := tx.Exec(q, args...)
		if err != nil {
			return translate("update submission", err)
		}
		if k, _ := r.RowsAffected(); k == 0 {
			return translate("update submission", errNoMatch)
		}
		if hist != "" {
			_, err := tx.Exec(`INSERT OR IGNORE INTO submission_history (submission, revision, doc) VALUES (?, ?, ?)`, c.History.ID, c.History.Revision, hist)
			if err != nil {
				return translate("keep history", err)
			}
		}
		if comment != "" {
			if err := insertComment(tx, c.Comment, comment); err != nil {
				return err
			}
		}
		if err := putFacts(tx, n.ID, c.Facts, false); err != nil {
			return err
		}
		return insertEvent(tx, c.Event)
	})
}

// Submission finds a submission by id.
func (s *Store) Submission(ctx context.Context, id string) (*survey.Submission, error) {
	var doc []byte
	if err := s.r.QueryRowContext(ctx, `SELECT doc FROM submissions WHERE id = ?`, id).Scan(&doc); err != nil {
		return nil, translate("find submission", err)
	}
	return decodeSubmission(doc)
}

// where collects the conditions and arguments of a query.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// scope adds "survey date in a hierarchy's period and unit among its
// communes", one alternative per hierarchy.
func (w *where) scope(parts []survey.ScopePart) {
	var alts []string
	for _, p := range parts {
		if len(p.Communes) == 0 {
			continue
		}
		c := "(survey_date >= ?"
		w.args = append(w.args, ms(p.From))
		if !p.To.IsZero() {
			c += " AND survey_date <= ?"
			w.args = append(w.args, ms(p.To))
		}
		c += " AND unit IN (" + placeholders(len(p.Communes)) + "))"
		for _, u := range p.Communes {
			w.args = append(w.args, u)
		}
		alts = append(alts, c)
	}
	if len(alts) == 0 {
		w.conds = append(w.conds, "0") // nothing is visible
		return
	}
	w.conds = append(w.conds, "("+strings.Join(alts, " OR ")+")")
}

// selection is what every query of submissions shares.
func selection(q survey.SubmissionQuery) *where {
	w := &where{}
	if q.Form != "" {
		w.add("form = ?", q.Form)
	}
	if q.Scope != nil {
		w.scope(q.Scope)
	}
	if q.UnitFilter != nil {
		w.scope(q.UnitFilter)
	}
	if q.Collector != "" {
		w.add("collector = ?", q.Collector)
	}
	if q.CollectorName != "" {
		w.add("collector_name = ?", q.CollectorName)
	}
	if !q.From.IsZero() {
		w.add("survey_date >= ?", ms(q.From))
	}
	if !q.To.IsZero() {
		w.add("survey_date <= ?", ms(q.To))
	}
	return w
}

// ListSubmissions returns a page in (received_at, id) order. Conditions
// on answers are checked on the decoded submissions, page by page.
func (s *Store) ListSubmissions(ctx context.Context, q survey.SubmissionQuery) ([]*survey.Submission, error) {
	w := selection(q)
	w.add("deleted_at IS NULL")
	if q.ReviewState != "" {
		w.add("review_state = ?", q.ReviewState)
	}
	limit := q.Limit
	batch := limit
	if len(q.Answers) > 0 {
		batch = max(2*limit, 100)
	}
	var out []*survey.Submission
	after := q.After
	for {
		ww := *w
		ww.conds = append([]string(nil), w.conds...)
		ww.args = append([]any(nil), w.args...)
		if after != nil {
			ww.add("(received_at > ? OR (received_at = ? AND id > ?))", ms(after.ReceivedAt), ms(after.ReceivedAt), after.ID)
		}
		rows, err := s.r.QueryContext(ctx, "SELECT doc FROM submissions"+ww.sql()+" ORDER BY received_at, id LIMIT ?", append(ww.args, batch)...)
		if err != nil {
			return nil, translate("list submissions", err)
		}
		n := 0
		var last *survey.Submission
		for rows.Next() {
			var doc []byte
			if err := rows.Scan(&doc); err != nil {
				rows.Close()
				return nil, translate("list submissions", err)
			}
			sub, err := decodeSubmission(doc)
			if err != nil {
				rows.Close()
				return nil, err
			}
			n++
			last = sub
			if survey.AnswersHold(sub.Data, q.Answers) {
				out = append(out, sub)
				if len(out) == limit {
					break
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate("list submissions", err)
		}
		if len(out) == limit || n < batch || len(q.Answers) == 0 {
			return out, nil
		}
		after = &survey.PageKey{ReceivedAt: last.ReceivedAt, ID: last.ID}
	}
}

// EachSubmission calls fn for every submission (deleted ones too).
func (s *Store) EachSubmission(ctx context.Context, fn func(*survey.Submission) error) error {
	return s.scan(ctx, "SELECT "+docBlob+" FROM submissions ORDER BY rowid", nil, fn)
}

// StreamSubmissions walks the submissions q selects in storage (arrival)
// order, decoding one at a time: memory stays flat whatever the size.
func (s *Store) StreamSubmissions(ctx context.Context, q survey.ExportQuery, fn func(*survey.Submission) error) error {
	// The rowids are selected through the form/unit/date index and the
	// documents read back in rowid order: "WHERE … ORDER BY rowid" had
	// SQLite sort the whole documents in a temporary b-tree before the
	// first row came out (memory and time growing with the export); a
	// list of rowids is small. The conditions on columns the index lacks
	// are checked on the rows as they are read, so that the selection of
	// rowids reads the index alone.
	w := selection(q.SubmissionQuery)
	outer := &where{}
	if q.ReviewState != "" {
		outer.add("review_state = ?", q.ReviewState)
	}
	if q.Version > 0 {
		outer.add("form_version = ?", q.Version)
	}
	if !q.IncludeDeleted {
		outer.add("deleted_at IS NULL")
	}
	query := "SELECT " + docBlob + " FROM submissions WHERE rowid IN (SELECT rowid FROM submissions" + w.sql() + ")"
	for _, c := range outer.conds {
		query += " AND " + c
	}
	return s.scan(ctx, query+" ORDER BY rowid", append(w.args, outer.args...), fn)
}

// docBlob is the document column of a scan, always as a blob: the driver
// reads a blob into a buffer of the row's own, which scanParallel keeps
// without copying, where a text would be read into a buffer it reuses.
// Documents are written as blobs; the cast of a blob changes nothing.
const docBlob = "CAST(doc AS BLOB)"

// scan calls fn for each submission query selects, a docBlob column, in the order of its
// rows. Decoding a document costs about twice what reading it does, so
// when there is more than one CPU the rows are read by one goroutine, in
// batches decoded by as many workers as CPUs, and handed to fn in their
// order, on the caller's goroutine; at most a few batches are in flight,
// so memory stays flat whatever the number of rows.
//
// The rows are read on a connection of the scans' pool: fn may read the
// store (on the other pool) without waiting for a connection a scan holds.
func (s *Store) scan(ctx context.Context, query string, args []any, fn func(*survey.Submission) error) error {
	rows, err := s.scans.QueryContext(ctx, query, args...)
	if err != nil {
		return translate("scan submissions", err)
	}
	workers := runtime.GOMAXPROCS(0)
	if workers < 2 {
		defer rows.Close()
		dec := newDocDecoder()
		var doc sql.RawBytes
		release := s.paced()
		defer func() { release() }()
		for i := 1; rows.Next(); i++ {
			if err := rows.Scan(&doc); err != nil {
				return translate("scan submissions", err)
			}
			sub, err := dec.submission(doc)
			if err != nil {
				return err
			}
			if err := fn(sub); err != nil {
				return err
			}
			if i%scanBatchSize == 0 {
				release()
				release = s.paced()
			}
		}
		if err := rows.Err(); err != nil {
			return translate("scan submissions", err)
		}
		return ctx.Err()
	}
	return s.scanParallel(ctx, rows, workers, fn)
}

// pacedWindow is how long after a write the store counts as taking
// writes, for paced.
const pacedWindow = 100 * time.Millisecond

// paced holds one of the scans' CPU slots (Store.pace) while the store
// takes writes, a write queued within pacedWindow, and nothing
// otherwise; the function it returns gives the slot back. Every stage of
// a scan (reading a batch, decoding it, handing it to the caller) works
// holding a slot and never waits on another stage while it does, so on a
// machine of n CPUs the scans together use at most n/2 of them (at least
// one) while intake runs, and all of them when it does not: an export
// alone runs at full speed, and intake beside exports keeps the rest of
// the machine (BenchmarkExportLoad in cmd/khaosat reports intake-ratio).
func (s *Store) paced() func() {
	if time.Now().UnixNano()-s.lastWrite.Load() > int64(pacedWindow) {
		return func() {}
	}
	s.pace <- struct{}{}
	return func() { <-s.pace }
}

// scanBatch is a run of documents read together and decoded together.
type scanBatch struct {
	docs [][]byte
	subs []*survey.Submission
	err  error
	done chan struct{} // closed once decoded
}

const scanBatchSize = 32

func (s *Store) scanParallel(ctx context.Context, rows *sql.Rows, workers int, fn func(*survey.Submission) error) error {
	stop := make(chan struct{})
	decode := make(chan *scanBatch, workers)
	ordered := make(chan *scanBatch, 2*workers)
	var readErr error
	go func() { // the reader: rows in order, to the decoders and the caller
		defer close(ordered)
		defer close(decode)
		defer rows.Close()
		b := &scanBatch{done: make(chan struct{})}
		send := func() bool {
			select {
			case decode <- b:
			case <-stop:
				return false
			}
			select {
			case ordered <- b:
			case <-stop:
				return false
			}
			b = &scanBatch{done: make(chan struct{})}
			return true
		}
		var doc sql.RawBytes
		release := s.paced()
		for rows.Next() {
			if err := rows.Scan(&doc); err != nil {
				release()
				readErr = translate("scan submissions", err)
				return
			}
			// Not copied: the driver reads every blob into a buffer of
			// its own (see docBlob; TestDriverGivesEachBlobItsOwnBytes
			// holds it to that), which outlives the next row.
			b.docs = append(b.docs, doc)
			if len(b.docs) == scanBatchSize {
				release() // never held across a send
				if !send() {
					return
				}
				release = s.paced()
			}
		}
		release()
		if readErr = rows.Err(); readErr != nil {
			readErr = translate("scan submissions", readErr)
			return
		}
		if len(b.docs) > 0 {
			send()
		}
	}()
	for range workers {
		go func() {
			dec := newDocDecoder()
			for b := range decode {
				release := s.paced()
				b.subs = make([]*survey.Submission, 0, len(b.docs))
				for _, d := range b.docs {
					sub, err := dec.submission(d)
					if err != nil {
						b.err = err
						break
					}
					b.subs = append(b.subs, sub)
				}
				release()
				b.docs = nil
				close(b.done)
			}
		}()
	}
	err := func() error {
		for b := range ordered {
			<-b.done
			release := s.paced()
			for _, sub := range b.subs {
				if err := fn(sub); err != nil {
					release()
					return err
				}
			}
			release()
			if b.err != nil {
				return b.err
			}
		}
		return nil
	}()
	close(stop)
	for b := range ordered { // let the reader finish: it owns rows
		<-b.done
	}
	if err != nil {
		return err
	}
	if readErr != nil { // written before ordered was closed
		return readErr
	}
	return ctx.Err()
}

// History returns the kept revisions of a submission, oldest first.
func (s *Store) History(ctx context.Context, id string) ([]*survey.Submission, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT doc FROM submission_history WHERE submission = ? ORDER BY revision`, id)
	if err != nil {
		return nil, translate("list history", err)
	}
	defer rows.Close()
	var out []*survey.Submission
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, translate("list history", err)
		}
		sub, err := decodeSubmission(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, translate("list history", rows.Err())
}

// HistoryRevision returns one kept revision.
func (s *Store) HistoryRevision(ctx context.Context, id string, rev int) (*survey.Submission, error) {
	var doc []byte
	err := s.r.QueryRowContext(ctx, `SELECT doc FROM submission_history WHERE submission = ? AND revision = ?`, id, rev).Scan(&doc)
	if err != nil {
		return nil, translate("find history", err)
	}
	return decodeSubmission(doc)
}

// SealedNotUnder returns submissions whose sealed answers are under
// another key than keyID, in id order after after.
func (s *Store) SealedNotUnder(ctx context.Context, keyID, after string, limit int) ([]*survey.Submission, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT doc FROM submissions WHERE sealed_key IS NOT NULL AND sealed_key != ? AND id > ? ORDER BY id LIMIT ?`,
		keyID, after, limit)
	if err != nil {
		return nil, translate("find sealed submissions", err)
	}
	defer rows.Close()
	var out []*survey.Submission
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, translate("find sealed submissions", err)
		}
		sub, err := decodeSubmission(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, translate("find sealed submissions", rows.Err())
}

// ReplaceSealed swaps the sealed answers of a submission if they are
// still old (read and write in one transaction of the single writer).
func (s *Store) ReplaceSealed(ctx context.Context, id string, old, new *survey.SealedAnswers) error {
	return s.write(ctx, func(tx *wtx) error {
		var doc []byte
		if err := tx.QueryRow(`SELECT doc FROM submissions WHERE id = ?`, id).Scan(&doc); err != nil {
			return translate("replace sealed answers", err)
		}
		sub, err := decodeSubmission(doc)
		if err != nil {
			return err
		}
		var text string
		if sub.Sealed == nil || sub.Sealed.KeyID != old.KeyID || string(sub.Sealed.Box) != string(old.Box) {
			return translate("replace sealed answers", errNoMatch)
		}
		sub.Sealed = new
		if text, err = encodeSubmission(sub); err != nil {
			return err
		}
		_, err = tx.Exec(`UPDATE submissions SET sealed_key = ?, doc = ? WHERE id = ?`, new.KeyID, text, id)
		return translate("replace sealed answers", err)
	})
}

// LoadSubmissions stores many submissions and their facts (facts[i] of
// subs[i], or nil) in one transaction, without change events: a bulk load
// for tests, benchmarks and imports.
func (s *Store) LoadSubmissions(ctx context.Context, subs []*survey.Submission, facts []*survey.Facts) error {
	docs := make([]string, len(subs))
	for i, sub := range subs {
		var err error
		if docs[i], err = encodeSubmission(sub); err != nil {
			return err
		}
	}
	return s.write(ctx, func(tx *wtx) error {
		for i, sub := range subs {
			if err := insertSubmission(tx, sub, docs[i]); err != nil {
				return err
			}
			if facts != nil {
				if err := putFacts(tx, sub.ID, facts[i], true); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
