package phicrypt

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/dsn"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// OpenSQL opens and pings the database dataSource names, with the
// defaults of Connect (SQLite: WAL, busy timeout, immediate transactions;
// MariaDB: parseTime), and returns it with its dialect ("sqlite",
// "postgres" or "mysql"). It wraps nothing: tools that change a table
// before the wrapper may read it (phicrypt migrate) start here.
func OpenSQL(ctx context.Context, dataSource string) (*sql.DB, string, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	dialect, driver, driverDSN, err := openArgs(dataSource)
	shown := strings.TrimSpace(dialect + " database " + quoteDSN(dialect, dataSource))
	if err != nil {
		return nil, dialect, &connectError{what: shown, err: err}
	}
	sqldb, err := sql.Open(driver, driverDSN)
	if err != nil {
		return nil, dialect, &connectError{what: shown, err: dsn.RedactErr(err)}
	}
	if err := sqldb.PingContext(ctx); err != nil {
		sqldb.Close()
		return nil, dialect, &connectError{what: shown, err: dsn.RedactErr(err)}
	}
	return sqldb, dialect, nil
}

// OpenKeyring opens the key encryption key kekURI names and a keyring over
// the keyset store (table phicrypt_keysets) of sqldb, creating that table
// when it is missing. It creates no keyset.
func OpenKeyring(ctx context.Context, sqldb *sql.DB, dialect, kekURI string, opts ...Option) (*cipher.Keyring, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	var cfg config
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if kekURI == "" {
		return nil, &connectError{what: "key URI", err: fmt.Errorf("%w: no key URI given (want local:PATH, aws-kms://ARN or hcvault://…)", ErrConnect)}
	}
	kek, err := keyprovider.Open(ctx, kekURI, cfg.key)
	if err != nil {
		return nil, &connectError{what: fmt.Sprintf("key URI %q", kekURI), err: err}
	}
	store, err := sqlwrap.NewKeysetStore(sqldb, dialect)
	if err != nil {
		return nil, &connectError{what: "keyset store", err: err}
	}
	if err := store.EnsureTable(ctx); err != nil {
		return nil, &connectError{what: "keyset store", err: err}
	}
	ring, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store})
	if err != nil {
		return nil, &connectError{what: "keyring", err: err}
	}
	return ring, nil
}
