package readmetest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt"
)

// The README section this test runs, and the commands it stands for.
const (
	section     = "## Encrypting an existing table"
	phicryptCmd = "go run ./cmd/phicrypt"
	legacyCmd   = "go run ./examples/legacydb"
)

// TestReadmeEncryptingExistingTable runs every command of the README's
// "Encrypting an existing table" (its sh blocks, in order) in an empty
// folder, with "go run ./cmd/phicrypt" and "go run ./examples/legacydb"
// replaced by binaries built once, and the export lines before each
// command in effect. Every command must exit 0; find must print the
// README's patient; after --drop-plaintext the database file and its WAL
// must hold none of the legacy SSNs and e-mail addresses.
func TestReadmeEncryptingExistingTable(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the CLI")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := SectionCommands(string(readme), section)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkChain(cmds); err != nil {
		t.Fatal(err)
	}

	bin := t.TempDir()
	phicryptBin := build(t, root, bin, "./cmd/phicrypt", "phicrypt")
	legacyBin := build(t, root, bin, "./examples/legacydb", "legacydb")
	work := t.TempDir()
	env := cleanEnv()

	var exports []string
	var canaries map[string]bool
	var dbPath string
	sawDrop, legacyWritten := false, false
	for _, cmd := range cmds {
		if strings.HasPrefix(cmd, "export ") {
			exports = append(exports, cmd)
			continue
		}
		if legacyWritten && canaries == nil {
			// Before the first phicrypt command, the plaintext the
			// rest must remove: every SSN and e-mail of $DB.
			dsn := shellValue(t, work, env, exports, "DB")
			dbPath = filepath.Join(work, strings.TrimPrefix(dsn, "sqlite:"))
			canaries = legacyCanaries(t, "sqlite:"+dbPath)
			if !grepFiles(dbPath, canaries) {
				t.Fatalf("the canaries are not in %s before the migration: the grep below would prove nothing", dbPath)
			}
		}
		line := cmd
		switch {
		case strings.HasPrefix(cmd, phicryptCmd+" "):
			line = shQuote(phicryptBin) + strings.TrimPrefix(cmd, phicryptCmd)
		case cmd == legacyCmd || strings.HasPrefix(cmd, legacyCmd+" "):
			line = shQuote(legacyBin) + strings.TrimPrefix(cmd, legacyCmd)
		default:
			t.Fatalf("README command %q is neither %q, %q nor an export: this test cannot run it", cmd, phicryptCmd, legacyCmd)
		}
		code, stdout, stderr := shell(t, work, env, exports, line)
		t.Logf("$ %s\nexit %d\n%s%s", cmd, code, abbreviate(stdout), abbreviate(stderr))
		if code != 0 {
			t.Fatalf("README command %q: exit %d\nstdout:\n%s\nstderr:\n%s", cmd, code, stdout, stderr)
		}
		args := commandArgs(cmd)
		if len(args) > 0 && args[0] == "migrate" && !has(args, "--dry-run") && !strings.Contains(stderr, "every writer must use the wrapper") {
			t.Errorf("migrate did not print the line the README tells the reader to wait for:\n%s", stderr)
		}
		switch {
		case strings.HasPrefix(cmd, legacyCmd):
			legacyWritten = true
		case has(args, "find"):
			for _, want := range []string{"Núñez", "078-05-1120", "ana.nunez@example.org", "1 rows"} {
				if !strings.Contains(stdout, want) {
					t.Errorf("find printed no %q:\n%s", want, stdout)
				}
			}
		case has(args, "verify"):
			if !strings.Contains(stdout, "verify: clean") {
				t.Errorf("verify is not clean:\n%s", stdout)
			}
		case has(args, "--drop-plaintext"):
			sawDrop = true
			if grepFiles(dbPath, canaries) || grepFiles(dbPath+"-wal", canaries) {
				t.Fatalf("%s or its WAL still holds a legacy SSN or e-mail after --drop-plaintext", dbPath)
			}
		}
	}
	if !sawDrop {
		t.Fatal("the README ran no migrate --drop-plaintext")
	}
	runExportSection(t, string(readme), work, env, exports, phicryptBin, canaries)
}

