package sqlwrap

import (
	"context"
	"database/sql"
)

// Tx is a transaction; tables taken from it read and write inside it.
type Tx struct {
	db *DB
	tx *sql.Tx
}

// BeginTx starts a transaction.
func (db *DB) BeginTx(ctx context.Context, opts *sql.TxOptions) (*Tx, error) {
	tx, err := db.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &Tx{db: db, tx: tx}, nil
}

// Table returns access to one table inside the transaction.
func (tx *Tx) Table(name string) (*TableAccess, error) {
	ta, err := tx.db.Table(name)
	if err != nil {
		return nil, err
	}
	ta.tx = tx.tx
	return ta, nil
}

// Commit commits the transaction.
func (tx *Tx) Commit() error { return tx.tx.Commit() }

// Rollback aborts the transaction.
func (tx *Tx) Rollback() error { return tx.tx.Rollback() }
