package sqlwrap

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/phicrypt/phicrypt/cipher"
)

// TableAccess reads and writes one table, sealing and indexing its
// protected columns.
type TableAccess struct {
	db *DB
	rt *tableRT
	tx *sql.Tx
	// tc is the transaction's shared state when tx is set.
	tc *txConn
}

// enter starts a public operation: it checks that the handle is bound and,
// inside a transaction, waits for the transaction's connection. Call the
// returned function when the operation ends.
func (ta *TableAccess) enter(ctx context.Context) (context.Context, func(), error) {
	if ta == nil || ta.db == nil || ta.rt == nil {
		return ctx, nil, ErrUnbound
	}
	if ctx == nil {
		return ctx, nil, ta.fail("call", "", errNilContext)
	}
	if ta.tc == nil {
		return ctx, func() {}, nil
	}
	ctx, done, err := ta.tc.take(ctx)
	if err != nil {
		return ctx, nil, ta.fail("wait for the transaction", "", err)
	}
	ctx = context.WithValue(ctx, storeTxKey{}, storeTx{db: ta.db.db, tx: ta.tx})
	if st := ta.db.db.Stats(); st.MaxOpenConnections > 0 && st.InUse >= st.MaxOpenConnections {
		// The transaction holds the only connection: reload expired keys
		// now, through it, rather than while a result is open on it, where
		// PostgreSQL and MySQL cannot run a second statement.
		if err := ta.db.warmRead(ctx, ta.rt); err != nil {
			done()
			return ctx, nil, err
		}
	}
	return ctx, done, nil
}

// keyNeed is what a write loads keys for before it starts: the protected
// columns rows give a value (warmWrite; partial: the rows may update a
// stored row, Update and Upsert, so the compound indexes they touch read
// their other parts back), or with all, every column of the table.
type keyNeed struct {
	all, partial bool
	rows         []Row
}

// enterWrite is enter for a write: once the operation has its turn, it
// also loads the keys the write needs.
func (ta *TableAccess) enterWrite(ctx context.Context, need keyNeed) (context.Context, func(), error) {
	ctx, done, err := ta.enter(ctx)
	if err != nil {
		return ctx, nil, err
	}
	if need.all {
		err = ta.warm(ctx)
	} else {
		err = ta.db.warmWrite(ctx, ta.rt, need.rows, need.partial)
	}
	if err != nil {
		done()
		return ctx, nil, err
	}
	return ctx, done, nil
}

// stmt returns a cached prepared statement, prepared on the transaction if
// there is one.
func (ta *TableAccess) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if ta.tc != nil {
		return ta.tc.stmt(ctx, &ta.db.stmts, query)
	}
	if v, ok := ta.db.stmts.Load(query); ok {
		return v.(*sql.Stmt), nil
	}
	p, err := ta.db.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if v, loaded := ta.db.stmts.LoadOrStore(query, p); loaded {
		p.Close()
		return v.(*sql.Stmt), nil
	}
	return p, nil
}

func (ta *TableAccess) q() querier {
	if ta.tx != nil {
		return ta.tx
	}
	return ta.db.db
}

func (ta *TableAccess) fail(op, col string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Op: op, Table: ta.rt.t.Name, Column: col, Err: err}
}

func (ta *TableAccess) ready(ctx context.Context) error {
	if ta.rt.verified.Load() {
		return nil
	}
	return ta.db.verifyTable(ctx, ta.rt)
}

// warm loads every keyset of the table before a transaction starts:
// loading one inside a write transaction would wait on that transaction's
// own lock on SQLite. It never creates a keyset (EnsureSchema does, for
// empty columns): a missing one is cipher.ErrKeysetMissing.
func (ta *TableAccess) warm(ctx context.Context) error {
	if ta.rt.warmed.Load() {
		return nil
	}
	return ta.db.warmTable(ctx, ta.rt)
}

func (db *DB) warmTable(ctx context.Context, rt *tableRT) error {
	if err := db.loadTable(ctx, rt, cipher.PermEncrypt); err != nil {
		return err
	}
	rt.warmed.Store(true)
	return nil
}

// warmRead loads the keys a read of the table uses before its rows are
// open: the value keysets of the columns the keyring may decrypt and the
// index keysets it may search with. The private sealing keyset of a
// column is loaded at the first write-only value its rows hold.
func (db *DB) warmRead(ctx context.Context, rt *tableRT) error {
	return db.loadTable(ctx, rt, cipher.PermDecrypt)
}

