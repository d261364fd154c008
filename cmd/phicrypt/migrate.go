package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/phicrypt/phicrypt/migrate"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

const migrateUsage = `usage: phicrypt migrate --db DSN --schema FILE --kek URI [flags]

Encrypts the existing plaintext columns the schema protects, in place,
while the application keeps running. Each protected column c is renamed
to c__plain (its NOT NULL dropped), the wrapper adds c as the ciphertext
column with its token columns and indexes (and creates the keysets that do
not exist yet: "phicrypt keys init" beforehand is optional), and the table
is walked by its key in batches, each batch committed with its checkpoint
in phicrypt_migrations. Ctrl-C stops after the batches in flight; after
Ctrl-C, kill -9, a crash or a lost connection, the same command resumes
where it stopped and never seals a value twice. A second migrate of the
same table is refused while the first one's heartbeat is fresh.

  phicrypt migrate --dry-run ...          print the plan: checks, rows, DDL, estimated time
  phicrypt migrate ...                    encrypt (resumable)
  phicrypt migrate --drop-plaintext ...   finish, verify every row, then drop the
                                          __plain columns and rewrite the table

flags:
`

func migrateCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	var c common
	c.flags(fs, "db", "schema", "kek", "json", "audit")
	dry := fs.Bool("dry-run", false, "print the plan (checks, row counts, DDL, estimated time) and change nothing")
	drop := fs.Bool("drop-plaintext", false, "after the migration and a full verify, drop the __plain columns and rewrite the table")
	batch := fs.Int("batch", migrate.DefaultBatch, "rows per transaction")
	workers := fs.Int("workers", 0, "batches sealed in parallel (default: the number of CPUs)")
	keep := fs.Bool("keep-indexes", false, "keep the token indexes up to date during the run instead of building them at the end (slower)")
	skip := fs.Bool("skip-bad-rows", false, "record values that do not fit their type in phicrypt_bad_rows (key, column, reason) and go on")
	tables := fs.String("table", "", "migrate only these tables of the schema (comma-separated)")
	lockTimeout := fs.Duration("lock-timeout", migrate.DefaultLockTimeout, "take over a lock whose heartbeat is older than this")
	if err := parse(fs, migrateUsage, args, stderr); err != nil {
		return exit(err, stderr)
	}
	need := []string{"db", "schema"}
	if !*dry {
		need = append(need, "kek")
	}
	if err := c.need(need...); err != nil {
		return exit(err, stderr)
	}
	if *batch <= 0 || *workers < 0 {
		return exit(usagef("--batch must be positive and --workers not negative"), stderr)
	}
	if *dry && *drop {
		return exit(usagef("--dry-run and --drop-plaintext exclude each other"), stderr)
	}
	opts := migrate.Options{Batch: *batch, Workers: *workers, SkipBadRows: *skip, KeepIndexes: *keep, LockTimeout: *lockTimeout}
	if *tables != "" {
		opts.Tables = strings.Split(*tables, ",")
	}
	ctx, stop := signalContext()
	defer stop()
	return exit(runMigrate(ctx, &c, opts, *dry, *drop, stdout, stderr), stderr)
}

func runMigrate(ctx context.Context, c *common, opts migrate.Options, dry, drop bool, stdout, stderr io.Writer) (err error) {
	schema, err := c.loadSchema()
	if err != nil {
		return usagef("%v", err)
	}
	for _, n := range opts.Tables {
		if _, ok := schema.Table(n); !ok {
			return usagef("table %q is not in the schema %s", n, c.schema)
		}
	}
	sqldb, dialect, err := c.openDB(ctx)
	if err != nil {
		return err
	}
	defer sqldb.Close()
	opts.Logf = func(format string, args ...any) { fmt.Fprintf(stderr, "phicrypt: "+format+"\n", args...) }
	m, err := migrate.New(sqldb, dialect, schema, opts)
	if err != nil {
		return err
	}
	defer m.Close()
	if dry {
		plan, err := m.Plan(ctx)
		if err != nil {
			return err
		}
		if err := m.Estimate(ctx, plan); err != nil {
			return err
		}
		if c.json {
			return writeJSON(stdout, plan)
		}
		printMigratePlan(stdout, plan)
		return nil
	}
	ring, err := c.keyring(ctx, sqldb, dialect)
	if err != nil {
		return err
	}
	w, err := m.Prepare(ctx, ring)
	if err != nil {
		return err
	}
	ctx, finish, err := c.audit(ctx, w, "migrate")
	if err != nil {
		return err
	}
	defer finish(&err)
	fmt.Fprintln(stderr, "phicrypt: migrate: plaintext columns renamed to c__plain; from now on every writer must use the wrapper")
	prog := newProgress(stderr)
	m.SetProgress(prog.update)
	results, err := m.Run(ctx, w)
	prog.finish()
	if err != nil {
		if errors.Is(err, migrate.ErrStopped) && !c.json {
			printResults(stdout, results)
		}
		return err
	}
	out := struct {
		Results []*migrate.Result     `json:"results"`
		Dropped []*migrate.DropResult `json:"dropped,omitempty"`
		Outside []string              `json:"outside_reach,omitempty"`
	}{Results: results}
	if drop {
		dropped, err := m.DropPlaintext(ctx, w)
		out.Dropped = dropped
		if err != nil {
			if c.json {
				writeJSON(stdout, out)
			} else {
				printVerifyFailures(stdout, dropped)
			}
			return err
		}
		out.Outside = migrate.Outside(dialect)
	}
	if c.json {
		return writeJSON(stdout, out)
	}
	printResults(stdout, results)
	if drop {
		printDropped(stdout, out.Dropped, out.Outside)
	}
	return nil
}

