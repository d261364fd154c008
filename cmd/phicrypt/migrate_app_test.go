package main

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// appSchema protects four columns of a patient_data table, with an
// equality index on ss and email and equality and prefix on lname.
const appSchema = `version: 1
tables:
  - name: patient_data
    key: pid
    row_binding: pid
    rows: 5000
    columns:
      - {name: fname, type: string}
      - {name: lname, type: string, equality: true, prefix: true}
      - {name: ss, type: string, max_length: 16, equality: {transforms: digits}}
      - {name: email, type: string, equality: true}
`

var appCols = []string{"fname", "lname", "ss", "email"}

var appLastNames = []string{"Smith", "Johnson", "Williams", "Brown", "Garcia", "Müller", "Nguyen", "Kim", "Patel", "O'Brien", "Núñez", "Okafor"}

// TestMigrateWhileAppRuns runs `phicrypt migrate` in another process on a
// table of a few thousand plaintext rows, in small batches, while this
// process plays the application through the wrapper in migrating mode: it
// reads rows by key, searches by ss and lname, counts, updates and inserts,
// until the migration exits. Every read returns the value last written
// (the test keeps the expected value of every row); afterwards verify
// passes and every row reads back with its latest value.
func TestMigrateWhileAppRuns(t *testing.T) {
	bin := buildPhicryptBinary(t)
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			migrateWhileAppRuns(t, bin, d)
		})
	}
}

