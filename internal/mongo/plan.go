package mongo

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/khaosat/khaosat/internal/plan"
	"github.com/khaosat/khaosat/internal/survey"
)

const (
	colTargets = "targets"
	colReports = "reports"
)

// planIndexes: a period's targets and report states are listed by period.
func planIndexes() map[string][]mdb.IndexModel {
	byPeriod := mdb.IndexModel{Keys: bson.D{{Key: "period", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("period")}
	return map[string][]mdb.IndexModel{colTargets: {byPeriod}, colReports: {byPeriod}}
}

type targetDoc struct {
	ID     string      `bson:"_id"`
	Period string      `bson:"period"`
	Target plan.Target `bson:"target"`
}

type reportDoc struct {
	ID      string      `bson:"_id"`
	Period  string      `bson:"period"`
	Unit    string      `bson:"unit"`
	Parent  string      `bson:"parent"`
	State   string      `bson:"state"`
	Rev     int         `bson:"rev"`
	Version int         `bson:"version"`
	Comment string      `bson:"comment,omitempty"`
	Report  plan.Report `bson:"report,omitempty"`
}

func toReportDoc(r *plan.Report) reportDoc {
	st := r.StateLine()
	return reportDoc{ID: st.ID, Period: st.Period, Unit: st.Unit, Parent: st.Parent, State: st.State, Rev: st.Rev, Version: st.Version,
		Comment: st.Comment, Report: *r}
}

// PutTargets stores each target in place of any of its ID. Without a
// transaction (the stand-in has none) the writes are one ordered bulk
// write; the domain checks every row before it.
func (s *Store) PutTargets(ctx context.Context, ts []*plan.Target) error {
	if len(ts) == 0 {
		return nil
	}
	models := make([]mdb.WriteModel, len(ts))
	for i, t := range ts {
		models[i] = mdb.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: t.ID}}).
			SetReplacement(targetDoc{ID: t.ID, Period: t.Period, Target: *t}).SetUpsert(true)
	}
	_, err := s.db.Collection(colTargets).BulkWrite(ctx, models, options.BulkWrite().SetOrdered(true))
	return translate("put targets", err)
}

// DeleteTarget removes a target.
func (s *Store) DeleteTarget(ctx context.Context, id string) error {
	r, err := s.db.Collection(colTargets).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return translate("delete target", err)
	}
	if r.DeletedCount == 0 {
		return translate("delete target", mdb.ErrNoDocuments)
	}
	return nil
}

func fixTarget(t *plan.Target) *plan.Target {
	t.SetAt = t.SetAt.UTC()
	return t
}

// Target returns one target.
func (s *Store) Target(ctx context.Context, id string) (*plan.Target, error) {
	var d targetDoc
	if err := s.db.Collection(colTargets).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, translate("find target", err)
	}
	return fixTarget(&d.Target), nil
}

// Targets returns the targets of a period ("": all), in ID order.
func (s *Store) Targets(ctx context.Context, period string) ([]*plan.Target, error) {
	filter := bson.D{}
	if period != "" {
		filter = bson.D{{Key: "period", Value: period}}
	}
	cur, err := s.db.Collection(colTargets).Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, translate("list targets", err)
	}
	var docs []targetDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate("list targets", err)
	}
	out := make([]*plan.Target, len(docs))
	for i := range docs {
		out[i] = fixTarget(&docs[i].Target)
	}
	return out, nil
}

// insertDeliveries adds a transition's deliveries after its write. Their
// IDs are fixed by the report and its rev, so a retry adds none twice.
func (s *Store) insertDeliveries(ctx context.Context, ds []*survey.Delivery) error {
	for _, d := range ds {
		if err := s.InsertDelivery(ctx, d); err != nil && !errors.Is(err, survey.ErrDuplicate) {
			return err
		}
	}
	return nil
}

// InsertReport stores a new report, then its deliveries.
func (s *Store) InsertReport(ctx context.Context, r *plan.Report, ds []*survey.Delivery) error {
	if _, err := s.db.Collection(colReports).InsertOne(ctx, toReportDoc(r)); err != nil {
		return translate("insert report", err)
	}
	return s.insertDeliveries(ctx, ds)
}

// UpdateReport replaces a report still at rev (a conditional replace of
// one document), then adds its deliveries.
func (s *Store) UpdateReport(ctx context.Context, r *plan.Report, rev int, ds []*survey.Delivery) error {
	res, err := s.db.Collection(colReports).ReplaceOne(ctx, bson.D{{Key: "_id", Value: r.ID}, {Key: "rev", Value: rev}}, toReportDoc(r))
	if err != nil {
		return translate("update report", err)
	}
	if res.MatchedCount == 0 {
		return translate("update report", mdb.ErrNoDocuments)
	}
	return s.insertDeliveries(ctx, ds)
}

// Report returns one report.
func (s *Store) Report(ctx context.Context, id string) (*plan.Report, error) {
	var d reportDoc
	if err := s.db.Collection(colReports).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, translate("find report", err)
	}
	r := &d.Report
	for i := range r.Versions {
		r.Versions[i].At = r.Versions[i].At.UTC()
	}
	for i := range r.History {
		r.History[i].At = r.History[i].At.UTC()
	}
	return r, nil
}

// ReportStates lists a period's report states without their documents.
func (s *Store) ReportStates(ctx context.Context, period string) ([]plan.ReportState, error) {
	cur, err := s.db.Collection(colReports).Find(ctx, bson.D{{Key: "period", Value: period}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetProjection(bson.D{{Key: "report", Value: 0}}))
	if err != nil {
		return nil, translate("list report states", err)
	}
	var docs []reportDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate("list report states", err)
	}
	out := make([]plan.ReportState, len(docs))
	for i, d := range docs {
		out[i] = plan.ReportState{ID: d.ID, Unit: d.Unit, Parent: d.Parent, Period: d.Period, State: d.State, Rev: d.Rev, Version: d.Version, Comment: d.Comment}
	}
	return out, nil
}

// ReportIDs lists every report's ID.
func (s *Store) ReportIDs(ctx context.Context) ([]string, error) {
	cur, err := s.db.Collection(colReports).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).
		SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, translate("list reports", err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate("list reports", err)
	}
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.ID
	}
	return out, nil
}

var _ plan.Store = (*Store)(nil)
