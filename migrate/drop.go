package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/phicrypt/phicrypt/sqlwrap"
)

// Mismatch is a row that fails verification: its key, the column and why,
// never the value.
type Mismatch struct {
	Key    string `json:"key"`
	Column string `json:"column"`
	Reason string `json:"reason"`
}

// VerifyResult is the outcome of Verify for one table.
type VerifyResult struct {
	Table string `json:"table"`
	Rows  int64  `json:"rows"`
	// Compared counts the values whose ciphertext was opened and compared
	// with the plaintext column.
	Compared int64 `json:"compared"`
	// Unmigrated counts the values with plaintext and no ciphertext yet.
	Unmigrated int64 `json:"unmigrated"`
	// Mismatches lists the first few rows that failed (at most 20).
	Mismatches []Mismatch `json:"mismatches,omitempty"`
	Failed     int64      `json:"failed"`
}

// OK reports whether the table passed: every value sealed, and every
// ciphertext equal to its plaintext.
func (v *VerifyResult) OK() bool { return v.Unmigrated == 0 && v.Failed == 0 }

// Verify reads every row of table through the wrapper in key order and
// checks that each protected value is sealed and, where the plaintext
// column still holds it, that the decrypted value equals it. Each batch
// reads the ciphertext and the plaintext in one transaction (a snapshot),
// so concurrent writes through the wrapper cannot make a false mismatch.
func (m *Migrator) Verify(ctx context.Context, w *sqlwrap.DB, table string) (*VerifyResult, error) {
	t := m.table(table)
	if t == nil {
		return nil, refusef(table, "table %s is not in the schema", table)
	}
	cols, err := m.columns(ctx, t.Name)
	if err != nil {
		return nil, m.fail(t.Name, err)
	}
	vr := &VerifyResult{Table: t.Name}
	// Values not sealed yet fail the table at once; reading them through
	// the wrapper would only repeat why MigrateRows skipped them.
	var sums []string
	for _, c := range t.Columns {
		if cols[strings.ToLower(c.Name+PlainSuffix)] != nil {
			sums = append(sums, fmt.Sprintf("SUM(CASE WHEN %s IS NULL AND %s IS NOT NULL THEN 1 ELSE 0 END)", m.q(c.Name), m.q(c.Name+PlainSuffix)))
		}
	}
	if len(sums) > 0 {
		var n sql.NullInt64
		if err := m.db.QueryRowContext(ctx, "SELECT "+strings.Join(sums, " + ")+" FROM "+m.q(t.Name)).Scan(&n); err != nil {
			return vr, m.explain(t.Name, fmt.Errorf("verify: %w", err))
		}
		if vr.Unmigrated = n.Int64; vr.Unmigrated > 0 {
			return vr, nil
		}
	}
	sel := m.q(t.Key)
	var plainCols []*sqlwrap.Column
	for _, c := range t.Columns {
		if cols[strings.ToLower(c.Name+PlainSuffix)] == nil {
			continue
		}
		plainCols = append(plainCols, c)
		sel += fmt.Sprintf(", %s IS NULL, %s", m.q(c.Name), m.q(c.Name+PlainSuffix))
	}
	bad := func(key any, col, reason string) {
		vr.Failed++
		if len(vr.Mismatches) < 20 {
			vr.Mismatches = append(vr.Mismatches, Mismatch{Key: keyString(key), Column: col, Reason: reason})
		}
	}
	var after any
	for {
		n, last, err := m.verifyBatch(ctx, w, t, sel, plainCols, after, vr, bad)
		if err != nil {
			return vr, m.explain(t.Name, fmt.Errorf("verify: %w", err))
		}
		if n < m.opts.Batch {
			return vr, nil
		}
		after = last
	}
}