// exportSection continues the section above in the same folder.
const exportSection = "### De-identified export"

// runExportSection runs the commands of the README's "De-identified
// export" after those of "Encrypting an existing table", with their
// exports: each must exit 0, or the status its trailing "# exit N" names;
// the export's files must hold none of the legacy SSNs and e-mail
// addresses, and a refused export must leave no folder.
func runExportSection(t *testing.T, readme, work string, env, exports []string, phicryptBin string, canaries map[string]bool) {
	t.Helper()
	start := strings.Index(readme, "\n"+exportSection+"\n")
	if start < 0 {
		t.Fatalf("README has no section %q", exportSection)
	}
	body := readme[start+len(exportSection)+2:]
	if end := regexp.MustCompile(`\n#{2,3} `).FindStringIndex(body); end != nil {
		body = body[:end[0]]
	}
	cmds, err := SectionCommands("\n"+exportSection+"\n"+body, exportSection)
	if err != nil {
		t.Fatal(err)
	}
	exitRE := regexp.MustCompile(`#\s*exit (\d+)`)
	exported := 0
	for _, cmd := range cmds {
		want := 0
		if m := exitRE.FindStringSubmatch(cmd); m != nil {
			want, _ = strconv.Atoi(m[1])
		}
		line := cmd
		if !strings.HasPrefix(cmd, phicryptCmd+" ") {
			if !strings.HasPrefix(cmd, "printf ") {
				t.Fatalf("README command %q is neither %q nor a printf: this test cannot run it", cmd, phicryptCmd)
			}
		} else {
			line = shQuote(phicryptBin) + strings.TrimPrefix(cmd, phicryptCmd)
		}
		code, stdout, stderr := shell(t, work, env, exports, line)
		t.Logf("$ %s\nexit %d\n%s%s", cmd, code, abbreviate(stdout), abbreviate(stderr))
		if code != want {
			t.Fatalf("README command %q: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", cmd, code, want, stdout, stderr)
		}
		args := commandArgs(cmd)
		if len(args) == 0 || args[0] != "export" || has(args, "--print-profile") {
			continue
		}
		out := ""
		for i, a := range args {
			if a == "--out" && i+1 < len(args) {
				out = filepath.Join(work, args[i+1])
			}
		}
		if want != 0 {
			if _, err := os.Stat(out); err == nil {
				t.Errorf("the refused export left %s", out)
			}
			continue
		}
		exported++
		files, _ := filepath.Glob(filepath.Join(out, "*"))
		if len(files) < 2 {
			t.Fatalf("the export wrote %v", files)
		}
		for _, f := range files {
			if grepFiles(f, canaries) {
				t.Errorf("%s holds a legacy SSN or e-mail", f)
			}
		}
	}
	if exported == 0 {
		t.Fatal("the README's export section ran no export")
	}
}

// checkChain returns an error unless the commands hold the newcomer's
// chain in order.
func checkChain(cmds []string) error {
	chain := []struct {
		name string
		ok   func(args []string) bool
	}{
		{"go run ./examples/legacydb", nil},
		{"scan --emit-schema", func(a []string) bool { return a[0] == "scan" && has(a, "--emit-schema") }},
		{"keys new-local", func(a []string) bool { return len(a) > 1 && a[0] == "keys" && a[1] == "new-local" }},
		{"keys init", func(a []string) bool { return len(a) > 1 && a[0] == "keys" && a[1] == "init" }},
		{"migrate --dry-run", func(a []string) bool { return a[0] == "migrate" && has(a, "--dry-run") }},
		{"migrate", func(a []string) bool { return a[0] == "migrate" && !has(a, "--dry-run") && !has(a, "--drop-plaintext") }},
		{"verify", func(a []string) bool { return a[0] == "verify" }},
		{"find", func(a []string) bool { return a[0] == "find" }},
		{"migrate --drop-plaintext", func(a []string) bool { return a[0] == "migrate" && has(a, "--drop-plaintext") }},
	}
	next := 0
	for _, c := range cmds {
		if next == len(chain) {
			break
		}
		var hit bool
		if chain[next].ok == nil {
			hit = strings.HasPrefix(c, legacyCmd)
		} else if a := commandArgs(c); len(a) > 0 {
			hit = chain[next].ok(a)
		}
		if hit {
			next++
		}
	}
	if next < len(chain) {
		return fmt.Errorf("README section %q lacks %q (in the order legacydb, scan, keys new-local, keys init, migrate --dry-run, migrate, verify, find, migrate --drop-plaintext)", section, chain[next].name)
	}
	return nil
}

