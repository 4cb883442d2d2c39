package main

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

// loginTimes alternates n logins of an unknown user and n wrong-password
// logins of an existing one, and returns the median duration of each.
func loginTimes(tb testing.TB, ts *testServer, n int) (unknown, wrong time.Duration) {
	tb.Helper()
	c := newClient(tb, ts)
	var u, w []time.Duration
	for i := 0; i < n; i++ {
		for _, name := range []string{"no-such-user", "admin"} {
			start := time.Now()
			r := c.do("POST", "/api/v1/auth/login", map[string]string{"username": name, "password": "not-the-password"})
			d := time.Since(start)
			if r.status != http.StatusUnauthorized {
				tb.Fatalf("login %s: %d", name, r.status)
			}
			if name == "admin" {
				w = append(w, d)
			} else {
				u = append(u, d)
			}
		}
	}
	slices.Sort(u)
	slices.Sort(w)
	return u[len(u)/2], w[len(w)/2]
}

func timingServer(tb testing.TB) *testServer {
	return mustStart(tb, tb.TempDir(), "--login-max-failures", "1000", "--login-max-failures-address", "100000")
}

// BenchmarkLoginTiming reports (the rule itself, one equal hash verification
// for every failed login, is tested in internal/survey by counting) the median login time of an unknown user
// as a ratio to a wrong password measured in the same run (1 = same).
func BenchmarkLoginTiming(b *testing.B) {
	ts := timingServer(b)
	b.ResetTimer()
	unknown, wrong := loginTimes(b, ts, max(b.N, 5))
	b.ReportMetric(float64(unknown)/float64(wrong), "unknown/wrong")
	b.ReportMetric(float64(wrong.Microseconds())/1000, "wrong-password-ms")
}
