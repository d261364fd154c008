package cipher_test

import (
	"context"
	"crypto/aes"
	stdcipher "crypto/cipher"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
)

const bench32 = "Maria-Guadalupe Hernandez-Lopez!" // 32 bytes

func benchColumn(b *testing.B) (*cipher.Column, []byte) {
	b.Helper()
	ring := newRing(b, newLocalKEK(b), cipher.NewMemStore())
	col := mustColumn(b, ring, "patients", "full_name")
	ct, err := col.Seal(context.Background(), bench32, nil)
	if err != nil {
		b.Fatal(err)
	}
	return col, ct
}

func BenchmarkSeal(b *testing.B) {
	b.Run("32B", func(b *testing.B) {
		if len(bench32) != 32 {
			b.Fatal(len(bench32))
		}
		col, _ := benchColumn(b)
		ctx := context.Background()
		b.SetBytes(32)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := col.Seal(ctx, bench32, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkOpen(b *testing.B) {
	b.Run("32B", func(b *testing.B) {
		col, ct := benchColumn(b)
		ctx := context.Background()
		b.SetBytes(32)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := col.Open(ctx, ct, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSealOpen is Seal then Open of one value, to compare with the
// baseline directly.
func BenchmarkSealOpen(b *testing.B) {
	b.Run("32B", func(b *testing.B) {
		col, _ := benchColumn(b)
		ctx := context.Background()
		b.SetBytes(32)
		b.ReportAllocs()
		for b.Loop() {
			ct, err := col.Seal(ctx, bench32, nil)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := col.Open(ctx, ct, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkBaselineAESGCM is stdlib AES-256-GCM seal+open of 32 bytes with a
// reused cipher and a fresh random nonce: the floor Seal+Open is measured
// against.
func BenchmarkBaselineAESGCM(b *testing.B) {
	b.Run("32B", func(b *testing.B) {
		key := make([]byte, 32)
		rand.Read(key)
		block, _ := aes.NewCipher(key)
		g, _ := stdcipher.NewGCM(block)
		pt := []byte(strings.Repeat("x", 32))
		ad := []byte("patients.full_name")
		nonce := make([]byte, 12)
		b.SetBytes(32)
		b.ReportAllocs()
		for b.Loop() {
			rand.Read(nonce)
			ct := g.Seal(nil, nonce, pt, ad)
			if _, err := g.Open(nil, nonce, ct, ad); err != nil {
				b.Fatal(err)
			}
		}
	})
}
