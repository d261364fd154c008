package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/audit"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// TestAuditLogFlag runs find, verify, reencrypt and keys retire with
// --audit-log and checks the log: one chain, verified under the KEK, with
// a record per operation naming the running user, and no value of the
// fixture in it.
func TestAuditLogFlag(t *testing.T) {
	dsn, kek, schema := cliFixture(t, testdb.DialectSQLite)
	log := filepath.Join(t.TempDir(), "audit.jsonl")
	base := []string{"--db", dsn, "--schema", schema, "--kek", kek, "--audit-log", log}
	for _, args := range [][]string{
		append([]string{"find", "--table", "patients", "--eq", "ssn=078-05-1120"}, base...),
		append([]string{"find", "--table", "patients", "--prefix", "last_name=smi"}, base...),
		append([]string{"verify"}, base...),
		append([]string{"reencrypt", "--table", "patients"}, base...),
		append([]string{"keys", "retire", "--table", "patients", "--column", "ssn"}, base...),
	} {
		if code, _, stderr := runPhicrypt(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args[:2], code, stderr)
		}
	}
	// A refused search is recorded as refused.
	if code, _, _ := runPhicrypt(t, append([]string{"find", "--table", "patients", "--prefix", "last_name=s"}, base...)...); code == 0 {
		t.Fatal("a prefix shorter than the index minimum was accepted")
	}

	raw, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range cliPatients {
		for _, col := range []string{"ssn", "last_name", "notes"} {
			if v, ok := p[col].(string); ok && strings.Contains(string(raw), v) {
				t.Errorf("the audit log holds the value of %s", col)
			}
		}
	}
	ops := map[string]int{}
	requests := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(string(raw)))
	for sc.Scan() {
		var r audit.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if r.Op == audit.OpCheckpoint {
			continue
		}
		ops[r.Op+"/"+r.Outcome]++
		if r.Principal != osUser() || r.Role != auditRole || r.RequestID == "" {
			t.Errorf("record %d: principal %q role %q request %q", r.Seq, r.Principal, r.Role, r.RequestID)
		}
		requests[r.RequestID] = true
	}
	for _, want := range []string{"search/ok", "decrypt/ok", "key/ok", "search/refused"} {
		if ops[want] == 0 {
			t.Errorf("no %s record; records: %v", want, ops)
		}
	}
	if len(requests) < 6 {
		t.Errorf("%d request ids for 6 runs", len(requests))
	}
	if code, out, stderr := runPhicrypt(t, "audit", "verify", "--log", log, "--kek", kek); code != 0 {
		t.Fatalf("audit verify: exit %d: %s%s", code, out, stderr)
	}

	// A log that cannot be opened stops the command before it reads.
	bad := filepath.Join(t.TempDir(), "missing", "audit.jsonl")
	code, _, stderr := runPhicrypt(t, append([]string{"find", "--table", "patients", "--eq", "ssn=078-05-1120"},
		"--db", dsn, "--schema", schema, "--kek", kek, "--audit-log", bad)...)
	if code != 1 || !strings.Contains(stderr, "--audit-log "+bad) || strings.Count(stderr, "phicrypt:") != 1 {
		t.Errorf("unopenable log: exit %d: %s", code, stderr)
	}
}
