package phiscan

import (
	"fmt"
	"testing"
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
