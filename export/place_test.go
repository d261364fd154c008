package export

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlaceRefusesAFilledDirectory: when the output directory is filled
// while an export runs (a second export to it), the finished export is
// not placed, and the error says why instead of quoting a rename.
func TestPlaceRefusesAFilledDirectory(t *testing.T) {
	dir := t.TempDir()
	tmp, out := filepath.Join(dir, ".out.partial"), filepath.Join(dir, "out")
	for _, d := range []string{tmp, out} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(out, "other.csv"), []byte("x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := place(tmp, out)
	if !errors.Is(err, ErrOutExists) || !strings.Contains(err.Error(), "filled while this export ran") {
		t.Fatalf("place into a filled directory: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "other.csv")); string(b) != "x\n" {
		t.Fatal("the other export's file was touched")
	}
	// Empty, it is replaced.
	os.Remove(filepath.Join(out, "other.csv"))
	if err := place(tmp, out); err != nil {
		t.Fatal(err)
	}
}
