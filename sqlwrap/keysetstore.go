package sqlwrap

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/phicrypt/phicrypt/cipher"
)

// ksTable is the table KeysetStore keeps its records in.
const ksTable = "phicrypt_keysets"

// ksMaxScope is the longest scope, in characters, that KeysetStore accepts
// on every dialect. MySQL's key column is VARCHAR(255) (a longer key would
// exceed InnoDB's index limit), and the same bound everywhere keeps a
// keyset table portable between engines.
const ksMaxScope = 255

// KeysetStore is a cipher.Store that keeps wrapped keysets in the table
// phicrypt_keysets of the database that holds the data, so that keys and
// ciphertexts are backed up and restored together.
//
// The record column holds the record's full binary form (docs/FORMAT.md)
// and is the only one read back as key material; the scope, purpose,
// generation and kek columns let an operator see what is stored and give
// Put its compare-and-swap. Every write is a single statement, so a crash
// or a KEK outage cannot leave a half-written row. A KeysetStore is safe
// for concurrent use, including by several processes.
type KeysetStore struct {
	db      *sql.DB
	dialect string
	q       ksQueries
}

// ksQueries are the statements of one dialect, with its placeholders.
type ksQueries struct {
	get, insert, update, list, probe string
}

// NewKeysetStore returns a store over db; dialect is "sqlite", "postgres"
// or "mysql". Call EnsureTable before first use on a new database.
func NewKeysetStore(db *sql.DB, dialect string) (*KeysetStore, error) {
	if db == nil {
		return nil, errors.New("phicrypt: keyset store needs a database")
	}
	now := ""
	switch dialect {
	case "sqlite":
		now = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
	case "postgres":
		now = "now()"
	case "mysql":
		now = "UTC_TIMESTAMP(6)"
	default:
		return nil, fmt.Errorf("phicrypt: keyset store: unknown dialect %q (want sqlite, postgres or mysql)", dialect)
	}
	s := &KeysetStore{db: db, dialect: dialect}
	s.q = ksQueries{
		get: s.ksRebind("SELECT generation, record FROM " + ksTable + " WHERE scope = ? AND purpose = ?"),
		insert: s.ksRebind("INSERT INTO " + ksTable + " (scope, purpose, generation, kek, record, updated_at)" +
			" VALUES (?, ?, ?, ?, ?, " + now + ")"),
		update: s.ksRebind("UPDATE " + ksTable + " SET generation = ?, kek = ?, record = ?, updated_at = " + now +
			" WHERE scope = ? AND purpose = ? AND generation = ?"),
		list:  "SELECT scope, purpose, generation, record FROM " + ksTable,
		probe: "SELECT 1 FROM " + ksTable + " WHERE 1 = 0",
	}
	return s, nil
}

