package main

import (
	"context"
	"fmt"
)

// storage measures the bytes per row of the plaintext table and of the
// phicrypt tables: table, indexes, and the full-text or side tables of
// the wrapper's indexes (every table whose name starts with the
// table's; on SQLite, the pages of each side's file, whose other tables
// (keysets, statistics) take a few pages).
func (e *env) storage(ctx context.Context, n int) (Storage, error) {
	size := func(prefix string) (float64, error) {
		var q string
		switch e.dialect {
		case "sqlite":
			// The pages in use of the table's file (this build of SQLite
			// has no dbstat).
			db := e.db
			if prefix == plainTable {
				db = e.plainDB
			}
			var pages, free, size int64
			for _, p := range []struct {
				pragma string
				v      *int64
			}{{"page_count", &pages}, {"freelist_count", &free}, {"page_size", &size}} {
				if err := db.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(p.v); err != nil {
					return 0, fmt.Errorf("size of %s: %w", prefix, err)
				}
			}
			return float64((pages-free)*size) / float64(n), nil
		case "postgres":
			q = `SELECT COALESCE(SUM(pg_total_relation_size(quote_ident(tablename))), 0) FROM pg_tables
				WHERE schemaname = current_schema() AND (tablename = $1 OR tablename LIKE $1 || '\_\_%')`
		default:
			q = `SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.tables
				WHERE table_schema = DATABASE() AND (table_name = ? OR table_name LIKE CONCAT(?, '\_\_%'))`
		}
		args := []any{prefix}
		if e.dialect == "mysql" {
			args = append(args, prefix)
		}
		var b int64
		if err := e.db.QueryRowContext(ctx, q, args...).Scan(&b); err != nil {
			return 0, fmt.Errorf("size of %s: %w", prefix, err)
		}
		return float64(b) / float64(n), nil
	}
	var s Storage
	var err error
	if s.PlainBytesPerRow, err = size(plainTable); err != nil {
		return s, err
	}
	if s.PhicryptBytesPerRow, err = size(phiTable); err != nil {
		return s, err
	}
	s.Ratio = s.PhicryptBytesPerRow / s.PlainBytesPerRow
	if e.cs != nil {
		if s.CipherstashBytesPerRow, err = size(csTable); err != nil {
			return s, err
		}
	}
	return s, nil
}
