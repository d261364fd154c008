package sqlwrap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/audit"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// auditCanaries are values written through every audited path; none may
// appear in the audit log.
var auditCanaries = []string{"CanarySsn", "913-37-4242", "913374242", "MRN-CANARY-77", "Zqxcanaryname", "Wvcanaryfirst", "canarynote-allergy", "CANARY-UPSERT-MRN"}

func canaryRow(id int64) Row {
	return Row{"id": id, "ssn": "913-37-4242", "mrn": "MRN-CANARY-77", "last_name": "Zqxcanaryname", "first_name": "Wvcanaryfirst",
		"dob": cipher.Date{Year: 1971, Month: 4, Day: 5}, "notes": "canarynote-allergy", "city": "Boston", "age": int64(50)}
}

type wantRec struct {
	op, action, outcome, reason string
	rows                        int64
}

func TestAuditEveryPath(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		f := newFixture(t, d, patientSchema(16))
		ctx := context.Background()
		p := filepath.Join(t.TempDir(), "audit.jsonl")
		l, err := audit.OpenFile(ctx, p, audit.Options{KEK: f.kek, CheckpointEvery: 5})
		if err != nil {
			t.Fatal(err)
		}
		f.db.SetAudit(l)
		if f.db.Audit() != l {
			t.Fatal("Audit() does not return the logger")
		}
		actx := audit.WithActor(ctx, audit.Actor{Principal: "alice", Role: "admin", Purpose: "treatment", RequestID: "req-42"})
		pats := f.pats
		var want []wantRec
		step := func(w wantRec, err error, wantErr error) {
			t.Helper()
			if wantErr == nil && err != nil || wantErr != nil && !errors.Is(err, wantErr) {
				t.Fatalf("%s: err %v, want %v", w.action, err, wantErr)
			}
			want = append(want, w)
		}

		_, err = pats.Insert(actx, canaryRow(100))
		step(wantRec{"insert", "insert", "ok", "", 1}, err, nil)
		_, err = pats.InsertBatch(actx, []Row{canaryRow(101), canaryRow(102)})
		step(wantRec{"insert", "insert_batch", "ok", "", 2}, err, nil)
		err = pats.Update(actx, int64(101), Row{"notes": "canarynote-allergy", "ssn": "913374242"})
		step(wantRec{"update", "update", "ok", "", 1}, err, nil)
		up := canaryRow(103)
		up["mrn"] = "CANARY-UPSERT-MRN"
		_, err = pats.Upsert(actx, up)
		step(wantRec{"insert", "upsert", "ok", "", 1}, err, nil)
		_, err = pats.Upsert(actx, up)
		step(wantRec{"update", "upsert", "ok", "", 1}, err, nil)
		_, err = pats.Get(actx, int64(100))
		step(wantRec{"decrypt", "get", "ok", "", 1}, err, nil)
		_, err = pats.Get(actx, int64(999))
		step(wantRec{"decrypt", "get", "error", "not_found", 0}, err, ErrNotFound)
		rows, err := pats.Find(actx, Query{Where: []Pred{Eq("ssn", "913-37-4242")}})
		step(wantRec{"search", "find", "ok", "", 4}, err, nil)
		if len(rows) != 4 {
			t.Fatalf("Find: %d rows", len(rows))
		}
		_, err = pats.FindPartial(actx, Query{Where: []Pred{Prefix("last_name", "Zqxc")}})
		step(wantRec{"search", "find_partial", "ok", "", 4}, err, nil)
		_, err = pats.Count(actx, Query{Where: []Pred{Contains("notes", "canarynote")}})
		step(wantRec{"search", "count", "ok", "", 4}, err, nil)
		n := 0
		for _, err := range pats.Rows(actx, Query{Where: []Pred{Eq("mrn", "MRN-CANARY-77")}}) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		step(wantRec{"search", "rows", "ok", "", int64(n)}, nil, nil)
		_, err = pats.Find(actx, Query{Where: []Pred{Lt("ssn", "913-37-4242")}})
		step(wantRec{"search", "find", "refused", "unsupported", 0}, err, ErrUnsupported)
		_, err = pats.Insert(actx, Row{"id": int64(104), "ssn": int64(913374242)})
		step(wantRec{"insert", "insert", "refused", "wrong_type", 0}, err, ErrWrongType)
		err = pats.Delete(actx, int64(102))
		step(wantRec{"delete", "delete", "ok", "", 1}, err, nil)
		vrep, err := f.db.Verify(actx, "patients", nil)
		if err != nil || !vrep.Clean() || vrep.Rows == 0 {
			t.Fatalf("verify: %+v, %v", vrep, err)
		}
		step(wantRec{"decrypt", "verify", "ok", "", vrep.Rows}, err, nil)
		err = f.db.Reencrypt(actx, "patients", nil)
		step(wantRec{"key", "reencrypt", "ok", "", 0}, err, nil)
		err = f.db.Reindex(actx, "patients", "ssn_eq", nil)
		step(wantRec{"key", "reindex", "ok", "", 0}, err, nil)
		err = f.db.RetireDataKeys(actx, "patients", "ssn")
		step(wantRec{"key", "retire_data_keys", "ok", "", 0}, err, nil)
		err = f.db.AuditEvent(actx, audit.OpExport, "export_csv", "patients", []string{"mrn"}, 3, nil)
		step(wantRec{"export", "export_csv", "ok", "", 3}, err, nil)
		err = f.db.AuditEvent(actx, audit.OpExport, "export_csv", "patients", nil, 0, &Error{Op: "export", Table: "patients", Err: ErrUnsupported})
		step(wantRec{"export", "export_csv", "refused", "unsupported", 0}, err, nil)
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}

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
		if err != nil || !res.OK() || res.Verified == 0 || res.AfterCheckpoint != 0 {
			t.Fatalf("Verify: %+v %v", res, err)
		}
		var got []audit.Record
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var r audit.Record
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatal(err)
			}
			if r.Op == audit.OpCheckpoint {
				continue
			}
			got = append(got, r)
		}
		if len(got) != len(want) {
			t.Fatalf("%d records, want %d", len(got), len(want))
		}
		for i, w := range want {
			r := got[i]
			if r.Op != w.op || r.Action != w.action || r.Outcome != w.outcome || r.Reason != w.reason || r.Rows != w.rows {
				t.Errorf("record %d: %s/%s %s %q rows %d, want %+v", i, r.Op, r.Action, r.Outcome, r.Reason, r.Rows, w)
			}
			if r.Principal != "alice" || r.Role != "admin" || r.Purpose != "treatment" || r.RequestID != "req-42" || r.Table != "patients" {
				t.Errorf("record %d: actor %+v", i, r)
			}
		}
		// Columns: the protected columns read, written or keyed.
		if c := strings.Join(got[2].Columns, ","); c != "ssn,notes" {
			t.Errorf("update columns %q", c)
		}
		if c := strings.Join(got[5].Columns, ","); c != "ssn,mrn,last_name,first_name,dob,notes" {
			t.Errorf("get columns %q", c)
		}
		if c := strings.Join(got[len(got)-4].Columns, ","); c != "ssn_eq" {
			t.Errorf("reindex columns %q", c)
		}
	})
}

