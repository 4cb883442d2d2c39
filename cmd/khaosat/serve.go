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
	"github.com/khaosat/khaosat/internal/app"
	"github.com/khaosat/khaosat/internal/httpapi"
	"github.com/khaosat/khaosat/internal/metrics"
	"github.com/khaosat/khaosat/internal/mongo"
	"github.com/khaosat/khaosat/internal/password"
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

func serve(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig("serve", args, env, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	tuneGC(cfg)
	if cfg.MongoDBURI == "" {
		// Before anything is written into the directory.
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
	if db.Embedded != nil {
		log.Info("opened the embedded database", "file", db.Embedded.Path())
	}
	if ms, ok := db.Store.(*mongo.Store); ok && len(ms.Missing) > 0 {
		log.Warn("the database cannot create these indexes; running without them (no sharding on them, no expiry by TTL)", "indexes", ms.Missing)
	}
	store := db.Store
	meters := metrics.New()
	if o, ok := store.(interface{ SetObserver(survey.StoreObserver) }); ok {
		o.SetObserver(meters) // the engine reports its operations (SQLite and MongoDB)
	}
	prot, err := protection(cfg)
	if err != nil {
		return err
	}
	if cfg.MongoDBURI != "" && (cfg.DataKey == "" || cfg.HashSecret == "") {
		log.Warn("the data key ring or the hash secret comes from the data directory; instances sharing a database need the same --data-key and --hash-secret")
	}
	svc, err := app.Build(ctx, store, app.Config{Log: log, Protection: prot, Hasher: password.New(password.Default),
		MaxAttachment: cfg.MaxAttachment, Publish: true,
		Exports: survey.ExportLimits{Running: cfg.ExportsRunning, Queue: cfg.ExportsQueue, Wait: survey.DefaultExportWait}})
	if err != nil {
		return err
	}
	if err := startIndicators(ctx, svc.Indicators); err != nil {
		return err
	}
	accounts := svc.Accounts
	accounts.SetThrottle(&survey.Throttle{PerAccount: cfg.LoginFailures, PerAddress: cfg.LoginFailuresAddr, Window: 15 * time.Minute})
	accounts.SetEnrollmentTTL(cfg.EnrollmentTTL)
	generated, err := accounts.EnsureAdmin(ctx, cfg.AdminPassword, log)
	if err != nil {
		return fmt.Errorf("first administrator: %w", err)
	}
	if generated != "" {
		fmt.Fprintf(stdout, "khaosat: created user 'admin' with password %s (shown once; set KHAOSAT_ADMIN_PASSWORD to choose it)\n", generated)
	}
	signer, err := token.NewSigner(cfg.TokenTTL, jwtSecrets(cfg.JWTSecret)...)
	if err != nil {
		return err
	}
	openapi, err := fs.ReadFile(khaosat.Content, khaosat.OpenAPI)
	if err != nil {
		return err
	}
	hooks := svc.Hooks
	guard := &webhook.Guard{AllowHTTP: cfg.WebhookAllowHTTP, AllowHosts: cfg.WebhookAllowHosts}
	hooks.SetURLCheck(guard.Check)
	handler := httpapi.New(httpapi.Deps{
		Log: log, Accounts: accounts, Catalog: svc.Catalog, Intake: svc.Intake, Units: svc.Units,
		Lifecycle: svc.Lifecycle, Hooks: hooks,
		Tokens: signer, Auditor: svc.Auditor, Ping: survey.ObservedPing(meters, store.Ping), OpenAPI: openapi, MaxBody: cfg.MaxBody, CORSOrigins: cfg.CORSOrigins, Web: web.Files,
		Indicators: svc.Indicators, Metrics: meters,
		Exports: svc.Exports,
	})

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // phones on slow links send large batches
		WriteTimeout:      0,               // exports stream for as long as they need
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	dispatcher := &webhook.Dispatcher{Hooks: hooks, Client: guard.Client(15 * time.Second), Log: log,
		Poll: cfg.WebhookPoll, Backoff: cfg.WebhookBackoff, MaxBackoff: time.Hour, MaxAttempts: 12, Metrics: meters}
	hookCtx, stopHooks := context.WithCancel(ctx)
	hooksDone := make(chan struct{})
	go func() { defer close(hooksDone); dispatcher.Run(hookCtx) }()
	defer func() { stopHooks(); <-hooksDone }() // before the database closes
	// Answers of fields a newly published version marks sensitive, sealed
	// in what is stored already; in the background, serving meanwhile.
	sealDone := sealInBackground(hookCtx, svc, store, log)
	defer func() { stopHooks(); <-sealDone }()
	if hk, ok := store.(survey.Housekeeper); ok {
		// Expired refresh tokens and enrollment codes, and deleted
		// submissions past the restore window, hourly.
		houseDone := make(chan struct{})
		go func() { defer close(houseDone); survey.Housekeeping(hookCtx, hk, time.Hour, time.Now, log) }()
		defer func() { stopHooks(); <-houseDone }()
	}
	if cfg.MetricsAddr != "" {
		stop, err := serveMetrics(cfg.MetricsAddr, meters.Handler(), log, stdout)
		if err != nil {
			return err
		}
		defer stop()
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
