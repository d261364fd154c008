// Command emr is an example EMR backend over phicrypt: an HTTP JSON service
// whose roles are enforced by keys and whose every access to PHI is written
// to a tamper-evident audit log.
//
//	go run ./examples/emr [--addr 127.0.0.1:8080] [--data emr-data]
//	                      [--db postgres://…|mysql://…] [--kek aws-kms://…|hcvault://…]
//	go run ./examples/emr [--data emr-data] token PRINCIPAL   # prints its bearer token
//
// The first run creates, in the data directory, an SQLite database, a local
// key file (development only), config.yaml with one bearer token per
// principal (mode 0600) and audit.log, and seeds synthetic patients and
// encounters; later runs reuse them. Each principal's requests run through
// a keyring opened with its role's cipher.Grant (roles.go): the importer's
// keyring cannot decrypt, the researcher's and the remote's hold no value
// key at all. README.md, section "Example EMR backend", has the URL scheme
// and a curl per call; server.go lists the routes.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

// options are the command-line flags.
type options struct {
	addr      string // listen address
	data      string // data directory
	db        string // DSN; "" is SQLite in the data directory
	kek       string // key URI; "" is a local key file in the data directory
	kekPublic string // optional KEK of the seal-public keysets (cipher.Config.PurposeKEKs)
	kekIndex  string // optional KEK of the index keysets
	seed      int    // patients seeded into an empty database
}

func main() {
	var o options
	flag.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen address")
	flag.StringVar(&o.data, "data", "emr-data", "data directory: config.yaml, audit.log and, by default, the SQLite database and the key file")
	flag.StringVar(&o.db, "db", "", "database DSN, as phicrypt.Connect takes it (default: sqlite:DATA/emr.db)")
	flag.StringVar(&o.kek, "kek", "", "key encryption key URI: local:PATH, aws-kms://…, hcvault://… (default: local:DATA/emr.key, created on first run)")
	flag.StringVar(&o.kekPublic, "kek-public", "", "optional KEK URI for the seal-public keysets (one KEK per purpose, docs/SECURITY.md §9)")
	flag.StringVar(&o.kekIndex, "kek-index", "", "optional KEK URI for the index keysets")
	flag.IntVar(&o.seed, "seed", 300, "synthetic patients to seed into an empty database (0: none)")
	flag.Parse()
	switch {
	case flag.NArg() == 2 && flag.Arg(0) == "token":
		// "emr token NAME" prints the token of principal NAME, for curl.
		tok, err := principalToken(filepath.Join(o.data, "config.yaml"), flag.Arg(1))
		if err != nil {
			fmt.Fprintln(os.Stderr, "emr:", err)
			os.Exit(1)
		}
		fmt.Println(tok)
		return
	case flag.NArg() > 0:
		fmt.Fprintln(os.Stderr, "usage: emr [flags]  or  emr [--data DIR] token PRINCIPAL")
		os.Exit(2)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, log, nil); err != nil {
		log.Error("emr stopped", "error", err.Error())
		os.Exit(1)
	}
}
