// Guarantees of package blindindex (issue 8). Each test fails if its
// guarantee breaks:
//
//   - the key derivation written in docs/SECURITY.md and docs/FORMAT.md is
//     the one the code computes, u16 len(name) included;
//   - tokens of non-ASCII values are frozen by vectors, and the Unicode
//     version the transforms use is the one docs/FORMAT.md states, so a
//     toolchain or golang.org/x/text upgrade that changes a token fails;
//   - the partition choice of frequency smoothing is frozen by vectors;
//   - a PRF that is not comparable, or nil, is refused with an error, never
//     a panic;
//   - keys an index derived from cipher.IndexKeys become unreachable when
//     the keyring drops those keys (guarantees_expiry_test.go);
//   - item 17: PlanColumn counts the indexes of one field together and
//     refuses more than X/2 token sets over X values, and any substring
//     index (its grams identify every value).
package blindindex_test

import (
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/phicrypt/phicrypt/blindindex"
)

// --- item 19: documented key derivation, Unicode version, vectors, PRF ---

// docText returns a document of docs/ with its whitespace collapsed, so
// formulas that wrap across lines read as one.
func docText(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../docs/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(string(b)), " ")
}

func TestIssue8_19_DocsStateKIndexInput(t *testing.T) {
	re := regexp.MustCompile(`k_index = HMAC(?:-SHA256)?\((?:[^()]|\([^()]*\))*\)`)
	for _, doc := range []string{"SECURITY.md", "FORMAT.md"} {
		// The code's own statement (macs.go) is checked against the
		// vectors' domain_hex by TestTokenVectors.
		found := re.FindAllString(docText(t, doc), -1)
		if len(found) == 0 {
			t.Fatalf("%s states no k_index formula", doc)
		}
		for _, f := range found {
			if !strings.Contains(f, `"phicrypt-bidx" | `) || !strings.Contains(f, "| kind | u16 len(name) | name") {
				t.Errorf("%s: %q: the derivation input is \"phicrypt-bidx\" | version | kind | u16 len(name) | name", doc, f)
			}
		}
	}
}

func TestIssue8_19_UnicodeVersionDocumented(t *testing.T) {
	m := regexp.MustCompile(`[Uu]nicode version ([0-9]+\.[0-9]+\.[0-9]+)`).FindStringSubmatch(docText(t, "FORMAT.md"))
	if m == nil {
		t.Fatal("docs/FORMAT.md does not state the Unicode version of the transforms")
	}
	for lib, v := range map[string]string{"golang.org/x/text/unicode/norm": norm.Version, "the toolchain's unicode package": unicode.Version} {
		if v != m[1] {
			t.Errorf("docs/FORMAT.md states Unicode %s; %s has %s: check testdata/vectors.json still passes, then update the document", m[1], lib, v)
		}
	}
}

func loadVectors(t *testing.T) tokenVectors {
	t.Helper()
	data, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatal(err)
	}
	var vf tokenVectors
	if err := json.Unmarshal(data, &vf); err != nil {
		t.Fatal(err)
	}
	return vf
}

func TestIssue8_19_NonASCIIVectors(t *testing.T) {
	vf := loadVectors(t)
	want := []string{"Núñez", "Ærø", "Straße", "Łukasz", "李", "Dvořák", "Jose\u0301"}
	for _, w := range want {
		n := 0
		for _, v := range vf.Equality {
			if v.Value != w {
				continue
			}
			n++
			prf := vectorPRF(t, vf.Keys, v.KeyID)
			e := mustEquality(t, blindindex.EqualityConfig{Name: v.Name, Transforms: v.Transforms, Bits: v.Bits, Partitions: v.Partitions})
			got, err := e.TokenFor(prf, v.KeyID, v.Partition, v.Value)
			if err != nil {
				t.Fatal(err)
			}
			if got != v.Token {
				t.Errorf("%q under %s: token %d, vector %d: the Unicode tables changed the normalization", v.Value, v.Transforms, got, v.Token)
			}
		}
		if n == 0 {
			t.Errorf("no vector for %q", w)
		}
	}
}

func TestIssue8_19_PartitionVectors(t *testing.T) {
	vf := loadVectors(t)
	if len(vf.Partitions) < 3 {
		t.Fatalf("%d partition vectors, want at least 3", len(vf.Partitions))
	}
	seen := map[int]bool{}
	for _, v := range vf.Partitions {
		prf := vectorPRF(t, vf.Keys, v.KeyID)
		if p := partitionOf(prf.keys[v.KeyID], v.Domain, v.Row, v.Partitions); p != v.Partition {
			t.Errorf("%s row %s: partition %d, vector %d", v.Name, v.Row, p, v.Partition)
		}
		seen[v.Partitions] = true
	}
	if len(seen) < 2 {
		t.Error("partition vectors cover a single partition count")
	}
}

// valuePRF is a PRF whose dynamic type is not comparable.
type valuePRF struct {
	inner *testPRF
	ids   []uint32
}

func (p valuePRF) Primary() uint32  { return p.inner.Primary() }
func (p valuePRF) KeyIDs() []uint32 { return p.ids }
func (p valuePRF) Sum(id uint32, dst, msg []byte) ([]byte, error) {
	return p.inner.Sum(id, dst, msg)
}

