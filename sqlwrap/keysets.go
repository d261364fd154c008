package sqlwrap

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/phicrypt/phicrypt/blindindex"
	"github.com/phicrypt/phicrypt/cipher"
)

// keysetUse is one keyset the schema needs and the places where data under
// it would be: ciphertext columns for a value keyset, token columns and
// side tables for an index keyset.
type keysetUse struct {
	scope   string
	purpose cipher.Purpose
	places  []keysetPlace
}

type keysetPlace struct {
	table, column string   // for errors: the protected column or index
	cols          []string // data columns of table
	side          []string // side tables holding tokens
}

// keysetUses lists the keysets of every table, merging scopes that several
// columns share.
func (db *DB) keysetUses() []*keysetUse {
	var out []*keysetUse
	byKey := map[string]*keysetUse{}
	add := func(scope string, p cipher.Purpose, pl keysetPlace) {
		k := fmt.Sprintf("%d/%s", p, scope)
		u := byKey[k]
		if u == nil {
			u = &keysetUse{scope: scope, purpose: p}
			byKey[k] = u
			out = append(out, u)
		}
		u.places = append(u.places, pl)
	}
	for _, name := range db.tableNames() {
		rt := db.tables[name]
		for _, cr := range rt.order {
			add(cr.seal.Scope(), cipher.PurposeValue, keysetPlace{table: name, column: cr.c.Name, cols: []string{cr.c.Name}})
			// The write-only sealing keyset (format version 2) is created
			// beside the value keyset, also for a column that already holds
			// data sealed under that one: no value depends on it until a
			// principal without value-decrypt writes. A lost one cannot be
			// made up for either way.
			add(cr.seal.Scope(), cipher.PurposeSealPrivate, keysetPlace{table: name, column: cr.c.Name})
			pl := keysetPlace{table: name, column: cr.c.Name}
			for _, e := range cr.eq {
				pl.cols = append(pl.cols, e.idx.Name)
			}
			for _, br := range []*bloomRT{cr.pre, cr.sub} {
				switch {
				case br == nil:
				case rt.d.pgBloom:
					pl.cols = append(pl.cols, br.idx.Name)
				case br.idx.Kind == blindindex.Prefix && !rt.d.fts:
					for g := br.idx.MinGram; g <= br.idx.MaxGram; g++ {
						pl.cols = append(pl.cols, prefixColumn(br.idx, g))
					}
				default:
					pl.side = append(pl.side, br.table)
				}
			}
			// Every protected column gets an index keyset, used or not: the
			// query path loads it before it looks for an index.
			add(cr.seal.Scope(), cipher.PurposeIndex, pl)
		}
		for _, c := range rt.comp {
			add(c.scope, cipher.PurposeIndex, keysetPlace{table: name, column: c.idx.Name, cols: []string{c.idx.Name}})
		}
	}
	return out
}

func (db *DB) tableNames() []string {
	var names []string
	for _, t := range db.schema.Tables {
		if _, ok := db.tables[t.Name]; ok {
			names = append(names, t.Name)
		}
	}
	return names
}

// ensureKeysets creates the keysets the schema needs, but only where no
// data could depend on them: a missing keyset whose columns already hold
// ciphertext or tokens is ErrKeysetMissing, never a fresh keyset (which
// would leave the stored values unreadable and seal new ones under keys
// nobody backed up).
func (db *DB) ensureKeysets(ctx context.Context) error {
	for _, u := range db.keysetUses() {
		have, err := db.ring.HasKeyset(ctx, u.scope, u.purpose)
		if err != nil {
			return &Error{Op: "ensure keysets", Table: u.places[0].table, Column: u.places[0].column, Err: err}
		}
		if have {
			continue
		}
		for _, pl := range u.places {
			used, err := db.holdsData(ctx, pl)
			if err != nil {
				return &Error{Op: "ensure keysets", Table: pl.table, Column: pl.column, Err: err}
			}
			if used {
				return &Error{Op: "ensure keysets", Table: pl.table, Column: pl.column,
					Err: fmt.Errorf("%w: scope %q, purpose %s: the column already holds data sealed or indexed under it; restore the keyset record (phicrypt_keysets) from the backup that matches the data",
						cipher.ErrKeysetMissing, u.scope, u.purpose)}
			}
		}
		if _, err := db.ring.CreateKeyset(ctx, u.scope, u.purpose); err != nil {
			return &Error{Op: "ensure keysets", Table: u.places[0].table, Column: u.places[0].column, Err: err}
		}
	}
	return nil
}

// holdsData reports whether any row of pl's table has a non-NULL value in
// one of pl's columns, or any of its side tables has a row.
func (db *DB) holdsData(ctx context.Context, pl keysetPlace) (bool, error) {
	probe := func(q string) (bool, error) {
		var one int
		err := db.db.QueryRowContext(ctx, q).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return err == nil, err
	}
	if len(pl.cols) > 0 {
		conds := make([]string, len(pl.cols))
		for i, c := range pl.cols {
			conds[i] = db.d.q(c) + " IS NOT NULL"
		}
		used, err := probe(fmt.Sprintf("SELECT 1 FROM %s WHERE %s LIMIT 1", db.d.q(pl.table), strings.Join(conds, " OR ")))
		if used || err != nil {
			return used, err
		}
	}
	for _, side := range pl.side {
		used, err := probe(fmt.Sprintf("SELECT 1 FROM %s LIMIT 1", db.d.q(side)))
		if used || err != nil {
			return used, err
		}
	}
	return false, nil
}
