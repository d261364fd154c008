package sqlwrap

import (
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/phicrypt/phicrypt/blindindex"
	"github.com/phicrypt/phicrypt/cipher"
)

// tableRT is a schema table ready to use: sealers, indexes and the
// storage columns they write.
type tableRT struct {
	t      *Table
	d      *dialect
	cols   map[string]*colRT
	order  []*colRT // protected columns in schema order
	plain  map[string]*PlainColumn
	comp   []*compoundRT
	side   []*bloomRT // side tables (substring indexes off PostgreSQL)
	fields []string   // key, plain and protected columns, as read
	// verified is set once the database has every storage column.
	verified atomic.Bool
	// warmed is set once every keyset of the table is loaded.
	warmed atomic.Bool
	// idx tracks the indexes that are not ready (indexstate.go).
	idx indexStates
	// mig is the table's migrating mode (migrating.go), nil when no
	// protected column has a plaintext column; set when the table is
	// verified, and again when a plaintext column is found dropped.
	mig atomic.Pointer[migration]
}

type colRT struct {
	c *Column
	// pos is the column's place in tableRT.order; its ciphertext is read
	// at tableRT.fields[field].
	pos, field int
	seal       *cipher.Column
	keys       *cipher.IndexKeysCache
	eq         []*eqRT
	pre        *bloomRT
	sub        *bloomRT
}

type eqRT struct {
	idx *EqualityIndex
	e   *blindindex.Equality
	ch  blindindex.Chain
}

type bloomRT struct {
	col   *colRT
	idx   *BloomIndex
	ch    blindindex.Chain
	bloom *blindindex.Bloom      // PostgreSQL: bit positions
	grams []*blindindex.Equality // prefix off PostgreSQL: one per length MinGram..MaxGram
	gram  *blindindex.Equality   // substring off PostgreSQL: a token per gram
	table string                 // substring side table
}

type compoundRT struct {
	idx   *CompoundIndex
	scope string
	c     *blindindex.Compound
	keys  *cipher.IndexKeysCache
	cols  []*colRT
	chs   []blindindex.Chain
}

// gramBits is the width of prefix and substring gram tokens off
// PostgreSQL. Gram tokens reveal shared grams exactly as Bloom bits do
// (docs/SECURITY.md §5); the width only sets the false-positive rate.
const gramBits = 40

func newTableRT(t *Table, d *dialect, ring *cipher.Keyring) (*tableRT, error) {
	rt := &tableRT{t: t, d: d, cols: map[string]*colRT{}, plain: map[string]*PlainColumn{}}
	rt.fields = append(rt.fields, t.Key)
	for _, p := range t.Plain {
		rt.plain[p.Name] = p
		rt.fields = append(rt.fields, p.Name)
	}
	fail := func(col string, err error) error {
		return &Error{Op: "open schema", Table: t.Name, Column: col, Err: err}
	}
	for _, c := range t.Columns {
		scope := c.Scope
		if scope == "" {
			scope = cipher.DefaultScope(t.Name, c.Name)
		}
		seal, err := ring.Column(t.Name, c.Name, cipher.WithScope(scope), cipher.WithPadding(c.Padding), cipher.WithMaxLength(c.MaxLength))
		if err != nil {
			return nil, fail(c.Name, err)
		}
		cr := &colRT{c: c, seal: seal, keys: ring.IndexKeysCache(scope)}
		for _, ix := range c.Equality {
			e, err := blindindex.NewEquality(blindindex.EqualityConfig{Name: t.Name + "." + ix.Name, Transforms: ix.Transforms, Bits: ix.Bits, Partitions: ix.Partitions})
			if err != nil {
				return nil, fail(c.Name, err)
			}
			ch, _ := blindindex.ParseChain(ix.Transforms)
			cr.eq = append(cr.eq, &eqRT{idx: ix, e: e, ch: ch})
		}
		for _, ix := range c.Bloom {
			br, err := newBloomRT(t, d, cr, ix)
			if err != nil {
				return nil, fail(c.Name, err)
			}
			if ix.Kind == blindindex.Prefix {
				cr.pre = br
			} else {
				cr.sub = br
			}
			if d.fts || (!d.pgBloom && ix.Kind == blindindex.Substring) {
				rt.side = append(rt.side, br)
			}
		}
		cr.pos, cr.field = len(rt.order), len(rt.fields)
		rt.cols[c.Name] = cr
		rt.order = append(rt.order, cr)
		rt.fields = append(rt.fields, c.Name)
	}
	for _, ci := range t.Compound {
		parts := make([]blindindex.CompoundPart, len(ci.Parts))
		scope := cipher.DefaultScope(t.Name, ci.Name)
		cr := &compoundRT{idx: ci, scope: scope, keys: ring.IndexKeysCache(scope)}
		for i, p := range ci.Parts {
			parts[i] = blindindex.CompoundPart{Field: p.Column, Transforms: p.Transforms}
			col, ok := rt.cols[p.Column]
			if !ok {
				return nil, fail(p.Column, fmt.Errorf("%w: compound index %s names an unprotected column", ErrUnknownColumn, ci.Name))
			}
			ch, _ := blindindex.ParseChain(p.Transforms)
			cr.cols = append(cr.cols, col)
			cr.chs = append(cr.chs, ch)
		}
		c, err := blindindex.NewCompound(blindindex.CompoundConfig{Name: t.Name + "." + ci.Name, Parts: parts, Bits: ci.Bits, Partitions: ci.Partitions})
		if err != nil {
			return nil, fail(ci.Name, err)
		}
		cr.c = c
		rt.comp = append(rt.comp, cr)
	}
	return rt, nil
}