// ksRebind turns the ? placeholders of q into $n for PostgreSQL. The
// statements here have no string literals containing '?'.
func (s *KeysetStore) ksRebind(q string) string {
	if s.dialect != "postgres" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// EnsureTable creates phicrypt_keysets if it does not exist. It is
// idempotent and safe when several processes race to run it.
func (s *KeysetStore) EnsureTable(ctx context.Context) error {
	var ddl string
	switch s.dialect {
	case "sqlite":
		ddl = `CREATE TABLE IF NOT EXISTS ` + ksTable + ` (
	scope      TEXT     NOT NULL,
	purpose    SMALLINT NOT NULL,
	generation BIGINT   NOT NULL,
	kek        TEXT     NOT NULL,
	record     BLOB     NOT NULL,
	updated_at TEXT     NOT NULL,
	PRIMARY KEY (scope, purpose)
)`
	case "postgres":
		ddl = `CREATE TABLE IF NOT EXISTS ` + ksTable + ` (
	scope      TEXT        NOT NULL,
	purpose    SMALLINT    NOT NULL,
	generation BIGINT      NOT NULL,
	kek        TEXT        NOT NULL,
	record     BYTEA       NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (scope, purpose)
)`
	case "mysql":
		coll, err := s.ksScopeCollation(ctx)
		if err != nil {
			return wrapf(err, "keyset store: create table")
		}
		ddl = "CREATE TABLE IF NOT EXISTS " + ksTable + ` (
	scope      VARCHAR(255) CHARACTER SET utf8mb4 COLLATE ` + coll + ` NOT NULL,
	purpose    SMALLINT     NOT NULL,
	generation BIGINT       NOT NULL,
	kek        TEXT         CHARACTER SET utf8mb4 NOT NULL,
	record     LONGBLOB     NOT NULL,
	updated_at DATETIME(6)  NOT NULL,
	PRIMARY KEY (scope, purpose)
) ENGINE=InnoDB`
	}
	if _, err := s.db.ExecContext(ctx, ddl); err != nil {
		// PostgreSQL's CREATE TABLE IF NOT EXISTS is not atomic: a process
		// that loses the race fails with "type already exists" (42710) or
		// a catalog unique violation instead of seeing the table. By then
		// the winner has committed, so a table that now exists means only
		// the race was lost.
		if _, perr := s.db.ExecContext(ctx, s.q.probe); perr == nil {
			return nil
		}
		return wrapf(err, "keyset store: create table %s", ksTable)
	}
	return nil
}

// ksScopeCollation picks a binary NO PAD collation for MySQL's scope
// column. The server's usual collations are case-insensitive, and even
// utf8mb4_bin ignores trailing spaces, so "a", "A" and "a " would be one
// key there while SQLite, PostgreSQL and the other stores keep them apart.
// MariaDB and MySQL 8 name their exact collations differently; an older
// server gets utf8mb4_bin, which is exact but for trailing spaces.
func (s *KeysetStore) ksScopeCollation(ctx context.Context) (string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT COLLATION_NAME FROM information_schema.COLLATIONS"+
		" WHERE COLLATION_NAME IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return "", err
		}
		have[name] = true
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	for _, c := range []string{"utf8mb4_nopad_bin", "utf8mb4_0900_bin"} {
		if have[c] {
			return c, nil
		}
	}
	return "utf8mb4_bin", nil
}

// ksErr names the record an error is about.
func ksErr(scope string, p cipher.Purpose, err error) error {
	return wrapf(err, "keyset store: scope %q (%s)", scope, p)
}

// ksDecode parses a stored row and checks that its key columns agree with
// the record bytes: the columns decide which row a query finds, the bytes
// are what the keyring trusts, and a row edited by hand or restored into
// the wrong place must not pass as another scope's keyset.
func ksDecode(scope string, p cipher.Purpose, gen int64, b []byte) (*cipher.Record, error) {
	var r cipher.Record
	if err := r.UnmarshalBinary(b); err != nil {
		return nil, ksErr(scope, p, err)
	}
	if r.Scope != scope || r.Purpose != p || gen < 0 || r.Generation != uint64(gen) {
		return nil, ksErr(scope, p, fmt.Errorf("%w: row is scope %q, %s, generation %d but its record says scope %q, %s, generation %d",
			cipher.ErrBadRecord, scope, p, gen, r.Scope, r.Purpose, r.Generation))
	}
	return &r, nil
}

// reader is where Get and List read: the pool, or the transaction of the
// wrapper's operation that asked, when that transaction is on this
// database and holds every connection the pool may open. A keyset reload
// there (first use, or the cache's TTL ending) would otherwise wait for a
// connection that only the transaction's end gives back. Writes never go
// through the transaction: a keyset must not vanish with its rollback.
func (s *KeysetStore) reader(ctx context.Context) querier {
	if t, ok := ctx.Value(storeTxKey{}).(storeTx); ok && t.db == s.db {
		if st := s.db.Stats(); st.MaxOpenConnections > 0 && st.InUse >= st.MaxOpenConnections {
			return t.tx
		}
	}
	return s.db
}

// Get implements cipher.Store.
func (s *KeysetStore) Get(ctx context.Context, scope string, p cipher.Purpose) (*cipher.Record, error) {
	var (
		gen int64
		b   []byte
	)
	err := s.reader(ctx).QueryRowContext(ctx, s.q.get, scope, int64(p)).Scan(&gen, &b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ksErr(scope, p, cipher.ErrKeysetNotFound)
	}
	if err != nil {
		return nil, ksErr(scope, p, err)
	}
	return ksDecode(scope, p, gen, b)
}

