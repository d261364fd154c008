package sqlwrap

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

	"github.com/phicrypt/phicrypt/blindindex"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/keyprovider/local"
)

// patientSchema is the schema of the shared suite: every index kind.
func patientSchema(eqBits int) *Schema {
	return &Schema{Source: "suite_test.go", Tables: []*Table{{
		Name: "patients", Key: "id", RowBinding: "id",
		Plain: []*PlainColumn{{Name: "city", Type: "text", Nullable: true}, {Name: "age", Type: "integer", Nullable: true}},
		Columns: []*Column{
			{Name: "ssn", Type: TypeString, Nullable: true, MaxLength: 16, Equality: []*EqualityIndex{{Name: "ssn_eq", Transforms: "digits", Bits: eqBits}, {Name: "ssn_last4", Transforms: "digits,last:4", Bits: 8}}},
			{Name: "mrn", Type: TypeString, Equality: []*EqualityIndex{{Name: "mrn_eq", Transforms: "trim", Bits: eqBits}}},
			{Name: "last_name", Type: TypeString, Padding: 16,
				Equality: []*EqualityIndex{{Name: "last_name_eq", Transforms: "nfkc,casefold,trim,nodiacritics", Bits: eqBits}},
				Bloom:    []*BloomIndex{{Name: "last_name_prefix", Kind: blindindex.Prefix, Transforms: "nfkc,casefold,nodiacritics,letters", MinGram: 2, MaxGram: 4, M: 65536, K: 2}}},
			{Name: "first_name", Type: TypeString},
			{Name: "dob", Type: TypeDate},
			{Name: "notes", Type: TypeString, Nullable: true,
				Bloom: []*BloomIndex{{Name: "notes_sub", Kind: blindindex.Substring, Transforms: "casefold", MinGram: 3, MaxGram: 3, MaxGrams: 256, M: 65536, K: 2, RevealsEquality: true}}},
		},
		Compound: []*CompoundIndex{{Name: "name_dob", Bits: eqBits, Parts: []CompoundPart{
			{Column: "last_name", Transforms: "nfkc,casefold,trim,nodiacritics"}, {Column: "dob"}}}},
	}}}
}

type fixture struct {
	d    testdb.Dialect
	sql  *sql.DB
	db   *DB
	kek  *flakyKEK
	pats *TableAccess
}

// flakyKEK is a local KEK whose service can be switched off, to test
// outages in the middle of work.
type flakyKEK struct {
	keyprovider.KEK
	down bool
}

func (k *flakyKEK) Wrap(ctx context.Context, pt, ad []byte) ([]byte, error) {
	if k.down {
		return nil, &keyprovider.Error{Provider: "test", KeyID: "k", Op: "wrap", Kind: keyprovider.ErrUnavailable}
	}
	return k.KEK.Wrap(ctx, pt, ad)
}

func (k *flakyKEK) Unwrap(ctx context.Context, w, ad []byte) ([]byte, error) {
	if k.down {
		return nil, &keyprovider.Error{Provider: "test", KeyID: "k", Op: "unwrap", Kind: keyprovider.ErrUnavailable}
	}
	return k.KEK.Unwrap(ctx, w, ad)
}

func newFixture(t testing.TB, d testdb.Dialect, schema *Schema) *fixture {
	t.Helper()
	sqldb, _ := testdb.Open(t, d)
	return fixtureOn(t, d, sqldb, schema)
}

func fixtureOn(t testing.TB, d testdb.Dialect, sqldb *sql.DB, schema *Schema) *fixture {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kek.json")
	if err := local.Create(p); err != nil {
		t.Fatal(err)
	}
	lk, err := local.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	kek := &flakyKEK{KEK: lk}
	store, err := NewKeysetStore(sqldb, string(d))
	if err != nil {
		t.Fatal(err)
	}
	ring, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(sqldb, string(d), schema, ring)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := db.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.EnsureSchema(ctx); err != nil {
		t.Fatalf("second EnsureSchema: %v", err)
	}
	pats, err := db.Table(schema.Tables[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{d: d, sql: sqldb, db: db, kek: kek, pats: pats}
}

func forEachDialect(t *testing.T, f func(t *testing.T, d testdb.Dialect)) {
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			f(t, d)
		})
	}
}

