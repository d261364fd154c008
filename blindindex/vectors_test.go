package blindindex_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"slices"
	"testing"

	"github.com/phicrypt/phicrypt/blindindex"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json (changes the frozen token format: never for a release)")

const vectorsPath = "testdata/vectors.json"

// The layout of testdata/vectors.json (docs/FORMAT.md, "Blind index tokens").
type tokenVectors struct {
	Comment  string            `json:"comment"`
	Keys     map[string]string `json:"keys"` // key id -> HMAC-SHA256 key, hex
	Equality []equalityVector  `json:"equality"`
	Compound []compoundVector  `json:"compound"`
	Bloom    []bloomVector     `json:"bloom"`
	// Partitions holds the partition choice of frequency smoothing:
	// u64(HMAC(k_partition, row)[0:8]) mod P.
	Partitions []partitionVector `json:"partitions"`
}

type partitionVector struct {
	Name       string `json:"name"`
	Partitions int    `json:"partitions"`
	KeyID      uint32 `json:"key_id"`
	Row        string `json:"row_hex"`
	Domain     string `json:"domain_hex"`
	Partition  int    `json:"partition"`
	Value      string `json:"value"`
	Token      int64  `json:"token"`
}

type equalityVector struct {
	Name       string `json:"name"`
	Transforms string `json:"transforms"`
	Bits       int    `json:"bits"`
	Partitions int    `json:"partitions"`
	KeyID      uint32 `json:"key_id"`
	Partition  int    `json:"partition"`
	Value      string `json:"value"`
	Domain     string `json:"domain_hex"`
	Message    string `json:"message_hex"`
	Token      int64  `json:"token"`
}

type compoundVector struct {
	Name    string                    `json:"name"`
	Parts   []blindindex.CompoundPart `json:"parts"`
	Bits    int                       `json:"bits"`
	KeyID   uint32                    `json:"key_id"`
	Values  []string                  `json:"values"`
	Domain  string                    `json:"domain_hex"`
	Message string                    `json:"message_hex"`
	Token   int64                     `json:"token"`
}

type bloomVector struct {
	Name       string         `json:"name"`
	Kind       string         `json:"kind"`
	Transforms string         `json:"transforms"`
	MinGram    int            `json:"min_gram"`
	MaxGram    int            `json:"max_gram"`
	M          uint           `json:"m"`
	K          uint           `json:"k"`
	KeyID      uint32         `json:"key_id"`
	Value      string         `json:"value"`
	Positions  []int32        `json:"positions"`
	Needles    []needleVector `json:"needles"`
}

type needleVector struct {
	Needle    string  `json:"needle"`
	Positions []int32 `json:"positions"`
}

func (v bloomVector) config() blindindex.BloomConfig {
	kind := blindindex.Prefix
	if v.Kind == "substring" {
		kind = blindindex.Substring
	}
	return blindindex.BloomConfig{Name: v.Name, Kind: kind, Transforms: v.Transforms, MinGram: v.MinGram, MaxGram: v.MaxGram, M: v.M, K: v.K}
}

func vectorPRF(t *testing.T, keys map[string]string, primary uint32) *testPRF {
	t.Helper()
	p := &testPRF{primary: primary, ids: []uint32{primary}, keys: map[uint32][]byte{}}
	for id, h := range keys {
		var n uint32
		for _, c := range id {
			n = n*10 + uint32(c-'0')
		}
		b, _ := hex.DecodeString(h)
		p.keys[n] = b
	}
	return p
}

// truncateHMAC is the token rule restated independently: the first bits
// bits of HMAC-SHA256(HMAC-SHA256(key, domain), message), big-endian.
func truncateHMAC(key []byte, domainHex, msgHex string, bits int) int64 {
	domain, _ := hex.DecodeString(domainHex)
	msg, _ := hex.DecodeString(msgHex)
	d := hmac.New(sha256.New, key)
	d.Write(domain)
	m := hmac.New(sha256.New, d.Sum(nil))
	m.Write(msg)
	return int64(binary.BigEndian.Uint64(m.Sum(nil)) >> (64 - bits))
}

