package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/phicrypt/phicrypt"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// exampleDSN is a fresh database of dialect d in the form Connect takes.
func exampleDSN(t *testing.T, d testdb.Dialect) string {
	switch d {
	case testdb.DialectPostgres:
		return testdb.PostgresDSN(t)
	case testdb.DialectMySQL:
		return testdb.MySQLDSN(t)
	}
	return "sqlite:" + filepath.Join(t.TempDir(), "patients.db")
}

// TestExample runs the example twice on each database (the second run
// admits no one) and checks the JOIN's exact answer; then an admission
// whose encounter cannot be written rolls back its patient and audit row
// with it, also on a pool of one connection.
func TestExample(t *testing.T) {
	const want = "encounter 100 (checkup): patient 1 Núñez, SSN 078-05-1120\n" +
		"encounter 102 (checkup): patient 3 Nunes, SSN 457-55-5462\n"
	ctx := context.Background()
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			dsn, key := exampleDSN(t, d), filepath.Join(t.TempDir(), "patients.key")
			if err := createKey(key); err != nil {
				t.Fatal(err)
			}
			for pass := 1; pass <= 2; pass++ {
				var out bytes.Buffer
				if err := run(ctx, &out, dsn, "local:"+key); err != nil {
					t.Fatalf("run %d: %v", pass, err)
				}
				if out.String() != want {
					t.Fatalf("run %d printed:\n%s\nwant:\n%s", pass, out.String(), want)
				}
			}
			schema, err := sqlwrap.ParseSchema("test", []byte(schemaYAML))
			if err != nil {
				t.Fatal(err)
			}
			db, err := phicrypt.Connect(ctx, dsn, "local:"+key, schema)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			counts := func() string {
				var p, e, a, joined int
				for q, n := range map[string]*int{
					"SELECT COUNT(*) FROM patients": &p, "SELECT COUNT(*) FROM encounters": &e, "SELECT COUNT(*) FROM audit_log": &a,
					"SELECT COUNT(*) FROM patients p JOIN encounters e ON e.patient_id = p.id JOIN audit_log l ON l.patient_id = p.id": &joined,
				} {
					if err := db.SQL().QueryRowContext(ctx, q).Scan(n); err != nil {
						t.Fatal(err)
					}
				}
				return fmt.Sprintf("%d/%d/%d/%d", p, e, a, joined)
			}
			if got := counts(); got != "3/3/3/3" {
				t.Fatalf("patients/encounters/audit rows/joined: %s", got)
			}
			dup := admission{sqlwrap.Row{"ssn": "111-22-3333", "last_name": "Nuevo", "dob": cipher.Date{Year: 2000, Month: 1, Day: 1}}, 100, "checkup"}
			if err := admit(ctx, db, dup); err == nil {
				t.Fatal("admission with an encounter id already taken succeeded")
			}
			if got := counts(); got != "3/3/3/3" {
				t.Fatalf("after the failed admission, patients/encounters/audit rows/joined: %s", got)
			}
			// The same on a pool of one connection: every statement of the
			// transaction runs on its connection.
			db.SQL().SetMaxOpenConns(1)
			if err := admit(ctx, db, dup); err == nil {
				t.Fatal("admission with an encounter id already taken succeeded")
			}
			dup.encounterID, dup.reason = 103, "surgery"
			if err := admit(ctx, db, dup); err != nil {
				t.Fatal(err)
			}
			if got := counts(); got != "4/4/4/4" {
				t.Fatalf("after a fourth admission, patients/encounters/audit rows/joined: %s", got)
			}
			var out bytes.Buffer
			if err := checkups(ctx, &out, db, sqlwrap.Prefix("last_name", "nu")); err != nil || out.String() != want {
				t.Fatalf("after the failed admission: %v\n%s", err, out.String())
			}
		})
	}
}