var samplePatients = []Row{
	{"id": int64(1), "ssn": "078-05-1120", "mrn": "MRN-0001", "last_name": "Núñez", "first_name": "Ana", "dob": cipher.Date{Year: 1948, Month: 3, Day: 17}, "notes": "Allergic to penicillin", "city": "Boston", "age": int64(77)},
	{"id": int64(2), "ssn": "219-09-9999", "mrn": "MRN-0002", "last_name": "Smith", "first_name": "John", "dob": cipher.Date{Year: 1990, Month: 11, Day: 2}, "notes": "No known allergies", "city": "Chicago", "age": int64(35)},
	{"id": int64(3), "ssn": "457-55-5462", "mrn": "MRN-0003", "last_name": "Smithers", "first_name": "Wayland", "dob": cipher.Date{Year: 1955, Month: 7, Day: 30}, "notes": nil, "city": "Boston", "age": int64(70)},
	{"id": int64(4), "ssn": nil, "mrn": "MRN-0004", "last_name": "Nunes", "first_name": "Rita", "dob": cipher.Date{Year: 1948, Month: 3, Day: 17}, "notes": "penicillin rash 2019", "city": nil, "age": nil},
	{"id": int64(5), "ssn": "078051120", "mrn": "MRN-0005", "last_name": "GARCÍA", "first_name": "Luis", "dob": cipher.Date{Year: 2001, Month: 1, Day: 9}, "notes": "", "city": "Miami", "age": int64(24)},
}

func ids(rows []Row) []int64 {
	var out []int64
	for _, r := range rows {
		out = append(out, toInt64(r["id"]))
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func toInt64(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case int:
		return int64(x)
	}
	panic(fmt.Sprintf("id of type %T", v))
}

func TestSuite(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(24))
		if _, err := f.pats.InsertBatch(ctx, samplePatients); err != nil {
			t.Fatal(err)
		}
		got, err := f.pats.Get(ctx, int64(1))
		if err != nil {
			t.Fatal(err)
		}
		if got["ssn"] != "078-05-1120" || got["last_name"] != "Núñez" || got["dob"] != (cipher.Date{Year: 1948, Month: 3, Day: 17}) || got["city"] != "Boston" {
			t.Fatalf("Get: %v", got)
		}
		find := func(q Query) []int64 {
			t.Helper()
			rows, err := f.pats.Find(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			return ids(rows)
		}
		w := func(p ...Pred) Query { return Query{Where: p} }
		cases := []struct {
			name string
			q    Query
			want []int64
		}{
			{"ssn any format", w(Eq("ssn", "078 05 1120")), []int64{1, 5}},
			{"mrn", w(Eq("mrn", " MRN-0002 ")), []int64{2}},
			{"last name folded", w(Eq("last_name", "nunez")), []int64{1}},
			{"in", w(In("mrn", "MRN-0003", "MRN-0004", "MRN-9999")), []int64{3, 4}},
			{"prefix", w(Prefix("last_name", "Smi")), []int64{2, 3}},
			{"prefix longer than max gram", w(Prefix("last_name", "smithersx")), nil},
			{"prefix exact long", w(Prefix("last_name", "SMITHERS")), []int64{3}},
			{"prefix accent", w(Prefix("last_name", "nú")), []int64{1, 4}},
			{"contains", w(Contains("notes", "PENICILLIN")), []int64{1, 4}},
			{"contains short", w(Contains("notes", "all")), []int64{1, 2}},
			{"compound", w(Eq("last_name", "Nunez"), Eq("dob", cipher.Date{Year: 1948, Month: 3, Day: 17})), []int64{1}},
			{"is null", w(IsNull("ssn")), []int64{4}},
			{"notes null", w(IsNull("notes")), []int64{3}},
			{"plain and protected", w(Eq("city", "Boston"), Prefix("last_name", "sm")), []int64{3}},
			{"plain range", w(Gt("age", 60)), []int64{1, 3}},
			{"no match", w(Eq("ssn", "000-00-0000")), nil},
			{"last four via second index", w(EqVia("ssn", "ssn_last4", "1120")), []int64{1, 5}},
			{"last four other", w(EqVia("ssn", "ssn_last4", "xx-9999")), []int64{2}},
		}
		for _, c := range cases {
			if got := find(c.q); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("%s: got %v, want %v", c.name, got, c.want)
			}
		}
		rows, err := f.pats.Find(ctx, Query{Where: []Pred{Eq("city", "Boston")}, OrderBy: []Order{{Col: "age", Desc: true}}, Limit: 1})
		if err != nil || len(rows) != 1 || toInt64(rows[0]["id"]) != 1 {
			t.Fatalf("order+limit: %v, %v", rows, err)
		}

		// Update re-seals and re-indexes; old tokens stop matching.
		if err := f.pats.Update(ctx, int64(2), Row{"last_name": "Jones", "dob": cipher.Date{Year: 1990, Month: 11, Day: 2}, "notes": "asthma"}); err != nil {
			t.Fatal(err)
		}
		if got := find(w(Prefix("last_name", "smi"))); fmt.Sprint(got) != "[3]" {
			t.Fatalf("after update, prefix: %v", got)
		}
		if got := find(w(Contains("notes", "sth"))); fmt.Sprint(got) != "[2]" {
			t.Fatalf("after update, contains: %v", got)
		}
		if got := find(w(Eq("last_name", "jones"), Eq("dob", cipher.Date{Year: 1990, Month: 11, Day: 2}))); fmt.Sprint(got) != "[2]" {
			t.Fatalf("after update, compound: %v", got)
		}
		if err := f.pats.Delete(ctx, int64(2)); err != nil {
			t.Fatal(err)
		}
		if _, err := f.pats.Get(ctx, int64(2)); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted row: %v", err)
		}
		if got := find(w(Contains("notes", "asthma"))); got != nil {
			t.Fatalf("deleted row still found: %v", got)
		}

		// Transactions: a rolled-back insert leaves nothing.
		tx, err := f.db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		tp, _ := tx.Table("patients")
		if _, err := tp.Insert(ctx, Row{"id": int64(9), "mrn": "MRN-0009", "last_name": "Tx", "first_name": "T", "dob": cipher.Date{Year: 2000, Month: 1, Day: 1}}); err != nil {
			t.Fatal(err)
		}
		tx.Rollback()
		if got := find(w(Eq("mrn", "MRN-0009"))); got != nil {
			t.Fatalf("rolled back row found: %v", got)
		}
	})
}

