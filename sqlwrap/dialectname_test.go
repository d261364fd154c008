package sqlwrap

import (
	"context"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

// TestIssue9_2_DialectName checks that DB.Dialect names the dialect the
// DB was opened with, so that a hand-written statement can choose its
// placeholders, and that a nil DB gives "".
func TestIssue9_2_DialectName(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		f := newFixture(t, d, patientSchema(16))
		if got := f.db.Dialect(); got != string(d) {
			t.Fatalf("Dialect() = %q, want %q", got, d)
		}
		var n int
		q := "SELECT COUNT(*) FROM patients WHERE id > " + map[string]string{"postgres": "$1"}[f.db.Dialect()]
		if f.db.Dialect() != "postgres" {
			q += "?"
		}
		if err := f.db.SQL().QueryRowContext(context.Background(), q, 0).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%s: %d, %v", q, n, err)
		}
	})
	var nilDB *DB
	if got := nilDB.Dialect(); got != "" {
		t.Fatalf("nil DB: %q", got)
	}
}