// TestAuditFailureFailsReads: a read whose record cannot be written
// returns no rows and ErrAudit.
func TestAuditFailureFailsReads(t *testing.T) {
	f := newFixture(t, testdb.DialectSQLite, patientSchema(16))
	ctx := context.Background()
	if _, err := f.pats.InsertBatch(ctx, samplePatients); err != nil {
		t.Fatal(err)
	}
	l, err := audit.OpenFile(ctx, filepath.Join(t.TempDir(), "a.jsonl"), audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f.db.SetAudit(l)
	l.Close()
	rows, err := f.pats.Find(ctx, Query{Where: []Pred{Eq("mrn", "MRN-0001")}})
	if !errors.Is(err, ErrAudit) || rows != nil || !strings.HasPrefix(err.Error(), "phicrypt: audit patients: ") || strings.Count(err.Error(), "phicrypt:") != 1 {
		t.Fatalf("Find: %d rows, %v", len(rows), err)
	}
	if r, err := f.pats.Get(ctx, int64(1)); !errors.Is(err, ErrAudit) || r != nil {
		t.Fatalf("Get: %v", err)
	}
	if n, err := f.pats.Count(ctx, Query{}); !errors.Is(err, ErrAudit) || n != 0 {
		t.Fatalf("Count: %v", err)
	}
	var seen error
	for _, err := range f.pats.Rows(ctx, Query{Where: []Pred{Eq("mrn", "MRN-0002")}}) {
		if err != nil {
			seen = err
		}
	}
	if !errors.Is(seen, ErrAudit) {
		t.Fatalf("Rows: %v", seen)
	}
	if err := f.db.AuditEvent(ctx, audit.OpExport, "export", "patients", nil, 1, nil); !errors.Is(err, ErrAudit) {
		t.Fatalf("AuditEvent: %v", err)
	}
	refusal := &Error{Op: "export", Table: "patients", Err: ErrUnsupported}
	if err := f.db.AuditEvent(ctx, audit.OpExport, "export", "patients", nil, 0, refusal); !errors.Is(err, ErrAudit) || errors.Is(err, ErrUnsupported) {
		t.Fatalf("AuditEvent of a refusal: %v", err)
	}
	// A failed operation that cannot be recorded reports both, prefixed once.
	_, err = f.pats.Find(ctx, Query{Where: []Pred{Lt("ssn", "1")}})
	if !errors.Is(err, ErrAudit) || !errors.Is(err, ErrUnsupported) || strings.Count(err.Error(), "phicrypt:") != 1 {
		t.Fatalf("refused and unrecorded: %v", err)
	}
	// Without a logger nothing is recorded and nothing fails.
	f.db.SetAudit(nil)
	if err := f.db.AuditEvent(ctx, audit.OpExport, "export", "patients", nil, 1, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pats.Find(ctx, Query{Where: []Pred{Eq("mrn", "MRN-0001")}}); err != nil {
		t.Fatal(err)
	}
}

func TestAuditOutcome(t *testing.T) {
	for _, c := range []struct {
		err             error
		outcome, reason string
	}{
		{nil, "ok", ""},
		{&Error{Op: "find", Table: "t", Err: ErrUnsupported}, "refused", "unsupported"},
		{&Error{Op: "get", Table: "t", Err: ErrNotFound}, "error", "not_found"},
		{context.Canceled, "error", "canceled"},
		{&Error{Op: "find", Table: "t", Column: "ssn", Err: ErrNotPermitted}, "refused", "not_permitted"},
		{errors.New("value 123-45-6789 broke"), "error", "error"},
	} {
		o, r := AuditOutcome(c.err)
		if o != c.outcome || r != c.reason {
			t.Errorf("%v: %s %s", c.err, o, r)
		}
	}
}
