package sqlwrap

import (
	"errors"
	"fmt"
	"strings"
)

// Errors of the wrapper; match them with errors.Is. Messages name the
// table, column and reason, never a value.
var (
	// ErrUnsupported: the query asks something the tokens cannot answer
	// safely (a range, ORDER BY or LIKE on a protected column, Contains on
	// a column with prefix tokens only, Eq on a column without an equality
	// index), or a search only protected columns have (Prefix or Contains
	// on a plain column).
	ErrUnsupported = errors.New("unsupported query")
	// ErrUnknownColumn: the column is not in the schema.
	ErrUnknownColumn = errors.New("unknown column")
	// ErrUnknownTable: the table is not in the schema.
	ErrUnknownTable = errors.New("unknown table")
	// ErrWrongType: a value does not have the column's type.
	ErrWrongType = errors.New("wrong value type")
	// ErrNotNull: NULL for a column that is not nullable.
	ErrNotNull = errors.New("NULL in a column that is not nullable")
	// ErrMissingColumn: a column the schema needs is missing in the
	// database (run EnsureSchema).
	ErrMissingColumn = errors.New("column missing in the database")
	// ErrNotFound: Get found no row with that key.
	ErrNotFound = errors.New("row not found")
	// ErrRowBinding: the row-binding value is needed but not given.
	ErrRowBinding = errors.New("row-binding value needed")
)

// Errors of transactions, handles and index state.
var (
	// ErrUnbound: a zero-value handle (a DB, Tx, TableAccess or Field not
	// obtained from Open, BeginTx, Table or Field) was used.
	ErrUnbound = errors.New("phicrypt: handle not obtained from an open DB")
	// ErrIndexNotReady: the query needs an index whose tokens do not cover
	// every row yet (added to a table that had rows, or its definition
	// changed); DB.Reindex writes them.
	ErrIndexNotReady = errors.New("index not ready")
	// ErrUnknownIndex: the table has no index of that name.
	ErrUnknownIndex = errors.New("unknown index")
	// ErrBackfillIncomplete: an index key cannot be retired yet, because
	// some index of its keyset has not rewritten every row's tokens under
	// the primary key since the rotation (DB.RotateIndexKey does).
	// Retiring it would make searches miss the rows that still carry only
	// tokens under the old key.
	ErrBackfillIncomplete = errors.New("index tokens not yet rewritten under the primary key")
)

// Error locates a failure.
type Error struct {
	Op     string
	Table  string
	Column string
	// Key is the key of the row that failed to open (a damaged or
	// misplaced ciphertext, a NULL in a non-nullable column), or nil. Keys
	// are stored in clear, so naming them reveals nothing the database
	// does not show; values are never named.
	Key any
	Err error
}

func (e *Error) Error() string {
	where := e.Table
	if e.Column != "" {
		where += "." + e.Column
	}
	if e.Key != nil {
		return fmt.Sprintf("phicrypt: %s %s of the row with key %v: %s", e.Op, where, e.Key, nested(e.Err))
	}
	return fmt.Sprintf("phicrypt: %s %s: %s", e.Op, where, nested(e.Err))
}

func (e *Error) Unwrap() error { return e.Err }

// The prefix every error of phicrypt carries once. An error that wraps
// another prints it at its start and drops it from the text of what it
// wraps (a cipher.Error, another Error, a sentinel), so that a chain reads
// "phicrypt: read patients.ssn: open patients.ssn: …". errors.Is and
// errors.As still see every error of the chain.
const prefix = "phicrypt: "

// nested is the text of a wrapped error without its prefixes.
func nested(err error) string {
	if err == nil {
		return "<nil>"
	}
	return strings.ReplaceAll(err.Error(), prefix, "")
}

// wrapped is an error located by a message, wrapping the cause it names.
type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return prefix + w.msg + ": " + nested(w.err) }
func (w *wrapped) Unwrap() error { return w.err }

// wrapf returns an error reading "phicrypt: <format>: <err>" with err's
// own prefixes dropped; it wraps err.
func wrapf(err error, format string, args ...any) error {
	return &wrapped{msg: fmt.Sprintf(format, args...), err: err}
}
