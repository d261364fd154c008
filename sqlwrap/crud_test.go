package sqlwrap

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// collidingRows inserts 200 rows into a 4-bit fixture: 50 MRNs, 4 rows
// each, in 16 token buckets, so every MRN's bucket holds other MRNs.
func collidingRows(t *testing.T, d testdb.Dialect) *fixture {
	t.Helper()
	f := newFixture(t, d, patientSchema(4))
	var rows []Row
	for i := 1; i <= 200; i++ {
		rows = append(rows, Row{"id": int64(i), "ssn": fmt.Sprintf("900-%02d-%04d", i%7, i), "mrn": fmt.Sprintf("MRN-%04d", i%50),
			"last_name": fmt.Sprintf("Name%03d", i%40), "first_name": "X", "dob": cipher.Date{Year: 1950 + i%3, Month: 1, Day: 1 + i%28},
			"city": []string{"Boston", "Miami"}[i%2], "age": int64(i)})
	}
	if _, err := f.pats.InsertBatch(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestIssue9_4_CountExactUnderCollisions(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := collidingRows(t, d)
		// 50 MRNs in 16 buckets: some bucket holds rows of several MRNs
		// whatever the keys, so some Count below has false positives to drop.
		var candidates int64
		tok := f.sql.QueryRowContext(ctx, "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM patients GROUP BY mrn_eq) AS buckets")
		if err := tok.Scan(&candidates); err != nil {
			t.Fatal(err)
		}
		if candidates <= 4 {
			t.Fatalf("the largest token bucket holds %d rows: no false positives to drop", candidates)
		}
		for m := 0; m < 50; m++ {
			n, err := f.pats.Count(ctx, Query{Where: []Pred{Eq("mrn", fmt.Sprintf("MRN-%04d", m))}})
			if err != nil || n != 4 {
				t.Fatalf("Count MRN-%04d = %d, %v; want 4", m, n, err)
			}
		}
		cases := []struct {
			q    Query
			want int64
		}{
			{Query{}, 200},
			{Query{Where: []Pred{Eq("city", "Boston")}}, 100},
			{Query{Where: []Pred{Eq("city", "Boston"), Gt("age", 150)}}, 25},
			{Query{Where: []Pred{Eq("city", "Boston")}, Offset: 90, Limit: 20}, 10},
			{Query{Where: []Pred{Eq("mrn", "MRN-0007"), Eq("city", "Miami")}}, 4},
			{Query{Where: []Pred{Eq("mrn", "MRN-0007")}, Offset: 1}, 3},
			{Query{Where: []Pred{Eq("mrn", "MRN-0007")}, Limit: 2}, 2},
			{Query{Where: []Pred{Eq("mrn", "MRN-0007")}, After: int64(100)}, 2},
			{Query{Where: []Pred{Eq("last_name", "NAME007")}}, 5},
			{Query{Where: []Pred{Prefix("last_name", "nam"), Eq("city", "Boston")}}, 100},
			{Query{Where: []Pred{Eq("last_name", "name007"), Eq("dob", cipher.Date{Year: 1950 + 47%3, Month: 1, Day: 1 + 47%28})}}, 1},
		}
		for i, c := range cases {
			n, err := f.pats.Count(ctx, c.q)
			if err != nil || n != c.want {
				t.Fatalf("case %d: Count = %d, %v; want %d", i, n, err, c.want)
			}
			rows, err := f.pats.Find(ctx, c.q)
			if err != nil || int64(len(rows)) != c.want {
				t.Fatalf("case %d: Find gave %d rows, %v; want %d", i, len(rows), err, c.want)
			}
		}
		if _, err := f.pats.Count(ctx, Query{Where: []Pred{Lt("ssn", "1")}}); err == nil {
			t.Fatal("Count with a range on a protected column was not refused")
		}
	})
}

