package sqlwrap

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// TestIssue9_9_NoDriverLinked checks that importing sqlwrap links no
// database driver: the application chooses its own.
func TestIssue9_9_NoDriverLinked(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, drv := range []string{"github.com/jackc/pgx", "github.com/go-sql-driver/mysql", "modernc.org/sqlite", "github.com/mattn/go-sqlite3", "github.com/lib/pq"} {
			if strings.HasPrefix(pkg, drv) {
				t.Errorf("sqlwrap links driver package %s", pkg)
			}
		}
	}
}

// TestIssue9_9_UniqueViolationByInterface checks the duplicate-key
// detection without a driver: by SQLSTATE method and by MySQL's text.
func TestIssue9_9_UniqueViolationByInterface(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{stateErr("23505"), true},
		{fmt.Errorf("wrapped: %w", stateErr("23505")), true},
		{stateErr("23503"), false},
		{errors.New("Error 1062 (23000): Duplicate entry 'a-b' for key 'PRIMARY'"), true},
		{errors.New("Error 1064 (42000): syntax error"), false},
		{errors.New("UNIQUE constraint failed: phicrypt_keysets.scope"), true},
		{errors.New("connection refused"), false},
		{nil, false},
	} {
		if got := ksUniqueViolation(c.err); got != c.want {
			t.Errorf("ksUniqueViolation(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
