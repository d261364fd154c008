package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

const keysRotateUsage = `usage: phicrypt keys rotate --db DSN --schema FILE --kek URI [--table T [--column C | --index I]] [--purpose value|seal|index] [--reindex] [--json]

Adds a new primary key to each selected keyset: every keyset of the
schema, of one table (--table), of one protected column (--column), or the
index keyset of one index (--index: an equality, prefix or substring index
of a column, or a compound index). --purpose narrows the selection: value
to the data keys of both formats (the value keyset and the write-only
sealing keyset), seal to the write-only sealing keyset alone, index to
index keys.

Nothing already stored changes. Values sealed under an old data key keep
opening; move them to the new key with phicrypt reencrypt before retiring
the old one. Rotating a write-only sealing keyset (seal-private) adds a
new HPKE key pair as primary and publishes its public half (seal-public):
principals that may seal but not open seal to the new public key within
their check interval, and values they sealed before keep opening with the
old private key, which stays in the keyset (phicrypt reencrypt rewrites
them as version 1 under the primary data key). Rows keep their tokens
under an old index key, and queries ask both keys, until the tokens are
rewritten: with --reindex, keys rotate does it at once (sqlwrap
DB.RotateIndexKey: rotate, wait for other processes to see the new key,
rewrite every row's tokens, retire the old index keys); without it, run
phicrypt reindex.

`

func keysRotate(args []string, stdout, stderr io.Writer) int {
	var c common
	var sel rotateSelection
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	c.flags(fs, "db", "schema", "kek", "json")
	fs.StringVar(&sel.table, "table", "", "rotate the keysets of table `T` only")
	fs.StringVar(&sel.column, "column", "", "rotate the keysets of protected column `C` of --table only")
	fs.StringVar(&sel.index, "index", "", "rotate the index keyset of index `I` of --table only")
	fs.StringVar(&sel.purpose, "purpose", "", "rotate only data keys of both formats (`value`), write-only sealing keys (seal) or index keys (index)")
	reindex := fs.Bool("reindex", false, "rewrite every row's tokens under the new index keys and retire the old ones")
	wait := fs.Duration("wait", 0, "with --reindex: how long other processes get to see a new index key before the rewrite (default twice the keyring's check interval)")
	if err := parse(fs, keysRotateUsage, args, stderr); err != nil {
		return exit(err, stderr)
	}
	if err := c.need("db", "schema", "kek"); err != nil {
		return exit(err, stderr)
	}
	ctx, stop := signalContext()
	defer stop()
	return exit(runKeysRotate(ctx, &c, &sel, *reindex, *wait, stdout), stderr)
}

type rotateSelection struct{ table, column, index, purpose string }

// rotateTarget is one keyset to rotate, with a table and a column or
// compound index that use it (what RotateIndexKey takes).
type rotateTarget struct {
	scope   string
	purpose cipher.Purpose
	table   string
	name    string
}

// targets lists the keysets the flags name, each once.
func (sel *rotateSelection) targets(s *sqlwrap.Schema) ([]rotateTarget, error) {
	var want []cipher.Purpose
	// A column's data keys are its value keyset and its write-only
	// sealing keyset (whose public half follows the private one).
	switch sel.purpose {
	case "":
		want = []cipher.Purpose{cipher.PurposeValue, cipher.PurposeSealPrivate, cipher.PurposeIndex}
	case "value":
		want = []cipher.Purpose{cipher.PurposeValue, cipher.PurposeSealPrivate}
	case "seal":
		want = []cipher.Purpose{cipher.PurposeSealPrivate}
	case "index":
		want = []cipher.Purpose{cipher.PurposeIndex}
	default:
		return nil, usagef("--purpose must be value, seal or index, got %q", sel.purpose)
	}
	switch {
	case (sel.column != "" || sel.index != "") && sel.table == "":
		return nil, usagef("--column and --index need --table")
	case sel.column != "" && sel.index != "":
		return nil, usagef("give --column or --index, not both")
	case sel.index != "" && (sel.purpose == "value" || sel.purpose == "seal"):
		return nil, usagef("--index selects an index keyset: --purpose %s does not apply", sel.purpose)
	case sel.index != "":
		want = []cipher.Purpose{cipher.PurposeIndex}
	}
	if sel.table != "" {
		if _, ok := s.Table(sel.table); !ok {
			return nil, usagef("--table %s: no such table in the schema", sel.table)
		}
	}
	var out []rotateTarget
	seen := map[string]bool{}
	add := func(scope, table, name string, ps ...cipher.Purpose) {
		for _, p := range ps {
			for _, w := range want {
				k := fmt.Sprintf("%d/%s", p, scope)
				if p == w && !seen[k] {
					seen[k] = true
					out = append(out, rotateTarget{scope: scope, purpose: p, table: table, name: name})
				}
			}
		}
	}
	found := false
	for _, t := range s.Tables {
		if sel.table != "" && t.Name != sel.table {
			continue
		}
		for _, col := range t.Columns {
			scope := col.Scope
			if scope == "" {
				scope = cipher.DefaultScope(t.Name, col.Name)
			}
			switch {
			case sel.index != "":
				for _, ix := range col.Equality {
					if ix.Name == sel.index {
						found = true
						add(scope, t.Name, col.Name, cipher.PurposeIndex)
					}
				}
				for _, ix := range col.Bloom {
					if ix.Name == sel.index {
						found = true
						add(scope, t.Name, col.Name, cipher.PurposeIndex)
					}
				}
			case sel.column == "" || sel.column == col.Name:
				found = found || sel.column == col.Name
				add(scope, t.Name, col.Name, cipher.PurposeValue, cipher.PurposeSealPrivate, cipher.PurposeIndex)
			}
		}
		for _, ci := range t.Compound {
			if sel.column == "" && (sel.index == "" || sel.index == ci.Name) {
				found = found || sel.index == ci.Name
				add(cipher.DefaultScope(t.Name, ci.Name), t.Name, ci.Name, cipher.PurposeIndex)
			}
		}
	}
	switch {
	case sel.column != "" && !found:
		return nil, usagef("--column %s: table %s has no such protected column", sel.column, sel.table)
	case sel.index != "" && !found:
		return nil, usagef("--index %s: table %s has no such index", sel.index, sel.table)
	case len(out) == 0:
		return nil, usagef("no keyset matches the selection")
	}
	return out, nil
}