// Put implements cipher.Store. With prev 0 it inserts and fails with
// cipher.ErrConflict if the row exists; otherwise it replaces the row only
// if its generation is still prev, and fails with cipher.ErrConflict if
// another writer got there first. rec.Generation must exceed prev.
func (s *KeysetStore) Put(ctx context.Context, rec *cipher.Record, prev uint64) error {
	if rec == nil {
		return errors.New("phicrypt: keyset store: nil record")
	}
	b, err := rec.MarshalBinary()
	if err != nil {
		return ksErr(rec.Scope, rec.Purpose, err)
	}
	switch {
	case utf8.RuneCountInString(rec.Scope) > ksMaxScope:
		return ksErr(rec.Scope, rec.Purpose, fmt.Errorf("%w: scope longer than %d characters", cipher.ErrBadRecord, ksMaxScope))
	case rec.Generation > math.MaxInt64:
		return ksErr(rec.Scope, rec.Purpose, fmt.Errorf("%w: generation %d does not fit a BIGINT", cipher.ErrBadRecord, rec.Generation))
	case rec.Generation <= prev:
		// An unchanged generation would let a later writer's CAS succeed
		// against a record it never read, and MySQL would report an
		// identical row as 0 rows affected.
		return ksErr(rec.Scope, rec.Purpose, fmt.Errorf("generation %d must be greater than the replaced generation %d", rec.Generation, prev))
	}
	if prev == 0 {
		_, err := s.db.ExecContext(ctx, s.q.insert, rec.Scope, int64(rec.Purpose), int64(rec.Generation), rec.KEK, b)
		if ksUniqueViolation(err) {
			return ksErr(rec.Scope, rec.Purpose, fmt.Errorf("%w: a record already exists", cipher.ErrConflict))
		}
		if err != nil {
			return ksErr(rec.Scope, rec.Purpose, err)
		}
		return nil
	}
	res, err := s.db.ExecContext(ctx, s.q.update, int64(rec.Generation), rec.KEK, b, rec.Scope, int64(rec.Purpose), int64(prev))
	if err != nil {
		return ksErr(rec.Scope, rec.Purpose, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return ksErr(rec.Scope, rec.Purpose, err)
	}
	if n == 0 {
		return ksErr(rec.Scope, rec.Purpose, fmt.Errorf("%w: no record at generation %d", cipher.ErrConflict, prev))
	}
	return nil
}

// ksUniqueViolation reports whether err is a duplicate-key error from
// PostgreSQL, MySQL/MariaDB or SQLite. Drivers are recognised by the
// methods and texts of their errors, never by importing them, so that the
// library links no driver the application did not choose: SQLSTATE 23505
// through a SQLState() method (pgx, lib/pq style), MySQL's error 1062 by
// its text "Error 1062 (23000): …", SQLite's extended result codes
// (SQLITE_CONSTRAINT_PRIMARYKEY, _UNIQUE) through a Code() method, and
// SQLite's message for drivers that report no codes.
func ksUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	var st interface{ SQLState() string }
	if errors.As(err, &st) {
		return st.SQLState() == "23505"
	}
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		if c := coded.Code(); c == 1555 || c == 2067 {
			return true
		}
	}
	msg := err.Error()
	return strings.Contains(msg, "Error 1062 (") || strings.Contains(msg, "Error 1062:") ||
		strings.Contains(msg, "UNIQUE constraint failed")
}

// List implements cipher.Store. Records come sorted by scope, then
// purpose, in byte order whatever the database's collation.
func (s *KeysetStore) List(ctx context.Context) ([]*cipher.Record, error) {
	rows, err := s.reader(ctx).QueryContext(ctx, s.q.list)
	if err != nil {
		return nil, wrapf(err, "keyset store: list")
	}
	defer rows.Close()
	var out []*cipher.Record
	for rows.Next() {
		var (
			scope   string
			purpose int64
			gen     int64
			b       []byte
		)
		if err := rows.Scan(&scope, &purpose, &gen, &b); err != nil {
			return nil, wrapf(err, "keyset store: list")
		}
		if purpose < 0 || purpose > math.MaxUint8 {
			return nil, ksErr(scope, cipher.Purpose(0), fmt.Errorf("%w: purpose %d", cipher.ErrBadRecord, purpose))
		}
		r, err := ksDecode(scope, cipher.Purpose(purpose), gen, b)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapf(err, "keyset store: list")
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Scope != out[j].Scope {
			return out[i].Scope < out[j].Scope
		}
		return out[i].Purpose < out[j].Purpose
	})
	return out, nil
}
