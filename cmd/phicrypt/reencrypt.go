package main

import (
	"flag"
	"io"
	"time"

	"github.com/phicrypt/phicrypt/sqlwrap"
)

const reencryptUsage = `usage: phicrypt reencrypt --db DSN --schema FILE --kek URI --table T [--batch N]

Seals again, under the current primary data key of each protected column,
every value of table T sealed under an older key (after "keys rotate" of a
value keyset), so that the old key can be retired. Tokens do not change.
Rows are read in key order in batches; each batch and its checkpoint commit
together. Ctrl-C stops after the current batch; the same command run again
resumes where it stopped. Progress goes to stderr.

`

func reencryptCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("reencrypt", flag.ContinueOnError)
	var c common
	c.flags(fs, "db", "schema", "kek", "audit")
	table := fs.String("table", "", "the table to reencrypt (required)")
	batch := fs.Int("batch", 1000, "rows per batch")
	wait := fs.Duration("rotation-wait", 0, "wait before a new pass, so that every process seals under the new key (default: twice the keyring's check interval)")
	if err := parse(fs, reencryptUsage, args, stderr); err != nil {
		return exit(err, stderr)
	}
	if err := c.need("db", "schema", "kek"); err != nil {
		return exit(err, stderr)
	}
	if *table == "" {
		return exit(usagef("--table T is required"), stderr)
	}
	if *batch <= 0 {
		return exit(usagef("--batch must be positive"), stderr)
	}
	return exit(reencryptRun(&c, *table, *batch, *wait, stderr), stderr)
}

func reencryptRun(c *common, table string, batch int, wait time.Duration, stderr io.Writer) (err error) {
	b, done := newBatchRun("reencrypt "+table, stderr)
	defer done()
	db, err := c.connect(b.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, finish, err := c.audit(b.ctx, db, "reencrypt")
	if err != nil {
		return err
	}
	defer finish(&err)
	if _, err := db.Table(table); err != nil {
		return usagef("table %q is not in the schema %s", table, c.schema)
	}
	return b.result(db.Reencrypt(ctx, table, &sqlwrap.ReencryptOptions{BatchSize: batch, RotationWait: wait, Progress: b.progress}))
}
