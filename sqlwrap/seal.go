package sqlwrap

import (
	"context"
	"errors"
	"fmt"

	"github.com/phicrypt/phicrypt/blindindex"
)

// written is the storage of one row: column names and values, and the
// side-table tokens.
type written struct {
	cols []string
	args []any
	side map[*bloomRT][]int64
	// fts holds the FTS5 document of each index ("" for NULL).
	fts map[*bloomRT]string
}

// seal computes the storage of the protected and plain values in row,
// which holds canonical values (canonicalRow). With partial (an Update),
// only the columns present in row are written, and the compound indexes
// they take part in are recomputed with the other parts taken from known
// (the row's stored values, which update reads for that).
func (ta *TableAccess) seal(ctx context.Context, row, known Row, binding []byte, partial bool) (*written, error) {
	rt := ta.rt
	// Room for every column a full row writes: ciphertext, equality
	// tokens and a few prefix or Bloom columns per protected column.
	n := len(rt.t.Plain) + 4*len(rt.order) + len(rt.comp)
	w := &written{cols: make([]string, 0, n), args: make([]any, 0, n), side: map[*bloomRT][]int64{}, fts: map[*bloomRT]string{}}
	for _, p := range rt.t.Plain {
		v, ok := row[p.Name]
		if !ok && partial {
			continue
		}
		w.cols = append(w.cols, p.Name)
		w.args = append(w.args, v)
	}
	for _, cr := range rt.order {
		v, ok := row[cr.c.Name]
		if !ok && partial {
			continue
		}
		if err := ta.sealColumn(ctx, w, cr, v, binding); err != nil {
			return nil, ta.fail("write", cr.c.Name, err)
		}
	}
	for _, c := range rt.comp {
		if partial && !c.touched(row) {
			continue
		}
		vals := make([]string, len(c.cols))
		null := false
		for i, cr := range c.cols {
			v, ok := row[cr.c.Name]
			if !ok && partial {
				if v, ok = known[cr.c.Name]; !ok {
					return nil, ta.fail("update", cr.c.Name, fmt.Errorf("%w: compound index %s needs this part's stored value", ErrUnsupported, c.idx.Name))
				}
			}
			if v == nil {
				null = true
				continue
			}
			vals[i] = tokenText(v)
		}
		w.cols = append(w.cols, c.idx.Name)
		if null {
			w.args = append(w.args, nil)
			continue
		}
		keys, err := c.keys.Get(ctx)
		if err != nil {
			return nil, ta.fail("write", c.idx.Name, err)
		}
		tok, err := c.c.WriteToken(keys, binding, vals...)
		if err != nil {
			return nil, ta.fail("write", c.idx.Name, err)
		}
		w.args = append(w.args, tok)
	}
	return w, nil
}

// touched reports whether row writes a part of the compound index.
func (c *compoundRT) touched(row Row) bool {
	for _, cr := range c.cols {
		if _, ok := row[cr.c.Name]; ok {
			return true
		}
	}
	return false
}

func (ta *TableAccess) sealColumn(ctx context.Context, w *written, cr *colRT, v any, binding []byte) error {
	d := ta.rt.d
	add := func(col string, val any) {
		w.cols = append(w.cols, col)
		w.args = append(w.args, val)
	}
	if v == nil {
		if !cr.c.Nullable {
			return ErrNotNull
		}
		add(cr.c.Name, nil)
		for _, e := range cr.eq {
			add(e.idx.Name, nil)
		}
		for _, br := range []*bloomRT{cr.pre, cr.sub} {
			switch {
			case br == nil:
			case d.pgBloom:
				add(br.idx.Name, nil)
			case d.fts:
				w.fts[br] = ""
			case br.idx.Kind == blindindex.Prefix:
				for g := br.idx.MinGram; g <= br.idx.MaxGram; g++ {
					add(prefixColumn(br.idx, g), nil)
				}
			default:
				w.side[br] = nil
			}
		}
		return nil
	}
	v, err := checkValue(cr.c.Type, v)
	if err != nil {
		return err
	}
	ct, err := cr.seal.Seal(ctx, v, binding)
	if err != nil {
		return err
	}
	add(cr.c.Name, ct)
	if len(cr.eq) == 0 && cr.pre == nil && cr.sub == nil {
		return nil
	}
	keys, err := cr.keys.Get(ctx)
	if err != nil {
		return err
	}
	text := tokenText(v)
	for _, e := range cr.eq {
		tok, err := e.e.WriteToken(keys, text, binding)
		if errors.Is(err, blindindex.ErrEmptyValue) {
			// Empty after normalization: no token, so such values never
			// share one bucket; Eq refuses empty needles the same way.
			add(e.idx.Name, nil)
			continue
		}
		if err != nil {
			return err
		}
		add(e.idx.Name, tok)
	}
	for _, br := range []*bloomRT{cr.pre, cr.sub} {
		if br == nil {
			continue
		}
		if d.pgBloom {
			pos, err := br.bloom.Positions(keys, text)
			if errors.Is(err, blindindex.ErrEmptyValue) {
				add(br.idx.Name, nil)
				continue
			}
			if err != nil {
				return err
			}
			add(br.idx.Name, pgIntArray(pos))
			continue
		}
		norm, err := br.ch.Append(nil, []byte(text))
		if errors.Is(err, blindindex.ErrEmptyValue) {
			norm, err = nil, nil
		}
		if err != nil {
			return err
		}
		runes := []rune(string(norm))
		if d.fts {
			doc, err := ftsDocument(br, keys, runes)
			if err != nil {
				return err
			}
			w.fts[br] = doc
			continue
		}
		if br.idx.Kind == blindindex.Prefix {
			for i, g := 0, br.idx.MinGram; g <= br.idx.MaxGram; i, g = i+1, g+1 {
				if len(runes) < g {
					add(prefixColumn(br.idx, g), nil)
					continue
				}
				tok, err := br.grams[i].Token(keys, string(runes[:g]))
				if err != nil {
					return err
				}
				add(prefixColumn(br.idx, g), tok)
			}
			continue
		}
		toks, err := substringTokens(br, keys, keys.Primary(), runes)
		if err != nil {
			return err
		}
		w.side[br] = toks
	}
	return nil
}
