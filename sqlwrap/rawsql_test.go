package sqlwrap

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// joinHit is a row of the hand-written JOIN, scanned by sqlx.
type joinHit struct {
	ID       int64  `db:"id"`
	SSN      Sealed `db:"ssn"`
	LastName Sealed `db:"last_name"`
	EncID    int64  `db:"enc_id"`
}

// TestIssue9_2_JoinSearchesExactly searches patients JOIN encounters by
// Eq on the SSN and Prefix on the last name through TableAccess.Filter,
// with 4-bit SSN tokens so that buckets collide, scans the rows with sqlx
// Select into a struct of Sealed fields, opens them and keeps what
// Filter.Match accepts: the answer is exactly the matching rows.
func TestIssue9_2_JoinSearchesExactly(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(4))
		createEncounters(t, f.sql)
		type pat struct {
			id        int64
			ssn, last string
		}
		var pats []pat
		var rows []Row
		for i := 1; i <= 120; i++ {
			// 20 SSNs in 16 buckets: some bucket holds two of them. Every
			// SSN has names of both kinds (gcd(20, 3) = 1).
			p := pat{id: int64(i), ssn: fmt.Sprintf("900-11-%04d", i%20), last: fmt.Sprintf("Jones%03d", i)}
			if i%3 == 0 {
				p.last = fmt.Sprintf("Smith%03d", i)
			}
			pats = append(pats, p)
			rows = append(rows, Row{"id": p.id, "ssn": p.ssn, "mrn": fmt.Sprintf("MRN-%d", i), "last_name": p.last, "first_name": "X",
				"dob": cipher.Date{Year: 1960, Month: 1, Day: 1 + i%28}})
		}
		if _, err := f.pats.InsertBatch(ctx, rows); err != nil {
			t.Fatal(err)
		}
		// Two encounters per patient, one a checkup.
		for _, p := range pats {
			for k, reason := range []string{"checkup", "surgery"} {
				if _, err := f.sql.ExecContext(ctx, "INSERT INTO encounters (id, patient_id, reason) VALUES ("+testPH(d, 1)+", "+testPH(d, 2)+", "+testPH(d, 3)+")",
					p.id*10+int64(k), p.id, reason); err != nil {
					t.Fatal(err)
				}
			}
		}
		xdb := sqlx.NewDb(f.sql, d.Driver())
		candidates, exact := 0, 0
		for s := 0; s < 20; s++ {
			ssn := fmt.Sprintf("900 11 %04d", s)
			flt, err := f.pats.Filter(ctx, "p", 2, Eq("ssn", ssn), Prefix("last_name", "smi"))
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(flt.Columns()) != "[ssn last_name]" {
				t.Fatalf("columns to open: %v", flt.Columns())
			}
			if d == testdb.DialectPostgres && strings.Contains(flt.Where, "$1") {
				t.Fatalf("placeholders not numbered from 2: %s", flt.Where)
			}
			q := "SELECT p.id, p.ssn, p.last_name, e.id AS enc_id FROM patients p JOIN encounters e ON e.patient_id = p.id WHERE e.reason = " +
				testPH(d, 1) + " AND " + flt.Where + " ORDER BY e.id"
			var hits []joinHit
			if err := xdb.SelectContext(ctx, &hits, q, append([]any{"checkup"}, flt.Args...)...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			var got []int64
			for _, h := range hits {
				ssnV, err := f.pats.Open(ctx, "ssn", h.SSN, h.ID)
				if err != nil {
					t.Fatal(err)
				}
				lastV, err := f.pats.Open(ctx, "last_name", &h.LastName, h.ID)
				if err != nil {
					t.Fatal(err)
				}
				ok, err := flt.Match(Row{"ssn": ssnV, "last_name": lastV})
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					got = append(got, h.EncID)
				}
			}
			var want []int64
			for _, p := range pats {
				if p.ssn == fmt.Sprintf("900-11-%04d", s) && strings.HasPrefix(p.last, "Smith") {
					want = append(want, p.id*10)
				}
			}
			sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
			if fmt.Sprint(got) != fmt.Sprint(want) || len(want) == 0 {
				t.Fatalf("ssn %s: encounters %v, want %v", ssn, got, want)
			}
			candidates += len(hits)
			exact += len(got)
		}
		if candidates <= exact {
			t.Fatalf("%d candidates for %d matches: the tokens had no collisions to filter", candidates, exact)
		}
		t.Logf("%s: %d candidate rows, %d after Match", d, candidates, exact)
	})
}

