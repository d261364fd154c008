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
//     Tx, DB, Typed): each returns an error.
//   - item 4: a Field writes only what its Tokens fully cover: it refuses to
//     seal a column with a prefix or substring index or one that is part of
//     a compound index (whose tokens need other columns or side tables), and
//     says to use TableAccess.Insert or Update; it still reads them.

import (
	"context"
	"errors"
	"fmt"
	"strings"
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

// --- item 9: no panic on a zero value ---

// noPanic runs f and fails the test if it panics or returns no error.
func noPanic(t *testing.T, name string, f func() error) {
	t.Helper()
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("%s panicked: %v", name, r)
				err = errors.New("panicked")
			}
		}()
		err = f()
	}()
	if err == nil {
		t.Errorf("%s on a zero value: no error", name)
	}
}

func TestIssue8_9_ZeroValuesDoNotPanic(t *testing.T) {
	ctx := context.Background()
	var nilField *Field
	for name, f := range map[string]*Field{"Field{}": {}, "Field{V}": {V: "078-05-1120"}, "(*Field)(nil)": nilField} {
		noPanic(t, name+".Value", func() error { _, err := f.Value(); return err })
		noPanic(t, name+".Scan(bytes)", func() error { return f.Scan([]byte("not a ciphertext")) })
		noPanic(t, name+".Scan(nil)", func() error { return f.Scan(nil) })
		noPanic(t, name+".Tokens", func() error { _, err := f.Tokens(); return err })
	}
	var nilTA *TableAccess
	for name, ta := range map[string]*TableAccess{"TableAccess{}": {}, "(*TableAccess)(nil)": nilTA} {
		noPanic(t, name+".Insert", func() error { _, err := ta.Insert(ctx, Row{"id": int64(1)}); return err })
		noPanic(t, name+".InsertBatch", func() error { _, err := ta.InsertBatch(ctx, []Row{{"id": int64(1)}}); return err })
		noPanic(t, name+".Get", func() error { _, err := ta.Get(ctx, int64(1)); return err })
		noPanic(t, name+".Find", func() error { _, err := ta.Find(ctx, Query{}); return err })
		noPanic(t, name+".Explain", func() error { _, err := ta.Explain(ctx, Query{}); return err })
		noPanic(t, name+".Update", func() error { return ta.Update(ctx, int64(1), Row{"ssn": "x"}) })
		noPanic(t, name+".Delete", func() error { return ta.Delete(ctx, int64(1)) })
	}
	var nilTx *Tx
	for name, tx := range map[string]*Tx{"Tx{}": {}, "(*Tx)(nil)": nilTx} {
		noPanic(t, name+".Table", func() error { _, err := tx.Table("patients"); return err })
		noPanic(t, name+".Commit", func() error { return tx.Commit() })
		noPanic(t, name+".Rollback", func() error { return tx.Rollback() })
	}
	var nilDB *DB
	for name, db := range map[string]*DB{"DB{}": {}, "(*DB)(nil)": nilDB} {
		noPanic(t, name+".EnsureSchema", func() error { return db.EnsureSchema(ctx) })
		noPanic(t, name+".BeginTx", func() error { _, err := db.BeginTx(ctx, nil); return err })
		noPanic(t, name+".Table", func() error { _, err := db.Table("patients"); return err })
		noPanic(t, name+".Field", func() error { _, err := db.Field(ctx, "patients", "ssn", int64(1)); return err })
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panicked: %v", name, r)
				}
			}()
			db.VerifySchema(ctx)
			db.Close()
			db.KeysetStore()
			db.SQL()
		}()
	}
	type pat struct {
		ID  int64  `db:"id"`
		SSN string `db:"ssn"`
	}
	var nilTyped *Typed[pat]
	for name, ty := range map[string]*Typed[pat]{"Typed{}": {}, "(*Typed)(nil)": nilTyped} {
		noPanic(t, name+".Insert", func() error { _, err := ty.Insert(ctx, &pat{ID: 1}); return err })
		noPanic(t, name+".InsertBatch", func() error { _, err := ty.InsertBatch(ctx, []pat{{ID: 1}}); return err })
		noPanic(t, name+".Update", func() error { return ty.Update(ctx, int64(1), &pat{ID: 1}) })
		noPanic(t, name+".Delete", func() error { return ty.Delete(ctx, int64(1)) })
		noPanic(t, name+".Get", func() error { _, err := ty.Get(ctx, int64(1)); return err })
		noPanic(t, name+".Find", func() error { _, err := ty.Find(ctx, Query{}); return err })
	}
}

