package sqlwrap

import (
	"context"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// TestIssue9_4_TypedInsertSetsKey checks that For[T].Insert and
// InsertBatch of values with a zero ID write the database's key back into
// the struct, and leave a key the caller gave as it was.
func TestIssue9_4_TypedInsertSetsKey(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(16))
		pats, err := For[typedPatient](f.db, "patients")
		if err != nil {
			t.Fatal(err)
		}
		dob := cipher.Date{Year: 1960, Month: 1, Day: 2}
		given := typedPatient{ID: 40, MRN: "MRN-40", LastName: "Ade", FirstName: "Bo", DOB: dob}
		if _, err := pats.Insert(ctx, &given); err != nil || given.ID != 40 {
			t.Fatalf("insert with id 40: ID %d, %v", given.ID, err)
		}
		p := typedPatient{MRN: "MRN-7", LastName: "Obi", FirstName: "Nne", DOB: dob}
		key, err := pats.Insert(ctx, &p)
		if err != nil {
			t.Fatal(err)
		}
		if p.ID == 0 || p.ID != toInt64(key) {
			t.Fatalf("Insert returned key %v, struct ID %d", key, p.ID)
		}
		got, err := pats.Get(ctx, p.ID)
		if err != nil || got.LastName != "Obi" {
			t.Fatalf("Get(%d): %+v, %v", p.ID, got, err)
		}
		batch := []typedPatient{
			{MRN: "MRN-8", LastName: "Eze", FirstName: "A", DOB: dob},
			{ID: 90, MRN: "MRN-90", LastName: "Udo", FirstName: "B", DOB: dob},
			{MRN: "MRN-9", LastName: "Oni", FirstName: "C", DOB: dob},
		}
		keys, err := pats.InsertBatch(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int64]bool{p.ID: true, 40: true}
		for i, b := range batch {
			if b.ID == 0 || b.ID != toInt64(keys[i]) || seen[b.ID] && b.ID != 90 {
				t.Fatalf("batch row %d: key %v, struct ID %d", i, keys[i], b.ID)
			}
			seen[b.ID] = true
			got, err := pats.Get(ctx, b.ID)
			if err != nil || got.MRN != b.MRN {
				t.Fatalf("Get(%d): %+v, %v", b.ID, got, err)
			}
		}
		if batch[1].ID != 90 {
			t.Fatalf("given key changed to %d", batch[1].ID)
		}
	})
}
