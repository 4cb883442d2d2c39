package mongo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/khaosat/khaosat/internal/survey"
)

// The change feed.
//
// A change of a submission and everything that goes with it are one
// document write: the submission's new state, its facts, and an entry in
// the document's outbox ("ob") holding the change's event, history copy
// and comment. When that write is acknowledged (write concern majority),
// the event cannot be lost, whatever happens to the process next.
//
// Publishing then copies each outbox entry out of the document, in order:
// the history copy and the comment under their own ids (idempotent), and
// the event into the events collection under the next sequence number,
// then removes the published entries from the outbox. The call that wrote
// the change publishes before it returns, so the client's acknowledgement
// comes after its event is in the feed.
//
// Sequence numbers are taken by inserting: an event is inserted with
// _id = (the highest number this process has seen) + 1; the unique _id
// refuses it if that number is taken, and the writer moves on to the next
// one. So a number exists only once its event is stored, and a writer
// tries n+1 only after n is stored: the feed has no gaps, nothing is
// reserved beforehand, and a reader never waits for a missing number. On
// a replica set the events are read with read concern majority: a write
// that a failover rolls back was never seen, and the oplog commits n
// before n+1, so a reader sees no n+1 without n.
//
// Each event carries the id of its outbox entry ("eid", unique): an entry
// published twice (its writer and a sweep, or two writers of the same
// document) is stored once. If a process dies between the document write
// and the publication, the entry stays in the outbox; the next start and
// every feed read (at most once per sweepEvery, for entries older than
// sweepAfter) publish such leftovers, under numbers after those already
// read: nothing is lost, nothing stalls. An event published that way comes
// after events of other submissions written later; the events of one
// submission keep their order, since an outbox is published front to back.

// eventDoc is small and flat: the feed reads events in bulk.
type eventDoc struct {
	Seq         int64     `bson:"_id"`
	EID         string    `bson:"eid"`
	Kind        string    `bson:"k"`
	Submission  string    `bson:"s,omitempty"`
	Form        string    `bson:"f,omitempty"`
	Unit        string    `bson:"u,omitempty"`
	SurveyDate  time.Time `bson:"d,omitempty"`
	Collector   string    `bson:"c,omitempty"`
	Revision    int       `bson:"r,omitempty"`
	ReviewState string    `bson:"rs,omitempty"`
	At          time.Time `bson:"at"`
	By          string    `bson:"by,omitempty"`
}

// outboxDoc is one change's not yet published companions.
type outboxDoc struct {
	ID      string      `bson:"id"`
	At      time.Time   `bson:"at"`
	Event   *eventDoc   `bson:"e,omitempty"`
	History *historyDoc `bson:"h,omitempty"`
	Comment *commentDoc `bson:"c,omitempty"`
	// Submission and Purge: a deletion sets the submission's history
	// copies and comments to expire with it (Purge, by the TTL index on
	// purge_at); a restore (Purge zero) keeps them again.
	Submission string     `bson:"sub,omitempty"`
	Purge      *time.Time `bson:"purge,omitempty"`
}

const (
	// sweepAfter is how old an outbox entry must be before a feed reader
	// publishes it for its writer (which normally does so in milliseconds).
	sweepAfter = 5 * time.Second
	// sweepEvery is how often a feed read looks for such entries.
	sweepEvery = 5 * time.Second
)

// newOutbox returns the outbox entry of a change, or nil when it has
// nothing to publish.
func newOutbox(e *survey.Event, history *survey.Submission, c *survey.Comment) *outboxDoc {
	if e == nil && history == nil && c == nil {
		return nil
	}
	ob := &outboxDoc{ID: uuid.NewString(), At: time.Now().UTC()}
	if e != nil {
		ob.Event = &eventDoc{Kind: e.Kind, Submission: e.SubmissionID, Form: e.Form, Unit: e.Unit,
			SurveyDate: e.SurveyDate, Collector: e.Collector, Revision: e.Revision, ReviewState: e.ReviewState, At: e.At, By: e.By}
	}
	if history != nil {
		ob.History = &historyDoc{ID: history.ID + "/" + strconv.Itoa(history.Revision), Submission: history.ID,
			Revision: history.Revision, Doc: *toSubmissionDoc(history)}
	}
	if c != nil {
		ob.Comment = &commentDoc{ID: c.ID, Submission: c.SubmissionID, At: c.At, By: c.By, ByName: c.ByName,
			Role: string(c.Role), Text: c.Text, ReviewState: c.ReviewState}
	}
	return ob
}

