package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// TestNoCanaryOutsideResults stores canary values, runs the program twice,
// and checks that no canary appears in the database file, its WAL and
// shared-memory files, the key file, or any output line other than the
// decrypted search results.
func TestNoCanaryOutsideResults(t *testing.T) {
	canaries := []patient{
		{1, "078-05-1120", "MRN-CANARY-7Q1", "Zqxcanaryone", "Wvucanaryfirst", "F", cipher.Date{Year: 1931, Month: 2, Day: 28}},
		{2, "219-09-9999", "MRN-CANARY-7Q2", "Zqxcanarytwo", "Wvusecond", "M", cipher.Date{Year: 1990, Month: 11, Day: 2}},
		{3, "457-55-5462", "MRN-CANARY-7Q3", "Nguyễncanary", "Thirdcanary", "M", cipher.Date{Year: 2001, Month: 7, Day: 30}},
	}
	secrets := []string{"078-05-1120", "078051120", "219-09-9999", "MRN-CANARY-7Q1", "Zqxcanaryone", "zqxcanaryone", "Wvucanaryfirst", "Nguyễncanary", "nguyencanary", "Thirdcanary", "1931-02-28"}
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "patients.db")
	// A second connection held open keeps SQLite from folding the WAL back
	// into the database and deleting it, so the WAL is checked too.
	testdb.KeepWAL(t, dbPath)
	for pass := 0; pass < 2; pass++ {
		var out bytes.Buffer
		if err := run(context.Background(), &out, dbPath, canaries); err != nil {
			t.Fatalf("run %d: %v\n%s", pass, err, out.String())
		}
		text := out.String()
		for _, want := range []string{
			"by SSN (typed without dashes): 1 found",
			"found: id=1 Zqxcanaryone, Wvucanaryfirst  SSN 078-05-1120",
			"by last-name prefix: 2 found",
			"by last name + date of birth: 1 found",
			"as the database stores it:",
		} {
			if !strings.Contains(text, want) {
				t.Fatalf("run %d: output lacks %q:\n%s", pass, want, text)
			}
		}
		for _, line := range strings.Split(text, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "found:") {
				continue
			}
			for _, s := range secrets {
				if strings.Contains(line, s) {
					t.Errorf("run %d: output line %q holds %q", pass, line, s)
				}
			}
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) < 4 {
		t.Fatalf("expected the database, its WAL and shared memory, and the key file, found %v", files)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s holds %q", filepath.Base(f), s)
			}
		}
	}
}
