package cipher_test

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/keyprovider/local"
)

// countingKEK counts the calls that reach the key service and can simulate
// an outage of it.
type countingKEK struct {
	keyprovider.KEK
	wraps, unwraps atomic.Int64
	mu             sync.Mutex
	down           bool
}

func (k *countingKEK) setDown(d bool) { k.mu.Lock(); k.down = d; k.mu.Unlock() }

func (k *countingKEK) isDown() bool { k.mu.Lock(); defer k.mu.Unlock(); return k.down }

func (k *countingKEK) outage(op string) error {
	return &keyprovider.Error{Provider: "test", KeyID: k.URI(), Op: op, Kind: keyprovider.ErrUnavailable}
}

func (k *countingKEK) Wrap(ctx context.Context, pt, ad []byte) ([]byte, error) {
	k.wraps.Add(1)
	if k.isDown() {
		return nil, k.outage("wrap")
	}
	return k.KEK.Wrap(ctx, pt, ad)
}

func (k *countingKEK) Unwrap(ctx context.Context, w, ad []byte) ([]byte, error) {
	k.unwraps.Add(1)
	if k.isDown() {
		return nil, k.outage("unwrap")
	}
	return k.KEK.Unwrap(ctx, w, ad)
}

func newLocalKEK(t testing.TB) *countingKEK {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kek.json")
	if err := local.Create(p); err != nil {
		t.Fatal(err)
	}
	k, err := local.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	return &countingKEK{KEK: k}
}

func newRing(t testing.TB, kek keyprovider.KEK, store cipher.Store) *cipher.Keyring {
	t.Helper()
	r, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// mustColumn returns the sealer of table.column, creating its value keyset
// first if the store has none (as EnsureSchema does for an empty column).
func mustColumn(t testing.TB, r *cipher.Keyring, table, column string, opts ...cipher.ColumnOption) *cipher.Column {
	t.Helper()
	c := columnOnly(t, r, table, column, opts...)
	if _, err := r.CreateKeyset(context.Background(), c.Scope(), cipher.PurposeValue); err != nil {
		t.Fatal(err)
	}
	return c
}

// columnOnly returns the sealer of table.column without creating anything.
func columnOnly(t testing.TB, r *cipher.Keyring, table, column string, opts ...cipher.ColumnOption) *cipher.Column {
	t.Helper()
	c, err := r.Column(table, column, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
