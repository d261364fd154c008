package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// ErrReadOnly is wrapped by the error of Prepare when the database or the
// user cannot make the migration's changes (a read-only SQLite file or
// connection, a read-only transaction mode, a user without the rights to
// update or alter the table). Nothing was changed.
var ErrReadOnly = errors.New("the database does not accept the migration's changes")

// checkWritable refuses, before anything is changed, a table that the
// connection may not update or alter. An UPDATE that matches no row, in a
// transaction that is rolled back, is refused by every dialect for the
// same reasons a real write would be (SQLite read-only file or mode,
// PostgreSQL default_transaction_read_only or a missing UPDATE grant,
// MariaDB read_only or a missing UPDATE grant) and changes nothing.
// On PostgreSQL, renaming the columns also needs the table's owner,
// checked from the catalog. (MariaDB's ALTER privilege is not checked
// here: its grants may come through roles that information_schema does
// not show; a missing one fails the first RENAME COLUMN, before any row
// is written.)
func (m *Migrator) checkWritable(ctx context.Context, table, key string) error {
	refuse := func(why string, err error) error {
		msg := why
		if err != nil {
			msg += " (" + strings.ReplaceAll(err.Error(), "phicrypt: ", "") + ")"
		}
		return &Error{Table: table, Err: fmt.Errorf("%w: %s: migrate renames the plaintext columns, adds columns and writes every row, so it needs a writable database and a user who may alter and update the table; nothing was changed", ErrReadOnly, msg)}
	}
	tx, err := m.db.BeginTx(ctx, nil)
	if err != nil {
		return refuse("cannot start a write transaction", err)
	}
	defer tx.Rollback()
	probe := fmt.Sprintf("UPDATE %s SET %s = %s WHERE 1 = 0", m.q(table), m.q(key), m.q(key))
	if _, err := tx.ExecContext(ctx, probe); err != nil {
		return refuse("the database refuses writes to "+table, err)
	}
	var ok bool
	switch m.dialect {
	case "postgres":
		err = tx.QueryRowContext(ctx, "SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = to_regclass($1)", m.q(table)).Scan(&ok)
		if err == nil && !ok {
			return refuse("the user is not the owner of "+table+" (ALTER TABLE needs the owner)", nil)
		}
	default:
		return nil
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return refuse("cannot read the user's rights on "+table, err)
	}
	return nil
}
