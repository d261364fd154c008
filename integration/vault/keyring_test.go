package vault_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider"
)

// countingKEK counts the calls that reach Vault through a KEK.
type countingKEK struct {
	keyprovider.KEK
	n *atomic.Int64
}

func (c countingKEK) Wrap(ctx context.Context, pt, ad []byte) ([]byte, error) {
	c.n.Add(1)
	return c.KEK.Wrap(ctx, pt, ad)
}

func (c countingKEK) Unwrap(ctx context.Context, w, ad []byte) ([]byte, error) {
	c.n.Add(1)
	return c.KEK.Unwrap(ctx, w, ad)
}

func (c countingKEK) Rewrap(ctx context.Context, w, ad []byte) ([]byte, error) {
	c.n.Add(1)
	return c.KEK.(keyprovider.Rewrapper).Rewrap(ctx, w, ad)
}

// TestKeyringOverVault seals and opens values with keysets wrapped by a
// real Vault, counts the Vault calls, then rotates the Transit key and
// rewraps every keyset inside Vault.
func TestKeyringOverVault(t *testing.T) {
	ctx := context.Background()
	s := startVault(t)
	counter := struct{ n atomic.Int64 }{}
	kek := countingKEK{open(t, s.uri("transit", "phi"), s.root), &counter.n}
	store := cipher.NewMemStore()
	ring, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	ssn, err := ring.Column("patients", "ssn")
	if err != nil {
		t.Fatal(err)
	}
	start := counter.n.Load()
	for _, p := range []cipher.Purpose{cipher.PurposeValue, cipher.PurposeIndex} {
		if _, err := ring.CreateKeyset(ctx, "patients.ssn", p); err != nil {
			t.Fatal(err)
		}
	}
	var cts [][]byte
	for i := 0; i < 1000; i++ {
		ct, err := ssn.Seal(ctx, fmt.Sprintf("900-00-%04d", i), []byte(fmt.Sprint(i)))
		if err != nil {
			t.Fatal(err)
		}
		cts = append(cts, ct)
	}
	if _, err := ring.IndexKeys(ctx, "patients.ssn"); err != nil {
		t.Fatal(err)
	}
	calls := counter.n.Load() - start
	if calls != 2 {
		t.Fatalf("1000 seals and one index keyset made %d Vault calls, want 2 (one wrap per keyset)", calls)
	}

	reader, _ := cipher.NewKeyring(cipher.Config{KEK: countingKEK{open(t, s.uri("transit", "phi"), s.root), &counter.n}, Store: store})
	rssn, _ := reader.Column("patients", "ssn")
	start = counter.n.Load()
	for i, ct := range cts {
		v, err := rssn.Open(ctx, ct, []byte(fmt.Sprint(i)))
		if err != nil || v != fmt.Sprintf("900-00-%04d", i) {
			t.Fatalf("open %d: %v, %v", i, v, err)
		}
	}
	if calls := counter.n.Load() - start; calls != 1 {
		t.Fatalf("1000 opens made %d Vault calls, want 1", calls)
	}

	// Rotate the Transit key in Vault, then rewrap inside Vault.
	if _, err := s.admin.Logical().Write("transit/keys/phi/rotate", nil); err != nil {
		t.Fatal(err)
	}
	start = counter.n.Load()
	n, err := ring.Rewrap(ctx, kek)
	if err != nil || n != 2 {
		t.Fatalf("rewrap: %d, %v", n, err)
	}
	if calls := counter.n.Load() - start; calls != 2 {
		t.Fatalf("rewrap of 2 keysets made %d Vault calls, want 2 transit/rewrap calls", calls)
	}
	recs, _ := store.List(ctx)
	for _, r := range recs {
		if r.Generation != 2 {
			t.Fatalf("record %s generation %d after rewrap", r.Scope, r.Generation)
		}
	}
	// Old Vault key versions can now be retired; the keysets still open.
	if _, err := s.admin.Logical().Write("transit/keys/phi/config", map[string]any{"min_decryption_version": 2}); err != nil {
		t.Fatal(err)
	}
	fresh, _ := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store})
	fssn, _ := fresh.Column("patients", "ssn")
	if v, err := fssn.Open(ctx, cts[5], []byte("5")); err != nil || v != "900-00-0005" {
		t.Fatalf("after rewrap and retiring v1: %v, %v", v, err)
	}

	// A revoked token fails closed on a cold keyring.
	tok := s.token(t, "phi-rw", "encrypt", "decrypt")
	if err := s.admin.Auth().Token().RevokeTree(tok); err != nil {
		t.Fatal(err)
	}
	cold, _ := cipher.NewKeyring(cipher.Config{KEK: open(t, s.uri("transit", "phi"), tok), Store: store})
	cssn, _ := cold.Column("patients", "ssn")
	_, err = cssn.Open(ctx, cts[0], []byte("0"))
	if !errors.Is(err, keyprovider.ErrAccessDenied) {
		t.Fatalf("revoked token: %v", err)
	}
}
