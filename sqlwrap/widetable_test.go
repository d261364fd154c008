package sqlwrap

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

// TestWideTableFitsEveryDialect creates a table with 24 protected text
// columns, as wide EMR tables have (OpenEMR's patient_data has over a
// hundred columns): on MariaDB, ciphertext columns counted in the row
// size (VARBINARY(4096) each) would pass its 65,535-byte limit, and
// every value must still round-trip at its full length.
func TestWideTableFitsEveryDialect(t *testing.T) {
	var cols strings.Builder
	for i := range 24 {
		fmt.Fprintf(&cols, "      - {name: c%02d, type: string, max_length: 2000}\n", i)
	}
	schema, err := ParseSchema("wide", []byte("version: 1\ntables:\n  - name: wide\n    key: id\n    row_binding: id\n    columns:\n"+cols.String()))
	if err != nil {
		t.Fatal(err)
	}
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, schema)
		row := Row{"id": int64(1)}
		for i := range 24 {
			row[fmt.Sprintf("c%02d", i)] = strings.Repeat(string(rune('a'+i)), 2000)
		}
		if _, err := f.pats.Insert(ctx, row); err != nil {
			t.Fatal(err)
		}
		got, err := f.pats.Get(ctx, int64(1))
		if err != nil {
			t.Fatal(err)
		}
		for c, v := range row {
			if c != "id" && got[c] != v {
				t.Fatalf("%s: read %d bytes back, want the 2000 written", c, len(fmt.Sprint(got[c])))
			}
		}
	})
}
