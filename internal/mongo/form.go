package mongo

import (
	"context"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/khaosat/khaosat/internal/survey"
)

type labelDoc struct {
	VI string `bson:"vi"`
	EN string `bson:"en"`
}

type formDoc struct {
	ID             string    `bson:"_id"`
	Title          labelDoc  `bson:"title"`
	Status         string    `bson:"status"`
	CurrentVersion int       `bson:"current_version"`
	CreatedAt      time.Time `bson:"created_at"`
	UpdatedAt      time.Time `bson:"updated_at"`
}

// formVersionDoc keeps the schema as a string: JSON Schema keywords start
// with '$', which MongoDB does not accept everywhere as field names, and the
// phones get the exact bytes that were published.
type formVersionDoc struct {
	ID          string    `bson:"_id"` // form@version
	Form        string    `bson:"form"`
	Version     int       `bson:"version"`
	Title       labelDoc  `bson:"title"`
	Schema      string    `bson:"schema"`
	Hash        string    `bson:"hash"`
	PublishedAt time.Time `bson:"published_at"`
	Notes       string    `bson:"notes"`
}

func (d *formVersionDoc) domain() *survey.FormVersion {
	return &survey.FormVersion{FormID: d.Form, Version: d.Version, Title: survey.Label{VI: d.Title.VI, EN: d.Title.EN},
		Schema: []byte(d.Schema), Hash: d.Hash, PublishedAt: d.PublishedAt, Notes: d.Notes}
}

func (d *formDoc) domain() *survey.Form {
	return &survey.Form{ID: d.ID, Title: survey.Label{VI: d.Title.VI, EN: d.Title.EN}, Status: survey.FormStatus(d.Status),
		CurrentVersion: d.CurrentVersion, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

// Form finds a form record.
func (s *Store) Form(ctx context.Context, id string) (*survey.Form, error) {
	var d formDoc
	if err := s.db.Collection(colForms).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, translate("find form", err)
	}
	return d.domain(), nil
}

// Forms lists form records by id.
func (s *Store) Forms(ctx context.Context) ([]*survey.Form, error) {
	cur, err := s.db.Collection(colForms).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, translate("list forms", err)
	}
	var docs []formDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate("list forms", err)
	}
	out := make([]*survey.Form, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, nil
}

// UpsertForm creates the form record if needed and raises its current version.
func (s *Store) UpsertForm(ctx context.Context, id string, title survey.Label, version int, now time.Time) error {
	col := s.db.Collection(colForms)
	_, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{
		{Key: "$setOnInsert", Value: bson.D{{Key: "status", Value: string(survey.FormOpen)}, {Key: "created_at", Value: now}}},
		{Key: "$max", Value: bson.D{{Key: "current_version", Value: version}}},
	}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return translate("upsert form", err)
	}
	// The title follows the current version only.
	_, err = col.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "current_version", Value: version}}, bson.D{
		{Key: "$set", Value: bson.D{{Key: "title", Value: labelDoc(title)}, {Key: "updated_at", Value: now}}},
	})
	return translate("upsert form", err)
}

// InsertVersion stores a new form version.
func (s *Store) InsertVersion(ctx context.Context, v *survey.FormVersion) error {
	_, err := s.db.Collection(colFormVersions).InsertOne(ctx, formVersionDoc{
		ID: v.FormID + "@" + strconv.Itoa(v.Version), Form: v.FormID, Version: v.Version, Title: labelDoc(v.Title),
		Schema: string(v.Schema), Hash: v.Hash, PublishedAt: v.PublishedAt, Notes: v.Notes,
	})
	return translate("insert form version", err)
}

// Version finds one version of a form.
func (s *Store) Version(ctx context.Context, form string, n int) (*survey.FormVersion, error) {
	var d formVersionDoc
	err := s.db.Collection(colFormVersions).FindOne(ctx, bson.D{{Key: "_id", Value: form + "@" + strconv.Itoa(n)}}).Decode(&d)
	if err != nil {
		return nil, translate("find form version", err)
	}
	return d.domain(), nil
}

// LatestVersion finds the highest version of a form.
func (s *Store) LatestVersion(ctx context.Context, form string) (*survey.FormVersion, error) {
	var d formVersionDoc
	err := s.db.Collection(colFormVersions).FindOne(ctx, bson.D{{Key: "form", Value: form}},
		options.FindOne().SetSort(bson.D{{Key: "version", Value: -1}})).Decode(&d)
	if err != nil {
		return nil, translate("find latest form version", err)
	}
	return d.domain(), nil
}
