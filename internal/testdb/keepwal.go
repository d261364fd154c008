package testdb

import (
	"context"
	"database/sql"
	"net/url"
	"testing"
)

// KeepWAL opens the SQLite database file at path (created, in WAL mode, if
// absent) on one connection that stays open until the test ends. SQLite
// folds the WAL into the database and deletes it when the last connection
// closes; with this one open, the WAL the code under test wrote survives
// its Close, so a test can grep it for plaintext too.
func KeepWAL(t testing.TB, path string) {
	t.Helper()
	u := url.URL{Scheme: "file", Path: path}
	db, err := sql.Open(DialectSQLite.Driver(), u.String()+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	conn, err := db.Conn(context.Background())
	if err == nil {
		// A read opens the WAL index, which is what keeps the WAL.
		var n int
		err = conn.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM sqlite_master").Scan(&n)
	}
	if err != nil {
		db.Close()
		t.Fatalf("testdb: hold %s open: %v", path, err)
	}
	t.Cleanup(func() {
		conn.Close()
		db.Close()
	})
}
