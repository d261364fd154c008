package main

import (
	"errors"
	"flag"
	"io"

	"github.com/phicrypt/phicrypt/sqlwrap"
)

const reindexUsage = `usage: phicrypt reindex --db DSN --schema FILE --kek URI --table T --index I [--batch N]

Writes the tokens of index I into every row of table T and marks the index
ready: after an index was added to a table that has rows, or its definition
(bits, transforms, grams) changed. Until then queries through the index
fail; the other indexes keep answering. Rows are read in key order in
batches; each batch and its checkpoint commit together. Ctrl-C stops after
the current batch; the same command run again resumes where it stopped.
Progress goes to stderr.

`

func reindexCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("reindex", flag.ContinueOnError)
	var c common
	c.flags(fs, "db", "schema", "kek")
	table := fs.String("table", "", "the table (required)")
	index := fs.String("index", "", "the index to rewrite (required)")
	batch := fs.Int("batch", 1000, "rows per batch")
	if err := parse(fs, reindexUsage, args, stderr); err != nil {
		return exit(err, stderr)
	}
	if err := c.need("db", "schema", "kek"); err != nil {
		return exit(err, stderr)
	}
	switch {
	case *table == "":
		return exit(usagef("--table T is required"), stderr)
	case *index == "":
		return exit(usagef("--index I is required"), stderr)
	case *batch <= 0:
		return exit(usagef("--batch must be positive"), stderr)
	}
	return exit(reindexRun(&c, *table, *index, *batch, stderr), stderr)
}

func reindexRun(c *common, table, index string, batch int, stderr io.Writer) error {
	b, done := newBatchRun("reindex "+table+"."+index, stderr)
	defer done()
	db, err := c.connect(b.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Table(table); err != nil {
		return usagef("table %q is not in the schema %s", table, c.schema)
	}
	err = db.Reindex(b.ctx, table, index, &sqlwrap.ReindexOptions{BatchSize: batch, Progress: b.progress})
	if errors.Is(err, sqlwrap.ErrUnknownIndex) {
		return usagef("table %q has no index %q in the schema %s", table, index, c.schema)
	}
	return b.result(err)
}
