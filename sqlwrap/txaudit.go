package sqlwrap

import (
	"context"
	"fmt"
	"slices"

	"github.com/phicrypt/phicrypt/audit"
)

// txWrite sums the writes of one actor, operation and table inside a
// transaction that the audit log recorded as ok.
type txWrite struct {
	actor    audit.Actor
	hasActor bool
	op       string
	table    string
	cols     []string
	rows     int64
}

// noteWrite remembers a write of a Tx's table that was recorded as ok, so
// that a rollback can record that it was undone.
func (ta *TableAccess) noteWrite(ctx context.Context, op string, cols []string, rows int64, err error) {
	if ta.tc == nil || err != nil || rows == 0 {
		return
	}
	a, ok := audit.ActorFrom(ctx)
	c := ta.tc
	c.wmu.Lock()
	defer c.wmu.Unlock()
	for _, w := range c.writes {
		if w.actor == a && w.hasActor == ok && w.op == op && w.table == ta.rt.t.Name {
			w.rows += rows
			for _, col := range cols {
				if !slices.Contains(w.cols, col) {
					w.cols = append(w.cols, col)
				}
			}
			return
		}
	}
	c.writes = append(c.writes, &txWrite{actor: a, hasActor: ok, op: op, table: ta.rt.t.Name, cols: slices.Clone(cols), rows: rows})
}

// takeWrites returns the noted writes and forgets them.
func (c *txConn) takeWrites() []*txWrite {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	w := c.writes
	c.writes = nil
	return w
}

// recordUndone appends a "rolled_back" record for each noted write of the
// transaction, which ended without committing (err is the commit's error,
// nil after a Rollback; reason is the record's). It returns err, joined
// with an ErrAudit when a record could not be written.
func (tx *Tx) recordUndone(err error, reason string) error {
	writes := tx.tc.takeWrites()
	l := tx.db.Audit()
	if l == nil {
		return err
	}
	for _, w := range writes {
		ctx := context.Background()
		if w.hasActor {
			ctx = audit.WithActor(ctx, w.actor)
		}
		r := audit.Record{Op: w.op, Action: "rollback", Table: w.table, Columns: w.cols, Rows: w.rows,
			Outcome: audit.OutcomeRolledBack, Reason: reason}
		if aerr := tx.db.log(ctx, l, r); aerr != nil {
			if err == nil {
				return aerr
			}
			return &auditJoined{err: err, aerr: aerr}
		}
	}
	return err
}

// RecordRollback is for a Tx from WithTx, whose transaction the caller
// ends itself: after rolling back the *sql.Tx (or after its commit
// failed), call it to append the "rolled_back" records that Rollback
// writes for a Tx of BeginTx (see Tx.Rollback); the wrapper cannot see
// the end of an adopted transaction. It records each write once, however
// often it is called. On a Tx of BeginTx it refuses (ErrUnsupported):
// Rollback and Commit record it.
func (tx *Tx) RecordRollback() error {
	if tx == nil || tx.db == nil || tx.tc == nil {
		return ErrUnbound
	}
	if !tx.adopted {
		return &Error{Op: "record rollback", Err: fmt.Errorf("%w: RecordRollback is for a transaction adopted with WithTx; Rollback records its own", ErrUnsupported)}
	}
	return tx.recordUndone(nil, "")
}
