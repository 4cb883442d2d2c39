package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/httpapi"
)

var ginParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// TestOpenAPICoversEveryRoute fails when a route of the router is missing
// from api/openapi.yaml, or the document describes a route the router lacks.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile(filepath.Join("..", "..", "api", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("api/openapi.yaml is not valid: %v", err)
	}
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	r := httpapi.NewRouter(httpapi.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	var routed []string
	for _, ri := range r.Routes() {
		routed = append(routed, ri.Method+" "+ginParam.ReplaceAllString(ri.Path, "{$1}"))
	}
	sort.Strings(documented)
	sort.Strings(routed)
	if diff := cmp.Diff(documented, routed); diff != "" {
		t.Errorf("routes (-api/openapi.yaml +router):\n%s", diff)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == "" || strings.TrimSpace(op.Description) == "" {
				t.Errorf("%s %s: needs an operationId and a description of who may call it", method, path)
			}
		}
	}
}
