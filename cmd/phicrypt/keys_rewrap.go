package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/phicrypt/phicrypt/sqlwrap"
)

const keysRewrapUsage = `usage: phicrypt keys rewrap --db DSN --kek OLD --new-kek NEW [--json]

Moves every keyset of the database from the key encryption key OLD to NEW
(cipher.Keyring.Rewrap). No row is touched: only the wrapped keysets in
phicrypt_keysets are rewritten. NEW is checked with a wrap/unwrap round
trip first. Keysets already under NEW are wrapped again, so a rewrap that
stopped (a crash, an outage) is finished by running the same command
again; it lists the store until no keyset is left under another KEK, and
exits 1 if some still is. Give NEW to every process that creates or
rotates keysets before running it; retire OLD only after a rewrap that
reports none left.

`

func keysRewrap(args []string, stdout, stderr io.Writer) int {
	var c common
	fs := flag.NewFlagSet("keys rewrap", flag.ContinueOnError)
	c.flags(fs, "db", "kek", "json")
	newKEK := fs.String("new-kek", "", "the key encryption key `URI` to move the keysets to")
	if err := parse(fs, keysRewrapUsage, args, stderr); err != nil {
		return exit(err, stderr)
	}
	if err := c.need("db", "kek"); err != nil {
		return exit(err, stderr)
	}
	if *newKEK == "" {
		return exit(usagef("--new-kek URI is required"), stderr)
	}
	ctx, stop := signalContext()
	defer stop()
	return exit(runKeysRewrap(ctx, &c, *newKEK, stdout, stderr), stderr)
}

type rewrapReport struct {
	From      string   `json:"from"`
	To        string   `json:"to"`
	Keysets   int      `json:"keysets"`
	Rewrapped int      `json:"rewrapped"`
	Left      int      `json:"left_under_other_keks"`
	LeftList  []string `json:"left,omitempty"`
}

func runKeysRewrap(ctx context.Context, c *common, newURI string, stdout, stderr io.Writer) error {
	next, err := checkKEK(ctx, newURI)
	if err != nil {
		return err
	}
	sqldb, dialect, ring, err := c.openRing(ctx)
	if err != nil {
		return err
	}
	defer sqldb.Close()
	store, err := sqlwrap.NewKeysetStore(sqldb, dialect)
	if err != nil {
		return err
	}
	n, rerr := ring.Rewrap(ctx, next)
	rep := rewrapReport{From: c.kek, To: next.URI(), Rewrapped: n}
	recs, err := store.List(ctx)
	if err != nil {
		return err
	}
	rep.Keysets = len(recs)
	for _, r := range recs {
		if r.KEK != next.URI() {
			rep.Left++
			rep.LeftList = append(rep.LeftList, fmt.Sprintf("%s (%s) under %s", r.Scope, r.Purpose, r.KEK))
		}
	}
	if c.json {
		if err := writeJSON(stdout, rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "rewrapped %d keyset records from %s to %s; %d keysets in the store, %d left under another KEK\n",
			rep.Rewrapped, rep.From, rep.To, rep.Keysets, rep.Left)
		for _, l := range rep.LeftList {
			fmt.Fprintln(stdout, "  left:", l)
		}
	}
	if rerr != nil {
		return cliErrorf("rewrap stopped (run it again to finish): %w", rerr)
	}
	if rep.Left > 0 {
		fmt.Fprintf(stderr, "phicrypt: %d keysets are still under another KEK: run keys rewrap again\n", rep.Left)
		return errFinding
	}
	return nil
}
