package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
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
	CORSOrigins   []string
	MaxAttachment int64
	// AttachmentQuota bounds the attachments of a submission and the
	// bytes a user uploads in a day.
	AttachmentQuota survey.AttachmentQuota
	// MinFreeDisk is the free space kept on the embedded database's
	// disk: below it new submissions and attachments get 507.
	MinFreeDisk    int64
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

// parseConfig fills a Config for verb (serve, seal, keys rotate) from args
// and env (a list of KEY=VALUE).
func parseConfig(verb string, args []string, env []string, stderr io.Writer) (*Config, error) {
	c := &Config{}
	if err := load(verb, c, args, env, stderr); err != nil {
		return nil, err
	}
	return c, nil
}

// Usage of the settings every verb on the stored data shares.
const (
	usageDataDir    = "directory for the embedded database and generated secrets"
	usageMongoDBURI = "MongoDB connection string; empty starts the embedded database"
)

// bindStore binds the settings that find the database and open its
// sealed answers: the same for serve and every verb.
func (c *Config) bindStore(l *loader) {
	l.setting(&c.DataDir, "data-dir", "./data", usageDataDir)
	l.setting(&c.MongoDBURI, "mongodb-uri", "", usageMongoDBURI)
	l.setting(&c.Database, "database", "khaosat", "database name")
	l.setting(&c.DataKey, "data-key", "", "data keys that encrypt sensitive answers: 64 hex digits each, comma-separated, the current key first; generated into the data directory when empty")
	l.setting(&c.HashSecret, "hash-secret", "", "secret (≥ 32 bytes) keying the content hash of submissions; generated into the data directory when empty")
}

// checkStore checks the settings bindStore binds, but for the data
// directory (a verb on MongoDB may do without one).
func (c *Config) checkStore() []error {
	var errs []error
	if c.Database == "" || strings.ContainsAny(c.Database, "/\\. \"$") {
		errs = append(errs, fmt.Errorf("database: %q is not a valid database name", c.Database))
	}
	if c.DataKey != "" {
		if _, err := seal.ParseKeys(c.DataKey); err != nil {
			errs = append(errs, fmt.Errorf("data-key: %v", err))
		}
	}
	if c.HashSecret != "" && len(c.HashSecret) < 32 {
		errs = append(errs, errors.New("hash-secret: must have at least 32 characters"))
	}
	return errs
}