// partitionOf is the partition rule restated independently:
// u64(HMAC(HMAC(key, domain), row)[0:8]) mod partitions.
func partitionOf(key []byte, domainHex, rowHex string, partitions int) int {
	domain, _ := hex.DecodeString(domainHex)
	row, _ := hex.DecodeString(rowHex)
	d := hmac.New(sha256.New, key)
	d.Write(domain)
	m := hmac.New(sha256.New, d.Sum(nil))
	m.Write(row)
	return int(binary.BigEndian.Uint64(m.Sum(nil)) % uint64(partitions))
}

func TestTokenVectors(t *testing.T) {
	if *update {
		generateTokenVectors(t)
	}
	data, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatal(err)
	}
	var vf tokenVectors
	if err := json.Unmarshal(data, &vf); err != nil {
		t.Fatal(err)
	}
	if len(vf.Equality) < 8 || len(vf.Compound) < 2 || len(vf.Bloom) < 2 {
		t.Fatal("vector file too small")
	}
	for _, v := range vf.Equality {
		prf := vectorPRF(t, vf.Keys, v.KeyID)
		e := mustEquality(t, blindindex.EqualityConfig{Name: v.Name, Transforms: v.Transforms, Bits: v.Bits, Partitions: v.Partitions})
		got, err := e.TokenFor(prf, v.KeyID, v.Partition, v.Value)
		if err != nil {
			t.Fatal(err)
		}
		if want := truncateHMAC(prf.keys[v.KeyID], v.Domain, v.Message, v.Bits); want != v.Token {
			t.Fatalf("%s %q: vector token %d, HMAC of the vector message gives %d", v.Name, v.Value, v.Token, want)
		}
		if got != v.Token {
			t.Fatalf("%s %q (%s, %d bits, partition %d): token %d, vector %d", v.Name, v.Value, v.Transforms, v.Bits, v.Partition, got, v.Token)
		}
	}
	for _, v := range vf.Compound {
		prf := vectorPRF(t, vf.Keys, v.KeyID)
		c, err := blindindex.NewCompound(blindindex.CompoundConfig{Name: v.Name, Parts: v.Parts, Bits: v.Bits})
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Token(prf, v.Values...)
		if err != nil {
			t.Fatal(err)
		}
		if want := truncateHMAC(prf.keys[v.KeyID], v.Domain, v.Message, v.Bits); want != v.Token || got != v.Token {
			t.Fatalf("%s %q: token %d, from message %d, vector %d", v.Name, v.Values, got, want, v.Token)
		}
	}
	for _, v := range vf.Partitions {
		prf := vectorPRF(t, vf.Keys, v.KeyID)
		if p := partitionOf(prf.keys[v.KeyID], v.Domain, v.Row, v.Partitions); p != v.Partition {
			t.Fatalf("%s row %s: vector partition %d, HMAC of the row gives %d", v.Name, v.Row, v.Partition, p)
		}
		e := mustEquality(t, blindindex.EqualityConfig{Name: v.Name, Transforms: "nfkc,casefold,trim,nodiacritics", Bits: 16, Partitions: v.Partitions})
		row, _ := hex.DecodeString(v.Row)
		got, err := e.WriteToken(prf, v.Value, row)
		if err != nil {
			t.Fatal(err)
		}
		want, err := e.TokenFor(prf, v.KeyID, v.Partition, v.Value)
		if err != nil {
			t.Fatal(err)
		}
		if got != v.Token || want != v.Token {
			t.Fatalf("%s row %s (%d partitions): written token %d, token of partition %d is %d, vector %d", v.Name, v.Row, v.Partitions, got, v.Partition, want, v.Token)
		}
	}
	for _, v := range vf.Bloom {
		prf := vectorPRF(t, vf.Keys, v.KeyID)
		b := mustBloom(t, v.config())
		pos, err := b.Positions(prf, v.Value)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(pos, v.Positions) {
			t.Fatalf("%s %q: positions %v, vector %v", v.Name, v.Value, pos, v.Positions)
		}
		for _, n := range v.Needles {
			sets, err := b.Needle(prf, n.Needle)
			if err != nil {
				t.Fatal(err)
			}
			if len(sets) != 1 || !slices.Equal(sets[0], n.Positions) {
				t.Fatalf("%s needle %q: %v, vector %v", v.Name, n.Needle, sets, n.Positions)
			}
			if !holds(pos, sets) {
				t.Fatalf("%s: needle %q does not match its own value", v.Name, n.Needle)
			}
		}
	}
}

