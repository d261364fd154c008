package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/phicrypt/phicrypt/sqlwrap"
)

// State tables (created by Prepare).
const (
	// StateTable has one row per table: phase, checkpoint (last_key,
	// written in the transaction of its batch), counters, and the lock
	// (owner, heartbeat in Unix milliseconds).
	StateTable = "phicrypt_migrations"
	// BadRowsTable lists the values Options.SkipBadRows skipped: table,
	// key, column and reason, never the value.
	BadRowsTable = "phicrypt_bad_rows"
)

// Phases of a table in StateTable.
const (
	PhasePrepared = "prepared" // columns renamed, wrapper schema ensured
	PhaseCopy     = "copy"     // batches running
	PhaseDone     = "done"     // every value sealed (bad rows aside)
	PhaseDropped  = "dropped"  // plaintext columns dropped
)

func (m *Migrator) ensureStateTables(ctx context.Context) error {
	v := "VARCHAR(191)"
	stmts := []string{
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (tbl %s NOT NULL PRIMARY KEY, phase VARCHAR(32) NOT NULL,
			last_key %s, rows_done BIGINT NOT NULL DEFAULT 0, sealed BIGINT NOT NULL DEFAULT 0,
			started_at VARCHAR(40), updated_at VARCHAR(40), owner %s, heartbeat BIGINT)`, StateTable, v, v, v),
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (tbl %s NOT NULL, %s %s NOT NULL, col %s NOT NULL,
			reason VARCHAR(1024) NOT NULL, seen_at VARCHAR(40) NOT NULL, PRIMARY KEY (tbl, %s, col))`, BadRowsTable, v, m.q("key"), v, v, m.q("key")),
	}
	for _, s := range stmts {
		if _, err := m.db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("create the state tables: %w", err)
		}
	}
	return nil
}

// lock is this migration's hold on one table.
type lock struct {
	m      *Migrator
	table  string
	stop   chan struct{}
	done   chan struct{}
	mu     sync.Mutex
	lost   error
	cancel func(error)
}

// acquire takes the lock of table: the row of StateTable gets this
// migration as owner when it has none, or one whose heartbeat is older
// than LockTimeout. cancel is called with the cause if the lock is lost
// while held.
func (m *Migrator) acquire(ctx context.Context, table string, cancel func(error)) (*lock, error) {
	ts := now()
	_, err := m.db.ExecContext(ctx, m.rebind(m.insertIgnore(StateTable, "tbl, phase, rows_done, sealed, started_at, updated_at", "?, 'new', 0, 0, ?, ?", "tbl")), table, ts, ts)
	if err != nil {
		return nil, m.fail(table, fmt.Errorf("lock: %w", err))
	}
	var prevOwner sql.NullString
	var prevBeat sql.NullInt64
	if err := m.db.QueryRowContext(ctx, m.rebind("SELECT owner, heartbeat FROM "+StateTable+" WHERE tbl = ?"), table).Scan(&prevOwner, &prevBeat); err != nil {
		return nil, m.fail(table, fmt.Errorf("lock: %w", err))
	}
	ms := time.Now().UnixMilli()
	res, err := m.db.ExecContext(ctx, m.rebind("UPDATE "+StateTable+" SET owner = ?, heartbeat = ? WHERE tbl = ? AND (owner IS NULL OR owner = ? OR heartbeat IS NULL OR heartbeat < ?)"),
		m.owner, ms, table, m.owner, ms-m.opts.LockTimeout.Milliseconds())
	if err != nil {
		return nil, m.fail(table, fmt.Errorf("lock: %w", err))
	}
	if !m.held(ctx, res, m.db, table) && prevOwner.Valid && ownerGone(prevOwner.String) {
		// The holder ran on this host and its process is gone (kill -9, a
		// crash): take the lock over now rather than after LockTimeout.
		res, err = m.db.ExecContext(ctx, m.rebind("UPDATE "+StateTable+" SET owner = ?, heartbeat = ? WHERE tbl = ? AND owner = ?"), m.owner, ms, table, prevOwner.String)
		if err != nil {
			return nil, m.fail(table, fmt.Errorf("lock: %w", err))
		}
		if m.held(ctx, res, m.db, table) {
			m.logf("migrate %s: took over the lock of %s, a process of this host that is gone", table, prevOwner.String)
			prevOwner.Valid = false
		}
	}
	if !m.held(ctx, res, m.db, table) {
		var owner sql.NullString
		var beat sql.NullInt64
		m.db.QueryRowContext(ctx, m.rebind("SELECT owner, heartbeat FROM "+StateTable+" WHERE tbl = ?"), table).Scan(&owner, &beat)
		age := time.Since(time.UnixMilli(beat.Int64)).Round(time.Second)
		return nil, &Error{Table: table, Err: fmt.Errorf("%w: %s is migrating it (last heartbeat %s ago); a second migrate of the same table is refused. If that process is gone, its lock is taken over once the heartbeat is older than %s",
			ErrLocked, owner.String, age, m.opts.LockTimeout)}
	}
	if prevOwner.Valid && prevOwner.String != m.owner {
		m.logf("migrate %s: took over the lock of %s, whose last heartbeat was %s ago (older than %s)", table, prevOwner.String,
			time.Since(time.UnixMilli(prevBeat.Int64)).Round(time.Second), m.opts.LockTimeout)
	}
	l := &lock{m: m, table: table, stop: make(chan struct{}), done: make(chan struct{}), cancel: cancel}
	go l.beat()
	return l, nil
}

