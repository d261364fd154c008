package sqlwrap

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// Tx is a transaction; tables taken from it read and write inside it.
//
// A transaction has one connection. Tables taken from it may be used from
// several goroutines: their operations take turns on that connection, each
// one waiting for the previous to finish (or for its context to end).
type Tx struct {
	db *DB
	tc *txConn
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

// freshKeysBeforeTx reloads the table's expired keys before a transaction
// of the wrapper's own takes the pool's last connection: a reload inside
// it would wait for that connection.
func (db *DB) freshKeysBeforeTx(ctx context.Context, rt *tableRT) error {
	if st := db.db.Stats(); st.MaxOpenConnections > 0 && st.InUse+1 >= st.MaxOpenConnections {
		return db.warmTable(ctx, rt)
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

// Commit commits the transaction.
func (tx *Tx) Commit() error {
	if tx == nil || tx.tc == nil {
		return ErrUnbound
	}
	return tx.tc.tx.Commit()
}

// Rollback aborts the transaction.
func (tx *Tx) Rollback() error {
	if tx == nil || tx.tc == nil {
		return ErrUnbound
	}
	return tx.tc.tx.Rollback()
}
