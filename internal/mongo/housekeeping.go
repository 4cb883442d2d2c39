package mongo

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/khaosat/khaosat/internal/survey"
)

// The TTL indexes (EnsureIndexes) let MongoDB itself remove expired
// refresh tokens and enrollment codes, soft-deleted submissions past the
// restore window, and their history copies and comments (marked with the
// deletion's purge_at); its TTL monitor runs every minute. DeleteExpired
// and PurgeDeleted do the same at once, for engines without TTL indexes
// (the test stand-in), and PurgeDeleted removes what no TTL index can:
// the attachment files of submissions that are gone.

// DeleteExpired implements survey.Housekeeper.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (tokens, enrollments int64, err error) {
	filter := bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: now}}}}
	r, err := s.db.Collection(colRefresh).DeleteMany(ctx, filter)
	if err != nil {
		return 0, 0, translate("delete expired refresh tokens", err)
	}
	e, err := s.db.Collection(colEnrollments).DeleteMany(ctx, filter)
	if err != nil {
		return r.DeletedCount, 0, translate("delete expired enrollments", err)
	}
	return r.DeletedCount, e.DeletedCount, nil
}

// housekeepingBatch is how many documents one step of PurgeDeleted reads.
const housekeepingBatch = 200

type idDoc struct {
	ID string `bson:"_id"`
}

type deletedDoc struct {
	ID        string    `bson:"_id"`
	DeletedAt time.Time `bson:"deleted_at"`
}

// PurgeDeleted implements survey.Housekeeper. Each submission deleted
// before before is removed by a delete filtered on its deletion mark (a
// restore, an update filtered on the same mark, either comes first and
// the submission stays, or finds nothing), and only then, a batch at a
// time, its history copies and comments: a restored submission never
// loses them (if the process stops in between, their purge_at mark lets
// the TTL index remove them). Its facts are inside its document. A
// submission whose outbox still holds a change to publish waits for the
// next run. Then the attachment files whose submission no longer exists
// are removed, whoever removed it.
func (s *Store) PurgeDeleted(ctx context.Context, before time.Time) (survey.Purged, error) {
	var p survey.Purged
	if err := s.recordDeletedIDs(ctx); err != nil {
		return p, err
	}
	subs := s.db.Collection(colSubmissions)
	deleted := bson.D{{Key: "deleted_at", Value: bson.D{{Key: "$lt", Value: before}}}, {Key: "ob.0", Value: bson.D{{Key: "$exists", Value: false}}}}
	// In deletion order, on the TTL index of deleted_at; a submission
	// skipped (its outbox not yet published) is passed by the key.
	var last *deletedDoc
	for {
		filter := deleted
		if last != nil {
			filter = append(bson.D{{Key: "$or", Value: bson.A{
				bson.D{{Key: "deleted_at", Value: bson.D{{Key: "$gt", Value: last.DeletedAt}}}},
				bson.D{{Key: "deleted_at", Value: last.DeletedAt}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: last.ID}}}},
			}}}, deleted...)
		}
		cur, err := subs.Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "deleted_at", Value: 1}}).
			SetSort(bson.D{{Key: "deleted_at", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(housekeepingBatch))
		if err != nil {
			return p, translate("find deleted submissions", err)
		}
		var batch []deletedDoc
		if err := cur.All(ctx, &batch); err != nil {
			return p, translate("find deleted submissions", err)
		}
		var purged []string
		for i := range batch {
			d := &batch[i]
			last = d
			r, err := subs.DeleteOne(ctx, append(bson.D{{Key: "_id", Value: d.ID}}, deleted...))
			if err != nil {
				return p, translate("purge submission", err)
			}
			if r.DeletedCount == 1 { // (0: restored meanwhile)
				purged = append(purged, d.ID)
			}
		}
		p.Submissions += int64(len(purged))
		if len(purged) > 0 {
			for _, col := range []string{colHistory, colComments} {
				if _, err := s.db.Collection(col).DeleteMany(ctx, bson.D{{Key: "submission", Value: bson.D{{Key: "$in", Value: purged}}}}); err != nil {
					return p, translate("purge history and comments", err)
				}
			}
		}
		if len(batch) < housekeepingBatch {
			break
		}
	}
	n, err := s.purgeOrphanAttachments(ctx)
	p.Attachments = n
	return p, err
}

