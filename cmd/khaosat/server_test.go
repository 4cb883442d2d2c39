package main

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/mongo"
	"github.com/khaosat/khaosat/internal/mongotest"
)

// TestRestartKeepsEverything stops a server and starts another on the same
// data directory: users, forms and submissions are still there, and no form
// version is published twice.
func TestRestartKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	first, err := startServer(dir)
	if err != nil {
		t.Fatal(err)
	}
	col := newUser(t, first, "collector", "00004")
	env := envelope(householdData(t))
	if r := col.do("POST", "/api/v1/forms/household/submissions", env); r.status != http.StatusCreated {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	if err := first.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}

	second := mustStart(t, dir)
	admin := adminClient(t, second)
	var users struct {
		Items []struct{ Username string } `json:"items"`
	}
	admin.do("GET", "/api/v1/users", nil).json(t, &users)
	if len(users.Items) != 2 {
		t.Fatalf("after restart: %d users, want admin and the collector", len(users.Items))
	}
	col.base = second.base
	if n := countSubmissions(t, col, "household", ""); n != 1 {
		t.Fatalf("after restart the collector sees %d submissions, want 1", n)
	}
	// The same submission again is still a retry, not a new document.
	if r := col.do("POST", "/api/v1/forms/household/submissions", env); r.status != http.StatusOK {
		t.Fatalf("retry after restart: %d, want 200: %s", r.status, r.body)
	}
	var forms struct {
		Items []struct {
			ID      string `json:"id"`
			Version int    `json:"version"`
		} `json:"items"`
	}
	admin.do("GET", "/api/v1/forms", nil).json(t, &forms)
	if len(forms.Items) != 4 {
		t.Fatalf("want 4 forms, got %+v", forms.Items)
	}
	for _, f := range forms.Items {
		if f.Version != 1 {
			t.Errorf("form %s is at version %d after a restart with unchanged files, want 1", f.ID, f.Version)
		}
		if r := admin.do("GET", "/api/v1/forms/"+f.ID+"/versions/2", nil); r.status != http.StatusNotFound {
			t.Errorf("form %s has a version 2: %d", f.ID, r.status)
		}
	}
}

// TestExternalMongoDBURI points the server at another wire-protocol server
// (a second embedded engine) and checks the data lands there.
func TestExternalMongoDBURI(t *testing.T) {
	emb, err := mongotest.StartEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emb.Stop(context.Background()) })
	dataDir := t.TempDir()
	ts := mustStart(t, dataDir, "--mongodb-uri", emb.URI(), "--database", "external_test")
	col := newUser(t, ts, "collector", "00004")
	if r := col.do("POST", "/api/v1/forms/household/submissions", envelope(householdData(t))); r.status != http.StatusCreated {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	ctx := context.Background()
	store, err := mongo.Connect(ctx, emb.URI(), "external_test")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close(ctx)
	n, err := store.Database().Collection("submissions").CountDocuments(ctx, map[string]any{})
	if err != nil || n != 1 {
		t.Fatalf("the external database holds %d submissions (err %v), want 1", n, err)
	}
	if n, _ := store.CountUsers(ctx); n != 2 {
		t.Fatalf("the external database holds %d users, want 2", n)
	}
}

// TestListingPagesWhileOthersInsert pages through the list while another
// collector keeps inserting: every row that existed when paging began is
// seen exactly once, and no row is seen twice.
func TestListingPagesWhileOthersInsert(t *testing.T) {
	admin := adminClient(t, shared)
	col := newUser(t, shared, "collector", "00008")
	before := map[string]bool{}
	for i := 0; i < 30; i++ {
		e := envelope(householdData(t))
		e["unit"] = "00008"
		if r := col.do("POST", "/api/v1/forms/household/submissions", e); r.status != http.StatusCreated {
			t.Fatalf("submit: %d %s", r.status, r.body)
		}
		before[e["id"].(string)] = true
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	writer := &client{tb: t, base: col.base, token: col.token, hc: col.hc}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 40; i++ {
			select {
			case <-stop:
				return
			default:
			}
			e := envelope(householdData(t))
			e["unit"] = "00008"
			writer.do("POST", "/api/v1/forms/household/submissions", e)
		}
	}()
	seen := map[string]int{}
	cursor := ""
	for pages := 0; pages < 100; pages++ {
		r := admin.do("GET", "/api/v1/forms/household/submissions?unit=00008&limit=7"+cursor, nil)
		if r.status != http.StatusOK {
			t.Fatalf("list: %d %s", r.status, r.body)
		}
		var page struct {
			Items      []struct{ ID string } `json:"items"`
			NextCursor *string               `json:"next_cursor"`
		}
		r.json(t, &page)
		for _, it := range page.Items {
			seen[it.ID]++
		}
		if page.NextCursor == nil {
			break
		}
		cursor = "&cursor=" + *page.NextCursor
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s seen %d times", id, n)
		}
	}
	for id := range before {
		if seen[id] != 1 {
			t.Errorf("%s existed before paging began but was not seen", id)
		}
	}
	if r := admin.do("GET", "/api/v1/forms/household/submissions?cursor=not-a-cursor", nil); r.status != http.StatusBadRequest {
		t.Errorf("bad cursor: %d, want 400", r.status)
	}
}

