package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
)

func TestCLIErrorfPrefixOnce(t *testing.T) {
	inner := &cipher.Error{Op: "list keys", Scope: "p.ssn", Err: cipher.ErrWrongKEK}
	err := cliErrorf("keyset %s: %w", "p.ssn", inner)
	if !errors.Is(err, cipher.ErrWrongKEK) {
		t.Fatal("wrapped error lost")
	}
	var buf bytes.Buffer
	if code := exit(err, &buf); code != 1 || strings.Count(buf.String(), "phicrypt:") != 1 || !strings.HasPrefix(buf.String(), "phicrypt: keyset p.ssn: ") {
		t.Fatalf("exit %d: %q", code, buf.String())
	}
}
