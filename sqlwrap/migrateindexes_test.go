package sqlwrap

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

// tokenIndexes lists the wrapper's indexes on patient_data.
func tokenIndexes(t *testing.T, d testdb.Dialect, db *sql.DB) []string {
	t.Helper()
	q := map[testdb.Dialect]string{
		"sqlite":   "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'patient_data' AND name LIKE 'phx%'",
		"postgres": "SELECT indexname FROM pg_indexes WHERE tablename = 'patient_data' AND indexname LIKE 'phx%'",
		"mysql":    "SELECT DISTINCT index_name FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = 'patient_data' AND index_name LIKE 'phx%'",
	}[d]
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestDeferTokenIndexes: a migration without the token indexes writes
// every token, searches stay exact while the indexes are missing, and
// CreateTokenIndexes puts back the same indexes, which searches then use.
func TestDeferTokenIndexes(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		const n = 40
		rows := pdRows(n)
		want := wantRows(rows)
		f := migratingFixture(t, d, rows)
		all := tokenIndexes(t, d, f.sql)
		if len(all) < 8 {
			t.Fatalf("EnsureSchema made %d token indexes: %v", len(all), all)
		}

		if err := f.db.DeferTokenIndexes(ctx, "patient_data"); err != nil {
			t.Fatal(err)
		}
		if got := tokenIndexes(t, d, f.sql); len(got) != 0 {
			t.Fatalf("indexes left after DeferTokenIndexes: %v", got)
		}
		// Twice is fine: a migration resumed after a crash does it again.
		if err := f.db.DeferTokenIndexes(ctx, "patient_data"); err != nil {
			t.Fatalf("second DeferTokenIndexes: %v", err)
		}
		checkSearches(t, "deferred", f.pats, want)
		if _, err := f.pats.MigrateRows(ctx, MigrateRange{Limit: n / 2}); err != nil {
			t.Fatal(err)
		}
		checkGet(t, "partway", f.pats, want)
		checkSearches(t, "partway", f.pats, want)
		if err := f.pats.Update(ctx, int64(3), Row{"lname": "Zed"}); err != nil {
			t.Fatal(err)
		}
		want[3]["lname"] = "Zed"
		if _, err := f.pats.MigrateRows(ctx, MigrateRange{After: int64(n / 2)}); err != nil {
			t.Fatal(err)
		}
		checkSearches(t, "migrated without indexes", f.pats, want)
		if got, err := f.pats.Find(ctx, Query{Where: []Pred{Eq("lname", "zed"), Eq("dob", want[3]["dob"])}}); err != nil || fmt.Sprint(ids(got)) != "[3]" {
			t.Fatalf("compound without its index: %v, %v", ids(got), err)
		}

		if err := f.db.CreateTokenIndexes(ctx, "patient_data"); err != nil {
			t.Fatal(err)
		}
		if got := tokenIndexes(t, d, f.sql); !slices.Equal(got, all) {
			t.Fatalf("after CreateTokenIndexes:\n got %v\nwant %v", got, all)
		}
		checkSearches(t, "indexes created", f.pats, want)
		dropPlain(t, f.sql)
		checkGet(t, "dropped", f.pats, want)
		checkSearches(t, "dropped", f.pats, want)
		if d == "sqlite" {
			// The indexes are built from the tokens MigrateRows wrote: a
			// search through one finds the row.
			q := Query{Where: []Pred{Eq("ss", "078-05-1120")}}
			plan, err := f.pats.Explain(ctx, q)
			if err != nil || !strings.Contains(plan, indexName("patient_data", "ss_eq")) {
				t.Fatalf("plan does not use the ss_eq index (%v):\n%s", err, plan)
			}
			if got, err := f.pats.Find(ctx, q); err != nil || fmt.Sprint(ids(got)) != "[1]" {
				t.Fatalf("search through the created index: %v, %v", ids(got), err)
			}
		}

		// A table that is not being migrated keeps its indexes.
		if err := f.db.DeferTokenIndexes(ctx, "patient_data"); !errors.Is(err, ErrUnsupported) {
			t.Fatalf("DeferTokenIndexes after the migration: %v, want ErrUnsupported", err)
		}
		if got := tokenIndexes(t, d, f.sql); !slices.Equal(got, all) {
			t.Fatalf("a refused DeferTokenIndexes dropped indexes: %v", got)
		}
		if err := f.db.DeferTokenIndexes(ctx, "nope"); !errors.Is(err, ErrUnknownTable) {
			t.Fatalf("unknown table: %v", err)
		}
		if err := f.db.CreateTokenIndexes(ctx, "nope"); !errors.Is(err, ErrUnknownTable) {
			t.Fatalf("unknown table: %v", err)
		}
	})
}