// loadTable loads, for every protected column, the keyset that want uses
// (loadColumn) and every index keyset. A keyring opened for a principal
// loads only the keys it holds: the others fail where they are needed,
// with ErrNotPermitted.
func (db *DB) loadTable(ctx context.Context, rt *tableRT, want cipher.Permission) error {
	for _, cr := range rt.order {
		if err := db.loadColumn(ctx, rt, cr, want, true); err != nil {
			return err
		}
	}
	for _, c := range rt.comp {
		if err := db.loadCompound(ctx, rt, c); err != nil {
			return err
		}
	}
	return nil
}

// warmWrite loads the keys that writing rows uses before a transaction
// starts (loading one inside a write transaction would wait on that
// transaction's own lock on SQLite): the sealing keyset (value, or for a
// write-only principal the public sealing keyset) and index keyset of each
// protected column some row gives a value, the keysets of the compound
// indexes they touch and, for a partial write, the value keysets of the
// compound parts read back. Keys of columns no row writes stay unloaded.
func (db *DB) warmWrite(ctx context.Context, rt *tableRT, rows []Row, partial bool) error {
	for _, cr := range rt.order {
		for _, r := range rows {
			if v, ok := r[cr.c.Name]; ok && v != nil {
				if err := db.loadColumn(ctx, rt, cr, cipher.PermEncrypt, true); err != nil {
					return err
				}
				break
			}
		}
	}
	for _, c := range rt.comp {
		for _, r := range rows {
			if c.touched(r) {
				if err := db.loadCompound(ctx, rt, c); err != nil {
					return err
				}
				break
			}
		}
	}
	if partial {
		for _, r := range rows {
			for _, cr := range rt.storedParts(r) {
				if err := db.loadColumn(ctx, rt, cr, cipher.PermDecrypt, false); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// loadColumn loads the keyset of cr that want uses (cipher.Column.LoadKeys)
// and, with index, the column's index keyset if it has indexes; keysets
// the keyring's grant does not cover are skipped.
func (db *DB) loadColumn(ctx context.Context, rt *tableRT, cr *colRT, want cipher.Permission, index bool) error {
	if cr.seal.Allows(want) {
		if err := cr.seal.LoadKeys(ctx, want); err != nil {
			return &Error{Op: "load keys", Table: rt.t.Name, Column: cr.c.Name, Err: err}
		}
	}
	if index && (len(cr.eq) > 0 || cr.pre != nil || cr.sub != nil) && db.ring.Allows(cr.seal.Scope(), cipher.PermIndex) {
		if _, err := cr.keys.Get(ctx); err != nil {
			return &Error{Op: "load keys", Table: rt.t.Name, Column: cr.c.Name, Err: err}
		}
	}
	return nil
}

// loadCompound loads the keyset of compound index c if the grant covers it.
func (db *DB) loadCompound(ctx context.Context, rt *tableRT, c *compoundRT) error {
	if !db.ring.Allows(c.scope, cipher.PermIndex) {
		return nil
	}
	if _, err := c.keys.Get(ctx); err != nil {
		return &Error{Op: "load keys", Table: rt.t.Name, Column: c.idx.Name, Err: err}
	}
	return nil
}

// binding returns the row-binding bytes of a row being written.
func (ta *TableAccess) binding(row Row) ([]byte, error) {
	rb := ta.rt.t.RowBinding
	if rb == "" {
		return nil, nil
	}
	v, ok := row[rb]
	if !ok || v == nil {
		return nil, &Error{Op: "write", Table: ta.rt.t.Name, Column: rb, Err: fmt.Errorf("%w: give %s in the row", ErrRowBinding, rb)}
	}
	return bindingBytes(v)
}

func (ta *TableAccess) inTx(ctx context.Context, need keyNeed, f func(*TableAccess) error) error {
	if err := ta.db.freshKeysBeforeTx(ctx, ta.rt, need); err != nil {
		return err
	}
	tx, err := ta.db.db.BeginTx(ctx, nil)
	if err != nil {
		return ta.fail("begin", "", err)
	}
	t := &TableAccess{db: ta.db, rt: ta.rt, tx: tx, tc: newTxConn(tx)}
	if err := f(t); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return ta.fail("commit", "", err)
	}
	return nil
}
