package main

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/phicrypt/phicrypt/keyprovider/local"
)

// keysCommands are the subcommands of "phicrypt keys".
var keysCommands = map[string]command{
	"new-local": {"create a local key file (development only)", keysNewLocal},
	"init":      {"create the keysets of a schema's protected columns and indexes", keysInit},
	"rotate":    {"add a new primary data or index key per scope", keysRotate},
	"rewrap":    {"move every keyset to a new key encryption key", keysRewrap},
	"list":      {"list keysets, key ids, status and KEK (never key material)", keysList},
	"retire":    {"retire a column's old data keys once reencrypt has moved every value", keysRetire},
}

func keysUsage() string {
	var b strings.Builder
	b.WriteString("usage: phicrypt keys SUBCOMMAND [flags]   (phicrypt keys SUBCOMMAND --help for its flags)\n\nsubcommands:\n")
	names := make([]string, 0, len(keysCommands))
	for n := range keysCommands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  %-10s %s\n", n, keysCommands[n].summary)
	}
	return b.String()
}

func keysCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage())
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, keysUsage())
		return exitOK
	}
	c, ok := keysCommands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "phicrypt: unknown keys subcommand %q\n\n%s", args[0], keysUsage())
		return exitUsage
	}
	return c.run(args[1:], stdout, stderr)
}

const keysNewLocalUsage = `usage: phicrypt keys new-local [--out PATH]

Creates a local key file (mode 0600) to use as --kek local:PATH. A local
key file is for development only: use aws-kms:// or hcvault:// keys for
real data.

`

func keysNewLocal(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("keys new-local", flag.ContinueOnError)
	out := fs.String("out", "phicrypt.key", "path of the new key file")
	if err := parse(fs, keysNewLocalUsage, args, stderr); err != nil {
		return exit(err, stderr)
	}
	return exit(newLocalKey(*out, stdout), stderr)
}

func newLocalKey(path string, stdout io.Writer) error {
	if err := local.Create(path); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s (mode 0600); use it as --kek %s\n", path, local.URI(path))
	fmt.Fprintln(stdout, "warning: a local key file is for development only; use aws-kms:// or hcvault:// keys for real data")
	return nil
}