// beat refreshes the heartbeat until release; a heartbeat that finds
// another owner cancels the run.
func (l *lock) beat() {
	defer close(l.done)
	every := l.m.opts.LockTimeout / 6
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), every)
		res, err := l.m.db.ExecContext(ctx, l.m.rebind("UPDATE "+StateTable+" SET heartbeat = ? WHERE tbl = ? AND owner = ?"), time.Now().UnixMilli(), l.table, l.m.owner)
		cancel()
		if err != nil {
			continue // a busy database: the next beat tries again
		}
		if !l.m.held(context.Background(), res, l.m.db, l.table) {
			l.mu.Lock()
			l.lost = fmt.Errorf("%w: the lock was taken over by another migration (this one's heartbeat was older than %s)", ErrLocked, l.m.opts.LockTimeout)
			l.mu.Unlock()
			if l.cancel != nil {
				l.cancel(l.lost)
			}
			return
		}
	}
}

// release stops the heartbeat and clears the owner.
func (l *lock) release() {
	if l == nil {
		return
	}
	close(l.stop)
	<-l.done
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l.m.db.ExecContext(ctx, l.m.rebind("UPDATE "+StateTable+" SET owner = NULL, heartbeat = NULL WHERE tbl = ? AND owner = ?"), l.table, l.m.owner)
}

// setPhase records the table's phase (only while this migration owns it).
func (m *Migrator) setPhase(ctx context.Context, table, phase string) error {
	res, err := m.db.ExecContext(ctx, m.rebind("UPDATE "+StateTable+" SET phase = ?, updated_at = ? WHERE tbl = ? AND owner = ?"), phase, now(), table, m.owner)
	if err != nil {
		return m.fail(table, fmt.Errorf("record phase %s: %w", phase, err))
	}
	if !m.held(ctx, res, m.db, table) {
		return m.fail(table, fmt.Errorf("%w: the lock was taken over by another migration", ErrLocked))
	}
	return nil
}

// insertIgnore is an INSERT that does nothing when the row's key exists.
func (m *Migrator) insertIgnore(table, cols, vals, conflict string) string {
	switch m.dialect {
	case "sqlite":
		return fmt.Sprintf("INSERT OR IGNORE INTO %s (%s) VALUES (%s)", table, cols, vals)
	case "postgres":
		return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (%s) DO NOTHING", table, cols, vals, conflict)
	}
	return fmt.Sprintf("INSERT IGNORE INTO %s (%s) VALUES (%s)", table, cols, vals)
}

// checkpointState is what StateTable holds for a table.
type checkpointState struct {
	phase        string
	lastKey      sql.NullString
	rows, sealed int64
}

func (m *Migrator) readCheckpoint(ctx context.Context, table string) (*checkpointState, error) {
	var s checkpointState
	err := m.db.QueryRowContext(ctx, m.rebind("SELECT phase, last_key, rows_done, sealed FROM "+StateTable+" WHERE tbl = ?"), table).
		Scan(&s.phase, &s.lastKey, &s.rows, &s.sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return &s, nil
	}
	return &s, err
}

// held reports whether an UPDATE of table's row guarded by "owner = this
// migration" found the row. MariaDB counts changed rows, not matched ones,
// so an update that changed nothing is checked by reading the owner.
func (m *Migrator) held(ctx context.Context, res sql.Result, q any, table string) bool {
	if n, _ := res.RowsAffected(); n == 1 {
		return true
	}
	if m.dialect != "mysql" {
		return false
	}
	var owner sql.NullString
	query := m.rebind("SELECT owner FROM " + StateTable + " WHERE tbl = ?")
	var err error
	switch x := q.(type) {
	case *sql.DB:
		err = x.QueryRowContext(ctx, query, table).Scan(&owner)
	case interface {
		QueryRowContext(context.Context, string, ...any) *sqlwrap.TxRow
	}:
		err = x.QueryRowContext(ctx, query, table).Scan(&owner)
	default:
		return false
	}
	return err == nil && owner.String == m.owner
}
