package migrate

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/keyprovider/local"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// schemaYAML protects eleven columns of OpenEMR's patient_data, keyed by
// pid (unique NOT NULL, as in OpenEMR, whose id is only an index).
const schemaYAML = `version: 1
tables:
  - name: patient_data
    key: pid
    row_binding: pid
    rows: 5000
    columns:
      - {name: pubpid, type: string, equality: true}
      - {name: fname, type: string, equality: true}
      - {name: lname, type: string, equality: true, prefix: true}
      - {name: mname, type: string}
      - {name: dob, type: date, nullable: true}
      - {name: ss, type: string, max_length: 16, equality: {transforms: digits}}
      - {name: street, type: string}
      - {name: postal_code, type: string}
      - {name: phone_home, type: string}
      - {name: phone_cell, type: string}
      - {name: email, type: string, equality: true}
`

// protected lists the schema's columns in order.
var protected = []string{"pubpid", "fname", "lname", "mname", "dob", "ss", "street", "postal_code", "phone_home", "phone_cell", "email"}

func testSchema(t testing.TB) *sqlwrap.Schema {
	t.Helper()
	s, err := sqlwrap.ParseSchema("fixture_test.go", []byte(schemaYAML))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// patient is one synthetic row: pid and the protected values as the
// wrapper returns them (strings, cipher.Date or nil).
type patient struct {
	pid  int64
	vals map[string]any
}

// fixture is an OpenEMR-shaped patient_data table with its rows.
type fixture struct {
	d       testdb.Dialect
	db      *sql.DB
	dialect string
	rows    []patient
	kekURI  string
}

// createPatientData creates patient_data as OpenEMR declares it: the
// demographics are VARCHAR/TEXT NOT NULL DEFAULT ” (DOB a nullable DATE),
// id an auto-increment column with a plain index, pid UNIQUE NOT NULL,
// and an index on lname.
func createPatientData(t testing.TB, db *sql.DB, d testdb.Dialect) {
	t.Helper()
	v := "VARCHAR(255) NOT NULL DEFAULT ''"
	text := "TEXT NOT NULL DEFAULT ''"
	cols := fmt.Sprintf(`pid BIGINT NOT NULL, pubpid %[1]s, fname %[1]s, lname %[1]s, mname %[1]s, dob DATE NULL,
		ss %[1]s, street %[1]s, postal_code %[1]s, city %[1]s, state %[1]s, phone_home %[1]s, phone_cell %[1]s,
		email %[1]s, sex %[1]s, occupation %[2]s`, v, text)
	var stmts []string
	switch d {
	case testdb.DialectSQLite:
		stmts = []string{"CREATE TABLE patient_data (id INTEGER PRIMARY KEY AUTOINCREMENT, " + cols + ", UNIQUE (pid))"}
	case testdb.DialectPostgres:
		stmts = []string{"CREATE TABLE patient_data (id BIGSERIAL NOT NULL, " + cols + ", UNIQUE (pid))",
			"CREATE INDEX patient_data_id ON patient_data (id)"}
	default:
		stmts = []string{"CREATE TABLE patient_data (id BIGINT NOT NULL AUTO_INCREMENT, " + cols + ", UNIQUE KEY pid (pid), KEY id (id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"}
	}
	stmts = append(stmts, "CREATE INDEX patient_data_lname ON patient_data (lname)")
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// synthPatients makes n deterministic patients; pids have gaps.
func synthPatients(n int) []patient {
	first := []string{"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "José", "Mei", "Olga", "Kwame", "Zoë"}
	last := []string{"Smith", "Johnson", "Williams", "Brown", "Garcia", "Müller", "Nguyen", "Kim", "Patel", "O'Brien", "Núñez"}
	streets := []string{"Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Pine St", "Lakeview Rd"}
	rng := rand.New(rand.NewPCG(7, 11))
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	out := make([]patient, n)
	for i := range out {
		pid := int64(3*i + 1)
		var dob any
		if rng.IntN(10) > 0 {
			dob = cipher.Date{Year: 1930 + rng.IntN(90), Month: time.Month(1 + rng.IntN(12)), Day: 1 + rng.IntN(28)}
		}
		mname := ""
		if rng.IntN(3) == 0 {
			mname = string(rune('A' + rng.IntN(26)))
		}
		cell := ""
		if rng.IntN(4) > 0 {
			cell = fmt.Sprintf("%03d-%03d-%04d", 201+rng.IntN(700), 200+rng.IntN(800), rng.IntN(10000))
		}
		out[i] = patient{pid: pid, vals: map[string]any{
			"pubpid": fmt.Sprintf("PUB%06d", pid), "fname": pick(first), "lname": pick(last), "mname": mname, "dob": dob,
			"ss": fmt.Sprintf("9%02d-%02d-%04d", rng.IntN(100), rng.IntN(100), i), "street": fmt.Sprintf("%d %s", 1+rng.IntN(9999), pick(streets)),
			"postal_code": fmt.Sprintf("%05d", rng.IntN(100000)), "phone_home": fmt.Sprintf("555-%03d-%04d", rng.IntN(1000), rng.IntN(10000)),
			"phone_cell": cell, "email": fmt.Sprintf("canary.patient%d@example.org", pid),
		}}
	}
	return out
}

func newFixture(t testing.TB, d testdb.Dialect, n int) *fixture {
	t.Helper()
	db, _ := testdb.Open(t, d)
	createPatientData(t, db, d)
	f := &fixture{d: d, db: db, dialect: string(d), rows: synthPatients(n)}
	f.insert(t, f.rows)
	p := filepath.Join(t.TempDir(), "kek.json")
	if err := local.Create(p); err != nil {
		t.Fatal(err)
	}
	f.kekURI = local.URI(p)
	return f
}

// insert writes rows with plain SQL, as the application did before
// phicrypt.
func (f *fixture) insert(t testing.TB, rows []patient) {
	t.Helper()
	f.insertInto(t, rows, "")
}

// insertInto is insert with suffix appended to the protected columns'
// names (PlainSuffix: a writer that bypasses the wrapper during the
// migration).
func (f *fixture) insertInto(t testing.TB, rows []patient, suffix string) {
	t.Helper()
	cols := []string{"pid", "city", "state", "sex", "occupation"}
	for _, c := range protected {
		cols = append(cols, c+suffix)
	}
	ph := make([]string, len(cols))
	for i := range ph {
		ph[i] = "?"
		if f.d == testdb.DialectPostgres {
			ph[i] = fmt.Sprintf("$%d", i+1)
		}
	}
	q := "INSERT INTO patient_data (" + strings.Join(cols, ", ") + ") VALUES (" + strings.Join(ph, ", ") + ")"
	tx, err := f.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	st, err := tx.Prepare(q)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rows {
		args := []any{p.pid, "Springfield", "IL", "Female", "Teacher"}
		for _, c := range protected {
			v := p.vals[c]
			if dt, ok := v.(cipher.Date); ok {
				v = fmt.Sprintf("%04d-%02d-%02d", dt.Year, dt.Month, dt.Day)
			}
			args = append(args, v)
		}
		if _, err := st.Exec(args...); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// valuesHash is a SHA-256 over every protected value of rows in pid order.
func valuesHash(rows []patient) string {
	h := sha256.New()
	for _, p := range rows {
		fmt.Fprintf(h, "%d|", p.pid)
		for _, c := range protected {
			fmt.Fprintf(h, "%s|", canon(p.vals[c]))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// nonNull counts the values MigrateRows must seal.
func nonNull(rows []patient) int64 {
	var n int64
	for _, p := range rows {
		for _, c := range protected {
			if p.vals[c] != nil {
				n++
			}
		}
	}
	return n
}

// ring opens a keyring over the fixture's keyset store with the KEK uri.
func (f *fixture) ring(t testing.TB, uri string) *cipher.Keyring {
	t.Helper()
	p := strings.TrimPrefix(uri, "local:")
	kek, err := local.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlwrap.NewKeysetStore(f.db, f.dialect)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.EnsureTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	ring, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	return ring
}

// migrator returns a Migrator of the fixture with opts.
func (f *fixture) migrator(t testing.TB, opts Options) *Migrator {
	t.Helper()
	if opts.Batch == 0 {
		opts.Batch = 250
	}
	m, err := New(f.db, f.dialect, testSchema(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// readBack reads every row through a fresh wrapper (migrating mode) and
// returns them in pid order.
func (f *fixture) readBack(t testing.TB) []patient {
	t.Helper()
	ctx := context.Background()
	w, err := sqlwrap.Open(f.db, f.dialect, testSchema(t), f.ring(t, f.kekURI))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ta, err := w.Table("patient_data")
	if err != nil {
		t.Fatal(err)
	}
	var out []patient
	for r, err := range ta.Rows(ctx, sqlwrap.Query{OrderBy: []sqlwrap.Order{{Col: "pid"}}}) {
		if err != nil {
			t.Fatal(err)
		}
		p := patient{pid: r["pid"].(int64), vals: map[string]any{}}
		for _, c := range protected {
			p.vals[c] = r[c]
		}
		out = append(out, p)
	}
	return out
}

// sealedTotal is the sealed counter of phicrypt_migrations.
func (f *fixture) sealedTotal(t testing.TB) int64 {
	t.Helper()
	var n int64
	if err := f.db.QueryRow("SELECT sealed FROM " + StateTable + " WHERE tbl = 'patient_data'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// columnNames lists the table's columns (lower case).
func (f *fixture) columnNames(t testing.TB) string {
	t.Helper()
	m := &Migrator{db: f.db, dialect: f.dialect}
	cols, err := m.columns(context.Background(), "patient_data")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range cols {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ",")
}

// migrateAll runs Prepare and Run and closes the Migrator.
func (f *fixture) migrateAll(t testing.TB, opts Options) []*Result {
	t.Helper()
	ctx := context.Background()
	m := f.migrator(t, opts)
	w, err := m.Prepare(ctx, f.ring(t, f.kekURI))
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Run(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	return res
}
