package plan

import (
	"context"
	"slices"
	"strconv"

	"github.com/khaosat/khaosat/internal/survey"
)

// deliveries are the webhook outbox entries of a report transition: one
// for each webhook that asked for report events and whose owner's area
// holds the unit. The event carries identifiers and the state only
// (never figures): its id is the report's ID, review_state the state it
// went to, revision the report's Rev.
func (s *Service) deliveries(ctx context.Context, r *Report, step Step) ([]*survey.Delivery, error) {
	if s.hooks == nil {
		return nil, nil
	}
	hooks, err := s.hooks.Webhooks(ctx)
	if err != nil {
		return nil, err
	}
	p, _ := ParsePeriod(r.Period)
	var out []*survey.Delivery
	for _, w := range hooks {
		if !slices.Contains(w.Events, EventReport) || !s.reaches(w.Owner, r.Unit, p) {
			continue
		}
		e := survey.Event{Kind: EventReport, SubmissionID: r.ID, Unit: r.Unit, SurveyDate: p.To, Revision: r.Rev,
			ReviewState: r.State, At: step.At, By: step.By}
		out = append(out, &survey.Delivery{ID: w.ID + "/report/" + r.ID + "/" + strconv.Itoa(r.Rev), Hook: w.ID, Event: e,
			State: survey.DeliveryPending, NextAt: step.At, CreatedAt: step.At})
	}
	return out, nil
}
