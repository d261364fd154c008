package blindindex_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/blindindex"
)

func mustEquality(t testing.TB, cfg blindindex.EqualityConfig) *blindindex.Equality {
	t.Helper()
	e, err := blindindex.NewEquality(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEqualityTokens(t *testing.T) {
	prf := defaultPRF(t)
	names := mustEquality(t, blindindex.EqualityConfig{Name: "patients.last_name", Transforms: "nfkc,casefold,trim,nodiacritics", Bits: 20})
	a, err := names.Token(prf, "  NÚÑEZ ")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := names.Token(prf, "nunez")
	c, _ := names.Token(prf, "Nunes")
	if a != b || a == c {
		t.Fatalf("normalization: %d %d %d", a, b, c)
	}
	if a < 0 || a >= 1<<20 {
		t.Fatalf("20-bit token %d out of range", a)
	}
	// The index name separates domains: the same value under another
	// index gives an unrelated token.
	other := mustEquality(t, blindindex.EqualityConfig{Name: "patients.maiden_name", Transforms: "nfkc,casefold,trim,nodiacritics", Bits: 20})
	if o, _ := other.Token(prf, "nunez"); o == a {
		t.Fatal("two indexes share a token")
	}
	// Another key gives another token.
	if x, _ := names.TokenFor(prf, 9, 0, "nunez"); x == a {
		t.Fatal("two keys share a token")
	}
	// Widths: every width from 1 to 64 stays in range, and narrower
	// tokens are prefixes of wider ones.
	wide := mustEquality(t, blindindex.EqualityConfig{Name: "w", Bits: 64})
	full, _ := wide.Token(prf, "078051120")
	for bits := 1; bits <= 64; bits++ {
		e := mustEquality(t, blindindex.EqualityConfig{Name: "w", Bits: bits})
		tok, err := e.Token(prf, "078051120")
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(uint64(full) >> (64 - bits)); tok != want {
			t.Fatalf("%d bits: %d, want %d", bits, tok, want)
		}
		if bits < 63 && (tok < 0 || tok >= 1<<bits) {
			t.Fatalf("%d bits: %d out of range", bits, tok)
		}
	}
}

func TestEqualityDistribution(t *testing.T) {
	// With 8 bits and 20000 distinct values, every bucket is used and none
	// holds much more than its share: truncation spreads values evenly.
	prf := defaultPRF(t)
	e := mustEquality(t, blindindex.EqualityConfig{Name: "patients.mrn", Bits: 8})
	counts := make([]int, 256)
	for i := 0; i < 20000; i++ {
		tok, err := e.Token(prf, fmt.Sprintf("MRN%07d", i))
		if err != nil {
			t.Fatal(err)
		}
		counts[tok]++
	}
	lo, hi := slices.Min(counts), slices.Max(counts)
	if lo < 40 || hi > 120 {
		t.Fatalf("bucket sizes %d..%d, expected about 78", lo, hi)
	}
}

func TestEqualityRotationAndSmoothing(t *testing.T) {
	during := newTestPRF(t, map[uint32]string{7: keyA, 9: keyB}, 9, 7) // 9 is the new primary
	e := mustEquality(t, blindindex.EqualityConfig{Name: "patients.last_name", Transforms: "casefold", Bits: 32, Partitions: 4})
	q, err := e.QueryTokens(during, "Smith")
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 8 {
		t.Fatalf("%d query tokens, want 4 partitions x 2 keys", len(q))
	}
	for _, id := range []uint32{7, 9} {
		for p := 0; p < 4; p++ {
			tok, _ := e.TokenFor(during, id, p, "SMITH")
			if !slices.Contains(q, tok) {
				t.Fatalf("key %d partition %d token missing from the query", id, p)
			}
		}
	}
	// Writes spread over the partitions, keyed by the row binding: the
	// same row always lands in the same partition.
	seen := map[int64]int{}
	for row := 0; row < 400; row++ {
		tok, err := e.WriteToken(during, "smith", []byte(fmt.Sprint(row)))
		if err != nil {
			t.Fatal(err)
		}
		again, _ := e.WriteToken(during, "smith", []byte(fmt.Sprint(row)))
		if tok != again {
			t.Fatal("row binding does not fix the partition")
		}
		seen[tok]++
	}
	if len(seen) != 4 {
		t.Fatalf("writes used %d partitions, want 4", len(seen))
	}
	for tok, n := range seen {
		if n < 60 {
			t.Fatalf("partition token %d got %d of 400 rows", tok, n)
		}
	}
	random := map[int64]bool{}
	for i := 0; i < 200; i++ {
		tok, _ := e.WriteToken(during, "smith", nil)
		random[tok] = true
	}
	if len(random) != 4 {
		t.Fatalf("random partitions used %d of 4", len(random))
	}
}

func TestEqualityBadInput(t *testing.T) {
	prf := defaultPRF(t)
	e := mustEquality(t, blindindex.EqualityConfig{Name: "patients.ssn", Transforms: "digits", Bits: 24, MaxLength: 9})
	const secret = "078-05-1120x"
	for _, tc := range []struct {
		value string
		want  error
	}{
		{"", blindindex.ErrEmptyValue},
		{"---", blindindex.ErrEmptyValue},
		{"\xff\xfe", blindindex.ErrInvalidUTF8},
		{"078-05-1120-99", blindindex.ErrValueTooLong},
	} {
		_, err := e.Token(prf, tc.value)
		if !errors.Is(err, tc.want) {
			t.Fatalf("%q: %v, want %v", tc.value, err, tc.want)
		}
		if tc.value != "" && strings.Contains(err.Error(), tc.value) {
			t.Fatalf("error reveals the value: %v", err)
		}
	}
	if _, err := e.Token(prf, secret); err != nil {
		t.Fatal(err)
	}
	if _, err := e.TokenFor(prf, 12345, 0, "1"); !errors.Is(err, blindindex.ErrUnknownKey) {
		t.Fatalf("unknown key: %v", err)
	}
	if _, err := e.TokenFor(prf, 7, 1, "1"); !errors.Is(err, blindindex.ErrBadConfig) {
		t.Fatalf("partition out of range: %v", err)
	}
	for _, cfg := range []blindindex.EqualityConfig{
		{Name: "x", Bits: 0}, {Name: "x", Bits: 65}, {Name: "", Bits: 8},
		{Name: "x", Bits: 8, Partitions: -1}, {Name: "x", Bits: 8, Partitions: 100000},
		{Name: "x", Bits: 8, Transforms: "rot13"}, {Name: "x", Bits: 8, MaxLength: -1},
	} {
		if _, err := blindindex.NewEquality(cfg); !errors.Is(err, blindindex.ErrBadConfig) {
			t.Fatalf("%+v: %v", cfg, err)
		}
	}
}

func TestCompound(t *testing.T) {
	prf := defaultPRF(t)
	c, err := blindindex.NewCompound(blindindex.CompoundConfig{
		Name: "patients.name_dob", Bits: 24,
		Parts: []blindindex.CompoundPart{{Field: "last_name", Transforms: "nfkc,casefold,trim,nodiacritics"}, {Field: "dob", Transforms: "date:year"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.Token(prf, "García", "1948-03-17")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := c.Token(prf, " GARCIA ", "1948-11-02")
	if a != b {
		t.Fatal("compound parts not normalized")
	}
	if d, _ := c.Token(prf, "Garcia", "1949-03-17"); d == a {
		t.Fatal("different year, same token")
	}
	// Length prefixes keep part boundaries apart.
	plain, _ := blindindex.NewCompound(blindindex.CompoundConfig{Name: "p", Bits: 64, Parts: []blindindex.CompoundPart{{Field: "a"}, {Field: "b"}}})
	x, _ := plain.Token(prf, "ab", "c")
	y, _ := plain.Token(prf, "a", "bc")
	if x == y {
		t.Fatal("part boundaries are ambiguous")
	}
	if _, err := c.Token(prf, "Garcia"); !errors.Is(err, blindindex.ErrBadConfig) {
		t.Fatalf("one value for two parts: %v", err)
	}
	if _, err := c.Token(prf, "Garcia", "not a date"); !errors.Is(err, blindindex.ErrBadTransformInput) {
		t.Fatalf("bad date: %v", err)
	}
	if _, err := c.Token(prf, "", "1948-03-17"); !errors.Is(err, blindindex.ErrEmptyValue) {
		t.Fatalf("empty part: %v", err)
	}
	if _, err := blindindex.NewCompound(blindindex.CompoundConfig{Name: "one", Bits: 8, Parts: []blindindex.CompoundPart{{Field: "a"}}}); !errors.Is(err, blindindex.ErrBadConfig) {
		t.Fatalf("one part: %v", err)
	}
}
