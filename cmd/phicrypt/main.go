// Command phicrypt manages phicrypt keys, scans databases and data-set
// files for PHI and, in later releases, migrates and rotates databases.
//
//	phicrypt keys init [-out PATH]   create a local key file (development only)
//	phicrypt scan (--db DSN | --dir DIR) [flags]   report the columns that hold PHI
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/phicrypt/phicrypt/keyprovider/local"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage:
  phicrypt keys init [-out PATH]                  create a local key file (development only)
  phicrypt scan (--db DSN | --dir DIR) [flags]    report the columns that hold PHI (scan -h for flags)
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) >= 2 && args[0] == "keys" && args[1] == "init" {
		return keysInit(args[2:], stdout, stderr)
	}
	if len(args) >= 1 && args[0] == "scan" {
		return scanCmd(args[1:], stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return 2
}

func keysInit(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("keys init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "phicrypt.key", "path of the new key file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := local.Create(*out); err != nil {
		fmt.Fprintln(stderr, "phicrypt:", err)
		return 1
	}
	fmt.Fprintf(stdout, "created %s (mode 0600); use it as %s\n", *out, local.URI(*out))
	fmt.Fprintln(stdout, "warning: a local key file is for development only; use aws-kms:// or hcvault:// keys for real data")
	return 0
}
