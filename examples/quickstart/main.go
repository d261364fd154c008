// Command quickstart seals and opens a few patient values with a local key
// file, and prints what a database would store.
//
//	go run ./examples/quickstart [-dir DIR]
//
// The first run creates DIR (default quickstart-data) with a key file and a
// keyset store; later runs reuse them, so values sealed earlier still open.
// A local key file is for development only: use AWS KMS or Vault for data.
package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider/local"
)

type patient struct {
	ID        string
	Name      string
	SSN       string
	BirthDate cipher.Date
}

func main() {
	dir := flag.String("dir", "quickstart-data", "directory for the key file and keyset store")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	keyPath := filepath.Join(dir, "kek.json")
	if _, err := os.Stat(keyPath); errors.Is(err, fs.ErrNotExist) {
		if err := local.Create(keyPath); err != nil {
			return err
		}
		fmt.Fprintf(out, "created key file %s (local key files are for development only)\n", keyPath)
	}
	kek, err := local.Open(keyPath)
	if err != nil {
		return err
	}
	ring, err := cipher.NewKeyring(cipher.Config{
		KEK:   kek,
		Store: cipher.NewFileStore(filepath.Join(dir, "keysets.json")),
		TTL:   5 * time.Minute,
	})
	if err != nil {
		return err
	}
	name, err := ring.Column("patients", "name", cipher.WithPadding(16))
	if err != nil {
		return err
	}
	ssn, err := ring.Column("patients", "ssn")
	if err != nil {
		return err
	}
	dob, err := ring.Column("patients", "birth_date")
	if err != nil {
		return err
	}

	patients := []patient{
		{"1", "Ana María Núñez", "078-05-1120", cipher.Date{Year: 1948, Month: 3, Day: 17}},
		{"2", "John Smith", "219-09-9999", cipher.Date{Year: 1990, Month: 11, Day: 2}},
		{"3", "Nguyễn Văn An", "457-55-5462", cipher.Date{Year: 2001, Month: 7, Day: 30}},
	}
	fmt.Fprintln(out, "stored row (what the database holds):")
	for _, p := range patients {
		row := []byte(p.ID) // bind each value to its row
		n, err := name.Seal(ctx, p.Name, row)
		if err != nil {
			return err
		}
		s, err := ssn.Seal(ctx, p.SSN, row)
		if err != nil {
			return err
		}
		d, err := dob.Seal(ctx, p.BirthDate, row)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  id=%s name=%s… (%d B) ssn=%s… (%d B) birth_date=%s… (%d B)\n",
			p.ID, hex.EncodeToString(n[:12]), len(n), hex.EncodeToString(s[:12]), len(s), hex.EncodeToString(d[:12]), len(d))

		gotName, err := name.Open(ctx, n, row)
		if err != nil {
			return err
		}
		gotSSN, err := ssn.Open(ctx, s, row)
		if err != nil {
			return err
		}
		gotDOB, err := dob.Open(ctx, d, row)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  opened: %s, %s, born %s\n", gotName, gotSSN, gotDOB)

		if _, err := ssn.Open(ctx, s, []byte("999")); err != nil {
			fmt.Fprintf(out, "  copied to another row: %v\n", err)
		} else {
			return errors.New("a value copied to another row opened")
		}
	}
	return nil
}
