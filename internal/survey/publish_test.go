package survey_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/khaosat/khaosat/internal/domaintest"
	"github.com/khaosat/khaosat/internal/sqlite"
	"github.com/khaosat/khaosat/internal/survey"
)

// newCatalog returns a catalog over a fresh database, dropped after the test.
func newCatalog(t *testing.T) *survey.Catalog {
	c, _ := newCatalogStore(t)
	return c
}

// newCatalogStore is newCatalog with its store, which audits design actions.
func newCatalogStore(t *testing.T) (*survey.Catalog, *sqlite.Store) {
	t.Helper()
	store := domaintest.Store(t)
	return survey.NewCatalog(store, slog.New(slog.NewTextHandler(io.Discard, nil)), survey.WithAuditor(survey.NewAuditor(store))), store
}

// shippedHIV returns forms/hiv.json, changed by edit.
func shippedHIV(t *testing.T, edit func(map[string]any)) []byte {
	t.Helper()
	raw, err := os.ReadFile("../../forms/hiv.json")
	if err != nil {
		t.Fatal(err)
	}
	if edit == nil {
		return raw
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func dirWith(raw []byte) fstest.MapFS {
	return fstest.MapFS{"forms/hiv.json": &fstest.MapFile{Data: raw}}
}

func hivProp(doc map[string]any, name string) map[string]any {
	return doc["properties"].(map[string]any)[name].(map[string]any)
}

// TestPublishDirRules: start-up publishing of forms/ goes through the lint
// and breaking-change rules of the API.
func TestPublishDirRules(t *testing.T) {
	ctx := context.Background()
	admin := survey.Actor{Role: survey.RoleAdmin, UserID: "admin"}
	addField := func(doc map[string]any) {
		doc["properties"].(map[string]any)["clinic"] = map[string]any{"type": "string", "x-label": map[string]any{"vi": "Phòng khám", "en": "Clinic"}}
		doc["x-order"] = append(doc["x-order"].([]any), "clinic")
	}
	tests := []struct {
		name    string
		edit    func(map[string]any)
		wantErr string // "" = publishes version 2
	}{
		{"safe: a field added", addField, ""},
		{"breaking: a code removed", func(doc map[string]any) {
			p := hivProp(doc, "caregiver")
			p["enum"] = p["enum"].([]any)[1:]
			p["x-choices"] = p["x-choices"].([]any)[1:]
		}, "choice_removed"},
		{"breaking: a type changed", func(doc map[string]any) {
			hivProp(doc, "full_name")["type"] = "integer"
			delete(hivProp(doc, "full_name"), "minLength")
			delete(hivProp(doc, "full_name"), "maxLength")
		}, "kind_changed"},
		{"lint error", func(doc map[string]any) { delete(hivProp(doc, "sex"), "x-label") }, "/properties/sex/x-label: label"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCatalog(t)
			if err := c.PublishDir(ctx, dirWith(shippedHIV(t, nil)), "forms"); err != nil {
				t.Fatal(err)
			}
			err := c.PublishDir(ctx, dirWith(shippedHIV(t, tc.edit)), "forms")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("PublishDir() error = %v, want one naming %q", err, tc.wantErr)
				}
				_, v, err := c.Current(ctx, "hiv")
				if err != nil || v.Version != 1 {
					t.Fatalf("current version %v %v, want still 1", v, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, v, err := c.Current(ctx, "hiv")
			if err != nil || v.Version != 2 {
				t.Fatalf("current version %+v %v, want 2", v, err)
			}
		})
	}

	// A file that is an older version does not overwrite a version
	// published later through the API.
	t.Run("older file after an API publish", func(t *testing.T) {
		c := newCatalog(t)
		if err := c.PublishDir(ctx, dirWith(shippedHIV(t, nil)), "forms"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.SaveDraft(ctx, admin, "hiv", shippedHIV(t, addField)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Publish(ctx, admin, "hiv", "clinic"); err != nil {
			t.Fatal(err)
		}
		if err := c.PublishDir(ctx, dirWith(shippedHIV(t, nil)), "forms"); err != nil {
			t.Fatal(err)
		}
		_, v, err := c.Current(ctx, "hiv")
		if err != nil || v.Version != 2 || v.Notes != "clinic" {
			t.Fatalf("current %+v %v, want the API's version 2", v, err)
		}
	})
}

// TestDesignActionsAudited: creating, publishing, closing and reopening a
// form each leave an audit entry naming the user and the form.
func TestDesignActionsAudited(t *testing.T) {
	ctx := context.Background()
	c, store := newCatalogStore(t)
	des := survey.Actor{Role: survey.RoleDesigner, UserID: "designer-1", Username: "thiet_ke"}
	if _, _, err := c.CreateForm(ctx, des, shippedHIV(t, nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, des, "hiv", "first"); err != nil {
		t.Fatal(err)
	}
	for _, st := range []survey.FormStatus{survey.FormClosed, survey.FormOpen} {
		if _, err := c.SetStatus(ctx, des, "hiv", st); err != nil {
			t.Fatal(err)
		}
	}
	got, err := store.ListAudit(ctx, survey.AuditQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range got {
		if e.UserID != "designer-1" || e.Target != "hiv" {
			t.Errorf("entry %+v, want designer-1 on hiv", e)
		}
		actions = append(actions, e.Action)
	}
	// Entries of one millisecond tie on "at": compare them as a set.
	want := []string{survey.AuditFormCreate, survey.AuditFormPublish, survey.AuditFormClose, survey.AuditFormReopen}
	sort.Strings(actions)
	sort.Strings(want)
	if strings.Join(actions, " ") != strings.Join(want, " ") {
		t.Errorf("actions = %v, want %v", actions, want)
	}
}
