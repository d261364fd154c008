package cipher_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
)

// vectorRing loads the keysets of testdata/vectors.json.
func vectorRing(tb testing.TB) *cipher.Keyring {
	tb.Helper()
	vf, kek := loadVectors(tb)
	store := cipher.NewMemStore()
	for _, enc := range vf.Records {
		b, _ := base64.StdEncoding.DecodeString(enc)
		var rec cipher.Record
		if err := rec.UnmarshalBinary(b); err != nil {
			tb.Fatal(err)
		}
		store.Put(context.Background(), &rec, 0)
	}
	return newRing(tb, kek, store)
}

// FuzzOpen feeds arbitrary bytes to the ciphertext decoder. It must never
// panic, never return a value with an error, and anything it accepts must
// be a value that seals and opens to itself.
func FuzzOpen(f *testing.F) {
	ring := vectorRing(f)
	col := mustColumn(f, ring, "patients", "ssn")
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, ct, row []byte, bound bool) {
		if !bound {
			row = nil
		}
		v, err := col.Open(ctx, ct, row)
		if err != nil {
			if v != nil {
				t.Fatalf("value %v returned with error %v", v, err)
			}
			var ce *cipher.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *cipher.Error", err)
			}
			return
		}
		ct2, err := col.Seal(ctx, v, row)
		if err != nil {
			t.Fatalf("accepted value %T does not seal: %v", v, err)
		}
		if _, err := col.Open(ctx, ct2, row); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzRecord feeds arbitrary bytes to the keyset record decoder: it must
// fail cleanly or accept a record that re-encodes to the same bytes.
func FuzzRecord(f *testing.F) {
	good, _ := (&cipher.Record{Scope: "patients.ssn", Purpose: cipher.PurposeValue, KEK: "local:k", Generation: 1, EncryptedKeyset: []byte{8, 1}}).MarshalBinary()
	f.Add(good)
	f.Fuzz(func(t *testing.T, b []byte) {
		var r cipher.Record
		if err := r.UnmarshalBinary(b); err != nil {
			if !errors.Is(err, cipher.ErrBadRecord) {
				t.Fatalf("error %v is not ErrBadRecord", err)
			}
			return
		}
		again, err := r.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("accepted record re-encodes to %x, %v", again, err)
		}
	})
}
