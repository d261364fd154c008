package sqlwrap

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// migCase is a search and the rows it must return, decided in Go on the
// plaintext.
type migCase struct {
	name  string
	q     Query
	match func(Row) bool
	// page, if set, cuts the sorted matching keys as the query's Limit,
	// Offset or After do.
	page func([]int64) []int64
}

func digitsOf(v any) string {
	s, _ := v.(string)
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func migCases(want map[int64]Row) []migCase {
	w := func(p ...Pred) Query { return Query{Where: p} }
	str := func(r Row, c string) string { s, _ := r[c].(string); return s }
	// A date some Smith has, for the compound index.
	var smithDOB cipher.Date
	for _, id := range slices.Sorted(maps.Keys(want)) {
		if r := want[id]; r["lname"] == "Smith" && r["dob"] != nil {
			smithDOB = r["dob"].(cipher.Date)
			break
		}
	}
	return []migCase{
		{name: "eq folded", q: w(Eq("lname", "smith")), match: func(r Row) bool { return r["lname"] == "Smith" }},
		{name: "eq diacritics", q: w(Eq("lname", "NUNEZ")), match: func(r Row) bool { return r["lname"] == "Núñez" }},
		{name: "eq digits", q: w(Eq("ss", "078 05 1120")), match: func(r Row) bool { return r["ss"] == "078-05-1120" }},
		{name: "eq via last4", q: w(EqVia("ss", "ss_last4", "x1120")), match: func(r Row) bool {
			d := digitsOf(r["ss"])
			return len(d) >= 4 && strings.HasSuffix(d, "1120")
		}},
		{name: "in", q: w(In("phone_cell", "617 555 0053", "(617) 555-0106", "000")), match: func(r Row) bool {
			d := digitsOf(r["phone_cell"])
			return d == "6175550053" || d == "6175550106"
		}},
		{name: "prefix", q: w(Prefix("lname", "smi")), match: func(r Row) bool { return strings.HasPrefix(str(r, "lname"), "Smi") }},
		{name: "prefix diacritics", q: w(Prefix("lname", "nu")), match: func(r Row) bool { return r["lname"] == "Núñez" || r["lname"] == "Nunes" }},
		{name: "contains", q: w(Contains("email", "PT1")), match: func(r Row) bool { return strings.Contains(str(r, "email"), "pt1") }},
		{name: "compound", q: w(Eq("lname", "SMITH"), Eq("dob", smithDOB)), match: func(r Row) bool { return r["lname"] == "Smith" && r["dob"] == smithDOB }},
		{name: "is null", q: w(IsNull("dob_text")), match: func(r Row) bool { return r["dob_text"] == nil }},
		{name: "is null email", q: w(IsNull("email")), match: func(r Row) bool { return r["email"] == nil }},
		{name: "not null", q: w(NotNull("email")), match: func(r Row) bool { return r["email"] != nil }},
		{name: "plain", q: w(Eq("pid", 1005)), match: func(r Row) bool { return r["pid"] == int64(1005) }},
		{name: "plain and protected", q: w(Gt("pid", 1010), Eq("postal_code", "02139")), match: func(r Row) bool { return r["pid"].(int64) > 1010 && r["postal_code"] == "02139" }},
		{name: "limit offset", q: Query{Where: []Pred{Eq("postal_code", " 02139 ")}, OrderBy: []Order{{Col: "id"}}, Limit: 3, Offset: 2},
			match: func(r Row) bool { return r["postal_code"] == "02139" },
			page:  func(ids []int64) []int64 { return ids[min(2, len(ids)):min(5, len(ids))] }},
		{name: "after", q: Query{Where: []Pred{Eq("postal_code", "02139")}, After: int64(10), Limit: 4},
			match: func(r Row) bool { return r["postal_code"] == "02139" },
			page: func(ids []int64) []int64 {
				i, _ := slices.BinarySearch(ids, 11)
				return ids[i:min(i+4, len(ids))]
			}},
	}
}

// checkSearches runs every case through Find, Count and Rows and compares
// with the plaintext's answer.
func checkSearches(t *testing.T, stage string, ta *TableAccess, want map[int64]Row, skip ...string) {
	t.Helper()
	ctx := context.Background()
	for _, c := range migCases(want) {
		if slices.Contains(skip, c.name) {
			continue
		}
		var exp []int64
		for _, id := range slices.Sorted(maps.Keys(want)) {
			if c.match(want[id]) {
				exp = append(exp, id)
			}
		}
		if c.page != nil {
			exp = c.page(exp)
		}
		rows, err := ta.Find(ctx, c.q)
		if err != nil {
			t.Fatalf("%s: %s: %v", stage, c.name, err)
		}
		got := ids(rows)
		if fmt.Sprint(got) != fmt.Sprint(exp) {
			t.Errorf("%s: %s: got %v, want %v", stage, c.name, got, exp)
		}
		for _, r := range rows {
			if !reflect.DeepEqual(r, want[toInt64(r["id"])]) {
				t.Errorf("%s: %s: row %v:\n got %v\nwant %v", stage, c.name, r["id"], r, want[toInt64(r["id"])])
			}
		}
		n, err := ta.Count(ctx, c.q)
		if err != nil || n != int64(len(exp)) {
			t.Errorf("%s: %s: Count %d, %v, want %d", stage, c.name, n, err, len(exp))
		}
		var it []Row
		for r, err := range ta.Rows(ctx, c.q) {
			if err != nil {
				t.Fatalf("%s: %s: Rows: %v", stage, c.name, err)
			}
			it = append(it, r)
		}
		if fmt.Sprint(ids(it)) != fmt.Sprint(exp) {
			t.Errorf("%s: %s: Rows got %v, want %v", stage, c.name, ids(it), exp)
		}
	}
}

type pdTyped struct {
	ID         int64        `db:"id"`
	Pid        int64        `db:"pid"`
	Fname      string       `db:"fname"`
	Lname      string       `db:"lname"`
	SS         *string      `db:"ss"`
	DOB        *cipher.Date `db:"dob"`
	DOBText    *cipher.Date `db:"dob_text"`
	Email      *string      `db:"email"`
	PhoneCell  string       `db:"phone_cell"`
	PostalCode *string      `db:"postal_code"`
}

func TestMigratingModeReadsSearchesWrites(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		const n = 40
		rows := pdRows(n)
		want := wantRows(rows)
		f := migratingFixture(t, d, rows)

		// Every index of the new columns is ready: the unmigrated rows are
		// found through their plaintext, not their (missing) tokens.
		var building int
		if err := f.sql.QueryRowContext(ctx, "SELECT COUNT(*) FROM phicrypt_indexes WHERE state <> 'ready'").Scan(&building); err != nil || building != 0 {
			t.Fatalf("%d indexes not ready after EnsureSchema (%v)", building, err)
		}
		checkGet(t, "before", f.pats, want)
		checkSearches(t, "before", f.pats, want)
		tp, err := For[pdTyped](f.db, "patient_data")
		if err != nil {
			t.Fatal(err)
		}
		if v, err := tp.Get(ctx, int64(1)); err != nil || v.Lname != want[1]["lname"] || *v.SS != "078-05-1120" || *v.DOB != want[1]["dob"] || v.Pid != 1001 {
			t.Fatalf("typed Get: %+v, %v", v, err)
		}

		if _, err := f.pats.MigrateRows(ctx, MigrateRange{Limit: n / 2}); err != nil {
			t.Fatal(err)
		}
		checkGet(t, "partway", f.pats, want)
		checkSearches(t, "partway", f.pats, want)

		// A row migrated while a search reads its candidates: the answer
		// stays exact.
		q := Query{Where: []Pred{Eq("postal_code", "02139")}}
		var exp, got []int64
		for _, id := range slices.Sorted(maps.Keys(want)) {
			if want[id]["postal_code"] == "02139" {
				exp = append(exp, id)
			}
		}
		migrated := false
		for r, err := range f.pats.Rows(ctx, q) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, toInt64(r["id"]))
			if !migrated {
				migrated = true
				if _, err := f.pats.MigrateRows(ctx, MigrateRange{After: int64(n / 2), Limit: n / 4}); err != nil {
					t.Fatal(err)
				}
			}
		}
		slices.Sort(got)
		if fmt.Sprint(got) != fmt.Sprint(exp) {
			t.Fatalf("search across a migration: got %v, want %v", got, exp)
		}
		checkSearches(t, "three quarters", f.pats, want)

		// Writes during the migration seal and clear the plaintext of what
		// they write.
		newRow := Row{"id": int64(500), "pid": int64(5000), "fname": "Nia", "lname": "Smith", "ss": "555-12-3456", "dob": cipher.Date{Year: 1977, Month: 7, Day: 7},
			"dob_text": nil, "email": "nia.pt500@example.org", "phone_cell": "617-555-0106", "postal_code": "02139"}
		if _, err := f.pats.Insert(ctx, newRow); err != nil {
			t.Fatal(err)
		}
		want[500] = newRow
		if err := f.pats.Update(ctx, int64(n), Row{"lname": "Zed", "email": nil}); err != nil {
			t.Fatal(err)
		}
		want[n]["lname"], want[n]["email"] = "Zed", nil
		if _, err := f.pats.Upsert(ctx, Row{"id": int64(n - 1), "ss": "078-05-1120"}); err != nil {
			t.Fatal(err)
		}
		want[n-1]["ss"] = "078-05-1120"
		if err := f.pats.Delete(ctx, int64(n-2)); err != nil {
			t.Fatal(err)
		}
		delete(want, n-2)
		tv := pdTyped{ID: 501, Pid: 5001, Fname: "Omar", Lname: "Nunes", PhoneCell: "617 555 0053"}
		if _, err := tp.Insert(ctx, &tv); err != nil {
			t.Fatal(err)
		}
		want[501] = Row{"id": int64(501), "pid": int64(5001), "fname": "Omar", "lname": "Nunes", "ss": nil, "dob": nil, "dob_text": nil, "email": nil, "phone_cell": "617 555 0053", "postal_code": nil}
		plainLeft := func(id int64, col string) bool {
			t.Helper()
			var left int
			if err := f.sql.QueryRowContext(ctx, fmt.Sprintf("SELECT COUNT(*) FROM patient_data WHERE id = %d AND %s__plain IS NOT NULL", id, col)).Scan(&left); err != nil {
				t.Fatal(err)
			}
			return left == 1
		}
		for _, c := range pdCols {
			if plainLeft(500, c.name) || plainLeft(501, c.name) {
				t.Errorf("insert left %s__plain", c.name)
			}
		}
		if plainLeft(n, "lname") || plainLeft(n, "email") || plainLeft(n-1, "ss") {
			t.Error("update or upsert left the plaintext of a column it wrote")
		}
		if !plainLeft(n, "fname") || !plainLeft(n-1, "lname") {
			t.Error("update cleared the plaintext of a column it did not write")
		}
		checkGet(t, "writes", f.pats, want)
		checkSearches(t, "writes", f.pats, want)
		if got, err := f.pats.Find(ctx, Query{Where: []Pred{Eq("lname", "zed"), Eq("dob", want[n]["dob"])}}); err != nil || fmt.Sprint(ids(got)) != fmt.Sprint([]int64{n}) {
			t.Fatalf("compound after a partial update of an unmigrated row: %v, %v", ids(got), err)
		}

		res, err := f.pats.MigrateRows(ctx, MigrateRange{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Bad) != 0 {
			t.Fatalf("bad values: %+v", res.Bad)
		}
		if u := unsealedCount(t, f, want, 0, 1000); u != 0 {
			t.Fatalf("%d values unsealed after the last batch", u)
		}
		checkGet(t, "after", f.pats, want)
		checkSearches(t, "after", f.pats, want)

		// The plaintext dropped under an open DB: it notices and goes on.
		dropPlain(t, f.sql)
		checkGet(t, "dropped", f.pats, want)
		checkSearches(t, "dropped", f.pats, want)
		if err := f.pats.Update(ctx, int64(1), Row{"email": "ana.new@example.org"}); err != nil {
			t.Fatal(err)
		}
		want[1]["email"] = "ana.new@example.org"
		newRow2 := maps.Clone(newRow)
		newRow2["id"], newRow2["pid"] = int64(502), int64(5002)
		if _, err := f.pats.Insert(ctx, newRow2); err != nil {
			t.Fatal(err)
		}
		want[502] = newRow2
		checkGet(t, "written after drop", f.pats, want)
		checkSearches(t, "written after drop", f.pats, want)
		if _, err := f.pats.MigrateRows(ctx, MigrateRange{}); !errors.Is(err, ErrUnsupported) {
			t.Fatalf("MigrateRows without plaintext columns: %v", err)
		}
	})
}

