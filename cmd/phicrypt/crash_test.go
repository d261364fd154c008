package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// Crash safety of reencrypt and reindex: the real binary is killed with
// SIGKILL at random moments and run again until it finishes. Afterwards
// verify is clean and the SHA-256 of every decrypted value is the one
// taken before.

// buildPhicryptBinary builds cmd/phicrypt once per test.
func buildPhicryptBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "phicrypt")
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed on PATH to build the binary: %v", err)
	}
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// addRows adds rows 31..n to the CLI database.
func (c *batchCLIDB) addRows(t *testing.T, n int) {
	t.Helper()
	db := c.wrapper(t)
	defer db.Close()
	pats, _ := db.Table("patients")
	var rows []sqlwrap.Row
	for i := 31; i <= n; i++ {
		rows = append(rows, sqlwrap.Row{"id": int64(i), "ssn": fmt.Sprintf("%09d", 500000000+i), "lname": fmt.Sprintf("Crash%05d", i)})
	}
	if _, err := pats.InsertBatch(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
}

// digest is the SHA-256 over every row's decrypted values, in key order.
func (c *batchCLIDB) digest(t *testing.T) [32]byte {
	t.Helper()
	db := c.wrapper(t)
	defer db.Close()
	pats, _ := db.Table("patients")
	rows, err := pats.Find(context.Background(), sqlwrap.Query{})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i]["id"].(int64) < rows[j]["id"].(int64) })
	h := sha256.New()
	for _, r := range rows {
		fmt.Fprintf(h, "%d|%v|%v\n", r["id"], r["ssn"], r["lname"])
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// killAndResumeBinary runs bin with args, kills it with SIGKILL at a random
// moment kills times, then runs it to the end. It returns how many runs
// were killed while still working.
func killAndResumeBinary(t *testing.T, bin string, args []string, kills int) int {
	t.Helper()
	killed := 0
	for i := 0; i < kills; i++ {
		var out bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(60+rand.IntN(300)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
				killed++
				continue
			}
		}
		if err != nil {
			t.Fatalf("run %d failed on its own: %v\n%s", i, err, out.String())
		}
	}
	var out bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("final run: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "done") {
		t.Fatalf("final run: %s", out.String())
	}
	return killed
}

func TestBatchCommandsSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := buildPhicryptBinary(t)
	total := 0
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			c := newBatchCLIDB(t, d)
			c.addRows(t, 3000)
			before := c.digest(t)

			// reencrypt after a rotation of both value keysets.
			ring, err := phicrypt.OpenKeyring(ctx, c.sql, string(d), c.kek)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]uint32{}
			for _, col := range []string{"ssn", "lname"} {
				if want[col], err = ring.RotateKey(ctx, cipher.DefaultScope("patients", col), cipher.PurposeValue); err != nil {
					t.Fatal(err)
				}
			}
			args := append([]string{"reencrypt", "--table", "patients", "--batch", "20", "--rotation-wait", "1ms"}, c.common...)
			total += killAndResumeBinary(t, bin, args, 5)
			for col, id := range want {
				if ids := c.keyIDs(t, col); len(ids) != 1 || ids[id] != 3000 {
					t.Fatalf("%s after reencrypt: %v", col, ids)
				}
			}
			if code, out, stderr := c.run(t, "verify"); code != 0 {
				t.Fatalf("verify after reencrypt: %d\n%s\n%s", code, out, stderr)
			}
			if c.digest(t) != before {
				t.Fatal("values changed by reencrypt")
			}

			// reindex after a change of bits.
			c.rewriteSchemaBitsTo(22)
			c.wrapper(t).Close()
			args = append([]string{"reindex", "--table", "patients", "--index", "ssn_eq", "--batch", "20"}, c.common...)
			total += killAndResumeBinary(t, bin, args, 5)
			code, out, stderr := c.run(t, "verify", "--json")
			if code != 0 || !strings.Contains(out, `"pending_reindex": 0`) || !strings.Contains(out, `"tokens_ok": 9000`) {
				t.Fatalf("verify after reindex: %d\n%s\n%s", code, out, stderr)
			}
			if c.digest(t) != before {
				t.Fatal("values changed by reindex")
			}
		})
	}
	t.Logf("%d runs killed while working", total)
	if total < 15 {
		t.Errorf("only %d runs were killed while working", total)
	}
}