// TestCollisionsStayExact uses a 4-bit index, so every token bucket holds
// many values, and checks that answers are still exact.
func TestCollisionsStayExact(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(4))
		var rows []Row
		for i := 1; i <= 200; i++ {
			rows = append(rows, Row{"id": int64(i), "ssn": fmt.Sprintf("900-%02d-%04d", i%7, i), "mrn": fmt.Sprintf("MRN-%04d", i%50),
				"last_name": fmt.Sprintf("Name%03d", i%40), "first_name": "X", "dob": cipher.Date{Year: 1950 + i%3, Month: 1, Day: 1 + i%28}})
		}
		if _, err := f.pats.InsertBatch(ctx, rows); err != nil {
			t.Fatal(err)
		}
		// 50 MRNs in 16 buckets: by pigeonhole some bucket holds at least 4
		// MRNs, 16 rows, so the exact filtering has collisions to remove.
		var bucket int
		if err := f.sql.QueryRowContext(ctx, "SELECT MAX(c) FROM (SELECT COUNT(*) AS c FROM patients GROUP BY mrn_eq) AS b").Scan(&bucket); err != nil {
			t.Fatal(err)
		}
		if bucket < 16 {
			t.Fatalf("largest bucket of 4-bit tokens holds %d rows: no collisions to test", bucket)
		}
		for m := 0; m < 50; m++ {
			got, err := f.pats.Find(ctx, Query{Where: []Pred{Eq("mrn", fmt.Sprintf("MRN-%04d", m))}})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 4 {
				t.Fatalf("MRN-%04d: %d rows, want 4", m, len(got))
			}
			for _, r := range got {
				if toInt64(r["id"])%50 != int64(m) {
					t.Fatalf("MRN-%04d: false positive row %v", m, r["id"])
				}
			}
		}
		got, err := f.pats.Find(ctx, Query{Where: []Pred{Eq("last_name", "name007"), Eq("dob", cipher.Date{Year: 1950 + 47%3, Month: 1, Day: 1 + 47%28})}})
		if err != nil || fmt.Sprint(ids(got)) != "[47]" {
			t.Fatalf("compound under collisions: %v, %v", ids(got), err)
		}
	})
}

