package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/keyprovider/local"
)

func TestKeysInit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "dev.key")
	var out, errOut bytes.Buffer
	if code := run([]string{"keys", "new-local", "-out", p}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "development only") {
		t.Fatalf("no development warning: %s", out.String())
	}
	kek, err := keyprovider.Open(context.Background(), local.URI(p))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kek.Wrap(context.Background(), []byte("k"), nil); err != nil {
		t.Fatal(err)
	}
	errOut.Reset()
	if code := run([]string{"keys", "new-local", "-out", p}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), p) {
		t.Fatalf("second init: exit %d, %s", code, errOut.String())
	}
	if code := run([]string{"bogus"}, &out, &errOut); code != 2 {
		t.Fatalf("unknown command: exit %d", code)
	}
}
