package sqlwrap

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider"
)

// VerifyOptions tunes Verify; the zero value (or nil) uses the defaults.
type VerifyOptions struct {
	// BatchSize is how many rows one read takes (default 1000).
	BatchSize int
	// MaxProblems bounds the problems the report lists (default 100);
	// every problem is counted all the same.
	MaxProblems int
	// Progress, if set, is called after each batch with the number of rows
	// checked so far.
	Progress func(rows int64)
}

const (
	defaultVerifyBatch    = 1000
	defaultVerifyProblems = 100
)

func (opts *VerifyOptions) withDefaults() VerifyOptions {
	var o VerifyOptions
	if opts != nil {
		o = *opts
	}
	if o.BatchSize <= 0 {
		o.BatchSize = defaultVerifyBatch
	}
	if o.MaxProblems <= 0 {
		o.MaxProblems = defaultVerifyProblems
	}
	return o
}

// Kinds of problem Verify reports.
const (
	// ProblemPlaintext: a protected column holds a value that is not a
	// ciphertext of the format in docs/FORMAT.md.
	ProblemPlaintext = "plaintext"
	// ProblemUnreadable: a ciphertext does not open (tampered, copied from
	// another row or column, or sealed under a key the keyset lacks).
	ProblemUnreadable = "does_not_open"
	// ProblemWrongType: a value opens to another type than the schema's.
	ProblemWrongType = "wrong_type"
	// ProblemNull: NULL in a protected column that is not nullable.
	ProblemNull = "null_not_nullable"
	// ProblemTokenMismatch: an index token is not the one the index
	// computes from the value under its current definition and keys.
	ProblemTokenMismatch = "token_mismatch"
	// ProblemTokenOldKey: a token was written under an older index key
	// although the index state says every row was rewritten under the
	// primary key: retiring the old key would drop the row from searches.
	ProblemTokenOldKey = "token_old_key"
	// ProblemPlaintextDiffers: in migrating mode, the opened value differs
	// from the plaintext still kept in COLUMN__plain.
	ProblemPlaintextDiffers = "plaintext_differs"
	// ProblemKeysetOldKEK: a keyset the table uses is wrapped by another
	// KEK than the keyring's current one (an unfinished rewrap).
	ProblemKeysetOldKEK = "keyset_old_kek"
	// ProblemKeysetUnavailable: a keyset the table uses does not load with
	// the keyring's KEK; the values or tokens under it were not checked.
	ProblemKeysetUnavailable = "keyset_unavailable"
)

// VerifyProblem is one problem Verify found. It names the place and the
// kind of problem, never a value or a token.
type VerifyProblem struct {
	Table string `json:"table"`
	// Key is the row's key (nil for a problem of a keyset).
	Key    any    `json:"key,omitempty"`
	Column string `json:"column,omitempty"`
	Index  string `json:"index,omitempty"`
	Kind   string `json:"kind"`
	// Reason is a fixed text naming the class of error, never a value.
	Reason string `json:"reason,omitempty"`
}

func (p VerifyProblem) String() string {
	var b strings.Builder
	b.WriteString(p.Table)
	if p.Key != nil {
		fmt.Fprintf(&b, " key %v", p.Key)
	}
	if p.Column != "" {
		b.WriteString(" column " + p.Column)
	}
	if p.Index != "" {
		b.WriteString(" index " + p.Index)
	}
	b.WriteString(": " + p.Kind)
	if p.Reason != "" {
		b.WriteString(" (" + p.Reason + ")")
	}
	return b.String()
}

