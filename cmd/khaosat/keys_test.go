package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/seal"
)

// TestKeysRotateKeptRevisions: a submission edited twice keeps two earlier
// revisions with sealed answers, and a webhook its sealed secret. `khaosat
// keys retire` refuses the old key while anything is sealed under it,
// counting what; after `khaosat keys rotate` it takes the key out of
// data.keys, and the server then still opens every revision, the current
// one and the two kept, and reads them as before.
func TestKeysRotateKeptRevisions(t *testing.T) {
	dir := t.TempDir()
	ts, err := startServer(dir, localHooks...)
	if err != nil {
		t.Fatal(err)
	}
	admin := adminClient(t, ts)
	if r := admin.do("POST", "/api/v1/webhooks", map[string]any{"url": "http://127.0.0.1:9/hook", "events": []string{"create"}}); r.status != http.StatusCreated {
		t.Fatalf("register a webhook: %d %s", r.status, r.body)
	}
	env := envelope(householdData(t))
	path := subsPath + env["id"].(string)
	if r := admin.do("POST", "/api/v1/forms/household/submissions", env); r.status != http.StatusCreated {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	for rev := 1; rev <= 2; rev++ {
		env["data"].(map[string]any)["members_total"] = 6 + rev
		if r := admin.do("PUT", path, env, "If-Match", fmt.Sprintf(`"%d"`, rev)); r.status != http.StatusOK {
			t.Fatalf("edit %d: %d %s", rev, r.status, r.body)
		}
	}
	revisions := func(c *client) []map[string]any {
		t.Helper()
		var out []map[string]any
		for rev := 1; rev <= 3; rev++ {
			var s subJSON
			r := c.do("GET", fmt.Sprintf("%s/history/%d", path, rev), nil)
			if r.status != http.StatusOK {
				t.Fatalf("revision %d: %d %.300s", rev, r.status, r.body)
			}
			r.json(t, &s)
			out = append(out, s.Data)
		}
		return out
	}
	before := revisions(admin)
	// The indicator facts are sealed under the data key too.
	const cspc = "/api/v1/indicators/CSPC_RATE?unit=00004&period=2026"
	cspcBefore := admin.do("GET", cspc, nil)
	if cspcBefore.status != http.StatusOK || !bytes.Contains(cspcBefore.body, []byte(`"denominator":3`)) {
		t.Fatalf("CSPC_RATE before the rotation: %d %.300s", cspcBefore.status, cspcBefore.body)
	}
	if got := sensitiveByChild(before[0]); len(got["3f1c2a7e-8b4d-4c21-9a3e-6d5b7f2c1e90"]) != 3 {
		t.Fatalf("revision 1 without its sensitive answers: %v", got)
	}
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}

	ring := filepath.Join(dir, "data.keys")
	readRing := func() [][]byte {
		t.Helper()
		b, err := os.ReadFile(ring)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := seal.ParseKeys(string(b))
		if err != nil {
			t.Fatal(err)
		}
		return keys
	}
	keysVerb := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append(append([]string{"keys"}, args...), "--data-dir", dir, "--log-level", "error"), nil, &out, io.Discard)
		return out.String(), err
	}
	old := seal.KeyID(readRing()[0])
	if _, err := keysVerb("retire", old); err == nil || !strings.Contains(err.Error(), "is the current key") {
		t.Errorf("retiring the current key: %v, want a refusal", err)
	}
	if _, err := keysVerb("retire", "0123456789abcdef"); err == nil || !strings.Contains(err.Error(), "no key") {
		t.Errorf("retiring a key not in the ring: %v, want a refusal", err)
	}
	// A new current key that seals nothing yet: the old one still seals it all.
	k, err := seal.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ring, []byte(seal.FormatKeys(append([][]byte{k}, readRing()...))), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = keysVerb("retire", old)
	if err == nil || !strings.Contains(err.Error(), "still seals 1 submissions, 2 kept revisions") || !strings.Contains(err.Error(), "and 1 webhook secrets") {
		t.Fatalf("retiring a key in use: %v, want a refusal that counts its use", err)
	}
	if len(readRing()) != 2 {
		t.Fatal("a refused retirement changed the ring")
	}

	out, err := keysVerb("rotate")
	if err != nil {
		t.Fatalf("keys rotate: %v", err)
	}
	if !strings.Contains(out, "re-encrypted 1 submissions, 2 kept revisions, the indicator facts of 1 submissions and 1 webhook secrets") {
		t.Errorf("keys rotate said %q", out)
	}
	if keys := readRing(); len(keys) != 3 {
		t.Fatalf("ring after the rotation: %d keys", len(keys))
	}
	for _, id := range []string{old, seal.KeyID(k)} {
		if out, err := keysVerb("retire", id); err != nil || !strings.Contains(out, "retired data key "+id) {
			t.Fatalf("retiring %s after the rotation: %q, %v", id, out, err)
		}
	}
	if keys := readRing(); len(keys) != 1 {
		t.Fatalf("ring after retiring two keys: %d keys", len(keys))
	}

	again := mustStart(t, dir, localHooks...)
	admin = adminClient(t, again)
	if d := cmp.Diff(before, revisions(admin)); d != "" {
		t.Errorf("revisions read after the old key left the ring (-before +after):\n%s", d)
	}
	if r := admin.do("GET", cspc, nil); r.status != http.StatusOK || !bytes.Equal(r.body, cspcBefore.body) {
		t.Errorf("CSPC_RATE after the old key left the ring: %d %.300s, want %.300s", r.status, r.body, cspcBefore.body)
	}
}

// TestProtectionLeavesTheConfig: the hash secret read from the data
// directory is used, but the configuration still says none was given, so
// serve warns that instances sharing a MongoDB database need the same one.
func TestProtectionLeavesTheConfig(t *testing.T) {
	cfg := &Config{DataDir: t.TempDir()}
	p, err := protection(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.HashKey) < 32 {
		t.Errorf("hash key of %d bytes", len(p.HashKey))
	}
	if cfg.HashSecret != "" {
		t.Error("protection wrote the generated hash secret into the configuration: serve's warning about it can never fire")
	}
}
