// Command bench measures phicrypt's search latency, insert throughput,
// storage and key-service calls against the same queries on a plaintext
// table, on SQLite, PostgreSQL or MariaDB, and writes results.json,
// results.md and charts. docs/BENCHMARKS.md explains the results.
//
//	go run ./bench                                  # SQLite, 100,000 rows
//	go run ./bench --db postgres://… --rows 10000,100000,1000000
//
// --db must name a database the benchmark may fill: it drops every table
// whose name starts with bench_ there, and the keysets of those tables.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// minRows is the smallest table the suite runs on.
const minRows = 1000

// config is the command line.
type config struct {
	db           string
	rows         []int
	queries      int
	out          string
	seed         uint64
	batch        int
	naiveQueries int
	naiveMax     int
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	rows := fs.String("rows", "100000", "table sizes to run, comma-separated (e.g. 10000,100000,1000000)")
	fs.StringVar(&c.db, "db", "", "database: sqlite:PATH, postgres://… or mysql://… (default: a new SQLite file in a temporary directory)")
	fs.IntVar(&c.queries, "queries", 1000, "queries per kind")
	fs.StringVar(&c.out, "out", "", "directory of results.json, results.md and the charts (default bench/results/<db>)")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the synthetic patients and of the needles")
	fs.IntVar(&c.batch, "batch", 1000, "rows per insert transaction")
	fs.IntVar(&c.naiveQueries, "naive-queries", 20, "queries per kind of the naive baseline (decrypt every row)")
	fs.IntVar(&c.naiveMax, "naive-max-rows", 100000, "largest table the naive baseline runs on")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./bench [--db DSN] [--rows N,N,…] [--queries N] [--out DIR] [--seed N]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, s := range strings.Split(*rows, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < minRows {
			return nil, fmt.Errorf("--rows: %q is not a table size of at least %d rows (below that the planner refuses the equality indexes: too few rows per token)", s, minRows)
		}
		c.rows = append(c.rows, n)
	}
	if c.queries < 1 || c.batch < 1 || c.naiveQueries < 0 {
		return nil, fmt.Errorf("--queries and --batch must be positive, --naive-queries not negative")
	}
	return c, nil
}

// run is the command: 0 on success, 1 on a failed run, 2 on a usage
// error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, "bench: "+format+"\n", a...) }
	if c.db == "" {
		dir, err := os.MkdirTemp("", "phicrypt-bench-")
		if err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		c.db = "sqlite:" + filepath.Join(dir, "bench.db")
	}
	if c.out != "" {
		// A results.json that cannot be merged fails now, not after the run.
		if _, err := ReadResults(c.out); err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 1
		}
	}
	var results []*Result
	for _, n := range c.rows {
		r, err := runSize(ctx, c, n, logf)
		if err != nil {
			fmt.Fprintf(stderr, "bench: %d rows: %v\n", n, err)
			return 1
		}
		results = append(results, r)
		out := c.out
		if out == "" {
			out = filepath.Join("bench", "results", r.DB)
		}
		if err := WriteResults(out, []*Result{r}); err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 1
		}
		logf("%s %d rows: results in %s", r.DB, n, out)
		if n == c.rows[len(c.rows)-1] {
			all, err := ReadResults(out)
			if err != nil {
				fmt.Fprintln(stderr, "bench:", err)
				return 1
			}
			fmt.Fprint(stderr, FormatGoals(GoalRows(all)))
		}
	}
	printSummary(stdout, results)
	return 0
}

// printSummary prints each run's p50 latencies and ratios.
func printSummary(w io.Writer, results []*Result) {
	for _, r := range results {
		fmt.Fprintf(w, "%s, %d rows, %d queries per kind (µs, end to end)\n", r.DB, r.Rows, r.Queries)
		fmt.Fprintf(w, "  %-12s %10s %10s %8s %10s %10s\n", "kind", "plain p50", "phi p50", "ratio", "plain p99", "phi p99")
		for _, k := range KindNames {
			s := r.Kinds[k]
			if s == nil {
				continue
			}
			fmt.Fprintf(w, "  %-12s %10.1f %10.1f %8.2f %10.1f %10.1f\n", k, s.PlainP50US, s.PhicryptP50US, s.RatioP50, s.PlainP99US, s.PhicryptP99US)
			for _, name := range sortedKeys(s.Alternatives) {
				a := s.Alternatives[name]
				fmt.Fprintf(w, "    %-10s %10s %10.1f %8.2f %10s %10.1f\n", name, "", a.P50US, a.RatioP50, "", a.P99US)
			}
		}
		fmt.Fprintf(w, "  insert: plain %.0f rows/s, phicrypt %.0f rows/s (%.2f)\n", r.Insert.PlainRowsS, r.Insert.PhicryptRowsS, r.Insert.Ratio)
		fmt.Fprintf(w, "  storage: plain %.0f B/row, phicrypt %.0f B/row (%.2f)\n", r.Storage.PlainBytesPerRow, r.Storage.PhicryptBytesPerRow, r.Storage.Ratio)
		fmt.Fprintf(w, "  kms_calls: %d (keysets: %d)\n", r.KMSCalls, r.Keysets)
	}
}
