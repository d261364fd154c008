package testdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// MySQLEnv names an existing MariaDB or MySQL server to use instead of
// starting one: a go-sql-driver/mysql DSN of a user that may create
// databases.
const MySQLEnv = "PHICRYPT_TEST_MYSQL_DSN"

// mysqlCollation is set on every connection and database: utf8mb4 stores all
// of Unicode, and utf8mb4_unicode_ci exists in MariaDB 10.x and 11.x and in
// MySQL alike.
const mysqlCollation = "utf8mb4_unicode_ci"

var mysqlServer = &provider{
	envVar:  MySQLEnv,
	connect: connectMySQL,
	start:   startMariaDB,
}

// MySQL opens a fresh, empty MariaDB database for t.
func MySQL(t testing.TB) *sql.DB {
	t.Helper()
	return openDB(t, DialectMySQL.Driver(), MySQLDSN(t))
}

// MySQLDSN creates a fresh, empty MariaDB database for t and returns its DSN,
// for the "mysql" driver. Whatever the server's defaults, connections get
// parseTime=true, multiStatements=false, utf8mb4 with mysqlCollation, the
// strict TRADITIONAL sql_mode and time_zone UTC, so the suite sees the same
// behaviour on every server. The database is dropped when t ends.
func MySQLDSN(t testing.TB) string {
	t.Helper()
	return mysqlServer.newDatabase(t, createMySQL, dropMySQL)
}

func createMySQL(s *server, name string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q := fmt.Sprintf("CREATE DATABASE `%s` CHARACTER SET utf8mb4 COLLATE %s", name, mysqlCollation)
	if _, err := s.admin.ExecContext(ctx, q); err != nil {
		return "", err
	}
	cfg, err := mysqlConfig(s.adminDSN)
	if err != nil {
		return "", err
	}
	cfg.DBName = name
	return cfg.FormatDSN(), nil
}

func dropMySQL(s *server, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := s.admin.ExecContext(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS `%s`", name))
	return err
}

// mysqlConfig parses dsn and imposes the session settings MySQLDSN
// documents.
func mysqlConfig(dsn string) (*mysql.Config, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse DSN: %w", err)
	}
	cfg.ParseTime = true
	cfg.MultiStatements = false
	cfg.Collation = mysqlCollation
	cfg.Loc = time.UTC
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["sql_mode"] = "'TRADITIONAL'"
	cfg.Params["time_zone"] = "'+00:00'"
	return cfg, nil
}

func connectMySQL(dsn string) (*server, error) {
	cfg, err := mysqlConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg.DBName = ""
	admin := cfg.FormatDSN()
	db, err := sql.Open("mysql", admin)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to MySQL: %w", err)
	}
	return &server{admin: db, adminDSN: admin}, nil
}

// binaryDirs are searched after PATH, which for a non-root user often lacks
// the sbin directories that server binaries live in.
var binaryDirs = []string{"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"}

