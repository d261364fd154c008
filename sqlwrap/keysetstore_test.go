package sqlwrap

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/keyprovider/local"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// ksForEachDialect runs f once per database engine, each in parallel with
// the others and on its own fresh database.
func ksForEachDialect(t *testing.T, f func(t *testing.T, d testdb.Dialect)) {
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			f(t, d)
		})
	}
}

// ksNewStore returns a store with its table over a fresh database.
func ksNewStore(t *testing.T, d testdb.Dialect) (*KeysetStore, *sql.DB) {
	t.Helper()
	db, _ := testdb.Open(t, d)
	s, err := NewKeysetStore(db, string(d))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, db
}

func ksRecord(scope string, p cipher.Purpose, gen uint64) *cipher.Record {
	ks := make([]byte, 64)
	rand.Read(ks)
	return &cipher.Record{Scope: scope, Purpose: p, KEK: "local:/keys/kek-" + scope, Generation: gen, EncryptedKeyset: ks}
}

func ksMustPut(t *testing.T, s *KeysetStore, rec *cipher.Record, prev uint64) {
	t.Helper()
	if err := s.Put(context.Background(), rec, prev); err != nil {
		t.Fatalf("Put(%s/%s gen %d, prev %d): %v", rec.Scope, rec.Purpose, rec.Generation, prev, err)
	}
}

func ksMustGet(t *testing.T, s *KeysetStore, scope string, p cipher.Purpose) *cipher.Record {
	t.Helper()
	r, err := s.Get(context.Background(), scope, p)
	if err != nil {
		t.Fatalf("Get(%q, %s): %v", scope, p, err)
	}
	return r
}

func ksPh(d testdb.Dialect, i int) string {
	if d == testdb.DialectPostgres {
		return fmt.Sprintf("$%d", i)
	}
	return "?"
}

