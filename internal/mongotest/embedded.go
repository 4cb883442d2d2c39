// Package mongotest starts an in-process FerretDB (SQLite backend) that
// speaks the MongoDB wire protocol: a stand-in for MongoDB in tests only.
// It is never part of the khaosat binary.
package mongotest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Embedded is an in-process FerretDB (SQLite backend) speaking the MongoDB
// wire protocol, so that the same driver code runs with no database to install.
type Embedded struct {
	dir    string // the engine's SQLite files, one per database
	uri    string
	cancel context.CancelFunc
	done   chan struct{}
}

// maxSocketPath keeps the Unix socket path under the kernel's limit (108
// bytes on Linux, 104 on the BSDs).
const maxSocketPath = 100

// StartEmbedded starts the engine with its files under dir. It listens on a
// Unix socket inside dir (only this user can reach it) or, when dir's path is
// too long for a socket, on a random loopback port. The engine's own logger
// is discarded: it logs every error response it sends, which includes the
// duplicate-key answers that intake relies on.
func StartEmbedded(dir string) (*Embedded, error) {
	dbDir := filepath.Join(dir, "db")
	if err := os.MkdirAll(dbDir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded database: %w", err)
	}
	abs, err := filepath.Abs(dbDir)
	if err != nil {
		return nil, fmt.Errorf("embedded database: %w", err)
	}
	listener := ferretdb.ListenerConfig{}
	sock := filepath.Join(abs, "mongodb.sock")
	if len(sock) <= maxSocketPath {
		_ = os.Remove(sock) // left by a process that was killed
		listener.Unix = sock
	} else {
		listener.TCP = "127.0.0.1:0"
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  listener,
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return nil, fmt.Errorf("embedded database: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Embedded{dir: abs, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(e.done)
		_ = f.Run(ctx)
	}()
	e.uri = f.MongoDBURI() // blocks until the listener is up
	return e, nil
}

// URI is the MongoDB connection string of the engine.
func (e *Embedded) URI() string { return e.uri }

// Stop stops the engine and waits for it to close its files.
func (e *Embedded) Stop(ctx context.Context) error {
	e.cancel()
	select {
	case <-e.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("embedded database did not stop: %w", ctx.Err())
	case <-time.After(30 * time.Second):
		return fmt.Errorf("embedded database did not stop within 30s")
	}
}
