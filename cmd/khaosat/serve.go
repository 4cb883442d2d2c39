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
// is configured. The returned function closes both.
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
	log.Info("starting khaosat", "version", version, "config", cfg)
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

	store, closeStore, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeStore()
	if err := store.EnsureIndexes(ctx); err != nil {
		return err
	}

	units, err := survey.LoadUnits(khaosat.Content, khaosat.UnitsDir)
	if err != nil {
		return err
	}
	catalog := survey.NewCatalog(store, log)
	if err := catalog.PublishDir(ctx, khaosat.Content, khaosat.FormsDir); err != nil {
		return err
	}
	accounts, err := survey.NewAccounts(store, password.New(password.Default), units)
	if err != nil {
		return err
	}
	generated, err := accounts.EnsureAdmin(ctx, cfg.AdminPassword, log)
	if err != nil {
		return fmt.Errorf("first administrator: %w", err)
	}
	if generated != "" {
		fmt.Fprintf(stdout, "khaosat: created user 'admin' with password %s (shown once; set KHAOSAT_ADMIN_PASSWORD to choose it)\n", generated)
	}
	signer, err := token.NewSigner([]byte(cfg.JWTSecret), cfg.TokenTTL)
	if err != nil {
		return err
	}
	openapi, err := fs.ReadFile(khaosat.Content, khaosat.OpenAPI)
	if err != nil {
		return err
	}
	intake := survey.NewIntake(store, catalog, units)
	handler := httpapi.New(httpapi.Deps{
		Log: log, Accounts: accounts, Catalog: catalog, Intake: intake, Units: units,
		Exports: survey.NewExports(intake, store, survey.NewAuditor(store), export.Formats()),
		Tokens:  signer, Ping: store.Ping, OpenAPI: openapi, MaxBody: cfg.MaxBody,
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