func TestKeysetStore(t *testing.T) {
	ctx := context.Background()
	ksForEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		t.Run("GetMissing", func(t *testing.T) {
			t.Parallel()
			s, _ := ksNewStore(t, d)
			_, err := s.Get(ctx, "patients.name", cipher.PurposeValue)
			if !errors.Is(err, cipher.ErrKeysetNotFound) {
				t.Fatalf("Get on empty table: %v, want ErrKeysetNotFound", err)
			}
			recs, err := s.List(ctx)
			if err != nil || len(recs) != 0 {
				t.Fatalf("List on empty table: %v, %v", recs, err)
			}
		})

		t.Run("RoundTrip", func(t *testing.T) {
			t.Parallel()
			s, db := ksNewStore(t, d)
			// Scopes that differ only by case, trailing space or accents
			// must stay distinct keys on every engine, whatever its
			// default collation.
			scopes := []string{"patients.name", "Patients.name", "patients.name ", "pacientes.año", "pacientes.ano", strings.Repeat("é", ksMaxScope)}
			want := map[string]*cipher.Record{}
			for _, sc := range scopes {
				for _, p := range []cipher.Purpose{cipher.PurposeValue, cipher.PurposeIndex} {
					r := ksRecord(sc, p, 1)
					ksMustPut(t, s, r, 0)
					want[sc+"/"+p.String()] = r
				}
			}
			for _, sc := range scopes {
				for _, p := range []cipher.Purpose{cipher.PurposeValue, cipher.PurposeIndex} {
					if got := ksMustGet(t, s, sc, p); !reflect.DeepEqual(got, want[sc+"/"+p.String()]) {
						t.Fatalf("Get(%q, %s) = %+v, want %+v", sc, p, got, want[sc+"/"+p.String()])
					}
				}
			}

			next := ksRecord("patients.name", cipher.PurposeValue, 2)
			next.KEK = "local:/keys/other"
			ksMustPut(t, s, next, 1)
			if got := ksMustGet(t, s, "patients.name", cipher.PurposeValue); !reflect.DeepEqual(got, next) {
				t.Fatalf("after update Get = %+v, want %+v", got, next)
			}
			// The columns for humans follow the record.
			var (
				gen     int64
				kek     string
				updated sql.NullString
			)
			q := fmt.Sprintf("SELECT generation, kek, CAST(updated_at AS CHAR(40)) FROM phicrypt_keysets WHERE scope = %s AND purpose = %s", ksPh(d, 1), ksPh(d, 2))
			if d == testdb.DialectPostgres {
				q = strings.Replace(q, "CHAR(40)", "TEXT", 1)
			}
			if err := db.QueryRowContext(ctx, q, "patients.name", 1).Scan(&gen, &kek, &updated); err != nil {
				t.Fatal(err)
			}
			if gen != 2 || kek != "local:/keys/other" || !updated.Valid || updated.String == "" {
				t.Fatalf("row columns: generation %d, kek %q, updated_at %v", gen, kek, updated)
			}
			if got := ksMustGet(t, s, "Patients.name", cipher.PurposeValue); got.Generation != 1 {
				t.Fatalf("update of one scope changed another: %+v", got)
			}

			long := ksRecord(strings.Repeat("x", ksMaxScope+1), cipher.PurposeValue, 1)
			if err := s.Put(ctx, long, 0); err == nil {
				t.Fatal("Put accepted a scope longer than the limit")
			}
		})

		t.Run("InsertTwice", func(t *testing.T) {
			t.Parallel()
			s, _ := ksNewStore(t, d)
			first := ksRecord("visits.notes", cipher.PurposeValue, 1)
			ksMustPut(t, s, first, 0)
			err := s.Put(ctx, ksRecord("visits.notes", cipher.PurposeValue, 1), 0)
			if !errors.Is(err, cipher.ErrConflict) {
				t.Fatalf("second insert: %v, want ErrConflict", err)
			}
			if got := ksMustGet(t, s, "visits.notes", cipher.PurposeValue); !reflect.DeepEqual(got, first) {
				t.Fatal("a refused insert changed the stored record")
			}
		})

		t.Run("StalePrev", func(t *testing.T) {
			t.Parallel()
			s, _ := ksNewStore(t, d)
			ksMustPut(t, s, ksRecord("labs.result", cipher.PurposeValue, 1), 0)
			cur := ksRecord("labs.result", cipher.PurposeValue, 2)
			ksMustPut(t, s, cur, 1)
			for _, prev := range []uint64{1, 3, 7} {
				err := s.Put(ctx, ksRecord("labs.result", cipher.PurposeValue, prev+1), prev)
				if !errors.Is(err, cipher.ErrConflict) {
					t.Fatalf("Put with prev %d over generation 2: %v, want ErrConflict", prev, err)
				}
			}
			if err := s.Put(ctx, ksRecord("labs.missing", cipher.PurposeValue, 2), 1); !errors.Is(err, cipher.ErrConflict) {
				t.Fatalf("update of a missing row: %v, want ErrConflict", err)
			}
			if err := s.Put(ctx, ksRecord("labs.result", cipher.PurposeValue, 2), 2); err == nil || errors.Is(err, cipher.ErrConflict) {
				t.Fatalf("Put with generation == prev: %v, want a usage error", err)
			}
			if got := ksMustGet(t, s, "labs.result", cipher.PurposeValue); !reflect.DeepEqual(got, cur) {
				t.Fatal("a refused update changed the stored record")
			}
		})

		t.Run("ConcurrentPut", func(t *testing.T) {
			t.Parallel()
			s, _ := ksNewStore(t, d)
			const writers = 8
			race := func(prev uint64) {
				t.Helper()
				recs := make([]*cipher.Record, writers)
				errs := make([]error, writers)
				for i := range recs {
					recs[i] = ksRecord("patients.ssn", cipher.PurposeIndex, prev+1)
				}
				start := make(chan struct{})
				var wg sync.WaitGroup
				for i := range writers {
					wg.Go(func() {
						<-start
						errs[i] = s.Put(ctx, recs[i], prev)
					})
				}
				close(start)
				wg.Wait()
				winner := -1
				for i, err := range errs {
					switch {
					case err == nil && winner >= 0:
						t.Fatalf("prev %d: writers %d and %d both won", prev, winner, i)
					case err == nil:
						winner = i
					case !errors.Is(err, cipher.ErrConflict):
						t.Fatalf("prev %d: writer %d: %v, want ErrConflict", prev, i, err)
					}
				}
				if winner < 0 {
					t.Fatalf("prev %d: no writer won", prev)
				}
				if got := ksMustGet(t, s, "patients.ssn", cipher.PurposeIndex); !reflect.DeepEqual(got, recs[winner]) {
					t.Fatalf("prev %d: stored record is not the winner's", prev)
				}
			}
			race(0) // racing inserts
			race(1) // racing updates
			race(2)
		})

		t.Run("ListSorted", func(t *testing.T) {
			t.Parallel()
			s, _ := ksNewStore(t, d)
			var want []*cipher.Record
			for _, sc := range []string{"A.b", "a.b", "a.b ", "b.a", "b.ab", "z.z", "é.x"} {
				want = append(want, ksRecord(sc, cipher.PurposeValue, 1), ksRecord(sc, cipher.PurposeIndex, 1))
			}
			order := []int{13, 2, 7, 0, 11, 5, 9, 1, 12, 4, 8, 3, 10, 6}
			for _, i := range order {
				ksMustPut(t, s, want[i], 0)
			}
			got, err := s.List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				var names []string
				for _, r := range got {
					names = append(names, fmt.Sprintf("%q/%s", r.Scope, r.Purpose))
				}
				t.Fatalf("List order: %v", names)
			}
		})

		t.Run("EnsureTable", func(t *testing.T) {
			t.Parallel()
			db, _ := testdb.Open(t, d)
			s, err := NewKeysetStore(db, string(d))
			if err != nil {
				t.Fatal(err)
			}
			// Several processes starting at once each create the table;
			// distinct connections stand in for them.
			db.SetMaxOpenConns(8)
			var wg sync.WaitGroup
			errs := make([]error, 8)
			start := make(chan struct{})
			for i := range errs {
				wg.Go(func() {
					<-start
					errs[i] = s.EnsureTable(ctx)
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("concurrent EnsureTable %d: %v", i, err)
				}
			}
			rec := ksRecord("patients.dob", cipher.PurposeValue, 1)
			ksMustPut(t, s, rec, 0)
			for range 2 {
				if err := s.EnsureTable(ctx); err != nil {
					t.Fatalf("EnsureTable on an existing table: %v", err)
				}
			}
			if got := ksMustGet(t, s, "patients.dob", cipher.PurposeValue); !reflect.DeepEqual(got, rec) {
				t.Fatal("EnsureTable changed an existing record")
			}
		})

		t.Run("BadRecord", func(t *testing.T) {
			t.Parallel()
			other := ksRecord("other.scope", cipher.PurposeValue, 1)
			otherBytes, _ := other.MarshalBinary()
			idxBytes, _ := ksRecord("patients.mrn", cipher.PurposeIndex, 1).MarshalBinary()
			corruptions := []struct {
				name, set string
				arg       any
			}{
				{"garbage", "record", []byte("not a keyset record")},
				{"empty", "record", []byte{}},
				{"truncated", "record", nil}, // filled in below
				{"other scope", "record", otherBytes},
				{"other purpose", "record", idxBytes},
				{"generation column", "generation", int64(5)},
			}
			for _, c := range corruptions {
				t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
					s, db := ksNewStore(t, d)
					rec := ksRecord("patients.mrn", cipher.PurposeValue, 1)
					ksMustPut(t, s, rec, 0)
					arg := c.arg
					if c.name == "truncated" {
						b, _ := rec.MarshalBinary()
						arg = b[:len(b)-1]
					}
					q := fmt.Sprintf("UPDATE phicrypt_keysets SET %s = %s WHERE scope = %s", c.set, ksPh(d, 1), ksPh(d, 2))
					if _, err := db.ExecContext(ctx, q, arg, "patients.mrn"); err != nil {
						t.Fatal(err)
					}
					_, err := s.Get(ctx, "patients.mrn", cipher.PurposeValue)
					if !errors.Is(err, cipher.ErrBadRecord) || !strings.Contains(err.Error(), "patients.mrn") {
						t.Fatalf("Get: %v, want ErrBadRecord naming the scope", err)
					}
					_, err = s.List(ctx)
					if !errors.Is(err, cipher.ErrBadRecord) || !strings.Contains(err.Error(), "patients.mrn") {
						t.Fatalf("List: %v, want ErrBadRecord naming the scope", err)
					}
				})
			}
		})
	})
}

