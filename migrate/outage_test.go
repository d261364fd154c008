package migrate

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/keyprovider/local"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// flakyKEK is a KEK whose service can go down.
type flakyKEK struct {
	keyprovider.KEK
	down atomic.Bool
}

func (k *flakyKEK) Wrap(ctx context.Context, pt, ad []byte) ([]byte, error) {
	if k.down.Load() {
		return nil, &keyprovider.Error{Provider: "test", KeyID: "k", Op: "wrap", Kind: keyprovider.ErrUnavailable}
	}
	return k.KEK.Wrap(ctx, pt, ad)
}

func (k *flakyKEK) Unwrap(ctx context.Context, w, ad []byte) ([]byte, error) {
	if k.down.Load() {
		return nil, &keyprovider.Error{Provider: "test", KeyID: "k", Op: "unwrap", Kind: keyprovider.ErrUnavailable}
	}
	return k.KEK.Unwrap(ctx, w, ad)
}

// TestKEKOutage: the key service goes down in the middle of a run (the
// cached keys expire and the reload fails): the run stops with an error
// naming the key service and how to resume, nothing is lost, and the
// rerun seals the rest exactly once.
func TestKEKOutage(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, 1200)
		lk, err := local.Open(strings.TrimPrefix(f.kekURI, "local:"))
		if err != nil {
			t.Fatal(err)
		}
		kek := &flakyKEK{KEK: lk}
		store, err := sqlwrap.NewKeysetStore(f.db, f.dialect)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.EnsureTable(ctx); err != nil {
			t.Fatal(err)
		}
		// Every key reload asks the KEK: keys expire 20 ms after loading.
		ring, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store, TTL: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		m := f.migrator(t, Options{Batch: 100, Workers: 2})
		w, err := m.Prepare(ctx, ring)
		if err != nil {
			t.Fatal(err)
		}
		var batches atomic.Int32
		m.SetProgress(func(Progress) {
			if batches.Add(1) == 2 {
				kek.down.Store(true)
				time.Sleep(30 * time.Millisecond) // let the cached keys expire
			}
		})
		_, err = m.Run(ctx, w)
		if !errors.Is(err, keyprovider.ErrUnavailable) || !strings.Contains(err.Error(), "the key service failed") || !strings.Contains(err.Error(), "run the same command again to resume") {
			t.Fatalf("outage: %v", err)
		}
		m.Close()
		if got := f.sealedTotal(t); got == 0 || got >= nonNull(f.rows) {
			t.Fatalf("sealed %d before the outage", got)
		}
		kek.down.Store(false)
		f.migrateAll(t, Options{Batch: 100, Workers: 2})
		if got := f.sealedTotal(t); got != nonNull(f.rows) {
			t.Fatalf("sealed %d, want exactly %d", got, nonNull(f.rows))
		}
		if valuesHash(f.readBack(t)) != valuesHash(f.rows) {
			t.Fatal("values differ after the outage and the rerun")
		}
	})
}
