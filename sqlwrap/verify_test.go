package sqlwrap

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// Tests of DB.Verify (issue 10, item 6).

// verifyExec runs q, whose placeholders are written "?", on the fixture's
// database.
func (f *fixture) verifyExec(t *testing.T, q string, args ...any) {
	t.Helper()
	if f.d == testdb.DialectPostgres {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	if _, err := f.sql.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// verifyRawBytes reads one stored ciphertext.
func (f *fixture) verifyRawBytes(t *testing.T, col string, id int64) []byte {
	t.Helper()
	q := fmt.Sprintf("SELECT %s FROM patients WHERE id = %d", col, id)
	var b []byte
	if err := f.sql.QueryRowContext(context.Background(), q).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return b
}

// verifyProblemKeys lists the problems as "key column index kind" sorted.
func verifyProblemKeys(r *VerifyReport) []string {
	var out []string
	for _, p := range r.Problems {
		out = append(out, fmt.Sprintf("%v %s %s %s", p.Key, p.Column, p.Index, p.Kind))
	}
	sort.Strings(out)
	return out
}

func TestVerifyClean(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(24))
		if _, err := f.pats.InsertBatch(ctx, samplePatients); err != nil {
			t.Fatal(err)
		}
		var batches []int64
		rep, err := f.db.Verify(ctx, "patients", &VerifyOptions{BatchSize: 2, Progress: func(n int64) { batches = append(batches, n) }})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Clean() || len(rep.Problems) != 0 {
			t.Fatalf("clean table: %+v", rep)
		}
		// 5 rows; 28 non-NULL protected values; 7 indexes per row; 4
		// keysets: value and index of 6 columns, and the compound's.
		want := VerifyCounts{Rows: 5, Values: 28, Opened: 28, Tokens: 35, TokensOK: 35, Keysets: 19}
		if rep.VerifyCounts != want {
			t.Fatalf("counts %+v, want %+v", rep.VerifyCounts, want)
		}
		if fmt.Sprint(batches) != "[2 4 5]" {
			t.Fatalf("progress %v", batches)
		}
		if _, err := f.db.Verify(ctx, "nope", nil); err == nil {
			t.Fatal("unknown table verified")
		}
	})
}

