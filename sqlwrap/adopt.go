package sqlwrap

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// adoptSample is how many rows adoptedTokensMatch checks.
const adoptSample = 32

// adoptedTokensMatch checks, on the first rows of the table, that the
// tokens an equality or compound index's column already holds are the ones
// the current definition computes. Such storage predates phicrypt_indexes,
// so nothing records the definition it was written under: an older default
// of bits, or another partition count, would make every search through it
// miss rows. A mismatch, or a sample in which no row opens, leaves the
// index building until Reindex rewrites it. Prefix and substring storage
// is not checked, since its grams do not depend on a sized default, unless
// its chain is the default string chain, which changed: such
// storage stays building until Reindex.
func (db *DB) adoptedTokensMatch(ctx context.Context, rt *tableRT, def *indexDef) (bool, error) {
	if def.eq == nil && def.comp == nil {
		// Grams were cut under the chain the schema names, except that a
		// string index declared without transforms had another default
		// chain before (docs/SCHEMA.md §2): storage under today's default
		// may hold the old default's grams, so it waits for Reindex.
		if def.br != nil && def.br.idx.Transforms == defaultStringTransforms {
			return false, nil
		}
		return true, nil
	}
	d, t := rt.d, rt.t
	fields := []string{d.q(t.Key)}
	rb := t.RowBinding
	if rb != "" && rb != t.Key {
		fields = append(fields, d.q(rb))
	}
	for _, cr := range def.cols {
		fields = append(fields, d.q(cr.c.Name))
	}
	fields = append(fields, d.q(def.storage[0]))
	q := fmt.Sprintf("SELECT %s FROM %s WHERE %s IS NOT NULL ORDER BY %s LIMIT %d",
		strings.Join(fields, ", "), d.q(t.Name), d.q(def.storage[0]), d.q(t.Key), adoptSample)
	type sampled struct {
		key, binding any
		cts          []any
		tok          sql.NullInt64
	}
	// Every row is read before any value is opened: opening may load keys
	// through the pool's only connection.
	var sample []sampled
	rows, err := db.db.QueryContext(ctx, q)
	if err != nil {
		return false, err
	}
	for rows.Next() {
		s := sampled{cts: make([]any, len(def.cols))}
		dest := []any{&s.key}
		if rb != "" && rb != t.Key {
			dest = append(dest, &s.binding)
		}
		for i := range s.cts {
			dest = append(dest, &s.cts[i])
		}
		dest = append(dest, &s.tok)
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return false, err
		}
		sample = append(sample, s)
	}
	if err := rows.Close(); err != nil {
		return false, err
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	checked := 0
	for _, s := range sample {
		key, err := rt.scannedKey(s.key)
		if err != nil {
			return false, err
		}
		binding := s.binding
		if rb == t.Key {
			binding = key
		}
		var bb []byte
		if rb != "" {
			if bb, err = bindingBytes(normalizeScanned(binding)); err != nil {
				continue
			}
		}
		strs := make([]string, len(def.cols))
		opened := true
		for i, cr := range def.cols {
			ct, ok := ciphertextBytes(normalizeScanned(s.cts[i]))
			if !ok {
				opened = false
				break
			}
			v, err := cr.seal.Open(ctx, ct, bb)
			if err != nil || v == nil {
				opened = false
				break
			}
			strs[i] = tokenText(v)
		}
		if !opened {
			continue
		}
		var want []int64
		if def.comp != nil {
			keys, err := def.comp.keys.Get(ctx)
			if err != nil {
				return false, err
			}
			want, err = def.comp.c.QueryTokens(keys, strs...)
			if err != nil {
				return false, nil
			}
		} else {
			keys, err := def.cols[0].keys.Get(ctx)
			if err != nil {
				return false, err
			}
			want, err = def.eq.e.QueryTokens(keys, strs[0])
			if err != nil {
				return false, nil
			}
		}
		if !slices.Contains(want, s.tok.Int64) {
			return false, nil
		}
		checked++
	}
	return checked > 0 || len(sample) == 0, nil
}

// ciphertextBytes returns a scanned ciphertext as bytes (some drivers
// return BLOBs as strings).
func ciphertextBytes(v any) ([]byte, bool) {
	switch x := v.(type) {
	case []byte:
		return x, true
	case string:
		return []byte(x), true
	}
	return nil, false
}
