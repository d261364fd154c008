package testdb

import (
	"bufio"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { Main(m) }

// placeholder is the n-th bind parameter in d's syntax.
func placeholder(d Dialect, n int) string {
	if d == DialectPostgres {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

func queryString(t *testing.T, db *sql.DB, q string, args ...any) string {
	t.Helper()
	var s string
	if err := db.QueryRow(q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

var versionWant = map[Dialect]*regexp.Regexp{
	DialectSQLite:   regexp.MustCompile(`^3\.`),
	DialectPostgres: regexp.MustCompile(`^15\.\d+`),
	DialectMySQL:    regexp.MustCompile(`^(10\.11|11\.\d+)\.\d+-MariaDB`),
}

var versionQuery = map[Dialect]string{
	DialectSQLite:   "SELECT sqlite_version()",
	DialectPostgres: "SHOW server_version",
	DialectMySQL:    "SELECT VERSION()",
}

func TestDialects(t *testing.T) {
	for _, d := range All() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			db, dsn := Open(t, d)
			if dsn == "" {
				t.Fatal("empty DSN")
			}

			v := queryString(t, db, versionQuery[d])
			if !versionWant[d].MatchString(v) {
				t.Errorf("server version %q, want match for %v", v, versionWant[d])
			}
			t.Logf("%s version %s", d, v)

			if _, err := db.Exec(`CREATE TABLE patients (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL)`); err != nil {
				t.Fatal(err)
			}
			insert := fmt.Sprintf(`INSERT INTO patients (id, name) VALUES (%s, %s)`, placeholder(d, 1), placeholder(d, 2))
			if _, err := db.Exec(insert, 1, "Zoë Łukasiewicz 🩺"); err != nil {
				t.Fatal(err)
			}
			got := queryString(t, db, "SELECT name FROM patients WHERE id = "+placeholder(d, 1), 1)
			if got != "Zoë Łukasiewicz 🩺" {
				t.Errorf("read back %q", got)
			}

			// A second database of the same test must not see the first's table.
			other, otherDSN := Open(t, d)
			if otherDSN == dsn {
				t.Fatalf("two calls returned the same DSN %q", dsn)
			}
			var n int
			if err := other.QueryRow("SELECT COUNT(*) FROM patients").Scan(&n); err == nil {
				t.Errorf("second database sees the first's table (%d rows)", n)
			}
			// Opening by DSN reaches the same database as the returned handle.
			again, err := sql.Open(d.Driver(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer again.Close()
			if err := again.QueryRow("SELECT COUNT(*) FROM patients").Scan(&n); err != nil || n != 1 {
				t.Errorf("reopening the DSN: %d rows, %v", n, err)
			}
		})
	}
}

func TestSQLiteSettings(t *testing.T) {
	db := SQLite(t)
	for pragma, want := range map[string]string{"foreign_keys": "1", "journal_mode": "wal", "busy_timeout": "10000"} {
		if got := queryString(t, db, "PRAGMA "+pragma); got != want {
			t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}
}

// TestSQLiteUnusualTestNames guards the escaping of the file: URI: t.TempDir()
// keeps '#' and '%' from test names, which SQLite would otherwise read as a
// fragment and an escape.
func TestSQLiteUnusualTestNames(t *testing.T) {
	for _, name := range []string{"a#b", "50%_x", "a&b c", "ü+=@"} {
		t.Run(name, func(t *testing.T) {
			db := SQLite(t)
			if _, err := db.Exec("CREATE TABLE x (a INTEGER)"); err != nil {
				t.Fatal(err)
			}
			file := queryString(t, db, "SELECT file FROM pragma_database_list WHERE name = 'main'")
			if filepath.Base(file) != "test.db" {
				t.Fatalf("database file %q, want test.db in the test's temp dir", file)
			}
			if _, err := os.Stat(file); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestPostgresSettings(t *testing.T) {
	db := Postgres(t)
	if got := queryString(t, db, "SHOW server_encoding"); got != "UTF8" {
		t.Errorf("server_encoding = %q", got)
	}
	if got := queryString(t, db, "SELECT datcollate FROM pg_database WHERE datname = current_database()"); got != "C" {
		t.Errorf("collation = %q", got)
	}
}

func TestMySQLSettings(t *testing.T) {
	db := MySQL(t)
	mode := queryString(t, db, "SELECT @@SESSION.sql_mode")
	for _, m := range []string{"STRICT_ALL_TABLES", "NO_ZERO_DATE", "ERROR_FOR_DIVISION_BY_ZERO"} {
		if !strings.Contains(mode, m) {
			t.Errorf("sql_mode %q lacks %s", mode, m)
		}
	}
	if got := queryString(t, db, "SELECT @@SESSION.time_zone"); got != "+00:00" {
		t.Errorf("time_zone = %q", got)
	}
	if got := queryString(t, db, "SELECT @@collation_connection"); got != mysqlCollation {
		t.Errorf("collation_connection = %q", got)
	}
	if got := queryString(t, db, "SELECT DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()"); got != mysqlCollation {
		t.Errorf("database collation = %q", got)
	}
	var ts time.Time // only scans with parseTime=true
	if err := db.QueryRow("SELECT TIMESTAMP '2024-02-29 12:34:56'").Scan(&ts); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2024, 2, 29, 12, 34, 56, 0, time.UTC); !ts.Equal(want) {
		t.Errorf("timestamp %v, want %v", ts, want)
	}
	if _, err := db.Exec("SELECT 1; SELECT 2"); err == nil {
		t.Error("multi-statement query accepted")
	}
	if _, err := db.Exec("CREATE TABLE t (v TINYINT)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO t VALUES (1000)"); err == nil {
		t.Error("out-of-range value accepted: sql_mode is not strict")
	}
}

// databaseExists asks the server of p whether database name exists.
func databaseExists(t *testing.T, p *provider, d Dialect, name string) bool {
	t.Helper()
	srv, _, err := p.get()
	if err != nil {
		t.Fatal(err)
	}
	q := "SELECT COUNT(*) FROM pg_database WHERE datname = $1"
	if d == DialectMySQL {
		q = "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?"
	}
	var n int
	if err := srv.admin.QueryRow(q, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

func TestDatabaseDroppedAfterTest(t *testing.T) {
	for _, tc := range []struct {
		d       Dialect
		p       *provider
		current string
	}{
		{DialectPostgres, postgresServer, "SELECT current_database()"},
		{DialectMySQL, mysqlServer, "SELECT DATABASE()"},
	} {
		var name string
		t.Run(string(tc.d), func(t *testing.T) {
			db, _ := Open(t, tc.d)
			name = queryString(t, db, tc.current)
			// A connection the test forgot to close must not block the drop.
			leaked, err := db.Conn(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			_ = leaked
		})
		if name == "" {
			t.Fatalf("%s: no database", tc.d)
		}
		if databaseExists(t, tc.p, tc.d, name) {
			t.Errorf("%s: database %s still exists after its test", tc.d, name)
		}
	}
}

// TestEnvOverride points the environment variables at the servers this
// process started and checks that a fresh provider uses them instead of
// starting servers of its own.
func TestEnvOverride(t *testing.T) {
	refuse := func() (*server, error) { return nil, errors.New("started a server although the DSN variable is set") }
	for _, tc := range []struct {
		d       Dialect
		shared  *provider
		fresh   *provider
		create  func(*server, string) (string, error)
		drop    func(*server, string) error
		current string
	}{
		{DialectPostgres, postgresServer, &provider{envVar: PostgresEnv, connect: connectPostgres, start: refuse},
			createPostgres, dropPostgres, "SELECT current_database()"},
		{DialectMySQL, mysqlServer, &provider{envVar: MySQLEnv, connect: connectMySQL, start: refuse},
			createMySQL, dropMySQL, "SELECT DATABASE()"},
	} {
		shared, _, err := tc.shared.get()
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv(tc.fresh.envVar, shared.adminDSN)
		var name string
		t.Run(string(tc.d), func(t *testing.T) {
			dsn := tc.fresh.newDatabase(t, tc.create, tc.drop)
			db := openDB(t, tc.d.Driver(), dsn)
			name = queryString(t, db, tc.current)
			if !databaseExists(t, tc.shared, tc.d, name) {
				t.Errorf("database %s not on the server named by %s", name, tc.fresh.envVar)
			}
		})
		if name != "" && databaseExists(t, tc.shared, tc.d, name) {
			t.Errorf("%s: database %s not dropped", tc.d, name)
		}
		if srv, _, _ := tc.fresh.get(); srv != nil && srv.started != nil {
			t.Errorf("%s: provider started a server", tc.d)
		}
	}
}

func TestPostgresWithDatabase(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:p%40ss@127.0.0.1:5432/postgres?sslmode=disable": "postgres://u:p%40ss@127.0.0.1:5432/db1?sslmode=disable",
		"postgresql://u@h/":                  "postgresql://u@h/db1",
		"host=h user=u dbname=postgres":      "host=h user=u dbname=postgres dbname=db1",
		"host=/tmp port=5433 sslmode=prefer": "host=/tmp port=5433 sslmode=prefer dbname=db1",
	} {
		got, err := postgresWithDatabase(in, "db1")
		if err != nil || got != want {
			t.Errorf("postgresWithDatabase(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestMissingServerMessages(t *testing.T) {
	saved := postgresBin
	postgresBin = "/nonexistent/postgresql/15/bin"
	_, err := startPostgres()
	postgresBin = saved
	if err == nil || !strings.Contains(err.Error(), "PostgreSQL 15 not found in /nonexistent") ||
		!strings.Contains(err.Error(), "make deps") || !strings.Contains(err.Error(), PostgresEnv) {
		t.Errorf("missing PostgreSQL: %v", err)
	}

	savedDirs := binaryDirs
	binaryDirs = nil
	t.Setenv("PATH", t.TempDir())
	_, err = startMariaDB()
	binaryDirs = savedDirs
	if err == nil || !strings.Contains(err.Error(), "MariaDB server not found") ||
		!strings.Contains(err.Error(), "make deps") || !strings.Contains(err.Error(), MySQLEnv) {
		t.Errorf("missing MariaDB: %v", err)
	}
}

const helperEnv = "PHICRYPT_TESTDB_HELPER"

// TestHelperServers is not a test of its own: TestKilledProcessCleanup runs
// the test binary with helperEnv set to have it start both servers, report
// where they are and wait to be killed.
func TestHelperServers(t *testing.T) {
	if os.Getenv(helperEnv) == "" {
		return
	}
	Postgres(t)
	MySQL(t)
	pg, _, _ := postgresServer.get()
	my, _, _ := mysqlServer.get()
	pid, _ := os.ReadFile(filepath.Join(my.started.dir, "testdb.pid"))
	fmt.Printf("postgres %s\nmariadb %s %s\nready\n", pg.started.dir, my.started.dir, pid)
	select {}
}

// TestKilledProcessCleanup kills a test process that has started both
// servers and checks that their watchdogs stop them and delete their files.
func TestKilledProcessCleanup(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperServers$", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), helperEnv+"=1", PostgresEnv+"=", MySQLEnv+"=")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	var pgDir, myDir string
	var pgPid, myPid int
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		f := strings.Fields(lines.Text())
		switch {
		case len(f) == 2 && f[0] == "postgres":
			pgDir = f[1]
		case len(f) == 3 && f[0] == "mariadb":
			myDir = f[1]
			myPid, _ = strconv.Atoi(f[2])
		}
		if lines.Text() == "ready" {
			break
		}
	}
	if pgDir == "" || myDir == "" || myPid == 0 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper did not report its servers (postgres %q, mariadb %q pid %d)", pgDir, myDir, myPid)
	}
	pidLine, err := os.ReadFile(filepath.Join(pgDir, "data", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pgPid, _ = strconv.Atoi(strings.SplitN(string(pidLine), "\n", 2)[0])

	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	deadline := time.Now().Add(15 * time.Second)
	for _, s := range []struct {
		name, dir string
		pid       int
	}{{"PostgreSQL", pgDir, pgPid}, {"MariaDB", myDir, myPid}} {
		for {
			_, statErr := os.Stat(s.dir)
			gone := errors.Is(statErr, os.ErrNotExist) && !running(s.pid)
			if gone {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("%s still there 15s after its test process was killed (dir %s, pid %d running %v)",
					s.name, s.dir, s.pid, running(s.pid))
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// running tells whether pid is a live process; a zombie that nobody has
// reaped yet counts as stopped.
func running(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}
