package mongo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/khaosat/khaosat/internal/survey"
)

// Attachments live in the GridFS bucket "attachments" under the file name
// "<submission id>/<name>". Which file each name of a submission holds is
// said by the submission's document in "attachment_sets", changed only by
// a conditional update on its revision: two uploads to one submission
// cannot both pass its limits, and a name holds one file. An upload
// stores its file first, then claims the name in the set, then deletes
// the file it replaced.
//
// Files uploaded before the sets existed have no set: their submission's
// set is made from them (the latest file of each name) at its next
// upload, and until then they are read as they were, the latest file of
// a name served.
const (
	bucketAttachments = "attachments"
	colAttachmentSets = "attachment_sets"
	// colAttachmentDays counts the bytes each user uploaded on a day.
	colAttachmentDays = "attachment_days"
)

type attachmentMeta struct {
	Submission  string `bson:"submission"`
	Name        string `bson:"name"`
	ContentType string `bson:"content_type"`
	SHA256      string `bson:"sha256"`
	By          string `bson:"by"`
	// InSet marks a file whose name is claimed in attachment_sets: a
	// submission without a set never serves it (an upload under way,
	// or one refused).
	InSet bool `bson:"in_set,omitempty"`
}

type gridFile struct {
	ID         bson.ObjectID  `bson:"_id"`
	Length     int64          `bson:"length"`
	UploadDate time.Time      `bson:"uploadDate"`
	Filename   string         `bson:"filename"`
	Metadata   attachmentMeta `bson:"metadata"`
}

func (f *gridFile) domain() *survey.Attachment {
	return &survey.Attachment{SubmissionID: f.Metadata.Submission, Name: f.Metadata.Name, ContentType: f.Metadata.ContentType,
		Size: f.Length, SHA256: f.Metadata.SHA256, UploadedAt: f.UploadDate.UTC(), UploadedBy: f.Metadata.By}
}

// attachmentSet is which file each name of a submission holds, the
// latest upload first.
type attachmentSet struct {
	ID    string         `bson:"_id"`
	Rev   int64          `bson:"rev"`
	Files []attachedFile `bson:"files"`
}

type attachedFile struct {
	Name string        `bson:"name"`
	File bson.ObjectID `bson:"file"`
	Size int64         `bson:"size"`
}

func (s *Store) bucket() *mdb.GridFSBucket {
	return s.db.GridFSBucket(options.GridFSBucket().SetName(bucketAttachments))
}

// maxSetRetries bounds the attempts of an upload whose claim keeps
// losing to others on the same submission.
const maxSetRetries = 50

// PutAttachment uploads the bytes of an attachment and claims its name
// in the submission's set once the limits allow it.
func (s *Store) PutAttachment(ctx context.Context, a *survey.Attachment, body []byte, lim survey.AttachmentLimit) (bool, error) {
	size := int64(len(body))
	release, err := s.countDay(ctx, a.UploadedBy, lim, size)
	if err != nil {
		return false, err
	}
	id := bson.NewObjectID()
	meta := attachmentMeta{Submission: a.SubmissionID, Name: a.Name, ContentType: a.ContentType, SHA256: a.SHA256, By: a.UploadedBy, InSet: true}
	if err := s.bucket().UploadFromStreamWithID(ctx, id, a.SubmissionID+"/"+a.Name, bytes.NewReader(body),
		options.GridFSUpload().SetMetadata(meta)); err != nil {
		release()
		return false, translate("upload attachment", err)
	}
	drop, replaced, err := s.claim(ctx, a.SubmissionID, attachedFile{Name: a.Name, File: id, Size: size}, lim)
	if err != nil {
		release()
		s.deleteFiles(ctx, []bson.ObjectID{id})
		return false, err
	}
	s.deleteFiles(ctx, drop)
	return replaced, nil
}

