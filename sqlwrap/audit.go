package sqlwrap

import (
	"context"
	"errors"

	"github.com/phicrypt/phicrypt/audit"
	"github.com/phicrypt/phicrypt/blindindex"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider"
)

// ErrAudit: the operation ran but its audit record could not be written.
// A read that cannot be audited returns no rows; a write has happened.
var ErrAudit = errors.New("audit record not written")

// SetAudit makes db write an audit record (package audit) for every
// read, write, refusal and key operation of its tables, with the actor
// of the operation's context (audit.WithActor). nil stops auditing. The
// records name the table, the protected columns, the number of rows and
// an error class, never a value, token or key.
//
// A record is written when the operation ends. When it cannot be written
// the operation fails with ErrAudit: a read returns no rows, but a write
// has been made (inside a Tx, the caller may still roll back). Operations
// of a Tx are recorded as they run, whether or not the Tx commits; when it
// does not, Tx.Rollback (or a failed Tx.Commit) appends a record with
// outcome "rolled_back" for the writes undone, per actor, operation and
// table. Reads stay recorded: their values were returned. For a Tx from
// WithTx the caller ends the transaction and calls Tx.RecordRollback.
func (db *DB) SetAudit(l *audit.Logger) {
	if db != nil {
		db.auditLog.Store(l)
	}
}

// Audit returns the logger set by SetAudit, or nil.
func (db *DB) Audit() *audit.Logger {
	if db == nil {
		return nil
	}
	return db.auditLog.Load()
}

// errorClasses map errors to the reason a record carries; refused says
// whether the wrapper declined the request (outcome "refused") rather
// than failed it ("error"). The first match wins.
var errorClasses = []struct {
	err     error
	class   string
	refused bool
}{
	{ErrAudit, "audit", false},
	{ErrUnsupported, "unsupported", true},
	{ErrUnknownTable, "unknown_table", true},
	{ErrUnknownColumn, "unknown_column", true},
	{ErrUnknownIndex, "unknown_index", true},
	{ErrWrongType, "wrong_type", true},
	{blindindex.ErrNeedleTooShort, "needle_too_short", true},
	{ErrNotNull, "not_null", true},
	{ErrRowBinding, "row_binding", true},
	{ErrIndexNotReady, "index_not_ready", true},
	{ErrBackfillIncomplete, "backfill_incomplete", true},
	{ErrReencryptIncomplete, "reencrypt_incomplete", true},
	{cipher.ErrValueTooLong, "value_too_long", true},
	{keyprovider.ErrAccessDenied, "access_denied", true},
	{cipher.ErrNotPermitted, "not_permitted", true},
	{ErrNotFound, "not_found", false},
	{ErrMissingColumn, "missing_column", false},
	{cipher.ErrTampered, "tampered", false},
	{cipher.ErrMisplaced, "misplaced", false},
	{cipher.ErrUnknownKey, "unknown_key", false},
	{cipher.ErrTruncated, "truncated", false},
	{cipher.ErrUnsupportedVersion, "unsupported_version", false},
	{cipher.ErrMalformedValue, "malformed_value", false},
	{cipher.ErrUnsupportedType, "unsupported_type", false},
	{cipher.ErrKeysetNotFound, "keyset_not_found", false},
	{cipher.ErrKeysetMissing, "keyset_missing", false},
	{keyprovider.ErrWrongKey, "wrong_key", false},
	{keyprovider.ErrKeyNotFound, "key_not_found", false},
	{keyprovider.ErrUnavailable, "key_unavailable", false},
	{context.Canceled, "canceled", false},
	{context.DeadlineExceeded, "deadline", false},
	{ErrUnbound, "unbound", false},
}

// AuditOutcome returns the outcome and reason an audit record gives err:
// "ok" and "" for nil, "refused" or "error" and an error class otherwise
// (a class name, never the error's text).
func AuditOutcome(err error) (outcome, reason string) {
	if err == nil {
		return audit.OutcomeOK, ""
	}
	for _, c := range errorClasses {
		if errors.Is(err, c.err) {
			if c.refused {
				return audit.OutcomeRefused, c.class
			}
			return audit.OutcomeError, c.class
		}
	}
	return audit.OutcomeError, "error"
}

