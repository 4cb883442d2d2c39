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
	"time"

	"github.com/khaosat/khaosat"
	"github.com/khaosat/khaosat/internal/export"
	"github.com/khaosat/khaosat/internal/httpapi"
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

// openStore connects to MongoDB, or starts the embedded engine when no URI
// is configured, and makes sure the indexes exist. The returned function
// closes both.
func openStore(ctx context.Context, cfg *Config, log *slog.Logger) (*mongo.Store, func(), error) {
	uri := cfg.MongoDBURI
	var emb *mongo.Embedded
	if uri == "" {
		var err error
		if emb, err = mongo.StartEmbedded(cfg.DataDir); err != nil {
			return nil, nil, err
		}
		uri = emb.URI()
		log.Info("started the embedded database", "dir", cfg.DataDir)
	}
	store, err := mongo.Connect(ctx, uri, cfg.Database)
	if err != nil {
		if emb != nil {
			_ = emb.Stop(context.Background())
		}
		return nil, nil, err
	}
	if err := store.EnsureIndexes(ctx); err != nil {
		_ = store.Close(context.Background())
		if emb != nil {
			_ = emb.Stop(context.Background())
		}
		return nil, nil, err
	}
	if emb != nil {
		store.SingleProcess()
		if err := emb.IndexIDs(ctx, cfg.Database); err != nil {
			_ = store.Close(context.Background())
			_ = emb.Stop(context.Background())
			return nil, nil, err
		}
	}
	closeAll := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := store.Close(ctx); err != nil {
			log.Warn("closing the database client", "error", err)
		}
		if emb != nil {
			if err := emb.Stop(ctx); err != nil {
				log.Warn("stopping the embedded database", "error", err)
			}
		}
	}
	return store, closeAll, nil
}

func serve(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, env, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
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

	store, closeStore, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeStore()

	units, err := survey.LoadUnits(khaosat.Content, khaosat.UnitsDir)
	if err != nil {
		return err
	}
	auditor := survey.NewAuditor(store)
	catalog := survey.NewCatalog(store, log).UseAuditor(auditor)
	if err := catalog.PublishDir(ctx, khaosat.Content, khaosat.FormsDir); err != nil {
		return err
	}
	set, err := survey.LoadIndicatorSet(khaosat.Content, khaosat.FormsDir, khaosat.IndicatorsFile)
	if err != nil {
		return err
	}
	indicators := survey.NewIndicators(set, units, store, log)
	accounts, err := survey.NewAccounts(store, store, password.New(password.Default), units, auditor)
	if err != nil {
		return err
	}
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
	prot, err := protection(cfg)
	if err != nil {
		return err
	}
	if cfg.MongoDBURI != "" && (cfg.DataKey == "" || cfg.HashSecret == "") {
		log.Warn("the data key ring or the hash secret comes from the data directory; instances sharing a database need the same --data-key and --hash-secret")
	}
	prot.Audit = auditor
	intake, err := survey.NewIntake(store, catalog, units, prot)
	if err != nil {
		return err
	}
	intake.SetFeed(survey.NewFeed(store))
	intake.UseIndicators(indicators)
	if _, err := startIndicators(ctx, indicators, log, cfg.MongoDBURI == ""); err != nil {
		return err
	}
	lifecycle := survey.NewLifecycle(intake, store, auditor)
	lifecycle.UseAttachments(store, cfg.MaxAttachment)
	hooks := survey.NewHooks(store, intake)
	handler := httpapi.New(httpapi.Deps{
		Log: log, Accounts: accounts, Catalog: catalog, Intake: intake, Units: units,
		Lifecycle: lifecycle, Hooks: hooks,
		Tokens: signer, Auditor: auditor, Ping: store.Ping, OpenAPI: openapi, MaxBody: cfg.MaxBody, CORSOrigins: cfg.CORSOrigins, Web: web.Files,
		Indicators: indicators,
		Exports:    survey.NewExports(intake, store, auditor, export.Formats()),
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
	dispatcher := &webhook.Dispatcher{Hooks: hooks, Client: &http.Client{Timeout: 15 * time.Second}, Log: log,
		Poll: cfg.WebhookPoll, Backoff: cfg.WebhookBackoff, MaxBackoff: time.Hour, MaxAttempts: 12}
	hookCtx, stopHooks := context.WithCancel(ctx)
	hooksDone := make(chan struct{})
	go func() { defer close(hooksDone); dispatcher.Run(hookCtx) }()
	defer func() { stopHooks(); <-hooksDone }() // before the database closes
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
