package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/khaosat/khaosat/internal/app"
	"github.com/khaosat/khaosat/internal/protect"
	"github.com/khaosat/khaosat/internal/survey"
)

// sealCmd seals, in every form's stored submissions and kept revisions, the
// answers of fields the form now marks sensitive that are still in clear
// (see survey.SealStored). The server does the same in the background at
// start for the forms whose sensitive fields changed; this verb goes
// through every form, to completion, on a stopped server (for instance
// after the last instance of a rolling upgrade runs the new version). The
// shipped form files are published first, as the server does.
func sealCmd(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig("seal", args, env, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	db, svc, err := openServices(ctx, cfg, app.Exclusive, app.Config{Log: log, Publish: true})
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	done, err := svc.Answers.SealAllStored(ctx, db.Store, true, sealLogger(log))
	if err != nil {
		return fmt.Errorf("seal stored answers: %w", err)
	}
	for _, p := range done {
		if _, err := fmt.Fprintf(stdout, "khaosat: %s: sealed %d of %d submissions and %d of %d kept revisions",
			p.Form, p.Sealed, p.Scanned, p.RevisionsSealed, p.RevisionsScanned); err != nil {
			return err
		}
		if p.Busy > 0 {
			fmt.Fprintf(stdout, "; %d kept changing, run again", p.Busy)
		}
		fmt.Fprintln(stdout)
	}
	_, err = fmt.Fprintf(stdout, "khaosat: done in %s\n", time.Since(start).Round(time.Millisecond))
	return err
}

// sealLogger logs the progress of sealing stored answers, counts only: at
// most every sealLogEvery, and when a form is done.
func sealLogger(log *slog.Logger) func(protect.SealProgress) {
	var last time.Time
	return func(p protect.SealProgress) {
		if !p.Done && time.Since(last) < sealLogEvery {
			return
		}
		last = time.Now()
		log.Info("sealing stored answers", "form", p.Form, "submissions", p.Scanned, "sealed", p.Sealed,
			"revisions", p.RevisionsScanned, "revisions_sealed", p.RevisionsSealed, "busy", p.Busy, "done", p.Done)
	}
}

// sealLogEvery spaces the progress lines of a long sweep.
const sealLogEvery = 10 * time.Second

// sealInBackground runs SealAllStored at server start without holding it
// up, and again after each version published through the API (a designer
// may mark a field sensitive): then after twice RecordCacheTTL, so that
// what other instances stored before they learnt of the version is in the
// database when the sweep goes by. It stops with ctx (the next start goes
// on). It returns a channel closed when it has stopped.
func sealInBackground(ctx context.Context, svc *app.Services, store protect.StoredSealStore, log *slog.Logger) <-chan struct{} {
	again := make(chan struct{}, 1)
	svc.Catalog.OnPublish(func(string) {
		select {
		case again <- struct{}{}:
		default: // one is pending already
		}
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			start := time.Now()
			forms, err := svc.Answers.SealAllStored(ctx, store, false, sealLogger(log))
			switch {
			case err != nil && ctx.Err() == nil:
				log.Error("sealing stored answers stopped; it goes on at the next start or publication", "error", err)
			case err == nil && len(forms) > 0:
				log.Info("sealed stored answers", "forms", len(forms), "duration", time.Since(start).Round(time.Millisecond).String())
			}
			select {
			case <-again:
			case <-ctx.Done():
				return
			}
			select {
			case <-time.After(2 * survey.RecordCacheTTL):
			case <-ctx.Done():
				return
			}
		}
	}()
	return done
}