func generateTokenVectors(t *testing.T) {
	vf := tokenVectors{
		Comment: "Known-answer vectors for phicrypt blind-index tokens (docs/FORMAT.md). Test keys only.",
		Keys:    map[string]string{"7": keyA, "9": keyB},
	}
	prf7 := vectorPRF(t, vf.Keys, 7)
	// domain and message rebuild the key-derivation input and the token
	// message from the spec, so the vector file states both explicitly.
	domain := func(kind byte, name string) string {
		b := append([]byte("phicrypt-bidx"), 1, kind)
		b = binary.BigEndian.AppendUint16(b, uint16(len(name)))
		return hex.EncodeToString(append(b, name...))
	}
	message := func(partition int, input []byte) string {
		b := binary.BigEndian.AppendUint16(nil, uint16(partition))
		return hex.EncodeToString(append(b, input...))
	}
	for _, in := range []struct {
		name, transforms string
		bits, parts      int
		key              uint32
		partition        int
		value, norm      string
	}{
		{"patients.ssn", "digits", 24, 0, 7, 0, "078-05-1120", "078051120"},
		{"patients.ssn", "digits", 24, 0, 9, 0, "078-05-1120", "078051120"},
		{"patients.ssn_last4", "digits,last:4", 10, 0, 7, 0, "078-05-1120", "1120"},
		{"patients.last_name", "nfkc,casefold,trim,nodiacritics", 16, 0, 7, 0, "  NÚÑEZ ", "nunez"},
		{"patients.last_name", "nfkc,casefold,trim,nodiacritics", 16, 4, 7, 3, "Smith", "smith"},
		{"patients.email", "trim,casefold", 32, 0, 7, 0, " Ana.Nunez@Example.ORG", "ana.nunez@example.org"},
		{"patients.mrn", "", 64, 0, 7, 0, "MRN-000123", "MRN-000123"},
		{"patients.mrn", "", 1, 0, 7, 0, "MRN-000123", "MRN-000123"},
		{"patients.dob_year", "date:year", 8, 0, 7, 0, "1948-03-17", "1948"},
		{"patients.phone", "digits,last:10", 20, 0, 7, 0, "+1 (617) 555-0142", "6175550142"},
		// Non-ASCII names: their tokens depend on the Unicode tables of
		// the toolchain and of golang.org/x/text (docs/FORMAT.md §8), so
		// an upgrade that changes a normalization fails here.
		{"patients.last_name", "nfkc,casefold,trim,nodiacritics", 16, 0, 7, 0, "Núñez", "nunez"},
		{"patients.last_name", "nfkc,casefold,trim", 16, 0, 7, 0, "Núñez", "núñez"},
		{"patients.last_name", "nfkc,casefold,trim,nodiacritics", 16, 0, 7, 0, "Ærø", "æro"},
		{"patients.last_name", "nfkc,casefold,trim,nodiacritics", 16, 0, 7, 0, "Straße", "strasse"},
		{"patients.last_name", "nfkc,casefold,trim,nodiacritics", 16, 0, 7, 0, "STRASSE", "strasse"},
		{"patients.first_name", "nfkc,casefold,trim,nodiacritics", 16, 0, 7, 0, "Łukasz", "lukasz"},
		{"patients.last_name", "nfkc,casefold,trim,nodiacritics", 16, 0, 7, 0, "李", "李"},
		{"patients.last_name", "nfkc,casefold,trim,nodiacritics", 16, 0, 7, 0, "Dvořák", "dvorak"},
		{"patients.last_name", "nfkc,casefold,trim", 16, 0, 7, 0, "Dvořák", "dvořák"},
		{"patients.first_name", "nfkc,casefold,trim", 16, 0, 7, 0, "Jose\u0301", "josé"},
		{"patients.first_name", "nfkc,casefold,trim,nodiacritics", 16, 0, 7, 0, "Jose\u0301", "jose"},
		{"patients.first_name", "nfkc,casefold,trim,nodiacritics", 16, 0, 7, 0, "A\u0308\u0301ngel", "angel"},
		{"patients.last_name", "nfkc,casefold,trim,letters", 16, 0, 7, 0, "O’Brien-Núñez", "obriennúñez"},
	} {
		e := mustEquality(t, blindindex.EqualityConfig{Name: in.name, Transforms: in.transforms, Bits: in.bits, Partitions: in.parts})
		tok, err := e.TokenFor(vectorPRF(t, vf.Keys, in.key), in.key, in.partition, in.value)
		if err != nil {
			t.Fatal(err)
		}
		vf.Equality = append(vf.Equality, equalityVector{Name: in.name, Transforms: in.transforms, Bits: in.bits, Partitions: in.parts,
			KeyID: in.key, Partition: in.partition, Value: in.value, Domain: domain(1, in.name), Message: message(in.partition, []byte(in.norm)), Token: tok})
	}
	lp := func(parts ...string) []byte {
		var b []byte
		for _, p := range parts {
			b = binary.BigEndian.AppendUint32(b, uint32(len(p)))
			b = append(b, p...)
		}
		return b
	}
	for _, in := range []struct {
		name   string
		parts  []blindindex.CompoundPart
		values []string
		norm   []string
	}{
		{"patients.name_dob", []blindindex.CompoundPart{{Field: "last_name", Transforms: "nfkc,casefold,trim,nodiacritics"}, {Field: "dob"}},
			[]string{"García", "1948-03-17"}, []string{"garcia", "1948-03-17"}},
		{"patients.initial_last", []blindindex.CompoundPart{{Field: "first_name", Transforms: "casefold,first:1"}, {Field: "last_name", Transforms: "casefold"}},
			[]string{"Ana", "Nunez"}, []string{"a", "nunez"}},
	} {
		c, err := blindindex.NewCompound(blindindex.CompoundConfig{Name: in.name, Parts: in.parts, Bits: 24})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := c.Token(prf7, in.values...)
		if err != nil {
			t.Fatal(err)
		}
		vf.Compound = append(vf.Compound, compoundVector{Name: in.name, Parts: in.parts, Bits: 24, KeyID: 7, Values: in.values,
			Domain: domain(2, in.name), Message: message(0, lp(in.norm...)), Token: tok})
	}
	for _, in := range []struct {
		v       bloomVector
		needles []string
	}{
		{bloomVector{Name: "patients.last_name_prefix", Kind: "prefix", Transforms: "nfkc,casefold,nodiacritics", MinGram: 2, MaxGram: 6, M: 2048, K: 3, KeyID: 7, Value: "Núñez-Smith"},
			[]string{"nu", "NUÑE", "núñez-smith"}},
		{bloomVector{Name: "notes.trigram", Kind: "substring", Transforms: "casefold", MinGram: 3, MaxGram: 3, M: 4096, K: 2, KeyID: 7, Value: "Allergic to penicillin"},
			[]string{"pen", "penicillin", "ALLERG"}},
	} {
		b := mustBloom(t, in.v.config())
		v := in.v
		var err error
		if v.Positions, err = b.Positions(prf7, v.Value); err != nil {
			t.Fatal(err)
		}
		for _, n := range in.needles {
			sets, err := b.Needle(prf7, n)
			if err != nil {
				t.Fatal(err)
			}
			v.Needles = append(v.Needles, needleVector{Needle: n, Positions: sets[0]})
		}
		vf.Bloom = append(vf.Bloom, v)
	}
	for _, in := range []struct {
		partitions int
		row, value string
	}{
		{4, "1", "Smith"},
		{4, "42", "Smith"},
		{4, "1000001", "Núñez"},
		{16, "42", "Smith"},
		{256, "patient-7f3a", "Smith"},
	} {
		const name = "patients.last_name"
		e := mustEquality(t, blindindex.EqualityConfig{Name: name, Transforms: "nfkc,casefold,trim,nodiacritics", Bits: 16, Partitions: in.partitions})
		tok, err := e.WriteToken(prf7, in.value, []byte(in.row))
		if err != nil {
			t.Fatal(err)
		}
		v := partitionVector{Name: name, Partitions: in.partitions, KeyID: 7, Row: hex.EncodeToString([]byte(in.row)),
			Domain: domain(5, name), Value: in.value, Token: tok}
		v.Partition = partitionOf(prf7.keys[7], v.Domain, v.Row, v.Partitions)
		vf.Partitions = append(vf.Partitions, v)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(vf); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(vectorsPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