type rotated struct {
	Scope     string `json:"scope"`
	Purpose   string `json:"purpose"`
	KeyID     uint32 `json:"key_id"`
	Reindexed bool   `json:"reindexed"`
}

func runKeysRotate(ctx context.Context, c *common, sel *rotateSelection, reindex bool, wait time.Duration, stdout io.Writer) error {
	s, err := schemaFlag(c)
	if err != nil {
		return err
	}
	targets, err := sel.targets(s)
	if err != nil {
		return err
	}
	sqldb, dialect, ring, err := c.openRing(ctx)
	if err != nil {
		return err
	}
	defer sqldb.Close()
	// Every keyset must open under --kek before any is rotated. A store
	// written before write-only sealing existed has no sealing keysets
	// (phicrypt keys init creates them): those are skipped, with a note,
	// unless --purpose seal asked for them alone.
	var notes []string
	kept := targets[:0]
	for _, t := range targets {
		if _, err := ring.Keys(ctx, t.scope, t.purpose); err != nil {
			if t.purpose == cipher.PurposeSealPrivate && sel.purpose != "seal" && errors.Is(err, cipher.ErrKeysetMissing) {
				notes = append(notes, fmt.Sprintf("%s has no write-only sealing keyset to rotate (phicrypt keys init creates it)", t.scope))
				continue
			}
			return cliErrorf("keyset %s (%s): %w", t.scope, t.purpose, err)
		}
		kept = append(kept, t)
	}
	targets = kept
	var db *sqlwrap.DB
	if reindex {
		if db, err = sqlwrap.Open(sqldb, dialect, s, ring); err != nil {
			return err
		}
		defer db.Close()
		if err := db.VerifySchema(ctx); err != nil {
			return err
		}
	}
	var res []rotated
	valueNote, sealNote, indexNote := false, false, false
	for _, t := range targets {
		r := rotated{Scope: t.scope, Purpose: t.purpose.String()}
		if reindex && t.purpose == cipher.PurposeIndex {
			if err := db.RotateIndexKey(ctx, t.table, t.name, &sqlwrap.ReindexOptions{RotationWait: wait}); err != nil {
				return cliErrorf("rotate and reindex %s (%s.%s): %w", t.scope, t.table, t.name, err)
			}
			r.Reindexed = true
			keys, err := ring.Keys(ctx, t.scope, t.purpose)
			if err != nil {
				return err
			}
			for _, k := range keys {
				if k.Status == cipher.KeyPrimary {
					r.KeyID = k.ID
				}
			}
		} else {
			id, err := ring.RotateKey(ctx, t.scope, t.purpose)
			if err != nil {
				return cliErrorf("rotate %s (%s): %w", t.scope, t.purpose, err)
			}
			r.KeyID = id
			valueNote = valueNote || t.purpose == cipher.PurposeValue
			sealNote = sealNote || t.purpose == cipher.PurposeSealPrivate
			indexNote = indexNote || t.purpose == cipher.PurposeIndex
		}
		res = append(res, r)
	}
	if valueNote {
		notes = append(notes, "values sealed before keep their old data key (they still open); phicrypt reencrypt moves them to the new one, after which phicrypt keys retire retires the old key")
	}
	if sealNote {
		notes = append(notes, "the new write-only sealing key's public half is published: principals that may seal but not open use it within their check interval, and values they sealed before still open with the old private key")
	}
	if indexNote {
		notes = append(notes, "rows keep their tokens under the old index key, and queries ask both keys, until phicrypt reindex (or keys rotate --reindex, sqlwrap DB.RotateIndexKey) rewrites them; only then can the old key be retired")
	}
	if c.json {
		return writeJSON(stdout, map[string]any{"rotated": res, "notes": notes})
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCOPE\tPURPOSE\tNEW PRIMARY KEY\tTOKENS REWRITTEN")
	for _, r := range res {
		rw := "-"
		if r.Purpose == cipher.PurposeIndex.String() {
			rw = map[bool]string{true: "yes, old keys retired", false: "no"}[r.Reindexed]
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", r.Scope, r.Purpose, r.KeyID, rw)
	}
	tw.Flush()
	for _, n := range notes {
		fmt.Fprintln(stdout, "note:", n)
	}
	return nil
}
