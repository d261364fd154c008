package sqlwrap

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// Tests of DB.Reencrypt and DB.RetireDataKeys (issue 10, item 5).

// reencryptRows inserts the sample patients and n more rows.
func reencryptRows(t *testing.T, f *fixture, n int) map[int64]Row {
	t.Helper()
	rows := append([]Row(nil), samplePatients...)
	for i := 6; i < 6+n; i++ {
		rows = append(rows, Row{"id": int64(i), "ssn": fmt.Sprintf("900-00-%04d", i), "mrn": fmt.Sprintf("MRN-%04d", i), "last_name": fmt.Sprintf("Name%d", i),
			"first_name": "F", "dob": cipher.Date{Year: 1960, Month: 1, Day: 1 + i%28}, "notes": nil, "city": nil, "age": nil})
	}
	if _, err := f.pats.InsertBatch(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	return f.reencryptReadAll(t)
}

func (f *fixture) reencryptReadAll(t *testing.T) map[int64]Row {
	t.Helper()
	got, err := f.pats.Find(context.Background(), Query{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]Row{}
	for _, r := range got {
		out[toInt64(r["id"])] = r
	}
	return out
}

// reencryptKeyIDs returns the data key id of every stored value of col by row.
func (f *fixture) reencryptKeyIDs(t *testing.T, col string) map[int64]uint32 {
	t.Helper()
	rows, err := f.sql.QueryContext(context.Background(), fmt.Sprintf("SELECT id, %s FROM patients WHERE %s IS NOT NULL", col, col))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]uint32{}
	for rows.Next() {
		var id int64
		var ct []byte
		if err := rows.Scan(&id, &ct); err != nil {
			t.Fatal(err)
		}
		k, err := cipher.CiphertextKeyID(ct)
		if err != nil {
			t.Fatal(err)
		}
		out[id] = k
	}
	return out
}

func TestReencryptRotateRetire(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(24))
		before := reencryptRows(t, f, 20)
		ring := f.db.ring
		scopes := map[string]uint32{}
		for _, col := range []string{"ssn", "last_name"} {
			id, err := ring.RotateKey(ctx, cipher.DefaultScope("patients", col), cipher.PurposeValue)
			if err != nil {
				t.Fatal(err)
			}
			scopes[col] = id
		}
		// The old keys cannot be retired while values are under them.
		err := f.db.RetireDataKeys(ctx, "patients", "ssn")
		if !errors.Is(err, ErrReencryptIncomplete) {
			t.Fatalf("retire before reencrypt: %v", err)
		}
		rep, err := f.db.Verify(ctx, "patients", nil)
		if err != nil || !rep.Clean() || rep.OldDataKey != 24+25 {
			t.Fatalf("verify before: %+v, %v", rep.VerifyCounts, err)
		}
		var progress []int64
		if err := f.db.Reencrypt(ctx, "patients", &ReencryptOptions{BatchSize: 7, RotationWait: 1, Progress: func(n int64) { progress = append(progress, n) }}); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(progress) != "[7 14 21 25]" {
			t.Fatalf("progress %v", progress)
		}
		for col, id := range scopes {
			for row, k := range f.reencryptKeyIDs(t, col) {
				if k != id {
					t.Fatalf("%s of row %d under key %d, want %d", col, row, k, id)
				}
			}
		}
		if after := f.reencryptReadAll(t); !reflect.DeepEqual(after, before) {
			t.Fatalf("values changed:\n%v\n%v", after, before)
		}
		rep, err = f.db.Verify(ctx, "patients", nil)
		if err != nil || !rep.Clean() || rep.OldDataKey != 0 {
			t.Fatalf("verify after: %+v, %v", rep.VerifyCounts, err)
		}
		var n int
		f.sql.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+reencryptTable).Scan(&n)
		if n != 0 {
			t.Fatalf("checkpoint left after a completed pass: %d", n)
		}
		for col := range scopes {
			if err := f.db.RetireDataKeys(ctx, "patients", col); err != nil {
				t.Fatal(err)
			}
			keys, _ := ring.Keys(ctx, cipher.DefaultScope("patients", col), cipher.PurposeValue)
			if len(keys) != 2 || keys[0].Status == keys[1].Status {
				t.Fatalf("%s keys after retire: %v", col, keys)
			}
		}
		// Every value still opens, in another process too.
		other, err := Open(f.sql, string(d), patientSchema(24), ring)
		if err != nil {
			t.Fatal(err)
		}
		ring.Invalidate()
		op, _ := other.Table("patients")
		got, err := op.Find(ctx, Query{Where: []Pred{Eq("ssn", "900-00-0017")}})
		if err != nil || len(got) != 1 || got[0]["last_name"] != "Name17" {
			t.Fatalf("after retire: %v, %v", got, err)
		}
		// Keyring.RetireKey alone does not look at the rows: a value key
		// retired before Reencrypt leaves its values unreadable.
		scope := cipher.DefaultScope("patients", "first_name")
		oldKey := f.reencryptKeyIDs(t, "first_name")[1]
		if _, err := ring.RotateKey(ctx, scope, cipher.PurposeValue); err != nil {
			t.Fatal(err)
		}
		if err := ring.RetireKey(ctx, scope, cipher.PurposeValue, oldKey); err != nil {
			t.Fatalf("raw retire: %v", err)
		}
		if _, err := f.pats.Get(ctx, int64(1)); !errors.Is(err, cipher.ErrUnknownKey) {
			t.Fatalf("value under a retired key: %v", err)
		}
	})
}

