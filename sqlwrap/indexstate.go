package sqlwrap

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
)

// indexTable records the state of every index: an index answers queries
// only once its tokens cover every row.
const indexTable = "phicrypt_indexes"

// Index states.
const (
	stateBuilding = "building"
	stateReady    = "ready"
)

// indexDef is one index of a table as the state table tracks it.
type indexDef struct {
	name string
	hash string // of everything that decides the index's tokens
	// scope names the index keyset: the column's for its equality,
	// prefix and substring indexes, the compound index's own otherwise.
	scope string
	cols  []*colRT
	eq    *eqRT
	br    *bloomRT
	comp  *compoundRT
	// storage lists the token columns in the data table; side names the
	// side table (FTS5, or MySQL substring), if any.
	storage []string
	side    string
}

// indexes lists the indexes of the table in schema order.
func (rt *tableRT) indexes() []*indexDef {
	var out []*indexDef
	for _, cr := range rt.order {
		scope := cr.c.Scope
		if scope == "" {
			scope = cipher.DefaultScope(rt.t.Name, cr.c.Name)
		}
		for _, e := range cr.eq {
			ix := e.idx
			out = append(out, &indexDef{name: ix.Name, scope: scope, cols: []*colRT{cr}, eq: e, storage: []string{ix.Name},
				hash: definitionHash("equality", scope, cr.c.Name, ix.Transforms, fmt.Sprintf("bits=%d", ix.Bits), fmt.Sprintf("partitions=%d", ix.Partitions))})
		}
		for _, br := range []*bloomRT{cr.pre, cr.sub} {
			if br == nil {
				continue
			}
			ix := br.idx
			def := &indexDef{name: ix.Name, scope: scope, cols: []*colRT{cr}, br: br, side: br.table}
			parts := []string{ix.Kind.String(), scope, cr.c.Name, ix.Transforms, fmt.Sprintf("grams=%d..%d", ix.MinGram, ix.MaxGram), fmt.Sprintf("max_grams=%d", ix.MaxGrams)}
			switch {
			case rt.d.pgBloom:
				def.storage = []string{ix.Name}
				parts = append(parts, fmt.Sprintf("m=%d", ix.M), fmt.Sprintf("k=%d", ix.K))
			case rt.d.fts:
			case br.grams != nil:
				def.side = ""
				for g := ix.MinGram; g <= ix.MaxGram; g++ {
					def.storage = append(def.storage, prefixColumn(ix, g))
				}
			}
			def.hash = definitionHash(parts...)
			out = append(out, def)
		}
	}
	for _, c := range rt.comp {
		parts := []string{"compound", c.idx.Name, fmt.Sprintf("bits=%d", c.idx.Bits), fmt.Sprintf("partitions=%d", c.idx.Partitions)}
		for _, p := range c.idx.Parts {
			parts = append(parts, p.Column+":"+p.Transforms)
		}
		out = append(out, &indexDef{name: c.idx.Name, scope: c.scope, cols: c.cols, comp: c, storage: []string{c.idx.Name}, hash: definitionHash(parts...)})
	}
	return out
}

func (rt *tableRT) index(name string) *indexDef {
	for _, d := range rt.indexes() {
		if d.name == name {
			return d
		}
	}
	return nil
}

// definitionHash hashes the parts of an index definition, each
// length-prefixed so that no two definitions share an encoding.
func definitionHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// indexStates holds, per table, the indexes not ready in this process.
// Most tables have none, so the check on every query is one atomic load.
type indexStates struct {
	building atomic.Pointer[map[string]bool]
	mu       sync.Mutex // serializes writers
}

func (s *indexStates) isBuilding(name string) bool {
	m := s.building.Load()
	return m != nil && (*m)[name]
}

func (s *indexStates) set(building map[string]bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.store(building)
}

func (s *indexStates) store(building map[string]bool) {
	if len(building) == 0 {
		s.building.Store(nil)
		return
	}
	s.building.Store(&building)
}

func (s *indexStates) markBuilding(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := map[string]bool{name: true}
	if m := s.building.Load(); m != nil {
		for k, v := range *m {
			next[k] = v
		}
	}
	s.store(next)
}

func (s *indexStates) setReady(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.building.Load()
	if m == nil || !(*m)[name] {
		return
	}
	next := map[string]bool{}
	for k, v := range *m {
		if k != name && v {
			next[k] = true
		}
	}
	s.store(next)
}

// indexRecord is one row of the state table.
type indexRecord struct {
	hash, state string
	progress    sql.NullString
}

