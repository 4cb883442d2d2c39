package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// exportFormats are the four export formats, each run side by side.
var exportFormats = []string{"csv", "zip", "xlsx", "jsonl"}

// httpCall is one request of a load test: it never calls t.Fatal (it runs
// on goroutines of its own) and gives up when ctx is done, so a server
// that stalls fails the test instead of hanging it.
func httpCall(ctx context.Context, method, url, token string, body any) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b, err
}

// exportRows counts the household rows of an export file, failing on a
// file that does not parse (a truncated one).
func exportRows(format string, b []byte) (int, error) {
	countCSV := func(b []byte) (int, error) {
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF")))).ReadAll()
		return len(recs) - 1, err
	}
	switch format {
	case "csv":
		return countCSV(b)
	case "zip":
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return 0, err
		}
		f, err := zr.Open("household.csv")
		if err != nil {
			return 0, err
		}
		defer f.Close()
		body, err := io.ReadAll(f)
		if err != nil {
			return 0, err
		}
		return countCSV(body)
	case "xlsx":
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			return 0, err
		}
		defer f.Close()
		rows, err := f.GetRows("household")
		return len(rows) - 1, err
	case "jsonl":
		n := 0
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if !json.Valid([]byte(l)) {
				return n, fmt.Errorf("line %d is not JSON", n+1)
			}
			n++
		}
		return n, nil
	}
	return 0, fmt.Errorf("unknown format %s", format)
}

// loadOutcome is what happened to the requests of an export load.
type loadOutcome struct {
	mu                 sync.Mutex
	finished, refused  map[string]int
	errs               []string
	logins, submitted  atomic.Int64
	took               time.Duration // from the first export sent to the last answered
	maxLogin           atomic.Int64  // nanoseconds
	readyBusy, readyOK atomic.Int64
}

func (o *loadOutcome) fail(format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.errs) < 20 {
		o.errs = append(o.errs, fmt.Sprintf(format, args...))
	}
}

