package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestQuickstart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	for pass := 0; pass < 2; pass++ {
		var out bytes.Buffer
		if err := run(context.Background(), &out, dir); err != nil {
			t.Fatalf("run %d: %v\n%s", pass, err, out.String())
		}
		for _, want := range []string{"opened: Ana María Núñez, 078-05-1120, born 1948-03-17", "copied to another row: ", "ciphertext belongs to another"} {
			if !strings.Contains(out.String(), want) {
				t.Fatalf("run %d output lacks %q:\n%s", pass, want, out.String())
			}
		}
		if created := strings.Contains(out.String(), "created key file"); created != (pass == 0) {
			t.Fatalf("run %d: created key file = %v", pass, created)
		}
	}
	// No plaintext lands in the files the program wrote.
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, canary := range []string{"078-05-1120", "Núñez", "John Smith", "1948"} {
			if bytes.Contains(data, []byte(canary)) {
				t.Errorf("%s contains %q", p, canary)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
