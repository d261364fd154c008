package migrate

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/keyprovider/local"
)

// TestDropPlaintextServerFiles greps every file of the throwaway
// PostgreSQL and MariaDB data directories for the fixture's SSNs and
// emails, before the migration (it must find them: the grep works) and
// after --drop-plaintext. The files of the table's own database
// (PostgreSQL base/<oid>/, MariaDB <datadir>/<db>/: the table, its
// indexes, TOAST and the catalog) must hold none, and neither may
// PostgreSQL's pg_wal or MariaDB's redo log (ib_logfile0), which
// --drop-plaintext writes over as a superuser. MariaDB's undo logs in the
// system tablespace (ibdata1) may still: the test logs which files, and
// asserts that Outside names each such location.
//
// The grep needs the server's files, so this test fails (it does not
// skip) when PHICRYPT_TEST_POSTGRES_DSN or PHICRYPT_TEST_MYSQL_DSN points
// at a server of its own: unset them to run it on a private server.
func TestDropPlaintextServerFiles(t *testing.T) {
	for _, d := range []testdb.Dialect{testdb.DialectPostgres, testdb.DialectMySQL} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			dropAndGrepServer(t, d)
		})
	}
}

// canarySet is a fixture's SSNs and emails, made unique to one test (a
// random SSN area/group and a random email tag) so that other tests'
// rows on the same server cannot be mistaken for them.
type canarySet struct {
	ssPrefix, mailPrefix []byte
	values               map[string]bool
}

func newCanaries(t *testing.T, rows []patient) *canarySet {
	t.Helper()
	area, err := rand.Int(rand.Reader, big.NewInt(90*100))
	if err != nil {
		t.Fatal(err)
	}
	var tag [5]byte
	rand.Read(tag[:])
	a := area.Int64()
	c := &canarySet{
		ssPrefix:   []byte(fmt.Sprintf("8%02d-%02d-", 10+a/100, a%100)),
		mailPrefix: []byte("canary." + hex.EncodeToString(tag[:]) + "."),
		values:     map[string]bool{},
	}
	for i := range rows {
		ss := fmt.Sprintf("%s%04d", c.ssPrefix, i)
		mail := fmt.Sprintf("%s%d@example.org", c.mailPrefix, rows[i].pid)
		rows[i].vals["ss"], rows[i].vals["email"] = ss, mail
		c.values[ss], c.values[mail] = true, true
	}
	return c
}

// find returns the canaries in b.
func (c *canarySet) find(b []byte, found map[string]bool) {
	for _, p := range []struct {
		prefix []byte
		end    func([]byte) int
	}{
		{c.ssPrefix, func(r []byte) int { return min(len(r), 4) }},
		{c.mailPrefix, func(r []byte) int {
			if i := bytes.Index(r[:min(len(r), 40)], []byte("@example.org")); i >= 0 {
				return i + len("@example.org")
			}
			return 0
		}},
	} {
		rest := b
		for {
			i := bytes.Index(rest, p.prefix)
			if i < 0 {
				break
			}
			rest = rest[i+len(p.prefix):]
			if v := string(p.prefix) + string(rest[:p.end(rest)]); c.values[v] {
				found[v] = true
			}
		}
	}
}

