package testdb

import (
	"path/filepath"
	"testing"
)

// DataDir returns the data directory of the server that the databases of
// dialect d live on, for tests that inspect the server's files (a canary
// grep after the plaintext was removed). It reports false when the
// directory is not this process's to read: SQLite (whose databases are
// single files the test already knows), or a server named by
// PHICRYPT_TEST_POSTGRES_DSN or PHICRYPT_TEST_MYSQL_DSN, whose files may be
// on another machine and hold other users' data. A test that needs the
// directory should fail, not skip, when it is missing, and say to unset
// the variable so that a private server is started.
//
// The server is started (or connected to) if it was not yet. The
// directory is shared by every test of the process that uses the same
// dialect, so a test that greps it should use values no other test writes.
func DataDir(t testing.TB, d Dialect) (string, bool) {
	t.Helper()
	var p *provider
	switch d {
	case DialectPostgres:
		p = postgresServer
	case DialectMySQL:
		p = mysqlServer
	default:
		return "", false
	}
	srv, _, err := p.get()
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	if srv.started == nil {
		return "", false
	}
	return filepath.Join(srv.started.dir, "data"), true
}
