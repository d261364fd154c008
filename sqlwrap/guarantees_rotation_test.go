package sqlwrap

// Guarantees of index-key rotation (issue 8, item 12):
//
//   - DB.RotateIndexKey carries a rotation of an index keyset to its end:
//     rotate, wait until every process writes under the new key, rewrite
//     every row's tokens of every index of the keyset under it, retire the
//     old keys. Another process that keeps writing meanwhile loses no row
//     from any search (Eq, compound, Prefix, Contains), in either process.
//   - An old index key cannot be retired through the wrapper while some
//     index of its keyset has not rewritten every row under the primary:
//     DB.RetireIndexKeys refuses with ErrBackfillIncomplete and retires
//     nothing (the raw Keyring.RetireKey, which does not know the rows,
//     would silently drop rows from searches).
//   - An interrupted RotateIndexKey, called again (in another process),
//     finishes the same rotation from where it stopped: no second rotation.
//   - After retirement, Keyring.DestroyKey of the old key loses no row.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/keyprovider/local"
)

// --- item 12: index-key rotation lifecycle through the wrapper ---

// rotationCheck is the check interval of the keyrings in these tests: a
// rotation reaches every keyring within it.
const rotationCheck = 100 * time.Millisecond

// process is one application process over the shared database: its own
// keyring (own caches) and DB handle.
type process struct {
	ring *cipher.Keyring
	db   *DB
	pats *TableAccess
}

