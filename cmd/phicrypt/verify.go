package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/phicrypt/phicrypt"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

const verifyUsage = `usage: phicrypt verify --db DSN --schema FILE --kek URI [--table T]... [--json]

Checks every table of the schema (or each --table): every protected value
is a ciphertext that opens, every token of every index matches its value
under the index's current definition and keys, no protected column holds
plaintext, and every keyset the table uses is wrapped by the current KEK.
During a migration it also counts the rows not migrated yet and compares
each migrated value with the plaintext kept beside it. It changes nothing.

Prints a summary per table and the problems found (table, key, column or
index, and kind: never a value). Exit 0 when everything is clean, 1 when
a problem was found or the check could not run.

`

func verifyCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	var c common
	c.flags(fs, "db", "schema", "kek", "json", "audit")
	var tables tableList
	fs.Var(&tables, "table", "a table to check (repeatable; default: every table of the schema)")
	batch := fs.Int("batch", 1000, "rows per read")
	maxProblems := fs.Int("max-problems", 100, "problems listed per table (all are counted)")
	if err := parse(fs, verifyUsage, args, stderr); err != nil {
		return exit(err, stderr)
	}
	if err := c.need("db", "schema", "kek"); err != nil {
		return exit(err, stderr)
	}
	if *batch <= 0 || *maxProblems <= 0 {
		return exit(usagef("--batch and --max-problems must be positive"), stderr)
	}
	ctx, cancel := signalContext()
	defer cancel()
	return exit(verifyRun(ctx, &c, tables, &sqlwrap.VerifyOptions{BatchSize: *batch, MaxProblems: *maxProblems}, stdout, stderr), stderr)
}

// verifyResult is the --json output.
type verifyResult struct {
	Clean  bool                    `json:"clean"`
	Tables []*sqlwrap.VerifyReport `json:"tables"`
}

func verifyRun(ctx context.Context, c *common, tables []string, opts *sqlwrap.VerifyOptions, stdout, stderr io.Writer) (err error) {
	s, err := c.loadSchema()
	if err != nil {
		return usagef("%s", strings.TrimPrefix(err.Error(), "phicrypt: "))
	}
	known := map[string]bool{}
	var all []string
	for _, t := range s.Tables {
		known[t.Name] = true
		all = append(all, t.Name)
	}
	for _, t := range tables {
		if !known[t] {
			return usagef("table %q is not in the schema %s", t, c.schema)
		}
	}
	if len(tables) == 0 {
		tables = all
	}
	db, err := phicrypt.Connect(ctx, c.db, c.kek, s, phicrypt.VerifyOnly())
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, finish, err := c.audit(ctx, db, "verify")
	if err != nil {
		return err
	}
	defer finish(&err)
	res := verifyResult{Clean: true}
	for _, t := range tables {
		// A long check shows its progress on stderr every batchProgressEvery.
		start, printed := time.Now(), time.Now()
		opts.Progress = func(rows int64) {
			if now := time.Now(); now.Sub(printed) >= batchProgressEvery {
				printed = now
				fmt.Fprintf(stderr, "verify %s: %d rows (%.0f rows/s)\n", t, rows, float64(rows)/now.Sub(start).Seconds())
			}
		}
		rep, err := db.Verify(ctx, t, opts)
		if err != nil {
			return err
		}
		res.Clean = res.Clean && rep.Clean()
		res.Tables = append(res.Tables, rep)
	}
	if c.json {
		if err := writeJSON(stdout, res); err != nil {
			return err
		}
	} else {
		printVerify(stdout, res)
	}
	if !res.Clean {
		return errFinding
	}
	return nil
}

func printVerify(w io.Writer, res verifyResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "TABLE\tROWS\tVALUES\tOPENED\tPLAINTEXT\tUNREADABLE\tOLD DATA KEY\tTOKENS\tTOKENS OK\tPENDING REINDEX\tNOT MIGRATED\tKEYSETS\tPROBLEMS\t")
	for _, r := range res.Tables {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", r.Table, r.Rows, r.Values, r.Opened, r.Plaintext, r.Unreadable, r.OldDataKey,
			r.Tokens, r.TokensOK, r.PendingReindex, r.NotMigrated, r.Keysets, r.ProblemCount)
	}
	tw.Flush()
	for _, r := range res.Tables {
		if r.Migrating {
			fmt.Fprintf(w, "\n%s is being migrated: %d values not migrated yet, %d migrated values equal to their plaintext, %d not\n", r.Table, r.NotMigrated, r.PlaintextMatches, r.PlaintextDiffers)
		}
		if r.Clean() {
			continue
		}
		fmt.Fprintf(w, "\n%s: %d problems\n", r.Table, r.ProblemCount)
		for _, p := range r.Problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
		if n := r.ProblemCount - int64(len(r.Problems)); n > 0 {
			fmt.Fprintf(w, "  … and %d more (--max-problems)\n", n)
		}
	}
	if res.Clean {
		fmt.Fprintln(w, "\nverify: clean")
	} else {
		fmt.Fprintln(w, "\nverify: PROBLEMS FOUND")
	}
}
