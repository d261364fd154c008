package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
)

// Want is what the example prints: exactly the two Boston patients whose
// last name starts with "nu", accents ignored. servertest checks the same
// on PostgreSQL and MariaDB (this package links GORM's SQLite driver, which
// cannot share a process with internal/testdb's).
const Want = "id=1 Núñez  SSN 078-05-1120  born 1948-03-17  Boston\n" +
	"id=2 Nunes  SSN 219-09-9999  born 1990-11-02  Boston\n"

// TestExample runs the example twice on SQLite: the second run stores
// nothing more and prints the same.
func TestExample(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "patients.key")
	if err := createKey(key); err != nil {
		t.Fatal(err)
	}
	for pass := 1; pass <= 2; pass++ {
		var out bytes.Buffer
		if err := run(context.Background(), &out, "sqlite:"+filepath.Join(dir, "patients.db"), key); err != nil {
			t.Fatalf("run %d: %v", pass, err)
		}
		if out.String() != Want {
			t.Fatalf("run %d printed:\n%s\nwant:\n%s", pass, out.String(), Want)
		}
	}
}
