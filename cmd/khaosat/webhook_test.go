package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

type receivedHook struct {
	delivery, timestamp, signature string
	body                           []byte
	status                         int
}

// TestWebhookSurvivesRestart: a receiver fails the first two deliveries;
// the server is restarted after the first failure; the delivery arrives
// (2xx) exactly once, with a valid signature, and the log shows it.
func TestWebhookSurvivesRestart(t *testing.T) {
	var mu sync.Mutex
	var got []receivedHook
	first := make(chan struct{}, 1)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		h := receivedHook{delivery: r.Header.Get("X-Khaosat-Delivery"), timestamp: r.Header.Get("X-Khaosat-Timestamp"),
			signature: r.Header.Get("X-Khaosat-Signature"), body: body, status: http.StatusOK}
		if len(got) < 2 {
			h.status = http.StatusServiceUnavailable
		}
		got = append(got, h)
		if len(got) == 1 {
			first <- struct{}{}
		}
		w.WriteHeader(h.status)
	}))
	defer recv.Close()

	dir := t.TempDir()
	args := append([]string{"--webhook-backoff", "400ms", "--webhook-poll", "50ms"}, localHooks...)
	ts, err := startServer(dir, args...)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			ts.stop()
		}
	}()
	admin := adminClient(t, ts)
	mgr := newUser(t, ts, "manager", "00004")
	col := newUser(t, ts, "collector", "00004")
	if r := newUser(t, ts, "supervisor", "00004").do("POST", "/api/v1/webhooks", map[string]any{"url": recv.URL, "events": []string{"create"}}); r.status != http.StatusForbidden {
		t.Errorf("supervisor registers: %d, want 403", r.status)
	}
	for _, bad := range []map[string]any{
		{"url": "ftp://x", "events": []string{"create"}},
		{"url": recv.URL, "events": []string{}},
		{"url": recv.URL, "events": []string{"explode"}},
		{"url": recv.URL, "events": []string{"create"}, "form": "nosuch"},
	} {
		if r := mgr.do("POST", "/api/v1/webhooks", bad); r.status != http.StatusUnprocessableEntity {
			t.Errorf("%v: %d, want 422", bad, r.status)
		}
	}
	r := mgr.do("POST", "/api/v1/webhooks", map[string]any{"url": recv.URL, "events": []string{"create"}, "form": "household"})
	if r.status != http.StatusCreated {
		t.Fatalf("register: %d %s", r.status, r.body)
	}
	var hook struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}
	r.json(t, &hook)
	var list struct {
		Items []map[string]any `json:"items"`
	}
	mgr.do("GET", "/api/v1/webhooks", nil).json(t, &list)
	if len(list.Items) != 1 || list.Items[0]["secret"] != nil {
		t.Errorf("owner's list: %v (the secret is shown once only)", list.Items)
	}
	other := newUser(t, ts, "manager", "00004")
	other.do("GET", "/api/v1/webhooks", nil).json(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("another manager sees %d webhooks", len(list.Items))
	}
	if r := other.do("DELETE", "/api/v1/webhooks/"+hook.ID, nil); r.status != http.StatusNotFound {
		t.Errorf("another manager deletes: %d, want 404", r.status)
	}
	admin.do("GET", "/api/v1/webhooks", nil).json(t, &list)
	if len(list.Items) != 1 {
		t.Errorf("admin sees %d webhooks", len(list.Items))
	}
	env := submitOne(t, col)

	select {
	case <-first:
	case <-time.After(20 * time.Second):
		t.Fatal("no delivery attempt within 20s")
	}
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	stopped = true
	ts2 := mustStart(t, dir, args...)
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d delivery attempts after the restart", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // nothing more may come
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 {
		t.Fatalf("%d attempts, want 3", len(got))
	}
	ok := 0
	for i, h := range got {
		if h.delivery != got[0].delivery || h.delivery == "" {
			t.Errorf("attempt %d has delivery id %q, want %q", i, h.delivery, got[0].delivery)
		}
		m := hmac.New(sha256.New, []byte(hook.Secret))
		m.Write([]byte(h.timestamp + "."))
		m.Write(h.body)
		if want := "sha256=" + hex.EncodeToString(m.Sum(nil)); !hmac.Equal([]byte(want), []byte(h.signature)) {
			t.Errorf("attempt %d: signature %q does not verify", i, h.signature)
		}
		if h.status == http.StatusOK {
			ok++
			var p struct {
				Event struct {
					Kind string `json:"kind"`
					ID   string `json:"id"`
				} `json:"event"`
			}
			if err := json.Unmarshal(h.body, &p); err != nil || p.Event.Kind != "create" || p.Event.ID != env["id"] {
				t.Errorf("payload %s", h.body)
			}
		}
	}
	if ok != 1 {
		t.Errorf("%d successful deliveries, want 1", ok)
	}
	var log struct {
		Items []struct {
			State    string `json:"state"`
			Attempts int    `json:"attempts"`
		} `json:"items"`
	}
	r = adminClient(t, ts2).do("GET", "/api/v1/webhooks/"+hook.ID+"/deliveries", nil)
	r.json(t, &log)
	if r.status != http.StatusOK || len(log.Items) != 1 || log.Items[0].State != "delivered" || log.Items[0].Attempts < 2 {
		t.Errorf("delivery log: %d %s", r.status, r.body)
	}
}
