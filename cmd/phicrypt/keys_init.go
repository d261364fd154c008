package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

const keysInitUsage = `usage: phicrypt keys init --db DSN --schema FILE --kek URI [--json]
       phicrypt keys init --out PATH

Creates the keysets of every protected column and index of the schema in
the database's keyset table (phicrypt_keysets), wrapped by --kek: the same
keysets, under the same scopes and purposes, that the wrapper's
EnsureSchema would create. The KEK is checked first, with a wrap/unwrap
round trip and against the keysets the database already holds: a wrong or
unreachable KEK is refused before any keyset is written. Keysets that
exist are reported and left as they are, so keys init can run again after
the schema gained columns. A column that already holds ciphertext but has
no keyset is refused: restore the keyset table from the backup that
matches the data instead.

With --out PATH and no --db, creates a local key file instead, as
phicrypt keys new-local does (development only).

`

func keysInit(args []string, stdout, stderr io.Writer) int {
	var c common
	fs := flag.NewFlagSet("keys init", flag.ContinueOnError)
	c.flags(fs, "db", "schema", "kek", "json")
	out := fs.String("out", "", "create a local key file at `PATH` instead (development only)")
	if err := parse(fs, keysInitUsage, args, stderr); err != nil {
		return exit(err, stderr)
	}
	if *out != "" {
		if c.db != "" || c.schema != "" {
			return exit(usagef("--out creates a local key file on its own; then run keys init --db DSN --schema FILE --kek local:%s", *out), stderr)
		}
		if err := newLocalKey(*out, stdout); err != nil {
			return exit(err, stderr)
		}
		fmt.Fprintln(stdout, "no keyset created: run keys init --db DSN --schema FILE --kek with it to create the schema's keysets")
		return exitOK
	}
	if err := c.need("db", "schema", "kek"); err != nil {
		return exit(err, stderr)
	}
	ctx, stop := signalContext()
	defer stop()
	return exit(runKeysInit(ctx, &c, stdout), stderr)
}

// initKeyset is one line of keys init's report.
type initKeyset struct {
	Scope   string   `json:"scope"`
	Purpose string   `json:"purpose"`
	Status  string   `json:"status"` // "created" or "exists"
	Uses    []string `json:"uses"`
}

