package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/google/uuid"
)

const testAdminPassword = "admin-password-for-tests"

// testServer is a real `khaosat serve` run in-process on a loopback port.
type testServer struct {
	base    string
	dataDir string
	cancel  context.CancelFunc
	done    chan error
	mu      sync.Mutex
	stdout  strings.Builder
}

// startServer runs `serve` with its data in dataDir and waits until it listens.
func startServer(dataDir string, extraArgs ...string) (*testServer, error) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	ts := &testServer{dataDir: dataDir, cancel: cancel, done: make(chan error, 1)}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--log-level", "error", "--log-format", "text"}, extraArgs...)
	env := []string{"KHAOSAT_ADMIN_PASSWORD=" + testAdminPassword}
	go func() {
		err := run(ctx, args, env, pw, io.Discard)
		pw.CloseWithError(fmt.Errorf("server stopped: %v", err))
		ts.done <- err
	}()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		ts.mu.Lock()
		ts.stdout.WriteString(line + "\n")
		ts.mu.Unlock()
		if addr, ok := strings.CutPrefix(line, "khaosat: listening on "); ok {
			ts.base = addr
			go func() { // keep draining so that later prints never block the server
				for sc.Scan() {
					ts.mu.Lock()
					ts.stdout.WriteString(sc.Text() + "\n")
					ts.mu.Unlock()
				}
			}()
			return ts, nil
		}
	}
	cancel()
	return nil, fmt.Errorf("server did not start: %v; output:\n%s", sc.Err(), ts.stdout.String())
}

// stop shuts the server down as SIGINT would, and returns run's error.
func (ts *testServer) stop() error {
	ts.cancel()
	select {
	case err := <-ts.done:
		return err
	case <-time.After(60 * time.Second):
		return fmt.Errorf("server did not stop")
	}
}

func mustStart(tb testing.TB, dataDir string, extraArgs ...string) *testServer {
	tb.Helper()
	ts, err := startServer(dataDir, extraArgs...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := ts.stop(); err != nil {
			tb.Errorf("stop server: %v", err)
		}
	})
	return ts
}

var (
	shared      *testServer
	contract    routers.Router
	contractErr error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "khaosat-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	contract, contractErr = loadContract()
	shared, err = startServer(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	stopBrowser()
	if err := shared.stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop:", err)
		code = 1
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func loadContract() (routers.Router, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(filepath.Join("..", "..", "api", "openapi.yaml"))
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	doc.Servers = nil // match paths whatever host the test server has
	return legacy.NewRouter(doc)
}

// client talks to a test server as one user; every response is checked
// against api/openapi.yaml.
type client struct {
	tb    testing.TB
	base  string
	token string
	hc    *http.Client
	lang  string
}

func newClient(tb testing.TB, ts *testServer) *client {
	return &client{tb: tb, base: ts.base, hc: &http.Client{Timeout: 60 * time.Second}}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		tb.Fatalf("decode %d response: %v\n%s", r.status, err, r.body)
	}
}

// errorBody is the one error shape of the API.
type errorBody struct {
	Error struct {
		Code     string `json:"code"`
		Message  string `json:"message"`
		Messages struct{ VI, EN string }
		Fields   []struct {
			Path     string `json:"path"`
			Code     string `json:"code"`
			Message  string `json:"message"`
			Messages struct{ VI, EN string }
		} `json:"fields"`
	} `json:"error"`
}

func (r response) errorBody(tb testing.TB) errorBody {
	tb.Helper()
	var e errorBody
	r.json(tb, &e)
	return e
}

// hasField reports whether the error names path with code.
func (e errorBody) hasField(path, code string) bool {
	for _, f := range e.Error.Fields {
		if f.Path == path && f.Code == code {
			return true
		}
	}
	return false
}

// raw sends a request with a raw body and optional headers (pairs).
func (c *client) raw(method, path string, body []byte, headers ...string) response {
	c.tb.Helper()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.tb.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.tb.Fatalf("%s %s: read body: %v", method, path, err)
	}
	r := response{status: res.StatusCode, header: res.Header, body: b}
	c.checkContract(req, body, r)
	return r
}

func (c *client) do(method, path string, v any, headers ...string) response {
	c.tb.Helper()
	var body []byte
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			c.tb.Fatal(err)
		}
	}
	return c.raw(method, path, body, headers...)
}

// checkContract validates a real response against the OpenAPI document.
func (c *client) checkContract(req *http.Request, reqBody []byte, r response) {
	c.tb.Helper()
	if contractErr != nil {
		c.tb.Fatalf("api/openapi.yaml: %v", contractErr)
	}
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := contract.FindRoute(req)
	if err != nil {
		if r.status == http.StatusNotFound || r.status == http.StatusMethodNotAllowed {
			return // a route the API does not have, asked on purpose
		}
		c.tb.Errorf("contract: %s %s has no operation in api/openapi.yaml: %v", req.Method, req.URL.Path, err)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.status, Header: r.header,
		Body: io.NopCloser(bytes.NewReader(r.body)), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		c.tb.Errorf("contract: %s %s → %d does not match api/openapi.yaml: %v\nbody: %.500s", req.Method, req.URL.Path, r.status, err, r.body)
	}
}

func (c *client) login(username, password string) *client {
	c.tb.Helper()
	r := c.do("POST", "/api/v1/auth/login", map[string]string{"username": username, "password": password})
	if r.status != http.StatusOK {
		c.tb.Fatalf("login %s: %d %s", username, r.status, r.body)
	}
	var lr struct {
		AccessToken string `json:"access_token"`
	}
	r.json(c.tb, &lr)
	c.token = lr.AccessToken
	return c
}

func adminClient(tb testing.TB, ts *testServer) *client {
	return newClient(tb, ts).login("admin", testAdminPassword)
}

// newUser creates an account with a unique name and returns a client logged in as it.
func newUser(tb testing.TB, ts *testServer, role string, units ...string) *client {
	tb.Helper()
	if units == nil {
		units = []string{}
	}
	name := role + "-" + strings.ReplaceAll(uuid.NewString()[:13], "-", "")
	pw := "password-" + uuid.NewString()[:8]
	r := adminClient(tb, ts).do("POST", "/api/v1/users", map[string]any{
		"username": name, "password": pw, "display_name": "Người dùng thử " + name, "role": role, "units": units})
	if r.status != http.StatusCreated {
		tb.Fatalf("create user: %d %s", r.status, r.body)
	}
	return newClient(tb, ts).login(name, pw)
}

// readJSON reads a file of forms/testdata.
func readJSON(tb testing.TB, path string, v any) {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", path))
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
}

// envelope wraps answers for form version 1 of the current-hierarchy ward 00004.
func envelope(data any) map[string]any {
	return map[string]any{
		"id": uuid.NewString(), "form_version": 1, "unit": "00004", "survey_date": "2026-06-15",
		"started_at": "2026-06-15T08:00:00+07:00", "ended_at": "2026-06-15T08:25:00+07:00",
		"device_id": "test-phone-1", "location": map[string]any{"lat": 21.034, "lon": 105.82, "accuracy": 12.5},
		"data": data,
	}
}