// commandArgs are the words of a phicrypt command after "go run
// ./cmd/phicrypt", without a trailing comment.
func commandArgs(cmd string) []string {
	rest, ok := strings.CutPrefix(cmd, phicryptCmd+" ")
	if !ok {
		return nil
	}
	rest, _, _ = strings.Cut(rest, " #")
	return strings.Fields(rest)
}

func has(args []string, want string) bool {
	for _, a := range args {
		if a == want || strings.HasPrefix(a, want+"=") {
			return true
		}
	}
	return false
}

// build compiles the package pkg of the module at root into dir.
func build(t *testing.T, root, dir, pkg, name string) string {
	t.Helper()
	// The go command that runs this test, else the one on PATH.
	goBin := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if _, err := os.Stat(goBin); os.Getenv("GOROOT") == "" || err != nil {
		goBin = "go"
	}
	out := filepath.Join(dir, name)
	cmd := exec.Command(goBin, "build", "-o", out, pkg)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// cleanEnv is the test's environment without the variables the README
// sets, so that only what the README exports counts.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "PHICRYPT_KEK", "DB", "SCHEMA":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// shell runs line with sh in dir after the export lines.
func shell(t *testing.T, dir string, env, exports []string, line string) (code int, stdout, stderr string) {
	t.Helper()
	script := strings.Join(append(append([]string{"set -e"}, exports...), line), "\n")
	sh, err := exec.LookPath("sh")
	if err != nil {
		sh = "/bin/sh"
	}
	cmd := exec.Command(sh, "-c", script)
	cmd.Dir = dir
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errOut.String()
	}
	if err != nil {
		t.Fatalf("sh: %v", err)
	}
	return 0, out.String(), errOut.String()
}

// shellValue is the value of variable name after the export lines.
func shellValue(t *testing.T, dir string, env, exports []string, name string) string {
	t.Helper()
	code, out, errOut := shell(t, dir, env, exports, `printf %s "$`+name+`"`)
	if code != 0 || out == "" {
		t.Fatalf("the README exports no %s before its first phicrypt command (exit %d: %s)", name, code, errOut)
	}
	return out
}

// legacyCanaries reads every SSN and e-mail of the plaintext table.
func legacyCanaries(t *testing.T, dsn string) map[string]bool {
	t.Helper()
	db, _, err := phicrypt.OpenSQL(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT ss, email FROM patient_data")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var ss, email string
		if err := rows.Scan(&ss, &email); err != nil {
			t.Fatal(err)
		}
		out[ss], out[email] = true, true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 8000 || !out["078-05-1120"] || !out["ana.nunez@example.org"] {
		t.Fatalf("legacydb wrote %d distinct SSNs and e-mails, or not the README's patient; want the default 5000 rows", len(out))
	}
	return out
}

// Shapes of the canaries in a file's bytes: SSNs, and e-mail addresses
// with whatever precedes them in a record (checked suffix by suffix).
var (
	ssnShape   = regexp.MustCompile(`[0-9]{3}-[0-9]{2}-[0-9]{4}`)
	emailShape = regexp.MustCompile(`[A-Za-z0-9._'+-]*@example\.(?:com|org)`)
)

// grepFiles reports whether the file at path (absent: false) holds one of
// the canaries.
func grepFiles(path string, canaries map[string]bool) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	for _, m := range ssnShape.FindAll(b, -1) {
		if canaries[string(m)] {
			return true
		}
	}
	for _, m := range emailShape.FindAll(b, -1) {
		for i := range m {
			if canaries[string(m[i:])] {
				return true
			}
		}
	}
	return false
}

func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func abbreviate(s string) string {
	if len(s) > 1500 {
		return s[:1500] + "…\n"
	}
	return s
}
