package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// interruptBatchOnce makes the next batch command see one Ctrl-C before its
// first batch commits, and restores the real signals afterwards.
func interruptBatchOnce(t *testing.T) {
	t.Helper()
	real := batchInterrupts
	batchInterrupts = func() (<-chan os.Signal, func()) {
		ch := make(chan os.Signal, 1)
		ch <- os.Interrupt
		return ch, func() {}
	}
	t.Cleanup(func() { batchInterrupts = real })
}

func noBatchInterrupt(t *testing.T) {
	t.Helper()
	real := batchInterrupts
	batchInterrupts = func() (<-chan os.Signal, func()) { return make(chan os.Signal), func() {} }
	t.Cleanup(func() { batchInterrupts = real })
}

// keyIDs lists the data key id of every stored value of col.
func (c *batchCLIDB) keyIDs(t *testing.T, col string) map[uint32]int {
	t.Helper()
	rows, err := c.sql.QueryContext(context.Background(), "SELECT "+col+" FROM patients WHERE "+col+" IS NOT NULL")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[uint32]int{}
	for rows.Next() {
		var ct []byte
		if err := rows.Scan(&ct); err != nil {
			t.Fatal(err)
		}
		id, err := cipher.CiphertextKeyID(ct)
		if err != nil {
			t.Fatal(err)
		}
		out[id]++
	}
	return out
}

func TestReencryptCommand(t *testing.T) {
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			c := newBatchCLIDB(t, d)
			ring, err := phicrypt.OpenKeyring(ctx, c.sql, string(d), c.kek)
			if err != nil {
				t.Fatal(err)
			}
			newKey, err := ring.RotateKey(ctx, cipher.DefaultScope("patients", "ssn"), cipher.PurposeValue)
			if err != nil {
				t.Fatal(err)
			}
			// Ctrl-C: the first batch commits, then the command stops.
			interruptBatchOnce(t)
			code, out, stderr := c.run(t, "reencrypt", "--table", "patients", "--batch", "7", "--rotation-wait", "1ms")
			if code != 1 || !strings.Contains(stderr, "reencrypt patients: 7 rows") || !strings.Contains(stderr, "stopped by an interrupt after 7 rows; run the same command again to resume") || strings.Contains(stderr, " 14 rows") {
				t.Fatalf("interrupted: exit %d\n%s\n%s", code, out, stderr)
			}
			if ids := c.keyIDs(t, "ssn"); ids[newKey] != 7 {
				t.Fatalf("after the first batch: %v", ids)
			}
			// The rerun resumes after row 7.
			noBatchInterrupt(t)
			code, out, stderr = c.run(t, "reencrypt", "--table", "patients", "--batch", "7", "--rotation-wait", "1ms")
			if code != 0 || !strings.Contains(stderr, "reencrypt patients: done, 23 rows") || strings.Contains(stderr, " 28 rows") {
				t.Fatalf("resumed: exit %d\n%s\n%s", code, out, stderr)
			}
			if ids := c.keyIDs(t, "ssn"); ids[newKey] != 30 || len(ids) != 1 {
				t.Fatalf("after the rerun: %v", ids)
			}
			c.leaks(t, "reencrypt", out+stderr)
			if code, out, stderr := c.run(t, "verify", "--json"); code != 0 || !strings.Contains(out, `"old_data_key": 0`) {
				t.Fatalf("verify: exit %d\n%s\n%s", code, out, stderr)
			}
			// Now the old key can go.
			db := c.wrapper(t)
			defer db.Close()
			if err := db.RetireDataKeys(ctx, "patients", "ssn"); err != nil {
				t.Fatal(err)
			}
			for _, bad := range [][]string{{"reencrypt"}, {"reencrypt", "--table", "nope"}, {"reencrypt", "--table", "patients", "--batch", "-1"}} {
				if code, _, stderr := c.run(t, bad...); code != 2 {
					t.Errorf("%v: exit %d, %s", bad, code, stderr)
				}
			}
		})
	}
}