// processes opens n processes over one database with patientSchema; the
// first runs EnsureSchema.
func processes(t *testing.T, d testdb.Dialect, n int) (*sql.DB, []*process) {
	t.Helper()
	sqldb, _ := testdb.Open(t, d)
	p := filepath.Join(t.TempDir(), "kek.json")
	if err := local.Create(p); err != nil {
		t.Fatal(err)
	}
	kek, err := local.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	var out []*process
	for i := 0; i < n; i++ {
		out = append(out, openProcess(t, d, sqldb, kek))
		if i == 0 {
			if err := out[0].db.EnsureSchema(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	return sqldb, out
}

func openProcess(t *testing.T, d testdb.Dialect, sqldb *sql.DB, kek *local.KEK) *process {
	t.Helper()
	store, err := NewKeysetStore(sqldb, string(d))
	if err != nil {
		t.Fatal(err)
	}
	ring, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store, CheckInterval: rotationCheck})
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(sqldb, string(d), patientSchema(24), ring)
	if err != nil {
		t.Fatal(err)
	}
	pats, err := db.Table("patients")
	if err != nil {
		t.Fatal(err)
	}
	return &process{ring: ring, db: db, pats: pats}
}

var (
	rotNames = []string{"Garcia", "Smithers", "Jones", "Johnson", "Brown", "Browning", "Smith"}
	rotNotes = []string{"penicillin allergy", "no known allergies", "asthma", ""}
)

func rotRow(i int64) Row {
	return Row{"id": i, "mrn": fmt.Sprintf("MRN-%05d", i), "last_name": rotNames[i%7], "first_name": "X",
		"dob": cipher.Date{Year: 1950 + int(i%3), Month: 1, Day: 1}, "notes": rotNotes[i%4]}
}

func insertRot(t *testing.T, p *process, from, to int64) {
	t.Helper()
	var rows []Row
	for i := from; i <= to; i++ {
		rows = append(rows, rotRow(i))
	}
	if _, err := p.pats.InsertBatch(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
}

// rotQueries are one query through each index of the rotated keysets (and
// one of a keyset left alone), with which rows rotRow makes match.
var rotQueries = []struct {
	name  string
	q     Query
	match func(i int64) bool
}{
	{"Eq last_name", Query{Where: []Pred{Eq("last_name", "SMITH")}}, func(i int64) bool { return i%7 == 6 }},
	{"Prefix last_name", Query{Where: []Pred{Prefix("last_name", "smi")}}, func(i int64) bool { return i%7 == 1 || i%7 == 6 }},
	{"Prefix last_name brow", Query{Where: []Pred{Prefix("last_name", "brow")}}, func(i int64) bool { return i%7 == 4 || i%7 == 5 }},
	{"Contains notes", Query{Where: []Pred{Contains("notes", "ALLERG")}}, func(i int64) bool { return i%4 <= 1 }},
	{"compound name_dob", Query{Where: []Pred{Eq("last_name", "jones"), Eq("dob", cipher.Date{Year: 1951, Month: 1, Day: 1})}}, func(i int64) bool { return i%7 == 2 && i%3 == 1 }},
	{"Eq mrn", Query{Where: []Pred{Eq("mrn", "MRN-00003")}}, func(i int64) bool { return i == 3 }},
}

// checkRot asserts that every query returns exactly the rows of written
// that match.
func checkRot(t *testing.T, who string, p *process, written []int64) {
	t.Helper()
	if missing := missingRot(t, p, written); missing != "" {
		t.Error(who + ": " + missing)
	}
}

// missingRot describes the queries whose answers differ from the rows of
// written that match ("" if none).
func missingRot(t *testing.T, p *process, written []int64) string {
	t.Helper()
	var out []string
	for _, c := range rotQueries {
		var want []int64
		for _, i := range written {
			if c.match(i) {
				want = append(want, i)
			}
		}
		sort.Slice(want, func(a, b int) bool { return want[a] < want[b] })
		rows, err := p.pats.Find(context.Background(), c.q)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := ids(rows); fmt.Sprint(got) != fmt.Sprint(want) {
			out = append(out, fmt.Sprintf("%s: %d rows, want %d", c.name, len(got), len(want)))
		}
	}
	return strings.Join(out, "; ")
}

func span(from, to int64) []int64 {
	var out []int64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// keyStates returns the primary key id of the index keyset of scope and
// the status of each other key.
func keyStates(t *testing.T, ring *cipher.Keyring, scope string) (primary uint32, others map[uint32]cipher.KeyStatus) {
	t.Helper()
	keys, err := ring.Keys(context.Background(), scope, cipher.PurposeIndex)
	if err != nil {
		t.Fatal(err)
	}
	others = map[uint32]cipher.KeyStatus{}
	for _, k := range keys {
		if k.Status == cipher.KeyPrimary {
			primary = k.ID
		} else {
			others[k.ID] = k.Status
		}
	}
	return primary, others
}

// rotatedScopes are the keysets TestIssue8_12_RotateIndexKeyBesideWrites
// rotates, by the name RotateIndexKey takes: a column's (its equality and
// prefix indexes), a column's substring index, a compound index.
var rotatedScopes = map[string]string{
	"last_name": cipher.DefaultScope("patients", "last_name"),
	"notes":     cipher.DefaultScope("patients", "notes"),
	"name_dob":  cipher.DefaultScope("patients", "name_dob"),
}

func TestIssue8_12_RotateIndexKeyBesideWrites(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		_, ps := processes(t, d, 2)
		a, b := ps[0], ps[1]
		const n = 40
		insertRot(t, a, 1, n)
		before := map[string]uint32{}
		for name, scope := range rotatedScopes {
			before[name], _ = keyStates(t, a.ring, scope)
		}

		// B inserts, one row at a time, all through the rotations (at a
		// pace the rewrite, which walks the table in key order, overtakes).
		var mu sync.Mutex
		written := span(1, n)
		stop := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			for i := int64(1000); ; i++ {
				select {
				case <-stop:
					done <- nil
					return
				default:
				}
				if _, err := b.pats.Insert(ctx, rotRow(i)); err != nil {
					done <- fmt.Errorf("B inserts %d: %w", i, err)
					return
				}
				mu.Lock()
				written = append(written, i)
				mu.Unlock()
				time.Sleep(2 * time.Millisecond)
			}
		}()
		for _, name := range []string{"last_name", "notes", "name_dob"} {
			if err := a.db.RotateIndexKey(ctx, "patients", name, &ReindexOptions{BatchSize: 7}); err != nil {
				close(stop)
				<-done
				t.Fatalf("RotateIndexKey %s: %v", name, err)
			}
		}
		close(stop)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if len(written) < n+5 {
			t.Logf("B wrote only %d rows during the rotations", len(written)-n)
		}
		for name, scope := range rotatedScopes {
			primary, others := keyStates(t, a.ring, scope)
			if primary == before[name] || len(others) != 1 || others[before[name]] != cipher.KeyRetired {
				t.Errorf("%s: primary %d (was %d), others %v; want a new primary and the old key retired", name, primary, before[name], others)
			}
		}
		// Both processes find every row, A at once, B within its check
		// interval of the retirement (before it, it also asks the old
		// key's tokens: more candidates, the same answers).
		checkRot(t, "A", a, written)
		checkRot(t, "B", b, written)
		time.Sleep(2 * rotationCheck)
		checkRot(t, "B after its check interval", b, written)
	})
}