// VerifyCounts are the counts of each check.
type VerifyCounts struct {
	// Rows is the number of rows checked.
	Rows int64 `json:"rows"`
	// Values counts the non-NULL protected values found; Opened those that
	// opened to a value of the column's type, Plaintext those that are not
	// ciphertexts, Unreadable those that are ciphertexts but do not open.
	Values     int64 `json:"values"`
	Opened     int64 `json:"opened"`
	Plaintext  int64 `json:"plaintext"`
	Unreadable int64 `json:"unreadable"`
	// OldDataKey counts the opened values sealed under a data key that is
	// not the primary one (Reencrypt moves them); not a problem.
	OldDataKey int64 `json:"old_data_key"`
	// Unchecked counts the values not checked because their keyset did not
	// load.
	Unchecked int64 `json:"unchecked"`
	// Tokens counts the index entries checked (one per row and index);
	// TokensOK those equal to the recomputed token, PendingReindex those
	// under an older key or definition while the index state says a
	// rotation or a reindex is under way, TokenProblems the others.
	Tokens         int64 `json:"tokens"`
	TokensOK       int64 `json:"tokens_ok"`
	PendingReindex int64 `json:"pending_reindex"`
	TokenProblems  int64 `json:"token_problems"`
	// NotMigrated counts, in migrating mode, the values still only in
	// COLUMN__plain; PlaintextMatches the migrated values equal to the
	// plaintext kept there, PlaintextDiffers those that are not.
	NotMigrated      int64 `json:"not_migrated"`
	PlaintextMatches int64 `json:"plaintext_matches"`
	PlaintextDiffers int64 `json:"plaintext_differs"`
	// Keysets counts the keysets the table uses; KeysetProblems those not
	// wrapped by the current KEK or that do not load.
	Keysets        int64 `json:"keysets"`
	KeysetProblems int64 `json:"keyset_problems"`
	// ProblemCount counts every problem, listed or not.
	ProblemCount int64 `json:"problem_count"`
}

func (c *VerifyCounts) add(o VerifyCounts) {
	c.Rows += o.Rows
	c.Values += o.Values
	c.Opened += o.Opened
	c.Plaintext += o.Plaintext
	c.Unreadable += o.Unreadable
	c.OldDataKey += o.OldDataKey
	c.Unchecked += o.Unchecked
	c.Tokens += o.Tokens
	c.TokensOK += o.TokensOK
	c.PendingReindex += o.PendingReindex
	c.TokenProblems += o.TokenProblems
	c.NotMigrated += o.NotMigrated
	c.PlaintextMatches += o.PlaintextMatches
	c.PlaintextDiffers += o.PlaintextDiffers
	c.Keysets += o.Keysets
	c.KeysetProblems += o.KeysetProblems
	c.ProblemCount += o.ProblemCount
}

// VerifyReport is what Verify found in one table.
type VerifyReport struct {
	Table string `json:"table"`
	// Migrating is set when some protected column still has its plaintext
	// column COLUMN__plain (phicrypt migrate).
	Migrating bool `json:"migrating"`
	VerifyCounts
	// Problems lists the first problems found (VerifyOptions.MaxProblems).
	Problems []VerifyProblem `json:"problems"`
}

// Clean reports whether Verify found no problem.
func (r *VerifyReport) Clean() bool { return r != nil && r.ProblemCount == 0 }

// Verify reads every row of table, in key order and in batches, and checks
// that every protected value is a ciphertext that opens under the row's
// binding to a value of the column's type; that every token of every index
// (token columns, PostgreSQL Bloom arrays, SQLite FTS5 documents, MariaDB
// side tables, compound indexes) is the one the index computes from the
// opened value under its current definition and keys; and that every
// keyset the table uses is wrapped by the keyring's current KEK
// (cipher.Keyring.VerifyKEK). Tokens under an older index key, or an older
// definition, count as pending reindex while the index state says a
// rotation or a reindex is under way, and as problems otherwise. In
// migrating mode (a protected column c with a plaintext column c__plain)
// it counts the rows not migrated yet and compares each migrated value
// with its plaintext.
//
// It changes nothing. A row that shows a problem is read and checked once
// more, so that a write by the application between two reads is not
// reported. The report names tables, keys, columns, indexes and kinds of
// problem, never a value or a token. An error is returned only when the
// check cannot run (the database or the key service fails, ctx ends).
func (db *DB) Verify(ctx context.Context, table string, opts *VerifyOptions) (rep *VerifyReport, err error) {
	if db == nil || db.db == nil {
		return nil, ErrUnbound
	}
	if ctx == nil {
		return nil, errNilContext
	}
	ta, err := db.Table(table)
	if err != nil {
		return nil, err
	}
	defer ta.auditVerify(ctx, &rep, &err)
	if err := ta.ready(ctx); err != nil {
		return nil, err
	}
	o := opts.withDefaults()
	v := &verifier{ta: ta, rt: ta.rt, d: ta.rt.d, o: o, rep: &VerifyReport{Table: table}}
	if err := v.prepare(ctx); err != nil {
		return nil, ta.fail("verify", "", err)
	}
	end, err := v.beginSnapshot(ctx)
	if err != nil {
		return nil, ta.fail("verify", "", err)
	}
	defer end()
	var after any
	for {
		batch, err := v.read(ctx, after, nil, o.BatchSize)
		if err != nil {
			return nil, ta.fail("verify", "", err)
		}
		if err := v.checkBatch(ctx, batch); err != nil {
			return nil, ta.fail("verify", "", err)
		}
		if len(batch) > 0 && o.Progress != nil {
			o.Progress(v.rep.Rows)
		}
		if len(batch) < o.BatchSize {
			break
		}
		after = batch[len(batch)-1].key
	}
	if v.rep.Problems == nil {
		v.rep.Problems = []VerifyProblem{}
	}
	return v.rep, nil
}

