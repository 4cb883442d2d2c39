package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/khaosat/khaosat/internal/seal"
	"github.com/khaosat/khaosat/internal/survey"
)

// Config is the whole configuration of `khaosat serve`. Every flag has a
// KHAOSAT_* environment equivalent; a flag wins over the environment.
type Config struct {
	Addr            string
	DataDir         string
	MongoDBURI      string
	Database        string
	JWTSecret       string
	DataKey         string // hex AES-256 keys, current first; empty: the data.keys file
	HashSecret      string
	AdminPassword   string // environment only: KHAOSAT_ADMIN_PASSWORD
	LogFormat       string
	LogLevel        string
	MaxBody         int64
	TokenTTL        time.Duration
	ShutdownTimeout time.Duration
	// LoginFailures and LoginFailuresAddr are the failed logins allowed
	// per username and per client address in 15 minutes before 429.
	LoginFailures, LoginFailuresAddr int
	EnrollmentTTL                    time.Duration
	// CORSOrigins are the web client's origins allowed to call the API
	// from a browser.
	CORSOrigins    []string
	MaxAttachment  int64
	WebhookBackoff time.Duration
	WebhookPoll    time.Duration
	// WebhookAllowHTTP lets webhooks use plain http; WebhookAllowHosts
	// are internal hosts webhooks may reach (see webhook.Guard).
	WebhookAllowHTTP  bool
	WebhookAllowHosts []string
	// MetricsAddr is where GET /metrics is served; "" serves none.
	MetricsAddr string
	// GCPercent and MemoryLimit tune the Go garbage collector (see
	// tuneGC).
	GCPercent   int
	MemoryLimit int64
	// ExportsRunning and ExportsQueue bound the exports at once: how many
	// stream, how many more wait for a turn (survey.ExportLimits).
	ExportsRunning, ExportsQueue int
}