func TestNewKeysetStoreDialect(t *testing.T) {
	db := testdb.SQLite(t)
	if _, err := NewKeysetStore(db, "oracle"); err == nil {
		t.Fatal("NewKeysetStore accepted an unknown dialect")
	}
	if _, err := NewKeysetStore(nil, "sqlite"); err == nil {
		t.Fatal("NewKeysetStore accepted a nil database")
	}
}

// ksNewKEK creates a local key file in a test directory.
func ksNewKEK(t *testing.T, name string) *local.KEK {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := local.Create(path); err != nil {
		t.Fatal(err)
	}
	k, err := local.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// ksKeyring opens its own connection pool on dsn, as a separate process
// would, and returns a keyring over a KeysetStore there.
func ksKeyring(t *testing.T, d testdb.Dialect, dsn string, kek keyprovider.KEK, previous ...keyprovider.KEK) *cipher.Keyring {
	t.Helper()
	s, err := NewKeysetStore(ksDB(t, d, dsn), string(d))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	r, err := cipher.NewKeyring(cipher.Config{KEK: kek, PreviousKEKs: previous, Store: s})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func ksColumn(t *testing.T, r *cipher.Keyring) *cipher.Column {
	t.Helper()
	c, err := r.Column("patients", "name")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ksOpen(t *testing.T, c *cipher.Column, ct []byte, row string, want string) {
	t.Helper()
	v, err := c.Open(context.Background(), ct, []byte(row))
	if err != nil {
		t.Fatalf("Open row %s: %v", row, err)
	}
	if v != want {
		t.Fatalf("Open row %s = %v, want %q", row, v, want)
	}
}

func ksIndexToken(t *testing.T, r *cipher.Keyring) []byte {
	t.Helper()
	ik, err := r.IndexKeys(context.Background(), "patients.name")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := ik.Sum(ik.Primary(), nil, []byte("smith"))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestKeysetStoreKeyring runs cipher.Keyring over KeysetStore the way
// several application processes share one database.
func TestKeysetStoreKeyring(t *testing.T) {
	ctx := context.Background()
	ksForEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		_, dsn := testdb.Open(t, d)
		kek1 := ksNewKEK(t, "kek1.json")
		a := ksKeyring(t, d, dsn, kek1)
		b := ksKeyring(t, d, dsn, kek1)
		ca, cb := ksColumn(t, a), ksColumn(t, b)

		// Both keyrings find no keyset and create one at once; the loser
		// of the insert must adopt the winner's keyset, or the values it
		// sealed would be unreadable to everyone else.
		const perRing = 4
		type sealed struct {
			ct  []byte
			row string
		}
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			cts   []sealed
			errs  []error
			start = make(chan struct{})
		)
		for i := range 2 * perRing {
			c := ca
			if i%2 == 1 {
				c = cb
			}
			wg.Go(func() {
				<-start
				row := fmt.Sprint(i)
				r := ksRingOf(i, a, b)
				_, err := r.CreateKeyset(ctx, "patients.name", cipher.PurposeValue)
				_, ierr := r.CreateKeyset(ctx, "patients.name", cipher.PurposeIndex)
				var ct []byte
				if err == nil {
					ct, err = c.Seal(ctx, "Ada Lovelace", []byte(row))
				}
				if ierr == nil {
					_, ierr = r.IndexKeys(ctx, "patients.name")
				}
				mu.Lock()
				defer mu.Unlock()
				cts = append(cts, sealed{ct, row})
				errs = append(errs, err, ierr)
			})
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("racing first use: %v", err)
			}
		}
		for _, s := range cts {
			ksOpen(t, ca, s.ct, s.row, "Ada Lovelace")
			ksOpen(t, cb, s.ct, s.row, "Ada Lovelace")
		}
		if ta, tb := ksIndexToken(t, a), ksIndexToken(t, b); !bytes.Equal(ta, tb) {
			t.Fatal("the two keyrings derive different index tokens")
		}
		store, err := NewKeysetStore(ksDB(t, d, dsn), string(d))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := store.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 2 || recs[0].Generation != 1 || recs[1].Generation != 1 {
			t.Fatalf("after racing creation the store holds %+v, want one value and one index keyset at generation 1", recs)
		}

		// Rotation by one process: the other opens new values (it reloads
		// on the unknown key id) and everyone keeps opening old ones.
		old, err := ca.Seal(ctx, "Grace Hopper", []byte("old"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.RotateKey(ctx, "patients.name", cipher.PurposeValue); err != nil {
			t.Fatal(err)
		}
		fresh, err := ca.Seal(ctx, "Katherine Johnson", []byte("new"))
		if err != nil {
			t.Fatal(err)
		}
		ksOpen(t, cb, fresh, "new", "Katherine Johnson")
		ksOpen(t, cb, old, "old", "Grace Hopper")
		ksOpen(t, ca, old, "old", "Grace Hopper")
		if rec := ksMustGet(t, store, "patients.name", cipher.PurposeValue); rec.Generation != 2 {
			t.Fatalf("after RotateKey the value keyset is at generation %d, want 2", rec.Generation)
		}
		// A rotation from a keyring holding an old generation must not
		// overwrite the newer one.
		if recs[0].Purpose != cipher.PurposeValue {
			t.Fatalf("List put %s first, want value keysets before index keysets", recs[0].Purpose)
		}
		if err := store.Put(ctx, ksRecordFrom(recs[0], 2), 1); !errors.Is(err, cipher.ErrConflict) {
			t.Fatalf("stale write after RotateKey: %v, want ErrConflict", err)
		}

		// Rewrap to a second KEK: every record moves, values stay as they
		// are, and a keyring given only the new KEK reads everything.
		kek2 := ksNewKEK(t, "kek2.json")
		n, err := a.Rewrap(ctx, kek2)
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Fatalf("Rewrap moved %d records, want 2", n)
		}
		recs, err = store.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.KEK != kek2.URI() {
				t.Fatalf("after Rewrap %s/%s is wrapped by %s, want %s", r.Scope, r.Purpose, r.KEK, kek2.URI())
			}
		}
		c := ksKeyring(t, d, dsn, kek2)
		cc := ksColumn(t, c)
		for _, s := range cts {
			ksOpen(t, cc, s.ct, s.row, "Ada Lovelace")
		}
		ksOpen(t, cc, old, "old", "Grace Hopper")
		ksOpen(t, cc, fresh, "new", "Katherine Johnson")
		if !bytes.Equal(ksIndexToken(t, c), ksIndexToken(t, a)) {
			t.Fatal("Rewrap changed the index keys")
		}
		// A process still configured with only the old KEK can no longer
		// unwrap, and says so rather than creating a new keyset.
		b.Invalidate()
		if _, err := cb.Open(ctx, old, []byte("old")); !errors.Is(err, cipher.ErrWrongKEK) {
			t.Fatalf("old-KEK keyring after Rewrap: %v, want ErrWrongKEK", err)
		}
	})
}