// claim points name at f in the submission's set, if the set stays
// within lim, and returns the files no longer in it.
func (s *Store) claim(ctx context.Context, submissionID string, f attachedFile, lim survey.AttachmentLimit) (drop []bson.ObjectID, replaced bool, err error) {
	sets := s.db.Collection(colAttachmentSets)
	for range maxSetRetries {
		set, legacy, err := s.attachmentSet(ctx, submissionID)
		if err != nil {
			return nil, false, err
		}
		next := []attachedFile{f}
		drop, replaced = legacy[f.Name], false
		var total int64 = f.Size
		for _, e := range set.Files {
			if e.Name == f.Name {
				drop, replaced = append(drop, e.File), true
				continue
			}
			next = append(next, e)
			total += e.Size
		}
		if lim.Files > 0 && len(next) > lim.Files {
			return nil, false, fmt.Errorf("store attachment: %w", survey.ErrAttachmentCount)
		}
		if lim.Bytes > 0 && total > lim.Bytes {
			return nil, false, fmt.Errorf("store attachment: %w", survey.ErrAttachmentBytes)
		}
		if set.Rev == 0 {
			_, err := sets.InsertOne(ctx, attachmentSet{ID: submissionID, Rev: 1, Files: next})
			if mdb.IsDuplicateKeyError(err) {
				continue // another upload made the set first
			}
			if err != nil {
				return nil, false, translate("store attachment set", err)
			}
			return drop, replaced, nil
		}
		r, err := sets.UpdateOne(ctx, bson.D{{Key: "_id", Value: submissionID}, {Key: "rev", Value: set.Rev}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "files", Value: next}, {Key: "rev", Value: set.Rev + 1}}}})
		if err != nil {
			return nil, false, translate("store attachment set", err)
		}
		if r.MatchedCount == 1 {
			return drop, replaced, nil
		}
	}
	return nil, false, fmt.Errorf("store attachment: the set kept changing: %w", survey.ErrUnavailable)
}

// attachmentSet reads the set of a submission. A submission with files
// but no set yet gets one made from its files (revision 0, not stored),
// with, by name, the older files the set leaves out.
func (s *Store) attachmentSet(ctx context.Context, submissionID string) (*attachmentSet, map[string][]bson.ObjectID, error) {
	var set attachmentSet
	err := s.db.Collection(colAttachmentSets).FindOne(ctx, bson.D{{Key: "_id", Value: submissionID}}).Decode(&set)
	if err == nil {
		return &set, nil, nil
	}
	if !errors.Is(err, mdb.ErrNoDocuments) {
		return nil, nil, translate("find attachment set", err)
	}
	files, err := s.latestFiles(ctx, legacyFilter(bson.E{Key: "metadata.submission", Value: submissionID}))
	if err != nil {
		return nil, nil, translate("find attachments", err)
	}
	set = attachmentSet{ID: submissionID}
	older := map[string][]bson.ObjectID{}
	seen := map[string]bool{}
	for _, f := range files {
		if seen[f.Metadata.Name] {
			older[f.Metadata.Name] = append(older[f.Metadata.Name], f.ID)
			continue
		}
		seen[f.Metadata.Name] = true
		set.Files = append(set.Files, attachedFile{Name: f.Metadata.Name, File: f.ID, Size: f.Length})
	}
	return &set, older, nil
}

// countDay adds size to what user uploaded on lim.Day unless that passes
// lim.DayBytes, with one conditional update: a counter below the limit
// matches and grows; one that would pass it does not match, and the
// upsert then clashes with it on _id. release gives the bytes back.
func (s *Store) countDay(ctx context.Context, user string, lim survey.AttachmentLimit, size int64) (release func(), err error) {
	if lim.DayBytes <= 0 {
		return func() {}, nil
	}
	if size > lim.DayBytes {
		return nil, fmt.Errorf("store attachment: %w", survey.ErrAttachmentDay)
	}
	days := s.db.Collection(colAttachmentDays)
	key := user + "/" + lim.Day
	_, err = days.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "bytes", Value: bson.D{{Key: "$lte", Value: lim.DayBytes - size}}}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "bytes", Value: size}}},
			{Key: "$setOnInsert", Value: bson.D{{Key: "user", Value: user}, {Key: "day", Value: lim.Day}}}},
		options.UpdateOne().SetUpsert(true))
	if mdb.IsDuplicateKeyError(err) {
		return nil, fmt.Errorf("store attachment: %w", survey.ErrAttachmentDay)
	}
	if err != nil {
		return nil, translate("count daily uploads", err)
	}
	// The days before are of no more use.
	days.DeleteMany(ctx, bson.D{{Key: "user", Value: user}, {Key: "day", Value: bson.D{{Key: "$lt", Value: lim.Day}}}})
	return func() {
		// A failed upload gives its bytes back; if even that fails,
		// the user's day counts a little more than was stored.
		days.UpdateOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: key}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "bytes", Value: -size}}}})
	}, nil
}