func TestReencryptResumes(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(24))
		before := reencryptRows(t, f, 20)
		scope := cipher.DefaultScope("patients", "ssn")
		newKey, err := f.db.ring.RotateKey(ctx, scope, cipher.PurposeValue)
		if err != nil {
			t.Fatal(err)
		}
		// Stopped after the second batch of five.
		cctx, cancel := context.WithCancel(ctx)
		err = f.db.Reencrypt(cctx, "patients", &ReencryptOptions{BatchSize: 5, RotationWait: 1, Progress: func(n int64) {
			if n == 10 {
				cancel()
			}
		}})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled pass: %v", err)
		}
		var progress string
		f.sql.QueryRowContext(ctx, "SELECT progress_key FROM "+reencryptTable).Scan(&progress)
		if progress != "10" {
			t.Fatalf("checkpoint %q", progress)
		}
		ids := f.reencryptKeyIDs(t, "ssn")
		for row, k := range ids {
			if (row <= 10) != (k == newKey) {
				t.Fatalf("row %d under key %d after the first pass", row, k)
			}
		}
		sealed := map[int64][]byte{}
		for i := int64(1); i <= 10; i++ {
			sealed[i] = f.verifyRawBytes(t, "ssn", i)
		}
		// The rerun starts after row 10 and seals nothing twice.
		var examined []int64
		if err := f.db.Reencrypt(ctx, "patients", &ReencryptOptions{BatchSize: 5, Progress: func(n int64) { examined = append(examined, n) }}); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(examined) != "[5 10 15]" {
			t.Fatalf("resumed pass examined %v", examined)
		}
		for i, ct := range sealed {
			if i == 4 {
				continue // NULL ssn
			}
			if string(f.verifyRawBytes(t, "ssn", i)) != string(ct) {
				t.Fatalf("row %d sealed again", i)
			}
		}
		for row, k := range f.reencryptKeyIDs(t, "ssn") {
			if k != newKey {
				t.Fatalf("row %d under key %d", row, k)
			}
		}
		if after := f.reencryptReadAll(t); !reflect.DeepEqual(after, before) {
			t.Fatal("values changed")
		}
		// A checkpoint of another rotation is not resumed: the pass starts
		// over.
		cctx, cancel = context.WithCancel(ctx)
		err = f.db.Reencrypt(cctx, "patients", &ReencryptOptions{BatchSize: 5, RotationWait: 1, Progress: func(n int64) { cancel() }})
		if !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
		if _, err := f.db.ring.RotateKey(ctx, scope, cipher.PurposeValue); err != nil {
			t.Fatal(err)
		}
		examined = nil
		if err := f.db.Reencrypt(ctx, "patients", &ReencryptOptions{BatchSize: 5, RotationWait: 1, Progress: func(n int64) { examined = append(examined, n) }}); err != nil {
			t.Fatal(err)
		}
		if len(examined) != 5 || examined[4] != 25 {
			t.Fatalf("new rotation: examined %v", examined)
		}
	})
}

func TestReencryptNothingToMove(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(24))
		reencryptRows(t, f, 3)
		before := f.verifyRawBytes(t, "ssn", 1)
		start := time.Now()
		// No rotation: no wait (the default is 10 s) and no write.
		if err := f.db.Reencrypt(ctx, "patients", &ReencryptOptions{Progress: func(int64) { t.Error("a pass ran") }}); err != nil {
			t.Fatal(err)
		}
		if time.Since(start) > 3*time.Second || string(f.verifyRawBytes(t, "ssn", 1)) != string(before) {
			t.Fatalf("took %v", time.Since(start))
		}
		// A value that is not a ciphertext stops a pass, naming the row.
		if _, err := f.db.ring.RotateKey(ctx, cipher.DefaultScope("patients", "mrn"), cipher.PurposeValue); err != nil {
			t.Fatal(err)
		}
		f.verifyExec(t, "UPDATE patients SET mrn = 'MRN-PLAIN' WHERE id = 3")
		err := f.db.Reencrypt(ctx, "patients", &ReencryptOptions{RotationWait: 1})
		var e *Error
		if !errors.As(err, &e) || e.Key != int64(3) || e.Column != "mrn" || !errors.Is(err, cipher.ErrUnsupportedVersion) || strings.Contains(err.Error(), "MRN-PLAIN") {
			t.Fatalf("plaintext in the table: %v", err)
		}
		if err := f.db.RetireDataKeys(ctx, "patients", "mrn"); !errors.Is(err, ErrReencryptIncomplete) {
			t.Fatalf("retire with plaintext in the column: %v", err)
		}
	})
}

func TestReencryptKeepsConcurrentWrites(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		if d == testdb.DialectSQLite {
			// One writer at a time: a batch holds the write lock from its
			// read to its commit, so no write can land in between.
			t.Skip("SQLite serializes writers")
		}
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(24))
		reencryptRows(t, f, 5)
		if _, err := f.db.ring.RotateKey(ctx, cipher.DefaultScope("patients", "ssn"), cipher.PurposeValue); err != nil {
			t.Fatal(err)
		}
		// The application writes row 2 after the batch read it: its value
		// must survive.
		once := false
		hooked := context.WithValue(ctx, reencryptHookKey{}, func() {
			if once {
				return
			}
			once = true
			if err := f.pats.Update(ctx, int64(2), Row{"ssn": "111-11-1111"}); err != nil {
				t.Error(err)
			}
		})
		if err := f.db.Reencrypt(hooked, "patients", &ReencryptOptions{RotationWait: 1}); err != nil {
			t.Fatal(err)
		}
		got, err := f.pats.Get(ctx, int64(2))
		if err != nil || got["ssn"] != "111-11-1111" {
			t.Fatalf("concurrent write lost: %v, %v", got["ssn"], err)
		}
		rep, err := f.db.Verify(ctx, "patients", nil)
		if err != nil || !rep.Clean() || rep.OldDataKey != 0 {
			t.Fatalf("verify: %+v, %v", rep, err)
		}
	})
}
