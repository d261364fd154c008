package main

import (
	"context"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// TestKeysRetire: after a rotation, keys retire refuses while values are
// still under the old data key (retiring it would make them unreadable),
// and retires it once reencrypt has moved them; every value still opens.
func TestKeysRetire(t *testing.T) {
	ctx := context.Background()
	c := newBatchCLIDB(t, testdb.DialectSQLite)
	ring, err := phicrypt.OpenKeyring(ctx, c.sql, string(c.d), c.kek)
	if err != nil {
		t.Fatal(err)
	}
	scope := cipher.DefaultScope("patients", "ssn")
	if _, err := ring.RotateKey(ctx, scope, cipher.PurposeValue); err != nil {
		t.Fatal(err)
	}
	noBatchInterrupt(t)
	code, out, stderr := c.run(t, "keys", "retire", "--table", "patients", "--column", "ssn")
	if code != 1 || !strings.Contains(stderr, "nothing was retired: run phicrypt reencrypt --table patients first") {
		t.Fatalf("retire before reencrypt: exit %d\n%s\n%s", code, out, stderr)
	}
	if code, out, stderr := c.run(t, "verify"); code != 0 {
		t.Fatalf("verify after the refused retire: exit %d\n%s\n%s", code, out, stderr)
	}
	if code, out, stderr := c.run(t, "reencrypt", "--table", "patients", "--rotation-wait", "1ms"); code != 0 {
		t.Fatalf("reencrypt: exit %d\n%s\n%s", code, out, stderr)
	}
	code, out, stderr = c.run(t, "keys", "retire", "--table", "patients", "--column", "ssn")
	if code != 0 || !strings.Contains(out, "retired the old data keys of patients.ssn") {
		t.Fatalf("retire after reencrypt: exit %d\n%s\n%s", code, out, stderr)
	}
	keys, err := ring.Keys(ctx, scope, cipher.PurposeValue)
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[cipher.KeyStatus]int{}
	for _, k := range keys {
		statuses[k.Status]++
	}
	if len(keys) != 2 || statuses[cipher.KeyPrimary] != 1 || statuses[cipher.KeyRetired] != 1 {
		t.Fatalf("keys after retire: %+v, want the primary and one retired", keys)
	}
	if code, out, stderr := c.run(t, "verify"); code != 0 {
		t.Fatalf("verify after retire: exit %d\n%s\n%s", code, out, stderr)
	}
	c.leaks(t, "keys retire", out+stderr)
	for _, bad := range [][]string{{"keys", "retire"}, {"keys", "retire", "--table", "patients"}, {"keys", "retire", "--table", "nope", "--column", "ssn"}} {
		if code, _, stderr := c.run(t, bad...); code != 2 {
			t.Errorf("%v: exit %d, %s", bad, code, stderr)
		}
	}
}