func TestVerifyFindsDamage(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(24))
		if _, err := f.pats.InsertBatch(ctx, samplePatients); err != nil {
			t.Fatal(err)
		}
		// Row 2: a tampered first_name and an ssn copied from row 1.
		ct := f.verifyRawBytes(t, "first_name", 2)
		ct[len(ct)-20] ^= 0x01
		f.verifyExec(t, "UPDATE patients SET first_name = ? WHERE id = 2", ct)
		f.verifyExec(t, "UPDATE patients SET ssn = ? WHERE id = 2", f.verifyRawBytes(t, "ssn", 1))
		// Row 3: a wrong equality token.
		f.verifyExec(t, "UPDATE patients SET mrn_eq = mrn_eq + 1 WHERE id = 3")
		// Row 4: plaintext written into a protected column.
		f.verifyExec(t, "UPDATE patients SET first_name = 'Rita Plain' WHERE id = 4")
		// Row 5: prefix tokens that are not the value's; row 1: substring
		// tokens replaced; row 3: substring tokens for a NULL value.
		switch d {
		case testdb.DialectPostgres:
			f.verifyExec(t, "UPDATE patients SET last_name_prefix = '{1,2,3}' WHERE id = 5")
			f.verifyExec(t, "UPDATE patients SET notes_sub = '{7}' WHERE id = 1")
			f.verifyExec(t, "UPDATE patients SET notes_sub = '{5}' WHERE id = 3")
		case testdb.DialectSQLite:
			f.verifyExec(t, "DELETE FROM patients__last_name_prefix WHERE rowid = (SELECT rowid FROM patients WHERE id = 5)")
			f.verifyExec(t, "DELETE FROM patients__notes_sub WHERE rowid = (SELECT rowid FROM patients WHERE id = 1)")
			f.verifyExec(t, "INSERT INTO patients__notes_sub (rowid, toks) VALUES ((SELECT rowid FROM patients WHERE id = 1), 'g0x1234')")
			f.verifyExec(t, "INSERT INTO patients__notes_sub (rowid, toks) VALUES ((SELECT rowid FROM patients WHERE id = 3), 'g0xabc')")
		default:
			f.verifyExec(t, "UPDATE patients SET last_name_prefix_3 = 12345 WHERE id = 5")
			f.verifyExec(t, "DELETE FROM patients__notes_sub WHERE k = 1 LIMIT 2")
			f.verifyExec(t, "INSERT INTO patients__notes_sub (tok, k) VALUES (99, 3)")
		}
		rep, err := f.db.Verify(ctx, "patients", nil)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"1 notes notes_sub token_mismatch",
			"2 first_name  does_not_open",
			"2 ssn  does_not_open",
			"3 mrn mrn_eq token_mismatch",
			"3 notes notes_sub token_mismatch",
			"4 first_name  plaintext",
			"5 last_name last_name_prefix token_mismatch",
		}
		if got := verifyProblemKeys(rep); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("problems\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if rep.Clean() || rep.ProblemCount != 7 || rep.Plaintext != 1 || rep.Unreadable != 2 || rep.TokenProblems != 4 {
			t.Fatalf("counts %+v", rep.VerifyCounts)
		}
		for _, p := range rep.Problems {
			if p.Kind == ProblemUnreadable && p.Column == "ssn" && !strings.Contains(p.Reason, "another table, column or row") {
				t.Errorf("misplaced ssn: reason %q", p.Reason)
			}
			if p.Kind == ProblemUnreadable && p.Column == "first_name" && p.Reason != "failed authentication" {
				t.Errorf("tampered first_name: reason %q", p.Reason)
			}
		}
		// The report names no value and no token.
		js, _ := json.Marshal(rep)
		var tok int64
		f.sql.QueryRowContext(ctx, "SELECT mrn_eq FROM patients WHERE id = 3").Scan(&tok)
		for _, secret := range []string{"Rita", "078-05-1120", "MRN-0003", "Wayland", fmt.Sprint(tok), fmt.Sprint(tok - 1)} {
			if strings.Contains(string(js), secret) {
				t.Errorf("report reveals %q: %s", secret, js)
			}
		}
		// The list is bounded; the count is not.
		rep, err = f.db.Verify(ctx, "patients", &VerifyOptions{MaxProblems: 2})
		if err != nil || len(rep.Problems) != 2 || rep.ProblemCount != 7 {
			t.Fatalf("bounded: %d listed of %d, %v", len(rep.Problems), rep.ProblemCount, err)
		}
		// An index that is building may hold anything: pending, not damage.
		f.verifyExec(t, "UPDATE phicrypt_indexes SET state = 'building' WHERE table_name = 'patients' AND index_name = 'mrn_eq'")
		rep, err = f.db.Verify(ctx, "patients", nil)
		if err != nil || rep.ProblemCount != 6 || rep.PendingReindex != 1 {
			t.Fatalf("building index: %d problems, %d pending, %v", rep.ProblemCount, rep.PendingReindex, err)
		}
	})
}

func TestVerifyIndexKeyRotation(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(24))
		if _, err := f.pats.InsertBatch(ctx, samplePatients); err != nil {
			t.Fatal(err)
		}
		// A rotation started with the keyring: every row still carries
		// tokens under the old key, which the index state allows.
		scope := cipher.DefaultScope("patients", "last_name")
		if _, err := f.db.ring.RotateKey(ctx, scope, cipher.PurposeIndex); err != nil {
			t.Fatal(err)
		}
		if err := f.pats.Update(ctx, int64(1), Row{"last_name": "Núñez"}); err != nil {
			t.Fatal(err)
		}
		rep, err := f.db.Verify(ctx, "patients", nil)
		if err != nil {
			t.Fatal(err)
		}
		// Rows 2-5: last_name_eq and last_name_prefix under the old key.
		if !rep.Clean() || rep.PendingReindex != 8 || rep.TokensOK != 27 {
			t.Fatalf("during rotation: %+v %v", rep.VerifyCounts, verifyProblemKeys(rep))
		}
		if err := f.db.RotateIndexKey(ctx, "patients", "last_name", &ReindexOptions{RotationWait: 1}); err != nil {
			t.Fatal(err)
		}
		rep, err = f.db.Verify(ctx, "patients", nil)
		if err != nil || !rep.Clean() || rep.PendingReindex != 0 || rep.TokensOK != 35 {
			t.Fatalf("after rotation: %+v, %v", rep, err)
		}
		// A new rotation, and a state that claims a completed pass under
		// the new key while every row carries tokens of the previous one:
		// retiring it would lose them.
		newest, err := f.db.ring.RotateKey(ctx, scope, cipher.PurposeIndex)
		if err != nil {
			t.Fatal(err)
		}
		f.verifyExec(t, "UPDATE phicrypt_indexes SET key_id = ? WHERE table_name = 'patients'", int64(newest))
		rep, err = f.db.Verify(ctx, "patients", nil)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, p := range rep.Problems {
			found = found || p.Key == int64(2) && p.Index == "last_name_eq" && p.Kind == ProblemTokenOldKey
		}
		if !found || rep.TokenProblems != 10 {
			t.Fatalf("old-key token after a completed pass: %v", verifyProblemKeys(rep))
		}
	})
}

