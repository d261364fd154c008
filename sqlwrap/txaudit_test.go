package sqlwrap

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/audit"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// txAuditLog returns the records of the log at p other than checkpoints,
// after checking its chain.
func txAuditLog(t *testing.T, f *fixture, p string) []audit.Record {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range auditCanaries {
		if bytes.Contains(bytes.ToLower(data), bytes.ToLower([]byte(c))) {
			t.Errorf("canary %q in the audit log", c)
		}
	}
	res, err := audit.Verify(bytes.NewReader(data), f.kek)
	if err != nil || !res.OK() {
		t.Fatalf("Verify: %+v %v", res, err)
	}
	var out []audit.Record
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var r audit.Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if r.Op != audit.OpCheckpoint {
			out = append(out, r)
		}
	}
	return out
}

// auditedFixture is a fixture of dialect d whose DB writes its audit log
// to the returned path, checkpointing every 4 records.
func auditedFixture(t *testing.T, d testdb.Dialect) (*fixture, *audit.Logger, string) {
	t.Helper()
	f := newFixture(t, d, patientSchema(16))
	p := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := audit.OpenFile(context.Background(), p, audit.Options{KEK: f.kek, CheckpointEvery: 4})
	if err != nil {
		t.Fatal(err)
	}
	f.db.SetAudit(l)
	return f, l, p
}

// txTable returns the patients table of tx.
func txTable(t *testing.T, tx *Tx, err error) *TableAccess {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	ta, err := tx.Table("patients")
	if err != nil {
		t.Fatal(err)
	}
	return ta
}

func showRecords(rs []audit.Record) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "%s/%s %s%s rows %d [%s] %s; ", r.Op, r.Action, r.Outcome, map[bool]string{true: ":" + r.Reason, false: ""}[r.Reason != ""],
			r.Rows, strings.Join(r.Columns, ","), r.Principal)
	}
	return b.String()
}

// TestAuditTxRollback: the writes of a rolled-back transaction were
// recorded as ok when they ran; Rollback appends, per actor, operation and
// table, a "rolled_back" record of the rows undone. Reads stay as
// recorded. A Rollback after Commit records nothing.
func TestAuditTxRollback(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f, l, p := auditedFixture(t, d)
		alice := audit.WithActor(ctx, audit.Actor{Principal: "alice", Role: "admin", RequestID: "req-1"})
		bob := audit.WithActor(ctx, audit.Actor{Principal: "bob", Role: "clerk", RequestID: "req-2"})

		tx, err := f.db.BeginTx(ctx, nil)
		ta := txTable(t, tx, err)
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		_, err = ta.Insert(alice, canaryRow(200))
		must(err)
		_, err = ta.InsertBatch(alice, []Row{canaryRow(201), canaryRow(202)})
		must(err)
		must(ta.Update(alice, int64(200), Row{"notes": "canarynote-allergy"}))
		_, err = ta.Get(alice, int64(200))
		must(err)
		must(ta.Delete(alice, int64(201)))
		_, err = ta.Insert(bob, Row{"id": int64(203), "mrn": "MRN-CANARY-77", "last_name": "Zqxcanaryname", "first_name": "Wvcanaryfirst", "dob": canaryRow(0)["dob"]})
		must(err)
		_, err = ta.Insert(alice, Row{"id": int64(204), "ssn": int64(1)}) // refused: recorded, nothing to undo
		if !errors.Is(err, ErrWrongType) {
			t.Fatalf("wrong type: %v", err)
		}
		must(tx.Rollback())
		if err := tx.Rollback(); !errors.Is(err, sql.ErrTxDone) {
			t.Fatalf("second Rollback: %v", err)
		}

		// A committed transaction, then the deferred Rollback of the usual
		// pattern: nothing rolled back.
		tx2, err := f.db.BeginTx(ctx, nil)
		_, err = txTable(t, tx2, err).Insert(alice, canaryRow(300))
		must(err)
		must(tx2.Commit())
		if err := tx2.Rollback(); !errors.Is(err, sql.ErrTxDone) {
			t.Fatalf("Rollback after Commit: %v", err)
		}
		must(l.Close())

		for _, id := range []int64{200, 201, 202, 203} {
			if _, err := f.pats.Get(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Errorf("row %d after the rollback: %v", id, err)
			}
		}
		got := txAuditLog(t, f, p)
		want := "insert/insert ok rows 1 [ssn,mrn,last_name,first_name,dob,notes] alice; " +
			"insert/insert_batch ok rows 2 [ssn,mrn,last_name,first_name,dob,notes] alice; " +
			"update/update ok rows 1 [notes] alice; " +
			"decrypt/get ok rows 1 [ssn,mrn,last_name,first_name,dob,notes] alice; " +
			"delete/delete ok rows 1 [ssn,mrn,last_name,first_name,dob,notes] alice; " +
			"insert/insert ok rows 1 [mrn,last_name,first_name,dob] bob; " +
			"insert/insert refused:wrong_type rows 0 [ssn] alice; " +
			"insert/rollback rolled_back rows 3 [ssn,mrn,last_name,first_name,dob,notes] alice; " +
			"update/rollback rolled_back rows 1 [notes] alice; " +
			"delete/rollback rolled_back rows 1 [ssn,mrn,last_name,first_name,dob,notes] alice; " +
			"insert/rollback rolled_back rows 1 [mrn,last_name,first_name,dob] bob; " +
			"insert/insert ok rows 1 [ssn,mrn,last_name,first_name,dob,notes] alice; "
		if s := showRecords(got); s != want {
			t.Errorf("records\n got %s\nwant %s", s, want)
		}
		for _, r := range got {
			if r.Outcome == audit.OutcomeRolledBack && (r.RequestID == "" || r.Table != "patients") {
				t.Errorf("rollback record without the writes' request or table: %+v", r)
			}
		}
	})
}