func TestIssue8_12_RetireRefusedBeforeBackfill(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		_, ps := processes(t, d, 1)
		a := ps[0]
		const n = 30
		insertRot(t, a, 1, n)
		scope := rotatedScopes["last_name"]
		old, _ := keyStates(t, a.ring, scope)
		// A rotation through the keyring alone: rows keep their tokens
		// under the old key; new rows get tokens under the new one.
		if _, err := a.ring.RotateKey(ctx, scope, cipher.PurposeIndex); err != nil {
			t.Fatal(err)
		}
		insertRot(t, a, n+1, n+10)
		written := span(1, n+10)
		err := a.db.RetireIndexKeys(ctx, "patients", "last_name")
		if !errors.Is(err, ErrBackfillIncomplete) || !strings.Contains(err.Error(), "last_name_eq") || !strings.Contains(err.Error(), "RotateIndexKey") {
			t.Fatalf("RetireIndexKeys before the backfill: %v, want ErrBackfillIncomplete naming the index and RotateIndexKey", err)
		}
		if _, others := keyStates(t, a.ring, scope); others[old] != cipher.KeyEnabled {
			t.Fatalf("refused retirement left the old key %s", others[old])
		}
		checkRot(t, "after the refused retirement", a, written)
		// A plain Reindex rewrites the rows but records no rotation pass: a
		// writer that had not seen the rotation could have written behind it.
		if err := a.db.Reindex(ctx, "patients", "last_name_eq", nil); err != nil {
			t.Fatal(err)
		}
		if err := a.db.RetireIndexKeys(ctx, "patients", "last_name"); !errors.Is(err, ErrBackfillIncomplete) {
			t.Fatalf("RetireIndexKeys after a Reindex: %v", err)
		}

		// The hazard the refusal prevents: the keyring's RetireKey, which
		// knows nothing of the rows, makes searches miss the rows whose
		// tokens are all under the old key.
		if err := a.ring.RetireKey(ctx, scope, cipher.PurposeIndex, old); err != nil {
			t.Fatal(err)
		}
		if missing := missingRot(t, a, written); !strings.Contains(missing, "Prefix last_name") {
			t.Fatalf("retiring the old key without the backfill lost no prefix match (%q): the test shows nothing", missing)
		}
		// RotateIndexKey repairs it: the tokens are computed again from
		// the values.
		if err := a.db.RotateIndexKey(ctx, "patients", "last_name", nil); err != nil {
			t.Fatal(err)
		}
		checkRot(t, "after RotateIndexKey", a, written)

		// Unknown names and building indexes are refused.
		if err := a.db.RotateIndexKey(ctx, "patients", "nope", nil); !errors.Is(err, ErrUnknownIndex) {
			t.Errorf("unknown name: %v", err)
		}
		if err := a.db.RetireIndexKeys(ctx, "nope", "last_name"); !errors.Is(err, ErrUnknownTable) {
			t.Errorf("unknown table: %v", err)
		}
		if err := (&DB{}).RotateIndexKey(ctx, "patients", "last_name", nil); !errors.Is(err, ErrUnbound) {
			t.Errorf("zero DB: %v", err)
		}
		f := &fixture{d: d, sql: a.db.SQL(), kek: &flakyKEK{KEK: a.ring.KEK()}}
		grown := f.reopen(t, grownSchema())
		if err := grown.EnsureSchema(ctx); err != nil {
			t.Fatal(err)
		}
		if err := grown.RotateIndexKey(ctx, "patients", "first_name", nil); !errors.Is(err, ErrIndexNotReady) || !strings.Contains(err.Error(), "Reindex") {
			t.Errorf("rotation over a building index: %v, want ErrIndexNotReady", err)
		}
	})
}

