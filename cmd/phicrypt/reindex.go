package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/phicrypt/phicrypt"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

const reindexUsage = `usage: phicrypt reindex --db DSN --schema FILE --kek URI --table T --index I [--batch N]

Writes the tokens of index I into every row of table T and marks the index
ready: after an index was added to a table that has rows, or its definition
(bits, transforms, grams) changed. Until then queries through the index
fail; the other indexes keep answering.

After a rotation of the index keyset ("keys rotate"), it finishes the
rotation: it rewrites the tokens of every index of that keyset under the
new key while the old tokens keep answering queries, then retires the old
key from queries.

Rows are read in key order in batches; each batch and its checkpoint
commit together. Ctrl-C stops after the current batch; the same command
run again resumes where it stopped. Progress goes to stderr.

`

func reindexCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("reindex", flag.ContinueOnError)
	var c common
	c.flags(fs, "db", "schema", "kek", "audit")
	table := fs.String("table", "", "the table (required)")
	index := fs.String("index", "", "the index to rewrite (required)")
	batch := fs.Int("batch", 1000, "rows per batch")
	wait := fs.Duration("rotation-wait", 0, "after a key rotation, wait before rewriting, so that every process writes tokens under the new key (default: twice the keyring's check interval)")
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
	return exit(reindexRun(&c, *table, *index, *batch, *wait, stderr), stderr)
}

func reindexRun(c *common, table, index string, batch int, wait time.Duration, stderr io.Writer) (err error) {
	s, err := c.loadSchema()
	if err != nil {
		return usagef("%s", strings.TrimPrefix(err.Error(), "phicrypt: "))
	}
	owner, scope, err := reindexOwner(s, table, index)
	if err != nil {
		return usagef("%s (schema %s)", err, c.schema)
	}
	b, done := newBatchRun("reindex "+table+"."+index, stderr)
	defer done()
	db, err := phicrypt.Connect(b.ctx, c.db, c.kek, s, phicrypt.VerifyOnly())
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, finish, err := c.audit(b.ctx, db, "reindex")
	if err != nil {
		return err
	}
	defer finish(&err)
	opts := &sqlwrap.ReindexOptions{BatchSize: batch, RotationWait: wait, Progress: b.progress}
	ring, err := c.keyring(ctx, db.SQL(), db.Dialect())
	if err != nil {
		return err
	}
	keys, err := ring.Keys(ctx, scope, cipher.PurposeIndex)
	if err != nil {
		return err
	}
	if !keysetRotating(keys) {
		return b.result(db.Reindex(ctx, table, index, opts))
	}
	// A rotation of the keyset is under way: finish it, which rewrites
	// every index of the keyset. An index that is building is written
	// first.
	b.say("reindex %s.%s: finishing the rotation of the index key of %s: every index of the keyset is rewritten under the new key, then the old key is retired\n", table, index, owner)
	err = db.RotateIndexKey(ctx, table, owner, opts)
	var e *sqlwrap.Error
	if errors.Is(err, sqlwrap.ErrIndexNotReady) && errors.As(err, &e) && e.Table == table && e.Column == index {
		if err := db.Reindex(ctx, table, index, opts); err != nil {
			return b.result(err)
		}
		b.restart()
		err = db.RotateIndexKey(ctx, table, owner, opts)
	}
	return b.result(err)
}

// keysetRotating reports whether an index keyset has keys in use besides the
// primary: a rotation that has not been carried through.
func keysetRotating(keys []cipher.KeyInfo) bool {
	for _, k := range keys {
		if k.Status == cipher.KeyEnabled {
			return true
		}
	}
	return false
}

// reindexOwner finds index in table: the protected column or compound
// index whose keyset it uses, and that keyset's scope.
func reindexOwner(s *sqlwrap.Schema, table, index string) (string, string, error) {
	for _, t := range s.Tables {
		if t.Name != table {
			continue
		}
		for _, col := range t.Columns {
			scope := col.Scope
			if scope == "" {
				scope = cipher.DefaultScope(t.Name, col.Name)
			}
			for _, e := range col.Equality {
				if e.Name == index {
					return col.Name, scope, nil
				}
			}
			for _, bl := range col.Bloom {
				if bl.Name == index {
					return col.Name, scope, nil
				}
			}
		}
		for _, ci := range t.Compound {
			if ci.Name == index {
				return ci.Name, cipher.DefaultScope(t.Name, ci.Name), nil
			}
		}
		return "", "", fmt.Errorf("table %q has no index %q", table, index)
	}
	return "", "", fmt.Errorf("table %q is not in the schema", table)
}
