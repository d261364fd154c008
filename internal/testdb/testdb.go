// Package testdb gives tests throwaway SQL databases on real servers, so one
// suite can run unchanged on SQLite, PostgreSQL 15 and MariaDB.
//
// Every call returns a fresh, empty database that belongs to the calling test
// and is dropped in its t.Cleanup. PostgreSQL and MariaDB databases live on
// the server named by PHICRYPT_TEST_POSTGRES_DSN or PHICRYPT_TEST_MYSQL_DSN;
// when a variable is unset, the package starts a private server on a loopback
// port the first time it is needed and keeps it for the rest of the test
// process. Nothing is skipped: when no server can be had, the test fails and
// says what is missing and how to get it (`make deps` installs the servers).
//
// A package that uses this one should call Main from its TestMain so that the
// servers are stopped and their files removed as soon as the tests finish:
//
//	func TestMain(m *testing.M) { testdb.Main(m) }
//
// Each started server also has a watchdog, a small shell process in its own
// session that holds the read end of a pipe whose write end only this process
// has. The kernel closes that pipe however the test process ends (normal
// exit, panic, test timeout, SIGKILL), and the watchdog then stops the server
// and deletes its directory. A pipe is used rather than polling the parent's
// pid because it cannot be fooled by pid reuse and reacts at once.
package testdb

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect names an SQL database engine that the suite runs on.
type Dialect string

// The dialects that Open accepts.
const (
	DialectSQLite   Dialect = "sqlite"
	DialectPostgres Dialect = "postgres"
	DialectMySQL    Dialect = "mysql"
)

// All lists every dialect, for a suite that runs each test once per dialect
// with t.Run(string(d), ...).
func All() []Dialect {
	return []Dialect{DialectSQLite, DialectPostgres, DialectMySQL}
}

// Driver is the database/sql driver name to pass to sql.Open along with a
// DSN from this package.
func (d Dialect) Driver() string {
	switch d {
	case DialectSQLite:
		return "sqlite"
	case DialectPostgres:
		return "pgx"
	case DialectMySQL:
		return "mysql"
	}
	return ""
}

// Open returns a fresh database of dialect d for the calling test and its
// DSN, for code that needs to open connections of its own.
func Open(t testing.TB, d Dialect) (*sql.DB, string) {
	t.Helper()
	var dsn string
	switch d {
	case DialectSQLite:
		dsn = SQLiteDSN(t)
	case DialectPostgres:
		dsn = PostgresDSN(t)
	case DialectMySQL:
		dsn = MySQLDSN(t)
	default:
		t.Fatalf("testdb: unknown dialect %q (want one of %v)", d, All())
	}
	return openDB(t, d.Driver(), dsn), dsn
}

// Main runs the tests of m, stops the servers this package started and exits
// with the tests' status. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if err := stopServers(); err != nil {
		fmt.Fprintf(os.Stderr, "testdb: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// SQLite opens a fresh SQLite database file in t.TempDir().
func SQLite(t testing.TB) *sql.DB {
	t.Helper()
	return openDB(t, DialectSQLite.Driver(), SQLiteDSN(t))
}

// SQLiteDSN returns the DSN of a fresh SQLite database file in t.TempDir(),
// with WAL journaling, foreign keys enforced and a busy timeout.
//
// Transactions start with BEGIN IMMEDIATE: with the default deferred BEGIN,
// two transactions that both read and then write deadlock on the write lock,
// and SQLite fails one at once with SQLITE_BUSY instead of waiting out the
// busy timeout, which makes concurrent tests flaky.
func SQLiteDSN(t testing.TB) string {
	t.Helper()
	// The path is escaped because SQLite decodes file: URIs: t.TempDir()
	// keeps characters such as '#' and '%' from the test name, and a raw '#'
	// would cut the path short and put the file outside the temp dir.
	u := url.URL{Scheme: "file", Path: filepath.Join(t.TempDir(), "test.db")}
	return u.String() +
		"?_pragma=foreign_keys(1)" +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=busy_timeout(10000)" +
		"&_txlock=immediate"
}

func openDB(t testing.TB, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatalf("testdb: open %s database: %v", driver, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatalf("testdb: connect to %s database: %v", driver, err)
	}
	return db
}

// randomName gives each test's database a name no other test, process or
// earlier run uses, so a shared server needs no coordination.
func randomName() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return "phicrypt_test_" + hex.EncodeToString(b[:])
}