func TestFailClosed(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(24))
		if _, err := f.pats.InsertBatch(ctx, samplePatients); err != nil {
			t.Fatal(err)
		}
		const canary = "078-05-1120"
		for name, q := range map[string]Query{
			"range":               {Where: []Pred{Gt("ssn", "1")}},
			"like":                {Where: []Pred{Like("last_name", "%mit%")}},
			"order by":            {OrderBy: []Order{{Col: "last_name"}}},
			"group by":            {GroupBy: []string{"ssn"}},
			"contains on prefix":  {Where: []Pred{Contains("last_name", "mit")}},
			"prefix on no prefix": {Where: []Pred{Prefix("ssn", "078")}},
			"eq without index":    {Where: []Pred{Eq("first_name", "Ana")}},
			"eq null":             {Where: []Pred{Eq("ssn", nil)}},
			"unknown index":       {Where: []Pred{EqVia("ssn", "ssn_first3", "078")}},
		} {
			_, err := f.pats.Find(ctx, q)
			if !errors.Is(err, ErrUnsupported) {
				t.Errorf("%s: %v", name, err)
			}
		}
		errIs := func(name string, err, want error) {
			t.Helper()
			if !errors.Is(err, want) {
				t.Errorf("%s: %v, want %v", name, err, want)
			}
			if err != nil && strings.Contains(err.Error(), canary) {
				t.Errorf("%s: error reveals the value: %v", name, err)
			}
		}
		_, err := f.pats.Find(ctx, Query{Where: []Pred{Prefix("last_name", "S")}})
		errIs("short needle", err, blindindex.ErrNeedleTooShort)
		_, err = f.pats.Find(ctx, Query{Where: []Pred{Eq("nope", 1)}})
		errIs("unknown column", err, ErrUnknownColumn)
		_, err = f.pats.Insert(ctx, Row{"id": int64(50), "ssn": 78051120, "mrn": "M", "last_name": "X", "first_name": "Y", "dob": cipher.Date{Year: 2000, Month: 1, Day: 1}})
		errIs("wrong type", err, ErrWrongType)
		_, err = f.pats.Insert(ctx, Row{"id": int64(51), "ssn": canary, "mrn": nil, "last_name": "X", "first_name": "Y", "dob": cipher.Date{Year: 2000, Month: 1, Day: 1}})
		errIs("not null", err, ErrNotNull)
		_, err = f.pats.Insert(ctx, Row{"id": int64(52), "ssn": canary + "0000000", "mrn": "M", "last_name": "X", "first_name": "Y", "dob": cipher.Date{Year: 2000, Month: 1, Day: 1}})
		errIs("too long", err, cipher.ErrValueTooLong)
		_, err = f.pats.Insert(ctx, Row{"id": int64(53), "ssn": canary, "bogus": 1, "mrn": "M", "last_name": "X", "first_name": "Y", "dob": cipher.Date{Year: 2000, Month: 1, Day: 1}})
		errIs("unknown column on insert", err, ErrUnknownColumn)

		// A ciphertext copied to another row fails to open: Find and Get
		// report it and return nothing for it.
		if _, err := f.sql.ExecContext(ctx, "UPDATE patients SET ssn = (SELECT ssn FROM (SELECT ssn FROM patients WHERE id = 1) AS x) WHERE id = 2"); err != nil {
			t.Fatal(err)
		}
		_, err = f.pats.Get(ctx, int64(2))
		errIs("moved ciphertext", err, cipher.ErrMisplaced)
		rows, err := f.pats.Find(ctx, Query{Where: []Pred{Eq("city", "Chicago")}})
		if err == nil || rows != nil {
			t.Errorf("Find returned %v, %v for a row that does not open", rows, err)
		}

		// A key-service outage in the middle of a batch writes nothing: a
		// clock that runs a second per call lets the cached keys expire
		// part way through, and the reload hits the outage.
		var tick int64
		var mu sync.Mutex
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); tick++; return time.Unix(1_700_000_000+tick, 0) }
		store, _ := NewKeysetStore(f.sql, string(d))
		ring, _ := cipher.NewKeyring(cipher.Config{KEK: f.kek, Store: store, TTL: 100 * time.Second, Now: clock})
		cold, err := Open(f.sql, string(d), patientSchema(24), ring)
		if err != nil {
			t.Fatal(err)
		}
		coldPats, _ := cold.Table("patients")
		var batch []Row
		for i := 100; i < 300; i++ {
			batch = append(batch, Row{"id": int64(i), "ssn": "111-22-3333", "mrn": fmt.Sprintf("MRN-%d", i), "last_name": "Outage", "first_name": "B", "dob": cipher.Date{Year: 2000, Month: 1, Day: 1}})
		}
		if err := cold.warmTable(ctx, cold.tables["patients"]); err != nil {
			t.Fatal(err)
		}
		f.kek.down = true
		_, err = coldPats.InsertBatch(ctx, batch)
		f.kek.down = false
		errIs("outage mid-batch", err, keyprovider.ErrUnavailable)
		var n int
		f.sql.QueryRowContext(ctx, "SELECT COUNT(*) FROM patients WHERE id >= 100").Scan(&n)
		if n != 0 {
			t.Errorf("failed batch left %d rows", n)
		}

		closed := newFixture(t, d, patientSchema(24))
		closed.sql.Close()
		if _, err := closed.pats.Find(ctx, Query{Where: []Pred{Eq("ssn", canary)}}); err == nil || !strings.Contains(err.Error(), "closed") || strings.Contains(err.Error(), canary) {
			t.Errorf("closed database: %v", err)
		}
		if _, err := closed.pats.Insert(ctx, Row{"id": int64(1), "ssn": canary, "mrn": "M", "last_name": "X", "first_name": "Y", "dob": cipher.Date{Year: 2000, Month: 1, Day: 1}}); err == nil || strings.Contains(err.Error(), canary) {
			t.Errorf("insert into a closed database: %v", err)
		}

		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err = f.pats.Find(cctx, Query{Where: []Pred{Eq("city", "Boston")}})
		errIs("cancelled", err, context.Canceled)
	})
}

