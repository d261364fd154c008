package sqlwrap

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// findIDs runs one query and returns the ids it finds.
func findIDs(t *testing.T, ta *TableAccess, preds ...Pred) string {
	t.Helper()
	rows, err := ta.Find(context.Background(), Query{Where: preds})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(ids(rows))
}

func TestIssue9_4_UpsertRecomputesTokens(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(16))
		if _, err := f.pats.InsertBatch(ctx, samplePatients); err != nil {
			t.Fatal(err)
		}
		oldDOB := cipher.Date{Year: 1970, Month: 5, Day: 6}
		newDOB := cipher.Date{Year: 1971, Month: 6, Day: 7}
		inserted, err := f.pats.Upsert(ctx, Row{"id": int64(10), "ssn": "111-22-3333", "mrn": "MRN-0010", "last_name": "Okafor",
			"first_name": "Ada", "dob": oldDOB, "notes": "asthma since childhood", "city": "Denver", "age": int64(50)})
		if err != nil || !inserted {
			t.Fatalf("upsert of a new key: inserted=%v, %v", inserted, err)
		}
		old := [][]Pred{
			{Eq("ssn", "111223333")}, {Eq("mrn", "MRN-0010")}, {Prefix("last_name", "oka")},
			{Contains("notes", "asthma")}, {Eq("last_name", "okafor"), Eq("dob", oldDOB)}, {Eq("city", "Denver")},
		}
		for _, p := range old {
			if got := findIDs(t, f.pats, p...); got != "[10]" {
				t.Fatalf("after insert, %v found %s, want [10]", p, got)
			}
		}
		inserted, err = f.pats.Upsert(ctx, Row{"id": int64(10), "ssn": "444-55-6666", "mrn": "MRN-0110", "last_name": "Adeyemi",
			"first_name": "Ada", "dob": newDOB, "notes": "diabetes type 2", "city": "Austin", "age": int64(51)})
		if err != nil || inserted {
			t.Fatalf("upsert of an existing key: inserted=%v, %v", inserted, err)
		}
		for _, p := range old {
			if got := findIDs(t, f.pats, p...); got != "[]" {
				t.Fatalf("after upsert, old value %v still found: %s", p, got)
			}
		}
		for _, p := range [][]Pred{
			{Eq("ssn", "444556666")}, {Eq("mrn", "MRN-0110")}, {Prefix("last_name", "adey")},
			{Contains("notes", "diabetes")}, {Eq("last_name", "ADEYEMI"), Eq("dob", newDOB)}, {Eq("city", "Austin")},
		} {
			if got := findIDs(t, f.pats, p...); got != "[10]" {
				t.Fatalf("after upsert, new value %v found %s, want [10]", p, got)
			}
		}
		// A partial upsert of an existing row keeps the other columns.
		if _, err := f.pats.Upsert(ctx, Row{"id": int64(10), "notes": nil}); err != nil {
			t.Fatal(err)
		}
		r, err := f.pats.Get(ctx, int64(10))
		if err != nil || r["notes"] != nil || r["last_name"] != "Adeyemi" || r["ssn"] != "444-55-6666" {
			t.Fatalf("after a partial upsert: %v, %v", r, err)
		}
		if got := findIDs(t, f.pats, Contains("notes", "diabetes")); got != "[]" {
			t.Fatalf("notes set to NULL still found: %s", got)
		}
		// Other rows are untouched.
		if got := findIDs(t, f.pats, Prefix("last_name", "smi")); got != "[2 3]" {
			t.Fatalf("other rows: %s", got)
		}
		if _, err := f.pats.Upsert(ctx, Row{"ssn": "1"}); !errors.Is(err, ErrWrongType) {
			t.Fatalf("upsert without key: %v", err)
		}
		// A new row lacking a required column is refused and leaves nothing.
		if _, err := f.pats.Upsert(ctx, Row{"id": int64(11), "ssn": "1"}); err == nil {
			t.Fatal("upsert of a new row without its required columns was accepted")
		}
		if _, err := f.pats.Get(ctx, int64(11)); !errors.Is(err, ErrNotFound) {
			t.Fatalf("refused upsert left a row: %v", err)
		}
	})
}

func TestIssue9_4_UpsertKeepsAPlainRowBinding(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		s := patientSchema(16)
		tb := s.Tables[0]
		tb.RowBinding = "pid"
		tb.Plain = append(tb.Plain, &PlainColumn{Name: "pid", Type: "text"})
		f := newFixture(t, d, s)
		base := Row{"id": int64(1), "pid": "p-1", "ssn": "111-22-3333", "mrn": "MRN-1", "last_name": "Obi", "first_name": "A", "dob": cipher.Date{Year: 1960, Month: 1, Day: 2}}
		if ins, err := f.pats.Upsert(ctx, base); err != nil || !ins {
			t.Fatalf("upsert new: %v, %v", ins, err)
		}
		if ins, err := f.pats.Upsert(ctx, Row{"id": int64(1), "pid": "p-1", "ssn": "444-55-6666"}); err != nil || ins {
			t.Fatalf("upsert with the same binding: %v, %v", ins, err)
		}
		if got := findIDs(t, f.pats, Eq("ssn", "444556666")); got != "[1]" {
			t.Fatalf("new ssn found %s", got)
		}
		if _, err := f.pats.Upsert(ctx, Row{"id": int64(1), "pid": "p-2", "ssn": "777-88-9999"}); !errors.Is(err, ErrUnsupported) {
			t.Fatalf("upsert changing the binding: %v", err)
		}
		r, err := f.pats.Get(ctx, int64(1))
		if err != nil || r["ssn"] != "444-55-6666" || r["pid"] != "p-1" {
			t.Fatalf("after the refused upsert: %v, %v", r, err)
		}
	})
}
