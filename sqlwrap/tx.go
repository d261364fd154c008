package sqlwrap

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// Tx is a transaction; tables taken from it read and write inside it.
//
// A transaction has one connection. Tables taken from it may be used from
// several goroutines: their operations take turns on that connection, each
// one waiting for the previous to finish (or for its context to end).
//
// A Tx from WithTx adopts a transaction the caller began: its Commit and
// Rollback refuse (ErrUnsupported), since the transaction stays the
// caller's to end.
type Tx struct {
	db      *DB
	tc      *txConn
	adopted bool
}

// txConn is what the tables of one transaction share.
type txConn struct {
	tx *sql.Tx
	// turn is held by the operation using the connection: a driver cannot
	// run a statement while another one's rows are still open on the same
	// connection.
	turn chan struct{}
	mu   sync.Mutex
	// stmts holds the statements bound to tx: binding one per call would
	// prepare it again on every row of a batch.
	stmts map[string]*sql.Stmt
	// writes are the writes recorded as ok in the audit log, for the
	// records of a rollback (txaudit.go).
	wmu    sync.Mutex
	writes []*txWrite
}

func newTxConn(tx *sql.Tx) *txConn {
	return &txConn{tx: tx, turn: make(chan struct{}, 1), stmts: map[string]*sql.Stmt{}}
}

// storeTxKey carries, in the context of an operation inside a
// transaction, that transaction to the KeysetStore (see its reader).
type storeTxKey struct{}

type storeTx struct {
	db *sql.DB
	tx *sql.Tx
}

// reader is where the checks of a table's first use (its columns, its
// index states) read: the pool, or the transaction of the operation that
// asked when that transaction holds every connection the pool may open,
// as KeysetStore.reader does for keysets.
func (db *DB) reader(ctx context.Context) querier {
	if t, ok := ctx.Value(storeTxKey{}).(storeTx); ok && t.db == db.db && t.tx != nil {
		if st := db.db.Stats(); st.MaxOpenConnections > 0 && st.InUse >= st.MaxOpenConnections {
			return t.tx
		}
	}
	return db.db
}

var errNilContext = errors.New("nil context (use context.Background())")

// turnKey marks a context whose operation already holds a txConn's turn,
// so that an operation that calls another does not wait on itself.
type turnKey struct{ c *txConn }

// take waits for the connection's turn, or for ctx to end.
func (c *txConn) take(ctx context.Context) (context.Context, func(), error) {
	if ctx.Value(turnKey{c}) != nil {
		return ctx, func() {}, nil
	}
	select {
	case c.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx, nil, ctx.Err()
	}
	ctx = context.WithValue(ctx, turnKey{c}, true)
	return ctx, func() { <-c.turn }, nil
}

// stmt returns the statement for query bound to the transaction: the
// pool's prepared statement when the pool has one (database/sql reuses its
// preparation on the transaction's connection), else one prepared on the
// transaction itself. Preparing on the pool would need a second
// connection, which a pool of one never gives while the transaction holds
// the first.
func (c *txConn) stmt(ctx context.Context, pool *sync.Map, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[query]; ok {
		return st, nil
	}
	var st *sql.Stmt
	if v, ok := pool.Load(query); ok {
		st = c.tx.StmtContext(ctx, v.(*sql.Stmt))
	} else {
		var err error
		if st, err = c.tx.PrepareContext(ctx, query); err != nil {
			return nil, err
		}
	}
	c.stmts[query] = st
	return st, nil
}

// freshKeysBeforeTx reloads the expired keys a write needs before a
// transaction of the wrapper's own takes the pool's last connection: a
// reload inside it would wait for that connection.
func (db *DB) freshKeysBeforeTx(ctx context.Context, rt *tableRT, need keyNeed) error {
	if st := db.db.Stats(); st.MaxOpenConnections > 0 && st.InUse+1 >= st.MaxOpenConnections {
		if need.all {
			return db.warmTable(ctx, rt)
		}
		return db.warmWrite(ctx, rt, need.rows, need.partial)
	}
	return nil
}

// BeginTx starts a transaction.
func (db *DB) BeginTx(ctx context.Context, opts *sql.TxOptions) (*Tx, error) {
	if db == nil || db.db == nil {
		return nil, ErrUnbound
	}
	if ctx == nil {
		return nil, errNilContext
	}
	tx, err := db.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &Tx{db: db, tc: newTxConn(tx)}, nil
}

