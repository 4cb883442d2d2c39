package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/khaosat/khaosat/internal/survey"
)

// colFormDrafts holds at most one draft per form, keyed by the form id.
const colFormDrafts = "form_drafts"

// formDraftDoc keeps the schema as a string, as formVersionDoc does.
type formDraftDoc struct {
	ID        string    `bson:"_id"` // the form id
	Title     labelDoc  `bson:"title"`
	Schema    string    `bson:"schema"`
	Hash      string    `bson:"hash"`
	UpdatedAt time.Time `bson:"updated_at"`
	UpdatedBy string    `bson:"updated_by"`
}

// CreateForm stores a new form record without versions.
func (s *Store) CreateForm(ctx context.Context, f *survey.Form) error {
	_, err := s.db.Collection(colForms).InsertOne(ctx, formDoc{ID: f.ID, Title: labelDoc(f.Title), Status: string(f.Status),
		CurrentVersion: f.CurrentVersion, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt})
	return translate("create form", err)
}

// Draft finds a form's draft.
func (s *Store) Draft(ctx context.Context, form string) (*survey.Draft, error) {
	var d formDraftDoc
	if err := s.db.Collection(colFormDrafts).FindOne(ctx, bson.D{{Key: "_id", Value: form}}).Decode(&d); err != nil {
		return nil, translate("find form draft", err)
	}
	return &survey.Draft{FormID: d.ID, Title: survey.Label{VI: d.Title.VI, EN: d.Title.EN}, Schema: []byte(d.Schema),
		Hash: d.Hash, UpdatedAt: d.UpdatedAt, UpdatedBy: d.UpdatedBy}, nil
}

// PutDraft creates or replaces a form's draft.
func (s *Store) PutDraft(ctx context.Context, d *survey.Draft) error {
	_, err := s.db.Collection(colFormDrafts).ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.FormID}}, formDraftDoc{
		ID: d.FormID, Title: labelDoc(d.Title), Schema: string(d.Schema), Hash: d.Hash, UpdatedAt: d.UpdatedAt, UpdatedBy: d.UpdatedBy,
	}, options.Replace().SetUpsert(true))
	return translate("put form draft", err)
}

// DeleteDraft removes a form's draft.
func (s *Store) DeleteDraft(ctx context.Context, form, hash string) error {
	filter := bson.D{{Key: "_id", Value: form}}
	if hash != "" {
		filter = append(filter, bson.E{Key: "hash", Value: hash})
	}
	res, err := s.db.Collection(colFormDrafts).DeleteOne(ctx, filter)
	if err != nil {
		return translate("delete form draft", err)
	}
	if res.DeletedCount == 0 {
		return translate("delete form draft", survey.ErrNotFound)
	}
	return nil
}

// SetFormStatus opens or closes a form.
func (s *Store) SetFormStatus(ctx context.Context, id string, status survey.FormStatus, now time.Time) error {
	res, err := s.db.Collection(colForms).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: string(status)}, {Key: "updated_at", Value: now}}}})
	if err != nil {
		return translate("set form status", err)
	}
	if res.MatchedCount == 0 {
		return translate("set form status", survey.ErrNotFound)
	}
	return nil
}