// verifier holds what Verify learned about the table before the walk.
type verifier struct {
	ta  *TableAccess
	rt  *tableRT
	d   *dialect
	o   VerifyOptions
	rep *VerifyReport
	// plain[i] is set when rt.order[i] has a plaintext column.
	plain []bool
	// dataKey[i] is the primary data key of rt.order[i]; skip[i] is set
	// when its value keyset does not load.
	dataKey []uint32
	skip    []bool
	defs    []*vindex
	rowid   bool
	// q reads the rows: on SQLite one connection in a read transaction
	// (beginSnapshot); fts holds the FTS5 documents in that snapshot.
	q   querier
	fts ftsDigests
}

// vindex is one index as Verify checks it.
type vindex struct {
	def *indexDef
	// pending: the index state says its tokens may be under an older key
	// (a rotation under way) or definition (building).
	rotating, building bool
	// skip: its index keyset does not load.
	skip bool
	// fields are the positions of its storage in a read row.
	fields []int
}

// verifyPlainSuffix names the plaintext column of a protected column during a
// migration (DESIGN: "migrating mode").
const verifyPlainSuffix = "__plain"

func (v *verifier) prepare(ctx context.Context) error {
	rt, db := v.rt, v.ta.db
	have, err := db.existingColumns(ctx, rt.t.Name)
	if err != nil {
		return err
	}
	v.plain = make([]bool, len(rt.order))
	for i, cr := range rt.order {
		if have[strings.ToLower(cr.c.Name+verifyPlainSuffix)] {
			v.plain[i] = true
			v.rep.Migrating = true
		}
	}
	if err := v.keysets(ctx); err != nil {
		return err
	}
	return v.indexStates(ctx)
}

// keysets checks every keyset the table uses: wrapped by the current KEK,
// and loadable. The values and tokens under one that does not load are
// not checked (one problem for the keyset, not one per row).
func (v *verifier) keysets(ctx context.Context) error {
	db, rt := v.ta.db, v.rt
	old, err := db.ring.VerifyKEK(ctx)
	if err != nil {
		return err
	}
	oldKEK := map[string]bool{}
	for _, rec := range old {
		oldKEK[fmt.Sprintf("%d/%s", rec.Purpose, rec.Scope)] = true
	}
	unavailable := map[string]string{}
	for _, u := range db.keysetUses() {
		var place *keysetPlace
		for i := range u.places {
			if u.places[i].table == rt.t.Name {
				place = &u.places[i]
				break
			}
		}
		if place == nil {
			continue
		}
		v.rep.Keysets++
		k := fmt.Sprintf("%d/%s", u.purpose, u.scope)
		bad := false
		if oldKEK[k] {
			bad = true
			v.problem(VerifyProblem{Table: rt.t.Name, Column: place.column, Kind: ProblemKeysetOldKEK, Reason: u.purpose.String() + " keyset " + u.scope})
		}
		if _, err := db.ring.Keys(ctx, u.scope, u.purpose); err != nil {
			if errors.Is(err, keyprovider.ErrUnavailable) {
				return err
			}
			bad = true
			unavailable[k] = verifyReason(err)
			v.problem(VerifyProblem{Table: rt.t.Name, Column: place.column, Kind: ProblemKeysetUnavailable, Reason: u.purpose.String() + " keyset " + u.scope + ": " + verifyReason(err)})
		}
		if bad {
			v.rep.KeysetProblems++
		}
	}
	v.dataKey = make([]uint32, len(rt.order))
	v.skip = make([]bool, len(rt.order))
	for i, cr := range rt.order {
		if _, ok := unavailable[fmt.Sprintf("%d/%s", cipher.PurposeValue, cr.seal.Scope())]; ok {
			v.skip[i] = true
			continue
		}
		keys, err := db.ring.Keys(ctx, cr.seal.Scope(), cipher.PurposeValue)
		if err != nil {
			return err
		}
		v.dataKey[i], _ = keyIDs(keys)
	}
	for _, def := range rt.indexes() {
		vi := &vindex{def: def}
		_, vi.skip = unavailable[fmt.Sprintf("%d/%s", cipher.PurposeIndex, def.scope)]
		v.defs = append(v.defs, vi)
	}
	return nil
}

