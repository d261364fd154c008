package cipher_test

import (
	"context"
	"errors"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider"
)

// TestPurposeKEKs: with one KEK per purpose, credentials for the seal-public
// and index KEKs alone cannot unwrap a decryption keyset, grant or no grant.
func TestPurposeKEKs(t *testing.T) {
	ctx := context.Background()
	secret, public, index := newLocalKEK(t).KEK, newLocalKEK(t).KEK, newLocalKEK(t).KEK
	store := cipher.NewMemStore()
	admin, err := cipher.NewKeyring(cipher.Config{KEK: secret, Store: store,
		PurposeKEKs: map[cipher.Purpose]keyprovider.KEK{cipher.PurposeSealPublic: public, cipher.PurposeIndex: index}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []cipher.Purpose{cipher.PurposeValue, cipher.PurposeIndex, cipher.PurposeSealPrivate} {
		if _, err := admin.CreateKeyset(ctx, "patients.ssn", p); err != nil {
			t.Fatal(err)
		}
	}
	want := map[cipher.Purpose]string{cipher.PurposeValue: secret.URI(), cipher.PurposeSealPrivate: secret.URI(),
		cipher.PurposeSealPublic: public.URI(), cipher.PurposeIndex: index.URI()}
	recs, _ := store.List(ctx)
	for _, r := range recs {
		if r.KEK != want[r.Purpose] {
			t.Fatalf("%s keyset wrapped by %s, want %s", r.Purpose, r.KEK, want[r.Purpose])
		}
	}
	if old, err := admin.VerifyKEK(ctx); err != nil || len(old) != 0 {
		t.Fatalf("VerifyKEK: %v, %v", old, err)
	}
	if _, err := admin.Rewrap(ctx, secret); err == nil {
		t.Fatal("Rewrap collapsed the per-purpose KEKs")
	}
	split := map[cipher.Purpose]keyprovider.KEK{cipher.PurposeSealPublic: public, cipher.PurposeIndex: index}
	importer, err := cipher.NewKeyring(cipher.Config{KEK: public, Store: store, PurposeKEKs: split,
		Grant: &cipher.Grant{Principal: "loader", Default: cipher.PermEncrypt | cipher.PermIndex}})
	if err != nil {
		t.Fatal(err)
	}
	ct, err := columnOnly(t, importer, "patients", "ssn").Seal(ctx, "123-45-6789", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := importer.IndexKeys(ctx, "patients.ssn"); err != nil {
		t.Fatal(err)
	}
	// The same credentials in a keyring without a grant: the key service,
	// not the grant, refuses.
	rogue, err := cipher.NewKeyring(cipher.Config{KEK: public, Store: store, PurposeKEKs: split})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := columnOnly(t, rogue, "patients", "ssn").Open(ctx, ct, nil); !errors.Is(err, cipher.ErrWrongKEK) {
		t.Fatalf("credentials of the importer opened a value: %v", err)
	}
	if got, err := columnOnly(t, admin, "patients", "ssn").Open(ctx, ct, nil); err != nil || got != "123-45-6789" {
		t.Fatalf("admin: %v, %v", got, err)
	}
}
