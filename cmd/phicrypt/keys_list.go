package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

const keysListUsage = `usage: phicrypt keys list --db DSN --kek URI [--json]

Lists the keysets of the database (phicrypt_keysets): scope, purpose, the
KEK each is wrapped under, whether it opens under --kek, and its keys by id
and status (primary, enabled, retired; a destroyed key is gone from the
keyset). Never key material. Exits 1 when some keyset does not open under
--kek.

`

func keysList(args []string, stdout, stderr io.Writer) int {
	var c common
	fs := flag.NewFlagSet("keys list", flag.ContinueOnError)
	c.flags(fs, "db", "kek", "json")
	if err := parse(fs, keysListUsage, args, stderr); err != nil {
		return exit(err, stderr)
	}
	if err := c.need("db", "kek"); err != nil {
		return exit(err, stderr)
	}
	ctx, stop := signalContext()
	defer stop()
	return exit(runKeysList(ctx, &c, stdout, stderr), stderr)
}

type listedKey struct {
	ID     uint32 `json:"id"`
	Status string `json:"status"`
}

type listedKeyset struct {
	Scope      string      `json:"scope"`
	Purpose    string      `json:"purpose"`
	KEK        string      `json:"kek"`
	Generation uint64      `json:"generation"`
	Opens      bool        `json:"opens"`
	Error      string      `json:"error,omitempty"`
	Keys       []listedKey `json:"keys"`
}

func runKeysList(ctx context.Context, c *common, stdout, stderr io.Writer) error {
	sqldb, dialect, ring, err := c.openRing(ctx)
	if err != nil {
		return err
	}
	defer sqldb.Close()
	store, err := sqlwrap.NewKeysetStore(sqldb, dialect)
	if err != nil {
		return err
	}
	recs, err := store.List(ctx)
	if err != nil {
		return err
	}
	out := make([]listedKeyset, 0, len(recs))
	closed := 0
	for _, r := range recs {
		l := listedKeyset{Scope: r.Scope, Purpose: r.Purpose.String(), KEK: r.KEK, Generation: r.Generation, Keys: []listedKey{}}
		keys, err := ring.Keys(ctx, r.Scope, r.Purpose)
		switch {
		case err == nil:
			l.Opens = true
			for _, k := range keys {
				l.Keys = append(l.Keys, listedKey{ID: k.ID, Status: string(k.Status)})
			}
		case ctx.Err() != nil:
			return ctx.Err()
		default:
			closed++
			l.Error = openFailure(err)
		}
		out = append(out, l)
	}
	if c.json {
		if err := writeJSON(stdout, map[string]any{"kek": c.kek, "keysets": out}); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SCOPE\tPURPOSE\tKEYS\tKEK\tOPENS")
		for _, l := range out {
			var ks []string
			for _, k := range l.Keys {
				ks = append(ks, fmt.Sprintf("%d:%s", k.ID, k.Status))
			}
			keysText, opens := strings.Join(ks, " "), "yes"
			if !l.Opens {
				keysText, opens = "?", "no: "+l.Error
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", l.Scope, l.Purpose, keysText, l.KEK, opens)
		}
		tw.Flush()
		fmt.Fprintf(stdout, "%d keysets, %d open under %s\n", len(out), len(out)-closed, c.kek)
	}
	if closed > 0 {
		fmt.Fprintf(stderr, "phicrypt: %d keysets do not open under --kek %s\n", closed, c.kek)
		return errFinding
	}
	return nil
}

// openFailure says in a few words why a keyset did not open.
func openFailure(err error) string {
	switch {
	case errors.Is(err, keyprovider.ErrWrongKey):
		return "wrong KEK"
	case errors.Is(err, keyprovider.ErrUnavailable):
		return "key service unavailable"
	case errors.Is(err, keyprovider.ErrAccessDenied):
		return "access to the KEK denied"
	case errors.Is(err, keyprovider.ErrKeyNotFound):
		return "KEK not found or disabled"
	case errors.Is(err, cipher.ErrKeysetRollback):
		return "keyset record rolled back"
	case errors.Is(err, cipher.ErrBadRecord):
		return "malformed keyset record"
	}
	return strings.TrimPrefix(err.Error(), "phicrypt: ")
}
