package blindindex_test

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/phicrypt/phicrypt/blindindex"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider/local"
)

// TestIssue8_19_DerivedKeysUnreachableAfterTTL: an index keeps the keys it
// derived from cipher.IndexKeys only while the keyring does. Once the TTL
// drops them, neither the index keys nor the keys derived from them are
// reachable from the (long-lived) Equality and Bloom values.
func TestIssue8_19_DerivedKeysUnreachableAfterTTL(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "kek.json")
	if err := local.Create(p); err != nil {
		t.Fatal(err)
	}
	kek, err := local.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: cipher.NewMemStore(), TTL: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ring.CreateKeyset(ctx, "patients.last_name", cipher.PurposeIndex); err != nil {
		t.Fatal(err)
	}
	eq, err := blindindex.NewEquality(blindindex.EqualityConfig{Name: "last_name_eq", Transforms: "casefold", Bits: 12})
	if err != nil {
		t.Fatal(err)
	}
	bl, err := blindindex.NewBloom(blindindex.BloomConfig{Name: "last_name_prefix", Kind: blindindex.Prefix, Transforms: "casefold", MinGram: 2, MaxGram: 4, M: 4096, K: 2})
	if err != nil {
		t.Fatal(err)
	}
	held := func() weak.Pointer[cipher.IndexKeys] {
		keys, err := ring.IndexKeys(ctx, "patients.last_name")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := eq.Token(keys, "Smith"); err != nil {
			t.Fatal(err)
		}
		if _, err := bl.Positions(keys, "Smith"); err != nil {
			t.Fatal(err)
		}
		return weak.Make(keys)
	}()
	// Wait (without asserting how long it takes) for the expiry timer and
	// a collection.
	for deadline := time.Now().Add(10 * time.Second); held.Value() != nil; time.Sleep(10 * time.Millisecond) {
		runtime.GC()
		if time.Now().After(deadline) {
			t.Fatal("the index keys stay reachable after the keyring's TTL")
		}
	}
	runtime.KeepAlive(eq)
	runtime.KeepAlive(bl)
	// The indexes derive their keys again from the next IndexKeys.
	keys, err := ring.IndexKeys(ctx, "patients.last_name")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eq.Token(keys, "Smith"); err != nil {
		t.Fatal(err)
	}
}