// findBinary looks for a server binary in PATH and then in binaryDirs.
func findBinary(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range binaryDirs {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found", name)
}

// startMariaDB initialises a data directory and starts mariadbd on a free
// loopback port with real authentication: a password user, created by an
// init file, that may do everything. Durability settings are relaxed because
// the data is thrown away.
func startMariaDB() (*server, error) {
	var bins [2]string
	for i, name := range []string{"mariadbd", "mariadb-install-db"} {
		p, err := findBinary(name)
		if err != nil {
			return nil, fmt.Errorf("MariaDB server not found (no %s in PATH or /usr/sbin): run `make deps` (`make test` runs it; it installs what the tests need) or set %s to the DSN of a server where the user may create databases",
				name, MySQLEnv)
		}
		bins[i] = p
	}
	acct, err := lookupAccount("mysql")
	if err != nil {
		return nil, err
	}
	dir, err := makeDir(acct, "phicrypt-mariadb-")
	if err != nil {
		return nil, fmt.Errorf("MariaDB: %w", err)
	}
	// SIGKILL is enough: the data is about to be deleted. The wait is bounded
	// because an orphan that init does not reap stays a zombie that kill -0
	// still finds.
	const stopScript = `if [ -f "$1/testdb.pid" ]; then
	pid=$(cat "$1/testdb.pid")
	kill -KILL "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
fi
rm -rf "$1"
[ ! -e "$1" ]`
	watchdog, release, err := startWatchdog(acct, stopScript, dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("MariaDB: %w", err)
	}
	proc := &process{name: "MariaDB", dir: dir, watchdog: watchdog, release: release}
	srv, err := setUpMariaDB(acct, bins[0], bins[1], proc)
	if err != nil {
		err = fmt.Errorf("start MariaDB in %s: %w%s", dir, err,
			logTail(filepath.Join(dir, "setup.log"), filepath.Join(dir, "mariadbd.log")))
		if serr := proc.stop(); serr != nil {
			err = errors.Join(err, serr)
		}
		return nil, err
	}
	srv.started = proc
	return srv, nil
}

func setUpMariaDB(acct *account, mariadbd, installDB string, proc *process) (*server, error) {
	dir := proc.dir
	setupLog := filepath.Join(dir, "setup.log")
	dataDir := filepath.Join(dir, "data")
	args := []string{"--no-defaults", "--datadir=" + dataDir, "--skip-test-db", "--skip-name-resolve"}
	if acct.cred != nil {
		// As root, mariadb-install-db itself drops to the mysql user and
		// hands it the data directory.
		args = append(args, "--user="+acct.name)
	}
	if err := run(exec.Command(installDB, args...), setupLog); err != nil {
		return nil, fmt.Errorf("mariadb-install-db: %w", err)
	}

	password := randomName()
	initFile := filepath.Join(dir, "init.sql")
	initSQL := fmt.Sprintf("CREATE OR REPLACE USER 'phicrypt'@'127.0.0.1' IDENTIFIED BY '%s';\n"+
		"GRANT ALL PRIVILEGES ON *.* TO 'phicrypt'@'127.0.0.1' WITH GRANT OPTION;\n", password)
	if err := os.WriteFile(initFile, []byte(initSQL), 0o600); err != nil {
		return nil, err
	}
	if err := acct.chown(initFile); err != nil {
		return nil, err
	}

	// Temporary tables go to a directory of the server's own rather than
	// the shared /tmp, where another process's cleanup could remove them
	// under a running query.
	tmpDir := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmpDir, 0o700); err != nil {
		return nil, err
	}
	if err := acct.chown(tmpDir); err != nil {
		return nil, err
	}

	logPath := filepath.Join(dir, "mariadbd.log")
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		logged := fileSize(logPath)
		cmd := acct.command(mariadbd, "--no-defaults",
			"--datadir="+dataDir,
			"--socket="+filepath.Join(dir, "sock"),
			"--pid-file="+filepath.Join(dir, "mariadbd.pid"),
			"--tmpdir="+tmpDir,
			"--port="+strconv.Itoa(port),
			"--bind-address=127.0.0.1",
			"--skip-name-resolve",
			"--skip-log-bin",
			"--init-file="+initFile,
			"--log-error="+logPath,
			"--character-set-server=utf8mb4",
			"--collation-server="+mysqlCollation,
			"--max-connections=200",
			"--innodb-buffer-pool-size=64M",
			"--innodb-flush-log-at-trx-commit=0",
			// io_uring and libaio are often forbidden in containers.
			"--innodb-use-native-aio=0",
		)
		// Its own session keeps a Ctrl-C for the tests from killing it
		// before the watchdog's orderly cleanup.
		cmd.SysProcAttr.Setsid = true
		if err := runInBackground(cmd, setupLog); err != nil {
			return nil, fmt.Errorf("start mariadbd: %w", err)
		}
		// The watchdog finds the server through this file.
		if err := os.WriteFile(filepath.Join(dir, "testdb.pid"), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644); err != nil {
			cmd.Process.Kill()
			return nil, err
		}
		exited := make(chan struct{})
		go func() {
			cmd.Wait()
			close(exited)
		}()

		cfg := mysql.NewConfig()
		cfg.User = "phicrypt"
		cfg.Passwd = password
		cfg.Net = "tcp"
		cfg.Addr = "127.0.0.1:" + strconv.Itoa(port)
		srv, err := connectWhenReady(cfg.FormatDSN(), exited)
		if err == nil {
			os.Remove(initFile)
			return srv, nil
		}
		lastErr = err
		cmd.Process.Kill()
		<-exited
		if !portTaken(logPath, logged) {
			break
		}
	}
	return nil, lastErr
}

// connectWhenReady connects to a server that is starting, until it answers
// or exits.
func connectWhenReady(dsn string, exited <-chan struct{}) (*server, error) {
	cfg, err := mysqlConfig(dsn)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, err
	}
	if err := waitReady(db, exited, 60*time.Second); err != nil {
		db.Close()
		return nil, err
	}
	return &server{admin: db, adminDSN: cfg.FormatDSN()}, nil
}

// runInBackground starts cmd with its output appended to the log at
// logPath.
func runInBackground(cmd *exec.Cmd, logPath string) error {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd.Stdout = f
	cmd.Stderr = f
	return cmd.Start()
}
