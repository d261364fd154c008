package sqlwrap

import (
	"context"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

// TestMigrateRowsGuardInBatch: a wrapper write that seals a row's column
// between MigrateRows's read and its writes wins: that row is not written
// by the batch (nor its FTS documents), the other rows of its statement
// are, and the count says so.
func TestMigrateRowsGuardInBatch(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		rows := pdRows(12)
		want := wantRows(rows)
		f := migratingFixture(t, d, rows)
		f.db.migrateAfterRead = func(ctx context.Context, ta *TableAccess) {
			if err := ta.Update(ctx, int64(4), Row{"lname": "Zed"}); err != nil {
				t.Error(err)
			}
		}
		res, err := f.pats.MigrateRows(ctx, MigrateRange{})
		f.db.migrateAfterRead = nil
		if err != nil {
			t.Fatal(err)
		}
		want[4]["lname"] = "Zed"
		all := sealedValues(wantRows(rows), 1, 12)
		row4 := sealedValues(wantRows(rows), 4, 4)
		if res.Rows != 12 || res.Sealed != all-row4 {
			t.Fatalf("%+v: want 12 rows and %d values sealed (all but row 4's %d)", res, all-row4, row4)
		}
		checkGet(t, "guarded", f.pats, want)
		checkSearches(t, "guarded", f.pats, want)
		if got, err := f.pats.Find(ctx, Query{Where: []Pred{Prefix("lname", "Ze")}}); err != nil || len(got) != 1 || toInt64(got[0]["id"]) != 4 {
			t.Fatalf("prefix of the new name: %v, %v", ids(got), err)
		}
		// The rest of row 4 is sealed by the next run.
		res, err = f.pats.MigrateRows(ctx, MigrateRange{})
		if err != nil || res.Sealed != row4-1 {
			t.Fatalf("second run: %+v, %v; want %d sealed", res, err, row4-1)
		}
		if n := unsealedCount(t, f, want, 1, 12); n != 0 {
			t.Fatalf("%d values unsealed", n)
		}
		checkGet(t, "after", f.pats, want)
		checkSearches(t, "after", f.pats, want)
	})
}