func (m *Migrator) verifyBatch(ctx context.Context, w *sqlwrap.DB, t *sqlwrap.Table, sel string, plainCols []*sqlwrap.Column, after any,
	vr *VerifyResult, bad func(any, string, string)) (int, any, error) {
	var opts *sql.TxOptions
	if m.dialect != "sqlite" {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead}
	}
	tx, err := w.BeginTx(ctx, opts)
	if err != nil {
		return 0, nil, err
	}
	defer tx.Rollback()
	ta, err := tx.Table(t.Name)
	if err != nil {
		return 0, nil, err
	}
	q := sqlwrap.Query{OrderBy: []sqlwrap.Order{{Col: t.Key}}, Limit: m.opts.Batch}
	raw := "SELECT " + sel + " FROM " + m.q(t.Name)
	var args []any
	if after != nil {
		q.Where = []sqlwrap.Pred{sqlwrap.Gt(t.Key, after)}
		raw += " WHERE " + m.q(t.Key) + " > ?"
		args = append(args, after)
	}
	raw += fmt.Sprintf(" ORDER BY %s LIMIT %d", m.q(t.Key), m.opts.Batch)
	got, err := ta.Find(ctx, q)
	if err != nil {
		return 0, nil, err
	}
	byKey := make(map[string]sqlwrap.Row, len(got))
	for _, r := range got {
		k, err := m.normKey(t, r[t.Key])
		if err != nil {
			return 0, nil, err
		}
		byKey[keyString(k)] = r
	}
	rows, err := tx.QueryContext(ctx, m.rebind(raw), args...)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	n := 0
	var last any
	for rows.Next() {
		vals := make([]any, 1+2*len(plainCols))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return 0, nil, err
		}
		k, err := m.normKey(t, vals[0])
		if err != nil {
			return 0, nil, err
		}
		n++
		vr.Rows++
		last = k
		row, ok := byKey[keyString(k)]
		if !ok {
			bad(k, "", "the row is missing from the wrapper's answer")
			continue
		}
		for i, c := range plainCols {
			cNull, plain := truthy(vals[1+2*i]), vals[2+2*i]
			if plain == nil {
				continue
			}
			if cNull {
				vr.Unmigrated++
				continue
			}
			want, err := convert(plain, c.Type)
			if err != nil {
				bad(k, c.Name, "the plaintext does not fit the declared type, yet the column holds a ciphertext")
				continue
			}
			vr.Compared++
			if canon(row[c.Name]) != canon(want) {
				bad(k, c.Name, "the decrypted value differs from the plaintext column")
			}
		}
	}
	return n, last, rows.Err()
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case int64:
		return x != 0
	case []byte:
		return string(x) == "1" || string(x) == "t" || string(x) == "true"
	case string:
		return x == "1" || x == "t" || x == "true"
	}
	return false
}

// DropResult is what DropPlaintext did to one table.
type DropResult struct {
	Table   string        `json:"table"`
	Verify  *VerifyResult `json:"verify"`
	Dropped []string      `json:"dropped"`
	// Rewrite lists the statements that removed the plaintext the
	// database still held (VACUUM, checkpoints, table rebuilds).
	Rewrite []string `json:"rewrite"`
	// Notes are warnings about steps that could not finish (a checkpoint
	// the database refused), to act on by hand.
	Notes []string `json:"notes,omitempty"`
}

