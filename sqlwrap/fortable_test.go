package sqlwrap

import (
	"context"
	"errors"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

type forTablePatient struct {
	ID        int64
	MRN       string
	LastName  string
	FirstName string
	DOB       cipher.Date
}

// TestIssue9_1_ForTableInsideTx: typed access through a table of an
// adopted transaction writes inside it, so a rollback leaves no row.
func TestIssue9_1_ForTableInsideTx(t *testing.T) {
	if _, err := ForTable[forTablePatient](nil); !errors.Is(err, ErrUnbound) {
		t.Fatalf("ForTable(nil): %v, want ErrUnbound", err)
	}
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(16))
		for _, commit := range []bool{false, true} {
			sqlTx, err := f.sql.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			tx, err := f.db.WithTx(sqlTx)
			if err != nil {
				t.Fatal(err)
			}
			ta, err := tx.Table("patients")
			if err != nil {
				t.Fatal(err)
			}
			pats, err := ForTable[forTablePatient](ta)
			if err != nil {
				t.Fatal(err)
			}
			p := forTablePatient{ID: 7, MRN: "MRN-7", LastName: "Ito", FirstName: "Yui", DOB: cipher.Date{Year: 1990, Month: 1, Day: 2}}
			if _, err := pats.Insert(ctx, &p); err != nil {
				t.Fatal(err)
			}
			if got, err := pats.Find(ctx, Query{Where: []Pred{Eq("mrn", "MRN-7")}}); err != nil || len(got) != 1 {
				t.Fatalf("read inside the transaction: %v %v", got, err)
			}
			end := sqlTx.Rollback
			if commit {
				end = sqlTx.Commit
			}
			if err := end(); err != nil {
				t.Fatal(err)
			}
			_, err = f.pats.Get(ctx, int64(7))
			if commit && err != nil || !commit && !errors.Is(err, ErrNotFound) {
				t.Fatalf("after the transaction (commit %v): %v", commit, err)
			}
		}
	})
}
