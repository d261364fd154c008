package blindindex

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// posPRF is HMAC-SHA-256 under a fixed key per id.
type posPRF struct{}

func (posPRF) Primary() uint32  { return 1 }
func (posPRF) KeyIDs() []uint32 { return []uint32{1, 2} }
func (posPRF) Sum(id uint32, dst, msg []byte) ([]byte, error) {
	m := hmac.New(sha256.New, []byte(fmt.Sprintf("key %d", id)))
	m.Write(msg)
	return m.Sum(dst), nil
}

// TestPositionsWithoutFilter: the positions computed from the gram MACs
// are the set bits of the Bloom filter holding the grams, for filters of
// any size and number of hashes.
func TestPositionsWithoutFilter(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	letters := []rune("abcdefghijklmnñopqrstuvwxyzé-' ")
	for _, cfg := range []BloomConfig{
		{Name: "pre", Kind: Prefix, Transforms: "casefold", MinGram: 2, MaxGram: 4, M: 65536, K: 2},
		{Name: "sub", Kind: Substring, Transforms: "casefold", MinGram: 3, MaxGram: 3, M: 4096, K: 3},
		{Name: "odd", Kind: Substring, MinGram: 1, MaxGram: 3, MaxLength: 30, M: 10007, K: 7},
		{Name: "tiny", Kind: Prefix, MinGram: 1, MaxGram: 6, M: 200, K: 5},
	} {
		b, err := NewBloom(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 300; i++ {
			r := make([]rune, 1+rng.IntN(30))
			for j := range r {
				r[j] = letters[rng.IntN(len(letters))]
			}
			v := string(r)
			for _, id := range []uint32{1, 2} {
				f, ferr := b.valueFilter(posPRF{}, id, v)
				got, err := b.valuePositions(posPRF{}, id, v)
				if (err == nil) != (ferr == nil) {
					t.Fatalf("%s %q: error %v, filter's %v", cfg.Name, v, err, ferr)
				}
				if err != nil {
					continue
				}
				if want := positions(f); !slices.Equal(got, want) {
					t.Fatalf("%s %q key %d: %v, filter's %v", cfg.Name, v, id, got, want)
				}
			}
		}
	}
}
