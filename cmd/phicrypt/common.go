package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/phicrypt/phicrypt"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// Exit codes of every command.
const (
	exitOK      = 0
	exitFinding = 1 // a check found a problem, or the command failed
	exitUsage   = 2
)

// usageError is a mistake in the command line or config file: exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// errFinding is returned by a command that ran to the end and found a
// problem it has already reported: exit 1 without a further message.
var errFinding = errors.New("finding reported")

// common holds the flags every database command shares.
type common struct {
	db, schema, kek string
	json            bool
	auditLog        string
}

// flags registers the common flags on fs; which says which of "db",
// "schema", "kek" and "json" the command takes.
func (c *common) flags(fs *flag.FlagSet, which ...string) {
	for _, w := range which {
		switch w {
		case "db":
			fs.StringVar(&c.db, "db", "", "database DSN: sqlite:PATH, postgres://…, mysql://…")
		case "schema":
			fs.StringVar(&c.schema, "schema", "", "YAML schema of the protected columns (docs/SCHEMA.md)")
		case "kek":
			fs.StringVar(&c.kek, "kek", "", "key encryption key URI: local:PATH, aws-kms://…, hcvault://… (default $PHICRYPT_KEK)")
		case "json":
			fs.BoolVar(&c.json, "json", false, "write machine-readable JSON instead of a table")
		case "audit":
			fs.StringVar(&c.auditLog, "audit-log", "", "append an audit record of every read, search, write and key operation to `FILE`\n(JSON lines, hash-chained, checkpoints under --kek; default $PHICRYPT_AUDIT_LOG; check with phicrypt audit verify)")
		default:
			panic("unknown common flag " + w)
		}
	}
}

// need checks that the named flags were given; --kek falls back to
// PHICRYPT_KEK.
func (c *common) need(which ...string) error {
	for _, w := range which {
		switch w {
		case "db":
			if c.db == "" {
				return usagef("--db DSN is required")
			}
		case "schema":
			if c.schema == "" {
				return usagef("--schema FILE is required")
			}
		case "kek":
			if c.kek == "" {
				c.kek = os.Getenv("PHICRYPT_KEK")
			}
			if c.kek == "" {
				return usagef("--kek URI (or PHICRYPT_KEK) is required")
			}
		}
	}
	return nil
}

// parse parses args into fs, whose usage text is text. Help is flag.ErrHelp.
func parse(fs *flag.FlagSet, text string, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), text)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// exit turns a command's error into its exit code, printing it first.
func exit(err error, stderr io.Writer) int {
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "phicrypt:", ue.msg)
		return exitUsage
	case errors.Is(err, errFinding):
		return exitFinding
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "phicrypt:") {
		msg = "phicrypt: " + msg
	}
	fmt.Fprintln(stderr, msg)
	return exitFinding
}

// signalContext is cancelled by Ctrl-C or SIGTERM; commands that walk a
// table stop cleanly after the current batch.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// openDB opens --db with phicrypt's defaults.
func (c *common) openDB(ctx context.Context) (*sql.DB, string, error) {
	return phicrypt.OpenSQL(ctx, c.db)
}

// loadSchema reads --schema.
func (c *common) loadSchema() (*sqlwrap.Schema, error) {
	return sqlwrap.LoadSchemaFile(c.schema)
}

// keyring opens --kek and the keyset store of sqldb.
func (c *common) keyring(ctx context.Context, sqldb *sql.DB, dialect string) (*cipher.Keyring, error) {
	return phicrypt.OpenKeyring(ctx, sqldb, dialect, c.kek)
}

// openRing opens --db and the keyring of its keyset store under --kek; the
// caller closes the database.
func (c *common) openRing(ctx context.Context) (*sql.DB, string, *cipher.Keyring, error) {
	sqldb, dialect, err := c.openDB(ctx)
	if err != nil {
		return nil, "", nil, err
	}
	ring, err := c.keyring(ctx, sqldb, dialect)
	if err != nil {
		sqldb.Close()
		return nil, "", nil, err
	}
	return sqldb, dialect, ring, nil
}

// connect opens --db, --kek and --schema through the wrapper, checking the
// tables without changing them (VerifySchema).
func (c *common) connect(ctx context.Context) (*sqlwrap.DB, error) {
	s, err := c.loadSchema()
	if err != nil {
		return nil, err
	}
	return phicrypt.Connect(ctx, c.db, c.kek, s, phicrypt.VerifyOnly())
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
