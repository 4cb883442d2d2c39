package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/khaosat/khaosat/internal/app"
	"github.com/khaosat/khaosat/internal/protect"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/khaosat/khaosat/internal/seal"
	"github.com/khaosat/khaosat/internal/survey"
)

// dataKeysFile holds the generated data key ring, one hex key a line, the
// current key first.
const dataKeysFile = "data.keys"

// dataKeys returns the configured ring, or the one in the data directory
// (created with one fresh key on first use); fromFile tells which.
func dataKeys(cfg *Config) (keys [][]byte, fromFile bool, err error) {
	if cfg.DataKey != "" {
		keys, err = seal.ParseKeys(cfg.DataKey)
		return keys, false, err
	}
	p := filepath.Join(cfg.DataDir, dataKeysFile)
	b, err := os.ReadFile(p)
	if err == nil {
		keys, err = seal.ParseKeys(string(b))
		if err != nil {
			return nil, true, fmt.Errorf("%s: %w", p, err)
		}
		return keys, true, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, true, err
	}
	k, err := seal.NewKey()
	if err != nil {
		return nil, true, err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, true, err
	}
	if _, err := f.WriteString(seal.FormatKeys([][]byte{k})); err != nil {
		f.Close()
		return nil, true, err
	}
	return [][]byte{k}, true, f.Close()
}

// writeKeysFile replaces the ring file atomically, readable by this user only.
func writeKeysFile(dir string, keys [][]byte) error {
	tmp, err := os.CreateTemp(dir, dataKeysFile+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.WriteString(seal.FormatKeys(keys)); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, dataKeysFile))
}

// protection builds the intake's encryption and hashing from the configuration.
func protection(cfg *Config) (survey.Protection, error) {
	keys, _, err := dataKeys(cfg)
	if err != nil {
		return survey.Protection{}, fmt.Errorf("data key: %w", err)
	}
	ring, err := seal.NewKeyring(keys...)
	if err != nil {
		return survey.Protection{}, err
	}
	hash := cfg.HashSecret // cfg keeps what the operator gave: serve warns by it
	if hash == "" {
		if hash, _, err = loadOrCreateSecret(cfg.DataDir, "hash.secret"); err != nil {
			return survey.Protection{}, fmt.Errorf("hash secret: %w", err)
		}
	}
	return survey.Protection{Sealer: ring, HashKey: []byte(hash)}, nil // the caller adds the auditor
}

// keysUsage is the usage line of the keys verb.
const keysUsage = "usage: khaosat keys rotate [--data-dir DIR | --mongodb-uri URI] [--data-key NEW,OLD…]\n" +
	"       khaosat keys retire KEY-ID [--data-dir DIR | --mongodb-uri URI] [--data-key …]"

// keysCmd is `khaosat keys rotate` and `khaosat keys retire`.
func keysCmd(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	switch {
	case len(args) > 0 && args[0] == "rotate":
		return keysRotate(ctx, args[1:], env, stdout, stderr)
	case len(args) > 1 && args[0] == "retire" && !strings.HasPrefix(args[1], "-"):
		return keysRetire(ctx, args[1], args[2:], env, stdout, stderr)
	}
	fmt.Fprintln(stderr, keysUsage)
	return errors.New("keys: want the sub-command rotate, or retire with a key id")
}

