package blindindex_test

import (
	"context"
	"path/filepath"

	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider/local"
	"testing"

	"github.com/phicrypt/phicrypt/blindindex"
)

// benchValue is 16 bytes with the padding and case a form field has.
const benchValue = " Hernandez-Lope "

// ringPRF returns the index keys of a real keyring over a local key file.
func ringPRF(b *testing.B) blindindex.PRF {
	b.Helper()
	p := filepath.Join(b.TempDir(), "kek.json")
	if err := local.Create(p); err != nil {
		b.Fatal(err)
	}
	kek, err := local.Open(p)
	if err != nil {
		b.Fatal(err)
	}
	ring, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: cipher.NewMemStore()})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ring.CreateKeyset(context.Background(), "patients.last_name", cipher.PurposeIndex); err != nil {
		b.Fatal(err)
	}
	keys, err := ring.IndexKeys(context.Background(), "patients.last_name")
	if err != nil {
		b.Fatal(err)
	}
	return keys
}

func BenchmarkEqualityToken(b *testing.B) {
	if len(benchValue) != 16 {
		b.Fatal(len(benchValue))
	}
	prf := ringPRF(b)
	e := mustEquality(b, blindindex.EqualityConfig{Name: "patients.last_name", Transforms: "casefold,trim", Bits: 32})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Token(prf, benchValue); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBaselineHMAC is stdlib HMAC-SHA256 of 16 bytes with reused state.
func BenchmarkBaselineHMAC(b *testing.B) {
	k, _ := hex.DecodeString(keyA)
	h := hmac.New(sha256.New, k)
	msg := []byte(benchValue)
	out := make([]byte, 0, 32)
	b.ReportAllocs()
	for b.Loop() {
		h.Reset()
		h.Write(msg)
		out = h.Sum(out[:0])
	}
}

func BenchmarkPrefixTokens(b *testing.B) {
	b.Run("len=12", func(b *testing.B) {
		prf := ringPRF(b)
		ix := mustBloom(b, blindindex.BloomConfig{Name: "patients.last_name_prefix", Kind: blindindex.Prefix,
			Transforms: "nfkc,casefold", MinGram: 2, MaxGram: 12, M: 2048, K: 3})
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ix.Positions(prf, "Hernandez-Lo"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
