package sqlwrap

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

// TestMigrateRowsConcurrentWrites runs MigrateRows batches while the
// application updates rows, some before their batch and some after: every
// row ends with the value written last, never the older plaintext sealed
// over it, and searches stay exact.
func TestMigrateRowsConcurrentWrites(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		const n = 40
		rows := pdRows(n)
		want := wantRows(rows)
		f := migratingFixture(t, d, rows)

		type write struct {
			id           int64
			lname, email string
		}
		var written []write
		var wg sync.WaitGroup
		wg.Add(1)
		var werr error
		go func() {
			defer wg.Done()
			for k := 0; k < 60; k++ {
				w := write{id: int64(1 + k*7%n), lname: fmt.Sprintf("Writer%02d", k), email: fmt.Sprintf("w%d@example.org", k)}
				err := retryTransient(ctx, func() error {
					return f.pats.Update(ctx, w.id, Row{"lname": w.lname, "email": w.email})
				})
				if err != nil {
					werr = err
					return
				}
				written = append(written, w)
			}
		}()
		var last any
		sealed := 0
		for {
			var res *MigrateResult
			err := retryTransient(ctx, func() error {
				tx, err := f.db.BeginTx(ctx, nil)
				if err != nil {
					return err
				}
				tp, _ := tx.Table("patient_data")
				res, err = tp.MigrateRows(ctx, MigrateRange{After: last, Limit: 4})
				if err != nil {
					tx.Rollback()
					return err
				}
				return tx.Commit()
			})
			if err != nil {
				t.Fatal(err)
			}
			sealed += res.Sealed
			if res.Rows < 4 {
				break
			}
			last = res.Last
		}
		wg.Wait()
		if werr != nil {
			t.Fatal(werr)
		}
		for _, w := range written {
			want[w.id]["lname"], want[w.id]["email"] = w.lname, w.email
		}
		if sealed == 0 {
			t.Fatal("nothing sealed")
		}
		if u := unsealedCount(t, f, want, 1, n); u != 0 {
			t.Fatalf("%d values unsealed", u)
		}
		checkGet(t, "after", f.pats, want)
		checkSearches(t, "after", f.pats, want)
		got, err := f.pats.Find(ctx, Query{Where: []Pred{Prefix("lname", "writer")}})
		if err != nil {
			t.Fatal(err)
		}
		exp := map[int64]bool{}
		for _, w := range written {
			exp[w.id] = true
		}
		if len(got) != len(exp) {
			t.Fatalf("prefix writer: %d rows, want %d", len(got), len(exp))
		}
		// Filter (hand-written SQL) sees only ciphertexts: refused on a
		// column with plaintext left, allowed once it is gone.
		if _, err := f.pats.Filter(ctx, "p", 1, Eq("lname", "smith")); !errors.Is(err, ErrUnsupported) {
			t.Fatalf("Filter in migrating mode: %v", err)
		}
		dropPlain(t, f.sql)
		if _, err := f.pats.Filter(ctx, "p", 1, Eq("lname", "smith")); err != nil {
			t.Fatalf("Filter after the migration: %v", err)
		}
	})
}
