// Package servertest runs the GORM example on PostgreSQL and MariaDB, as a
// built binary: the example links GORM's SQLite driver, and
// internal/testdb links another under the same driver name.
package servertest

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// want is examples/gorm's Want (a test file of package main, which cannot
// be imported).
const want = "id=1 Núñez  SSN 078-05-1120  born 1948-03-17  Boston\n" +
	"id=2 Nunes  SSN 219-09-9999  born 1990-11-02  Boston\n"

func TestExampleOnServers(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "gorm-example")
	if out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for name, dsn := range map[string]func(testing.TB) string{"postgres": testdb.PostgresDSN, "mysql": testdb.MySQLDSN} {
		t.Run(name, func(t *testing.T) {
			db, key := dsn(t), filepath.Join(t.TempDir(), "patients.key")
			for pass := 1; pass <= 2; pass++ {
				out, err := exec.Command(bin, "-db", db, "-key", key).Output()
				if ee, ok := err.(*exec.ExitError); ok {
					t.Fatalf("run %d: %v: %s", pass, err, ee.Stderr)
				} else if err != nil {
					t.Fatalf("run %d: %v", pass, err)
				}
				if string(out) != want {
					t.Fatalf("run %d printed:\n%s\nwant:\n%s", pass, out, want)
				}
			}
		})
	}
}
