package main

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// scrape reads a Prometheus text exposition into series → value.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("scrape: %d %s %.200s", res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad line %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

// metricsURLOf is the metrics address a server started with
// --metrics-addr printed.
func metricsURLOf(t *testing.T, ts *testServer) string {
	t.Helper()
	ts.mu.Lock()
	out := ts.stdout.String()
	ts.mu.Unlock()
	_, after, ok := strings.Cut(out, "khaosat: metrics on ")
	if !ok {
		t.Fatalf("no metrics address in the output:\n%s", out)
	}
	url, _, _ := strings.Cut(after, "\n")
	return url
}

// TestMetrics runs a server with --metrics-addr, makes some traffic
// (submissions created, repeated and refused, a sync batch, an export, an
// indicator query, a webhook delivery, a readiness ping) and checks the
// named series on the metrics listener; the API listener has no /metrics.
func TestMetrics(t *testing.T) {
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer recv.Close()
	ts := mustStart(t, t.TempDir(), append([]string{"--metrics-addr", "127.0.0.1:0", "--webhook-poll", "50ms"}, localHooks...)...)
	metricsURL := metricsURLOf(t, ts)

	admin := adminClient(t, ts)
	mgr := newUser(t, ts, "manager", "00004")
	if r := mgr.do("POST", "/api/v1/webhooks", map[string]any{"url": recv.URL, "events": []string{"create"}}); r.status != http.StatusCreated {
		t.Fatalf("webhook: %d %s", r.status, r.body)
	}
	col := newUser(t, ts, "collector", "00004")
	e := envelope(householdData(t))
	for _, want := range []int{http.StatusCreated, http.StatusOK} { // created, then the same again
		if r := col.do("POST", "/api/v1/forms/household/submissions", e); r.status != want {
			t.Fatalf("submit: %d %s, want %d", r.status, r.body, want)
		}
	}
	bad := envelope(householdData(t))
	bad["unit"] = "123"
	if r := col.do("POST", "/api/v1/forms/household/submissions", bad); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad submit: %d", r.status)
	}
	a, b := envelope(householdData(t)), envelope(householdData(t))
	a["form"], b["form"] = "household", "household"
	if r := col.do("POST", "/api/v1/sync", map[string]any{"submissions": []any{a, b}}); r.status != http.StatusOK {
		t.Fatalf("sync: %d %s", r.status, r.body)
	}
	if r := admin.raw("GET", "/api/v1/forms/household/export?format=csv&unit=00004", nil); r.status != http.StatusOK {
		t.Fatalf("export: %d", r.status)
	}
	if r := admin.do("GET", "/api/v1/indicators/table?period=2026&unit=00004", nil); r.status != http.StatusOK {
		t.Fatalf("indicators: %d", r.status)
	}
	if r := newClient(t, ts).do("GET", "/readyz", nil); r.status != http.StatusOK {
		t.Fatalf("readyz: %d", r.status)
	}
	if r := newClient(t, ts).do("GET", "/metrics", nil); r.status != http.StatusNotFound {
		t.Errorf("the API listener serves /metrics: %d", r.status)
	}

	var m map[string]float64
	deadline := time.Now().Add(20 * time.Second)
	for {
		m = scrape(t, metricsURL)
		if m[`khaosat_webhook_deliveries_total{outcome="delivered"}`] >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for series, want := range map[string]float64{
		`khaosat_intake_submissions_total{form="household",outcome="created"}`:                               3,
		`khaosat_intake_submissions_total{form="household",outcome="duplicate"}`:                             1,
		`khaosat_intake_submissions_total{form="household",outcome="invalid"}`:                               1,
		`khaosat_sync_batch_items_count`:                                                                     1,
		`khaosat_sync_batch_items_sum`:                                                                       2,
		`khaosat_export_rows_total{format="csv",outcome="ok"}`:                                               3,
		`khaosat_export_duration_seconds_count{format="csv",outcome="ok"}`:                                   1,
		`khaosat_indicator_query_duration_seconds_count{outcome="ok"}`:                                       1,
		`khaosat_http_requests_total{method="POST",route="/api/v1/forms/:form/submissions",status="201"}`:    1,
		`khaosat_http_requests_total{method="POST",route="/api/v1/forms/:form/submissions",status="422"}`:    1,
		`khaosat_http_requests_total{method="GET",route="web",status="404"}`:                                 1,
		`khaosat_http_request_duration_seconds_count{method="POST",route="/api/v1/forms/:form/submissions"}`: 3,
		`khaosat_webhook_deliveries_total{outcome="delivered"}`:                                              3,
	} {
		if got, ok := m[series]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, want)
		}
	}
	for _, series := range []string{
		`khaosat_db_operation_duration_seconds_count{op="ping"}`, `khaosat_db_operation_duration_seconds_count{op="write"}`,
		`khaosat_db_operation_duration_seconds_count{op="commit"}`, `khaosat_http_request_duration_seconds_sum{method="POST",route="/api/v1/forms/:form/submissions"}`,
		`khaosat_export_duration_seconds_sum{format="csv",outcome="ok"}`, "go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes",
	} {
		if m[series] <= 0 {
			t.Errorf("%s = %v, want > 0", series, m[series])
		}
	}
	if s := m[`khaosat_http_request_duration_seconds_sum{method="POST",route="/api/v1/forms/:form/submissions"}`]; s > 60 {
		t.Errorf("3 submissions took %v s in total: the histogram does not count seconds", s)
	}
	if _, ok := m[`khaosat_webhook_pending_deliveries`]; !ok {
		t.Error("no khaosat_webhook_pending_deliveries")
	}
}

// TestWebhookBacklogMetric: with a receiver that fails, 60 deliveries
// wait for their retry; the pending gauge shows all 60 once each has been
// tried, though a poll sends at most 50 and none is due any more.
func TestWebhookBacklogMetric(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer recv.Close()
	ts := mustStart(t, t.TempDir(), append([]string{"--metrics-addr", "127.0.0.1:0", "--webhook-poll", "50ms", "--webhook-backoff", "1h"}, localHooks...)...)
	metricsURL := metricsURLOf(t, ts)
	mgr := newUser(t, ts, "manager", "00004")
	if r := mgr.do("POST", "/api/v1/webhooks", map[string]any{"url": recv.URL, "events": []string{"create"}}); r.status != http.StatusCreated {
		t.Fatalf("webhook: %d %s", r.status, r.body)
	}
	col := newUser(t, ts, "collector", "00004")
	var items []map[string]any
	for range 60 {
		items = append(items, syncItem("household", envelope(householdData(t))))
	}
	for i, r := range syncBatch(t, col, items) {
		if r.Status != http.StatusCreated {
			t.Fatalf("item %d: %+v", i, r)
		}
	}
	var m map[string]float64
	deadline := time.Now().Add(30 * time.Second)
	for {
		m = scrape(t, metricsURL)
		if (m[`khaosat_webhook_deliveries_total{outcome="retry"}`] >= 60 && m[`khaosat_webhook_pending_deliveries`] == 60) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := m[`khaosat_webhook_deliveries_total{outcome="retry"}`]; got != 60 || hits.Load() != 60 {
		t.Fatalf("attempts: %v retries, %d requests received, want 60", got, hits.Load())
	}
	if got := m[`khaosat_webhook_pending_deliveries`]; got != 60 {
		t.Errorf("pending deliveries: %v, want 60 (all waiting for their retry)", got)
	}
}