// WithTx adopts tx, a transaction the caller began on the same *sql.DB
// the wrapper was opened with: tables taken from the returned Tx read and
// write inside tx, and its ExecContext, QueryContext and QueryRowContext
// run plain statements (other tables, audit rows) inside it, so that all
// of them commit or roll back together. The caller keeps tx: it commits
// or rolls it back itself, and the returned Tx's Commit and Rollback
// refuse. Use tx only through the returned Tx while the Tx is in use:
// the Tx makes its statements take turns on the transaction's connection,
// and statements run on tx directly do not wait for that turn.
func (db *DB) WithTx(tx *sql.Tx) (*Tx, error) {
	if db == nil || db.db == nil {
		return nil, ErrUnbound
	}
	if tx == nil {
		return nil, fmt.Errorf("%w: WithTx needs a transaction", ErrUnbound)
	}
	return &Tx{db: db, tc: newTxConn(tx), adopted: true}, nil
}

// ExecContext runs a statement inside the transaction, in turn with the
// tables' operations.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx, done, err := tx.turn(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	return tx.tc.tx.ExecContext(ctx, query, args...)
}

// QueryContext runs a query inside the transaction. The transaction's
// connection stays the query's until the rows are closed: the next
// operation of the transaction waits until then, so close them (defer
// rows.Close()).
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*TxRows, error) {
	ctx, done, err := tx.turn(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := tx.tc.tx.QueryContext(ctx, query, args...)
	if err != nil {
		done()
		return nil, err
	}
	return &TxRows{Rows: rows, done: done}, nil
}

// TxRows are the rows of Tx.QueryContext: *sql.Rows whose Close also
// gives the transaction's connection back to the other operations.
type TxRows struct {
	*sql.Rows
	once sync.Once
	done func()
}

// Close closes the rows and ends their turn on the connection.
func (r *TxRows) Close() error {
	if r == nil || r.Rows == nil {
		return nil
	}
	err := r.Rows.Close()
	r.once.Do(r.done)
	return err
}

// QueryRowContext runs a query that returns at most one row inside the
// transaction. As with database/sql, its error waits for Scan, and the
// connection stays the query's until Scan is called: call it.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *TxRow {
	rows, err := tx.QueryContext(ctx, query, args...)
	return &TxRow{rows: rows, err: err}
}

// TxRow is the row of Tx.QueryRowContext.
type TxRow struct {
	rows *TxRows
	err  error
}

// Scan copies the row's columns into dest, as sql.Row.Scan does: it
// returns sql.ErrNoRows when the query returned no row.
func (r *TxRow) Scan(dest ...any) error {
	if r == nil {
		return ErrUnbound
	}
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	return r.rows.Close()
}

// turn checks the Tx and waits for the connection's turn.
func (tx *Tx) turn(ctx context.Context) (context.Context, func(), error) {
	if tx == nil || tx.db == nil || tx.tc == nil {
		return ctx, nil, ErrUnbound
	}
	if ctx == nil {
		return ctx, nil, errNilContext
	}
	return tx.tc.take(ctx)
}

// Table returns access to one table inside the transaction.
func (tx *Tx) Table(name string) (*TableAccess, error) {
	if tx == nil || tx.db == nil || tx.tc == nil {
		return nil, ErrUnbound
	}
	ta, err := tx.db.Table(name)
	if err != nil {
		return nil, err
	}
	ta.tx, ta.tc = tx.tc.tx, tx.tc
	return ta, nil
}

// errAdopted is the refusal of Commit and Rollback on an adopted Tx.
var errAdopted = fmt.Errorf("%w: the transaction was adopted with WithTx; commit or roll back the *sql.Tx", ErrUnsupported)

// Commit commits the transaction; on a Tx from WithTx it refuses. When
// the commit fails, the writes of the transaction that the audit log
// recorded as ok get a record with outcome "rolled_back" and reason
// "commit_failed" (see Rollback).
func (tx *Tx) Commit() error {
	if tx == nil || tx.tc == nil {
		return ErrUnbound
	}
	if tx.adopted {
		return errAdopted
	}
	err := tx.tc.tx.Commit()
	if err != nil && !errors.Is(err, sql.ErrTxDone) {
		return tx.recordUndone(err, "commit_failed")
	}
	tx.tc.takeWrites()
	return err
}

// Rollback aborts the transaction; on a Tx from WithTx it refuses. With
// auditing on (DB.SetAudit), the writes of the transaction were recorded
// as ok when they ran: Rollback then appends, per actor, operation and
// table, a record with action "rollback", outcome "rolled_back", the
// protected columns written and the number of rows undone. Reads stay
// recorded as they were: their values were returned. A Rollback after
// Commit (sql.ErrTxDone) records nothing.
func (tx *Tx) Rollback() error {
	if tx == nil || tx.tc == nil {
		return ErrUnbound
	}
	if tx.adopted {
		return errAdopted
	}
	err := tx.tc.tx.Rollback()
	if err != nil {
		return err
	}
	return tx.recordUndone(nil, "")
}
