package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

func findIDs(t *testing.T, args ...string) []int {
	t.Helper()
	code, out, stderr := runPhicrypt(t, append([]string{"find", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("find %v: exit %d: %s", args, code, stderr)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("find %v: %v: %s", args, err, out)
	}
	var ids []int
	for _, r := range rows {
		ids = append(ids, int(r["id"].(float64)))
	}
	sort.Ints(ids)
	return ids
}

// TestFind searches through the CLI on every dialect: equality, prefix,
// substring, compound, typed values, plain columns, and the refusals.
func TestFind(t *testing.T) {
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			dsn, kek, schema := cliFixture(t, d)
			base := []string{"--db", dsn, "--schema", schema, "--kek", kek, "--table", "patients"}
			for _, tc := range []struct {
				args []string
				want string
			}{
				{[]string{"--eq", "ssn=078051120"}, "[1]"},
				{[]string{"--eq", "ssn=078-05-1120"}, "[1]"},
				{[]string{"--prefix", "last_name=smi"}, "[1 2]"},
				{[]string{"--contains", "notes=penicillin"}, "[1 4]"},
				{[]string{"--eq", "last_name=smith", "--eq", "dob=1950-03-04"}, "[1]"},
				{[]string{"--eq", "visits=3"}, "[1 4]"},
				{[]string{"--eq", "city=Austin", "--prefix", "last_name=smi"}, "[2]"},
				{[]string{"--eq", "age=75", "--contains", "notes=again"}, "[4]"},
				{[]string{"--eq", "id=3"}, "[3]"},
				{[]string{"--eq", "ssn=999999999"}, "[]"},
				{nil, "[1 2 3 4]"},
			} {
				if got := fmt.Sprint(findIDs(t, append(base, tc.args...)...)); got != tc.want && !(tc.want == "[]" && got == "[]") {
					t.Errorf("find %v: %s, want %s", tc.args, got, tc.want)
				}
			}

			// JSON values carry the column types.
			code, out, _ := runPhicrypt(t, append([]string{"find", "--json", "--eq", "ssn=078051120"}, base...)...)
			var rows []map[string]any
			if err := json.Unmarshal([]byte(out), &rows); err != nil || code != 0 || len(rows) != 1 {
				t.Fatalf("json: %v %s", err, out)
			}
			r := rows[0]
			if r["ssn"] != "078-05-1120" || r["last_name"] != "Smith" || r["dob"] != "1950-03-04" || r["visits"] != float64(3) || r["city"] != "Springfield" || r["age"] != float64(75) {
				t.Errorf("row %v", r)
			}

			// The table for people, with NULLs and a limit.
			code, out, stderr := runPhicrypt(t, append([]string{"find", "--eq", "id=3"}, base...)...)
			if code != 0 || !strings.Contains(out, "Müller") || !strings.Contains(out, "NULL") || !strings.HasPrefix(out, "id") || !strings.Contains(out, "1 rows") {
				t.Errorf("table: exit %d: %s %s", code, out, stderr)
			}
			code, out, stderr = runPhicrypt(t, append([]string{"find", "--limit", "2"}, base...)...)
			if code != 0 || !strings.Contains(out, "2 rows") || !strings.Contains(stderr, "more rows match") {
				t.Errorf("limit: exit %d: %s %s", code, out, stderr)
			}

			// Refusals: exit 2 with the wrapper's error, never the value.
			for _, tc := range []struct {
				args []string
				want string
			}{
				{[]string{"--eq", "visits=qzthree"}, "not an integer"},
				{[]string{"--eq", "dob=qz-03-04"}, "not a date"},
				{[]string{"--eq", "nosuch=qzval"}, "unknown column"},
				{[]string{"--eq", "dob=1950-03-04"}, "unsupported query"},
				{[]string{"--prefix", "ssn=qz07"}, "unsupported query"},
				{[]string{"--contains", "last_name=qzmit"}, "unsupported query"},
				{[]string{"--prefix", "city=qzAus"}, "unsupported query"},
			} {
				code, _, stderr := runPhicrypt(t, append(append([]string{"find"}, base...), tc.args...)...)
				if code != 2 || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "qz") || strings.Count(stderr, "phicrypt:") != 1 {
					t.Errorf("find %v: exit %d: %s", tc.args, code, stderr)
				}
			}
		})
	}
}

// TestFindKEKFromEnv: --kek falls back to PHICRYPT_KEK.
func TestFindKEKFromEnv(t *testing.T) {
	dsn, kek, schema := cliFixture(t, testdb.DialectSQLite)
	t.Setenv("PHICRYPT_KEK", kek)
	code, out, stderr := runPhicrypt(t, "find", "--db", dsn, "--schema", schema, "--table", "patients", "--eq", "ssn=123456789")
	if code != 0 || !strings.Contains(out, "Smithers") || !strings.Contains(out, "1 rows") {
		t.Fatalf("exit %d: %s %s", code, out, stderr)
	}
}

func TestFindUsage(t *testing.T) {
	schema := writeFile(t, "schema.yaml", cliSchema)
	for _, args := range [][]string{
		{"find", "--db", "sqlite:x.db", "--schema", schema, "--kek", "local:x"},
		{"find", "--db", "sqlite:x.db", "--schema", schema, "--kek", "local:x", "--table", "nope"},
		{"find", "--db", "sqlite:x.db", "--schema", schema, "--kek", "local:x", "--table", "patients", "--eq", "novalue"},
		{"find", "--db", "sqlite:x.db", "--schema", schema, "--kek", "local:x", "--table", "patients", "--limit", "-1"},
		{"find", "--schema", schema, "--kek", "local:x", "--table", "patients"},
	} {
		if code, _, stderr := runPhicrypt(t, args...); code != 2 {
			t.Errorf("%v: exit %d: %s", args, code, stderr)
		}
	}
	if code, _, stderr := runPhicrypt(t, "find", "--help"); code != 0 || !strings.Contains(stderr, "usage: phicrypt find") || !strings.Contains(stderr, "-contains") {
		t.Errorf("find --help: exit %d: %s", code, stderr)
	}
}