// TestIssue8_9_BadInputDoesNotPanic gives bound handles bad input: a zero
// Field used as a Scan destination of open rows (the sqlx.Select case: a
// panic there left the rows open and the goroutine stuck), a nil struct
// pointer to Typed.
func TestIssue8_9_BadInputDoesNotPanic(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		f := newFixture(t, d, patientSchema(24))
		f.sql.SetMaxOpenConns(1)
		if _, err := f.pats.InsertBatch(ctx, samplePatients); err != nil {
			t.Fatal(err)
		}
		noPanic(t, "Scan into a zero Field", func() error {
			rows, err := f.sql.QueryContext(ctx, "SELECT ssn FROM patients WHERE ssn IS NOT NULL")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var scanErr error
			for rows.Next() {
				var fd Field
				if err := rows.Scan(&fd); err != nil {
					scanErr = err
				}
			}
			return scanErr
		})
		// The single connection came back to the pool.
		if _, err := f.pats.Get(ctx, int64(1)); err != nil {
			t.Fatalf("after the failed scans: %v", err)
		}
		type pat struct {
			ID  int64  `db:"id"`
			MRN string `db:"mrn"`
		}
		ty, err := For[pat](f.db, "patients")
		if err != nil {
			t.Fatal(err)
		}
		noPanic(t, "Typed.Insert(nil)", func() error { _, err := ty.Insert(ctx, nil); return err })
		noPanic(t, "Typed.Update(nil)", func() error { return ty.Update(ctx, int64(1), nil) })
		noPanic(t, "Find(nil context)", func() error {
			//lint:ignore SA1012 a nil context is the bad input under test
			_, err := f.pats.Find(nil, Query{Where: []Pred{Eq("mrn", "MRN-0001")}}) //nolint:staticcheck
			return err
		})
	})
}

// --- item 4: db.Field writes only columns whose tokens it covers ---

func TestIssue8_4_FieldRefusesColumnsItCannotIndex(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(24))
		if _, err := f.pats.Insert(ctx, samplePatients[0]); err != nil {
			t.Fatal(err)
		}
		for col, v := range map[string]any{
			"last_name": "Smith",                                    // prefix index and compound part
			"notes":     "penicillin",                               // substring index
			"dob":       cipher.Date{Year: 1948, Month: 3, Day: 17}, // compound part only
		} {
			fd, err := f.db.Field(ctx, "patients", col, int64(1))
			if err != nil {
				t.Fatal(err)
			}
			fd.V = v
			_, err = fd.Value()
			if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "Insert or Update") || !strings.Contains(err.Error(), col) {
				t.Errorf("Field(%s).Value: %v, want ErrUnsupported naming the column and Insert or Update", col, err)
			}
			if _, err := fd.Tokens(); !errors.Is(err, ErrUnsupported) {
				t.Errorf("Field(%s).Tokens: %v, want ErrUnsupported", col, err)
			}
			// Reading through a Field still works.
			back, _ := f.db.Field(ctx, "patients", col, int64(1))
			if err := f.sql.QueryRowContext(ctx, "SELECT "+col+" FROM patients WHERE id = 1").Scan(back); err != nil || back.V != samplePatients[0][col] {
				t.Errorf("Field(%s).Scan: %v, %v", col, back.V, err)
			}
		}
		// An equality-only column: written through a Field with its
		// tokens, the row is found by Eq.
		mrn, err := f.db.Field(ctx, "patients", "mrn", int64(1))
		if err != nil {
			t.Fatal(err)
		}
		mrn.V = "MRN-FIELD"
		toks, err := mrn.Tokens()
		if err != nil {
			t.Fatal(err)
		}
		if len(toks) != 1 || toks["mrn_eq"] == nil {
			t.Fatalf("tokens of mrn: %v", toks)
		}
		ph := f.db.d.ph
		if _, err := f.sql.ExecContext(ctx, fmt.Sprintf("UPDATE patients SET mrn = %s, mrn_eq = %s WHERE id = %s", ph(1), ph(2), ph(3)), mrn, toks["mrn_eq"], 1); err != nil {
			t.Fatal(err)
		}
		rows, err := f.pats.Find(ctx, Query{Where: []Pred{Eq("mrn", "MRN-FIELD")}})
		if err != nil || fmt.Sprint(ids(rows)) != "[1]" {
			t.Fatalf("Eq after a Field write: %v, %v", ids(rows), err)
		}
	})
}