// indexStates reads which indexes may hold tokens under an older key or
// definition.
func (v *verifier) indexStates(ctx context.Context) error {
	db, rt := v.ta.db, v.rt
	have, err := db.existingColumns(ctx, indexTable)
	if err != nil || len(have) == 0 {
		return err
	}
	keyCol := "NULL"
	if have["key_id"] {
		keyCol = "key_id"
	}
	rows, err := db.db.QueryContext(ctx, fmt.Sprintf("SELECT index_name, definition_hash, state, %s FROM %s WHERE table_name = %s", keyCol, indexTable, v.d.ph(1)), rt.t.Name)
	if err != nil {
		return err
	}
	type state struct {
		ready bool
		keyID *int64
	}
	recs := map[string]state{}
	defs := map[string]*vindex{}
	for _, vi := range v.defs {
		defs[vi.def.name] = vi
	}
	for rows.Next() {
		var name, hash, st string
		var keyID *int64
		if err := rows.Scan(&name, &hash, &st, &keyID); err != nil {
			rows.Close()
			return err
		}
		if vi := defs[name]; vi != nil {
			recs[name] = state{ready: st == stateReady && hash == vi.def.hash, keyID: keyID}
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	// One unwrap per keyset, however many indexes share it.
	byScope := map[string][]cipher.KeyInfo{}
	for _, vi := range v.defs {
		r, found := recs[vi.def.name]
		vi.building = found && !r.ready
		if vi.skip {
			continue
		}
		keys, ok := byScope[vi.def.scope]
		if !ok {
			if keys, err = db.ring.Keys(ctx, vi.def.scope, cipher.PurposeIndex); err != nil {
				return err
			}
			byScope[vi.def.scope] = keys
		}
		primary, old := keyIDs(keys)
		// Rows may carry old-key tokens until a pass under the primary
		// key has covered every row.
		vi.rotating = len(old) > 0 && (r.keyID == nil || uint32(*r.keyID) != primary)
	}
	return nil
}

// problem counts p and lists it while the list has room.
func (v *verifier) problem(p VerifyProblem) {
	v.rep.ProblemCount++
	if len(v.rep.Problems) < v.o.MaxProblems {
		v.rep.Problems = append(v.rep.Problems, p)
	}
}

// verifyReason names the class of a failure to open or load, never a value.
func verifyReason(err error) string {
	for _, c := range []struct {
		err  error
		text string
	}{
		{cipher.ErrMisplaced, "belongs to another table, column or row"},
		{cipher.ErrTampered, "failed authentication"},
		{cipher.ErrUnknownKey, "names a key the keyset does not have"},
		{cipher.ErrMalformedValue, "malformed value"},
		{cipher.ErrUnsupportedVersion, "not a ciphertext"},
		{cipher.ErrTruncated, "not a ciphertext"},
		{keyprovider.ErrWrongKey, "wrapped by another KEK"},
		{cipher.ErrKeysetRollback, "keyset rolled back"},
		{cipher.ErrKeysetNotFound, "keyset missing"},
		{cipher.ErrBadRecord, "malformed keyset record"},
		{ErrWrongType, "wrong type"},
		{ErrNotNull, "NULL"},
	} {
		if errors.Is(err, c.err) {
			return c.text
		}
	}
	return "error"
}
