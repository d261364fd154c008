package sqlwrap

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// ph returns the placeholder of argument i for the test's dialect.
func testPH(d testdb.Dialect, i int) string {
	if d == testdb.DialectPostgres {
		return fmt.Sprintf("$%d", i)
	}
	return "?"
}

// createEncounters creates the plain tables a test writes beside the
// protected one: encounters and an audit log.
func createEncounters(t *testing.T, sqldb *sql.DB) {
	t.Helper()
	for _, q := range []string{
		"CREATE TABLE encounters (id BIGINT PRIMARY KEY, patient_id BIGINT NOT NULL, reason VARCHAR(100) NOT NULL)",
		"CREATE TABLE audit_log (id BIGINT PRIMARY KEY, action VARCHAR(100) NOT NULL)",
	} {
		if _, err := sqldb.ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
}

// TestIssue9_3_AdoptedTxCommitsTogether writes a patient (protected), an
// encounter (a plain table) and an audit row in one transaction the
// caller began, on a pool of one connection and with a wrapper whose keys
// are not loaded yet (so the keyset loads run inside the transaction too):
// a rollback removes all three, a commit keeps all three.
func TestIssue9_3_AdoptedTxCommitsTogether(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		f := newFixture(t, d, patientSchema(24))
		createEncounters(t, f.sql)
		f.sql.SetMaxOpenConns(1)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()

		// A second wrapper on the same database, with a cold keyring.
		store, err := NewKeysetStore(f.sql, string(d))
		if err != nil {
			t.Fatal(err)
		}
		ring, err := cipher.NewKeyring(cipher.Config{KEK: f.kek, Store: store})
		if err != nil {
			t.Fatal(err)
		}
		cold, err := Open(f.sql, string(d), patientSchema(24), ring)
		if err != nil {
			t.Fatal(err)
		}
		p := func(i int) string { return testPH(d, i) }
		write := func(id int64) *sql.Tx {
			t.Helper()
			sqltx, err := f.sql.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			tx, err := cold.WithTx(sqltx)
			if err != nil {
				t.Fatal(err)
			}
			pats, err := tx.Table("patients")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := pats.Insert(ctx, Row{"id": id, "ssn": "078-05-1120", "mrn": fmt.Sprintf("MRN-%d", id), "last_name": "Núñez", "first_name": "Ana",
				"dob": cipher.Date{Year: 1948, Month: 3, Day: 17}, "notes": "penicillin"}); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO encounters (id, patient_id, reason) VALUES ("+p(1)+", "+p(2)+", "+p(3)+")", id*10, id, "checkup"); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO audit_log (id, action) VALUES ("+p(1)+", "+p(2)+")", id, "create patient"); err != nil {
				t.Fatal(err)
			}
			// Inside the transaction, every write is visible to the others.
			rows, err := pats.Find(ctx, Query{Where: []Pred{Eq("ssn", "078051120"), Prefix("last_name", "nu")}})
			if err != nil || len(rows) != 1 || toInt64(rows[0]["id"]) != id {
				t.Fatalf("find inside the transaction: %v, %v", rows, err)
			}
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM encounters WHERE patient_id = "+p(1), id).Scan(&n); err != nil || n != 1 {
				t.Fatalf("encounters inside the transaction: %d, %v", n, err)
			}
			qr, err := tx.QueryContext(ctx, "SELECT action FROM audit_log WHERE id = "+p(1), id)
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			for qr.Next() {
				var a string
				if err := qr.Scan(&a); err != nil {
					t.Fatal(err)
				}
				actions = append(actions, a)
			}
			if err := qr.Close(); err != nil || fmt.Sprint(actions) != "[create patient]" {
				t.Fatalf("audit inside the transaction: %v, %v", actions, err)
			}
			// A hand-written JOIN inside the transaction, opening each row
			// while the rows hold the connection.
			flt, err := pats.Filter(ctx, "p", 2, Eq("ssn", "078 05 1120"))
			if err != nil {
				t.Fatal(err)
			}
			jr, err := tx.QueryContext(ctx, "SELECT p.id, p.ssn, e.reason FROM patients p JOIN encounters e ON e.patient_id = p.id WHERE e.reason = "+p(1)+" AND "+flt.Where,
				append([]any{"checkup"}, flt.Args...)...)
			if err != nil {
				t.Fatal(err)
			}
			var joined []int64
			for jr.Next() {
				var pid int64
				var ssn Sealed
				var reason string
				if err := jr.Scan(&pid, &ssn, &reason); err != nil {
					t.Fatal(err)
				}
				v, err := pats.Open(ctx, "ssn", ssn, pid)
				if err != nil {
					t.Fatal(err)
				}
				if ok, err := flt.Match(Row{"ssn": v}); err != nil || !ok {
					t.Fatalf("match %v: %v, %v", pid, ok, err)
				}
				joined = append(joined, pid)
			}
			if err := jr.Close(); err != nil || fmt.Sprint(joined) != fmt.Sprint([]int64{id}) {
				t.Fatalf("join inside the transaction: %v, %v", joined, err)
			}
			// The transaction stays the caller's.
			if err := tx.Commit(); !errors.Is(err, ErrUnsupported) {
				t.Fatalf("Commit of an adopted transaction: %v", err)
			}
			if err := tx.Rollback(); !errors.Is(err, ErrUnsupported) {
				t.Fatalf("Rollback of an adopted transaction: %v", err)
			}
			return sqltx
		}
		count := func(id int64) [3]int {
			t.Helper()
			var c [3]int
			for i, q := range []string{"SELECT COUNT(*) FROM patients WHERE id = ", "SELECT COUNT(*) FROM encounters WHERE patient_id = ", "SELECT COUNT(*) FROM audit_log WHERE id = "} {
				if err := f.sql.QueryRowContext(ctx, q+p(1), id).Scan(&c[i]); err != nil {
					t.Fatal(err)
				}
			}
			return c
		}

		if err := write(1).Rollback(); err != nil {
			t.Fatal(err)
		}
		if c := count(1); c != [3]int{} {
			t.Fatalf("after rollback: patients, encounters, audit = %v", c)
		}
		if rows, err := f.pats.Find(ctx, Query{Where: []Pred{Eq("ssn", "078-05-1120")}}); err != nil || len(rows) != 0 {
			t.Fatalf("rolled-back patient found: %v, %v", rows, err)
		}

		if err := write(2).Commit(); err != nil {
			t.Fatal(err)
		}
		if c := count(2); c != [3]int{1, 1, 1} {
			t.Fatalf("after commit: patients, encounters, audit = %v", c)
		}
		rows, err := f.pats.Find(ctx, Query{Where: []Pred{Eq("ssn", "078-05-1120"), Contains("notes", "icill")}})
		if err != nil || len(rows) != 1 || rows[0]["last_name"] != "Núñez" {
			t.Fatalf("committed patient: %v, %v", rows, err)
		}
	})
}

// TestIssue9_3_AdoptRefusesBadInput checks that WithTx and the statements
// of a zero Tx fail closed instead of panicking.
func TestIssue9_3_AdoptRefusesBadInput(t *testing.T) {
	var db *DB
	if _, err := db.WithTx(nil); !errors.Is(err, ErrUnbound) {
		t.Fatalf("nil DB: %v", err)
	}
	var tx *Tx
	if _, err := tx.ExecContext(context.Background(), "SELECT 1"); !errors.Is(err, ErrUnbound) {
		t.Fatalf("nil Tx exec: %v", err)
	}
	if _, err := tx.QueryContext(context.Background(), "SELECT 1"); !errors.Is(err, ErrUnbound) {
		t.Fatalf("nil Tx query: %v", err)
	}
	var n int
	if err := tx.QueryRowContext(context.Background(), "SELECT 1").Scan(&n); !errors.Is(err, ErrUnbound) {
		t.Fatalf("nil Tx query row: %v", err)
	}
	if err := (&Tx{}).Commit(); !errors.Is(err, ErrUnbound) {
		t.Fatalf("zero Tx commit: %v", err)
	}
}
