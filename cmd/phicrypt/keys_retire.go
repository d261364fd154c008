package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/phicrypt/phicrypt/sqlwrap"
)

const keysRetireUsage = `usage: phicrypt keys retire --db DSN --schema FILE --kek URI --table T --column C

Retires every data key of the value keyset of T.C other than the primary,
so that nothing opens with them any more. It refuses, retiring nothing,
while any value of a column sharing the keyset is still sealed under an
old key: run phicrypt keys rotate, then phicrypt reencrypt, then this.
A retired key stays in the keyset (phicrypt keys list shows it) until it
is destroyed.

`

func keysRetire(args []string, stdout, stderr io.Writer) int {
	var c common
	fs := flag.NewFlagSet("keys retire", flag.ContinueOnError)
	c.flags(fs, "db", "schema", "kek", "audit")
	table := fs.String("table", "", "table `T` of the column")
	column := fs.String("column", "", "protected column `C` whose old data keys to retire")
	if err := parse(fs, keysRetireUsage, args, stderr); err != nil {
		return exit(err, stderr)
	}
	if err := c.need("db", "schema", "kek"); err != nil {
		return exit(err, stderr)
	}
	if *table == "" || *column == "" {
		return exit(usagef("--table T and --column C are required"), stderr)
	}
	ctx, stop := signalContext()
	defer stop()
	return exit(runKeysRetire(ctx, &c, *table, *column, stdout), stderr)
}

func runKeysRetire(ctx context.Context, c *common, table, column string, stdout io.Writer) (err error) {
	s, err := c.loadSchema()
	if err != nil {
		return err
	}
	t := findTable(s, table)
	if t == nil {
		return usagef("table %q is not in the schema", table)
	}
	if _, ok := t.Column(column); !ok {
		return usagef("%s.%s is not a protected column of the schema", table, column)
	}
	db, err := c.connect(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, finish, err := c.audit(ctx, db, "keys retire")
	if err != nil {
		return err
	}
	defer finish(&err)
	if err := db.RetireDataKeys(ctx, table, column); err != nil {
		if errors.Is(err, sqlwrap.ErrReencryptIncomplete) {
			return fmt.Errorf("%w; nothing was retired: run phicrypt reencrypt --table %s first", err, table)
		}
		return err
	}
	fmt.Fprintf(stdout, "retired the old data keys of %s.%s; values open under the primary key only\n", table, column)
	return nil
}

// findTable is the table of s named name, or nil.
func findTable(s *sqlwrap.Schema, name string) *sqlwrap.Table {
	for _, t := range s.Tables {
		if t.Name == name {
			return t
		}
	}
	return nil
}
