package sqlwrap

import (
	"context"
	"errors"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

type typedPatient struct {
	ID        int64       `db:"id"`
	SSN       *string     `db:"ssn"`
	MRN       string      `db:"mrn"`
	LastName  string      // last_name
	FirstName string      `db:"first_name"`
	DOB       cipher.Date `db:"dob"`
	Notes     *string     `db:"notes"`
	City      *string     `db:"city"`
	Age       *int        `db:"age"`
	Scratch   string      `db:"-"`
}

func TestTyped(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(24))
		pats, err := For[typedPatient](f.db, "patients")
		if err != nil {
			t.Fatal(err)
		}
		ssn, city, age := "078-05-1120", "Boston", 77
		in := []typedPatient{
			{ID: 1, SSN: &ssn, MRN: "MRN-1", LastName: "Núñez", FirstName: "Ana", DOB: cipher.Date{Year: 1948, Month: 3, Day: 17}, City: &city, Age: &age},
			{ID: 2, MRN: "MRN-2", LastName: "Smith", FirstName: "John", DOB: cipher.Date{Year: 1990, Month: 11, Day: 2}},
		}
		if _, err := pats.InsertBatch(ctx, in); err != nil {
			t.Fatal(err)
		}
		got, err := pats.Get(ctx, int64(1))
		if err != nil {
			t.Fatal(err)
		}
		if got.SSN == nil || *got.SSN != ssn || got.LastName != "Núñez" || got.City == nil || *got.City != city || got.Age == nil || *got.Age != 77 || got.Notes != nil {
			t.Fatalf("Get: %+v", got)
		}
		found, err := pats.Find(ctx, Query{Where: []Pred{IsNull("ssn")}})
		if err != nil || len(found) != 1 || found[0].LastName != "Smith" || found[0].SSN != nil {
			t.Fatalf("Find: %+v, %v", found, err)
		}
		got.FirstName = "Ana María"
		if err := pats.Update(ctx, int64(1), &got); err != nil {
			t.Fatal(err)
		}
		again, _ := pats.Get(ctx, int64(1))
		if again.FirstName != "Ana María" {
			t.Fatalf("after update: %+v", again)
		}
		type bogus struct {
			Nope string `db:"nope"`
		}
		if _, err := For[bogus](f.db, "patients"); !errors.Is(err, ErrUnknownColumn) {
			t.Fatalf("unknown column: %v", err)
		}
	})
}