// exportLoad runs per exports of each format at once against a server
// holding n households of unit (each file's rows counted when verify), beside collectors submitting to
// intakeUnit (so that the exported rows stay n) and a login
// (and /me) every loginEvery, and /readyz polled throughout; the side
// traffic stops when the exports are done or ctx is.
func exportLoad(ctx context.Context, base, mgrToken, unit string, n, per int, verify bool, data map[string]any, intakeUnit string, collectors []string, loginUser, loginPass string, loginEvery time.Duration) *loadOutcome {
	o := &loadOutcome{finished: map[string]int{}, refused: map[string]int{}}
	began := time.Now()
	var exports sync.WaitGroup
	for _, format := range exportFormats {
		for range per {
			exports.Go(func() {
				st, h, b, err := httpCall(ctx, "GET", base+"/api/v1/forms/household/export?format="+format+"&unit="+unit, mgrToken, nil)
				if st == http.StatusOK && !verify {
					b = nil // a benchmark leaves the CPU to the server
				}
				switch {
				case err != nil:
					o.fail("%s export: %v", format, err)
				case st == http.StatusTooManyRequests:
					var e errorBody
					if json.Unmarshal(b, &e) != nil || e.Error.Code != "too_many_requests" || e.Error.Messages.VI == "" || e.Error.Messages.EN == "" {
						o.fail("%s export: 429 without its error: %s", format, b)
					}
					if s, err := strconv.Atoi(h.Get("Retry-After")); err != nil || s < 1 {
						o.fail("%s export: 429 with Retry-After %q", format, h.Get("Retry-After"))
					}
					o.mu.Lock()
					o.refused[format]++
					o.mu.Unlock()
				case st != http.StatusOK:
					o.fail("%s export: %d %.300s", format, st, b)
				default:
					if rows, err := exportRows(format, b); verify && (err != nil || rows != n) {
						o.fail("%s export: %d rows of %d (%v)", format, rows, n, err)
					}
					o.mu.Lock()
					o.finished[format]++
					o.mu.Unlock()
				}
			})
		}
	}
	side, stop := context.WithCancel(ctx)
	var others sync.WaitGroup
	for _, token := range collectors {
		others.Go(func() {
			for side.Err() == nil {
				e := envelope(data)
				e["unit"] = intakeUnit
				st, _, b, err := httpCall(side, "POST", base+"/api/v1/forms/household/submissions", token, e)
				if side.Err() != nil {
					return
				}
				if err != nil || st != http.StatusCreated {
					o.fail("submit: %d %v %.300s", st, err, b)
					return
				}
				o.submitted.Add(1)
			}
		})
	}
	others.Go(func() {
		for side.Err() == nil {
			began := time.Now()
			st, _, b, err := httpCall(side, "POST", base+"/api/v1/auth/login", "", map[string]string{"username": loginUser, "password": loginPass})
			if side.Err() != nil {
				return
			}
			if err != nil || st != http.StatusOK {
				o.fail("login: %d %v %.300s", st, err, b)
				return
			}
			var lr struct {
				AccessToken string `json:"access_token"`
			}
			json.Unmarshal(b, &lr)
			if st, _, b, err := httpCall(side, "GET", base+"/api/v1/me", lr.AccessToken, nil); side.Err() == nil && (err != nil || st != http.StatusOK) {
				o.fail("me: %d %v %.300s", st, err, b)
				return
			}
			took := time.Since(began).Nanoseconds()
			for m := o.maxLogin.Load(); took > m && !o.maxLogin.CompareAndSwap(m, took); m = o.maxLogin.Load() {
			}
			o.logins.Add(1)
			select {
			case <-side.Done():
			case <-time.After(loginEvery):
			}
		}
	})
	others.Go(func() {
		for side.Err() == nil {
			st, _, b, err := httpCall(side, "GET", base+"/readyz", "", nil)
			if side.Err() != nil {
				return
			}
			if err != nil || st != http.StatusOK {
				o.fail("readyz: %d %v %.300s", st, err, b)
				return
			}
			if bytes.Contains(b, []byte(`"busy"`)) {
				o.readyBusy.Add(1)
			} else {
				o.readyOK.Add(1)
			}
			select {
			case <-side.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
	exports.Wait()
	o.took = time.Since(began)
	stop()
	others.Wait()
	return o
}

// TestExportsBesideIntakeAndLogins: eight exports of each format at once
// must not stop the server. Each export either finishes with a whole file
// or is refused at once with 429 and Retry-After; meanwhile logins, /me
// and intake keep working and /readyz answers 200. Before the export
// bound, each export's scan held a read connection while its rows asked
// for another (the form record, re-read every RecordCacheTTL): four
// exports took the four readers and waited for each other for ever.
func TestExportsBesideIntakeAndLogins(t *testing.T) {
	const n = 2000
	ts := mustStart(t, t.TempDir())
	seedCopies(t, ts, "00226", n)
	mgr := newUser(t, ts, "manager", "00226")
	var tokens []string
	for range 4 {
		tokens = append(tokens, newUser(t, ts, "collector", "00235").token)
	}
	// A login of its own for the side traffic: the admin's password.
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	o := exportLoad(ctx, ts.base, mgr.token, "00226", n, 8, true, householdData(t), "00235", tokens, "admin", testAdminPassword, 250*time.Millisecond)
	if ctx.Err() != nil {
		t.Errorf("the load did not finish within its deadline: the server stalled")
	}
	for _, e := range o.errs {
		t.Error(e)
	}
	total := 0
	for _, f := range exportFormats {
		total += o.finished[f]
	}
	if total == 0 {
		t.Errorf("no export finished: %v refused", o.refused)
	}
	// 32 exports over two slots keep them taken for seconds: /readyz
	// must have said so, with 200.
	if o.readyBusy.Load() == 0 {
		t.Errorf("/readyz never said busy while the exports ran")
	}
	if o.logins.Load() == 0 || o.submitted.Load() == 0 {
		t.Errorf("%d logins and %d submissions during the exports", o.logins.Load(), o.submitted.Load())
	}
	t.Logf("finished %v, refused %v; %d logins (slowest %v), %d submissions, /readyz ready %d busy %d",
		o.finished, o.refused, o.logins.Load(), time.Duration(o.maxLogin.Load()), o.submitted.Load(), o.readyOK.Load(), o.readyBusy.Load())
}
