package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// query runs one needle end to end and returns the number of matching
// rows it fetched (and, for phicrypt, decrypted).
type query func(ctx context.Context, n Needle) (int, error)

// plainQuery is the plaintext table's query of kind on table: a
// prepared statement whose rows are scanned into Go values.
func (e *env) plainQuery(ctx context.Context, kind, table string) (query, func(), error) {
	sel := fmt.Sprintf("SELECT %s FROM %s WHERE ", strings.Join(columns, ", "), table)
	var where string
	var args func(n Needle) []any
	lower := func(s string) string { return strings.ToLower(s) }
	switch kind {
	case "eq_ssn":
		where = "ssn = " + e.ph(1)
		args = func(n Needle) []any { return []any{n.SSN} }
	case "eq_compound":
		where = fmt.Sprintf("last_name = %s AND dob = %s", e.ph(1), e.ph(2))
		args = func(n Needle) []any { return []any{n.Last, n.DOB.String()} }
	case "prefix3", "prefix5":
		switch e.dialect {
		case "postgres":
			where = "lower(last_name) LIKE " + e.ph(1)
			args = func(n Needle) []any { return []any{lower(n.Text) + "%"} }
		default:
			// SQLite's and MariaDB's LIKE fold case themselves.
			where = "last_name LIKE " + e.ph(1)
			args = func(n Needle) []any { return []any{n.Text + "%"} }
		}
	case "contains":
		switch e.dialect {
		case "postgres":
			where = "lower(last_name) LIKE " + e.ph(1)
			args = func(n Needle) []any { return []any{"%" + lower(n.Text) + "%"} }
		default:
			where = "last_name LIKE " + e.ph(1)
			args = func(n Needle) []any { return []any{"%" + n.Text + "%"} }
		}
	default:
		return nil, nil, fmt.Errorf("unknown query kind %q", kind)
	}
	st, err := e.plainDB.PrepareContext(ctx, sel+where)
	if err != nil {
		return nil, nil, fmt.Errorf("%s on %s: %w", kind, table, err)
	}
	q := func(ctx context.Context, n Needle) (int, error) {
		rows, err := st.QueryContext(ctx, args(n)...)
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		var (
			id                                            int64
			mrn, ssn, first, last, email, phone, sex, dob sql.NullString
			count                                         int
		)
		var dobT sql.NullTime
		dest := []any{&id, &mrn, &ssn, &first, &last, &dob, &email, &phone, &sex}
		if e.dialect != "sqlite" {
			dest[5] = &dobT
		}
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return 0, err
			}
			count++
		}
		return count, rows.Err()
	}
	return q, func() { st.Close() }, nil
}

// phiQuery is the wrapper's query of kind on ta: tokens, fetch, decrypt,
// drop false positives.
func phiQuery(kind string, ta *sqlwrap.TableAccess) (query, error) {
	var where func(n Needle) []sqlwrap.Pred
	switch kind {
	case "eq_ssn":
		where = func(n Needle) []sqlwrap.Pred { return []sqlwrap.Pred{sqlwrap.Eq("ssn", n.SSN)} }
	case "eq_compound":
		where = func(n Needle) []sqlwrap.Pred {
			return []sqlwrap.Pred{sqlwrap.Eq("last_name", n.Last), sqlwrap.Eq("dob", n.DOB)}
		}
	case "prefix3", "prefix5":
		where = func(n Needle) []sqlwrap.Pred { return []sqlwrap.Pred{sqlwrap.Prefix("last_name", n.Text)} }
	case "contains":
		where = func(n Needle) []sqlwrap.Pred { return []sqlwrap.Pred{sqlwrap.Contains("last_name", n.Text)} }
	default:
		return nil, fmt.Errorf("unknown query kind %q", kind)
	}
	return func(ctx context.Context, n Needle) (int, error) {
		rows, err := ta.Find(ctx, sqlwrap.Query{Where: where(n)})
		return len(rows), err
	}, nil
}

// csQuery is the CipherStash-style configuration's query: its trigram
// Bloom filter answers contains; a prefix is searched as contains and
// the rows not starting with it are dropped after decryption.
func csQuery(kind string, ta *sqlwrap.TableAccess) (query, error) {
	switch kind {
	case "contains":
		return phiQuery(kind, ta)
	case "prefix3", "prefix5":
		return func(ctx context.Context, n Needle) (int, error) {
			rows, err := ta.Find(ctx, sqlwrap.Query{Where: []sqlwrap.Pred{sqlwrap.Contains("last_name", n.Text)}})
			if err != nil {
				return 0, err
			}
			p := strings.ToLower(n.Text)
			count := 0
			for _, r := range rows {
				if s, _ := r["last_name"].(string); strings.HasPrefix(strings.ToLower(s), p) {
					count++
				}
			}
			return count, nil
		}, nil
	}
	return nil, fmt.Errorf("no CipherStash-style query of kind %q", kind)
}

// naiveQuery decrypts every row of ta and filters in Go: what an
// encrypted table without search tokens costs.
func naiveQuery(kind string, ta *sqlwrap.TableAccess) query {
	digits := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
	}
	return func(ctx context.Context, n Needle) (int, error) {
		count := 0
		for r, err := range ta.Rows(ctx, sqlwrap.Query{}) {
			if err != nil {
				return 0, err
			}
			last, _ := r["last_name"].(string)
			var ok bool
			switch kind {
			case "eq_ssn":
				s, _ := r["ssn"].(string)
				ok = digits(s) == digits(n.SSN)
			case "eq_compound":
				d, _ := r["dob"].(cipher.Date)
				ok = strings.EqualFold(last, n.Last) && d == n.DOB
			case "prefix3", "prefix5":
				ok = strings.HasPrefix(strings.ToLower(last), strings.ToLower(n.Text))
			case "contains":
				ok = strings.Contains(strings.ToLower(last), strings.ToLower(n.Text))
			}
			if ok {
				count++
			}
		}
		return count, nil
	}
}

// timed runs q and returns its duration.
func timed(ctx context.Context, q query, n Needle) (int, time.Duration, error) {
	t0 := time.Now()
	c, err := q(ctx, n)
	return c, time.Since(t0), err
}