func (db *DB) ensureIndexTable(ctx context.Context) error {
	name, text := "TEXT", "TEXT"
	suffix := ""
	if db.d.name == "mysql" {
		name, text = "VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", "VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
		suffix = " ENGINE=InnoDB"
	}
	ddl := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (
	table_name      %s NOT NULL,
	index_name      %s NOT NULL,
	definition_hash %s NOT NULL,
	state           %s NOT NULL CHECK (state IN ('building', 'ready')),
	progress_key    %s,
	updated_at      BIGINT NOT NULL,
	key_id          BIGINT,
	pass_key_id     BIGINT,
	PRIMARY KEY (table_name, index_name)
)%s`, indexTable, name, name, text, text, text, suffix)
	if _, err := db.db.ExecContext(ctx, ddl); err != nil {
		// A PostgreSQL process that loses a race on CREATE TABLE IF NOT
		// EXISTS fails instead of seeing the table (see KeysetStore).
		if have, perr := db.existingColumns(ctx, indexTable); perr != nil || len(have) == 0 {
			return wrapf(err, "create %s", indexTable)
		}
	}
	return db.ensureKeyColumns(ctx)
}

// readIndexRecords returns the recorded state of the table's indexes, or
// nil when the state table does not exist (a database set up before it
// existed, whose indexes were all written with every row).
func (db *DB) readIndexRecords(ctx context.Context, q querier, table string) (map[string]indexRecord, error) {
	have, err := db.existingColumns(ctx, indexTable)
	if err != nil || len(have) == 0 {
		return nil, err
	}
	d := db.d
	rows, err := q.QueryContext(ctx, fmt.Sprintf("SELECT index_name, definition_hash, state, progress_key FROM %s WHERE table_name = %s", indexTable, d.ph(1)), table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]indexRecord{}
	for rows.Next() {
		var name string
		var r indexRecord
		if err := rows.Scan(&name, &r.hash, &r.state, &r.progress); err != nil {
			return nil, err
		}
		out[name] = r
	}
	return out, rows.Err()
}

// readIndexRecord returns one index's record (found false if none).
func (db *DB) readIndexRecord(ctx context.Context, q querier, table, index string) (indexRecord, bool, error) {
	d := db.d
	var r indexRecord
	err := q.QueryRowContext(ctx, fmt.Sprintf("SELECT definition_hash, state, progress_key FROM %s WHERE table_name = %s AND index_name = %s", indexTable, d.ph(1), d.ph(2)),
		table, index).Scan(&r.hash, &r.state, &r.progress)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	return r, err == nil, err
}

// putIndexRecord writes one index's record.
func (db *DB) putIndexRecord(ctx context.Context, q querier, table, index string, r indexRecord) error {
	d := db.d
	var upsert string
	switch d.name {
	case "mysql":
		upsert = " ON DUPLICATE KEY UPDATE definition_hash = VALUES(definition_hash), state = VALUES(state), progress_key = VALUES(progress_key), updated_at = VALUES(updated_at)"
	default:
		upsert = " ON CONFLICT (table_name, index_name) DO UPDATE SET definition_hash = excluded.definition_hash, state = excluded.state, progress_key = excluded.progress_key, updated_at = excluded.updated_at"
	}
	_, err := q.ExecContext(ctx, d.insertSQL(indexTable, []string{"table_name", "index_name", "definition_hash", "state", "progress_key", "updated_at"}, 1)+upsert,
		table, index, r.hash, r.state, r.progress, time.Now().Unix())
	if err != nil {
		return fmt.Errorf("record the state of index %s: %w", index, err)
	}
	return nil
}

// recordIndexes runs in EnsureSchema before the table's storage is
// created: an index whose storage is new on a table that already has rows,
// or whose definition changed since it was recorded, is building until
// Reindex has written its tokens into every row. On an empty table every
// index is ready at once. Recording first means a crash between the two
// steps leaves the index building, never ready without its tokens.
func (db *DB) recordIndexes(ctx context.Context, rt *tableRT) error {
	t := rt.t
	have, err := db.existingColumns(ctx, t.Name)
	if err != nil {
		return err
	}
	populated := false
	if len(have) > 0 {
		var one int
		err := db.db.QueryRowContext(ctx, fmt.Sprintf("SELECT 1 FROM %s LIMIT 1", rt.d.q(t.Name))).Scan(&one)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		populated = err == nil
	}
	recs, err := db.readIndexRecords(ctx, db.db, t.Name)
	if err != nil {
		return err
	}
	mig := rt.detectMigration(have)
	building := map[string]bool{}
	for _, def := range rt.indexes() {
		unsealed := false
		if populated && mig != nil {
			if unsealed, err = db.unsealed(ctx, rt, def, have, mig); err != nil {
				return err
			}
		}
		existed := len(have) > 0
		for _, c := range def.storage {
			existed = existed && have[strings.ToLower(c)]
		}
		if def.side != "" && existed {
			side, err := db.existingColumns(ctx, def.side)
			if err != nil {
				return err
			}
			existed = len(side) > 0
		}
		rec, found := recs[def.name]
		state := stateReady
		switch {
		case !populated:
		case unsealed:
			// Migrating mode, and no row has a ciphertext of the index's
			// columns yet: every sealed row (none) has its tokens, and
			// reads find the unmigrated rows through their plaintext.
			// MigrateRows and every write add the tokens with the
			// ciphertext, so the index stays complete.
		case !found:
			// Storage that predates the state table was written with
			// every row, under a definition nobody recorded: it is ready
			// only if a sample of its tokens is this definition's. New
			// storage on a populated table is empty.
			if !existed {
				state = stateBuilding
			} else if ok, err := db.adoptedTokensMatch(ctx, rt, def); err != nil {
				return err
			} else if !ok {
				state = stateBuilding
			}
		case rec.hash != def.hash:
			state = stateBuilding
		default:
			state = rec.state
		}
		if found && rec.hash == def.hash && rec.state == state {
			if state == stateBuilding {
				building[def.name] = true
			}
			continue
		}
		if err := db.putIndexRecord(ctx, db.db, t.Name, def.name, indexRecord{hash: def.hash, state: state}); err != nil {
			return err
		}
		if state == stateBuilding {
			building[def.name] = true
		}
	}
	rt.idx.set(building)
	return nil
}

// unsealed reports whether every column of def has a plaintext column in
// migrating mode mig and no row holds a ciphertext of any of them yet (the
// ciphertext columns may not exist yet: have lists the table's columns).
func (db *DB) unsealed(ctx context.Context, rt *tableRT, def *indexDef, have map[string]bool, mig *migration) (bool, error) {
	d := rt.d
	for _, cr := range def.cols {
		if !mig.migrating(cr) {
			return false, nil
		}
		if !have[strings.ToLower(cr.c.Name)] {
			continue
		}
		var one int
		err := db.db.QueryRowContext(ctx, fmt.Sprintf("SELECT 1 FROM %s WHERE %s IS NOT NULL LIMIT 1", d.q(rt.t.Name), d.q(cr.c.Name))).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return false, err
		}
		return false, nil
	}
	return true, nil
}

// loadIndexStates reads which indexes of the table are not ready: building
// ones, and ones recorded under another definition (the schema changed
// and EnsureSchema has not run since: their tokens are not this schema's).
func (db *DB) loadIndexStates(ctx context.Context, rt *tableRT) error {
	recs, err := db.readIndexRecords(ctx, db.reader(ctx), rt.t.Name)
	if err != nil {
		return &Error{Op: "verify schema", Table: rt.t.Name, Err: err}
	}
	building := map[string]bool{}
	for _, def := range rt.indexes() {
		if r, ok := recs[def.name]; ok && (r.state != stateReady || r.hash != def.hash) {
			building[def.name] = true
		}
	}
	rt.idx.set(building)
	return nil
}

// indexReady is the check a query makes before it uses an index. An index
// this process saw building is read again, as another process may have
// finished its backfill.
func (ta *TableAccess) indexReady(ctx context.Context, name string) error {
	if !ta.rt.idx.isBuilding(name) {
		return nil
	}
	def := ta.rt.index(name)
	r, found, err := ta.db.readIndexRecord(ctx, ta.q(), ta.rt.t.Name, name)
	if err != nil {
		return &Error{Op: "find", Table: ta.rt.t.Name, Column: name, Err: err}
	}
	if found && def != nil && r.state == stateReady && r.hash == def.hash {
		ta.rt.idx.setReady(name)
		return nil
	}
	return &Error{Op: "find", Table: ta.rt.t.Name, Column: name, Err: fmt.Errorf("%w: index %s of table %s does not cover every row yet; run DB.Reindex(ctx, %q, %q, nil)",
		ErrIndexNotReady, name, ta.rt.t.Name, ta.rt.t.Name, name)}
}