// TestIssue9_2_OpenFailsClosed checks Open and Sealed on the edges: NULL,
// a ciphertext opened under another row's binding, a missing binding, a
// plain column, and Match without the values it needs.
func TestIssue9_2_OpenFailsClosed(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(24))
		if _, err := f.pats.InsertBatch(ctx, samplePatients); err != nil {
			t.Fatal(err)
		}
		xdb := sqlx.NewDb(f.sql, d.Driver())
		var got []struct {
			ID  int64  `db:"id"`
			SSN Sealed `db:"ssn"`
		}
		if err := xdb.SelectContext(ctx, &got, "SELECT id, ssn FROM patients ORDER BY id"); err != nil {
			t.Fatal(err)
		}
		if len(got) != 5 || !got[3].SSN.Null() || got[0].SSN.Null() {
			t.Fatalf("scanned %d rows", len(got))
		}
		// StructScan of one row, row by row.
		xr, err := xdb.QueryxContext(ctx, "SELECT id, last_name FROM patients WHERE id = "+testPH(d, 1), int64(5))
		if err != nil {
			t.Fatal(err)
		}
		var one struct {
			ID       int64   `db:"id"`
			LastName *Sealed `db:"last_name"`
		}
		for xr.Next() {
			if err := xr.StructScan(&one); err != nil {
				t.Fatal(err)
			}
		}
		if err := xr.Close(); err != nil {
			t.Fatal(err)
		}
		if v, err := f.pats.Open(ctx, "last_name", one.LastName, one.ID); err != nil || v != "GARCÍA" {
			t.Fatalf("StructScan then Open: %v, %v", v, err)
		}
		if v, err := f.pats.Open(ctx, "ssn", got[3].SSN, got[3].ID); err != nil || v != nil {
			t.Fatalf("NULL: %v, %v", v, err)
		}
		if v, err := f.pats.Open(ctx, "ssn", got[0].SSN, got[0].ID); err != nil || v != "078-05-1120" {
			t.Fatalf("open: %v, %v", v, err)
		}
		if _, err := f.pats.Open(ctx, "ssn", got[0].SSN, got[1].ID); !errors.Is(err, cipher.ErrMisplaced) || strings.Contains(err.Error(), "078-05-1120") {
			t.Fatalf("other row's binding: %v", err)
		}
		if _, err := f.pats.Open(ctx, "ssn", got[0].SSN, nil); !errors.Is(err, ErrRowBinding) {
			t.Fatalf("no binding: %v", err)
		}
		if _, err := f.pats.Open(ctx, "city", []byte("x"), int64(1)); !errors.Is(err, ErrUnknownColumn) {
			t.Fatalf("plain column: %v", err)
		}
		var nilTA *TableAccess
		if _, err := nilTA.Open(ctx, "ssn", nil, nil); !errors.Is(err, ErrUnbound) {
			t.Fatalf("nil table: %v", err)
		}
		if _, err := nilTA.Filter(ctx, "p", 1); !errors.Is(err, ErrUnbound) {
			t.Fatalf("nil table filter: %v", err)
		}
		if _, err := f.pats.Filter(ctx, "p; DROP TABLE patients", 1, Eq("ssn", "1")); !errors.Is(err, ErrUnsupported) {
			t.Fatalf("bad alias: %v", err)
		}
		if _, err := f.pats.Filter(ctx, "p", 0, Eq("ssn", "1")); !errors.Is(err, ErrUnsupported) {
			t.Fatalf("placeholder 0: %v", err)
		}
		if _, err := f.pats.Filter(ctx, "p", 1, Gt("ssn", "1")); !errors.Is(err, ErrUnsupported) {
			t.Fatalf("range on ciphertext: %v", err)
		}
		flt, err := f.pats.Filter(ctx, "", 1, Eq("ssn", "078051120"), Eq("city", "Boston"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := flt.Match(Row{}); !errors.Is(err, ErrUnknownColumn) {
			t.Fatalf("match without values: %v", err)
		}
		var n int
		if err := f.sql.QueryRowContext(ctx, "SELECT COUNT(*) FROM patients WHERE "+flt.Where, flt.Args...).Scan(&n); err != nil || n != 1 {
			t.Fatalf("unaliased filter %s: %d, %v", flt.Where, n, err)
		}
		// Substring and compound conditions under an alias.
		for name, c := range map[string]struct {
			preds []Pred
			want  string
		}{
			"contains": {[]Pred{Contains("notes", "PENICILLIN")}, "[1 4]"},
			"compound": {[]Pred{Eq("last_name", "nunez"), Eq("dob", cipher.Date{Year: 1948, Month: 3, Day: 17})}, "[1]"},
			"plain":    {[]Pred{Eq("city", "Boston"), Prefix("last_name", "sm")}, "[3]"},
		} {
			flt, err := f.pats.Filter(ctx, "p", 1, c.preds...)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := xdb.QueryxContext(ctx, "SELECT p.id, p.notes, p.last_name, p.dob FROM patients p WHERE "+flt.Where+" ORDER BY p.id", flt.Args...)
			if err != nil {
				t.Fatalf("%s: %s: %v", name, flt.Where, err)
			}
			var ids []int64
			for rows.Next() {
				var id int64
				var notes, last, dob Sealed
				if err := rows.Scan(&id, &notes, &last, &dob); err != nil {
					t.Fatal(err)
				}
				r := Row{}
				for col, s := range map[string]Sealed{"notes": notes, "last_name": last, "dob": dob} {
					if r[col], err = f.pats.Open(ctx, col, s, id); err != nil {
						t.Fatal(err)
					}
				}
				if ok, err := flt.Match(r); err != nil {
					t.Fatal(err)
				} else if ok {
					ids = append(ids, id)
				}
			}
			rows.Close()
			if fmt.Sprint(ids) != c.want {
				t.Errorf("%s: %v, want %s", name, ids, c.want)
			}
		}
		var s Sealed
		if err := s.Scan(int64(3)); !errors.Is(err, ErrWrongType) {
			t.Fatalf("scan integer: %v", err)
		}
		var ns *Sealed
		if err := ns.Scan([]byte("x")); !errors.Is(err, ErrUnbound) {
			t.Fatalf("scan into nil: %v", err)
		}
	})
}
