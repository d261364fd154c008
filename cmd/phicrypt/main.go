// Command phicrypt finds PHI in databases, creates and rotates the keys
// that protect it, encrypts existing tables in place and checks the
// result. Every command takes --help; the flags are the same everywhere:
//
//	--db DSN        the database (sqlite:PATH, postgres://…, mysql://…)
//	--schema FILE   the YAML schema of the protected columns
//	--kek URI       the key encryption key (or PHICRYPT_KEK)
//	--json          machine-readable output instead of a table
//	--audit-log FILE  on the commands that read, search or write PHI or manage
//	                keys: append their audit records to FILE (docs/FORMAT.md §9)
//
// Exit codes: 0 success, 1 a finding (verify found a problem) or a
// failure, 2 a usage error.
//
// Keys (phicrypt keys SUBCOMMAND):
//
//	keys init --db --schema --kek     create the keysets of every protected column and
//	                                  index of the schema (checks the KEK first: a wrap/unwrap
//	                                  round trip, and that it opens the keysets already there);
//	                                  existing keysets are kept. keys init --out PATH creates a
//	                                  local development key file instead, as keys new-local does.
//	keys rotate --db --schema --kek   new primary key per scope, for the whole schema or
//	  [--table T [--column C | --index I]] [--purpose value|index] [--reindex]
//	                                  one table, column or index; --reindex rewrites the
//	                                  tokens under the new index key and retires the old one
//	keys retire --db --schema --kek --table T --column C
//	                                  retire the column's old data keys; refused while
//	                                  any value is still under one (run reencrypt first)
//	keys rewrap --db --kek OLD --new-kek NEW
//	                                  move every keyset to another KEK, no row touched;
//	                                  rerun until it reports none left
//	keys list --db --kek              scopes, purposes, key ids and status, the KEK of each
//	                                  keyset and whether it opens under --kek; never key material
//
// Searching and planning:
//
//	find --db --schema --kek --table T [--eq COL=VALUE]... [--prefix COL=VALUE]...
//	  [--contains COL=VALUE]... [--limit N]
//	                                  search through the wrapper, print the decrypted rows
//	plan --db [--schema FILE] [--table T]... [--sample N] [--emit-schema FILE]
//	                                  sample the tables, recommend token sizes per index with
//	                                  their leakage (rows per token, candidates per query), and
//	                                  write a schema with those sizes
//
// Migrating, checking and sharing (each documented by its --help):
// migrate, verify, reencrypt, reindex, scan; audit verify (the hash chain
// and checkpoints of an audit log); export (tables as CSV without
// identifiers under a profile, checked by the gate: docs/EXPORT.md);
// linkage keygen|token|serve|tokenize (privacy-preserving linkage tokens:
// docs/LINKAGE.md).
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// command is one subcommand: run gets the arguments after its name.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

// commands are the subcommands by name; "keys" has its own table.
var commands = map[string]command{
	"scan":      {"report the columns of a database or data set that hold PHI", scanCmd},
	"keys":      {"create, rotate, rewrap and list keys", keysCmd},
	"find":      {"search a table through the wrapper and print the decrypted rows", findCmd},
	"plan":      {"sample the database and size the blind indexes, with their leakage", planCmd},
	"migrate":   {"encrypt existing plaintext columns in place (resumable), or drop the plaintext", migrateCmd},
	"verify":    {"check that every value opens, every token matches and no plaintext remains", verifyCmd},
	"reencrypt": {"move values to the current primary data key, so an old key can be retired", reencryptCmd},
	"audit":     {"verify the hash chain and checkpoints of an audit log", auditCmd},
	"reindex":   {"write an index's tokens into every row (new index, changed definition, key rotation)", reindexCmd},
	"linkage":   {"privacy-preserving linkage tokens: evaluator server, keys, tokenizing a CSV", linkageCmd},
	"export":    {"write the tables as CSV without identifiers (safe-harbor, limited, relative-dates), checked by the gate", exportCmd},
}

func usage() string {
	var b strings.Builder
	b.WriteString("usage: phicrypt COMMAND [flags]   (phicrypt COMMAND --help for its flags)\n\ncommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  %-10s %s\n", n, commands[n].summary)
	}
	b.WriteString(`
common flags: --db DSN, --schema FILE, --kek URI (or PHICRYPT_KEK), --json
exit codes: 0 success, 1 a finding or a failure, 2 a usage error
`)
	return b.String()
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage())
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "phicrypt: unknown command %q\n\n%s", args[0], usage())
		return exitUsage
	}
	return c.run(args[1:], stdout, stderr)
}
