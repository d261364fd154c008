package migrate

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

// TestDropPlaintextPostgresOwner: the table's owner who is not a superuser
// may migrate and drop, and --drop-plaintext says which steps it could not
// take (pg_statistic's rewrite, CHECKPOINT and so the WAL cycling) instead
// of claiming them; values read back unchanged.
func TestDropPlaintextPostgresOwner(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, testdb.DialectPostgres, 200)
	if _, err := f.db.Exec("ANALYZE patient_data"); err != nil {
		t.Fatal(err)
	}
	name := "phicrypt_owner_" + randHex(t)
	const pw = "owner-password-1"
	owner, err := sql.Open("pgx", postgresRole(t, f, name, pw, "GRANT USAGE, CREATE ON SCHEMA public TO "+name, "ALTER TABLE patient_data OWNER TO "+name))
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	of := *f
	of.db = owner
	of.migrateAll(t, Options{Workers: 1})
	m := of.migrator(t, Options{})
	w, err := m.Prepare(ctx, of.ring(t, of.kekURI))
	if err != nil {
		t.Fatal(err)
	}
	dropped, err := m.DropPlaintext(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	dr := dropped[0]
	rewrite, notes := strings.Join(dr.Rewrite, "\n"), strings.Join(dr.Notes, "\n")
	t.Logf("rewrite: %s\nnotes: %s", rewrite, notes)
	if strings.Contains(rewrite, "pg_statistic") || strings.Contains(rewrite, "pg_switch_wal") || !strings.Contains(rewrite, "VACUUM FULL") {
		t.Fatalf("rewrite claims steps a non-superuser cannot take: %s", rewrite)
	}
	if !strings.Contains(notes, "pg_statistic") || !strings.Contains(notes, "CHECKPOINT") || !strings.Contains(notes, "pg_wal") {
		t.Fatalf("notes do not say what was left: %s", notes)
	}
	if valuesHash(f.readBack(t)) != valuesHash(f.rows) {
		t.Fatal("values differ after the drop")
	}
}