func runKeysInit(ctx context.Context, c *common, stdout io.Writer) error {
	s, err := schemaFlag(c)
	if err != nil {
		return err
	}
	if _, err := checkKEK(ctx, c.kek); err != nil {
		return err
	}
	sqldb, dialect, ring, err := c.openRing(ctx)
	if err != nil {
		return err
	}
	defer sqldb.Close()
	if err := checkExistingKeysets(ctx, sqldb, dialect, ring); err != nil {
		return err
	}
	sealedIn := valueColumnsByScope(s)
	var res []initKeyset
	created := 0
	for _, k := range s.Keysets() {
		have, err := ring.HasKeyset(ctx, k.Scope, k.Purpose)
		if err != nil {
			return cliErrorf("keyset %s (%s): %w", k.Scope, k.Purpose, err)
		}
		if !have && k.Purpose == cipher.PurposeValue {
			for _, tc := range sealedIn[k.Scope] {
				if holdsCiphertext(ctx, sqldb, dialect, tc[0], tc[1]) {
					return cliErrorf("%w: %s.%s already holds ciphertext, but its keyset (scope %q, purpose value) is missing; keys init creates no keyset for sealed data: restore phicrypt_keysets from the backup that matches the data",
						cipher.ErrKeysetMissing, tc[0], tc[1], k.Scope)
				}
			}
		}
		status := "exists"
		if !have {
			made, err := ring.CreateKeyset(ctx, k.Scope, k.Purpose)
			if err != nil {
				return cliErrorf("create keyset %s (%s): %w", k.Scope, k.Purpose, err)
			}
			if made {
				status = "created"
				created++
			}
		}
		res = append(res, initKeyset{Scope: k.Scope, Purpose: k.Purpose.String(), Status: status, Uses: k.Uses})
	}
	if c.json {
		return writeJSON(stdout, map[string]any{
			"kek": c.kek, "created": created, "existing": len(res) - created, "keysets": res,
		})
	}
	fmt.Fprintf(stdout, "keysets of %s, wrapped by %s:\n", c.schema, c.kek)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  STATUS\tSCOPE\tPURPOSE\tUSED BY")
	for _, r := range res {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", r.Status, r.Scope, r.Purpose, strings.Join(r.Uses, ", "))
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%d created, %d already existed\n", created, len(res)-created)
	return nil
}

// schemaFlag loads --schema; a schema that does not load is a usage error
// (exit 2), since it is the command's configuration.
func schemaFlag(c *common) (*sqlwrap.Schema, error) {
	s, err := c.loadSchema()
	if err != nil {
		return nil, usagef("--schema: %s", strings.TrimPrefix(err.Error(), "phicrypt: "))
	}
	return s, nil
}

// checkKEK opens the KEK uri names and checks it with a wrap/unwrap round
// trip of a random secret, so that a wrong, unreachable or read-only key
// is refused before anything is written. Errors name the URI, never a
// secret.
func checkKEK(ctx context.Context, uri string) (keyprovider.KEK, error) {
	kek, err := keyprovider.Open(ctx, uri)
	if err != nil {
		return nil, cliErrorf("key %s: %w", uri, err)
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	ad := []byte("phicrypt-kek-check")
	wrapped, err := kek.Wrap(ctx, secret, ad)
	if err != nil {
		return nil, cliErrorf("key %s: wrap check failed: %w", uri, err)
	}
	back, err := kek.Unwrap(ctx, wrapped, ad)
	if err != nil {
		return nil, cliErrorf("key %s: unwrap check failed: %w", uri, err)
	}
	if subtle.ConstantTimeCompare(back, secret) != 1 {
		return nil, cliErrorf("key %s: unwrap check returned other bytes than were wrapped", uri)
	}
	return kek, nil
}

// checkExistingKeysets refuses a keyring whose KEK does not open every
// keyset the database already holds (a wrong key file, another KMS key).
func checkExistingKeysets(ctx context.Context, sqldb *sql.DB, dialect string, ring *cipher.Keyring) error {
	store, err := sqlwrap.NewKeysetStore(sqldb, dialect)
	if err != nil {
		return err
	}
	recs, err := store.List(ctx)
	if err != nil {
		return err
	}
	uri := ring.KEK().URI()
	for _, rec := range recs {
		if _, err := ring.Keys(ctx, rec.Scope, rec.Purpose); err != nil {
			if rec.KEK != uri {
				return cliErrorf("the database's keyset %s (%s) is wrapped by %s, not by --kek %s, and does not open with it: give --kek %s, or move the keysets with phicrypt keys rewrap: %w",
					rec.Scope, rec.Purpose, rec.KEK, uri, rec.KEK, err)
			}
			return cliErrorf("--kek %s does not open the database's keyset %s (%s): %w", uri, rec.Scope, rec.Purpose, err)
		}
	}
	return nil
}

// valueColumnsByScope maps each value keyset's scope to the table and
// column pairs sealed under it.
func valueColumnsByScope(s *sqlwrap.Schema) map[string][][2]string {
	out := map[string][][2]string{}
	for _, t := range s.Tables {
		for _, col := range t.Columns {
			scope := col.Scope
			if scope == "" {
				scope = cipher.DefaultScope(t.Name, col.Name)
			}
			out[scope] = append(out[scope], [2]string{t.Name, col.Name})
		}
	}
	return out
}

// holdsCiphertext reports whether some of the first values of
// table.column look like phicrypt ciphertexts (the format version byte,
// at least the overhead long, not text). A missing table or column holds
// none.
func holdsCiphertext(ctx context.Context, sqldb *sql.DB, dialect, table, column string) bool {
	q := fmt.Sprintf("SELECT %s FROM %s WHERE %[1]s IS NOT NULL LIMIT 50", quoteIdentFor(dialect, column), quoteIdentFor(dialect, table))
	rows, err := sqldb.QueryContext(ctx, q)
	if err != nil {
		return false
	}
	defer rows.Close()
	for rows.Next() {
		var b []byte
		if rows.Scan(&b) != nil {
			continue
		}
		if len(b) >= cipher.Overhead && b[0] == cipher.FormatVersion && !utf8.Valid(b) {
			return true
		}
	}
	return false
}

// quoteIdentFor quotes an SQL identifier for dialect.
func quoteIdentFor(dialect, name string) string {
	if dialect == "mysql" {
		return "`" + strings.ReplaceAll(name, "`", "``") + "`"
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