// envName turns a flag name into its variable: mongodb-uri → KHAOSAT_MONGODB_URI.
func envName(flagName string) string {
	return "KHAOSAT_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseConfig fills a Config for verb (serve, seal, keys rotate) from args
// and env (a list of KEY=VALUE).
func parseConfig(verb string, args []string, env []string, stderr io.Writer) (*Config, error) {
	getenv := envLookup(env)
	c := &Config{}
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	str := func(p *string, name, def, usage string) {
		if v, ok := getenv(envName(name)); ok {
			def = v
		}
		fs.StringVar(p, name, def, usage+" ($"+envName(name)+")")
	}
	str(&c.Addr, "addr", "127.0.0.1:8080", "address to listen on")
	str(&c.DataDir, "data-dir", "./data", "directory for the embedded database and generated secrets")
	str(&c.MongoDBURI, "mongodb-uri", "", "MongoDB connection string; empty starts the embedded database")
	str(&c.Database, "database", "khaosat", "database name")
	str(&c.JWTSecret, "jwt-secret", "", "secrets that sign access tokens (≥ 32 bytes each), comma-separated, the current one first; the others still verify until their tokens expire; generated into the data directory when empty")
	str(&c.DataKey, "data-key", "", "data keys that encrypt sensitive answers: 64 hex digits each, comma-separated, the current key first; generated into the data directory when empty")
	str(&c.HashSecret, "hash-secret", "", "secret (≥ 32 bytes) keying the content hash of submissions; generated into the data directory when empty")
	str(&c.LogFormat, "log-format", "json", "log format: json or text")
	str(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	var maxBody, ttl, shutdown, loginFailures, loginFailuresAddr, enrollTTL, corsOrigin, maxAttachment, hookBackoff, hookPoll string
	str(&corsOrigin, "cors-origin", "", "web origins (scheme://host[:port]), comma-separated, allowed to call the API from a browser; empty allows none")
	str(&enrollTTL, "enrollment-ttl", "24h", "how long a phone enrollment code stays redeemable")
	str(&loginFailures, "login-max-failures", "5", "failed logins per username in 15 minutes before further attempts get 429")
	str(&loginFailuresAddr, "login-max-failures-address", "30", "failed logins per client address in 15 minutes before further attempts get 429")
	str(&hookBackoff, "webhook-backoff", "10s", "wait after a failed webhook delivery; doubles on each failure, at most 1h")
	str(&hookPoll, "webhook-poll", "1s", "how often the webhook outbox looks for work")
	var hookHTTP, hookHosts string
	str(&hookHTTP, "webhook-allow-http", "false", "let webhooks use plain http instead of https (a closed network only)")
	str(&hookHosts, "webhook-allow-hosts", "", "internal hosts (names or addresses, comma-separated) webhooks may reach; every loopback, private, link-local and metadata address is refused otherwise")
	str(&c.MetricsAddr, "metrics-addr", "", "address of a separate listener serving Prometheus metrics at /metrics; empty serves none (keep it off the public network)")
	str(&maxAttachment, "max-attachment", "10485760", "largest attachment (photo, scan) in bytes")
	str(&maxBody, "max-body", "1048576", "largest submission body in bytes")
	str(&ttl, "token-ttl", "15m", "lifetime of an access token")
	str(&shutdown, "shutdown-timeout", "20s", "how long in-flight requests may take to finish on shutdown")
	var exportsRunning, exportsQueue string
	str(&exportsRunning, "export-concurrency", strconv.Itoa(survey.DefaultExportsRunning), "exports that stream at once; each holds a database connection and a CPU for as long as it runs")
	str(&exportsQueue, "export-queue", strconv.Itoa(survey.DefaultExportsQueue), "exports that may wait for a turn (at most "+survey.DefaultExportWait.String()+"); one more is refused with 429 and Retry-After")
	var gcPercent, memLimit string
	str(&gcPercent, "gc-percent", "200", "heap growth, in percent of the live heap, before the Go garbage collector runs again (GOGC); used below the memory limit")
	str(&memLimit, "memory-limit", "1073741824", "soft limit in bytes of the memory the Go runtime uses (GOMEMLIMIT): nearing it, the garbage collector runs as often as needed to stay under it")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	c.AdminPassword, _ = getenv("KHAOSAT_ADMIN_PASSWORD")
	var errs []error
	var err error
	if c.MaxBody, err = strconv.ParseInt(maxBody, 10, 64); err != nil || c.MaxBody < 1024 || c.MaxBody > 64<<20 {
		errs = append(errs, fmt.Errorf("max-body: want a number of bytes from 1024 to 67108864, got %q", maxBody))
	}
	if c.MaxAttachment, err = strconv.ParseInt(maxAttachment, 10, 64); err != nil || c.MaxAttachment < 1024 || c.MaxAttachment > 256<<20 {
		errs = append(errs, fmt.Errorf("max-attachment: want a number of bytes from 1024 to 268435456, got %q", maxAttachment))
	}
	if c.WebhookBackoff, err = time.ParseDuration(hookBackoff); err != nil || c.WebhookBackoff < 10*time.Millisecond || c.WebhookBackoff > time.Hour {
		errs = append(errs, fmt.Errorf("webhook-backoff: want a duration from 10ms to 1h, got %q", hookBackoff))
	}
	if c.WebhookPoll, err = time.ParseDuration(hookPoll); err != nil || c.WebhookPoll < 10*time.Millisecond || c.WebhookPoll > time.Minute {
		errs = append(errs, fmt.Errorf("webhook-poll: want a duration from 10ms to 1m, got %q", hookPoll))
	}
	if c.WebhookAllowHTTP, err = strconv.ParseBool(hookHTTP); err != nil {
		errs = append(errs, fmt.Errorf("webhook-allow-http: want true or false, got %q", hookHTTP))
	}
	for _, h := range strings.Split(hookHosts, ",") {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			c.WebhookAllowHosts = append(c.WebhookAllowHosts, h)
		}
	}
	if c.TokenTTL, err = time.ParseDuration(ttl); err != nil || c.TokenTTL < time.Minute || c.TokenTTL > 24*time.Hour {
		errs = append(errs, fmt.Errorf("token-ttl: want a duration from 1m to 24h, got %q", ttl))
	}
	if c.LoginFailures, err = strconv.Atoi(loginFailures); err != nil || c.LoginFailures < 1 || c.LoginFailures > 1000 {
		errs = append(errs, fmt.Errorf("login-max-failures: want a number from 1 to 1000, got %q", loginFailures))
	}
	if c.LoginFailuresAddr, err = strconv.Atoi(loginFailuresAddr); err != nil || c.LoginFailuresAddr < 1 || c.LoginFailuresAddr > 100000 {
		errs = append(errs, fmt.Errorf("login-max-failures-address: want a number from 1 to 100000, got %q", loginFailuresAddr))
	}
	if c.EnrollmentTTL, err = time.ParseDuration(enrollTTL); err != nil || c.EnrollmentTTL < time.Second || c.EnrollmentTTL > 7*24*time.Hour {
		errs = append(errs, fmt.Errorf("enrollment-ttl: want a duration from 1s to 168h, got %q", enrollTTL))
	}
	for _, o := range strings.Split(corsOrigin, ",") {
		if o = strings.TrimSpace(o); o == "" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			errs = append(errs, fmt.Errorf("cors-origin: %q is not an origin like https://console.example.org", o))
			continue
		}
		c.CORSOrigins = append(c.CORSOrigins, u.Scheme+"://"+u.Host)
	}
	if c.GCPercent, err = strconv.Atoi(gcPercent); err != nil || c.GCPercent < 25 || c.GCPercent > 1000 {
		errs = append(errs, fmt.Errorf("gc-percent: want a number from 25 to 1000, got %q", gcPercent))
	}
	if c.MemoryLimit, err = strconv.ParseInt(memLimit, 10, 64); err != nil || c.MemoryLimit < 64<<20 || c.MemoryLimit > 1<<40 {
		errs = append(errs, fmt.Errorf("memory-limit: want a number of bytes from 67108864 to 1099511627776, got %q", memLimit))
	}
	if c.ExportsRunning, err = strconv.Atoi(exportsRunning); err != nil || c.ExportsRunning < 1 || c.ExportsRunning > 64 {
		errs = append(errs, fmt.Errorf("export-concurrency: want a number from 1 to 64, got %q", exportsRunning))
	}
	if c.ExportsQueue, err = strconv.Atoi(exportsQueue); err != nil || c.ExportsQueue < 0 || c.ExportsQueue > 1000 {
		errs = append(errs, fmt.Errorf("export-queue: want a number from 0 to 1000, got %q", exportsQueue))
	}
	if c.ShutdownTimeout, err = time.ParseDuration(shutdown); err != nil || c.ShutdownTimeout <= 0 {
		errs = append(errs, fmt.Errorf("shutdown-timeout: want a positive duration, got %q", shutdown))
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr: %v", err))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("data-dir: must not be empty"))
	}
	if c.Database == "" || strings.ContainsAny(c.Database, "/\\. \"$") {
		errs = append(errs, fmt.Errorf("database: %q is not a valid database name", c.Database))
	}
	for _, sec := range jwtSecrets(c.JWTSecret) {
		if len(sec) < 32 {
			errs = append(errs, errors.New("jwt-secret: each secret must have at least 32 characters"))
		}
	}
	if c.DataKey != "" {
		if _, err := seal.ParseKeys(c.DataKey); err != nil {
			errs = append(errs, fmt.Errorf("data-key: %v", err))
		}
	}
	if c.HashSecret != "" && len(c.HashSecret) < 32 {
		errs = append(errs, errors.New("hash-secret: must have at least 32 characters"))
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		errs = append(errs, fmt.Errorf("log-format: want json or text, got %q", c.LogFormat))
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return c, nil
}

func envLookup(env []string) func(string) (string, bool) {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("log-level: want debug, info, warn or error, got %q", s)
	}
	return l, nil
}