func TestIssue8_19_UncomparablePRFRefused(t *testing.T) {
	inner := newTestPRF(t, map[uint32]string{1: keyA}, 1)
	prf := valuePRF{inner: inner, ids: []uint32{1}}
	e := mustEquality(t, blindindex.EqualityConfig{Name: "t.eq", Bits: 16})
	b := mustBloom(t, blindindex.BloomConfig{Name: "t.pre", Kind: blindindex.Prefix, MinGram: 2, MaxGram: 4, M: 4096, K: 2})
	// Twice: the first call stores nothing to compare with; a second one
	// compared the cached PRF with this one and panicked.
	for range 2 {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("panic: %v", r)
				}
			}()
			if _, err := e.Token(prf, "smith"); !errors.Is(err, blindindex.ErrBadConfig) || !strings.Contains(err.Error(), "not comparable") {
				t.Fatalf("Token: %v, want ErrBadConfig naming the type", err)
			}
			if _, err := e.Token(inner, "smith"); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Needle(prf, "smi"); !errors.Is(err, blindindex.ErrBadConfig) {
				t.Fatalf("Needle: %v, want ErrBadConfig", err)
			}
		}()
	}
}

func TestIssue8_19_PRFDocSaysComparable(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "prf.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.TYPE {
			continue
		}
		for _, s := range g.Specs {
			if s.(*ast.TypeSpec).Name.Name == "PRF" {
				if doc := g.Doc.Text(); !strings.Contains(doc, "comparable") {
					t.Fatalf("the doc comment of PRF does not say it must be comparable:\n%s", doc)
				}
				return
			}
		}
	}
	t.Fatal("no type PRF in prf.go")
}

func TestIssue8_19_NilPRFRefused(t *testing.T) {
	e := mustEquality(t, blindindex.EqualityConfig{Name: "t.eq", Bits: 16, Partitions: 4})
	c, err := blindindex.NewCompound(blindindex.CompoundConfig{Name: "t.c", Bits: 16, Parts: []blindindex.CompoundPart{{Field: "a"}, {Field: "b"}}})
	if err != nil {
		t.Fatal(err)
	}
	b := mustBloom(t, blindindex.BloomConfig{Name: "t.pre", Kind: blindindex.Prefix, MinGram: 2, MaxGram: 4, M: 4096, K: 2})
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("panic: %v", r)
		}
	}()
	for name, call := range map[string]func() error{
		"Equality.Token":       func() error { _, err := e.Token(nil, "x"); return err },
		"Equality.TokenFor":    func() error { _, err := e.TokenFor(nil, 1, 0, "x"); return err },
		"Equality.WriteToken":  func() error { _, err := e.WriteToken(nil, "x", []byte("1")); return err },
		"Equality.QueryTokens": func() error { _, err := e.QueryTokens(nil, "x"); return err },
		"Compound.Token":       func() error { _, err := c.Token(nil, "x", "y"); return err },
		"Compound.WriteToken":  func() error { _, err := c.WriteToken(nil, []byte("1"), "x", "y"); return err },
		"Compound.QueryTokens": func() error { _, err := c.QueryTokens(nil, "x", "y"); return err },
		"Bloom.Positions":      func() error { _, err := b.Positions(nil, "xyz"); return err },
		"Bloom.Bytes":          func() error { _, err := b.Bytes(nil, "xyz"); return err },
		"Bloom.PositionsFor":   func() error { _, err := b.PositionsFor(nil, 1, "xyz"); return err },
		"Bloom.Needle":         func() error { _, err := b.Needle(nil, "xyz"); return err },
	} {
		if err := call(); !errors.Is(err, blindindex.ErrBadConfig) {
			t.Errorf("%s with a nil PRF: %v, want ErrBadConfig", name, err)
		}
	}
}

// --- item 17: the indexes of one field counted together ---

func TestIssue8_17_PlanColumn(t *testing.T) {
	const x = 3062 // the surnames of the phiscan simulation
	eq, err := blindindex.PlanEquality(blindindex.EqualityRequest{Field: "lname", Stats: blindindex.FieldStats{Rows: 100_000, Distinct: x}})
	if err != nil {
		t.Fatal(err)
	}
	// The planner's choice for one index stays within the column bound.
	if p, err := blindindex.PlanColumn(blindindex.ColumnRequest{Field: "lname", Distinct: x, EqualityBits: []int{eq.Bits}}); err != nil || p.TokenSets > p.MaxTokenSets {
		t.Fatalf("planned %d bits alone: %+v, %v", eq.Bits, p, err)
	}
	for _, tc := range []struct {
		name string
		req  blindindex.ColumnRequest
	}{
		{"planned bits beside a 2-letter prefix", blindindex.ColumnRequest{EqualityBits: []int{eq.Bits}, PrefixClasses: blindindex.PrefixGramClasses(26, 2, x)}},
		{"two equality indexes of 9 bits", blindindex.ColumnRequest{EqualityBits: []int{9, 9}}},
		{"a 4-letter prefix alone", blindindex.ColumnRequest{PrefixClasses: blindindex.PrefixGramClasses(26, 4, x)}},
		{"a substring index", blindindex.ColumnRequest{Substring: true}},
	} {
		tc.req.Field, tc.req.Distinct = "lname", x
		p, err := blindindex.PlanColumn(tc.req)
		if !errors.Is(err, blindindex.ErrRevealsEquality) || p.TokenSets <= p.MaxTokenSets {
			t.Errorf("%s: %+v, %v; want ErrRevealsEquality", tc.name, p, err)
		}
	}
	if _, err := blindindex.PlanColumn(blindindex.ColumnRequest{Field: "f", Distinct: 0}); !errors.Is(err, blindindex.ErrBadConfig) {
		t.Errorf("no distinct values: %v", err)
	}
	if _, err := blindindex.PlanColumn(blindindex.ColumnRequest{Field: "f", Distinct: 10, EqualityBits: []int{0}}); !errors.Is(err, blindindex.ErrBadConfig) {
		t.Errorf("0 bits: %v", err)
	}
}
