package sqlwrap

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/phicrypt/phicrypt/blindindex"
	"github.com/phicrypt/phicrypt/cipher"
)

// tokenStatus is how a row's stored tokens of one index compare with the
// ones recomputed from its values.
type tokenStatus int

const (
	tokenOK       tokenStatus = iota // the primary key's tokens
	tokenOld                         // an older, still enabled key's tokens
	tokenMismatch                    // neither
)

// keyAs is an index keyset seen as if key id were its primary and only
// key: the tokens a writer that had not seen a rotation wrote. A value of
// it is comparable, so an index finds its derived keys again.
type keyAs struct {
	k  *cipher.IndexKeys
	id uint32
}

func (a keyAs) Primary() uint32  { return a.id }
func (a keyAs) KeyIDs() []uint32 { return []uint32{a.id} }
func (a keyAs) Sum(id uint32, dst, msg []byte) ([]byte, error) {
	return a.k.Sum(id, dst, msg)
}

// checkIndex compares the stored tokens of one index of row r (store:
// its storage columns; side: its MariaDB side-table tokens) with the ones
// its values vals give, under the primary key and then under each older
// enabled key.
func (v *verifier) checkIndex(ctx context.Context, vi *vindex, r *vrow, store []any, side []int64, vals []any, binding []byte) (tokenStatus, error) {
	keys, err := vi.def.keys().Get(ctx)
	if err != nil {
		return 0, err
	}
	match := func(prf blindindex.PRF) (bool, error) {
		def := vi.def
		switch {
		case def.eq != nil:
			return verifyEquality(def.eq.e, prf, store[0], vals[0], binding), nil
		case def.comp != nil:
			return verifyCompound(def.comp.c, prf, store[0], vals, binding), nil
		case v.d.fts:
			doc, err := verifyBloomRepr(v.d, def.br, prf, vals[0])
			if err != nil {
				return false, nil
			}
			return v.ftsMatches(r.rowid, def.side, doc), nil
		}
		want, err := verifyBloomRepr(v.d, def.br, prf, vals[0])
		if err != nil {
			return false, nil
		}
		return want == verifyStoredRepr(v.d, def, store, side), nil
	}
	ok, err := match(keys)
	if err != nil || ok {
		return tokenOK, err
	}
	for _, id := range keys.KeyIDs() {
		if id == keys.Primary() {
			continue
		}
		if ok, err := match(keyAs{k: keys, id: id}); err != nil || ok {
			return tokenOld, err
		}
	}
	return tokenMismatch, nil
}

// verifyStoredInt reads a scanned token.
func verifyStoredInt(v any) (int64, bool) {
	switch x := normalizeScanned(v).(type) {
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// verifyEquality reports whether stored is the token a write of val under
// prf's primary key gives (any partition when the row has no binding,
// since the partition is then random).
func verifyEquality(e *blindindex.Equality, prf blindindex.PRF, stored, val any, binding []byte) bool {
	if val == nil {
		return stored == nil
	}
	text := tokenText(val)
	tok, err := e.WriteToken(prf, text, binding)
	if errors.Is(err, blindindex.ErrEmptyValue) {
		return stored == nil
	}
	st, ok := verifyStoredInt(stored)
	if err != nil || !ok {
		return false
	}
	if binding == nil && e.Partitions() > 1 {
		for p := 0; p < e.Partitions(); p++ {
			if t, err := e.TokenFor(prf, prf.Primary(), p, text); err == nil && t == st {
				return true
			}
		}
		return false
	}
	return tok == st
}

// verifyCompound is verifyEquality for a compound index: NULL when a part
// is NULL.
func verifyCompound(c *blindindex.Compound, prf blindindex.PRF, stored any, vals []any, binding []byte) bool {
	strs := make([]string, len(vals))
	for i, v := range vals {
		if v == nil {
			return stored == nil
		}
		strs[i] = tokenText(v)
	}
	st, ok := verifyStoredInt(stored)
	if !ok {
		return false
	}
	tok, err := c.WriteToken(prf, binding, strs...)
	if err != nil {
		return false
	}
	if binding == nil && c.Partitions() > 1 {
		for p := 0; p < c.Partitions(); p++ {
			if t, err := c.TokenFor(prf, prf.Primary(), p, strs...); err == nil && t == st {
				return true
			}
		}
		return false
	}
	return tok == st
}

// verifyBloomRepr is what a write of val under prf's primary key stores for a
// prefix or substring index, as text: the PostgreSQL array literal, the
// SQLite FTS5 document, the MariaDB prefix gram tokens joined by commas
// (empty for NULL ones) or the sorted MariaDB side-table tokens. NULL,
// and a value with no gram, is "".
func verifyBloomRepr(d *dialect, br *bloomRT, prf blindindex.PRF, val any) (string, error) {
	if val == nil {
		return "", nil
	}
	text := tokenText(val)
	if d.pgBloom {
		pos, err := br.bloom.Positions(prf, text)
		if errors.Is(err, blindindex.ErrEmptyValue) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		return pgIntArray(pos), nil
	}
	norm, err := br.ch.Append(nil, []byte(text))
	if errors.Is(err, blindindex.ErrEmptyValue) {
		norm, err = nil, nil
	}
	if err != nil {
		return "", err
	}
	runes := []rune(string(norm))
	switch {
	case d.fts:
		return ftsDocument(br, prf, runes)
	case br.idx.Kind == blindindex.Prefix:
		parts := make([]string, 0, br.idx.MaxGram-br.idx.MinGram+1)
		some := false
		for i, g := 0, br.idx.MinGram; g <= br.idx.MaxGram; i, g = i+1, g+1 {
			if len(runes) < g {
				parts = append(parts, "")
				continue
			}
			tok, err := br.grams[i].Token(prf, string(runes))
			if err != nil {
				return "", err
			}
			parts = append(parts, strconv.FormatInt(tok, 10))
			some = true
		}
		if !some {
			return "", nil
		}
		return strings.Join(parts, ","), nil
	}
	toks, err := substringTokens(br, prf, prf.Primary(), runes)
	if err != nil {
		return "", err
	}
	return verifyJoinSorted(toks), nil
}

// verifyStoredRepr is verifyBloomRepr of what a row stores (not for FTS5).
func verifyStoredRepr(d *dialect, def *indexDef, store []any, side []int64) string {
	switch {
	case d.pgBloom:
		if s, ok := normalizeScanned(store[0]).(string); ok {
			return s
		}
		return ""
	case def.side != "":
		return verifyJoinSorted(side)
	}
	parts := make([]string, len(store))
	some := false
	for i, s := range store {
		if s == nil {
			continue
		}
		n, ok := verifyStoredInt(s)
		if !ok {
			parts[i] = "?"
		} else {
			parts[i] = strconv.FormatInt(n, 10)
		}
		some = true
	}
	if !some {
		return ""
	}
	return strings.Join(parts, ",")
}

func verifyJoinSorted(toks []int64) string {
	s := slices.Clone(toks)
	slices.Sort(s)
	parts := make([]string, len(s))
	for i, t := range s {
		parts[i] = strconv.FormatInt(t, 10)
	}
	return strings.Join(parts, ",")
}