// publish publishes the outbox entries of submission id, in order, and
// removes them from its document (entries pushed meanwhile stay, for
// their writer). The entries are as stored, undecoded: they are removed
// by value ($pullAll), which both engines match exactly. mine, when
// given, receives the number of the event of entry mineID. The change is
// stored: publishing goes on even if the client left.
func (s *Store) publish(ctx context.Context, id string, entries []bson.Raw, mineID string, mine *survey.Event) error {
	if len(entries) == 0 {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	for _, raw := range entries {
		var ob outboxDoc
		if err := bson.Unmarshal(raw, &ob); err != nil {
			return fmt.Errorf("decode outbox of %s: %w", id, err)
		}
		seq, err := s.publishEntry(ctx, &ob)
		if err != nil {
			return err
		}
		if mine != nil && ob.ID == mineID {
			mine.Seq = seq
		}
	}
	_, err := s.db.Collection(colSubmissions).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$pullAll", Value: bson.D{{Key: "ob", Value: entries}}}})
	return translate("clear outbox", err)
}

// publishEntry stores one outbox entry's history copy, comment and event,
// each idempotently; it returns the event's number.
func (s *Store) publishEntry(ctx context.Context, ob *outboxDoc) (int64, error) {
	if h := ob.History; h != nil {
		_, err := s.db.Collection(colHistory).ReplaceOne(ctx, bson.D{{Key: "_id", Value: h.ID}}, h, options.Replace().SetUpsert(true))
		if err != nil && !mdb.IsDuplicateKeyError(err) { // a duplicate: two upserts raced, the copy is there
			return 0, translate("put history", err)
		}
	}
	if c := ob.Comment; c != nil {
		_, err := s.db.Collection(colComments).InsertOne(ctx, c)
		if err != nil && !mdb.IsDuplicateKeyError(err) {
			return 0, translate("insert comment", err)
		}
	}
	if ob.Submission != "" {
		update := bson.D{{Key: "$unset", Value: bson.D{{Key: "purge_at", Value: ""}}}}
		if ob.Purge != nil {
			update = bson.D{{Key: "$set", Value: bson.D{{Key: "purge_at", Value: *ob.Purge}}}}
		}
		for _, col := range []string{colHistory, colComments} {
			if _, err := s.db.Collection(col).UpdateMany(ctx, bson.D{{Key: "submission", Value: ob.Submission}}, update); err != nil {
				return 0, translate("mark "+col+" to expire", err)
			}
		}
		if err := s.markDeletedID(ctx, ob.Submission, ob.Purge != nil); err != nil {
			return 0, err
		}
	}
	if ob.Event == nil {
		return 0, nil
	}
	return s.appendEvent(ctx, ob.ID, *ob.Event)
}

// appendEvent inserts e under the next free number (see the top of this
// file), unless the event of entry eid is stored already. The events of
// concurrent writers of this process are appended together, one ordered
// insert of consecutive numbers per round (group commit for the feed);
// correctness rests on the unique _id and eid alone, not on this batching.
func (s *Store) appendEvent(ctx context.Context, eid string, e eventDoc) (int64, error) {
	e.EID = eid
	r := &appendReq{e: e, done: make(chan appendResult, 1)}
	select {
	case s.appends <- r:
	case <-s.closed:
		return 0, translate("insert event", mdb.ErrClientDisconnected)
	}
	res := <-r.done
	return res.seq, res.err
}

type appendReq struct {
	e    eventDoc
	done chan appendResult
}

type appendResult struct {
	seq int64
	err error
}

// maxAppendBatch bounds one ordered insert of events.
const maxAppendBatch = 256

// runAppender appends the queued events until the store is closed.
func (s *Store) runAppender() {
	for {
		var batch []*appendReq
		select {
		case r := <-s.appends:
			batch = append(batch, r)
		case <-s.closed:
			return
		}
	more:
		for len(batch) < maxAppendBatch {
			select {
			case r := <-s.appends:
				batch = append(batch, r)
			default:
				break more
			}
		}
		s.appendBatch(context.Background(), batch)
	}
}

// appendBatch inserts the batch's events under consecutive numbers after
// the highest seen. An ordered insert stops at the first refused event:
// those before it are stored; if the refused one's event is stored
// already (eid) it is done, otherwise its number was taken by another
// process and the rest go on from the next number.
func (s *Store) appendBatch(ctx context.Context, batch []*appendReq) {
	events := s.db.Collection(colEvents)
	for len(batch) > 0 {
		next := s.lastSeq.Load() + 1
		docs := make([]any, len(batch))
		for i, r := range batch {
			r.e.Seq = next + int64(i)
			docs[i] = r.e
		}
		_, err := events.InsertMany(ctx, docs, options.InsertMany().SetOrdered(true))
		stored := len(batch)
		var bwe mdb.BulkWriteException
		if err != nil {
			stored = 0
			if errors.As(err, &bwe) && len(bwe.WriteErrors) > 0 && bwe.WriteConcernError == nil {
				stored = bwe.WriteErrors[0].Index
			}
		}
		for _, r := range batch[:stored] {
			r.done <- appendResult{seq: r.e.Seq}
		}
		if stored > 0 {
			s.sawSeq(next + int64(stored) - 1)
		}
		if err == nil {
			return
		}
		batch = batch[stored:]
		if !mdb.IsDuplicateKeyError(err) {
			for _, r := range batch {
				r.done <- appendResult{err: translate("insert event", err)}
			}
			return
		}
		// The first remaining event was refused: stored already, or its
		// number is taken.
		var got eventDoc
		err = events.FindOne(ctx, bson.D{{Key: "eid", Value: batch[0].e.EID}}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Decode(&got)
		switch {
		case err == nil:
			batch[0].done <- appendResult{seq: got.Seq}
			batch = batch[1:]
		case errors.Is(err, mdb.ErrNoDocuments):
			s.sawSeq(batch[0].e.Seq)
		default:
			for _, r := range batch {
				r.done <- appendResult{err: translate("find event", err)}
			}
			return
		}
	}
}

// sawSeq records that number n is stored.
func (s *Store) sawSeq(n int64) {
	for {
		cur := s.lastSeq.Load()
		if n <= cur || s.lastSeq.CompareAndSwap(cur, n) {
			return
		}
	}
}

// loadLastSeq starts the number hint at the highest stored number.
func (s *Store) loadLastSeq(ctx context.Context) error {
	var d struct {
		Seq int64 `bson:"_id"`
	}
	err := s.db.Collection(colEvents).FindOne(ctx, bson.D{},
		options.FindOne().SetSort(bson.D{{Key: "_id", Value: -1}}).SetProjection(bson.D{{Key: "_id", Value: 1}})).Decode(&d)
	if err != nil && !errors.Is(err, mdb.ErrNoDocuments) {
		return translate("last event number", err)
	}
	s.sawSeq(d.Seq)
	return nil
}

// PublishPending publishes the outbox entries older than age left by
// writers that stopped before publishing them.
func (s *Store) PublishPending(ctx context.Context, age time.Duration) error {
	cur, err := s.db.Collection(colSubmissions).Find(ctx, bson.D{{Key: "ob.at", Value: bson.D{{Key: "$lt", Value: time.Now().Add(-age)}}}},
		options.Find().SetProjection(bson.D{{Key: "ob", Value: 1}}).SetBatchSize(100))
	if err != nil {
		return translate("find unpublished changes", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d struct {
			ID     string     `bson:"_id"`
			Outbox []bson.Raw `bson:"ob"`
		}
		if err := cur.Decode(&d); err != nil {
			return translate("find unpublished changes", err)
		}
		if err := s.publish(ctx, d.ID, d.Outbox, "", nil); err != nil {
			return err
		}
	}
	return translate("find unpublished changes", cur.Err())
}

// Events returns up to limit events after sequence number after. It never
// waits: the feed has no gaps to wait for.
func (s *Store) Events(ctx context.Context, after int64, limit int) ([]*survey.Event, error) {
	if s.sweepDue() {
		if err := s.PublishPending(ctx, sweepAfter); err != nil {
			return nil, err
		}
	}
	cur, err := s.events.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, translate("list events", err)
	}
	var docs []eventDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate("list events", err)
	}
	out := make([]*survey.Event, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, nil
}

// sweepDue says whether this feed read should look for leftovers (one
// read per sweepEvery does).
func (s *Store) sweepDue() bool {
	now := time.Now().UnixNano()
	last := s.lastSweep.Load()
	return now-last >= int64(sweepEvery) && s.lastSweep.CompareAndSwap(last, now)
}

func (d *eventDoc) domain() *survey.Event {
	return &survey.Event{Seq: d.Seq, Kind: d.Kind, SubmissionID: d.Submission, Form: d.Form, Unit: d.Unit,
		SurveyDate: d.SurveyDate.UTC(), Collector: d.Collector, Revision: d.Revision, ReviewState: d.ReviewState,
		At: d.At.UTC(), By: d.By}
}
