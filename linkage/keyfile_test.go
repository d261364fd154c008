package linkage

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	ev := filepath.Join(dir, "evaluator.key")
	nw := filepath.Join(dir, "network.key")
	if err := WriteNewKeyFile(ev, KeyFileEvaluator); err != nil {
		t.Fatal(err)
	}
	if err := WriteNewKeyFile(nw, KeyFileNetwork); err != nil {
		t.Fatal(err)
	}
	if err := WriteNewKeyFile(ev, KeyFileEvaluator); !errors.Is(err, ErrBadKey) {
		t.Errorf("overwrite: %v", err)
	}
	k, err := ReadKeyFile(ev, KeyFileEvaluator)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewEvaluator(k); err != nil {
		t.Error(err)
	}
	if _, err := ReadKeyFile(nw, KeyFileEvaluator); !errors.Is(err, ErrBadKey) {
		t.Errorf("network key read as evaluator key: %v", err)
	}
	n, err := ReadKeyFile(nw, KeyFileNetwork)
	if err != nil || len(n) != KeySize {
		t.Fatal(err)
	}
	if err := os.Chmod(nw, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadKeyFile(nw, KeyFileNetwork); !errors.Is(err, ErrBadKey) {
		t.Errorf("world-readable key file: %v", err)
	}
	if err := WriteNewKeyFile(filepath.Join(dir, "x"), "other"); !errors.Is(err, ErrBadConfig) {
		t.Errorf("unknown type: %v", err)
	}
}