func printMigratePlan(w io.Writer, p *migrate.Plan) {
	for _, tp := range p.Tables {
		fmt.Fprintf(w, "table %s (%s): %d rows, key %s\n", tp.Table, p.Dialect, tp.Rows, tp.Key)
		if tp.Phase != "" {
			fmt.Fprintf(w, "  state: %s, checkpoint %s\n", tp.Phase, orDash(tp.LastKey))
		}
		fmt.Fprintln(w, "  columns:")
		for _, cp := range tp.Columns {
			nn := ""
			if cp.NotNull {
				nn = " NOT NULL"
			}
			fmt.Fprintf(w, "    %-20s %-10s %s%s -> plaintext kept in %s\n", cp.Name, cp.State, cp.SQLType, nn, cp.Plain)
		}
		if len(tp.DDL) > 0 {
			fmt.Fprintln(w, "  DDL:")
			for _, s := range tp.DDL {
				fmt.Fprintf(w, "    %s;\n", s)
			}
		}
		if tp.RowsPerSecond > 0 {
			fmt.Fprintf(w, "  estimated time: %s (sample sealed and indexed %.0f rows/s per worker)\n", tp.Duration(), tp.RowsPerSecond)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "nothing was changed (dry run)")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func printResults(w io.Writer, results []*migrate.Result) {
	for _, r := range results {
		fmt.Fprintf(w, "%s: %s, %d rows examined, %d values sealed by this run (%d in all), %d bad values skipped, checkpoint %s, %s\n",
			r.Table, r.Phase, r.Rows, r.Sealed, r.TotalSealed, r.Bad, orDash(r.LastKey), r.Elapsed.Round(time.Millisecond))
		if r.Bad > 0 {
			fmt.Fprintf(w, "  the skipped values are listed (key, column, reason) in %s: fix them and run migrate again\n", migrate.BadRowsTable)
		}
	}
}

func printVerifyFailures(w io.Writer, dropped []*migrate.DropResult) {
	for _, d := range dropped {
		if d.Verify == nil || d.Verify.OK() {
			continue
		}
		fmt.Fprintf(w, "%s: verify failed: %d rows, %d values compared, %d not sealed, %d failed\n", d.Table, d.Verify.Rows, d.Verify.Compared, d.Verify.Unmigrated, d.Verify.Failed)
		for _, mm := range d.Verify.Mismatches {
			fmt.Fprintf(w, "  key %s, column %s: %s\n", mm.Key, mm.Column, mm.Reason)
		}
	}
}

func printDropped(w io.Writer, dropped []*migrate.DropResult, outside []string) {
	for _, d := range dropped {
		if d.Verify != nil {
			fmt.Fprintf(w, "%s: verified %d rows (%d values compared with their plaintext)\n", d.Table, d.Verify.Rows, d.Verify.Compared)
		}
		if len(d.Dropped) > 0 {
			fmt.Fprintf(w, "%s: dropped %s\n", d.Table, strings.Join(d.Dropped, ", "))
		}
		fmt.Fprintf(w, "%s: removed what the database still held: %s\n", d.Table, strings.Join(d.Rewrite, "; "))
		for _, n := range d.Notes {
			fmt.Fprintf(w, "%s: warning: %s\n", d.Table, n)
		}
	}
	fmt.Fprintln(w, "\nOutside phicrypt's reach, the plaintext may still be in:")
	for _, o := range outside {
		fmt.Fprintf(w, "  - %s\n", o)
	}
}

// progress shows a run: a bar with rows/s and ETA on a terminal, a log
// line every few seconds otherwise.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	bars  map[string]*progressbar.ProgressBar
	last  time.Time
	start time.Time
	first int64
}

// logEvery is the interval of the log lines when stderr is not a terminal.
var logEvery = 5 * time.Second

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, bars: map[string]*progressbar.ProgressBar{}, start: time.Now(), first: -1}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	return p
}

func (p *progress) update(s migrate.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		b := p.bars[s.Table]
		if b == nil {
			b = progressbar.NewOptions64(s.Total,
				progressbar.OptionSetWriter(p.w),
				progressbar.OptionSetDescription("migrate "+s.Table),
				progressbar.OptionShowCount(),
				progressbar.OptionShowIts(),
				progressbar.OptionSetItsString("rows"),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(p.w) }),
			)
			p.bars[s.Table] = b
		}
		b.Set64(min(s.Done, s.Total))
		return
	}
	if p.first < 0 {
		// The rate counts from the first batch on, and the first line
		// waits for the next interval so that it has one.
		p.first, p.start, p.last = s.Done, time.Now(), time.Now()
		return
	}
	if time.Since(p.last) < logEvery {
		return
	}
	p.last = time.Now()
	rate := float64(s.Done-p.first) / time.Since(p.start).Seconds()
	eta := "-"
	if rate > 0 && s.Total > s.Done {
		eta = (time.Duration(float64(s.Total-s.Done)/rate) * time.Second).Round(time.Second).String()
	}
	pct := 100.0
	if s.Total > 0 {
		pct = 100 * float64(min(s.Done, s.Total)) / float64(s.Total)
	}
	fmt.Fprintf(p.w, "phicrypt: migrate %s: %d/%d rows (%.0f%%), %d values sealed, %.0f rows/s, ETA %s, checkpoint %s\n",
		s.Table, s.Done, s.Total, pct, s.Sealed, rate, eta, orDash(s.LastKey))
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range p.bars {
		b.Finish()
	}
}