func migrateWhileAppRuns(t *testing.T, bin string, d testdb.Dialect) {
	ctx := context.Background()
	// A search in migrating mode reads every row not sealed yet (some
	// 20-100µs a row, more under -race), so the first rounds are slow:
	// small batches keep migrate running long enough for many rounds.
	// On SQLite, an application write may also wait for seconds: migrate
	// starts its next write transaction as soon as one commits, and
	// SQLite's busy handler gives the waiting writer few turns.
	const n, batch = 4000, "2"
	db, dsn := testdb.Open(t, d)
	want := appTable(t, db, d, n)
	dir := t.TempDir()
	schemaPath := filepath.Join(dir, "schema.yaml")
	if err := os.WriteFile(schemaPath, []byte(appSchema), 0o644); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, "dev.key")
	if code, _, stderr := runCmd(t, "keys", "new-local", "--out", key); code != 0 {
		t.Fatal(stderr)
	}
	c := &common{db: dsn, schema: schemaPath, kek: "local:" + key}

	cmd := exec.Command(bin, "migrate", "--db", dsn, "--schema", schemaPath, "--kek", c.kek, "--batch", batch, "--workers", "1")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	waited := false
	defer func() {
		if !waited {
			cmd.Process.Kill()
			<-exited
		}
	}()

	// The application switches to the wrapper once migrate has renamed the
	// plaintext columns and added the ciphertext columns.
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains("prepared copy done", phase(db)) {
		select {
		case err := <-exited:
			waited = true
			t.Fatalf("migrate exited before the application started: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("migrate did not prepare the table in 20s:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	w, err := c.connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ta, err := w.Table("patient_data")
	if err != nil {
		t.Fatal(err)
	}

	// Two application goroutines: a reader of the rows nobody writes (its
	// expected values never change, so every answer is checked exactly,
	// and on SQLite its reads never wait for migrate's write lock) and a
	// writer that owns every fourth row and the rows it inserts, and reads
	// back and searches what it wrote. Their name lists are disjoint, so
	// the reader's searches by lname have a fixed answer.
	var readers, writers []int64
	for p := range want {
		if appWriterRow(p) {
			writers = append(writers, p)
		} else {
			readers = append(readers, p)
		}
	}
	slices.Sort(readers)
	slices.Sort(writers)
	// Each goroutine has its own copy of the expected values of its rows.
	theirs, mine := map[int64]map[string]any{}, map[int64]map[string]any{}
	for p, r := range want {
		if appWriterRow(p) {
			mine[p] = maps.Clone(r)
		} else {
			theirs[p] = maps.Clone(r)
		}
	}
	stop := make(chan struct{})
	type result struct {
		who                string
		rounds, duringCopy int
		slowest            time.Duration
		err                error
	}
	results := make(chan result, 2)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	go func() {
		res := result{who: "reader"}
		defer func() { results <- res }()
		rng := rand.New(rand.NewPCG(seed, 1))
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if phase(db) == "copy" {
				res.duringCopy++
			}
			res.rounds++
			pid := readers[rng.IntN(len(readers))]
			if res.err = appCheckGet(ctx, ta, pid, theirs[pid]); res.err != nil {
				return
			}
			if i%4 == 0 {
				if res.err = appSearch(ctx, ta, theirs, "ss", theirs[pid]["ss"]); res.err != nil {
					return
				}
			}
			if i%10 == 0 {
				if res.err = appSearch(ctx, ta, theirs, "lname", theirs[pid]["lname"]); res.err != nil {
					return
				}
			}
		}
	}()
	go func() {
		res := result{who: "writer"}
		defer func() { results <- res }()
		rng := rand.New(rand.NewPCG(seed, 2))
		next := max(slices.Max(readers), slices.Max(writers)) + 1
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if phase(db) == "copy" {
				res.duringCopy++
			}
			res.rounds++
			begin := time.Now()
			pid := writers[rng.IntN(len(writers))]
			upd := sqlwrap.Row{"lname": appWriterNames[rng.IntN(len(appWriterNames))], "ss": fmt.Sprintf("7%02d-%02d-%04d", i%100, rng.IntN(100), rng.IntN(10000))}
			if err := ta.Update(ctx, pid, upd); err != nil {
				res.err = fmt.Errorf("update %d: %w", pid, err)
				return
			}
			mine[pid]["lname"], mine[pid]["ss"] = upd["lname"], upd["ss"]
			if i%3 == 0 {
				for !appWriterRow(next) {
					next++
				}
				row := appRow(next, rng)
				ins := sqlwrap.Row{"pid": next}
				for k, v := range row {
					ins[k] = v
				}
				if _, err := ta.Insert(ctx, ins); err != nil {
					res.err = fmt.Errorf("insert %d: %w", next, err)
					return
				}
				mine[next] = row
				writers = append(writers, next)
				next++
			}
			res.slowest = max(res.slowest, time.Since(begin))
			if res.err = appCheckGet(ctx, ta, pid, mine[pid]); res.err != nil {
				return
			}
			if i%4 == 0 {
				if res.err = appSearch(ctx, ta, mine, "lname", mine[pid]["lname"]); res.err != nil {
					return
				}
			}
		}
	}()
	migrateErr := <-exited
	waited = true
	close(stop)
	for range 2 {
		r := <-results
		t.Logf("%s: %d rounds, %d during the copy phase", r.who, r.rounds, r.duringCopy)
		if r.who == "writer" {
			// On SQLite this shows how long a write waited for migrate's
			// write lock (seconds at times: see above).
			t.Logf("writer: slowest update+insert %v", r.slowest)
		}
		if r.err != nil {
			t.Errorf("%s: %v", r.who, r.err)
		}
		if r.duringCopy < 3 && r.who == "reader" || r.duringCopy < 1 {
			t.Errorf("%s: only %d rounds ran while migrate copied: make the table larger or the batches smaller", r.who, r.duringCopy)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	for p, r := range mine {
		want[p] = r
	}
	t.Logf("migrate: %s", lastLines(out.String(), 1))
	if migrateErr != nil {
		t.Fatalf("migrate: %v\n%s", migrateErr, out.String())
	}
	if code, stdout, stderr := runCmd(t, "verify", "--db", dsn, "--schema", schemaPath, "--kek", c.kek); code != 0 {
		t.Fatalf("verify: exit %d\n%s%s", code, stdout, stderr)
	}
	got := 0
	for r, err := range ta.Rows(ctx, sqlwrap.Query{}) {
		if err != nil {
			t.Fatal(err)
		}
		got++
		pid := r["pid"].(int64)
		for _, col := range appCols {
			if r[col] != want[pid][col] {
				t.Fatalf("after the migration, row %d: %s = %v, want %v", pid, col, r[col], want[pid][col])
			}
		}
	}
	if got != len(want) {
		t.Fatalf("%d rows after the migration, want %d", got, len(want))
	}
}

// appSearch checks that Find and Count of col = v answer exactly the rows
// of want whose value is v.
func appSearch(ctx context.Context, ta *sqlwrap.TableAccess, want map[int64]map[string]any, col string, v any) error {
	var exp []int64
	for p, r := range want {
		if r[col] == v {
			exp = append(exp, p)
		}
	}
	slices.Sort(exp)
	q := sqlwrap.Query{Where: []sqlwrap.Pred{sqlwrap.Eq(col, v)}}
	rows, err := ta.Find(ctx, q)
	if err != nil {
		return fmt.Errorf("find %s: %w", col, err)
	}
	var got []int64
	for _, r := range rows {
		got = append(got, r["pid"].(int64))
	}
	slices.Sort(got)
	if !slices.Equal(got, exp) {
		return fmt.Errorf("find %s: %d rows %v, want %d rows %v", col, len(got), head(got), len(exp), head(exp))
	}
	cnt, err := ta.Count(ctx, q)
	if err != nil {
		return fmt.Errorf("count %s: %w", col, err)
	}
	if cnt != int64(len(exp)) {
		return fmt.Errorf("count %s: %d, want %d", col, cnt, len(exp))
	}
	return nil
}

// appCheckGet reads row pid by key and compares it with want.
func appCheckGet(ctx context.Context, ta *sqlwrap.TableAccess, pid int64, want map[string]any) error {
	r, err := ta.Get(ctx, pid)
	if err != nil {
		return fmt.Errorf("get %d: %w", pid, err)
	}
	for _, col := range appCols {
		if r[col] != want[col] {
			return fmt.Errorf("get %d: %s = %v, want %v", pid, col, r[col], want[col])
		}
	}
	return nil
}

// appWriterRow tells whether the writer goroutine owns row pid.
func appWriterRow(pid int64) bool { return pid%8 == 0 }

var appWriterNames = []string{"Writer", "Writerson", "Wright", "Wrigley"}

func head(s []int64) []int64 { return s[:min(len(s), 8)] }

// phase is the migration phase of patient_data, "" before there is one.
func phase(db *sql.DB) string {
	var p string
	if err := db.QueryRow("SELECT phase FROM phicrypt_migrations WHERE tbl = 'patient_data'").Scan(&p); err != nil {
		return "-"
	}
	return p
}

func appRow(pid int64, rng *rand.Rand) map[string]any {
	names := appLastNames
	if appWriterRow(pid) {
		names = appWriterNames
	}
	return map[string]any{
		"fname": fmt.Sprintf("First%d", pid),
		"lname": names[rng.IntN(len(names))],
		"ss":    fmt.Sprintf("9%02d-%02d-%04d", rng.IntN(100), rng.IntN(100), pid%10000),
		"email": fmt.Sprintf("patient%d@example.org", pid),
	}
}

// appTable creates patient_data with n plaintext rows, written with plain
// SQL as the application did before phicrypt, and returns them by pid.
func appTable(t *testing.T, db *sql.DB, d testdb.Dialect, n int) map[int64]map[string]any {
	t.Helper()
	v := "VARCHAR(255) NOT NULL DEFAULT ''"
	if _, err := db.Exec(fmt.Sprintf("CREATE TABLE patient_data (pid BIGINT NOT NULL PRIMARY KEY, fname %[1]s, lname %[1]s, ss %[1]s, email %[1]s, city %[1]s)", v)); err != nil {
		t.Fatal(err)
	}
	q := "INSERT INTO patient_data (pid, fname, lname, ss, email, city) VALUES (?, ?, ?, ?, ?, 'Springfield')"
	if d == testdb.DialectPostgres {
		q = "INSERT INTO patient_data (pid, fname, lname, ss, email, city) VALUES ($1, $2, $3, $4, $5, 'Springfield')"
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	rng := rand.New(rand.NewPCG(5, 5))
	want := map[int64]map[string]any{}
	for i := 1; i <= n; i++ {
		pid := int64(2 * i)
		r := appRow(pid, rng)
		if _, err := tx.Exec(q, pid, r["fname"], r["lname"], r["ss"], r["email"]); err != nil {
			t.Fatal(err)
		}
		want[pid] = r
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return want
}