func newBloomRT(t *Table, d *dialect, cr *colRT, ix *BloomIndex) (*bloomRT, error) {
	ch, err := blindindex.ParseChain(ix.Transforms)
	if err != nil {
		return nil, err
	}
	br := &bloomRT{col: cr, idx: ix, ch: ch}
	name := t.Name + "." + ix.Name
	if d.pgBloom {
		br.bloom, err = blindindex.NewBloom(blindindex.BloomConfig{Name: name, Kind: ix.Kind, Transforms: ix.Transforms,
			MinGram: ix.MinGram, MaxGram: ix.MaxGram, MaxGrams: ix.MaxGrams, M: ix.M, K: ix.K})
		return br, err
	}
	if ix.Kind == blindindex.Prefix {
		br.table = t.Name + "__" + ix.Name
		for g := ix.MinGram; g <= ix.MaxGram; g++ {
			spec := fmt.Sprintf("first:%d", g)
			if ix.Transforms != "" {
				spec = ix.Transforms + "," + spec
			}
			e, err := blindindex.NewEquality(blindindex.EqualityConfig{Name: fmt.Sprintf("%s#%d", name, g), Transforms: spec, Bits: gramBits})
			if err != nil {
				return nil, err
			}
			br.grams = append(br.grams, e)
		}
		return br, nil
	}
	br.gram, err = blindindex.NewEquality(blindindex.EqualityConfig{Name: name + "#gram", Bits: gramBits})
	br.table = t.Name + "__" + ix.Name
	return br, err
}

// prefixColumn is the storage column of prefix grams of length g off
// PostgreSQL.
func prefixColumn(ix *BloomIndex, g int) string { return fmt.Sprintf("%s_%d", ix.Name, g) }

// storageColumn is a column the wrapper writes, with its SQL type.
type storageColumn struct {
	name, typ string
	index     string // "", "btree" or "gin"
	// notNull: NOT NULL in the tables EnsureSchema creates (a column it
	// adds to an existing table cannot be, since existing rows hold NULL).
	notNull bool
}

func (rt *tableRT) storage() []storageColumn {
	d := rt.d
	var out []storageColumn
	for _, p := range rt.t.Plain {
		out = append(out, storageColumn{name: p.Name, typ: d.plainType(p.Type), notNull: !p.Nullable})
	}
	for _, cr := range rt.order {
		out = append(out, storageColumn{name: cr.c.Name, typ: d.blobType()})
		for _, e := range cr.eq {
			out = append(out, storageColumn{name: e.idx.Name, typ: "BIGINT", index: "btree"})
		}
		for _, br := range []*bloomRT{cr.pre, cr.sub} {
			switch {
			case br == nil:
			case d.pgBloom:
				out = append(out, storageColumn{name: br.idx.Name, typ: "INTEGER[]", index: "gin"})
			case br.idx.Kind == blindindex.Prefix && !d.fts:
				for g := br.idx.MinGram; g <= br.idx.MaxGram; g++ {
					out = append(out, storageColumn{name: prefixColumn(br.idx, g), typ: "BIGINT", index: "btree"})
				}
			}
		}
	}
	for _, c := range rt.comp {
		out = append(out, storageColumn{name: c.idx.Name, typ: "BIGINT", index: "btree"})
	}
	return out
}

func (rt *tableRT) column(op, name string) (*colRT, *PlainColumn, error) {
	if cr, ok := rt.cols[name]; ok {
		return cr, nil, nil
	}
	if p, ok := rt.plain[name]; ok {
		return nil, p, nil
	}
	if name == rt.t.Key {
		return nil, &PlainColumn{Name: name, Type: rt.t.KeyType}, nil
	}
	return nil, nil, &Error{Op: op, Table: rt.t.Name, Column: name, Err: ErrUnknownColumn}
}

func (rt *tableRT) quotedFields() string {
	q := make([]string, len(rt.fields))
	for i, f := range rt.fields {
		q[i] = rt.d.q(f)
	}
	return strings.Join(q, ", ")
}