// ksFlakyKEK is a KEK whose Wrap can be made to fail as in a KMS outage.
type ksFlakyKEK struct {
	*local.KEK
	down atomic.Bool
}

func (k *ksFlakyKEK) Wrap(ctx context.Context, pt, ad []byte) ([]byte, error) {
	if k.down.Load() {
		return nil, &keyprovider.Error{Provider: "local", KeyID: k.URI(), Op: "wrap", Kind: keyprovider.ErrUnavailable}
	}
	return k.KEK.Wrap(ctx, pt, ad)
}

// TestKeysetStoreKEKOutage checks that a KEK failing halfway through
// creating or rotating a keyset leaves the table as it was.
func TestKeysetStoreKEKOutage(t *testing.T) {
	ctx := context.Background()
	ksForEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		_, dsn := testdb.Open(t, d)
		kek := &ksFlakyKEK{KEK: ksNewKEK(t, "kek.json")}
		r := ksKeyring(t, d, dsn, kek)
		store, err := NewKeysetStore(ksDB(t, d, dsn), string(d))
		if err != nil {
			t.Fatal(err)
		}
		c := ksColumn(t, r)

		kek.down.Store(true)
		if _, err := r.CreateKeyset(ctx, "patients.name", cipher.PurposeValue); !errors.Is(err, cipher.ErrKMSUnavailable) {
			t.Fatalf("CreateKeyset with the KEK down: %v, want ErrKMSUnavailable", err)
		}
		if recs, err := store.List(ctx); err != nil || len(recs) != 0 {
			t.Fatalf("after a failed create the table holds %v (%v), want nothing", recs, err)
		}

		kek.down.Store(false)
		if _, err := r.CreateKeyset(ctx, "patients.name", cipher.PurposeValue); err != nil {
			t.Fatal(err)
		}
		ct, err := c.Seal(ctx, "x", []byte("r"))
		if err != nil {
			t.Fatal(err)
		}
		before := ksMustGet(t, store, "patients.name", cipher.PurposeValue)
		kek.down.Store(true)
		if _, err := r.RotateKey(ctx, "patients.name", cipher.PurposeValue); !errors.Is(err, cipher.ErrKMSUnavailable) {
			t.Fatalf("RotateKey with the KEK down: %v, want ErrKMSUnavailable", err)
		}
		if after := ksMustGet(t, store, "patients.name", cipher.PurposeValue); !reflect.DeepEqual(after, before) {
			t.Fatal("a failed rotation changed the stored record")
		}
		kek.down.Store(false)
		r.Invalidate()
		ksOpen(t, c, ct, "r", "x")
	})
}

func ksRingOf(i int, a, b *cipher.Keyring) *cipher.Keyring {
	if i%2 == 1 {
		return b
	}
	return a
}

func ksRecordFrom(r *cipher.Record, gen uint64) *cipher.Record {
	c := *r
	c.Generation = gen
	return &c
}

// ksDB opens a connection pool of its own on dsn.
func ksDB(t *testing.T, d testdb.Dialect, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(d.Driver(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
