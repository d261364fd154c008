package cipher_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider"
)

// purposeKEK records the purpose of every keyset record it unwraps (byte
// 16 of the record's associated data, docs/FORMAT.md §4).
type purposeKEK struct {
	keyprovider.KEK
	mu      sync.Mutex
	unwraps map[cipher.Purpose]int
}

func (k *purposeKEK) Unwrap(ctx context.Context, w, ad []byte) ([]byte, error) {
	k.mu.Lock()
	if k.unwraps == nil {
		k.unwraps = map[cipher.Purpose]int{}
	}
	if len(ad) > 16 && strings.HasPrefix(string(ad), "phicrypt-keyset") {
		k.unwraps[cipher.Purpose(ad[16])]++
	}
	k.mu.Unlock()
	return k.KEK.Unwrap(ctx, w, ad)
}

func (k *purposeKEK) count(p cipher.Purpose) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.unwraps[p]
}

// principals sets up the keysets of patients.ssn with an admin keyring and
// returns keyrings over the same store for an admin, an importer
// (value-encrypt and index) and a researcher (nothing on ssn), each with
// its own KEK handle so that their unwraps are counted apart.
func principals(t *testing.T) (admin, importer, researcher *cipher.Keyring, impKEK, resKEK *purposeKEK) {
	t.Helper()
	ctx := context.Background()
	base := newLocalKEK(t).KEK
	store := cipher.NewMemStore()
	admin = newRing(t, base, store)
	for _, p := range []cipher.Purpose{cipher.PurposeValue, cipher.PurposeIndex, cipher.PurposeSealPrivate} {
		if _, err := admin.CreateKeyset(ctx, "patients.ssn", p); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := admin.HasKeyset(ctx, "patients.ssn", cipher.PurposeSealPublic); !ok || err != nil {
		t.Fatalf("public sealing keyset not published: %v, %v", ok, err)
	}
	open := func(kek keyprovider.KEK, g *cipher.Grant) *cipher.Keyring {
		r, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store, Grant: g})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	impKEK, resKEK = &purposeKEK{KEK: base}, &purposeKEK{KEK: base}
	importer = open(impKEK, &cipher.Grant{Principal: "loader", Role: "importer", Default: cipher.PermEncrypt | cipher.PermIndex})
	researcher = open(resKEK, &cipher.Grant{Principal: "ana", Role: "researcher",
		Scopes: map[string]cipher.Permission{"patients.visits": cipher.PermDecrypt}})
	return
}

