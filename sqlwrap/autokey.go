package sqlwrap

import (
	"context"
	"maps"
)

// needsKeyFirst reports whether row must get its database-assigned key
// before it can be sealed: the table binds its ciphertexts to an integer
// key the row does not give.
func (rt *tableRT) needsKeyFirst(row Row) bool {
	if rt.t.RowBinding == "" || rt.t.RowBinding != rt.t.Key || rt.t.KeyType == "text" {
		return false
	}
	k, ok := row[rt.t.Key]
	return !ok || k == nil
}

// assignKey gets a database-assigned key for row, inside the transaction
// of ta: it inserts a placeholder row with the row's plain columns and
// every protected column and token NULL, reads the key the database gave
// it (RETURNING on PostgreSQL, LastInsertId on SQLite and MySQL) and
// deletes it again, so that the row can be sealed under that key and
// inserted as any row that brings its key. Nothing of the protected
// values is written before they are sealed; the placeholder is never
// committed (the caller's transaction replaces it before commit, or rolls
// back). It returns row with the key set.
func (ta *TableAccess) assignKey(ctx context.Context, row Row) (Row, error) {
	rt, d := ta.rt, ta.rt.d
	var cols []string
	var args []any
	for _, p := range rt.t.Plain {
		if v, ok := row[p.Name]; ok {
			cols = append(cols, p.Name)
			args = append(args, v)
		}
	}
	var query string
	switch {
	case len(cols) > 0:
		query = d.insertSQL(rt.t.Name, cols, 1)
	case d.name == "mysql":
		query = "INSERT INTO " + d.q(rt.t.Name) + " () VALUES ()"
	default:
		query = "INSERT INTO " + d.q(rt.t.Name) + " DEFAULT VALUES"
	}
	var id int64
	if d.name == "postgres" {
		if err := ta.q().QueryRowContext(ctx, query+" RETURNING "+d.q(rt.t.Key), args...).Scan(&id); err != nil {
			return nil, ta.fail("insert", rt.t.Key, err)
		}
	} else {
		res, err := ta.q().ExecContext(ctx, query, args...)
		if err != nil {
			return nil, ta.fail("insert", rt.t.Key, err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return nil, ta.fail("insert", rt.t.Key, err)
		}
	}
	if _, err := ta.q().ExecContext(ctx, "DELETE FROM "+d.q(rt.t.Name)+" WHERE "+d.q(rt.t.Key)+" = "+d.ph(1), id); err != nil {
		return nil, ta.fail("insert", rt.t.Key, err)
	}
	out := maps.Clone(row)
	out[rt.t.Key] = id
	return out, nil
}
