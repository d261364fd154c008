package sqlwrap

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/phicrypt/phicrypt/blindindex"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// TestMigrateRowsTextKey migrates a table keyed by text, whose SQLite FTS5
// documents are keyed by a rowid that is not the key, and whose
// ciphertexts are bound to a plain column other than the key.
func TestMigrateRowsTextKey(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		sqldb, _ := testdb.Open(t, d)
		key := map[testdb.Dialect]string{"sqlite": "TEXT NOT NULL PRIMARY KEY", "postgres": "TEXT NOT NULL PRIMARY KEY", "mysql": "VARCHAR(191) NOT NULL PRIMARY KEY"}[d]
		text := map[testdb.Dialect]string{"sqlite": "TEXT", "postgres": "TEXT", "mysql": "VARCHAR(255)"}[d]
		for _, q := range []string{
			"CREATE TABLE notes (k " + key + ", owner BIGINT NOT NULL, body__plain " + text + ")",
			"INSERT INTO notes (k, owner, body__plain) VALUES ('b', 7, 'penicillin allergy'), ('a', 8, 'asthma'), ('c', 7, NULL), ('d', 9, 'no allergies')",
		} {
			if _, err := sqldb.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		s := &Schema{Tables: []*Table{{Name: "notes", Key: "k", KeyType: "text", RowBinding: "owner",
			Plain: []*PlainColumn{{Name: "owner", Type: "integer"}}, Columns: []*Column{{Name: "body", Type: TypeString, Nullable: true,
				Bloom: []*BloomIndex{{Name: "body_sub", Kind: blindindex.Substring, Transforms: "casefold", MinGram: 3, MaxGram: 3, MaxGrams: 256, M: 65536, K: 2, RevealsEquality: true}}}}}}}
		f := fixtureOn(t, d, sqldb, s)
		find := func(stage string, needle string, want string) {
			t.Helper()
			rows, err := f.pats.Find(ctx, Query{Where: []Pred{Contains("body", needle)}, OrderBy: []Order{{Col: "k"}}})
			if err != nil {
				t.Fatal(err)
			}
			var got []any
			for _, r := range rows {
				got = append(got, r["k"])
			}
			if fmt.Sprint(got) != want {
				t.Errorf("%s: contains %q: %v, want %s", stage, needle, got, want)
			}
		}
		find("before", "ALLERG", "[b d]")
		res, err := f.pats.MigrateRows(ctx, MigrateRange{After: "a", Limit: 2})
		if err != nil || res.Rows != 2 || res.Last != "c" || res.Sealed != 1 {
			t.Fatalf("batch: %+v, %v", res, err)
		}
		find("partway", "ALLERG", "[b d]")
		if res, err = f.pats.MigrateRows(ctx, MigrateRange{}); err != nil || res.Rows != 4 || res.Sealed != 2 {
			t.Fatalf("rest: %+v, %v", res, err)
		}
		find("after", "ALLERG", "[b d]")
		find("after", "asth", "[a]")
		if _, err := sqldb.ExecContext(ctx, "ALTER TABLE notes DROP COLUMN body__plain"); err != nil {
			t.Fatal(err)
		}
		find("dropped", "ALLERG", "[b d]")
		find("dropped", "asth", "[a]")
		// The ciphertexts are bound to owner: moved to another owner's row
		// they do not open.
		if _, err := sqldb.ExecContext(ctx, "UPDATE notes SET owner = 10 WHERE k = 'a'"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.pats.Get(ctx, "a"); !errors.Is(err, cipher.ErrMisplaced) {
			t.Fatalf("row binding: %v", err)
		}
	})
}
