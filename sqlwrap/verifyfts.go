package sqlwrap

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
)

// SQLite FTS5 documents are checked against one read of each index's
// terms: a MATCH per row walks the whole doclist of every common gram
// (a frequent name prefix is in thousands of rows), which made a check
// of a large table quadratic. Before the walk, an fts5vocab table over
// the index lists every (term, row) pair once; each row's document is
// kept as the sum of a hash of its terms, which the walk compares with
// the sum over the words the row's value gives. The terms and the rows
// are read in one read transaction, so they agree however the
// application writes meanwhile; unlike MATCH, the sums also see words a
// document holds beyond those of its value.

// ftsDigests holds, per FTS5 index, each rowid's sum of term hashes.
type ftsDigests map[string]map[int64]uint64

func termHash(term string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(term))
	return h.Sum64()
}

// docDigest is the digest of a document: the sum of its words' hashes.
func docDigest(doc string) uint64 {
	var sum uint64
	for _, w := range strings.Fields(doc) {
		sum += termHash(w)
	}
	return sum
}

// beginSnapshot, on SQLite, takes one connection and starts a deferred
// read transaction on it, so that every read of the walk (the rows and
// the FTS5 index terms) sees the same snapshot of the database however
// the application writes meanwhile (WAL mode: writers are not blocked).
// It then reads the terms of every FTS5 index of the table. end ends the
// transaction and gives the connection back.
func (v *verifier) beginSnapshot(ctx context.Context) (end func(), err error) {
	v.q = v.ta.db.db
	if !v.d.fts {
		return func() {}, nil
	}
	conn, err := v.ta.db.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var vocabs []string
	end = func() {
		bg := context.WithoutCancel(ctx)
		conn.ExecContext(bg, "COMMIT")
		for _, vocab := range vocabs {
			conn.ExecContext(bg, fmt.Sprintf("DROP TABLE IF EXISTS temp.%s", v.d.q(vocab)))
		}
		conn.Close()
	}
	v.fts = ftsDigests{}
	var tables []string
	for _, vi := range v.defs {
		if vi.def.side == "" || vi.skip {
			continue
		}
		// A temp table belongs to its connection.
		vocab := "phicrypt_verify_" + vi.def.side
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("CREATE VIRTUAL TABLE IF NOT EXISTS temp.%s USING fts5vocab(main, %s, 'instance')", v.d.q(vocab), quoteLiteral(vi.def.side))); err != nil {
			end()
			return nil, fmt.Errorf("read the terms of %s: %w", vi.def.side, err)
		}
		vocabs, tables = append(vocabs, vocab), append(tables, vi.def.side)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN DEFERRED"); err != nil {
		end()
		return nil, err
	}
	v.q = conn
	for i, vocab := range vocabs {
		sums, err := v.readVocab(ctx, vocab)
		if err != nil {
			end()
			return nil, fmt.Errorf("read the terms of %s: %w", tables[i], err)
		}
		v.fts[tables[i]] = sums
	}
	return end, nil
}

// readVocab sums the term hashes of every document of an FTS5 index.
func (v *verifier) readVocab(ctx context.Context, vocab string) (map[int64]uint64, error) {
	rows, err := v.q.QueryContext(ctx, fmt.Sprintf("SELECT term, doc FROM temp.%s", v.d.q(vocab)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	sums := map[int64]uint64{}
	for rows.Next() {
		var term string
		var doc int64
		if err := rows.Scan(&term, &doc); err != nil {
			return nil, err
		}
		sums[doc] += termHash(term)
	}
	return sums, rows.Err()
}

// quoteLiteral quotes an SQL string literal (schema names hold no quote).
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// ftsMatches compares the document of the row with rowid with doc, as
// read in the walk's snapshot.
func (v *verifier) ftsMatches(rowid any, table, doc string) bool {
	id, ok := verifyStoredInt(rowid)
	if !ok {
		return false
	}
	sum, found := v.fts[table][id]
	if doc == "" {
		return !found
	}
	return found && sum == docDigest(doc)
}
