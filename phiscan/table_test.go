package phiscan

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider/local"
)

func TestResolveTable(t *testing.T) {
	record := func(verdict Verdict) ColumnReport {
		return ColumnReport{Name: "c1", Verdict: verdict, Types: []string{"mrn"}, Confidence: 0.45,
			Evidence: []Evidence{{Check: "value", Type: "mrn", Share: 1}}}
	}
	person := func(name, typ string) ColumnReport {
		return ColumnReport{Name: name, Verdict: VerdictPHI, Types: []string{typ}, Confidence: 0.9,
			Evidence: []Evidence{{Check: "value", Type: typ, Share: 0.9}}}
	}
	// Two direct identifiers of people: the possible record number is PHI.
	cols := ResolveTable([]ColumnReport{record(VerdictPossible), person("c2", "last_name"), person("c3", "birth_date")})
	if cols[0].Verdict != VerdictPHI || cols[0].Confidence < 0.8 || cols[0].Evidence[len(cols[0].Evidence)-1].Check != "table" {
		t.Fatalf("record number in a patient table: %+v", cols[0])
	}
	// One identifier is not enough context.
	cols = ResolveTable([]ColumnReport{record(VerdictPossible), person("c2", "last_name")})
	if cols[0].Verdict != VerdictPossible {
		t.Fatalf("with one person column: %+v", cols[0])
	}
	// Columns judged none, or possible on name evidence only, stay as they are.
	nameOnly := ColumnReport{Name: "study_id", Verdict: VerdictPossible, Types: []string{"mrn"}, Evidence: []Evidence{{Check: "name", Type: "mrn", Share: 1}}}
	cols = ResolveTable([]ColumnReport{nameOnly, record(VerdictNone), person("a", "name"), person("b", "ssn")})
	if cols[0].Verdict != VerdictPossible || cols[1].Verdict != VerdictNone {
		t.Fatalf("untouched columns changed: %+v %+v", cols[0], cols[1])
	}
}

func TestMaskBinary(t *testing.T) {
	ct := "\x01\xba\x9c\xd2\x18\x01\xf3\xf9\x33\x36 078-05-1120"
	if got := Mask(ct); got != fmt.Sprintf("binary(%d bytes)", len(ct)) {
		t.Fatalf("Mask of ciphertext = %q", got)
	}
	if got := Mask("line one\tand\ttwo"); got == "binary(16 bytes)" {
		t.Fatalf("text with tabs masked as binary: %q", got)
	}
}

// TestSealedColumnsAreNotPlaintextPHI classifies a column of phicrypt
// ciphertexts named ssn: the PHI in it is already encrypted.
func TestSealedColumnsAreNotPlaintextPHI(t *testing.T) {
	p := filepath.Join(t.TempDir(), "kek.json")
	if err := local.Create(p); err != nil {
		t.Fatal(err)
	}
	kek, err := local.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: cipher.NewMemStore()})
	if err != nil {
		t.Fatal(err)
	}
	col, err := ring.Column("patients", "ssn")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ring.CreateKeyset(context.Background(), col.Scope(), cipher.PurposeValue); err != nil {
		t.Fatal(err)
	}
	var values []string
	for i := 0; i < 200; i++ {
		ct, err := col.Seal(context.Background(), fmt.Sprintf("%03d-%02d-%04d", 100+i, 10+i%80, 1000+i), []byte(fmt.Sprint(i)))
		if err != nil {
			t.Fatal(err)
		}
		values = append(values, string(ct))
	}
	r := Classify(ColumnInput{Table: "patients", Name: "ssn", Values: values}, nil)
	if r.Verdict != VerdictNone || len(r.Types) != 1 || r.Types[0] != "phicrypt_ciphertext" || !strings.HasPrefix(r.Example, "binary(") {
		t.Fatalf("sealed SSNs: %+v", r)
	}
	plain := Classify(ColumnInput{Table: "patients", Name: "ssn", Values: []string{"219-09-9998", "457-55-5462", "323-45-6789"}}, nil)
	if plain.Verdict != VerdictPHI {
		t.Fatalf("plaintext SSNs: %+v", plain)
	}
}