func TestMissingColumnRefused(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		sqldb, _ := testdb.Open(t, d)
		// The table exists, but without the token column of ssn_eq.
		if _, err := sqldb.ExecContext(ctx, "CREATE TABLE patients (id BIGINT PRIMARY KEY, ssn "+map[testdb.Dialect]string{"sqlite": "BLOB", "postgres": "BYTEA", "mysql": "VARBINARY(200)"}[d]+")"); err != nil {
			t.Fatal(err)
		}
		s := &Schema{Tables: []*Table{{Name: "patients", Key: "id", Columns: []*Column{{Name: "ssn", Type: TypeString, Equality: []*EqualityIndex{{Name: "ssn_eq", Bits: 16}}}}}}}
		p := filepath.Join(t.TempDir(), "kek.json")
		local.Create(p)
		lk, _ := local.Open(p)
		store, _ := NewKeysetStore(sqldb, string(d))
		store.EnsureTable(ctx)
		ring, _ := cipher.NewKeyring(cipher.Config{KEK: lk, Store: store})
		db, err := Open(sqldb, string(d), s, ring)
		if err != nil {
			t.Fatal(err)
		}
		err = db.VerifySchema(ctx)
		if !errors.Is(err, ErrMissingColumn) || !strings.Contains(err.Error(), "ssn_eq") {
			t.Fatalf("verify: %v", err)
		}
		for _, p := range []cipher.Purpose{cipher.PurposeValue, cipher.PurposeIndex} {
			if _, err := ring.CreateKeyset(ctx, "patients.ssn", p); err != nil {
				t.Fatal(err)
			}
		}
		pats, _ := db.Table("patients")
		if _, err := pats.Insert(ctx, Row{"id": int64(1), "ssn": "078-05-1120"}); !errors.Is(err, ErrMissingColumn) {
			t.Fatalf("insert into incomplete table: %v", err)
		}
	})
}
