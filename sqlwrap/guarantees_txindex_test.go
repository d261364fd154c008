package sqlwrap

// Guarantees of transactions, db.Field and index state (issue 8):
//
//   - item 10: inside a Tx every statement runs on the transaction's own
//     connection, so a pool of one connection (SetMaxOpenConns(1), the usual
//     SQLite advice) never waits on itself.
//   - item 11: one Tx table handle may be used from several goroutines: its
//     operations take turns on the transaction's connection, without a data
//     race and without a deadlock.
//   - item 9: no exported method panics on a zero value (Field, TableAccess,
//     Tx, DB): each returns an error.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// --- items 10, 11: transactions on their own connection ---

func txPatient(id int64) Row {
	return Row{"id": id, "ssn": fmt.Sprintf("900-00-%04d", id), "mrn": fmt.Sprintf("MRN-%04d", id), "last_name": fmt.Sprintf("Txname%03d", id),
		"first_name": "T", "dob": cipher.Date{Year: 1980, Month: 1, Day: 1 + int(id%28)}, "notes": fmt.Sprintf("note %d", id)}
}

func TestIssue8_10_TxOnOneConnection(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		f := newFixture(t, d, patientSchema(24))
		f.sql.SetMaxOpenConns(1)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		tx, err := f.db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		tp, err := tx.Table("patients")
		if err != nil {
			t.Fatal(err)
		}
		step := func(name string, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s inside a Tx on one connection: %v", name, err)
			}
		}
		_, err = tp.Insert(ctx, txPatient(1))
		step("Insert", err)
		_, err = tp.Get(ctx, int64(1))
		step("Get", err)
		rows, err := tp.Find(ctx, Query{Where: []Pred{Eq("mrn", "MRN-0001")}})
		step("Find", err)
		if len(rows) != 1 {
			t.Fatalf("Find: %d rows, want 1", len(rows))
		}
		_, err = tp.InsertBatch(ctx, []Row{txPatient(2), txPatient(3)})
		step("InsertBatch", err)
		step("Update", tp.Update(ctx, int64(2), Row{"mrn": "MRN-0202"}))
		step("Delete", tp.Delete(ctx, int64(3)))
		_, err = tp.Explain(ctx, Query{Where: []Pred{Eq("mrn", "MRN-0202")}})
		step("Explain", err)
		step("Commit", tx.Commit())
		rows, err = f.pats.Find(ctx, Query{Where: []Pred{Eq("mrn", "MRN-0202")}})
		if err != nil || fmt.Sprint(ids(rows)) != "[2]" {
			t.Fatalf("after commit: %v, %v", ids(rows), err)
		}
		if _, err := f.pats.Get(ctx, int64(3)); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted in the Tx: %v", err)
		}
	})
}

func TestIssue8_11_TxHandleSharedByGoroutines(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		f := newFixture(t, d, patientSchema(24))
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		tx, err := f.db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		tp, err := tx.Table("patients")
		if err != nil {
			t.Fatal(err)
		}
		const workers, each = 2, 10
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < each; i++ {
					id := int64(w*100 + i + 1)
					if _, err := tp.Insert(ctx, txPatient(id)); err != nil {
						errs <- fmt.Errorf("insert %d: %w", id, err)
						return
					}
					if _, err := tp.Get(ctx, id); err != nil {
						errs <- fmt.Errorf("get %d: %w", id, err)
						return
					}
					rows, err := tp.Find(ctx, Query{Where: []Pred{Prefix("last_name", "txname")}})
					if err != nil {
						errs <- fmt.Errorf("find: %w", err)
						return
					}
					if len(rows) == 0 {
						errs <- errors.New("find: no rows")
						return
					}
					if err := tp.Update(ctx, id, Row{"notes": "updated"}); err != nil {
						errs <- fmt.Errorf("update %d: %w", id, err)
						return
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		rows, err := f.pats.Find(ctx, Query{Where: []Pred{Contains("notes", "updated")}})
		if err != nil || len(rows) != workers*each {
			t.Fatalf("after commit: %d rows, %v; want %d", len(rows), err, workers*each)
		}
	})
}
