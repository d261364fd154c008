package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
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

// TestExample runs the example twice on each database: the second run
// stores nothing more, and both find exactly the two Boston patients
// whose last name starts with "nu", accents ignored.
func TestExample(t *testing.T) {
	const want = "id=1 Núñez  SSN 078-05-1120  born 1948-03-17  Boston\n" +
		"id=2 Nunes  SSN 219-09-9999  born 1990-11-02  Boston\n"
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			dsn, key := exampleDSN(t, d), filepath.Join(t.TempDir(), "patients.key")
			if err := createKey(key); err != nil {
				t.Fatal(err)
			}
			for pass := 1; pass <= 2; pass++ {
				var out bytes.Buffer
				if err := run(context.Background(), &out, dsn, "local:"+key); err != nil {
					t.Fatalf("run %d: %v", pass, err)
				}
				if out.String() != want {
					t.Fatalf("run %d printed:\n%s\nwant:\n%s", pass, out.String(), want)
				}
			}
		})
	}
}
