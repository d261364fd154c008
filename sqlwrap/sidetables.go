package sqlwrap

import (
	"context"
	"fmt"
)

// writeFTS inserts the FTS5 documents of new rows, whose rowids are
// rowids, with one INSERT per index.
func (ta *TableAccess) writeFTS(ctx context.Context, rowids []any, ws []*written) error {
	for _, br := range ta.rt.side {
		var args []any
		for i, w := range ws {
			if doc := w.fts[br]; doc != "" {
				args = append(args, rowids[i], doc)
			}
		}
		if len(args) == 0 {
			continue
		}
		st, err := ta.stmt(ctx, ta.rt.d.insertSQL(br.table, []string{"rowid", "toks"}, len(args)/2))
		if err != nil {
			return ta.fail("write", br.idx.Name, err)
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return ta.fail("write", br.idx.Name, err)
		}
	}
	return nil
}

// deleteFTS removes the FTS5 documents of the row with the given key,
// for the indexes in only (all when nil).
func (ta *TableAccess) deleteFTS(ctx context.Context, key any, only map[*bloomRT]string) error {
	rt, d := ta.rt, ta.rt.d
	for _, br := range rt.side {
		if _, ok := only[br]; only != nil && !ok {
			continue
		}
		q := fmt.Sprintf("DELETE FROM %s WHERE rowid = (SELECT rowid FROM %s WHERE %s = ?)", d.q(br.table), d.q(rt.t.Name), d.q(rt.t.Key))
		if _, err := ta.q().ExecContext(ctx, q, key); err != nil {
			return ta.fail("write", br.idx.Name, err)
		}
	}
	return nil
}

func (ta *TableAccess) writeSide(ctx context.Context, key any, w *written, replace bool) error {
	d := ta.rt.d
	for br, toks := range w.side {
		if replace {
			if _, err := ta.q().ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE k = %s", d.q(br.table), d.ph(1)), key); err != nil {
				return ta.fail("write", br.idx.Name, err)
			}
		}
		if len(toks) == 0 {
			continue
		}
		args := make([]any, 0, 2*len(toks))
		for _, t := range toks {
			args = append(args, t, key)
		}
		if _, err := ta.q().ExecContext(ctx, d.insertSQL(br.table, []string{"tok", "k"}, len(toks)), args...); err != nil {
			return ta.fail("write", br.idx.Name, err)
		}
	}
	return nil
}