// TestListingScope: a collector sees only their own; a supervisor only their area.
func TestListingScope(t *testing.T) {
	a := newUser(t, shared, "collector", "00070")
	b := newUser(t, shared, "collector", "00070")
	sup := newUser(t, shared, "supervisor", "00082")
	e := envelope(householdData(t))
	e["unit"] = "00070"
	if r := a.do("POST", "/api/v1/forms/household/submissions", e); r.status != http.StatusCreated {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if n := countSubmissions(t, b, "household", ""); n != 0 {
		t.Errorf("a collector sees %d submissions of another collector in the same ward", n)
	}
	if n := countSubmissions(t, sup, "household", ""); n != 0 {
		t.Errorf("a supervisor of 00082 sees %d submissions of 00070", n)
	}
	if n := countSubmissions(t, a, "household", "&unit=00070"); n != 1 {
		t.Errorf("the collector sees %d of their own, want 1", n)
	}
}

func TestUnits(t *testing.T) {
	c := newUser(t, shared, "designer")
	var list struct {
		Items []struct {
			Code   string  `json:"code"`
			Name   string  `json:"name"`
			Level  string  `json:"level"`
			Parent *string `json:"parent"`
		} `json:"items"`
	}
	c.do("GET", "/api/v1/units?parent=01&at=2026-01-01", nil).json(t, &list)
	if len(list.Items) != 126 || list.Items[0].Level != "commune" {
		t.Fatalf("after the reform the city has %d units below it, want 126 communes", len(list.Items))
	}
	c.do("GET", "/api/v1/units?parent=01&at=2025-06-30", nil).json(t, &list)
	if len(list.Items) != 30 || list.Items[0].Level != "district" {
		t.Fatalf("before the reform the city has %d units below it, want 30 districts", len(list.Items))
	}
	var u struct {
		Name    string  `json:"name"`
		Parent  *string `json:"parent"`
		ValidTo *string `json:"valid_to"`
	}
	c.do("GET", "/api/v1/units/00004?at=2025-01-01", nil).json(t, &u)
	if u.Name != "Phường Trúc Bạch" || u.Parent == nil || *u.Parent != "001" || u.ValidTo == nil {
		t.Errorf("00004 in 2025-01: %+v", u)
	}
	c.do("GET", "/api/v1/units/00004?at=2025-07-01", nil).json(t, &u)
	if u.Name != "Phường Ba Đình" || u.Parent == nil || *u.Parent != "01" || u.ValidTo != nil {
		t.Errorf("00004 in 2025-07: %+v", u)
	}
	if r := c.do("GET", "/api/v1/units/00001?at=2026-01-01", nil); r.status != http.StatusNotFound {
		t.Errorf("abolished ward after the reform: %d, want 404", r.status)
	}
	if r := c.do("GET", "/api/v1/units?at=yesterday", nil); r.status != http.StatusBadRequest {
		t.Errorf("bad date: %d, want 400", r.status)
	}
}

func TestFormsForPhones(t *testing.T) {
	c := newUser(t, shared, "collector", "00004")
	r := c.do("GET", "/api/v1/forms/household", nil)
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	etag := r.header.Get("ETag")
	var f struct {
		Version int            `json:"version"`
		Schema  map[string]any `json:"schema"`
		Title   struct{ VI, EN string }
	}
	r.json(t, &f)
	if f.Version != 1 || f.Schema["x-form"] != "household" || f.Title.VI == "" || f.Title.EN == "" {
		t.Fatalf("form: %+v", f)
	}
	if r := c.do("GET", "/api/v1/forms/household", nil, "If-None-Match", etag); r.status != http.StatusNotModified || len(r.body) != 0 {
		t.Fatalf("If-None-Match: %d, want 304 with no body", r.status)
	}
	if r := c.do("GET", "/api/v1/forms/household/versions/1", nil, "If-None-Match", etag); r.status != http.StatusNotModified {
		t.Fatalf("version 1 with the same ETag: %d, want 304", r.status)
	}
	if r := c.do("GET", "/api/v1/forms/household/versions/x", nil); r.status != http.StatusBadRequest {
		t.Fatalf("bad version: %d, want 400", r.status)
	}
	if r := c.do("GET", "/api/v1/forms/nope", nil); r.status != http.StatusNotFound {
		t.Fatalf("unknown form: %d, want 404", r.status)
	}
}

func TestHealth(t *testing.T) {
	c := newClient(t, shared)
	for _, p := range []string{"/healthz", "/readyz", "/api/openapi.yaml"} {
		if r := c.do("GET", p, nil); r.status != http.StatusOK {
			t.Errorf("%s: %d", p, r.status)
		}
	}
	if r := c.do("GET", "/api/v1/me", nil); r.status != http.StatusUnauthorized {
		t.Errorf("/me without token: %d", r.status)
	}
	if r := c.do("POST", "/api/v1/auth/login", map[string]string{"username": "admin", "password": "wrong-password"}); r.status != http.StatusUnauthorized {
		t.Errorf("wrong password: %d", r.status)
	}
	if r := c.do("POST", "/api/v1/auth/login", map[string]string{"username": "admin", "password": "x", "extra": "y"}); r.status != http.StatusBadRequest {
		t.Errorf("unknown login field: %d, want 400", r.status)
	}
}

func TestReadOneSubmission(t *testing.T) {
	a := newUser(t, shared, "collector", "00097")
	b := newUser(t, shared, "collector", "00097")
	sup := newUser(t, shared, "supervisor", "00097")
	other := newUser(t, shared, "supervisor", "00008")
	e := envelope(householdData(t))
	e["unit"] = "00097"
	if r := a.do("POST", "/api/v1/forms/household/submissions", e); r.status != http.StatusCreated {
		t.Fatalf("%d %s", r.status, r.body)
	}
	path := "/api/v1/forms/household/submissions/" + e["id"].(string)
	for _, tc := range []struct {
		name string
		c    *client
		want int
	}{{"owner", a, 200}, {"supervisor of the ward", sup, 200}, {"other collector of the ward", b, 404}, {"supervisor elsewhere", other, 404}} {
		if r := tc.c.do("GET", path, nil); r.status != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, r.status, tc.want)
		}
	}
	if r := a.do("GET", "/api/v1/forms/labour/submissions/"+e["id"].(string), nil); r.status != http.StatusNotFound {
		t.Errorf("under another form: %d, want 404", r.status)
	}
}

