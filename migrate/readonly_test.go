package migrate

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// TestReadOnlyDatabase: migrate on a read-only SQLite connection
// (mode=ro; chmod 0444 does not stop root, who runs the tests in CI) and
// as a PostgreSQL role or MariaDB user that may only read the table is
// refused with ErrReadOnly before anything is changed: the table keeps its
// columns and values and no state table appears.
func TestReadOnlyDatabase(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, 50)
		ring := f.ring(t, f.kekURI) // creates the keyset table as the owner
		ro := readOnlyDB(t, f)
		before, tables := f.tableDigest(t), f.tableNames(t)
		m, err := New(ro, f.dialect, testSchema(t), Options{Batch: 10})
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		_, err = m.Prepare(ctx, ring)
		if !errors.Is(err, ErrReadOnly) {
			t.Fatalf("Prepare on a read-only database: %v", err)
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "phicrypt: migrate patient_data: ") || strings.Count(msg, "phicrypt:") != 1 || !strings.Contains(msg, "nothing was changed") {
			t.Fatalf("error: %s", msg)
		}
		for _, p := range f.rows[:5] {
			if strings.Contains(msg, p.vals["ss"].(string)) || strings.Contains(msg, p.vals["email"].(string)) {
				t.Fatalf("plaintext in the error: %s", msg)
			}
		}
		t.Logf("refused: %s", msg)
		if got := f.tableDigest(t); got != before {
			t.Fatal("the table changed")
		}
		if got := f.tableNames(t); got != tables {
			t.Fatalf("tables before %s, after %s", tables, got)
		}
	})
}

// readOnlyDB connects to the fixture's database as someone who may only
// read it.
func readOnlyDB(t *testing.T, f *fixture) *sql.DB {
	t.Helper()
	var dsn string
	name := "phicrypt_ro_" + randHex(t)
	const pw = "ro-password-1"
	switch f.d {
	case testdb.DialectSQLite:
		var path string
		if err := f.db.QueryRow("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&path); err != nil {
			t.Fatal(err)
		}
		dsn = (&url.URL{Scheme: "file", Path: path}).String() + "?mode=ro&_pragma=busy_timeout(10000)"
	case testdb.DialectPostgres:
		dsn = postgresRole(t, f, name, pw, "GRANT USAGE ON SCHEMA public TO "+name, "GRANT SELECT ON ALL TABLES IN SCHEMA public TO "+name)
	default:
		var db, host string
		if err := f.db.QueryRow("SELECT DATABASE(), SUBSTRING_INDEX(CURRENT_USER(), '@', -1)").Scan(&db, &host); err != nil {
			t.Fatal(err)
		}
		user := fmt.Sprintf("'%s'@'%s'", name, host)
		for _, s := range []string{
			fmt.Sprintf("CREATE USER %s IDENTIFIED BY '%s'", user, pw),
			fmt.Sprintf("GRANT SELECT ON `%s`.* TO %s", db, user),
		} {
			if _, err := f.db.Exec(s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
		t.Cleanup(func() {
			if _, err := f.db.Exec("DROP USER " + user); err != nil {
				t.Errorf("drop user: %v", err)
			}
		})
		var port int
		if err := f.db.QueryRow("SELECT @@port").Scan(&port); err != nil {
			t.Fatal(err)
		}
		cfg := mysql.NewConfig()
		cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = name, pw, "tcp", fmt.Sprintf("127.0.0.1:%d", port), db
		cfg.ParseTime = true
		dsn = cfg.FormatDSN()
	}
	db, err := sql.Open(f.d.Driver(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatalf("connect read-only: %v", err)
	}
	return db
}

func randHex(t *testing.T) string {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// tableDigest is a SHA-256 over every column of every row of patient_data,
// as text, in pid order, and the column names.
func (f *fixture) tableDigest(t *testing.T) string {
	t.Helper()
	rows, err := f.db.Query("SELECT * FROM patient_data ORDER BY pid")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	h := sha256.New()
	fmt.Fprintln(h, strings.Join(cols, ","))
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			fmt.Fprintf(h, "%v|", v)
		}
		fmt.Fprintln(h)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// tableNames lists the database's tables.
func (f *fixture) tableNames(t *testing.T) string {
	t.Helper()
	q := map[testdb.Dialect]string{
		testdb.DialectSQLite:   "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
		testdb.DialectPostgres: "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
		testdb.DialectMySQL:    "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1",
	}[f.d]
	rows, err := f.db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	return strings.Join(names, ",")
}

// postgresRole creates a login role name on the fixture's PostgreSQL
// database, allowed to connect and given grants (statements run as they
// are), drops it when the test ends, and returns its DSN.
func postgresRole(t *testing.T, f *fixture, name, pw string, grants ...string) string {
	t.Helper()
	var db string
	if err := f.db.QueryRow("SELECT current_database()").Scan(&db); err != nil {
		t.Fatal(err)
	}
	for _, s := range append([]string{
		fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", name, pw),
		fmt.Sprintf("GRANT CONNECT ON DATABASE %q TO %s", db, name),
	}, grants...) {
		if _, err := f.db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	t.Cleanup(func() {
		f.db.Exec("DROP OWNED BY " + name)
		if _, err := f.db.Exec("DROP ROLE " + name); err != nil {
			t.Errorf("drop role: %v", err)
		}
	})
	var addr string
	var port int
	if err := f.db.QueryRow("SELECT inet_server_addr()::text, inet_server_port()").Scan(&addr, &port); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("postgres://%s:%s@%s:%d/%s?sslmode=disable", name, pw, strings.TrimSuffix(addr, "/32"), port, db)
}
