package local_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/keyprovider/local"
)

func newKeyFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "test.key")
	if err := local.Create(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWrapUnwrap(t *testing.T) {
	ctx := context.Background()
	p := newKeyFile(t)
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %o, want 600", fi.Mode().Perm())
	}
	kek, err := keyprovider.Open(ctx, local.URI(p))
	if err != nil {
		t.Fatal(err)
	}
	if kek.URI() != "local:"+p {
		t.Fatalf("URI %q", kek.URI())
	}
	secret := []byte("data key bytes 0123456789abcdef")
	ad := []byte("patients.ssn")
	w, err := kek.Wrap(ctx, secret, ad)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(w, secret) {
		t.Fatal("wrapped value contains the secret")
	}
	got, err := kek.Unwrap(ctx, w, ad)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, secret) {
		t.Fatal("round trip changed the secret")
	}

	if _, err := kek.Unwrap(ctx, w, []byte("patients.mrn")); !errors.Is(err, keyprovider.ErrWrongKey) {
		t.Fatalf("wrong AD: %v", err)
	}
	other, err := local.Open(newKeyFile(t))
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.Unwrap(ctx, w, ad)
	if !errors.Is(err, keyprovider.ErrWrongKey) {
		t.Fatalf("other key: %v", err)
	}
	if !strings.Contains(err.Error(), "local") || strings.Contains(err.Error(), string(secret)) {
		t.Fatalf("error text: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := kek.Wrap(cctx, secret, ad); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestBadKeyFiles(t *testing.T) {
	dir := t.TempDir()
	loose := newKeyFile(t)
	if err := os.Chmod(loose, 0o644); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.key")
	if err := os.WriteFile(garbage, []byte(`{"primaryKeyId": 1`), 0o600); err != nil {
		t.Fatal(err)
	}
	exists := newKeyFile(t)
	for name, tc := range map[string]struct {
		uri  string
		want error
	}{
		"world readable": {local.URI(loose), keyprovider.ErrInvalidKeyFile},
		"missing":        {local.URI(filepath.Join(dir, "nope.key")), keyprovider.ErrInvalidKeyFile},
		"garbage":        {local.URI(garbage), keyprovider.ErrInvalidKeyFile},
		"directory":      {local.URI(dir), keyprovider.ErrInvalidKeyFile},
		"empty path":     {"local:", keyprovider.ErrBadURI},
		"unknown scheme": {"gcp-kms://x", keyprovider.ErrBadURI},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := keyprovider.Open(context.Background(), tc.uri)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	if err := local.Create(exists); err == nil {
		t.Fatal("Create overwrote an existing key file")
	}
}
