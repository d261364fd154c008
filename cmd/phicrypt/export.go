package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/user"

	"github.com/phicrypt/phicrypt/audit"
	"github.com/phicrypt/phicrypt/export"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

const exportUsage = `usage: phicrypt export --db DSN --schema FILE --kek URI --profile P --out DIR [--audit-log FILE] [--gate-sample N] [--json]
       phicrypt export --print-profile NAME

Writes the tables of the schema without identifiers: DIR/<table>.csv and
DIR/manifest.json (the profile, the tables, what each column became, row
counts, the gate's verdict). Rows are read through the wrapper, decrypted
and written one at a time. P is a built-in profile (safe-harbor, limited,
relative-dates) or a YAML profile file (docs/EXPORT.md); --print-profile
prints a built-in profile's YAML, to start one's own from.

Before the export is declared done the gate scans DIR as scan --dir does:
a column judged phi that the profile does not allow, free text that still
holds an identifier, or an aggregate with counts from 1 to 5 fails the
export (exit 1), its files are removed and the report names each column
and why, with masked patterns only. There is no way to force it.

The files are written into a temporary directory beside DIR, renamed to
DIR at the end; DIR must not exist, or be empty. Only a keyring that may
decrypt every protected column exports. With --audit-log, every exported
table gets an audit record (op "export") in that JSON-lines log.

Exit codes: 0 exported, 1 refused by the gate or failed, 2 a usage error
(unknown profile, a broken profile file, a table or column the schema
lacks, DIR not empty).

`

func exportCmd(args []string, stdout, stderr io.Writer) int {
	var c common
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	c.flags(fs, "db", "schema", "kek", "json")
	profile := fs.String("profile", "", "built-in profile (safe-harbor, limited, relative-dates) or a YAML profile `P`")
	out := fs.String("out", "", "write the export to directory `DIR` (must not exist, or be empty)")
	auditLog := fs.String("audit-log", "", "append the export's audit records to the JSON-lines log `FILE`")
	gateSample := fs.Int("gate-sample", 0, "rows per file the gate reads, 0 for every row")
	printProfile := fs.String("print-profile", "", "print the YAML of the built-in profile `NAME` and exit")
	if err := parse(fs, exportUsage, args, stderr); err != nil {
		return exit(err, stderr)
	}
	if *printProfile != "" {
		b, err := export.BuiltinYAML(*printProfile)
		if err != nil {
			return exit(exportErr(err), stderr)
		}
		stdout.Write(b)
		return exitOK
	}
	if err := c.need("db", "schema", "kek"); err != nil {
		return exit(err, stderr)
	}
	switch {
	case *profile == "":
		return exit(usagef("--profile P is required (safe-harbor, limited, relative-dates or a YAML file)"), stderr)
	case *out == "":
		return exit(usagef("--out DIR is required"), stderr)
	case *gateSample < 0:
		return exit(usagef("--gate-sample must be 0 (every row) or more"), stderr)
	}
	ctx, stop := signalContext()
	defer stop()
	return exit(runExport(ctx, &c, *profile, *out, *auditLog, *gateSample, stdout), stderr)
}

func runExport(ctx context.Context, c *common, profile, out, auditLog string, gateSample int, stdout io.Writer) error {
	p, err := export.LoadProfile(profile)
	if err != nil {
		return exportErr(err)
	}
	s, err := schemaFlag(c)
	if err != nil {
		return err
	}
	sqldb, dialect, ring, err := c.openRing(ctx)
	if err != nil {
		return err
	}
	defer sqldb.Close()
	db, err := sqlwrap.Open(sqldb, dialect, s, ring)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.VerifySchema(ctx); err != nil {
		return err
	}
	if auditLog != "" {
		kek, err := keyprovider.Open(ctx, c.kek, keyprovider.Options{})
		if err != nil {
			return err
		}
		l, err := audit.OpenFile(ctx, auditLog, audit.Options{KEK: kek})
		if err != nil {
			return cliErrorf("--audit-log %s: %w", auditLog, err)
		}
		defer l.Close()
		db.SetAudit(l)
		a := audit.Actor{Role: "export", Purpose: "export:" + p.Name}
		if u, err := user.Current(); err == nil {
			a.Principal = u.Username
		}
		ctx = audit.WithActor(ctx, a)
	}
	m, err := export.Run(ctx, db, s, export.Options{Profile: p, Out: out, Keyring: ring, GateSample: gateSample})
	if err != nil {
		return exportErr(err)
	}
	if c.json {
		return writeJSON(stdout, m)
	}
	for _, t := range m.Tables {
		kept := 0
		for _, col := range t.Columns {
			if col.Output != "" {
				kept++
			}
		}
		fmt.Fprintf(stdout, "%-24s %10d rows  %2d of %2d columns  %s\n", t.Name, t.Rows, kept, len(t.Columns), t.File)
	}
	fmt.Fprintf(stdout, "profile %s; gate: %s (%d columns scanned); written to %s (manifest.json says what each column became)\n",
		m.Profile.Name, m.Gate.Verdict, m.Gate.Columns, out)
	return nil
}

// exportErr makes the profile and output-directory errors usage errors
// (exit 2); the others stay failures (exit 1).
func exportErr(err error) error {
	if errors.Is(err, export.ErrProfile) || errors.Is(err, export.ErrOutExists) {
		return usagef("%s", trimPrefix(err.Error()))
	}
	return err
}

func trimPrefix(s string) string {
	const p = "phicrypt: "
	for len(s) >= len(p) && s[:len(p)] == p {
		s = s[len(p):]
	}
	return s
}