// keysRotate is `khaosat keys rotate`: with the ring in the data directory it
// adds a new current key; with --data-key the operator gives the new ring
// (new key first). Either way the sealed answers of every submission and of
// every revision kept in its history, the indicator facts and the webhook
// secrets are then sealed again under the current key. The old keys stay
// in the ring: `keys retire` removes one once nothing is sealed under it.
func keysRotate(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig("keys rotate", args, env, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	db, keys, fromFile, err := openForKeys(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if fromFile {
		k, err := seal.NewKey()
		if err != nil {
			return err
		}
		keys = append([][]byte{k}, keys...)
		if err := writeKeysFile(cfg.DataDir, keys); err != nil {
			return fmt.Errorf("save the new data key: %w", err)
		}
		cfg.DataKey = strings.TrimSpace(strings.ReplaceAll(seal.FormatKeys(keys), "\n", ","))
	}
	svc, err := buildServices(ctx, db, cfg, app.Config{Log: log})
	if err != nil {
		return err
	}
	store := db.Store
	n, err := svc.Answers.Reseal(ctx, store, func(n protect.ResealCount) {
		log.Info("re-encrypting", "submissions", n.Submissions, "kept_revisions", n.Revisions)
	})
	if err != nil {
		return fmt.Errorf("re-encrypt after %d submissions and %d kept revisions (run it again to go on): %w", n.Submissions, n.Revisions, err)
	}
	// The indicator facts are sealed boxes too: a rebuild writes every
	// one of them again, under the current key.
	facts, err := svc.Indicators.Rebuild(ctx)
	if err != nil {
		return fmt.Errorf("re-encrypt the indicator facts after %d submissions (run it again to go on): %w", facts, err)
	}
	hooks, err := svc.Hooks.Reseal(ctx)
	if err != nil {
		return fmt.Errorf("re-encrypt the webhook secrets (run it again to go on): %w", err)
	}
	_, err = fmt.Fprintf(stdout, "khaosat: re-encrypted %d submissions, %d kept revisions, the indicator facts of %d submissions and %d webhook secrets under data key %s\n",
		n.Submissions, n.Revisions, facts, hooks, seal.KeyID(keys[0])) // the ring's current key
	return err
}

// openForKeys opens the database for a key verb, and then the key ring:
// the database first, so that on a data directory in use the verb fails
// before the ring is touched.
func openForKeys(ctx context.Context, cfg *Config) (db *app.DB, keys [][]byte, fromFile bool, err error) {
	if db, err = openDB(ctx, cfg, app.Exclusive); err != nil {
		return nil, nil, false, err
	}
	if keys, fromFile, err = dataKeys(cfg); err != nil {
		db.Close()
		return nil, nil, false, fmt.Errorf("data key: %w", err)
	}
	return db, keys, fromFile, nil
}

// keysRetire is `khaosat keys retire KEY-ID`: it takes an older key out of
// the ring once nothing is sealed under it any more (after a rotation that
// finished), and refuses, counting what still needs it, while anything is.
// With the ring in the data directory the key leaves data.keys; with
// --data-key the operator removes it from the ring they give.
func keysRetire(ctx context.Context, keyID string, args, env []string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig("keys retire", args, env, stderr)
	if err != nil {
		return err
	}
	db, keys, fromFile, err := openForKeys(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	at := slices.IndexFunc(keys, func(k []byte) bool { return seal.KeyID(k) == keyID })
	switch {
	case at < 0:
		return fmt.Errorf("keys retire: no key %s in the ring; nothing was changed", keyID)
	case at == 0:
		return fmt.Errorf("keys retire: %s is the current key, which seals everything new; run `khaosat keys rotate` first. Nothing was changed", keyID)
	}
	svc, err := buildServices(ctx, db, cfg, app.Config{Log: newLogger(cfg, stderr)})
	if err != nil {
		return err
	}
	use, err := svc.Answers.KeyUse(ctx, db.Store, svc.Hooks, keyID)
	if err != nil {
		return err
	}
	if use.InUse() {
		return fmt.Errorf("keys retire: key %s still seals %d submissions, %d kept revisions, %d indicator fact boxes and %d webhook secrets; "+
			"run `khaosat keys rotate` (to its end) first. Nothing was changed", keyID, use.Submissions, use.Revisions, use.Facts, use.Webhooks)
	}
	if !fromFile {
		_, err = fmt.Fprintf(stdout, "khaosat: nothing is sealed under data key %s any more: remove it from --data-key (KHAOSAT_DATA_KEY) on every instance\n", keyID)
		return err
	}
	if err := writeKeysFile(cfg.DataDir, slices.Delete(keys, at, at+1)); err != nil {
		return fmt.Errorf("save the data key ring: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "khaosat: retired data key %s; nothing was sealed under it\n", keyID)
	return err
}
