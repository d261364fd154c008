package cipher

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/phicrypt/phicrypt/keyprovider/local"
	"github.com/tink-crypto/tink-go/v2/prf"
)

// TestIndexKeysMatchTinkPRF checks the pooled HMAC against Tink's own PRF
// over the same keyset, including after an index-key rotation.
func TestIndexKeysMatchTinkPRF(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "kek.json")
	if err := local.Create(p); err != nil {
		t.Fatal(err)
	}
	kek, err := local.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := NewKeyring(Config{KEK: kek, Store: NewMemStore()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ring.CreateKeyset(ctx, "patients.ssn", PurposeIndex); err != nil {
		t.Fatal(err)
	}
	check := func(wantKeys int) *IndexKeys {
		t.Helper()
		keys, err := ring.IndexKeys(ctx, "patients.ssn")
		if err != nil {
			t.Fatal(err)
		}
		if len(keys.KeyIDs()) != wantKeys || keys.KeyIDs()[0] != keys.Primary() {
			t.Fatalf("key ids %v, primary %d, want %d keys with the primary first", keys.KeyIDs(), keys.Primary(), wantKeys)
		}
		_, m, err := ring.load(ctx, "patients.ssn", PurposeIndex)
		if err != nil {
			t.Fatal(err)
		}
		set, err := prf.NewPRFSet(m.handle)
		if err != nil {
			t.Fatal(err)
		}
		for _, msg := range [][]byte{nil, []byte("078051120"), bytes.Repeat([]byte("x"), 200)} {
			for _, id := range keys.KeyIDs() {
				want, err := set.PRFs[id].ComputePRF(msg, 32)
				if err != nil {
					t.Fatal(err)
				}
				got, err := keys.Sum(id, []byte("prefix"), msg)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got[6:], want) || string(got[:6]) != "prefix" {
					t.Fatalf("key %d: pooled HMAC %x, Tink PRF %x", id, got, want)
				}
			}
		}
		return keys
	}
	before := check(1)
	newID, err := ring.RotateKey(ctx, "patients.ssn", PurposeIndex)
	if err != nil {
		t.Fatal(err)
	}
	after := check(2)
	if after.Primary() != newID || after.KeyIDs()[1] != before.Primary() {
		t.Fatalf("after rotation: primary %d (new %d), ids %v", after.Primary(), newID, after.KeyIDs())
	}
	if _, err := after.Sum(12345, nil, nil); err == nil {
		t.Fatal("unknown key id accepted")
	}
	c := ring.IndexKeysCache("patients.ssn")
	got, err := c.Get(ctx)
	if err != nil || got.Primary() != newID {
		t.Fatalf("cache: %v, %v", got, err)
	}
}