// metaDeletedIDs marks that the ids of the submissions deleted before
// deletions were recorded (colDeletedIDs) have been recorded.
const metaDeletedIDs = "deleted_ids_recorded"

// recordDeletedIDs records, once, the ids of the submissions soft-deleted
// before this version recorded them with the deletion, so that the TTL
// index, which purges them without a word, does not free their ids.
func (s *Store) recordDeletedIDs(ctx context.Context) error {
	done, err := s.Meta(ctx, metaDeletedIDs)
	if err != nil || done != "" {
		return err
	}
	cur, err := s.db.Collection(colSubmissions).Find(ctx, bson.D{{Key: "deleted_at", Value: bson.D{{Key: "$exists", Value: true}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return translate("find deleted submissions", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d idDoc
		if err := cur.Decode(&d); err != nil {
			return translate("find deleted submissions", err)
		}
		if err := s.markDeletedID(ctx, d.ID, true); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return translate("find deleted submissions", err)
	}
	return s.SetMeta(ctx, metaDeletedIDs, time.Now().UTC().Format(time.RFC3339))
}

// purgeOrphanAttachments removes the attachment files whose submission
// does not exist, reading the files in batches in _id order. The files
// of a batch are read before their submissions are looked up, and an
// upload needs its submission stored first, so a file listed here whose
// submission is missing cannot belong to one stored meanwhile.
func (s *Store) purgeOrphanAttachments(ctx context.Context) (int64, error) {
	files := s.bucket().GetFilesCollection()
	var removed int64
	var after bson.ObjectID // zero: before every generated id
	for {
		cur, err := files.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}},
			options.Find().SetProjection(bson.D{{Key: "metadata.submission", Value: 1}}).SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(housekeepingBatch))
		if err != nil {
			return removed, translate("list attachment files", err)
		}
		var batch []struct {
			ID       bson.ObjectID `bson:"_id"`
			Metadata struct {
				Submission string `bson:"submission"`
			} `bson:"metadata"`
		}
		if err := cur.All(ctx, &batch); err != nil {
			return removed, translate("list attachment files", err)
		}
		if len(batch) == 0 {
			return removed, nil
		}
		after = batch[len(batch)-1].ID
		var ids []string
		for _, f := range batch {
			ids = append(ids, f.Metadata.Submission)
		}
		cur, err = s.db.Collection(colSubmissions).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
			options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			return removed, translate("find submissions of attachments", err)
		}
		var found []idDoc
		if err := cur.All(ctx, &found); err != nil {
			return removed, translate("find submissions of attachments", err)
		}
		live := make(map[string]bool, len(found))
		for _, d := range found {
			live[d.ID] = true
		}
		var gone []string
		for _, f := range batch {
			if !live[f.Metadata.Submission] {
				gone = append(gone, f.Metadata.Submission)
			}
		}
		if len(gone) > 0 {
			// The sets first: a set naming a deleted file would serve
			// nothing, a file without its set is deleted here next time.
			if _, err := s.db.Collection(colAttachmentSets).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: gone}}}}); err != nil {
				return removed, translate("delete attachment sets", err)
			}
		}
		for _, f := range batch {
			if live[f.Metadata.Submission] {
				continue
			}
			err := s.bucket().Delete(ctx, f.ID)
			if errors.Is(err, mdb.ErrFileNotFound) {
				continue // another server's housekeeping removed it
			}
			if err != nil {
				return removed, translate("delete attachment file", err)
			}
			removed++
		}
		if len(batch) < housekeepingBatch {
			return removed, nil
		}
	}
}
