package sqlwrap

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

// checkGet reads every row by key and compares it with the plaintext.
func checkGet(t *testing.T, stage string, ta *TableAccess, want map[int64]Row) {
	t.Helper()
	ctx := context.Background()
	for id, w := range want {
		got, err := ta.Get(ctx, id)
		if err != nil {
			t.Fatalf("%s: Get %d: %v", stage, id, err)
		}
		if !reflect.DeepEqual(got, w) {
			t.Fatalf("%s: Get %d:\n got %v\nwant %v", stage, id, got, w)
		}
	}
}

func wantRows(rows []pdRow) map[int64]Row {
	out := map[int64]Row{}
	for _, r := range rows {
		out[r.id] = r.want()
	}
	return out
}

// sealedValues counts the non-NULL values of rows with keys in [from, to].
func sealedValues(want map[int64]Row, from, to int64) int {
	n := 0
	for id, r := range want {
		if id < from || id > to {
			continue
		}
		for _, c := range pdCols {
			if r[c.name] != nil {
				n++
			}
		}
	}
	return n
}

// nullCiphertexts counts the rows with keys in [from, to] whose column
// holds no ciphertext although its value is not NULL.
func unsealedCount(t *testing.T, f *fixture, want map[int64]Row, from, to int64) int {
	t.Helper()
	cts := ciphertexts(t, f.sql)
	n := 0
	for id, r := range want {
		if id < from || id > to {
			continue
		}
		for i, c := range pdCols {
			if r[c.name] != nil && cts[id][i] == "NULL" {
				n++
			}
		}
	}
	return n
}

