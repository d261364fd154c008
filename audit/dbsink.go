package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// DBTable is the table a DBSink writes.
const DBTable = "phicrypt_audit"

// DBSink stores records in the table phicrypt_audit of a SQLite,
// PostgreSQL or MySQL/MariaDB database, one row per record: seq (the
// primary key, so a second writer of the same chain fails instead of
// forking it), time, principal, op, table_name and outcome for queries,
// hash, and record, the log line as a file sink would write it. Export
// writes the table back out as a JSON-lines log for Verify.
type DBSink struct {
	db      *sql.DB
	dialect string
	insert  string
}

// NewDBSink creates the table if it is missing and returns the sink.
// dialect is "sqlite", "postgres" or "mysql".
func NewDBSink(ctx context.Context, db *sql.DB, dialect string) (*DBSink, error) {
	s := &DBSink{db: db, dialect: dialect}
	ph := []string{"?", "?", "?", "?", "?", "?", "?", "?"}
	switch dialect {
	case "sqlite", "mysql":
	case "postgres":
		for i := range ph {
			ph[i] = fmt.Sprintf("$%d", i+1)
		}
	default:
		return nil, fmt.Errorf("phicrypt: audit: unknown dialect %q", dialect)
	}
	if db == nil {
		return nil, errors.New("phicrypt: audit: NewDBSink needs a database")
	}
	ddl := "CREATE TABLE IF NOT EXISTS " + DBTable + ` (
	seq BIGINT NOT NULL PRIMARY KEY,
	at VARCHAR(40) NOT NULL,
	principal TEXT NOT NULL,
	op VARCHAR(16) NOT NULL,
	table_name TEXT NOT NULL,
	outcome VARCHAR(16) NOT NULL,
	hash CHAR(64) NOT NULL,
	record TEXT NOT NULL)`
	if _, err := db.ExecContext(ctx, ddl); err != nil {
		return nil, fmt.Errorf("phicrypt: audit: create %s: %w", DBTable, err)
	}
	s.insert = fmt.Sprintf("INSERT INTO %s (seq, at, principal, op, table_name, outcome, hash, record) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
		DBTable, ph[0], ph[1], ph[2], ph[3], ph[4], ph[5], ph[6], ph[7])
	return s, nil
}

// Append inserts the record's row.
func (s *DBSink) Append(ctx context.Context, r *Record, line []byte) error {
	_, err := s.db.ExecContext(ctx, s.insert, r.Seq, r.Time, r.Principal, r.Op, r.Table, r.Outcome, r.Hash, string(line))
	return err
}

// Last returns the record with the highest seq.
func (s *DBSink) Last(ctx context.Context) (*Record, error) {
	var line string
	err := s.db.QueryRowContext(ctx, "SELECT record FROM "+DBTable+" ORDER BY seq DESC LIMIT 1").Scan(&line)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("phicrypt: audit: read %s: %w", DBTable, err)
	}
	var r Record
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		return nil, fmt.Errorf("phicrypt: audit: last record of %s is malformed", DBTable)
	}
	return &r, nil
}

// Export writes every record, in seq order, as JSON lines to w.
func (s *DBSink) Export(ctx context.Context, w io.Writer) error {
	rows, err := s.db.QueryContext(ctx, "SELECT record FROM "+DBTable+" ORDER BY seq")
	if err != nil {
		return fmt.Errorf("phicrypt: audit: read %s: %w", DBTable, err)
	}
	defer rows.Close()
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("phicrypt: audit: read %s: %w", DBTable, err)
		}
		if _, err := io.WriteString(w, line+"\n"); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Close does nothing: the database belongs to the caller.
func (s *DBSink) Close() error { return nil }
