package sqlwrap

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider"
)

// vrow is one row as Verify reads it.
type vrow struct {
	key, rowid, binding any
	// cts and plains are per protected column (rt.order); plains only in
	// migrating mode.
	cts, plains []any
	// store holds, per index (verifier.defs), the scanned storage columns;
	// side the tokens of a MariaDB substring side table.
	store [][]any
	side  [][]int64
}

// read reads up to limit rows with a key after after (from the start when
// nil), or the one row with key only when only is set.
func (v *verifier) read(ctx context.Context, after, only any, limit int) ([]*vrow, error) {
	rt, d := v.rt, v.d
	fields := []string{d.q(rt.t.Key)}
	if v.d.fts {
		for _, vi := range v.defs {
			v.rowid = v.rowid || vi.def.side != ""
		}
	}
	if v.rowid {
		fields = append(fields, "rowid")
	}
	rb := rt.t.RowBinding
	if rb != "" && rb != rt.t.Key {
		fields = append(fields, d.q(rb))
	}
	for _, cr := range rt.order {
		fields = append(fields, d.q(cr.c.Name))
	}
	for i, cr := range rt.order {
		if v.plain[i] {
			fields = append(fields, d.q(cr.c.Name+verifyPlainSuffix))
		}
	}
	for _, vi := range v.defs {
		vi.fields = vi.fields[:0]
		for _, c := range vi.def.storage {
			vi.fields = append(vi.fields, len(fields))
			if d.pgBloom && vi.def.br != nil {
				fields = append(fields, "CAST("+d.q(c)+" AS TEXT)")
			} else {
				fields = append(fields, d.q(c))
			}
		}
	}
	var q strings.Builder
	var args []any
	fmt.Fprintf(&q, "SELECT %s FROM %s", strings.Join(fields, ", "), d.q(rt.t.Name))
	switch {
	case only != nil:
		fmt.Fprintf(&q, " WHERE %s = %s", d.q(rt.t.Key), d.ph(1))
		args = append(args, only)
	case after != nil:
		fmt.Fprintf(&q, " WHERE %s > %s", d.q(rt.t.Key), d.ph(1))
		args = append(args, after)
	}
	fmt.Fprintf(&q, " ORDER BY %s LIMIT %d", d.q(rt.t.Key), limit)
	rows, err := v.q.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*vrow
	for rows.Next() {
		raw := make([]any, len(fields))
		ptrs := make([]any, len(raw))
		for i := range raw {
			ptrs[i] = &raw[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		r := &vrow{store: make([][]any, len(v.defs)), side: make([][]int64, len(v.defs))}
		if r.key, err = rt.scannedKey(raw[0]); err != nil {
			return nil, err
		}
		at := 1
		if v.rowid {
			r.rowid = raw[at]
			at++
		}
		switch {
		case rb == rt.t.Key:
			r.binding = r.key
		case rb != "":
			r.binding = raw[at]
			at++
		}
		r.cts = raw[at : at+len(rt.order)]
		at += len(rt.order)
		r.plains = make([]any, len(rt.order))
		for i := range rt.order {
			if v.plain[i] {
				r.plains[i] = raw[at]
				at++
			}
		}
		for i, vi := range v.defs {
			for _, f := range vi.fields {
				r.store[i] = append(r.store[i], raw[f])
			}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	return out, v.readSide(ctx, out)
}

// readSide reads the MariaDB substring side-table tokens of the rows.
func (v *verifier) readSide(ctx context.Context, batch []*vrow) error {
	if v.d.fts || len(batch) == 0 {
		return nil
	}
	d := v.d
	at := map[string]*vrow{}
	keys := make([]any, len(batch))
	for i, r := range batch {
		keys[i] = r.key
		at[keyText(r.key)] = r
	}
	for i, vi := range v.defs {
		if vi.def.side == "" {
			continue
		}
		q := fmt.Sprintf("SELECT k, tok FROM %s WHERE k IN (%s)", d.q(vi.def.side), d.placeholders(1, len(keys)))
		rows, err := v.q.QueryContext(ctx, q, keys...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k any
			var tok int64
			if err := rows.Scan(&k, &tok); err != nil {
				rows.Close()
				return err
			}
			k, err := v.rt.scannedKey(k)
			if err != nil {
				rows.Close()
				return err
			}
			if r := at[keyText(k)]; r != nil {
				r.side[i] = append(r.side[i], tok)
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	return nil
}

// verifyRowResult is what one row's checks found.
type verifyRowResult struct {
	counts   VerifyCounts
	problems []VerifyProblem
}

func (res *verifyRowResult) problem(p VerifyProblem) {
	res.counts.ProblemCount++
	res.problems = append(res.problems, p)
}

// checkBatch checks every row of batch. A row with a problem is read and
// checked again: the application may have written it between the reads of
// its columns and of its side tables.
func (v *verifier) checkBatch(ctx context.Context, batch []*vrow) error {
	for _, r := range batch {
		res, err := v.checkRow(ctx, r)
		if err != nil {
			return err
		}
		if res.counts.ProblemCount > 0 {
			again, err := v.read(ctx, nil, r.key, 1)
			if err != nil {
				return err
			}
			if len(again) == 0 {
				continue // deleted meanwhile
			}
			if res, err = v.checkRow(ctx, again[0]); err != nil {
				return err
			}
		}
		v.rep.VerifyCounts.add(res.counts)
		for _, p := range res.problems {
			if len(v.rep.Problems) < v.o.MaxProblems {
				v.rep.Problems = append(v.rep.Problems, p)
			}
		}
	}
	return nil
}

// checkRow checks the values and tokens of one row.
func (v *verifier) checkRow(ctx context.Context, r *vrow) (*verifyRowResult, error) {
	rt := v.rt
	res := &verifyRowResult{counts: VerifyCounts{Rows: 1}}
	table := rt.t.Name
	var binding []byte
	var bindErr error
	if rt.t.RowBinding != "" {
		binding, bindErr = bindingBytes(normalizeScanned(r.binding))
	}
	vals := make([]any, len(rt.order))
	avail := make([]bool, len(rt.order))
	for i, cr := range rt.order {
		col := cr.c.Name
		raw := r.cts[i]
		if raw == nil {
			if v.plain[i] && !verifyPlainNull(cr.c.Type, r.plains[i]) {
				res.counts.NotMigrated++
				continue
			}
			if !cr.c.Nullable {
				res.problem(VerifyProblem{Table: table, Key: r.key, Column: col, Kind: ProblemNull})
				continue
			}
			avail[i] = true
			continue
		}
		res.counts.Values++
		if v.skip[i] {
			res.counts.Unchecked++
			continue
		}
		ct, _ := ciphertextBytes(raw)
		id, err := cipher.CiphertextKeyID(ct)
		if errors.Is(err, cipher.ErrUnsupportedVersion) || errors.Is(err, cipher.ErrTruncated) || ct == nil {
			res.counts.Plaintext++
			res.problem(VerifyProblem{Table: table, Key: r.key, Column: col, Kind: ProblemPlaintext, Reason: "not a ciphertext"})
			continue
		}
		if bindErr != nil {
			res.counts.Unreadable++
			res.problem(VerifyProblem{Table: table, Key: r.key, Column: col, Kind: ProblemUnreadable, Reason: "no row-binding value"})
			continue
		}
		if err == nil {
			var val any
			if val, err = cr.seal.Open(ctx, ct, binding); err == nil {
				vals[i] = val
			}
		}
		if err != nil {
			if errors.Is(err, keyprovider.ErrUnavailable) || ctx.Err() != nil {
				return nil, err
			}
			res.counts.Unreadable++
			res.problem(VerifyProblem{Table: table, Key: r.key, Column: col, Kind: ProblemUnreadable, Reason: verifyReason(err)})
			continue
		}
		if _, err := checkValue(cr.c.Type, vals[i]); err != nil {
			res.counts.Unreadable++
			res.problem(VerifyProblem{Table: table, Key: r.key, Column: col, Kind: ProblemWrongType, Reason: verifyReason(err)})
			continue
		}
		res.counts.Opened++
		if id != v.dataKey[i] {
			res.counts.OldDataKey++
		}
		avail[i] = true
		if v.plain[i] && !verifyPlainNull(cr.c.Type, r.plains[i]) {
			if verifyPlainEquals(cr.c.Type, vals[i], r.plains[i]) {
				res.counts.PlaintextMatches++
			} else {
				res.counts.PlaintextDiffers++
				res.problem(VerifyProblem{Table: table, Key: r.key, Column: col, Kind: ProblemPlaintextDiffers})
			}
		}
	}
	for i, vi := range v.defs {
		if vi.skip {
			continue
		}
		ok := true
		iv := make([]any, len(vi.def.cols))
		for j, cr := range vi.def.cols {
			ok = ok && avail[cr.pos]
			iv[j] = vals[cr.pos]
		}
		if !ok {
			continue
		}
		res.counts.Tokens++
		col := ""
		if len(vi.def.cols) == 1 {
			col = vi.def.cols[0].c.Name
		}
		st, err := v.checkIndex(ctx, vi, r, r.store[i], r.side[i], iv, binding)
		if err != nil {
			return nil, err
		}
		switch {
		case st == tokenOK:
			res.counts.TokensOK++
		case vi.building || st == tokenOld && vi.rotating:
			res.counts.PendingReindex++
		case st == tokenOld:
			res.counts.TokenProblems++
			res.problem(VerifyProblem{Table: table, Key: r.key, Column: col, Index: vi.def.name, Kind: ProblemTokenOldKey})
		default:
			res.counts.TokenProblems++
			res.problem(VerifyProblem{Table: table, Key: r.key, Column: col, Index: vi.def.name, Kind: ProblemTokenMismatch})
		}
	}
	return res, nil
}
