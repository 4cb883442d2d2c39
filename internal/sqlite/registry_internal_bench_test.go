package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/registry"
)

// BenchmarkCandidateLookup: finding the duplicate candidates of a child
// at intake (its index keys looked up, the pairs written) with
// KHAOSAT_BENCH_CHILDREN children in the registry (default 1,000,000),
// against the same lookup in an empty registry in the same run. Reports
// ms per child for both.
func BenchmarkCandidateLookup(b *testing.B) {
	n := 1000000
	if v, err := strconv.Atoi(os.Getenv("KHAOSAT_BENCH_CHILDREN")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	open := func() *Store {
		s, err := Open(ctx, filepath.Join(b.TempDir(), FileName))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		l, err := registry.LoadLinker(os.DirFS(filepath.Join("..", "..", "forms", "units")), "hanoi_commune_mapping_old_to_new_2025-07-01.csv")
		if err != nil {
			b.Fatal(err)
		}
		s.UseLinker(l)
		return s
	}
	communes := []string{"00070", "00082", "00097", "00004", "00256", "00160"}
	child := func(i int) *registry.Child {
		return &registry.Child{ID: uuid.NewString(), Commune: communes[i%len(communes)], NameKey: registry.NameKey(fmt.Sprintf("Nguyễn Văn %d", i%50000)),
			Sex: []string{"male", "female"}[i%2], DateOfBirth: time.Date(2008+i%17, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC)}
	}
	full, empty := open(), open()
	t0 := time.Now()
	for start := 0; start < n; start += 50000 {
		err := full.write(ctx, func(tx *wtx) error {
			for i := start; i < min(start+50000, n); i++ {
				c := child(i)
				for _, k := range full.linker.ChildKeys(c) {
					if _, err := tx.Exec(`INSERT INTO reg_child_keys (dkey, child) VALUES (?, ?)`, k, c.ID); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%d children indexed in %s", n, time.Since(t0).Round(time.Millisecond))
	lookup := func(s *Store, i int) time.Duration {
		c := child(i) // the same name, sex, birth date and commune as child i of the full registry
		start := time.Now()
		err := s.write(ctx, func(tx *wtx) error {
			return registry.RefreshChildCandidates(ctx, regTx{tx}, c.ID, c, s.linker.ChildKeys(c))
		})
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	b.ResetTimer()
	var inFull, inEmpty time.Duration
	for i := range b.N {
		inFull += lookup(full, (i*7919)%n)
		inEmpty += lookup(empty, (i*7919)%n)
	}
	b.ReportMetric(float64(inFull.Microseconds())/1000/float64(b.N), "ms/child")
	b.ReportMetric(float64(inEmpty.Microseconds())/1000/float64(b.N), "empty-ms/child")
}