func TestIssue8_12_RotateIndexKeyResumes(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		sqldb, ps := processes(t, d, 1)
		a := ps[0]
		const n, batch = 23, 5
		insertRot(t, a, 1, n)
		scope := rotatedScopes["last_name"]
		old, _ := keyStates(t, a.ring, scope)
		cctx, cancel := context.WithCancel(ctx)
		err := a.db.RotateIndexKey(cctx, "patients", "last_name", &ReindexOptions{BatchSize: batch, Progress: func(int64) { cancel() }})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted RotateIndexKey: %v", err)
		}
		primary, others := keyStates(t, a.ring, scope)
		if primary == old || others[old] != cipher.KeyEnabled || len(others) != 1 {
			t.Fatalf("after the interruption: primary %d, others %v", primary, others)
		}
		var progress sql.NullString
		var pass sql.NullInt64
		if err := sqldb.QueryRow("SELECT progress_key, pass_key_id FROM phicrypt_indexes WHERE table_name = 'patients' AND index_name = 'last_name_eq'").Scan(&progress, &pass); err != nil {
			t.Fatal(err)
		}
		if progress.String != fmt.Sprint(batch) || pass.Int64 != int64(primary) {
			t.Fatalf("recorded pass: progress %v under key %v, want %d under %d", progress, pass, batch, primary)
		}
		if err := a.db.RetireIndexKeys(ctx, "patients", "last_name"); !errors.Is(err, ErrBackfillIncomplete) {
			t.Fatalf("retire after an interrupted rewrite: %v", err)
		}
		insertRot(t, a, n+1, n+3)
		written := span(1, n+3)
		checkRot(t, "part-rewritten", a, written)

		// Another process finishes it: the same rotation, from the first
		// batch on for the index it was rewriting.
		b := openProcess(t, d, sqldb, a.ring.KEK().(*local.KEK))
		var total, last int64
		err = b.db.RotateIndexKey(ctx, "patients", "last_name", &ReindexOptions{BatchSize: batch, Progress: func(rows int64) {
			if rows < last {
				total += last
			}
			last = rows
		}})
		if err != nil {
			t.Fatal(err)
		}
		total += last
		if want := int64(n+3-batch) + (n + 3); total != want {
			t.Errorf("resumed rotation rewrote %d rows, want %d (the rest of last_name_eq, all of last_name_prefix)", total, want)
		}
		if p, others := keyStates(t, b.ring, scope); p != primary || len(others) != 1 || others[old] != cipher.KeyRetired {
			t.Fatalf("after the resumed rotation: primary %d (want %d, no second rotation), others %v", p, primary, others)
		}
		checkRot(t, "B after the resumed rotation", b, written)
		checkRot(t, "A after the resumed rotation", a, written)
	})
}

func TestIssue8_12_DestroyAfterRetirement(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		_, ps := processes(t, d, 2)
		a, b := ps[0], ps[1]
		const n = 20
		insertRot(t, a, 1, n)
		written := span(1, n)
		checkRot(t, "B before", b, written) // B caches the keys
		olds := map[string]uint32{}
		for name, scope := range rotatedScopes {
			olds[name], _ = keyStates(t, a.ring, scope)
			if err := a.ring.DestroyKey(ctx, scope, cipher.PurposeIndex, olds[name]); err == nil {
				t.Fatalf("%s: destroyed a key in use", name)
			}
			if err := a.db.RotateIndexKey(ctx, "patients", name, nil); err != nil {
				t.Fatal(err)
			}
			if err := a.ring.DestroyKey(ctx, scope, cipher.PurposeIndex, olds[name]); err != nil {
				t.Fatalf("%s: destroy the retired key: %v", name, err)
			}
			if _, others := keyStates(t, a.ring, scope); len(others) != 0 {
				t.Fatalf("%s: keys left beside the primary: %v", name, others)
			}
		}
		insertRot(t, b, n+1, n+5)
		written = span(1, n+5)
		checkRot(t, "A after destroying the old keys", a, written)
		time.Sleep(2 * rotationCheck)
		checkRot(t, "B after destroying the old keys", b, written)
		// Nothing is left to retire.
		if err := a.db.RetireIndexKeys(ctx, "patients", "last_name"); err != nil {
			t.Fatal(err)
		}
	})
}

// TestIssue8_12_StateTableUpgraded runs a rotation on a state table created
// before it had key columns: EnsureSchema (or the rotation itself) adds
// them.
func TestIssue8_12_StateTableUpgraded(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		sqldb, ps := processes(t, d, 1)
		a := ps[0]
		insertRot(t, a, 1, 10)
		for _, c := range []string{"key_id", "pass_key_id"} {
			if _, err := sqldb.ExecContext(ctx, "ALTER TABLE phicrypt_indexes DROP COLUMN "+c); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.db.RotateIndexKey(ctx, "patients", "name_dob", &ReindexOptions{BatchSize: 3}); err != nil {
			t.Fatal(err)
		}
		checkRot(t, "after the rotation", a, span(1, 10))
		if _, err := sqldb.ExecContext(ctx, "ALTER TABLE phicrypt_indexes DROP COLUMN key_id"); err != nil {
			t.Fatal(err)
		}
		if err := a.db.EnsureSchema(ctx); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := sqldb.QueryRowContext(ctx, "SELECT COUNT(*) FROM phicrypt_indexes WHERE key_id IS NULL").Scan(&n); err != nil || n == 0 {
			t.Fatalf("key_id after EnsureSchema: %d NULL, %v", n, err)
		}
	})
}