// bind declares the flags of serve (and of seal and keys rotate, which
// run with the server's configuration).
func (c *Config) bind(l *loader) {
	l.setting(&c.Addr, "addr", "127.0.0.1:8080", "address to listen on")
	c.bindStore(l)
	l.setting(&c.JWTSecret, "jwt-secret", "", "secrets that sign access tokens (≥ 32 bytes each), comma-separated, the current one first; the others still verify until their tokens expire; generated into the data directory when empty")
	c.AdminPassword, _ = l.getenv("KHAOSAT_ADMIN_PASSWORD") // environment only: never on a command line
	l.setting(&c.LogFormat, "log-format", "json", "log format: json or text")
	l.setting(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	l.list(&c.CORSOrigins, "cors-origin", "", "web origins (scheme://host[:port]), comma-separated, allowed to call the API from a browser; empty allows none")
	l.duration(&c.EnrollmentTTL, "enrollment-ttl", "24h", time.Second, 7*24*time.Hour, "how long a phone enrollment code stays redeemable")
	number(l, &c.LoginFailures, "login-max-failures", "5", 1, 1000, "a number", "failed logins per username in 15 minutes before further attempts get 429")
	number(l, &c.LoginFailuresAddr, "login-max-failures-address", "30", 1, 100000, "a number", "failed logins per client address in 15 minutes before further attempts get 429")
	c.bindWebhooks(l)
	l.setting(&c.MetricsAddr, "metrics-addr", "", "address of a separate listener serving Prometheus metrics at /metrics; empty serves none (keep it off the public network)")
	number(l, &c.MaxAttachment, "max-attachment", "10485760", 1024, 256<<20, "a number of bytes", "largest attachment (photo, scan) in bytes")
	number(l, &c.AttachmentQuota.PerSubmissionFiles, "attachments-per-submission", fmt.Sprint(survey.DefaultAttachmentsPerSubmission), 1, 10000, "a number", "most attachments one submission holds; past it 422")
	number(l, &c.AttachmentQuota.PerSubmissionBytes, "attachment-bytes-per-submission", fmt.Sprint(survey.DefaultAttachmentBytesPerSubmission), 1024, 1<<40, "a number of bytes", "most bytes the attachments of one submission take together; past it 422")
	number(l, &c.AttachmentQuota.PerUserDayBytes, "attachment-bytes-per-day", fmt.Sprint(survey.DefaultAttachmentBytesPerUserDay), 1024, 1<<40, "a number of bytes", "most attachment bytes one user uploads in a day (Vietnam time, UTC+7), replaced uploads included; past it 429 until midnight")
	number(l, &c.MinFreeDisk, "min-free-disk", "536870912", 0, 1<<50, "a number of bytes", "free space kept on the disk of the embedded database: a new submission or attachment that would leave less gets 507 (not checked on MongoDB)")
	number(l, &c.MaxBody, "max-body", "1048576", 1024, 64<<20, "a number of bytes", "largest submission body in bytes")
	l.duration(&c.TokenTTL, "token-ttl", "15m", time.Minute, 24*time.Hour, "lifetime of an access token")
	l.converted("shutdown-timeout", "20s", "a positive duration", "how long in-flight requests may take to finish on shutdown", func(s string) bool {
		var err error
		c.ShutdownTimeout, err = time.ParseDuration(s)
		return err == nil && c.ShutdownTimeout > 0
	})
	number(l, &c.ExportsRunning, "export-concurrency", strconv.Itoa(survey.DefaultExportsRunning), 1, 64, "a number", "exports that stream at once; each holds a database connection and a CPU for as long as it runs")
	number(l, &c.ExportsQueue, "export-queue", strconv.Itoa(survey.DefaultExportsQueue), 0, 1000, "a number", "exports that may wait for a turn (at most "+survey.DefaultExportWait.String()+"); one more is refused with 429 and Retry-After")
	number(l, &c.GCPercent, "gc-percent", "200", 25, 1000, "a number", "heap growth, in percent of the live heap, before the Go garbage collector runs again (GOGC); used below the memory limit")
	number(l, &c.MemoryLimit, "memory-limit", "1073741824", 64<<20, 1<<40, "a number of bytes", "soft limit in bytes of the memory the Go runtime uses (GOMEMLIMIT): nearing it, the garbage collector runs as often as needed to stay under it")
}

func (c *Config) bindWebhooks(l *loader) {
	l.duration(&c.WebhookBackoff, "webhook-backoff", "10s", 10*time.Millisecond, time.Hour, "wait after a failed webhook delivery; doubles on each failure, at most 1h")
	l.duration(&c.WebhookPoll, "webhook-poll", "1s", 10*time.Millisecond, time.Minute, "how often the webhook outbox looks for work")
	l.boolean(&c.WebhookAllowHTTP, "webhook-allow-http", "false", "let webhooks use plain http instead of https (a closed network only)")
	l.list(&c.WebhookAllowHosts, "webhook-allow-hosts", "", "internal hosts (names or addresses, comma-separated) webhooks may reach; every loopback, private, link-local and metadata address is refused otherwise")
}

// check validates the configuration of serve once its flags are parsed.
func (c *Config) check(_ *loader, errs []error) error {
	for i, h := range c.WebhookAllowHosts {
		c.WebhookAllowHosts[i] = strings.ToLower(h)
	}
	errs = append(errs, c.checkOrigins()...)
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr: %v", err))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("data-dir: must not be empty"))
	}
	errs = append(errs, c.checkStore()...)
	for _, sec := range jwtSecrets(c.JWTSecret) {
		if len(sec) < 32 {
			errs = append(errs, errors.New("jwt-secret: each secret must have at least 32 characters"))
		}
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		errs = append(errs, fmt.Errorf("log-format: want json or text, got %q", c.LogFormat))
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	return invalid("configuration", errs)
}

// checkOrigins keeps the CORS origins in their canonical form,
// scheme://host[:port], and reports what is not one.
func (c *Config) checkOrigins() []error {
	var errs []error
	origins := c.CORSOrigins[:0]
	for _, o := range c.CORSOrigins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			errs = append(errs, fmt.Errorf("cors-origin: %q is not an origin like https://console.example.org", o))
			continue
		}
		origins = append(origins, u.Scheme+"://"+u.Host)
	}
	c.CORSOrigins = origins
	return errs
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
		slog.Int64("max_attachment", c.MaxAttachment), slog.Int("attachments_per_submission", c.AttachmentQuota.PerSubmissionFiles),
		slog.Int64("attachment_bytes_per_submission", c.AttachmentQuota.PerSubmissionBytes),
		slog.Int64("attachment_bytes_per_day", c.AttachmentQuota.PerUserDayBytes), slog.Int64("min_free_disk", c.MinFreeDisk),
		slog.Duration("webhook_backoff", c.WebhookBackoff),
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
