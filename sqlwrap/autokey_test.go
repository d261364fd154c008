package sqlwrap

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

func TestIssue9_4_AutoKeyWithRowBinding(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(16))
		// The database assigns every key (PostgreSQL's identity does not
		// skip keys given explicitly).
		var first []Row
		for _, r := range samplePatients {
			r = maps.Clone(r)
			delete(r, "id")
			first = append(first, r)
		}
		if k, err := f.pats.InsertBatch(ctx, first); err != nil || fmt.Sprint(k) != "[1 2 3 4 5]" {
			t.Fatalf("batch without ids: %v, %v", k, err)
		}
		dob := cipher.Date{Year: 1980, Month: 2, Day: 3}
		row := Row{"ssn": "123-45-6789", "mrn": "MRN-0100", "last_name": "Okonkwo", "first_name": "Chi", "dob": dob, "notes": "migraine", "city": "Lagos"}
		key, err := f.pats.Insert(ctx, row)
		if err != nil {
			t.Fatalf("insert without id: %v", err)
		}
		id := toInt64(key)
		if id <= 5 {
			t.Fatalf("assigned key %v, want one after the existing rows", key)
		}
		if _, ok := row["id"]; ok {
			t.Fatal("Insert changed the caller's row")
		}
		r, err := f.pats.Get(ctx, id)
		if err != nil || r["ssn"] != "123-45-6789" || r["last_name"] != "Okonkwo" || r["city"] != "Lagos" {
			t.Fatalf("Get of the assigned key: %v, %v", r, err)
		}
		want := fmt.Sprintf("[%d]", id)
		for _, p := range [][]Pred{{Eq("ssn", "123456789")}, {Prefix("last_name", "okon")}, {Contains("notes", "migr")},
			{Eq("last_name", "okonkwo"), Eq("dob", dob)}} {
			if got := findIDs(t, f.pats, p...); got != want {
				t.Fatalf("%v found %s, want %s", p, got, want)
			}
		}
		// No plain column at all: the placeholder is all defaults.
		key2, err := f.pats.Insert(ctx, Row{"mrn": "MRN-0101", "last_name": "Bello", "first_name": "Ife", "dob": dob})
		if err != nil || toInt64(key2) <= id {
			t.Fatalf("second insert without id: %v, %v", key2, err)
		}
		if got := findIDs(t, f.pats, Prefix("last_name", "bel")); got != fmt.Sprintf("[%d]", toInt64(key2)) {
			t.Fatalf("second row: %s", got)
		}
		keys, err := f.pats.InsertBatch(ctx, []Row{
			{"mrn": "MRN-0102", "last_name": "Eze", "first_name": "A", "dob": dob},
			{"mrn": "MRN-0103", "last_name": "Ezeh", "first_name": "B", "dob": dob},
		})
		if err != nil || len(keys) != 2 || toInt64(keys[0]) == toInt64(keys[1]) {
			t.Fatalf("batch without ids: %v, %v", keys, err)
		}
		if got := findIDs(t, f.pats, Prefix("last_name", "eze")); got != fmt.Sprintf("%v", []int64{toInt64(keys[0]), toInt64(keys[1])}) {
			t.Fatalf("batch rows: %s", got)
		}
		// Rolled back, the insert leaves nothing, not even a placeholder.
		var before int
		if err := f.sql.QueryRowContext(ctx, "SELECT COUNT(*) FROM patients").Scan(&before); err != nil {
			t.Fatal(err)
		}
		tx, err := f.db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		tp, err := tx.Table("patients")
		if err != nil {
			t.Fatal(err)
		}
		k, err := tp.Insert(ctx, Row{"mrn": "MRN-0104", "last_name": "Adebayo", "first_name": "C", "dob": dob})
		if err != nil {
			t.Fatal(err)
		}
		if r, err := tp.Get(ctx, k); err != nil || r["mrn"] != "MRN-0104" {
			t.Fatalf("Get inside the transaction: %v, %v", r, err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		var after int
		if err := f.sql.QueryRowContext(ctx, "SELECT COUNT(*) FROM patients").Scan(&after); err != nil {
			t.Fatal(err)
		}
		if after != before {
			t.Fatalf("%d rows after the rollback, %d before", after, before)
		}
		if _, err := f.pats.Get(ctx, k); !errors.Is(err, ErrNotFound) {
			t.Fatalf("rolled-back row: %v", err)
		}
		if got := findIDs(t, f.pats, Prefix("last_name", "adeb")); got != "[]" {
			t.Fatalf("rolled-back row found: %s", got)
		}
		// A failed insert leaves no placeholder either.
		if _, err := f.pats.Insert(ctx, Row{"mrn": "MRN-0105", "last_name": "X", "first_name": "Y"}); err == nil {
			t.Fatal("insert without its required dob was accepted")
		}
		var final int
		if err := f.sql.QueryRowContext(ctx, "SELECT COUNT(*) FROM patients").Scan(&final); err != nil || final != before {
			t.Fatalf("%d rows after a failed insert, want %d (%v)", final, before, err)
		}
	})
}

func TestIssue9_4_TypedInsertWithZeroID(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(16))
		pats, err := For[typedPatient](f.db, "patients")
		if err != nil {
			t.Fatal(err)
		}
		key, err := pats.Insert(ctx, &typedPatient{MRN: "MRN-7", LastName: "Obi", FirstName: "Nne", DOB: cipher.Date{Year: 1960, Month: 1, Day: 2}})
		if err != nil {
			t.Fatalf("For[T].Insert with a zero ID: %v", err)
		}
		got, err := pats.Get(ctx, key)
		if err != nil || got.ID != toInt64(key) || got.LastName != "Obi" {
			t.Fatalf("Get(%v): %+v, %v", key, got, err)
		}
	})
}