// record writes one record; it returns the error to give the caller:
// err, or with it an ErrAudit when the record could not be written.
func (db *DB) record(ctx context.Context, l *audit.Logger, op, action, table string, cols []string, rows int64, err error) error {
	aerr := db.write(ctx, l, op, action, table, cols, rows, err)
	switch {
	case aerr == nil:
		return err
	case err == nil:
		return aerr
	}
	return &auditJoined{err: err, aerr: aerr}
}

// auditJoined is an operation's error and the failure to record it, with
// one "phicrypt: " prefix; errors.Is and errors.As see both.
type auditJoined struct{ err, aerr error }

func (j *auditJoined) Error() string {
	return prefix + nested(j.err) + "; and " + nested(j.aerr)
}
func (j *auditJoined) Unwrap() []error { return []error{j.err, j.aerr} }

// write writes one record for an operation that ended with err; the error
// is ErrAudit's, nil once the record is written.
func (db *DB) write(ctx context.Context, l *audit.Logger, op, action, table string, cols []string, rows int64, err error) error {
	r := audit.Record{Op: op, Action: action, Table: table, Columns: cols, Rows: rows}
	r.Outcome, r.Reason = AuditOutcome(err)
	return db.log(ctx, l, r)
}

// log appends r, with the actor of ctx; the error is ErrAudit's.
func (db *DB) log(ctx context.Context, l *audit.Logger, r audit.Record) error {
	if a, ok := audit.ActorFrom(ctx); ok {
		r.Principal, r.Role, r.Purpose, r.RequestID = a.Principal, a.Role, a.Purpose, a.RequestID
	}
	// A cancelled context must not stop the record of the cancellation.
	if ctx.Err() != nil {
		ctx = context.WithoutCancel(ctx)
	}
	if _, lerr := l.Log(ctx, r); lerr != nil {
		return &Error{Op: "audit", Table: r.Table, Err: &wrapped{msg: ErrAudit.Error(), err: errors.Join(ErrAudit, lerr)}}
	}
	return nil
}

// protectedNames returns the protected columns of the table, in schema
// order. The slice is shared (cached in DB.auditCols): do not modify it.
func (ta *TableAccess) protectedNames() []string {
	rt := ta.rt
	if v, ok := ta.db.auditCols.Load(rt); ok {
		return v.([]string)
	}
	out := make([]string, len(rt.order))
	for i, c := range rt.order {
		out[i] = c.c.Name
	}
	ta.db.auditCols.Store(rt, out)
	return out
}

// writtenNames returns the protected columns present in the rows, in
// schema order.
func (rt *tableRT) writtenNames(rows ...Row) []string {
	var out []string
	for _, c := range rt.order {
		for _, r := range rows {
			if _, ok := r[c.c.Name]; ok {
				out = append(out, c.c.Name)
				break
			}
		}
	}
	return out
}

// logger returns the DB's logger; nil for an unbound TableAccess, whose
// operations fail with ErrUnbound before touching anything.
func (ta *TableAccess) logger() *audit.Logger {
	if ta == nil || ta.db == nil || ta.rt == nil {
		return nil
	}
	return ta.db.auditLog.Load()
}

// auditFind records a Find: deferred with its results.
func (ta *TableAccess) auditFind(ctx context.Context, rows *[]Row, err *error) {
	l := ta.logger()
	if l == nil {
		return
	}
	if *err = ta.db.record(ctx, l, audit.OpSearch, "find", ta.rt.t.Name, ta.protectedNames(), int64(len(*rows)), *err); *err != nil {
		*rows = nil
	}
}

// auditVerify records a Verify, which opens every protected value of the
// table: op decrypt, with the rows read.
func (ta *TableAccess) auditVerify(ctx context.Context, rep **VerifyReport, err *error) {
	l := ta.logger()
	if l == nil {
		return
	}
	n := int64(0)
	if *rep != nil {
		n = (*rep).Rows
	}
	if *err = ta.db.record(ctx, l, audit.OpDecrypt, "verify", ta.rt.t.Name, ta.protectedNames(), n, *err); *err != nil {
		*rep = nil
	}
}

// auditFindPartial records a FindPartial.
func (ta *TableAccess) auditFindPartial(ctx context.Context, res **FindResult, err *error) {
	l := ta.logger()
	if l == nil {
		return
	}
	n := int64(0)
	if *res != nil {
		n = int64(len((*res).Rows))
	}
	if *err = ta.db.record(ctx, l, audit.OpSearch, "find_partial", ta.rt.t.Name, ta.protectedNames(), n, *err); *err != nil {
		*res = nil
	}
}

