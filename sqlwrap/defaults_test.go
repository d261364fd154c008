package sqlwrap

import (
	"context"
	"errors"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

// issue9Names declares its name indexes without transforms.
type issue9Names struct {
	ID        int64  `db:"id"`
	LastName  string `db:"last_name" phi:"eq;prefix"`
	FirstName string `db:"first_name" phi:"substring(reveals=equality)"`
}

const issue9NamesYAML = `
version: 1
tables:
  - name: names
    key: id
    row_binding: id
    columns:
      - {name: last_name, type: string, equality: true, prefix: true}
      - {name: first_name, type: string, substring: {reveals: equality}}
`

// TestIssue9_6_NameIndexesIgnoreCaseAndDiacritics: indexes declared without
// transforms, in struct tags and in YAML, find accented names by unaccented,
// differently cased search text, on every dialect.
func TestIssue9_6_NameIndexesIgnoreCaseAndDiacritics(t *testing.T) {
	tagTable, err := SchemaFromStruct("names", issue9Names{})
	if err != nil {
		t.Fatal(err)
	}
	fromTags := &Schema{Source: "struct tags", Tables: []*Table{tagTable}}
	fromYAML, err := ParseSchema("defaults_test.yaml", []byte(issue9NamesYAML))
	if err != nil {
		t.Fatal(err)
	}
	rows := []Row{
		{"id": int64(1), "last_name": "Núñez", "first_name": "José María"},
		{"id": int64(2), "last_name": "Nunes", "first_name": "Zoë"},
		{"id": int64(3), "last_name": "Smith", "first_name": "Ana"},
		{"id": int64(4), "last_name": "Ñúñez Ortíz", "first_name": "Chloé"},
	}
	cases := []struct {
		name string
		pred Pred
		want []int64
	}{
		{"eq unaccented lower", Eq("last_name", "nunez"), []int64{1}},
		{"eq upper spaced", Eq("last_name", "  NÚNEZ "), []int64{1}},
		{"prefix unaccented", Prefix("last_name", "nu"), []int64{1, 2, 4}},
		{"prefix upper", Prefix("last_name", "NÚÑEZ"), []int64{1, 4}},
		{"substring unaccented", Contains("first_name", "maria"), []int64{1}},
		{"substring upper", Contains("first_name", "ZOE"), []int64{2}},
		{"substring accent on needle only", Contains("first_name", "ánä"), []int64{3}},
	}
	for _, schema := range []*Schema{fromTags, fromYAML} {
		forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
			f := newFixture(t, d, schema)
			ctx := context.Background()
			if _, err := f.pats.InsertBatch(ctx, rows); err != nil {
				t.Fatal(err)
			}
			for _, c := range cases {
				got, err := f.pats.Find(ctx, Query{Where: []Pred{c.pred}, OrderBy: []Order{{Col: "id"}}})
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				if g := ids(got); !equalIDs(g, c.want) {
					t.Errorf("%s (schema %s): ids %v, want %v", c.name, schema.Source, g, c.want)
				}
			}
		})
	}
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestIssue9_6_OldDefaultIndexesWaitForReindex: tokens written under the
// previous default chain ("nfkc,casefold,trim") are not searched under the
// new one: recorded or not in phicrypt_indexes, the index is building (a
// search fails with ErrIndexNotReady) until Reindex, which then makes the
// unaccented search find the accented name.
func TestIssue9_6_OldDefaultIndexesWaitForReindex(t *testing.T) {
	const oldDefault = "nfkc,casefold,trim"
	for _, forget := range []bool{false, true} {
		forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
			ctx := context.Background()
			old, err := ParseSchema("old.yaml", []byte(`
version: 1
tables:
  - name: names
    key: id
    row_binding: id
    columns:
      - {name: last_name, type: string, prefix: {transforms: "`+oldDefault+`"}}
`))
			if err != nil {
				t.Fatal(err)
			}
			f := newFixture(t, d, old)
			if _, err := f.pats.InsertBatch(ctx, []Row{{"id": int64(1), "last_name": "Núñez"}, {"id": int64(2), "last_name": "Smith"}}); err != nil {
				t.Fatal(err)
			}
			if forget {
				// Storage from before phicrypt_indexes existed.
				if _, err := f.sql.ExecContext(ctx, "DELETE FROM phicrypt_indexes"); err != nil {
					t.Fatal(err)
				}
			}
			cur, err := ParseSchema("new.yaml", []byte(issue9NamesYAML))
			if err != nil {
				t.Fatal(err)
			}
			cur.Tables[0].Columns = cur.Tables[0].Columns[:1]
			cur.Tables[0].Columns[0].Equality = nil
			if got := cur.Tables[0].Columns[0].Bloom[0].Transforms; got != defaultStringTransforms {
				t.Fatalf("default prefix chain = %q", got)
			}
			db, err := Open(f.sql, string(d), cur, f.db.ring)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.EnsureSchema(ctx); err != nil {
				t.Fatal(err)
			}
			pats, err := db.Table("names")
			if err != nil {
				t.Fatal(err)
			}
			q := Query{Where: []Pred{Prefix("last_name", "nu")}}
			if got, err := pats.Find(ctx, q); !errors.Is(err, ErrIndexNotReady) {
				t.Fatalf("search under the new default before Reindex: %v, %v; want ErrIndexNotReady", ids(got), err)
			}
			if err := db.Reindex(ctx, "names", "last_name_prefix", nil); err != nil {
				t.Fatal(err)
			}
			got, err := pats.Find(ctx, q)
			if err != nil || !equalIDs(ids(got), []int64{1}) {
				t.Fatalf("after Reindex: %v, %v; want [1]", ids(got), err)
			}
		})
	}
}