// TestAuditTxCommitFailed: a commit that fails (a deferred constraint,
// PostgreSQL) records the transaction's writes as rolled back, reason
// commit_failed.
func TestAuditTxCommitFailed(t *testing.T) {
	ctx := context.Background()
	f, l, p := auditedFixture(t, testdb.DialectPostgres)
	if _, err := f.sql.ExecContext(ctx, "CREATE TABLE once (x int UNIQUE DEFERRABLE INITIALLY DEFERRED)"); err != nil {
		t.Fatal(err)
	}
	alice := audit.WithActor(ctx, audit.Actor{Principal: "alice", RequestID: "req-1"})
	tx, err := f.db.BeginTx(ctx, nil)
	if _, err := txTable(t, tx, err).Insert(alice, canaryRow(400)); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO once VALUES (1), (1)"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err == nil {
		t.Fatal("commit with a violated deferred constraint succeeded")
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pats.Get(ctx, int64(400)); !errors.Is(err, ErrNotFound) {
		t.Errorf("row after the failed commit: %v", err)
	}
	want := "insert/insert ok rows 1 [ssn,mrn,last_name,first_name,dob,notes] alice; " +
		"insert/rollback rolled_back:commit_failed rows 1 [ssn,mrn,last_name,first_name,dob,notes] alice; "
	if s := showRecords(txAuditLog(t, f, p)); s != want {
		t.Errorf("records\n got %s\nwant %s", s, want)
	}
}

// TestAuditAdoptedTxRollback: for a transaction adopted with WithTx, which
// the caller rolls back itself, RecordRollback appends the rolled_back
// records, once. (Recording does not depend on the database: SQLite.)
func TestAuditAdoptedTxRollback(t *testing.T) {
	ctx := context.Background()
	f, l, p := auditedFixture(t, testdb.DialectSQLite)
	alice := audit.WithActor(ctx, audit.Actor{Principal: "alice", RequestID: "req-1"})
	sqltx, err := f.sql.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := f.db.WithTx(sqltx)
	if _, err := txTable(t, tx, err).Insert(alice, canaryRow(500)); err != nil {
		t.Fatal(err)
	}
	if err := sqltx.Rollback(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := tx.RecordRollback(); err != nil {
			t.Fatal(err)
		}
	}
	own, err := f.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer own.Rollback()
	if err := own.RecordRollback(); !errors.Is(err, ErrUnsupported) || strings.Count(err.Error(), "phicrypt:") != 1 {
		t.Errorf("RecordRollback on a Tx of BeginTx: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	want := "insert/insert ok rows 1 [ssn,mrn,last_name,first_name,dob,notes] alice; " +
		"insert/rollback rolled_back rows 1 [ssn,mrn,last_name,first_name,dob,notes] alice; "
	if s := showRecords(txAuditLog(t, f, p)); s != want {
		t.Errorf("records\n got %s\nwant %s", s, want)
	}
}