// auditGet records a Get.
func (ta *TableAccess) auditGet(ctx context.Context, row *Row, err *error) {
	l := ta.logger()
	if l == nil {
		return
	}
	n := int64(0)
	if *row != nil {
		n = 1
	}
	if *err = ta.db.record(ctx, l, audit.OpDecrypt, "get", ta.rt.t.Name, ta.protectedNames(), n, *err); *err != nil {
		*row = nil
	}
}

// auditCount records a Count: the count is what it reveals.
func (ta *TableAccess) auditCount(ctx context.Context, n *int64, err *error) {
	l := ta.logger()
	if l == nil {
		return
	}
	if *err = ta.db.record(ctx, l, audit.OpSearch, "count", ta.rt.t.Name, nil, *n, *err); *err != nil {
		*n = 0
	}
}

// auditRows wraps the yield of a Rows loop: the returned yield counts the
// rows and remembers the error; finish writes the record, and if it
// cannot, yields the ErrAudit to a loop that has not stopped.
func (ta *TableAccess) auditRows(ctx context.Context, yield func(Row, error) bool) (func(Row, error) bool, func()) {
	l := ta.logger()
	if l == nil {
		return yield, func() {}
	}
	var n int64
	var last error
	stopped := false
	wrap := func(r Row, err error) bool {
		if err != nil {
			last = err
		} else {
			n++
		}
		if !yield(r, err) {
			stopped = true
			return false
		}
		return true
	}
	finish := func() {
		if err := ta.db.record(ctx, l, audit.OpSearch, "rows", ta.rt.t.Name, ta.protectedNames(), n, last); err != nil && last == nil && !stopped {
			yield(nil, err)
		}
	}
	return wrap, finish
}

// auditWrite records an Insert, Update or Delete of one row.
func (ta *TableAccess) auditWrite(ctx context.Context, op, action string, row Row, err *error) {
	l := ta.logger()
	if l == nil {
		return
	}
	var cols []string
	if op == audit.OpDelete {
		cols = ta.protectedNames()
	} else {
		cols = ta.rt.writtenNames(row)
	}
	n := int64(0)
	if *err == nil {
		n = 1
	}
	*err = ta.db.record(ctx, l, op, action, ta.rt.t.Name, cols, n, *err)
	ta.noteWrite(ctx, op, cols, n, *err)
}

// auditBatch records an InsertBatch.
func (ta *TableAccess) auditBatch(ctx context.Context, rows []Row, err *error) {
	l := ta.logger()
	if l == nil {
		return
	}
	n := int64(0)
	if *err == nil {
		n = int64(len(rows))
	}
	cols := ta.rt.writtenNames(rows...)
	*err = ta.db.record(ctx, l, audit.OpInsert, "insert_batch", ta.rt.t.Name, cols, n, *err)
	ta.noteWrite(ctx, audit.OpInsert, cols, n, *err)
}

// auditUpsert records an Upsert as an insert or an update.
func (ta *TableAccess) auditUpsert(ctx context.Context, row Row, inserted *bool, err *error) {
	l := ta.logger()
	if l == nil {
		return
	}
	op := audit.OpUpdate
	if *inserted {
		op = audit.OpInsert
	}
	n := int64(0)
	if *err == nil {
		n = 1
	}
	cols := ta.rt.writtenNames(row)
	*err = ta.db.record(ctx, l, op, "upsert", ta.rt.t.Name, cols, n, *err)
	ta.noteWrite(ctx, op, cols, n, *err)
}

// auditKey records a key operation on a table's column or index (name).
func (db *DB) auditKey(ctx context.Context, action, table, name string, err *error) {
	if db == nil {
		return
	}
	l := db.auditLog.Load()
	if l == nil {
		return
	}
	var cols []string
	if name != "" {
		cols = []string{name}
	}
	*err = db.record(ctx, l, audit.OpKey, action, table, cols, 0, *err)
}

// AuditEvent writes a record for an operation the application performs
// itself (an export, a refusal at its own door), with the actor of ctx
// and the outcome and reason AuditOutcome gives err. It does nothing
// without a logger. The error is non-nil only when the record could not
// be written (it wraps ErrAudit, not err).
func (db *DB) AuditEvent(ctx context.Context, op, action, table string, columns []string, rows int64, err error) error {
	l := db.Audit()
	if l == nil {
		return nil
	}
	return db.write(ctx, l, op, action, table, columns, rows, err)
}