// DropPlaintext verifies each table (Verify) and, only when it passes,
// drops the c__plain columns and rewrites what the database still holds
// of them: SQLite with secure_delete on, then VACUUM and a WAL checkpoint
// that truncates the WAL; PostgreSQL with VACUUM FULL of the table (which
// rewrites it and its TOAST table) and a CHECKPOINT; MariaDB by rebuilding
// the table (ALTER TABLE … FORCE). What stays out of reach is Outside.
func (m *Migrator) DropPlaintext(ctx context.Context, w *sqlwrap.DB) ([]*DropResult, error) {
	var out []*DropResult
	for _, t := range m.tables() {
		m.mu.Lock()
		held := m.locks[t.Name] != nil
		m.mu.Unlock()
		if !held {
			return out, m.fail(t.Name, errNoLock)
		}
		dr, err := m.dropTable(ctx, w, t)
		if dr != nil {
			out = append(out, dr)
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

func (m *Migrator) dropTable(ctx context.Context, w *sqlwrap.DB, t *sqlwrap.Table) (*DropResult, error) {
	dr := &DropResult{Table: t.Name}
	cols, err := m.columns(ctx, t.Name)
	if err != nil {
		return nil, m.fail(t.Name, err)
	}
	var plain []string
	for _, c := range t.Columns {
		if pc := cols[strings.ToLower(c.Name+PlainSuffix)]; pc != nil {
			plain = append(plain, pc.name)
		}
	}
	if len(plain) > 0 {
		vr, err := m.Verify(ctx, w, t.Name)
		dr.Verify = vr
		if err != nil {
			return dr, err
		}
		if !vr.OK() {
			msg := fmt.Sprintf("%d values not sealed yet, %d rows failed", vr.Unmigrated, vr.Failed)
			if len(vr.Mismatches) > 0 {
				mm := vr.Mismatches[0]
				msg += fmt.Sprintf(" (first: %s = %s, column %s: %s)", t.Key, mm.Key, mm.Column, mm.Reason)
			}
			if vr.Unmigrated > 0 {
				msg += "; run migrate to finish (values it skipped are listed in " + BadRowsTable + ": fix them and run it again)"
			}
			return dr, &Error{Table: t.Name, Err: fmt.Errorf("%w: %s; nothing was dropped", ErrVerify, msg)}
		}
	}
	switch m.dialect {
	case "sqlite":
		err = m.dropSQLite(ctx, t, plain, dr)
	case "postgres":
		err = m.dropPostgres(ctx, t, plain, dr)
	default:
		err = m.dropMySQL(ctx, t, plain, dr)
	}
	if err != nil {
		return dr, m.fail(t.Name, err)
	}
	dr.Dropped = plain
	if err := m.setPhase(ctx, t.Name, PhaseDropped); err != nil {
		return dr, err
	}
	return dr, nil
}

func (m *Migrator) dropSQLite(ctx context.Context, t *sqlwrap.Table, plain []string, dr *DropResult) error {
	conn, err := m.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	exec := func(s string) error {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
		dr.Rewrite = append(dr.Rewrite, s)
		return nil
	}
	if err := exec("PRAGMA secure_delete = ON"); err != nil {
		return err
	}
	if len(plain) > 0 {
		// Indexes over a plaintext column hold its values too, and SQLite
		// refuses to drop an indexed column.
		idx, err := sqliteIndexesOn(ctx, conn, t.Name, plain)
		if err != nil {
			return err
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		for _, i := range idx {
			if _, err := tx.ExecContext(ctx, "DROP INDEX "+m.q(i)); err != nil {
				return fmt.Errorf("drop index %s: %w", i, err)
			}
			dr.Rewrite = append(dr.Rewrite, "DROP INDEX "+m.q(i))
		}
		for _, c := range plain {
			s := fmt.Sprintf("ALTER TABLE %s DROP COLUMN %s", m.q(t.Name), m.q(c))
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	if err := exec("VACUUM"); err != nil {
		return err
	}
	// A reader of another connection keeps the WAL from being reset: try
	// for a while, then say so.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var busy, logPages, done int
		if err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logPages, &done); err != nil {
			return fmt.Errorf("PRAGMA wal_checkpoint(TRUNCATE): %w", err)
		}
		if busy == 0 {
			dr.Rewrite = append(dr.Rewrite, "PRAGMA wal_checkpoint(TRUNCATE)")
			return nil
		}
		if time.Now().After(deadline) {
			dr.Notes = append(dr.Notes, "the WAL could not be truncated while other connections read the database: stop the application briefly and run PRAGMA wal_checkpoint(TRUNCATE) (or rerun migrate --drop-plaintext)")
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func sqliteIndexesOn(ctx context.Context, conn *sql.Conn, table string, cols []string) ([]string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT DISTINCT il.name FROM pragma_index_list(?) AS il, pragma_index_info(il.name) AS ii
		WHERE il.origin = 'c' AND ii.name IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")+`)`, append([]any{table}, toAny(cols)...)...)
	if err != nil {
		return nil, fmt.Errorf("list the indexes of %s: %w", table, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func (m *Migrator) dropPostgres(ctx context.Context, t *sqlwrap.Table, plain []string, dr *DropResult) error {
	var stmts []string
	if len(plain) > 0 {
		var drops []string
		for _, c := range plain {
			drops = append(drops, "DROP COLUMN "+m.q(c))
		}
		stmts = append(stmts, fmt.Sprintf("ALTER TABLE %s %s", m.q(t.Name), strings.Join(drops, ", ")))
	}
	// DROP COLUMN only hides the column: VACUUM FULL writes the table and
	// its TOAST table anew without the values, and the old files go.
	stmts = append(stmts, "VACUUM FULL "+m.q(t.Name))
	for _, s := range stmts {
		if _, err := m.db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
		dr.Rewrite = append(dr.Rewrite, s)
	}
	// The planner's statistics (pg_statistic) held most common values and
	// histogram bounds of the plaintext columns; DROP COLUMN deletes those
	// rows, but their bytes stay in the catalog's pages until it is
	// rewritten, which only a superuser may do.
	// VACUUM skips, with a mere warning, a catalog that the user may not
	// vacuum (only a superuser or the database's owner may): ask first.
	var mayVacuum bool
	err := m.db.QueryRowContext(ctx, `SELECT r.rolsuper OR pg_has_role(current_user, d.datdba, 'USAGE')
		FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = current_database()`).Scan(&mayVacuum)
	if err == nil && mayVacuum {
		_, err = m.db.ExecContext(ctx, "VACUUM FULL pg_catalog.pg_statistic")
	} else if err == nil {
		err = errors.New("only a superuser or the database's owner may vacuum pg_statistic")
	}
	if err != nil {
		dr.Notes = append(dr.Notes, "VACUUM FULL pg_catalog.pg_statistic was not run ("+strings.ReplaceAll(err.Error(), "phicrypt: ", "")+"): the planner statistics of the dropped columns (common values, histogram bounds) stay in the catalog's pages until a superuser or the database's owner runs it")
	} else {
		dr.Rewrite = append(dr.Rewrite, "VACUUM FULL pg_catalog.pg_statistic")
	}
	if _, err := m.db.ExecContext(ctx, "ANALYZE "+m.q(t.Name)); err == nil {
		dr.Rewrite = append(dr.Rewrite, "ANALYZE "+m.q(t.Name))
	}
	if _, err := m.db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		dr.Notes = append(dr.Notes, "CHECKPOINT was refused ("+strings.ReplaceAll(err.Error(), "phicrypt: ", "")+"): the old table files are removed at the next checkpoint, and the WAL segments in pg_wal that hold the plaintext were not written over; a superuser can rerun migrate --drop-plaintext to do both")
	} else {
		dr.Rewrite = append(dr.Rewrite, "CHECKPOINT")
		m.cyclePostgresWAL(ctx, dr)
	}
	return nil
}

// maxWALCycles bounds the segment switches of cyclePostgresWAL (16 GB of
// WAL at the default segment size).
const maxWALCycles = 1024

// cyclePostgresWAL overwrites the WAL segments in pg_wal that hold the
// dropped plaintext. A checkpoint recycles old segments by renaming them
// to future names, contents and all; a recycled segment's old contents go
// only when it becomes the current segment and is finished (a switch pads
// it to its end). So after one pg_switch_wal and CHECKPOINT, every old
// segment is gone or renamed to a name at most the highest in pg_wal, and
// switching on until the current segment is past that name writes each
// of them over. It needs a superuser (or grants on pg_switch_wal and
// pg_ls_waldir); without them, a note says so.
func (m *Migrator) cyclePostgresWAL(ctx context.Context, dr *DropResult) {
	refused := func(s string, err error) {
		dr.Notes = append(dr.Notes, s+" was refused ("+strings.ReplaceAll(err.Error(), "phicrypt: ", "")+"): the WAL segments in pg_wal keep the plaintext until new WAL overwrites them; a superuser can rerun migrate --drop-plaintext to write them over")
	}
	cycle := func() bool {
		for _, s := range []string{"SELECT pg_switch_wal()", "CHECKPOINT"} {
			if _, err := m.db.ExecContext(ctx, s); err != nil {
				refused(s, err)
				return false
			}
		}
		return true
	}
	if !cycle() {
		return
	}
	var last string
	if err := m.db.QueryRowContext(ctx, "SELECT max(name) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$'").Scan(&last); err != nil {
		refused("pg_ls_waldir()", err)
		return
	}
	for n := 1; ; n++ {
		var cur string
		if err := m.db.QueryRowContext(ctx, "SELECT pg_walfile_name(pg_current_wal_lsn())").Scan(&cur); err != nil {
			refused("pg_walfile_name(pg_current_wal_lsn())", err)
			return
		}
		if cur > last {
			dr.Rewrite = append(dr.Rewrite, fmt.Sprintf("SELECT pg_switch_wal(); CHECKPOINT (%d times, until every WAL segment in pg_wal up to %s was written over)", n, last))
			return
		}
		if n >= maxWALCycles {
			dr.Notes = append(dr.Notes, fmt.Sprintf("pg_wal holds WAL segments up to %s; %d were written over, the rest keep old contents: rerun migrate --drop-plaintext to go on", last, n))
			return
		}
		if !cycle() {
			return
		}
	}
}

func (m *Migrator) dropMySQL(ctx context.Context, t *sqlwrap.Table, plain []string, dr *DropResult) error {
	var stmts []string
	if len(plain) > 0 {
		var drops []string
		for _, c := range plain {
			drops = append(drops, "DROP COLUMN "+m.q(c))
		}
		stmts = append(stmts, fmt.Sprintf("ALTER TABLE %s %s", m.q(t.Name), strings.Join(drops, ", ")))
	}
	// An instant DROP COLUMN leaves the values in the rows: FORCE rebuilds
	// the table into a new tablespace file.
	stmts = append(stmts, "ALTER TABLE "+m.q(t.Name)+" FORCE")
	for _, s := range stmts {
		if _, err := m.db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
		dr.Rewrite = append(dr.Rewrite, s)
	}
	// Engine-independent statistics (mysql.column_stats, an Aria table)
	// held the plaintext columns' minimum and maximum values: DROP COLUMN
	// deletes those rows, and rebuilding the table removes their bytes.
	for _, s := range []string{"OPTIMIZE TABLE mysql.column_stats"} {
		if _, err := m.db.ExecContext(ctx, s); err != nil {
			dr.Notes = append(dr.Notes, s+" was refused ("+strings.ReplaceAll(err.Error(), "phicrypt: ", "")+"): the statistics of the dropped columns (their minimum and maximum values) may stay in mysql.column_stats' file until an administrator runs it")
			continue
		}
		dr.Rewrite = append(dr.Rewrite, s)
	}
	m.rewriteMariaDBRedo(ctx, dr)
	return nil
}

// rewriteMariaDBRedo writes the InnoDB redo log anew, so that ib_logfile0
// no longer holds the row images of the plaintext: from MariaDB 10.11 a
// change of innodb_log_file_size makes the server write a new log file
// and replace the old one, so the size is changed by 1 MiB and back (the
// setting ends as it was). It needs the SUPER privilege; otherwise, or on
// an older server, a note says so.
func (m *Migrator) rewriteMariaDBRedo(ctx context.Context, dr *DropResult) {
	var size int64
	err := m.db.QueryRowContext(ctx, "SELECT @@GLOBAL.innodb_log_file_size").Scan(&size)
	for _, s := range []int64{size + 1<<20, size} {
		if err != nil {
			break
		}
		_, err = m.db.ExecContext(ctx, fmt.Sprintf("SET GLOBAL innodb_log_file_size = %d", s))
	}
	if err != nil {
		dr.Notes = append(dr.Notes, "the InnoDB redo log could not be written anew ("+strings.ReplaceAll(err.Error(), "phicrypt: ", "")+"): ib_logfile0 keeps the plaintext until it wraps around; on MariaDB 10.11 or later an administrator can rewrite it by changing innodb_log_file_size (SET GLOBAL) and back")
		return
	}
	dr.Rewrite = append(dr.Rewrite, fmt.Sprintf("SET GLOBAL innodb_log_file_size = %d, then back to %d (the redo log written anew)", size+1<<20, size))
}

// Outside lists where copies of the plaintext stay after DropPlaintext,
// out of the library's reach, for dialect.
func Outside(dialect string) []string {
	out := []string{
		"backups, dumps and snapshots taken before the drop still hold the plaintext: expire or destroy them",
		"replicas and anything that copied the table (ETL, analytics, caches, search indexes) keep their own copies",
	}
	switch dialect {
	case "sqlite":
		out = append(out,
			"copies of the database file or its -wal made by other tools (file backups, sync clients, editor journals)",
			"blocks of the old file and WAL contents on the disk itself, which the filesystem or SSD may keep after they are freed: use full-disk encryption")
	case "postgres":
		out = append(out,
			"the write-ahead log: archived WAL (archive_command, pgBackRest, Barman, WAL-G), PITR base backups, and WAL segments in pg_wal when --drop-plaintext could not write them over (it needs a superuser, or grants on pg_switch_wal and pg_ls_waldir: see its notes); a CHECKPOINT alone recycles old segments by renaming them, contents and all; segments kept by wal_keep_size or a replication slot stay too",
			"streaming and logical replicas (and replication slots holding WAL for them): run the drop on the primary and let them replay it, then rebuild replicas that must hold no plaintext",
			"server logs that recorded statements with values (log_statement, auto_explain, pg_stat_statements texts)")
	case "mysql":
		out = append(out,
			"binary logs (row-based binlogs hold every row image with its plaintext) and the relay logs of replicas: purge them (PURGE BINARY LOGS) once no replica needs them",
			"the InnoDB undo logs (ibdata1, undo001…) and the doublewrite buffer until they are overwritten, and the redo log (ib_logfile0) when --drop-plaintext could not write it anew (it needs MariaDB 10.11 or later and the SUPER privilege: see its notes)",
			"the general query log and slow query log, when enabled, and mariabackup/mysqldump backups")
	}
	return out
}
