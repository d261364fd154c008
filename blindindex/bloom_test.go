package blindindex_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/blindindex"
)

func mustBloom(t testing.TB, cfg blindindex.BloomConfig) *blindindex.Bloom {
	t.Helper()
	b, err := blindindex.NewBloom(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// holds reports whether row holds every position of one of the needle sets.
func holds(row []int32, sets [][]int32) bool {
	for _, set := range sets {
		all := true
		for _, p := range set {
			if _, ok := slices.BinarySearch(row, p); !ok {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

var surnames = []string{"Smith", "Smythe", "Johnson", "Garcia", "García-Lopez", "Nguyen", "Núñez", "Nunes", "O'Brien", "Obrien",
	"Schmidt", "Schmitt", "Smithers", "Williams", "Brown", "Jones", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez"}

func TestPrefixNoFalseNegatives(t *testing.T) {
	prf := defaultPRF(t)
	b := mustBloom(t, blindindex.BloomConfig{Name: "patients.last_name_prefix", Kind: blindindex.Prefix,
		Transforms: "nfkc,casefold,nodiacritics,letters", MinGram: 2, MaxGram: 8, M: 1024, K: 3})
	rows := map[string][]int32{}
	for _, s := range surnames {
		pos, err := b.Positions(prf, s)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.IsSorted(pos) || len(pos) == 0 {
			t.Fatalf("%s: positions not sorted or empty: %v", s, pos)
		}
		rows[s] = pos
	}
	norm := func(s string) string {
		return strings.NewReplacer("í", "i", "ú", "u", "ñ", "n", "'", "", "-", "").Replace(strings.ToLower(s))
	}
	for _, needle := range []string{"sm", "Smi", "SMITH", "smithers", "smithersons", "gar", "garcíal", "nu", "NÚÑ", "obr", "O'B", "zz"} {
		sets, err := b.Needle(prf, needle)
		if err != nil {
			t.Fatalf("%q: %v", needle, err)
		}
		for s, pos := range rows {
			want := strings.HasPrefix(norm(s), norm(needle))
			got := holds(pos, sets)
			if want && !got {
				t.Fatalf("false negative: %q is a prefix of %q", needle, s)
			}
		}
	}
	for _, short := range []string{"s", " S ", "-"} {
		if _, err := b.Needle(prf, short); !errors.Is(err, blindindex.ErrNeedleTooShort) && !errors.Is(err, blindindex.ErrEmptyValue) {
			t.Fatalf("needle %q: %v", short, err)
		}
	}
	if _, err := b.Needle(prf, "S"); !errors.Is(err, blindindex.ErrNeedleTooShort) {
		t.Fatal("one-letter needle accepted")
	}
}

func TestSubstringFalsePositivesAreRare(t *testing.T) {
	prf := defaultPRF(t)
	b := mustBloom(t, blindindex.BloomConfig{Name: "notes.substring", Kind: blindindex.Substring,
		Transforms: "casefold", MinGram: 3, MaxGram: 3, M: 4096, K: 2, MaxGrams: 64})
	rng := rand.New(rand.NewPCG(1, 2))
	letters := "abcdefghijklmnopqrstuvwxyz"
	word := func(n int) string {
		var sb strings.Builder
		for i := 0; i < n; i++ {
			sb.WriteByte(letters[rng.IntN(len(letters))])
		}
		return sb.String()
	}
	values := make([]string, 2000)
	rows := make([][]int32, len(values))
	for i := range values {
		values[i] = word(12)
		var err error
		if rows[i], err = b.Positions(prf, values[i]); err != nil {
			t.Fatal(err)
		}
	}
	falsePos, trueHits := 0, 0
	for q := 0; q < 200; q++ {
		src := values[rng.IntN(len(values))]
		at := rng.IntN(len(src) - 4)
		needle := src[at : at+4]
		sets, err := b.Needle(prf, needle)
		if err != nil {
			t.Fatal(err)
		}
		for i, row := range rows {
			match := strings.Contains(values[i], needle)
			hit := holds(row, sets)
			if match && !hit {
				t.Fatalf("false negative: %q in %q", needle, values[i])
			}
			if match {
				trueHits++
			} else if hit {
				falsePos++
			}
		}
	}
	if trueHits < 200 {
		t.Fatalf("only %d true hits", trueHits)
	}
	// 20 grams x 2 bits in 4096 bits: fill ~1%; a 4-char needle needs ~4
	// bits, so false positives should be vanishingly rare.
	if rate := float64(falsePos) / float64(200*len(values)); rate > 0.001 {
		t.Fatalf("false-positive rate %.5f", rate)
	}
}

func TestBloomBadInput(t *testing.T) {
	prf := defaultPRF(t)
	b := mustBloom(t, blindindex.BloomConfig{Name: "x", Kind: blindindex.Substring, MinGram: 3, MaxGram: 4, M: 2048, K: 2, MaxGrams: 20, MaxLength: 40})
	if _, err := b.Positions(prf, strings.Repeat("abcdefgh", 2)); !errors.Is(err, blindindex.ErrValueTooLong) {
		t.Fatalf("over the gram cap: %v", err)
	}
	if _, err := b.Positions(prf, strings.Repeat("a", 41)); !errors.Is(err, blindindex.ErrValueTooLong) {
		t.Fatalf("over max length: %v", err)
	}
	if _, err := b.Positions(prf, "\xff"); !errors.Is(err, blindindex.ErrInvalidUTF8) {
		t.Fatalf("invalid UTF-8: %v", err)
	}
	if _, err := b.Positions(prf, ""); !errors.Is(err, blindindex.ErrEmptyValue) {
		t.Fatalf("empty: %v", err)
	}
	for _, cfg := range []blindindex.BloomConfig{
		{Name: "x", Kind: blindindex.Prefix, MinGram: 0, MaxGram: 4, M: 2048, K: 2},
		{Name: "x", Kind: blindindex.Prefix, MinGram: 3, MaxGram: 2, M: 2048, K: 2},
		{Name: "x", Kind: 9, MinGram: 1, MaxGram: 2, M: 2048, K: 2},
		{Name: "x", Kind: blindindex.Prefix, MinGram: 1, MaxGram: 2, M: 1 << 20, K: 2},
	} {
		if _, err := blindindex.NewBloom(cfg); !errors.Is(err, blindindex.ErrBadConfig) {
			t.Fatalf("%+v: %v", cfg, err)
		}
	}
	// A filter that long values would fill is refused up front.
	_, err := blindindex.NewBloom(blindindex.BloomConfig{Name: "full", Kind: blindindex.Substring, MinGram: 1, MaxGram: 5, M: 256, K: 8})
	if !errors.Is(err, blindindex.ErrSaturated) {
		t.Fatalf("saturating config: %v", err)
	}
	bytes, err := b.Bytes(prf, "abcdef")
	if err != nil || len(bytes) != 2048/8 {
		t.Fatalf("bytes: %d, %v", len(bytes), err)
	}
	pos, _ := b.Positions(prf, "abcdef")
	for _, p := range pos {
		if bytes[p/8]&(1<<(p%8)) == 0 {
			t.Fatalf("bit %d set in positions but not in bytes", p)
		}
	}
	count := 0
	for _, by := range bytes {
		for ; by != 0; by &= by - 1 {
			count++
		}
	}
	if count != len(pos) {
		t.Fatalf("bytes hold %d bits, positions %d", count, len(pos))
	}
}
