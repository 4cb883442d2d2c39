package main

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestCORS: only the configured web origin may call the API from a browser.
func TestCORS(t *testing.T) {
	const console = "https://console.example.org"
	ts := mustStart(t, t.TempDir(), "--cors-origin", console)
	send := func(method, path, origin string, headers ...string) *http.Response {
		req, _ := http.NewRequest(method, ts.base+path, nil)
		req.Header.Set("Origin", origin)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	pre := []string{"Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization"}
	res := send("OPTIONS", "/api/v1/me", console, pre...)
	if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != console ||
		!strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight from the console: %d %v", res.StatusCode, res.Header)
	}
	for _, evil := range []string{"https://evil.example", "https://console.example.org.evil.example", "null", "http://console.example.org"} {
		res = send("OPTIONS", "/api/v1/me", evil, pre...)
		if res.StatusCode != http.StatusForbidden || res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight from %s: %d ACAO=%q", evil, res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"))
		}
		res = send("GET", "/healthz", evil)
		if res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("GET from %s carries ACAO", evil)
		}
	}
	res = send("GET", "/api/v1/me", console)
	if res.StatusCode != http.StatusUnauthorized || res.Header.Get("Access-Control-Allow-Origin") != console ||
		!strings.Contains(res.Header.Get("Access-Control-Expose-Headers"), "X-Request-ID") || res.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("GET from the console: %d %v", res.StatusCode, res.Header)
	}
	if err := func() error {
		_, err := parseConfig("serve", []string{"--cors-origin", "console.example.org/path"}, nil, io.Discard)
		return err
	}(); err == nil {
		t.Error("an origin with no scheme and a path was accepted")
	}
}

// TestBodyLimits: every route has a body cap, refused before reading.
func TestBodyLimits(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 100<<10)
	c := adminClient(t, shared)
	if r := newClient(t, shared).raw("POST", "/api/v1/auth/login", big); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("100 KiB login: %d, want 413", r.status)
	}
	if r := c.raw("PATCH", "/api/v1/users/x", big); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("100 KiB user change: %d, want 413", r.status)
	}
	// A body where none is expected.
	req, _ := http.NewRequest("GET", shared.base+"/api/v1/me", bytes.NewReader([]byte(`{"a":1}`)))
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), `"too_large"`) {
		t.Errorf("GET with a body: %d %s", res.StatusCode, body)
	}
	huge := bytes.Repeat([]byte(" "), 2<<20)
	if r := newUser(t, shared, "collector", unitIn).raw("POST", "/api/v1/forms/household/submissions", huge); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB submission: %d, want 413", r.status)
	}
}