// TestMigratingReindex: an index whose definition changes in the middle
// of a migration is building until Reindex has rewritten the sealed rows;
// Reindex passes over the unmigrated ones, which reads find through their
// plaintext, and MigrateRows then writes their tokens under the new
// definition.
func TestMigratingReindex(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		rows := pdRows(30)
		want := wantRows(rows)
		f := migratingFixture(t, d, rows)
		// fname is NOT NULL and has no ciphertext yet in any row.
		if err := f.db.Reindex(ctx, "patient_data", "fname_eq", &ReindexOptions{BatchSize: 7}); err != nil {
			t.Fatalf("Reindex before any row is migrated: %v", err)
		}
		if _, err := f.pats.MigrateRows(ctx, MigrateRange{Limit: 10}); err != nil {
			t.Fatal(err)
		}

		s := pdSchema()
		c, _ := s.Tables[0].Column("ss")
		c.Equality[0].Bits = 20
		db2 := openOn(t, d, f.sql, s, f.kek)
		if err := db2.EnsureSchema(ctx); err != nil {
			t.Fatal(err)
		}
		p2, _ := db2.Table("patient_data")
		if _, err := p2.Find(ctx, Query{Where: []Pred{Eq("ss", "078-05-1120")}}); !errors.Is(err, ErrIndexNotReady) {
			t.Fatalf("changed index before Reindex: %v", err)
		}
		// Other indexes answer as before.
		checkSearches(t, "changed", p2, want, "eq digits")
		if err := db2.Reindex(ctx, "patient_data", "ss_eq", &ReindexOptions{BatchSize: 4}); err != nil {
			t.Fatal(err)
		}
		checkSearches(t, "reindexed", p2, want)
		if _, err := p2.MigrateRows(ctx, MigrateRange{}); err != nil {
			t.Fatal(err)
		}
		checkSearches(t, "migrated", p2, want)
		dropPlain(t, f.sql)
		checkSearches(t, "dropped", p2, want)
	})
}