func mask(s string) string {
	if s == "" {
		return ""
	}
	return "********"
}

// LogValue logs the configuration with its secrets masked.
func (c *Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("addr", c.Addr), slog.String("data_dir", c.DataDir),
		slog.String("mongodb_uri", maskURI(c.MongoDBURI)), slog.String("database", c.Database),
		slog.String("jwt_secret", mask(c.JWTSecret)), slog.String("admin_password", mask(c.AdminPassword)),
		slog.String("data_key", mask(c.DataKey)), slog.String("hash_secret", mask(c.HashSecret)),
		slog.String("log_format", c.LogFormat), slog.String("log_level", c.LogLevel),
		slog.Any("cors_origins", c.CORSOrigins), slog.Int64("max_body", c.MaxBody), slog.Duration("token_ttl", c.TokenTTL), slog.Duration("shutdown_timeout", c.ShutdownTimeout),
		slog.Int64("max_attachment", c.MaxAttachment), slog.Duration("webhook_backoff", c.WebhookBackoff),
		slog.Duration("webhook_poll", c.WebhookPoll), slog.Bool("webhook_allow_http", c.WebhookAllowHTTP),
		slog.Any("webhook_allow_hosts", c.WebhookAllowHosts), slog.String("metrics_addr", c.MetricsAddr),
		slog.Int("gc_percent", c.GCPercent), slog.Int64("memory_limit", c.MemoryLimit),
		slog.Int("export_concurrency", c.ExportsRunning), slog.Int("export_queue", c.ExportsQueue),
	)
}

// maskURI hides the password of a connection string.
func maskURI(uri string) string {
	scheme, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return uri
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return uri
	}
	user, _, _ := strings.Cut(rest[:at], ":")
	return scheme + "://" + user + ":********@" + rest[at+1:]
}

// loadOrCreateSecret returns the secret in file name under dir, creating it
// with 32 random bytes (hex) on first use.
func loadOrCreateSecret(dir, name string) (string, bool, error) {
	p := filepath.Join(dir, name)
	b, err := os.ReadFile(p)
	if err == nil {
		s := strings.TrimSpace(string(b))
		if len(s) < 32 {
			return "", false, fmt.Errorf("%s: the secret is shorter than 32 characters", p)
		}
		return s, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", false, err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", false, err
	}
	s := hex.EncodeToString(raw)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", false, err
	}
	if _, err := f.WriteString(s + "\n"); err != nil {
		f.Close()
		return "", false, err
	}
	return s, true, f.Close()
}

// jwtSecrets splits the --jwt-secret ring: comma-separated, current first.
func jwtSecrets(s string) [][]byte {
	var out [][]byte
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, []byte(f))
		}
	}
	return out
}
