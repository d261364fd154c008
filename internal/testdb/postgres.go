package testdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// PostgresEnv names an existing PostgreSQL server to use instead of starting
// one: a DSN (URL or key=value form) of a role that may create databases.
const PostgresEnv = "PHICRYPT_TEST_POSTGRES_DSN"

// postgresBin is where the PostgreSQL 15 server binaries are looked for; the
// Debian packages that `make deps` installs put them there.
var postgresBin = "/usr/lib/postgresql/15/bin"

var postgresServer = &provider{
	envVar:  PostgresEnv,
	connect: connectPostgres,
	start:   startPostgres,
}

// Postgres opens a fresh, empty PostgreSQL database for t.
func Postgres(t testing.TB) *sql.DB {
	t.Helper()
	return openDB(t, DialectPostgres.Driver(), PostgresDSN(t))
}

// PostgresDSN creates a fresh, empty PostgreSQL database for t and returns
// its DSN, for the "pgx" driver. The database is created from template0 with
// UTF-8 encoding and the C collation so that results do not depend on the
// server's defaults, and it is dropped when t ends.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	return postgresServer.newDatabase(t, createPostgres, dropPostgres)
}

func createPostgres(s *server, name string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q := fmt.Sprintf(`CREATE DATABASE %q TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`, name)
	if _, err := s.admin.ExecContext(ctx, q); err != nil {
		return "", err
	}
	return postgresWithDatabase(s.adminDSN, name)
}

// dropPostgres uses FORCE so that connections a test left open do not keep
// its database alive.
func dropPostgres(s *server, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := s.admin.ExecContext(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, name))
	return err
}

// postgresWithDatabase points dsn at database name, in either DSN form.
func postgresWithDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parse DSN: %w", err)
		}
		u.Path = "/" + name
		u.RawPath = ""
		return u.String(), nil
	}
	// In key=value form a later key overrides an earlier one.
	return dsn + " dbname=" + name, nil
}

func connectPostgres(dsn string) (*server, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	return &server{admin: db, adminDSN: dsn}, nil
}

// startPostgres creates a cluster in a fresh directory and starts it on a
// free loopback port, with password authentication over TCP. Durability is
// switched off: the data is thrown away and fsyncs would dominate the time
// the tests take.
func startPostgres() (*server, error) {
	for _, b := range []string{"initdb", "pg_ctl", "postgres"} {
		if _, err := os.Stat(filepath.Join(postgresBin, b)); err != nil {
			return nil, fmt.Errorf("PostgreSQL 15 not found in %s (no %s): run `make deps` (`make test` runs it; it installs what the tests need) or set %s to the DSN of a server where the user may create databases",
				postgresBin, b, PostgresEnv)
		}
	}
	acct, err := lookupAccount("postgres")
	if err != nil {
		return nil, err
	}
	dir, err := makeDir(acct, "phicrypt-pg-")
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL: %w", err)
	}
	const stopScript = `"$1/pg_ctl" -D "$2/data" -m immediate -w -t 30 stop >/dev/null 2>&1
rm -rf "$2"
[ ! -e "$2" ]`
	watchdog, release, err := startWatchdog(acct, stopScript, postgresBin, dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("PostgreSQL: %w", err)
	}
	proc := &process{name: "PostgreSQL", dir: dir, watchdog: watchdog, release: release}
	srv, err := setUpPostgres(acct, dir)
	if err != nil {
		// The tail is read before stop removes the logs with the directory.
		err = fmt.Errorf("start PostgreSQL in %s: %w%s", dir, err,
			logTail(filepath.Join(dir, "setup.log"), filepath.Join(dir, "postgres.log")))
		if serr := proc.stop(); serr != nil {
			err = errors.Join(err, serr)
		}
		return nil, err
	}
	srv.started = proc
	return srv, nil
}

func setUpPostgres(acct *account, dir string) (*server, error) {
	setupLog := filepath.Join(dir, "setup.log")
	password := randomName()
	pwFile := filepath.Join(dir, "pwfile")
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
		return nil, err
	}
	if err := acct.chown(pwFile); err != nil {
		return nil, err
	}
	initdb := acct.command(filepath.Join(postgresBin, "initdb"),
		"-D", filepath.Join(dir, "data"), "-U", "postgres", "--pwfile", pwFile,
		"--auth-local=trust", "--auth-host=scram-sha-256",
		"-E", "UTF8", "--locale=C", "--no-sync")
	if err := run(initdb, setupLog); err != nil {
		return nil, fmt.Errorf("initdb: %w", err)
	}
	os.Remove(pwFile)

	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		opts := fmt.Sprintf("-p %d -k '%s' -c listen_addresses=127.0.0.1 -c max_connections=200"+
			" -c fsync=off -c synchronous_commit=off -c full_page_writes=off", port, dir)
		logPath := filepath.Join(dir, "postgres.log")
		logged := fileSize(logPath)
		start := acct.command(filepath.Join(postgresBin, "pg_ctl"), "-D", filepath.Join(dir, "data"),
			"-l", logPath, "-w", "-t", "30", "-o", opts, "start")
		if err := run(start, setupLog); err != nil {
			lastErr = fmt.Errorf("pg_ctl start: %w", err)
			if portTaken(logPath, logged) {
				continue
			}
			return nil, lastErr
		}
		dsn := fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%d/postgres?sslmode=disable&connect_timeout=10", password, port)
		return connectPostgres(dsn)
	}
	return nil, lastErr
}