func TestImporterSealsWriteOnly(t *testing.T) {
	ctx := context.Background()
	admin, importer, _, impKEK, _ := principals(t)
	row := []byte("17")
	ic := columnOnly(t, importer, "patients", "ssn")
	ct, err := ic.Seal(ctx, "123-45-6789", row)
	if err != nil {
		t.Fatal(err)
	}
	if ct[0] != cipher.FormatWriteOnly {
		t.Fatalf("importer sealed format %#x, want write-only %#x", ct[0], cipher.FormatWriteOnly)
	}
	// The importer cannot open what it wrote, nor what the admin wrote.
	_, err = ic.Open(ctx, ct, row)
	if !errors.Is(err, cipher.ErrNotPermitted) || !strings.Contains(err.Error(), "loader") || strings.Contains(err.Error(), "6789") {
		t.Fatalf("importer opened its own value: %v", err)
	}
	ac := columnOnly(t, admin, "patients", "ssn")
	act, err := ac.Seal(ctx, "987-65-4321", row)
	if err != nil || act[0] != cipher.FormatVersion {
		t.Fatalf("admin seal: %#x, %v", act[0], err)
	}
	if _, err := ic.Open(ctx, act, row); !errors.Is(err, cipher.ErrNotPermitted) {
		t.Fatalf("importer opened the admin's value: %v", err)
	}
	// Neither decryption keyset ever reached the importer's process.
	if n := impKEK.count(cipher.PurposeValue) + impKEK.count(cipher.PurposeSealPrivate); n != 0 {
		t.Fatalf("importer unwrapped %d decryption keysets", n)
	}
	if impKEK.count(cipher.PurposeSealPublic) != 1 {
		t.Fatalf("importer unwrapped the public keyset %d times, want 1", impKEK.count(cipher.PurposeSealPublic))
	}
	// The importer computes tokens.
	if _, err := importer.IndexKeys(ctx, "patients.ssn"); err != nil {
		t.Fatal(err)
	}
	// The admin opens both formats.
	for want, c := range map[string][]byte{"123-45-6789": ct, "987-65-4321": act} {
		got, err := ac.Open(ctx, c, row)
		if err != nil || got != want {
			t.Fatalf("admin open: %v, %v; want %s", got, err, want)
		}
	}
	// Write-only values of every type, with padding.
	pc := columnOnly(t, importer, "patients", "ssn", cipher.WithPadding(16))
	apc := columnOnly(t, admin, "patients", "ssn", cipher.WithPadding(16))
	for _, v := range []any{"", "x", []byte{0, 1}, int64(-7), 2.5, true, cipher.Date{Year: 1970, Month: 1, Day: 2}} {
		c, err := pc.Seal(ctx, v, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := apc.Open(ctx, c, nil)
		if err != nil {
			t.Fatalf("%T: %v", v, err)
		}
		if b, ok := v.([]byte); ok {
			if string(got.([]byte)) != string(b) {
				t.Fatalf("bytes: got %v", got)
			}
			continue
		}
		if got != v {
			t.Fatalf("got %#v, want %#v", got, v)
		}
	}
}

func TestResearcherHoldsNoKeys(t *testing.T) {
	ctx := context.Background()
	admin, _, researcher, _, resKEK := principals(t)
	act, err := columnOnly(t, admin, "patients", "ssn").Seal(ctx, "987-65-4321", nil)
	if err != nil {
		t.Fatal(err)
	}
	rc := columnOnly(t, researcher, "patients", "ssn")
	if _, err := rc.Open(ctx, act, nil); !errors.Is(err, cipher.ErrNotPermitted) {
		t.Fatalf("researcher open: %v", err)
	}
	if _, err := rc.Seal(ctx, "x", nil); !errors.Is(err, cipher.ErrNotPermitted) {
		t.Fatalf("researcher seal: %v", err)
	}
	if _, err := researcher.IndexKeys(ctx, "patients.ssn"); !errors.Is(err, cipher.ErrNotPermitted) {
		t.Fatalf("researcher index keys: %v", err)
	}
	if n := resKEK.count(cipher.PurposeValue) + resKEK.count(cipher.PurposeSealPrivate) + resKEK.count(cipher.PurposeIndex) + resKEK.count(cipher.PurposeSealPublic); n != 0 {
		t.Fatalf("researcher unwrapped %d keysets", n)
	}
	if !researcher.Allows("patients.visits", cipher.PermDecrypt) || researcher.Allows("patients.ssn", cipher.PermDecrypt) {
		t.Fatal("Allows does not follow the grant")
	}
	// The keyring keeps its own copy of the grant.
	g := researcher.Grant()
	g.Default = cipher.PermAll
	if researcher.Allows("patients.ssn", cipher.PermDecrypt) {
		t.Fatal("changing the returned grant changed the keyring")
	}
}

func TestGrantedKeyringCannotManageKeys(t *testing.T) {
	ctx := context.Background()
	_, importer, _, _, _ := principals(t)
	full, err := cipher.NewKeyring(cipher.Config{KEK: importer.KEK(), Store: cipher.NewMemStore(),
		Grant: &cipher.Grant{Principal: "ops", Default: cipher.PermAll}})
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]error{}
	_, checks["create"] = importer.CreateKeyset(ctx, "patients.name", cipher.PurposeValue)
	_, checks["create (all permissions)"] = full.CreateKeyset(ctx, "patients.name", cipher.PurposeValue)
	_, checks["rotate"] = importer.RotateKey(ctx, "patients.ssn", cipher.PurposeIndex)
	_, checks["rewrap"] = importer.Rewrap(ctx, importer.KEK())
	for name, err := range checks {
		if !errors.Is(err, cipher.ErrNotPermitted) {
			t.Errorf("%s: %v, want ErrNotPermitted", name, err)
		}
	}
}

func TestWriteOnlyRotation(t *testing.T) {
	ctx := context.Background()
	admin, importer, _, _, _ := principals(t)
	ic := columnOnly(t, importer, "patients", "ssn")
	ac := columnOnly(t, admin, "patients", "ssn")
	old, err := ic.Seal(ctx, "old", nil)
	if err != nil {
		t.Fatal(err)
	}
	id, err := admin.RotateKey(ctx, "patients.ssn", cipher.PurposeSealPrivate)
	if err != nil {
		t.Fatal(err)
	}
	importer.Invalidate()
	admin.Invalidate()
	fresh, err := ic.Seal(ctx, "new", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := uint32(fresh[6])<<24 | uint32(fresh[7])<<16 | uint32(fresh[8])<<8 | uint32(fresh[9]); got != id {
		t.Fatalf("sealed under key %d after rotation to %d", got, id)
	}
	for want, c := range map[string][]byte{"old": old, "new": fresh} {
		if got, err := ac.Open(ctx, c, nil); err != nil || got != want {
			t.Fatalf("open %s: %v, %v", want, got, err)
		}
	}
	if _, err := admin.RotateKey(ctx, "patients.ssn", cipher.PurposeSealPublic); err == nil {
		t.Fatal("rotated the public keyset on its own")
	}
}

func TestWriteOnlyDamaged(t *testing.T) {
	ctx := context.Background()
	admin, importer, _, _, _ := principals(t)
	row := []byte("17")
	ct, err := columnOnly(t, importer, "patients", "ssn").Seal(ctx, "123-45-6789", row)
	if err != nil {
		t.Fatal(err)
	}
	ac := columnOnly(t, admin, "patients", "ssn")
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), ct...)) }
	cases := []struct {
		name string
		ct   []byte
		row  []byte
		want error
	}{
		{"flipped body bit", mod(func(b []byte) []byte { b[len(b)-20] ^= 1; return b }), row, cipher.ErrTampered},
		{"flipped tag bit", mod(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), row, cipher.ErrTampered},
		{"flipped encapsulated key", mod(func(b []byte) []byte { b[12] ^= 1; return b }), row, cipher.ErrTampered},
		{"truncated", ct[:40], row, cipher.ErrTruncated},
		{"other row", ct, []byte("18"), cipher.ErrMisplaced},
		{"prefix byte", mod(func(b []byte) []byte { b[5] = 0; return b }), row, cipher.ErrTampered},
		{"unknown key", mod(func(b []byte) []byte { b[9] ^= 0xff; return b }), row, cipher.ErrUnknownKey},
		{"read as format 1", mod(func(b []byte) []byte { b[0] = cipher.FormatVersion; return b }), row, cipher.ErrMisplaced},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := ac.Open(ctx, tc.ct, tc.row)
			if !errors.Is(err, tc.want) || v != nil {
				t.Fatalf("got %v, %v; want %v", v, err, tc.want)
			}
			if strings.Contains(err.Error(), "6789") || strings.Count(err.Error(), "phicrypt:") != 1 {
				t.Fatalf("error text: %v", err)
			}
		})
	}
}