// TestSensitiveAnswersAreRedacted: special_circumstances (and the support
// answers that give it away) are x-sensitive; callers without the right
// get them removed and their paths listed.
func TestSensitiveAnswersAreRedacted(t *testing.T) {
	col := newUser(t, shared, "collector", "00103")
	e := envelope(householdData(t))
	e["unit"] = "00103"
	if r := col.do("POST", "/api/v1/forms/household/submissions", e); r.status != http.StatusCreated {
		t.Fatalf("%d %s", r.status, r.body)
	}
	path := "/api/v1/forms/household/submissions/" + e["id"].(string)
	type view struct {
		Data struct {
			Children []map[string]any `json:"children"`
		} `json:"data"`
		Redacted []string `json:"redacted"`
	}
	supervisor := newUser(t, shared, "supervisor", "00103")
	for _, tc := range []struct {
		name string
		c    *client
		sees bool
	}{{"collector", col, false}, {"supervisor without grant", supervisor, false}, {"manager", newUser(t, shared, "manager", "00103"), true}, {"admin", adminClient(t, shared), true}} {
		var v view
		r := tc.c.do("GET", path, nil)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d", tc.name, r.status)
		}
		r.json(t, &v)
		_, has := v.Data.Children[0]["special_circumstances"]
		// Three children, each with special_circumstances, receiving_support, support_types.
		if has != tc.sees || (len(v.Redacted) == 9) == tc.sees {
			t.Errorf("%s: sees special_circumstances=%v redacted=%v, want sees=%v", tc.name, has, v.Redacted, tc.sees)
		}
		if !tc.sees && (v.Redacted[0] != "/children/0/special_circumstances" || strings.Contains(string(r.body), `"hiv"`)) {
			t.Errorf("%s: body leaks or lists wrong paths: %s", tc.name, r.body)
		}
	}
}