// TestVerifyWhileWriting runs Verify while the application keeps
// rewriting rows: a row written between the reads of its columns and of
// its side tables is read again, never reported.
func TestVerifyWhileWriting(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(24))
		reencryptRows(t, f, 60)
		stop := make(chan struct{})
		done := make(chan error, 1)
		var writes atomic.Int64
		go func() {
			defer close(done)
			for i := 0; ; i++ {
				writes.Store(int64(i))
				select {
				case <-stop:
					return
				default:
				}
				id := int64(1 + i%65)
				if err := f.pats.Update(ctx, id, Row{"last_name": fmt.Sprintf("Writer%d", i), "notes": fmt.Sprintf("note %d", i), "dob": cipher.Date{Year: 1970, Month: 1, Day: 1 + i%28}}); err != nil {
					done <- err
					return
				}
			}
		}()
		// At least three checks, and as many more as it takes for the
		// writer to have written during them.
		for round := 0; round < 3 || writes.Load() < 20 && round < 200; round++ {
			rep, err := f.db.Verify(ctx, "patients", &VerifyOptions{BatchSize: 8})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Clean() || rep.Rows != 65 {
				t.Errorf("round %d: %+v %v", round, rep.VerifyCounts, verifyProblemKeys(rep))
			}
		}
		close(stop)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if writes.Load() < 20 {
			t.Fatalf("only %d writes during the checks", writes.Load())
		}
		t.Logf("%d writes during the checks", writes.Load())
	})
}

// TestVerifyFTSExtraWords: an SQLite FTS5 document that holds every word
// of its value and more is reported too (a MATCH query would not see it).
func TestVerifyFTSExtraWords(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, testdb.DialectSQLite, patientSchema(24))
	if _, err := f.pats.InsertBatch(ctx, samplePatients); err != nil {
		t.Fatal(err)
	}
	cr := f.db.tables["patients"].cols["last_name"]
	keys, err := cr.keys.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := verifyBloomRepr(f.db.d, cr.pre, keys, "Smith")
	if err != nil || doc == "" {
		t.Fatal(doc, err)
	}
	f.verifyExec(t, "DELETE FROM patients__last_name_prefix WHERE rowid = (SELECT rowid FROM patients WHERE id = 2)")
	f.verifyExec(t, "INSERT INTO patients__last_name_prefix (rowid, toks) VALUES ((SELECT rowid FROM patients WHERE id = 2), ?)", doc+" g2xdeadbeef")
	rep, err := f.db.Verify(ctx, "patients", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := verifyProblemKeys(rep); fmt.Sprint(got) != "[2 last_name last_name_prefix token_mismatch]" {
		t.Fatalf("problems %v", got)
	}
	// The document as written is clean again.
	f.verifyExec(t, "DELETE FROM patients__last_name_prefix WHERE rowid = (SELECT rowid FROM patients WHERE id = 2)")
	f.verifyExec(t, "INSERT INTO patients__last_name_prefix (rowid, toks) VALUES ((SELECT rowid FROM patients WHERE id = 2), ?)", doc)
	if rep, err := f.db.Verify(ctx, "patients", nil); err != nil || !rep.Clean() {
		t.Fatalf("restored: %v %v", verifyProblemKeys(rep), err)
	}
}