func TestCiphertextKeyIDWriteOnly(t *testing.T) {
	ctx := context.Background()
	admin, importer, _, _, _ := principals(t)
	ct, err := columnOnly(t, importer, "patients", "ssn").Seal(ctx, "123-45-6789", nil)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := admin.Keys(ctx, "patients.ssn", cipher.PurposeSealPrivate)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := cipher.CiphertextKeyID(ct); err != nil || id != keys[0].ID {
		t.Fatalf("key id %d, %v; want %d", id, err, keys[0].ID)
	}
	if _, err := cipher.CiphertextKeyID(ct[:45]); !errors.Is(err, cipher.ErrTruncated) {
		t.Fatalf("truncated write-only value: %v", err)
	}
}

// TestPublicHalfRepublished: a store that lost the public half of a
// sealing keyset gets it back from CreateKeyset, the same keys.
func TestPublicHalfRepublished(t *testing.T) {
	ctx := context.Background()
	kek := newLocalKEK(t).KEK
	full := cipher.NewMemStore()
	admin := newRing(t, kek, full)
	if _, err := admin.CreateKeyset(ctx, "patients.ssn", cipher.PurposeSealPrivate); err != nil {
		t.Fatal(err)
	}
	priv, _ := full.Get(ctx, "patients.ssn", cipher.PurposeSealPrivate)
	partial := cipher.NewMemStore()
	if err := partial.Put(ctx, priv, 0); err != nil {
		t.Fatal(err)
	}
	again := newRing(t, kek, partial)
	if made, err := again.CreateKeyset(ctx, "patients.ssn", cipher.PurposeSealPrivate); err != nil || made {
		t.Fatalf("create over an existing private keyset: %v, %v", made, err)
	}
	imp, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: partial, Grant: &cipher.Grant{Default: cipher.PermEncrypt}})
	if err != nil {
		t.Fatal(err)
	}
	ct, err := columnOnly(t, imp, "patients", "ssn").Seal(ctx, "x", nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := columnOnly(t, admin, "patients", "ssn").Open(ctx, ct, nil); err != nil || v != "x" {
		t.Fatalf("sealed to the republished public half: %v, %v", v, err)
	}
}

// TestKeysOutsideGrantNotRead: listing the keys of a keyset the grant
// does not cover is refused before the store is read.
func TestKeysOutsideGrantNotRead(t *testing.T) {
	ctx := context.Background()
	kek := newLocalKEK(t)
	mem := cipher.NewMemStore()
	admin := newRing(t, kek, mem)
	for _, p := range []cipher.Purpose{cipher.PurposeValue, cipher.PurposeIndex, cipher.PurposeSealPrivate} {
		if _, err := admin.CreateKeyset(ctx, "patients.ssn", p); err != nil {
			t.Fatal(err)
		}
	}
	store := &countingStore{Store: mem}
	importer, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store,
		Grant: &cipher.Grant{Principal: "loader", Role: "importer", Default: cipher.PermEncrypt | cipher.PermIndex}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []cipher.Purpose{cipher.PurposeValue, cipher.PurposeSealPrivate} {
		before := store.gets.Load()
		if _, err := importer.Keys(ctx, "patients.ssn", p); !errors.Is(err, cipher.ErrNotPermitted) {
			t.Fatalf("importer lists the %v keys: %v", p, err)
		}
		if n := store.gets.Load() - before; n != 0 {
			t.Errorf("listing the %v keys read the store %d times", p, n)
		}
	}
	if keys, err := importer.Keys(ctx, "patients.ssn", cipher.PurposeIndex); err != nil || len(keys) != 1 {
		t.Fatalf("importer index keys: %v, %v", keys, err)
	}
}