func TestIssue9_4_OffsetAndAfterPaginateAfterFiltering(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := collidingRows(t, d)
		// MRN-0007 is ids 7, 57, 107, 157; its bucket holds others.
		pred := []Pred{Eq("mrn", "MRN-0007")}
		var byOffset []int64
		for off := 0; off < 6; off++ {
			rows, err := f.pats.Find(ctx, Query{Where: pred, OrderBy: []Order{{Col: "id"}}, Offset: off, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if off >= 4 {
				if len(rows) != 0 {
					t.Fatalf("offset %d: %v, want none", off, ids(rows))
				}
				continue
			}
			if len(rows) != 1 {
				t.Fatalf("offset %d: %d rows, want 1", off, len(rows))
			}
			byOffset = append(byOffset, toInt64(rows[0]["id"]))
		}
		if fmt.Sprint(byOffset) != "[7 57 107 157]" {
			t.Fatalf("pages by Offset: %v", byOffset)
		}
		var byAfter []int64
		var after any
		for range 10 {
			rows, err := f.pats.Find(ctx, Query{Where: pred, After: after, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) == 0 {
				break
			}
			after = rows[0]["id"]
			byAfter = append(byAfter, toInt64(after))
		}
		if fmt.Sprint(byAfter) != "[7 57 107 157]" {
			t.Fatalf("pages by After: %v", byAfter)
		}
		// Plain-only pages, two at a time.
		rows, err := f.pats.Find(ctx, Query{Where: []Pred{Eq("city", "Miami")}, After: int64(190), Limit: 2})
		if err != nil || fmt.Sprint(ids(rows)) != "[191 193]" {
			t.Fatalf("plain After page: %v, %v", ids(rows), err)
		}
		rows, err = f.pats.Find(ctx, Query{OrderBy: []Order{{Col: "id", Desc: true}}, Offset: 3, Limit: 2})
		if err != nil || fmt.Sprint(ids(rows)) != "[196 197]" {
			t.Fatalf("Offset under ORDER BY id DESC: %v, %v", ids(rows), err)
		}
		rows, err = f.pats.Find(ctx, Query{Where: []Pred{Eq("city", "Miami")}, OrderBy: []Order{{Col: "id"}}, Offset: 98})
		if err != nil || fmt.Sprint(ids(rows)) != "[197 199]" {
			t.Fatalf("Offset without Limit: %v, %v", ids(rows), err)
		}
		if _, err := f.pats.Find(ctx, Query{After: int64(1), OrderBy: []Order{{Col: "age"}}}); err == nil {
			t.Fatal("After with an order other than the key was not refused")
		}
		if _, err := f.pats.Find(ctx, Query{Offset: -1}); err == nil {
			t.Fatal("negative offset was not refused")
		}
	})
}

func TestIssue9_4_RowsStreamsAndCloses(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := collidingRows(t, d)
		f.sql.SetMaxOpenConns(1)
		var got []int64
		for r, err := range f.pats.Rows(ctx, Query{Where: []Pred{Eq("mrn", "MRN-0007")}, OrderBy: []Order{{Col: "id"}}}) {
			if err != nil {
				t.Fatal(err)
			}
			if r["mrn"] != "MRN-0007" {
				t.Fatalf("row %v has mrn %v", r["id"], r["mrn"])
			}
			got = append(got, toInt64(r["id"]))
		}
		if fmt.Sprint(got) != "[7 57 107 157]" {
			t.Fatalf("streamed %v", got)
		}
		n := 0
		for r, err := range f.pats.Rows(ctx, Query{OrderBy: []Order{{Col: "id"}}}) {
			if err != nil {
				t.Fatal(err)
			}
			n++
			if want := fmt.Sprintf("Name%03d", n%40); r["last_name"] != want {
				t.Fatalf("row %d: last_name %v, want %s", n, r["last_name"], want)
			}
		}
		if n != 200 {
			t.Fatalf("streamed %d rows, want 200", n)
		}
		// An early break must give the only connection back.
		for _, err := range f.pats.Rows(ctx, Query{}) {
			if err != nil {
				t.Fatal(err)
			}
			break
		}
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if r, err := f.pats.Get(cctx, int64(3)); err != nil || r["mrn"] != "MRN-0003" {
			t.Fatalf("Get after an early break: %v, %v", r, err)
		}
		// A refused query comes out as the loop's error.
		var errs int
		for r, err := range f.pats.Rows(ctx, Query{Where: []Pred{Lt("ssn", "1")}}) {
			if err == nil || r != nil {
				t.Fatalf("refused query gave %v, %v", r, err)
			}
			errs++
		}
		if errs != 1 {
			t.Fatalf("%d errors, want 1", errs)
		}
	})
}
