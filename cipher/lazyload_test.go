package cipher_test

import (
	"context"
	"errors"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
)

// adminOver returns a keyring without a grant over a new store, whose KEK
// counts unwraps by purpose, and the KEK it wraps.
func adminOver(t *testing.T) (*cipher.Keyring, *purposeKEK, cipher.Store) {
	t.Helper()
	store := cipher.NewMemStore()
	kek := &purposeKEK{KEK: newLocalKEK(t).KEK}
	return newRing(t, kek, store), kek, store
}

// Creating a scope's keysets unwraps none of them, and a keyring without a
// grant that seals and opens version-1 values never unwraps a sealing
// keyset: those are loaded only for a write-only seal or the opening of a
// version-2 value.
func TestSealingKeysetsLoadLazily(t *testing.T) {
	ctx := context.Background()
	admin, kek, store := adminOver(t)
	base := kek.KEK
	for _, p := range []cipher.Purpose{cipher.PurposeValue, cipher.PurposeIndex, cipher.PurposeSealPrivate} {
		if _, err := admin.CreateKeyset(ctx, "patients.ssn", p); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []cipher.Purpose{cipher.PurposeValue, cipher.PurposeIndex, cipher.PurposeSealPrivate, cipher.PurposeSealPublic} {
		if n := kek.count(p); n != 0 {
			t.Errorf("creating the keysets unwrapped the %s keyset %d times", p, n)
		}
	}
	// A second keyring without a grant, as another process opens it.
	kek2 := &purposeKEK{KEK: base}
	full := newRing(t, kek2, store)
	c := columnOnly(t, full, "patients", "ssn")
	if err := c.LoadKeys(ctx, cipher.PermEncrypt); err != nil {
		t.Fatal(err)
	}
	ct, err := c.Seal(ctx, "123-45-6789", []byte("1"))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := c.Open(ctx, ct, []byte("1")); err != nil || v != "123-45-6789" {
		t.Fatalf("open: %v, %v", v, err)
	}
	if _, err := full.IndexKeys(ctx, "patients.ssn"); err != nil {
		t.Fatal(err)
	}
	if kek2.count(cipher.PurposeValue) != 1 || kek2.count(cipher.PurposeIndex) != 1 {
		t.Errorf("value and index keysets unwrapped %d and %d times, want once each", kek2.count(cipher.PurposeValue), kek2.count(cipher.PurposeIndex))
	}
	if n := kek2.count(cipher.PurposeSealPrivate) + kek2.count(cipher.PurposeSealPublic); n != 0 {
		t.Errorf("a keyring that sealed and opened version-1 values unwrapped %d sealing keysets", n)
	}
	// An importer's LoadKeys loads the public sealing keyset, and only it.
	kek3 := &purposeKEK{KEK: base}
	imp, err := cipher.NewKeyring(cipher.Config{KEK: kek3, Store: store, Grant: &cipher.Grant{Principal: "loader", Default: cipher.PermEncrypt}})
	if err != nil {
		t.Fatal(err)
	}
	ic := columnOnly(t, imp, "patients", "ssn")
	if err := ic.LoadKeys(ctx, cipher.PermDecrypt); !errors.Is(err, cipher.ErrNotPermitted) {
		t.Fatalf("importer LoadKeys(decrypt): %v", err)
	}
	if err := ic.LoadKeys(ctx, cipher.PermEncrypt); err != nil {
		t.Fatal(err)
	}
	wo, err := ic.Seal(ctx, "987-65-4321", []byte("2"))
	if err != nil {
		t.Fatal(err)
	}
	if kek3.count(cipher.PurposeSealPublic) != 1 || kek3.count(cipher.PurposeValue)+kek3.count(cipher.PurposeSealPrivate)+kek3.count(cipher.PurposeIndex) != 0 {
		t.Errorf("importer unwrapped %v, want the public sealing keyset once", kek3.unwraps)
	}
	// The full keyring unwraps the private sealing keyset at the first
	// version-2 value, once.
	for range 2 {
		if v, err := c.Open(ctx, wo, []byte("2")); err != nil || v != "987-65-4321" {
			t.Fatalf("open write-only: %v, %v", v, err)
		}
	}
	if kek2.count(cipher.PurposeSealPrivate) != 1 || kek2.count(cipher.PurposeSealPublic) != 0 {
		t.Errorf("opening write-only values unwrapped the private keyset %d times and the public one %d times, want 1 and 0",
			kek2.count(cipher.PurposeSealPrivate), kek2.count(cipher.PurposeSealPublic))
	}
}

// A rotation of a sealing keyset unwraps the private keyset once (to add
// the key) and publishes the new public half without reading anything
// back.
func TestSealingRotationUnwrapsOnce(t *testing.T) {
	ctx := context.Background()
	admin, kek, _ := adminOver(t)
	if _, err := admin.CreateKeyset(ctx, "patients.ssn", cipher.PurposeSealPrivate); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.RotateKey(ctx, "patients.ssn", cipher.PurposeSealPrivate); err != nil {
		t.Fatal(err)
	}
	if kek.count(cipher.PurposeSealPrivate) != 1 || kek.count(cipher.PurposeSealPublic) != 0 {
		t.Errorf("rotation unwrapped the private keyset %d times and the public one %d times, want 1 and 0",
			kek.count(cipher.PurposeSealPrivate), kek.count(cipher.PurposeSealPublic))
	}
}
