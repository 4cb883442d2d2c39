package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/khaosat/khaosat"
	acct "github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/app"
	"github.com/khaosat/khaosat/internal/httpapi"
	"github.com/khaosat/khaosat/internal/metrics"
	"github.com/khaosat/khaosat/internal/mongo"
	"github.com/khaosat/khaosat/internal/password"
	"github.com/khaosat/khaosat/internal/sqlite"
	"github.com/khaosat/khaosat/internal/survey"
	"github.com/khaosat/khaosat/internal/token"
	"github.com/khaosat/khaosat/internal/webhook"
	"github.com/khaosat/khaosat/web"
)

func newLogger(cfg *Config, w io.Writer) *slog.Logger {
	lvl, _ := parseLevel(cfg.LogLevel)
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// openDB opens the configured engine through the one wiring: the
// embedded SQLite database in the data directory (taking its lock), or
// MongoDB when a URI is configured.
func openDB(ctx context.Context, cfg *Config, access app.Access) (*app.DB, error) {
	return app.Open(ctx, app.Options{DataDir: cfg.DataDir, MongoDBURI: cfg.MongoDBURI, Database: cfg.Database, Access: access})
}

// buildServices builds the services over db, with the protection cfg
// configures: its data key ring and hash secret, or the data directory's.
func buildServices(ctx context.Context, db *app.DB, cfg *Config, ac app.Config) (*app.Services, error) {
	prot, err := protection(cfg)
	if err != nil {
		return nil, err
	}
	ac.Protection = prot
	return app.Build(ctx, db.Store, ac)
}

// openServices is the prologue of the verbs on the stored data: the
// database opened with access, and the services built over it. The
// caller closes the database.
func openServices(ctx context.Context, cfg *Config, access app.Access, ac app.Config) (*app.DB, *app.Services, error) {
	db, err := openDB(ctx, cfg, access)
	if err != nil {
		return nil, nil, err
	}
	svc, err := buildServices(ctx, db, cfg, ac)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, svc, nil
}

// warnLogger is the log of the verbs that print their result: warnings
// and errors only, as text.
func warnLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// serve is `khaosat serve`: the HTTP API over the configured database,
// with its background work (webhooks, sealing, housekeeping), until ctx
// ends; then a graceful shutdown.
func serve(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig("serve", args, env, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	tuneGC(cfg)
	if err := prepareDataDir(cfg, log); err != nil {
		return err
	}
	log.Info("starting khaosat", "version", version, "config", cfg)

	db, err := openDB(ctx, cfg, app.Exclusive)
	if err != nil {
		return err
	}
	defer func() {
		if err := db.Close(); err != nil {
			log.Warn("closing the database", "error", err)
		}
	}()
	meters := metrics.New()
	guard := &webhook.Guard{AllowHTTP: cfg.WebhookAllowHTTP, AllowHosts: cfg.WebhookAllowHosts}
	svc, err := startServices(ctx, cfg, db, guard, meters, log, stdout)
	if err != nil {
		return err
	}
	handler, err := newHandler(cfg, svc, db.Store, meters, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer startBackground(ctx, cfg, svc, db.Store, guard, meters, log)() // stopped before the database closes
	if cfg.MetricsAddr != "" {
		stop, err := serveMetrics(cfg.MetricsAddr, meters.Handler(), log, stdout)
		if err != nil {
			return err
		}
		defer stop()
	}
	return serveHTTP(ctx, cfg, ln, handler, log, stdout)
}

// prepareDataDir makes the data directory ready before anything is
// written into it, and fills in the token secret from it when none is
// configured.
func prepareDataDir(cfg *Config, log *slog.Logger) error {
	if cfg.MongoDBURI == "" {
		if err := app.RefuseFerretDB(cfg.DataDir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if cfg.JWTSecret == "" {
		secret, created, err := loadOrCreateSecret(cfg.DataDir, "jwt.secret")
		if err != nil {
			return fmt.Errorf("jwt secret: %w", err)
		}
		if created && cfg.MongoDBURI != "" {
			log.Warn("generated a token secret in the data directory; instances sharing a database need the same --jwt-secret")
		}
		cfg.JWTSecret = secret
	}
	return nil
}

// startServices builds the server's services over db, metered by meters:
// the shipped forms published, the indicator facts current, the first
// administrator created (its generated password printed once on stdout),
// webhook URLs checked by guard.
func startServices(ctx context.Context, cfg *Config, db *app.DB, guard *webhook.Guard, meters *metrics.Metrics, log *slog.Logger, stdout io.Writer) (*app.Services, error) {
	if db.Embedded != nil {
		log.Info("opened the embedded database", "file", db.Embedded.Path())
		db.Embedded.GuardSpace(sqlite.SpaceGuard{Reserve: cfg.MinFreeDisk})
	}
	if ms, ok := db.Store.(*mongo.Store); ok && len(ms.Missing) > 0 {
		log.Warn("the database cannot create these indexes; running without them (no sharding on them, no expiry by TTL)", "indexes", ms.Missing)
	}
	if o, ok := db.Store.(interface{ SetObserver(survey.StoreObserver) }); ok {
		o.SetObserver(meters) // the engine reports its operations (SQLite and MongoDB)
	}
	svc, err := buildServices(ctx, db, cfg, app.Config{Log: log, Hasher: password.New(password.Default),
		Throttle:      &acct.Throttle{PerAccount: cfg.LoginFailures, PerAddress: cfg.LoginFailuresAddr, Window: 15 * time.Minute},
		EnrollmentTTL: cfg.EnrollmentTTL,
		URLCheck:      guard.Check,
		MaxAttachment: cfg.MaxAttachment, AttachmentQuota: cfg.AttachmentQuota, Publish: true,
		Exports: survey.ExportLimits{Running: cfg.ExportsRunning, Queue: cfg.ExportsQueue, Wait: survey.DefaultExportWait}})
	if err != nil {
		return nil, err
	}
	if cfg.MongoDBURI != "" && (cfg.DataKey == "" || cfg.HashSecret == "") {
		log.Warn("the data key ring or the hash secret comes from the data directory; instances sharing a database need the same --data-key and --hash-secret")
	}
	if err := startIndicators(ctx, svc.Indicators); err != nil {
		return nil, err
	}
	generated, err := svc.Accounts.EnsureAdmin(ctx, cfg.AdminPassword, log)
	if err != nil {
		return nil, fmt.Errorf("first administrator: %w", err)
	}
	if generated != "" {
		fmt.Fprintf(stdout, "khaosat: created user 'admin' with password %s (shown once; set KHAOSAT_ADMIN_PASSWORD to choose it)\n", generated)
	}
	return svc, nil
}

// newHandler is the HTTP API over the services.
func newHandler(cfg *Config, svc *app.Services, store app.Store, meters *metrics.Metrics, log *slog.Logger) (http.Handler, error) {
	signer, err := token.NewSigner(cfg.TokenTTL, jwtSecrets(cfg.JWTSecret)...)
	if err != nil {
		return nil, err
	}
	openapi, err := fs.ReadFile(khaosat.Content, khaosat.OpenAPI)
	if err != nil {
		return nil, err
	}
	return httpapi.New(httpapi.Deps{
		Log: log, Accounts: svc.Accounts, Catalog: svc.Catalog, Intake: svc.Intake, Units: svc.Units,
		Lifecycle: svc.Lifecycle, Hooks: svc.Hooks,
		Tokens: signer, Auditor: svc.Auditor, Ping: survey.ObservedPing(meters, store.Ping), OpenAPI: openapi, MaxBody: cfg.MaxBody, CORSOrigins: cfg.CORSOrigins, Web: web.Files,
		Indicators: svc.Indicators, Metrics: meters, Registry: svc.Records,
		Exports: svc.Exports,
	}), nil
}

// startBackground starts the server's background work: webhook
// deliveries; the answers of fields a newly published version marks
// sensitive, sealed in what is stored already (serving meanwhile); and,
// hourly, expired refresh tokens and enrollment codes and deleted
// submissions past the restore window removed. It returns a function
// that stops it all and waits for it.
func startBackground(ctx context.Context, cfg *Config, svc *app.Services, store app.Store, guard *webhook.Guard, meters *metrics.Metrics, log *slog.Logger) (stop func()) {
	dispatcher := &webhook.Dispatcher{Hooks: svc.Hooks, Client: guard.Client(15 * time.Second), Log: log,
		Poll: cfg.WebhookPoll, Backoff: cfg.WebhookBackoff, MaxBackoff: time.Hour, MaxAttempts: 12, Metrics: meters}
	bgCtx, cancel := context.WithCancel(ctx)
	hooksDone := make(chan struct{})
	go func() { defer close(hooksDone); dispatcher.Run(bgCtx) }()
	done := []<-chan struct{}{hooksDone, sealInBackground(bgCtx, svc, store, log)}
	if hk, ok := store.(survey.Housekeeper); ok {
		houseDone := make(chan struct{})
		go func() { defer close(houseDone); survey.Housekeeping(bgCtx, hk, time.Hour, time.Now, log) }()
		done = append(done, houseDone)
	}
	return func() {
		cancel()
		for _, d := range done {
			<-d
		}
	}
}

// serveHTTP serves handler on ln until ctx ends, then shuts down,
// letting requests in flight finish within the shutdown timeout.
func serveHTTP(ctx context.Context, cfg *Config, ln net.Listener, handler http.Handler, log *slog.Logger, stdout io.Writer) error {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // phones on slow links send large batches
		WriteTimeout:      0,               // exports stream for as long as they need
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String())
	fmt.Fprintf(stdout, "khaosat: listening on http://%s\n", ln.Addr())

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// tuneGC sets the Go garbage collector for serving. Each request
// allocates tens of kilobytes that are garbage once it is answered, over
// a small live heap: at Go's default (a collection each time the heap
// doubles) collections ran so often under intake that they took about a
// tenth of its CPU. Letting the heap grow to three times its live part
// (200 %) halves that work for some megabytes more: the export's peak
// heap went from about 27 to about 40 MB, as flat from 10,000 to 100,000
// submissions; at 400 the peak of 100,000 reached 1.35 times that of
// 10,000. The soft memory limit bounds the memory: nearing it, the
// collector runs as often as needed, whatever the percent.
func tuneGC(cfg *Config) {
	debug.SetGCPercent(cfg.GCPercent)
	debug.SetMemoryLimit(cfg.MemoryLimit)
}
