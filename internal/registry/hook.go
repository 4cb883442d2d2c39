package registry

import (
	"context"
	"errors"
	"time"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/schema"
	"github.com/khaosat/khaosat/internal/survey"
)

// Hook is what intake asks of the registry (survey.RegistryHook): what a
// submission tells it, and whether its references name records the
// sender may see.
type Hook struct {
	store    Store
	units    *survey.Units
	compiled func(ctx context.Context, form string, version int) (*schema.Form, error)
}

// NewHook returns the registry's intake hook; compiled is the catalog's
// (survey.Catalog.Compiled).
func NewHook(store Store, units *survey.Units, compiled func(ctx context.Context, form string, version int) (*schema.Form, error)) *Hook {
	return &Hook{store: store, units: units, compiled: compiled}
}

// Observe returns what sub's current state tells the registry.
func (h *Hook) Observe(ctx context.Context, sub *survey.Submission) (survey.RegistryRecord, error) {
	o, err := h.observe(ctx, sub)
	if err != nil || o == nil {
		return nil, err
	}
	return o, nil
}

// observe is Observe with the concrete type, for a rebuild.
func (h *Hook) observe(ctx context.Context, sub *survey.Submission) (*Observation, error) {
	if sub.FormID != FormHousehold && !IsFollowUp(sub.FormID) {
		return nil, nil
	}
	sf, err := h.compiled(ctx, sub.FormID, sub.FormVersion)
	if err != nil {
		return nil, err
	}
	return ObservationOf(sub, sf.SensitiveForm), nil
}

// Rebuild computes the registry again from every stored submission.
func (h *Hook) Rebuild(ctx context.Context) error {
	return h.store.RebuildRegistry(ctx, h.observe)
}

// BuildOnce builds the registry of a database from before it, once: it
// reports whether it did.
func (h *Hook) BuildOnce(ctx context.Context) (bool, error) {
	need, err := h.store.RegistryNeedsRebuild(ctx)
	if err != nil || !need {
		return false, err
	}
	return true, h.Rebuild(ctx)
}

// CheckRefs returns an error for each root answer of sub on a field with
// x-ref that names no record the actor may see: none with that id, or
// one outside the actor's communes. Nothing of the record is told.
func (h *Hook) CheckRefs(ctx context.Context, actor survey.Actor, sf *schema.Form, sub *survey.Submission) ([]survey.FieldError, error) {
	var fe []survey.FieldError
	for _, f := range sf.Fields {
		id, _ := sub.Data[f.Name].(string)
		if f.Ref == "" || id == "" {
			continue
		}
		ok, err := h.visible(ctx, actor, f.Ref, id)
		if err != nil {
			return nil, err
		}
		if !ok {
			fe = append(fe, unknownRef("/data/"+f.Name, f.Ref))
		}
	}
	return fe, nil
}

// visible reports whether the record kind/id exists and lies in the
// actor's communes (on the date it was last seen).
func (h *Hook) visible(ctx context.Context, actor survey.Actor, kind, id string) (bool, error) {
	var commune string
	var seen Seen
	switch kind {
	case schema.RefChild:
		c, err := h.store.RegistryChild(ctx, id)
		if errors.Is(err, survey.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		commune, seen = c.Commune, c.Latest
	case schema.RefHousehold:
		hh, err := h.store.RegistryHousehold(ctx, id)
		if errors.Is(err, survey.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		commune, seen = hh.Commune, hh.Latest
	default:
		return false, nil
	}
	return Within(h.units, actor, commune, seen.SurveyDate), nil
}

// Within reports whether a record of commune (as of date) lies in the
// actor's area: everywhere for an admin, under the actor's units
// otherwise.
func Within(units *survey.Units, actor survey.Actor, commune string, date time.Time) bool {
	if actor.Role == survey.RoleAdmin {
		return true
	}
	return units.Within(commune, date, actor.Units)
}

func unknownRef(path, kind string) survey.FieldError {
	if kind == schema.RefHousehold {
		return survey.NewFieldError(path, "unknown_household", msg.RegistryUnknownHousehold)
	}
	return survey.NewFieldError(path, "unknown_child", msg.RegistryUnknownChild)
}