// grepDir maps each file under dir (relative path) that holds canaries to
// how many distinct ones.
func (c *canarySet) grepDir(t *testing.T, dir string) map[string]int {
	t.Helper()
	out := map[string]int{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil // a file the server removed meanwhile
			}
			return err
		}
		if !e.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			return err
		}
		found := map[string]bool{}
		c.find(b, found)
		if len(found) > 0 {
			rel, _ := filepath.Rel(dir, p)
			out[rel] = len(found)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func describe(hits map[string]int) string {
	var s []string
	for p, n := range hits {
		s = append(s, fmt.Sprintf("%s (%d)", p, n))
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

func dropAndGrepServer(t *testing.T, d testdb.Dialect) {
	ctx := context.Background()
	dataDir, ok := testdb.DataDir(t, d)
	if !ok {
		t.Fatalf("the canary grep reads the server's data directory, and the %s server comes from %s: unset it so that the test starts a private server",
			d, map[testdb.Dialect]string{testdb.DialectPostgres: testdb.PostgresEnv, testdb.DialectMySQL: testdb.MySQLEnv}[d])
	}
	db, _ := testdb.Open(t, d)
	createPatientData(t, db, d)
	f := &fixture{d: d, db: db, dialect: string(d), rows: synthPatients(600)}
	canaries := newCanaries(t, f.rows)
	f.insert(t, f.rows)
	p := filepath.Join(t.TempDir(), "kek.json")
	if err := local.Create(p); err != nil {
		t.Fatal(err)
	}
	f.kekURI = local.URI(p)

	// A production table has statistics, which hold common values and
	// histogram bounds of its columns.
	analyze := "ANALYZE patient_data"
	if d == testdb.DialectMySQL {
		analyze = "ANALYZE TABLE patient_data PERSISTENT FOR ALL"
	}
	if _, err := db.Exec(analyze); err != nil {
		t.Fatal(err)
	}
	tableDir := serverTableDir(t, db, d, dataDir)
	flushServer(t, db, d)
	before := canaries.grepDir(t, dataDir)
	if len(before) == 0 {
		t.Fatal("the canary grep finds nothing in the data directory before the migration: it tests nothing")
	}
	t.Logf("before: %s", describe(before))
	if inTable := canaries.grepDir(t, tableDir); len(inTable) == 0 {
		t.Fatalf("no canary in the table's directory %s before the migration: it tests nothing", tableDir)
	}

	f.migrateAll(t, Options{Workers: 2})
	m := f.migrator(t, Options{})
	w, err := m.Prepare(ctx, f.ring(t, f.kekURI))
	if err != nil {
		t.Fatal(err)
	}
	dropped, err := m.DropPlaintext(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("drop: %v; notes %v", dropped[0].Rewrite, dropped[0].Notes)
	if valuesHash(f.readBack(t)) != valuesHash(f.rows) {
		t.Fatal("values differ after the drop")
	}
	flushServer(t, db, d)

	after := canaries.grepDir(t, dataDir)
	t.Logf("after: %s", describe(after))
	if inTable := canaries.grepDir(t, tableDir); len(inTable) > 0 {
		t.Errorf("canaries in the table's database directory after --drop-plaintext: %s", describe(inTable))
	}
	// PostgreSQL's pg_wal and MariaDB's redo log are written over when the
	// user may (the test's is a superuser): nothing may remain there either.
	for file := range after {
		if loc := serverLocation(d, file); loc == "WAL segments in pg_wal" || loc == "redo log (ib_logfile0)" {
			t.Errorf("canaries in %s after --drop-plaintext as a superuser", file)
		}
	}
	outside := strings.Join(Outside(string(d)), "\n")
	for file := range after {
		loc := serverLocation(d, file)
		if loc == "" {
			t.Errorf("canaries in %s, which is neither the table's files nor a log that Outside names", file)
			continue
		}
		if !strings.Contains(outside, loc) {
			t.Errorf("canaries in %s, but Outside does not name %q:\n%s", file, loc, outside)
		}
	}
}

// serverTableDir is the directory of the test database's files.
func serverTableDir(t *testing.T, db *sql.DB, d testdb.Dialect, dataDir string) string {
	t.Helper()
	var rel string
	var err error
	if d == testdb.DialectPostgres {
		err = db.QueryRow("SELECT 'base/' || oid FROM pg_database WHERE datname = current_database()").Scan(&rel)
	} else {
		err = db.QueryRow("SELECT DATABASE()").Scan(&rel)
	}
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dataDir, rel)
}

// flushServer writes what the server holds in memory to its files, so that
// the grep sees the database's state and not an old one.
func flushServer(t *testing.T, db *sql.DB, d testdb.Dialect) {
	t.Helper()
	stmts := []string{"CHECKPOINT"}
	if d == testdb.DialectMySQL {
		stmts = []string{"SET GLOBAL innodb_max_dirty_pages_pct = 0", "FLUSH TABLES patient_data FOR EXPORT", "UNLOCK TABLES"}
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// serverLocation names the log that a file of the data directory belongs
// to, in the words Outside uses, or "" for any other file.
func serverLocation(d testdb.Dialect, file string) string {
	base := filepath.Base(file)
	switch {
	case d == testdb.DialectPostgres && strings.HasPrefix(file, "pg_wal"+string(filepath.Separator)):
		return "WAL segments in pg_wal"
	case d == testdb.DialectMySQL && strings.HasPrefix(base, "ib_logfile"):
		return "redo log (ib_logfile0)"
	case d == testdb.DialectMySQL && (strings.HasPrefix(base, "undo") || base == "ibdata1"):
		return "undo logs (ibdata1"
	case d == testdb.DialectMySQL && base == "ib_doublewrite":
		return "doublewrite buffer"
	case d == testdb.DialectMySQL && strings.Contains(base, "-bin."):
		return "binary logs"
	}
	return ""
}
