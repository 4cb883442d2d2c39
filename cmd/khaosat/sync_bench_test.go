package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkSync compares sending a phone's backlog of 500 household
// submissions as one POST /sync batch with sending the same kind of items
// one POST each, both from one client (a phone syncs in sequence) and
// from 32 concurrent clients, in the same run. Each iteration sends 500
// items each way; the order alternates so that both see the same
// collection sizes.
func BenchmarkSync(b *testing.B) {
	col := newUser(b, shared, "collector", "00004")
	data := householdData(b)
	const batch = 500
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32, MaxConnsPerHost: 32}}
	var failures atomic.Int64
	post := func(path string, body []byte) int {
		req, _ := http.NewRequest("POST", shared.base+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+col.token)
		req.Header.Set("Content-Type", "application/json")
		res, err := hc.Do(req)
		if err != nil {
			failures.Add(1)
			return 0
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusCreated {
			failures.Add(1)
		}
		if path == "/api/v1/sync" {
			var out struct {
				Results []struct {
					Status int `json:"status"`
				} `json:"results"`
			}
			if json.NewDecoder(res.Body).Decode(&out) != nil || len(out.Results) != batch {
				failures.Add(1)
			}
			for _, r := range out.Results {
				if r.Status != http.StatusCreated {
					failures.Add(1)
				}
			}
		}
		return res.StatusCode
	}
	singles := func() [][]byte {
		out := make([][]byte, batch)
		for i := range out {
			out[i], _ = json.Marshal(envelope(data))
		}
		return out
	}
	batchBody := func() []byte {
		items := make([]map[string]any, batch)
		for i := range items {
			items[i] = syncItem("household", envelope(data))
		}
		body, _ := json.Marshal(map[string]any{"submissions": items})
		return body
	}
	var seqTime, parTime, batchTime time.Duration
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		b.StopTimer()
		one, many, big := singles(), singles(), batchBody()
		b.StartTimer()
		runSeq := func() {
			start := time.Now()
			for _, body := range one {
				post("/api/v1/forms/household/submissions", body)
			}
			seqTime += time.Since(start)
		}
		runPar := func() {
			parTime += parallel(32, batch, func(i int) { post("/api/v1/forms/household/submissions", many[i]) })
		}
		runBatch := func() {
			start := time.Now()
			post("/api/v1/sync", big)
			batchTime += time.Since(start)
		}
		if it%2 == 0 {
			runSeq()
			runPar()
			runBatch()
		} else {
			runBatch()
			runPar()
			runSeq()
		}
	}
	b.StopTimer()
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d requests or items failed", n)
	}
	n := float64(b.N * batch)
	seqRate, parRate, batchRate := n/seqTime.Seconds(), n/parTime.Seconds(), n/batchTime.Seconds()
	b.ReportMetric(batchRate, "batch_submissions/s")
	b.ReportMetric(seqRate, "single_seq_submissions/s")
	b.ReportMetric(parRate, "single_32clients_submissions/s")
	b.ReportMetric(batchRate/seqRate, "batch/single_seq")
	b.ReportMetric(batchRate/parRate, "batch/single_32clients")
}