func TestReindexCommand(t *testing.T) {
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			c := newBatchCLIDB(t, d)
			// ssn_eq gets other bits: its tokens are rewritten by reindex;
			// until then the index is building and verify counts its
			// tokens as pending.
			c.rewriteSchemaBitsTo(20)
			c.wrapper(t).Close()
			code, out, stderr := c.run(t, "verify", "--json")
			if code != 0 || !strings.Contains(out, `"pending_reindex": 30`) {
				t.Fatalf("building: exit %d\n%s\n%s", code, out, stderr)
			}
			interruptBatchOnce(t)
			code, out, stderr = c.run(t, "reindex", "--table", "patients", "--index", "ssn_eq", "--batch", "10")
			if code != 1 || !strings.Contains(stderr, "reindex patients.ssn_eq: 10 rows") || !strings.Contains(stderr, "after 10 rows; run the same command again to resume") || strings.Contains(stderr, " 20 rows") {
				t.Fatalf("interrupted: exit %d\n%s\n%s", code, out, stderr)
			}
			noBatchInterrupt(t)
			code, out, stderr = c.run(t, "reindex", "--table", "patients", "--index", "ssn_eq", "--batch", "10")
			if code != 0 || !strings.Contains(stderr, "reindex patients.ssn_eq: done, 20 rows") || strings.Contains(stderr, " 30 rows") {
				t.Fatalf("resumed: exit %d\n%s\n%s", code, out, stderr)
			}
			code, out, stderr = c.run(t, "verify", "--json")
			if code != 0 || !strings.Contains(out, `"pending_reindex": 0`) || !strings.Contains(out, `"tokens_ok": 90`) {
				t.Fatalf("after reindex: exit %d\n%s\n%s", code, out, stderr)
			}
			for _, bad := range [][]string{{"reindex", "--table", "patients"}, {"reindex", "--table", "patients", "--index", "nope"}, {"reindex", "--index", "ssn_eq"}} {
				if code, _, stderr := c.run(t, bad...); code != 2 {
					t.Errorf("%v: exit %d, %s", bad, code, stderr)
				}
			}
		})
	}
}

func TestReindexCommandFinishesRotation(t *testing.T) {
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			c := newBatchCLIDB(t, d)
			ring, err := phicrypt.OpenKeyring(ctx, c.sql, string(d), c.kek)
			if err != nil {
				t.Fatal(err)
			}
			scope := cipher.DefaultScope("patients", "lname")
			newKey, err := ring.RotateKey(ctx, scope, cipher.PurposeIndex)
			if err != nil {
				t.Fatal(err)
			}
			// Every row's lname_eq and lname_prefix tokens are under the
			// old key: pending, not damage.
			code, out, stderr := c.run(t, "verify", "--json")
			if code != 0 || !strings.Contains(out, `"pending_reindex": 60`) {
				t.Fatalf("rotated: exit %d\n%s\n%s", code, out, stderr)
			}
			interruptBatchOnce(t)
			code, out, stderr = c.run(t, "reindex", "--table", "patients", "--index", "lname_prefix", "--batch", "10", "--rotation-wait", "1ms")
			if code != 1 || !strings.Contains(stderr, "finishing the rotation of the index key of lname") || !strings.Contains(stderr, "after 10 rows") {
				t.Fatalf("interrupted: exit %d\n%s\n%s", code, out, stderr)
			}
			noBatchInterrupt(t)
			code, out, stderr = c.run(t, "reindex", "--table", "patients", "--index", "lname_prefix", "--batch", "10")
			if code != 0 || !strings.Contains(stderr, "done") {
				t.Fatalf("resumed: exit %d\n%s\n%s", code, out, stderr)
			}
			ring.Invalidate()
			keys, err := ring.Keys(ctx, scope, cipher.PurposeIndex)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				if (k.ID == newKey) != (k.Status == cipher.KeyPrimary) || k.Status == cipher.KeyEnabled {
					t.Fatalf("keys after the rotation: %v", keys)
				}
			}
			code, out, stderr = c.run(t, "verify", "--json")
			if code != 0 || !strings.Contains(out, `"pending_reindex": 0`) || !strings.Contains(out, `"tokens_ok": 90`) {
				t.Fatalf("after: exit %d\n%s\n%s", code, out, stderr)
			}
			db := c.wrapper(t)
			defer db.Close()
			pats, _ := db.Table("patients")
			rows, err := pats.Find(ctx, sqlwrap.Query{Where: []sqlwrap.Pred{sqlwrap.Prefix("lname", "canar")}})
			if err != nil || len(rows) != 30 {
				t.Fatalf("prefix search after the rotation: %d rows, %v", len(rows), err)
			}
			rows, err = pats.Find(ctx, sqlwrap.Query{Where: []sqlwrap.Pred{sqlwrap.Eq("lname", c.names[0])}})
			if err != nil || len(rows) != 2 {
				t.Fatalf("equality search after the rotation: %d rows, %v", len(rows), err)
			}
		})
	}
}