// deleteFiles deletes replaced or refused files. One left behind (the
// database gone meanwhile) is in no set: never served, and removed with
// its submission by housekeeping.
func (s *Store) deleteFiles(ctx context.Context, ids []bson.ObjectID) {
	for _, id := range ids {
		if err := s.bucket().Delete(context.WithoutCancel(ctx), id); err != nil && !errors.Is(err, mdb.ErrFileNotFound) {
			return
		}
	}
}

// legacyFilter selects the files of submissions without a set that were
// uploaded before sets existed.
func legacyFilter(e bson.E) bson.D {
	return bson.D{e, {Key: "metadata.in_set", Value: bson.D{{Key: "$ne", Value: true}}}}
}

func (s *Store) latestFiles(ctx context.Context, filter bson.D) ([]gridFile, error) {
	cur, err := s.bucket().Find(ctx, filter, options.GridFSFind().SetSort(bson.D{{Key: "uploadDate", Value: -1}, {Key: "_id", Value: -1}}))
	if err != nil {
		return nil, err
	}
	var files []gridFile
	err = cur.All(ctx, &files)
	return files, err
}

// OpenAttachment opens the file (submission, name) holds.
func (s *Store) OpenAttachment(ctx context.Context, submissionID, name string) (*survey.Attachment, io.ReadCloser, error) {
	set, _, err := s.attachmentSet(ctx, submissionID)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range set.Files {
		if e.Name != name {
			continue
		}
		files, err := s.latestFiles(ctx, bson.D{{Key: "_id", Value: e.File}})
		if err != nil {
			return nil, nil, translate("find attachment", err)
		}
		if len(files) == 0 {
			break
		}
		ds, err := s.bucket().OpenDownloadStream(ctx, e.File)
		if err != nil {
			return nil, nil, translate("open attachment", err)
		}
		return files[0].domain(), ds, nil
	}
	return nil, nil, translate("find attachment", mdb.ErrNoDocuments)
}

// Attachments lists the attachments of a submission, the latest upload
// first.
func (s *Store) Attachments(ctx context.Context, submissionID string) ([]*survey.Attachment, error) {
	set, _, err := s.attachmentSet(ctx, submissionID)
	if err != nil || len(set.Files) == 0 {
		return nil, err
	}
	ids := make([]bson.ObjectID, len(set.Files))
	for i, e := range set.Files {
		ids[i] = e.File
	}
	files, err := s.latestFiles(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, translate("list attachments", err)
	}
	byID := make(map[bson.ObjectID]*gridFile, len(files))
	for i := range files {
		byID[files[i].ID] = &files[i]
	}
	var out []*survey.Attachment
	for _, id := range ids {
		if f := byID[id]; f != nil {
			out = append(out, f.domain())
		}
	}
	return out, nil
}

// StoredAttachments counts the files stored for a submission's
// attachments and their bytes: what its attachments take in the
// database, whatever a listing shows.
func (s *Store) StoredAttachments(ctx context.Context, submissionID string) (files int, size int64, err error) {
	fs, err := s.latestFiles(ctx, bson.D{{Key: "metadata.submission", Value: submissionID}})
	if err != nil {
		return 0, 0, translate("count stored attachments", err)
	}
	for _, f := range fs {
		size += f.Length
	}
	return len(fs), size, nil
}