func TestMigrateRowsSealsOnce(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		rows := pdRows(30)
		want := wantRows(rows)
		f := migratingFixture(t, d, rows)
		checkGet(t, "before", f.pats, want)
		if n := unsealedCount(t, f, want, 1, 30); n != sealedValues(want, 1, 30) {
			t.Fatalf("before: %d values without ciphertext, want all %d", n, sealedValues(want, 1, 30))
		}

		res, err := f.pats.MigrateRows(ctx, MigrateRange{Limit: 12})
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows != 12 || toInt64(res.Last) != 12 || res.Sealed != sealedValues(want, 1, 12) || len(res.Bad) != 0 {
			t.Fatalf("first batch: %+v, want 12 rows, last 12, %d sealed", res, sealedValues(want, 1, 12))
		}
		if n := unsealedCount(t, f, want, 1, 12); n != 0 {
			t.Fatalf("first batch left %d values unsealed", n)
		}
		if n := unsealedCount(t, f, want, 13, 30); n != sealedValues(want, 13, 30) {
			t.Fatalf("first batch sealed %d values past its range", sealedValues(want, 13, 30)-n)
		}
		// The plaintext stays until --drop-plaintext.
		var plain int
		if err := f.sql.QueryRowContext(ctx, "SELECT COUNT(*) FROM patient_data WHERE lname__plain IS NOT NULL").Scan(&plain); err != nil || plain != 30 {
			t.Fatalf("plaintext left: %d, %v", plain, err)
		}
		checkGet(t, "partway", f.pats, want)

		// Through bounds the range.
		res, err = f.pats.MigrateRows(ctx, MigrateRange{After: res.Last, Through: int64(20)})
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows != 8 || toInt64(res.Last) != 20 || res.Sealed != sealedValues(want, 13, 20) {
			t.Fatalf("through 20: %+v", res)
		}
		res, err = f.pats.MigrateRows(ctx, MigrateRange{After: res.Last, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows != 10 || toInt64(res.Last) != 30 || res.Sealed != sealedValues(want, 21, 30) {
			t.Fatalf("rest: %+v", res)
		}
		if n := unsealedCount(t, f, want, 1, 30); n != 0 {
			t.Fatalf("after: %d values unsealed", n)
		}
		checkGet(t, "after", f.pats, want)

		// A second run seals nothing and leaves every ciphertext as it is.
		before := ciphertexts(t, f.sql)
		res, err = f.pats.MigrateRows(ctx, MigrateRange{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows != 30 || res.Sealed != 0 {
			t.Fatalf("second run: %+v, want 30 rows examined and nothing sealed", res)
		}
		if after := ciphertexts(t, f.sql); !reflect.DeepEqual(before, after) {
			t.Fatal("second run changed ciphertexts")
		}
		res, err = f.pats.MigrateRows(ctx, MigrateRange{After: int64(30)})
		if err != nil || res.Rows != 0 || res.Last != nil {
			t.Fatalf("past the end: %+v, %v", res, err)
		}
	})
}

func TestMigrateRowsInTx(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		rows := pdRows(20)
		want := wantRows(rows)
		f := migratingFixture(t, d, rows)

		// Rolled back: nothing of the batch stays, tokens and side tables
		// included.
		tx, err := f.db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		tp, _ := tx.Table("patient_data")
		res, err := tp.MigrateRows(ctx, MigrateRange{Limit: 10})
		if err != nil || res.Sealed != sealedValues(want, 1, 10) {
			t.Fatalf("in tx: %+v, %v", res, err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if n := unsealedCount(t, f, want, 1, 20); n != sealedValues(want, 1, 20) {
			t.Fatalf("rolled back batch left %d values sealed", sealedValues(want, 1, 20)-n)
		}
		var toks int
		if err := f.sql.QueryRowContext(ctx, "SELECT COUNT(*) FROM patient_data WHERE lname_eq IS NOT NULL OR lname_dob IS NOT NULL OR ss_eq IS NOT NULL").Scan(&toks); err != nil || toks != 0 {
			t.Fatalf("rolled back batch left tokens in %d rows (%v)", toks, err)
		}
		if d != "postgres" {
			if err := f.sql.QueryRowContext(ctx, "SELECT COUNT(*) FROM patient_data__email_sub").Scan(&toks); err != nil || toks != 0 {
				t.Fatalf("rolled back batch left %d side-table rows (%v)", toks, err)
			}
		}
		checkGet(t, "after rollback", f.pats, want)
		pt1 := 0
		for _, r := range want {
			if e, ok := r["email"].(string); ok && strings.Contains(e, "pt1") {
				pt1++
			}
		}
		got, err := f.pats.Find(ctx, Query{Where: []Pred{Contains("email", "pt1")}})
		if err != nil || len(got) != pt1 {
			t.Fatalf("contains after rollback: %d rows, %v", len(got), err)
		}

		// A batch and its checkpoint commit together in the caller's
		// transaction (WithTx).
		if _, err := f.sql.ExecContext(ctx, "CREATE TABLE ckpt (last_key BIGINT)"); err != nil {
			t.Fatal(err)
		}
		stx, err := f.sql.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		wtx, err := f.db.WithTx(stx)
		if err != nil {
			t.Fatal(err)
		}
		wp, _ := wtx.Table("patient_data")
		res, err = wp.MigrateRows(ctx, MigrateRange{Limit: 15})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := wtx.ExecContext(ctx, "INSERT INTO ckpt (last_key) VALUES ("+map[testdb.Dialect]string{"postgres": "$1"}[d]+map[bool]string{true: "?"}[d != "postgres"]+")", res.Last); err != nil {
			t.Fatal(err)
		}
		if err := stx.Commit(); err != nil {
			t.Fatal(err)
		}
		var last int64
		if err := f.sql.QueryRowContext(ctx, "SELECT last_key FROM ckpt").Scan(&last); err != nil || last != 15 {
			t.Fatalf("checkpoint: %d, %v", last, err)
		}
		if n := unsealedCount(t, f, want, 1, 15); n != 0 {
			t.Fatalf("committed batch left %d values unsealed", n)
		}
		checkGet(t, "after commit", f.pats, want)
		got, err = f.pats.Find(ctx, Query{Where: []Pred{Contains("email", "pt1")}})
		if err != nil || len(got) != pt1 {
			t.Fatalf("contains after commit: %d rows, %v", len(got), err)
		}
	})
}

func TestMigrateRowsBadValues(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		rows := pdRows(12)
		const longSS = "123-45-67890000"
		rows[2].vals["dob_text"] = "1999-02-30" // no such day
		rows[4].vals["ss"] = longSS             // over max_length 11
		rows[6].vals["dob_text"] = "03/17/1948" // not YYYY-MM-DD
		f := migratingFixture(t, d, rows)
		secret := []string{"1999-02-30", longSS, "03/17/1948"}
		if d == "sqlite" {
			// SQLite keeps whatever bytes it is given as TEXT.
			if _, err := f.sql.ExecContext(ctx, "UPDATE patient_data SET fname__plain = CAST(X'FF41' AS TEXT) WHERE id = 9"); err != nil {
				t.Fatal(err)
			}
		}
		res, err := f.pats.MigrateRows(ctx, MigrateRange{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, b := range res.Bad {
			got = append(got, fmt.Sprintf("%v.%s", b.Key, b.Column))
			for _, s := range secret {
				if strings.Contains(b.Reason, s) {
					t.Errorf("reason reveals the value: %q", b.Reason)
				}
			}
			if b.Reason == "" {
				t.Errorf("bad value %v.%s without a reason", b.Key, b.Column)
			}
		}
		wantBad := []string{"3.dob_text", "5.ss", "7.dob_text"}
		if d == "sqlite" {
			wantBad = append(wantBad, "9.fname")
		}
		if fmt.Sprint(got) != fmt.Sprint(wantBad) {
			t.Fatalf("bad values %v, want %v (%+v)", got, wantBad, res.Bad)
		}
		// The bad values stay in the plaintext; the rest of their rows is
		// sealed.
		var plain string
		var ct []byte
		if err := f.sql.QueryRowContext(ctx, "SELECT ss__plain, ss FROM patient_data WHERE id = 5").Scan(&plain, &ct); err != nil || plain != longSS || ct != nil {
			t.Fatalf("bad ss: plaintext %v, ciphertext %d bytes, %v", plain != "", len(ct), err)
		}
		if err := f.sql.QueryRowContext(ctx, "SELECT lname FROM patient_data WHERE id = 5").Scan(&ct); err != nil || ct == nil {
			t.Fatalf("row with a bad value: other columns not sealed: %v", err)
		}
		// Reads report such rows as damaged, by key and column.
		_, err = f.pats.Get(ctx, int64(3))
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, ErrWrongType) || e.Column != "dob_text" || toInt64(e.Key) != 3 || strings.Contains(err.Error(), "1999-02-30") {
			t.Fatalf("Get of a bad row: %v", err)
		}
		fr, err := f.pats.FindPartial(ctx, Query{Where: []Pred{NotNull("lname")}})
		if err != nil {
			t.Fatal(err)
		}
		if len(fr.Rows)+len(fr.Damaged) != 12 || len(fr.Damaged) != len(wantBad) {
			t.Fatalf("FindPartial: %d rows, %d damaged", len(fr.Rows), len(fr.Damaged))
		}
		// Fixed in the plaintext, the value migrates on the next run.
		if _, err := f.sql.ExecContext(ctx, "UPDATE patient_data SET dob_text__plain = '1999-02-28' WHERE id = 3"); err != nil {
			t.Fatal(err)
		}
		res, err = f.pats.MigrateRows(ctx, MigrateRange{})
		if err != nil || res.Sealed != 1 || len(res.Bad) != len(wantBad)-1 {
			t.Fatalf("rerun after a fix: %+v, %v", res, err)
		}
	})
}

func TestMigratingPlaintextRefused(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		sqldb, _ := testdb.Open(t, d)
		createPlainPatientData(t, d, sqldb, pdRows(3))
		for name, f := range map[string]func(*DB) error{
			"EnsureSchema": func(db *DB) error { return db.EnsureSchema(ctx) },
			"VerifySchema": func(db *DB) error { return db.VerifySchema(ctx) },
			"Get": func(db *DB) error {
				ta, _ := db.Table("patient_data")
				_, err := ta.Get(ctx, int64(1))
				return err
			},
		} {
			db := openOn(t, d, sqldb, pdSchema())
			err := f(db)
			if !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "holds plaintext: run phicrypt migrate") || strings.Count(err.Error(), "phicrypt:") != 1 {
				t.Errorf("%s on a plaintext table: %v", name, err)
			}
			if err != nil && strings.Contains(err.Error(), "078-05-1120") {
				t.Errorf("%s: error reveals a value: %v", name, err)
			}
		}
	})
}
