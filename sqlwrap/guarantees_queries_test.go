package sqlwrap

// Guarantees of searches and writes (issue 8, items 1, 2, 6, 7, 8); each
// test runs on SQLite, PostgreSQL and MariaDB:
//
//   - Item 1: every Go type a write accepts for a column is accepted by
//     every predicate on it (Eq, In, EqVia, compound Eq, Prefix, Contains,
//     and Eq/In on plain columns) with the same meaning: insert, then
//     find returns exactly the row.
//   - Item 2: Update of any subset of columns recomputes every compound
//     token the subset takes part in, reading the other parts inside the
//     same transaction.
//   - Item 6: keys and row-binding values are converted to the declared
//     key type on every path, or refused; no write leaves a row that
//     cannot be opened.
//   - Item 7: plain columns are type-checked on write, non-nullable ones
//     are NOT NULL in the tables EnsureSchema creates, and a protected
//     non-nullable column found NULL is an error.
//   - Item 8: a damaged row in a Find is named by its key (never a
//     value), and FindPartial returns the good rows and the damaged keys.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/keyprovider"
)

// --- items 1, 2, 6, 7, 8: values, keys, partial updates, damaged rows ---

// mixSchema is the suite's patient table with a protected column of every
// value type, a plain column of every SQL type, and compound indexes.
func mixSchema() *Schema {
	s := patientSchema(16)
	t := s.Tables[0]
	for _, c := range t.Columns {
		if c.Name == "dob" {
			c.Equality = []*EqualityIndex{{Name: "dob_eq", Bits: 12}}
		}
	}
	t.Columns = append(t.Columns,
		&Column{Name: "n_int", Type: TypeInt64, Nullable: true, Equality: []*EqualityIndex{{Name: "n_int_eq", Bits: 16}}},
		&Column{Name: "n_float", Type: TypeFloat64, Nullable: true, Equality: []*EqualityIndex{{Name: "n_float_eq", Bits: 16}}},
		&Column{Name: "flag", Type: TypeBool, Nullable: true, Equality: []*EqualityIndex{{Name: "flag_eq", Bits: 16, Force: true}}},
		&Column{Name: "blob", Type: TypeBytes, Nullable: true, Equality: []*EqualityIndex{{Name: "blob_eq", Bits: 16}}},
		&Column{Name: "ts", Type: TypeTimestamp, Nullable: true, Equality: []*EqualityIndex{{Name: "ts_eq", Bits: 16}}},
	)
	t.Plain = append(t.Plain,
		&PlainColumn{Name: "p_text", Type: "text", Nullable: true},
		&PlainColumn{Name: "p_int", Type: "integer", Nullable: true},
		&PlainColumn{Name: "p_real", Type: "real", Nullable: true},
		&PlainColumn{Name: "p_bool", Type: "boolean", Nullable: true},
		&PlainColumn{Name: "p_date", Type: "date", Nullable: true},
		&PlainColumn{Name: "p_ts", Type: "timestamp", Nullable: true},
		&PlainColumn{Name: "p_bytes", Type: "bytes", Nullable: true},
	)
	t.Compound = append(t.Compound, &CompoundIndex{Name: "mix", Bits: 16, Parts: []CompoundPart{
		{Column: "n_int"}, {Column: "n_float"}, {Column: "flag"}, {Column: "blob"}, {Column: "ts"}}})
	return s
}

// letters spells r in two lowercase letters, so names stay distinct under
// the prefix index's "letters" transform.
func letters(r int) string { return string([]byte{'a' + byte(r/26), 'a' + byte(r%26)}) }

func mixDate(r int) cipher.Date { return cipher.DateOf(time.Date(1950, 1, 1+r, 0, 0, 0, 0, time.UTC)) }

func mixTime(r int) time.Time {
	return time.Date(2020, 5, 6, 7, 8, 9, 123456789, time.UTC).Add(time.Duration(r) * time.Hour)
}

// mixRow is row r with distinct values in every column, in the Go types
// the wrapper has always accepted.
func mixRow(r int) Row {
	return Row{
		"id": int64(r), "ssn": fmt.Sprintf("900-00-%04d", r), "mrn": fmt.Sprintf("MRN-%04d", r),
		"last_name": "Name" + letters(r), "first_name": "F", "dob": mixDate(r),
		"notes": fmt.Sprintf("note %03d", r),
		"n_int": int64(50 + r), "n_float": float64(1000 + 2*r), "flag": r%2 == 0,
		"blob": []byte("blob-" + letters(r)), "ts": mixTime(r),
		"p_text": fmt.Sprintf("text-%d", r), "p_int": int64(r), "p_real": float64(r) + 0.5, "p_bool": r%2 == 0,
		"p_date": mixDate(r).Time(), "p_ts": mixTime(r), "p_bytes": []byte{0xCD, byte(r)},
	}
}

type (
	myString string
	myBytes  []byte
	myInt    int16
	myFloat  float32
	myBool   bool
)

// variant is one Go type carrying the value of row r in one column.
type variant struct {
	name string
	of   func(r int) any
}

func intVariants(base int) []variant {
	return []variant{
		{"int", func(r int) any { return base + r }},
		{"int8", func(r int) any { return int8(base + r) }},
		{"int16", func(r int) any { return int16(base + r) }},
		{"int32", func(r int) any { return int32(base + r) }},
		{"int64", func(r int) any { return int64(base + r) }},
		{"uint", func(r int) any { return uint(base + r) }},
		{"uint8", func(r int) any { return uint8(base + r) }},
		{"uint16", func(r int) any { return uint16(base + r) }},
		{"uint32", func(r int) any { return uint32(base + r) }},
		{"uint64", func(r int) any { return uint64(base + r) }},
		{"named", func(r int) any { return myInt(base + r) }},
	}
}

func stringVariants(f func(r int) string) []variant {
	return []variant{
		{"string", func(r int) any { return f(r) }},
		{"named", func(r int) any { return myString(f(r)) }},
	}
}

// mixCases lists, per column, the Go types writes and predicates accept
// and the predicates the column has.
func mixCases() []struct {
	col      string
	variants []variant
	preds    []string
} {
	type c = struct {
		col      string
		variants []variant
		preds    []string
	}
	east := time.FixedZone("UTC+3", 3*3600)
	west := time.FixedZone("UTC-5", -5*3600)
	return []c{
		{"last_name", stringVariants(func(r int) string { return "Name" + letters(r) }), []string{"eq", "in", "compound:name_dob", "prefix"}},
		{"ssn", stringVariants(func(r int) string { return fmt.Sprintf("900-00-%04d", r) }), []string{"eq", "in", "eqvia:ssn_last4"}},
		{"notes", stringVariants(func(r int) string { return fmt.Sprintf("note %03d", r) }), []string{"contains"}},
		{"dob", []variant{
			{"cipher.Date", func(r int) any { return mixDate(r) }},
			{"time.Time UTC", func(r int) any { return mixDate(r).Time() }},
			{"time.Time west, late", func(r int) any { d := mixDate(r); return time.Date(d.Year, d.Month, d.Day, 23, 30, 0, 0, west) }},
		}, []string{"eq", "in", "compound:name_dob"}},
		{"n_int", intVariants(50), []string{"eq", "in", "eqvia:n_int_eq", "compound:mix"}},
		{"n_float", []variant{
			{"float64", func(r int) any { return float64(1000 + 2*r) }},
			{"float32", func(r int) any { return float32(1000 + 2*r) }},
			{"named float32", func(r int) any { return myFloat(1000 + 2*r) }},
			{"int", func(r int) any { return 1000 + 2*r }},
		}, []string{"eq", "in", "compound:mix"}},
		{"flag", []variant{
			{"bool", func(r int) any { return r%2 == 0 }},
			{"named", func(r int) any { return myBool(r%2 == 0) }},
		}, []string{"eq", "in", "compound:mix"}},
		{"blob", []variant{
			{"[]byte", func(r int) any { return []byte("blob-" + letters(r)) }},
			{"named", func(r int) any { return myBytes("blob-" + letters(r)) }},
		}, []string{"eq", "in", "compound:mix"}},
		{"ts", []variant{
			{"time.Time UTC", func(r int) any { return mixTime(r) }},
			{"time.Time east", func(r int) any { return mixTime(r).In(east) }},
		}, []string{"eq", "in", "compound:mix"}},
		{"p_text", stringVariants(func(r int) string { return fmt.Sprintf("text-%d", r) }), []string{"eq", "in"}},
		{"p_int", intVariants(0), []string{"eq", "in"}},
		{"p_real", []variant{
			{"float64", func(r int) any { return float64(r) + 0.5 }},
			{"float32", func(r int) any { return float32(r) + 0.5 }},
		}, []string{"eq", "in"}},
		{"p_bool", []variant{
			{"bool", func(r int) any { return r%2 == 0 }},
			{"named", func(r int) any { return myBool(r%2 == 0) }},
		}, []string{"eq", "in"}},
		{"p_date", []variant{
			{"cipher.Date", func(r int) any { return mixDate(r) }},
			{"time.Time UTC", func(r int) any { return mixDate(r).Time() }},
			{"time.Time west, late", func(r int) any { d := mixDate(r); return time.Date(d.Year, d.Month, d.Day, 23, 30, 0, 0, west) }},
		}, []string{"eq", "in"}},
		{"p_ts", []variant{
			{"time.Time UTC", func(r int) any { return mixTime(r) }},
			{"time.Time east", func(r int) any { return mixTime(r).In(east) }},
		}, []string{"eq", "in"}},
		{"p_bytes", []variant{
			{"[]byte", func(r int) any { return []byte{0xCD, byte(r)} }},
			{"named", func(r int) any { return myBytes{0xCD, byte(r)} }},
		}, []string{"eq", "in"}},
	}
}

// mixPred is predicate kind on col with value v, for row r.
func mixPred(s *Schema, kind, col string, v any, r int) []Pred {
	switch {
	case kind == "eq":
		return []Pred{Eq(col, v)}
	case kind == "in":
		return []Pred{In(col, v)}
	case kind == "prefix":
		return []Pred{Prefix(col, fmt.Sprint(v))}
	case kind == "contains":
		return []Pred{Contains(col, fmt.Sprintf("%03d", r))}
	case len(kind) > 6 && kind[:6] == "eqvia:":
		want := v
		if col == "ssn" {
			want = fmt.Sprintf("%04d", r)
		}
		return []Pred{EqVia(col, kind[6:], want)}
	case len(kind) > 9 && kind[:9] == "compound:":
		base := mixRow(r)
		var ps []Pred
		for _, ci := range s.Tables[0].Compound {
			if ci.Name != kind[9:] {
				continue
			}
			for _, p := range ci.Parts {
				if p.Column == col {
					ps = append(ps, Eq(col, v))
				} else {
					ps = append(ps, Eq(p.Column, base[p.Column]))
				}
			}
		}
		return ps
	}
	panic(kind)
}

func TestIssue8_1_EveryAcceptedTypeFindsItsRow(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		s := mixSchema()
		f := newFixture(t, d, s)
		type written struct {
			r            int
			col, variant string
		}
		var rows []written
		r := 0
		for _, c := range mixCases() {
			for _, w := range c.variants {
				r++
				row := mixRow(r)
				row[c.col] = w.of(r)
				if _, err := f.pats.Insert(ctx, row); err != nil {
					t.Errorf("insert %s as %s: %v", c.col, w.name, err)
					continue
				}
				if fmt.Sprintf("%T", row[c.col]) != fmt.Sprintf("%T", w.of(r)) {
					t.Errorf("insert %s as %s changed the caller's row to %T", c.col, w.name, row[c.col])
				}
				rows = append(rows, written{r, c.col, w.name})
			}
		}
		for _, c := range mixCases() {
			for _, w := range rows {
				if w.col != c.col {
					continue
				}
				for _, q := range c.variants {
					for _, kind := range c.preds {
						where := mixPred(s, kind, c.col, q.of(w.r), w.r)
						if c.col == "flag" || c.col == "p_bool" {
							// Two values only: the key keeps the answer to one row.
							where = append(where, Eq("id", w.r))
						}
						got, err := f.pats.Find(ctx, Query{Where: where})
						if err != nil {
							t.Errorf("%s written as %s, %s with %s: %v", c.col, w.variant, kind, q.name, err)
							continue
						}
						if fmt.Sprint(ids(got)) != fmt.Sprintf("[%d]", w.r) {
							t.Errorf("%s written as %s, %s with %s: rows %v, want [%d]", c.col, w.variant, kind, q.name, ids(got), w.r)
						}
					}
				}
			}
		}
	})
}

func TestIssue8_2_PartialUpdateRecomputesCompound(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		s := patientSchema(16)
		s.Tables[0].Compound = []*CompoundIndex{{Name: "name_dob", Bits: 16, Parts: []CompoundPart{
			{Column: "last_name", Transforms: "casefold"}, {Column: "first_name", Transforms: "casefold"}, {Column: "dob"}}}}
		f := newFixture(t, d, s)
		dob := cipher.Date{Year: 1990, Month: 11, Day: 2}
		for i, first := range []string{"John", "Jane"} {
			if _, err := f.pats.Insert(ctx, Row{"id": int64(i + 1), "mrn": fmt.Sprint("M", i), "last_name": "Smith", "first_name": first, "dob": dob}); err != nil {
				t.Fatal(err)
			}
		}
		find := func(last, first string, dob any) string {
			t.Helper()
			rows, err := f.pats.Find(ctx, Query{Where: []Pred{Eq("last_name", last), Eq("first_name", first), Eq("dob", dob)}})
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprint(ids(rows))
		}
		steps := []struct {
			name         string
			update       Row
			found, fresh [3]any // a search that finds row 1 after the update, and one that stopped finding it
		}{
			{"last name only", Row{"last_name": "Jones"}, [3]any{"jones", "john", dob}, [3]any{"smith", "john", dob}},
			{"last and first name", Row{"last_name": "Brown", "first_name": "Jack"}, [3]any{"BROWN", "jack", dob}, [3]any{"jones", "john", dob}},
			{"date of birth as time.Time", Row{"dob": time.Date(1991, 1, 2, 0, 0, 0, 0, time.UTC)}, [3]any{"brown", "jack", cipher.Date{Year: 1991, Month: 1, Day: 2}}, [3]any{"brown", "jack", dob}},
			{"column outside the index", Row{"notes": "moved"}, [3]any{"brown", "jack", cipher.Date{Year: 1991, Month: 1, Day: 2}}, [3]any{"smith", "john", dob}},
		}
		for _, st := range steps {
			if err := f.pats.Update(ctx, int64(1), st.update); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if got := find(st.found[0].(string), st.found[1].(string), st.found[2]); got != "[1]" {
				t.Errorf("%s: search with the new values finds %s, want [1]", st.name, got)
			}
			if got := find(st.fresh[0].(string), st.fresh[1].(string), st.fresh[2]); got != "[]" {
				t.Errorf("%s: search with the old values finds %s, want []", st.name, got)
			}
		}
		if got := find("smith", "jane", dob); got != "[2]" {
			t.Errorf("other row: %s", got)
		}
		// Inside a caller's transaction, and then rolled back.
		tx, err := f.db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		tp, _ := tx.Table("patients")
		if err := tp.Update(ctx, int64(2), Row{"first_name": "Joan"}); err != nil {
			t.Fatal(err)
		}
		rows, err := tp.Find(ctx, Query{Where: []Pred{Eq("last_name", "smith"), Eq("first_name", "joan"), Eq("dob", dob)}})
		if err != nil || fmt.Sprint(ids(rows)) != "[2]" {
			t.Errorf("in transaction: %v, %v", ids(rows), err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if got := find("smith", "jane", dob); got != "[2]" {
			t.Errorf("after rollback: %s", got)
		}
		if err := f.pats.Update(ctx, int64(99), Row{"last_name": "Nobody"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("update of a missing row: %v", err)
		}
	})
}

// keySchema has an integer key bound into the ciphertexts, a text key,
// and a row binding on an integer plain column.
func keySchema() *Schema {
	body := func() []*Column {
		return []*Column{{Name: "body", Type: TypeString, Equality: []*EqualityIndex{{Name: "body_eq", Bits: 16}}}}
	}
	return &Schema{Source: "guarantees_queries_test.go", Tables: []*Table{
		{Name: "k_int", Key: "id", RowBinding: "id", Columns: body()},
		{Name: "k_text", Key: "code", KeyType: "text", RowBinding: "code", Columns: body()},
		{Name: "k_bound", Key: "id", RowBinding: "patient_no", Plain: []*PlainColumn{{Name: "patient_no", Type: "integer"}}, Columns: body()},
	}}
}

func TestIssue8_6_KeysMatchTheDeclaredType(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, keySchema())
		n := 0
		// try inserts row (whose key column is keyCol) and checks that it
		// either fails with ErrWrongType naming the column and leaves
		// nothing, or opens through Get (by the canonical key) and Find.
		try := func(table, keyCol string, key any, row Row, ok bool) {
			t.Helper()
			ta, err := f.db.Table(table)
			if err != nil {
				t.Fatal(err)
			}
			n++
			body := fmt.Sprintf("body %d", n)
			row["body"] = body
			_, err = ta.Insert(ctx, row)
			if !ok {
				if !errors.Is(err, ErrWrongType) || !strings.Contains(err.Error(), keyCol) || strings.Contains(err.Error(), fmt.Sprint(row[keyCol])) {
					t.Errorf("%s %T key: %v, want ErrWrongType naming %s and not the value", table, row[keyCol], err, keyCol)
				}
				if rows, err := ta.Find(ctx, Query{Where: []Pred{Eq("body", body)}}); err != nil || len(rows) != 0 {
					t.Errorf("%s: a refused insert left %d rows, %v", table, len(rows), err)
				}
				return
			}
			if err != nil {
				t.Errorf("%s %T key: %v", table, row[keyCol], err)
				return
			}
			if got, err := ta.Get(ctx, key); err != nil || got["body"] != body {
				t.Errorf("%s %T key: Get: %v, %v", table, row[keyCol], got, err)
			}
			if rows, err := ta.Find(ctx, Query{Where: []Pred{Eq("body", body)}}); err != nil || len(rows) != 1 {
				t.Errorf("%s %T key: Find: %v, %v", table, row[keyCol], rows, err)
			}
		}
		try("k_int", "id", nil, Row{"id": "0077"}, false)
		try("k_int", "id", nil, Row{"id": "78"}, false)
		try("k_int", "id", nil, Row{"id": 79.0}, false)
		try("k_int", "id", int64(80), Row{"id": int32(80)}, true)
		try("k_int", "id", uint8(81), Row{"id": uint64(81)}, true)
		try("k_int", "id", 82, Row{"id": myInt(82)}, true)
		try("k_text", "code", nil, Row{"code": 77}, false)
		try("k_text", "code", "0077", Row{"code": "0077"}, true)
		try("k_text", "code", myString("0078"), Row{"code": myString("0078")}, true)
		try("k_bound", "patient_no", nil, Row{"id": int64(1), "patient_no": "0077"}, false)
		try("k_bound", "patient_no", int64(2), Row{"id": int64(2), "patient_no": int16(77)}, true)

		ki, _ := f.db.Table("k_int")
		if _, err := ki.InsertBatch(ctx, []Row{{"id": int64(90), "body": "a"}, {"id": "0091", "body": "b"}}); !errors.Is(err, ErrWrongType) {
			t.Errorf("batch with a string key: %v", err)
		}
		if _, err := ki.Get(ctx, int64(90)); !errors.Is(err, ErrNotFound) {
			t.Errorf("refused batch left a row: %v", err)
		}
		for name, err := range map[string]error{
			"get":    func() error { _, err := ki.Get(ctx, "80"); return err }(),
			"update": ki.Update(ctx, "80", Row{"body": "x"}),
			"delete": ki.Delete(ctx, "80"),
		} {
			if !errors.Is(err, ErrWrongType) || !strings.Contains(err.Error(), "id") {
				t.Errorf("%s with a string key: %v", name, err)
			}
		}
		if rows, err := ki.Find(ctx, Query{Where: []Pred{Eq("id", "80")}}); !errors.Is(err, ErrWrongType) {
			t.Errorf("Find by a string key: %v, %v", rows, err)
		}
		if rows, err := ki.Find(ctx, Query{}); err != nil || len(rows) != 3 {
			t.Errorf("every row opens: %d rows, %v", len(rows), err)
		}
	})
}

func staySchema() *Schema {
	return &Schema{Source: "guarantees_queries_test.go", Tables: []*Table{{
		Name: "stays", Key: "id", RowBinding: "id",
		Plain: []*PlainColumn{
			{Name: "ward", Type: "integer"}, {Name: "unit", Type: "text"}, {Name: "admitted", Type: "timestamp"},
			{Name: "remark", Type: "text", Nullable: true},
		},
		Columns: []*Column{
			{Name: "name", Type: TypeString, Equality: []*EqualityIndex{{Name: "name_eq", Bits: 16}}},
			{Name: "diagnosis", Type: TypeString, Nullable: true},
		},
	}}}
}

func TestIssue8_7_PlainColumnsTypeChecked(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, staySchema())
		admitted := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		good := func(id int) Row {
			return Row{"id": int64(id), "ward": int64(3), "unit": "ICU", "admitted": admitted, "name": "Ada"}
		}
		if _, err := f.pats.Insert(ctx, good(1)); err != nil {
			t.Fatal(err)
		}
		with := func(col string, v any) Row { r := good(2); r[col] = v; return r }
		without := good(2)
		delete(without, "unit")
		for _, c := range []struct {
			name, col, secret string
			row               Row
			want              error
		}{
			{"text into integer", "ward", "yes", with("ward", "yes"), ErrWrongType},
			{"integer into text", "unit", "4242", with("unit", 4242), ErrWrongType},
			{"text into timestamp", "admitted", "not a time", with("admitted", "not a time"), ErrWrongType},
			{"NULL into non-nullable", "ward", "", with("ward", nil), ErrNotNull},
			{"non-nullable left out", "unit", "", without, ErrNotNull},
		} {
			_, err := f.pats.Insert(ctx, c.row)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.col) || c.secret != "" && strings.Contains(err.Error(), c.secret) {
				t.Errorf("insert %s: %v, want %v naming %s and not the value", c.name, err, c.want, c.col)
			}
			upd := Row{c.col: c.row[c.col]}
			if _, ok := c.row[c.col]; !ok {
				continue
			}
			err = f.pats.Update(ctx, int64(1), upd)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.col) || c.secret != "" && strings.Contains(err.Error(), c.secret) {
				t.Errorf("update %s: %v, want %v naming %s", c.name, err, c.want, c.col)
			}
		}
		if _, err := f.pats.Get(ctx, int64(2)); !errors.Is(err, ErrNotFound) {
			t.Errorf("a refused insert left a row: %v", err)
		}
		// The table EnsureSchema created refuses NULL itself.
		if _, err := f.sql.ExecContext(ctx, "UPDATE stays SET unit = NULL WHERE id = 1"); err == nil {
			t.Error("the database took NULL in a non-nullable plain column")
		}
		if _, err := f.sql.ExecContext(ctx, "UPDATE stays SET remark = NULL WHERE id = 1"); err != nil {
			t.Errorf("nullable plain column: %v", err)
		}
		// A protected non-nullable column found NULL is an error naming
		// the column and the row's key, not a nil.
		if _, err := f.sql.ExecContext(ctx, "UPDATE stays SET name = NULL WHERE id = 1"); err != nil {
			t.Fatal(err)
		}
		row, err := f.pats.Get(ctx, int64(1))
		if !errors.Is(err, ErrNotNull) || !strings.Contains(err.Error(), "name") || !strings.Contains(err.Error(), "key 1") {
			t.Errorf("Get of a NULL in a non-nullable column: %v, %v", row, err)
		}
		if rows, err := f.pats.Find(ctx, Query{}); !errors.Is(err, ErrNotNull) {
			t.Errorf("Find over a NULL in a non-nullable column: %v, %v", rows, err)
		}
	})
}

func TestIssue8_8_DamagedRowNamedAndSkippable(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(24))
		if _, err := f.pats.InsertBatch(ctx, samplePatients); err != nil {
			t.Fatal(err)
		}
		// Flip the last byte of row 3's mrn ciphertext.
		var ct []byte
		if err := f.sql.QueryRowContext(ctx, "SELECT mrn FROM patients WHERE id = 3").Scan(&ct); err != nil {
			t.Fatal(err)
		}
		ct[len(ct)-1] ^= 1
		ph := "?"
		if d == testdb.DialectPostgres {
			ph = "$1"
		}
		if _, err := f.sql.ExecContext(ctx, "UPDATE patients SET mrn = "+ph+" WHERE id = 3", ct); err != nil {
			t.Fatal(err)
		}
		boston := Query{Where: []Pred{Eq("city", "Boston")}}
		rows, err := f.pats.Find(ctx, boston)
		if !errors.Is(err, cipher.ErrTampered) || !strings.Contains(err.Error(), "key 3") || !strings.Contains(err.Error(), "mrn") || rows != nil {
			t.Errorf("Find over a damaged row: %v, %v; want ErrTampered naming mrn and key 3", rows, err)
		}
		for _, v := range []string{"MRN-0003", "Smithers", "Wayland", "457-55-5462"} {
			if err != nil && strings.Contains(err.Error(), v) {
				t.Errorf("error reveals a value: %v", err)
			}
		}
		if _, err := f.pats.Get(ctx, int64(3)); !errors.Is(err, cipher.ErrTampered) || !strings.Contains(err.Error(), "key 3") {
			t.Errorf("Get of the damaged row: %v", err)
		}
		for _, c := range []struct {
			q    Query
			want string
		}{{boston, "[1]"}, {Query{}, "[1 2 4 5]"}, {Query{OrderBy: []Order{{Col: "id"}}, Limit: 3}, "[1 2 4]"}} {
			res, err := f.pats.FindPartial(ctx, c.q)
			if err != nil {
				t.Fatalf("FindPartial: %v", err)
			}
			if got := fmt.Sprint(ids(res.Rows)); got != c.want {
				t.Errorf("FindPartial rows %s, want %s", got, c.want)
			}
			if len(res.Damaged) != 1 || toInt64(res.Damaged[0].Key) != 3 || res.Damaged[0].Column != "mrn" || !errors.Is(res.Damaged[0].Err, cipher.ErrTampered) {
				t.Errorf("FindPartial damaged: %+v", res.Damaged)
			}
		}
		// A key-service outage is not damage: the whole call fails.
		store, _ := NewKeysetStore(f.sql, string(d))
		ring, _ := cipher.NewKeyring(cipher.Config{KEK: f.kek, Store: store})
		cold, err := Open(f.sql, string(d), patientSchema(24), ring)
		if err != nil {
			t.Fatal(err)
		}
		coldPats, _ := cold.Table("patients")
		f.kek.down = true
		res, err := coldPats.FindPartial(ctx, Query{})
		f.kek.down = false
		if !errors.Is(err, keyprovider.ErrUnavailable) || res != nil {
			t.Errorf("FindPartial during an outage: %+v, %v", res, err)
		}
	})
}

// A search through a compound index also asks each part's own equality
// index under the same transforms, so that a compound sized with few bits
// beside such indexes does not read a large share of the table, and the
// answer stays exact.
func TestIssue8_18_CompoundSearchAlsoUsesThePartsEqualityIndex(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, testdb.DialectSQLite, patientSchema(4))
	dob := cipher.Date{Year: 1971, Month: 5, Day: 9}
	for i, last := range []string{"Núñez", "Nunez", "Smith", "Núñez"} {
		d := dob
		if i == 3 {
			d.Day = 10
		}
		if _, err := f.pats.Insert(ctx, Row{"id": int64(i + 1), "mrn": fmt.Sprint("M", i), "last_name": last, "first_name": "A", "dob": d}); err != nil {
			t.Fatal(err)
		}
	}
	q := Query{Where: []Pred{Eq("last_name", "NUNEZ"), Eq("dob", dob)}}
	b := &builder{ta: f.pats}
	if err := b.build(ctx, q); err != nil {
		t.Fatal(err)
	}
	where := strings.Join(b.where, " AND ")
	if !strings.Contains(where, "name_dob") || !strings.Contains(where, "last_name_eq") {
		t.Fatalf("WHERE %s: want both the compound and the last-name equality token", where)
	}
	rows, err := f.pats.Find(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, r := range rows {
		ids = append(ids, r["id"].(int64))
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []int64{1, 2}) {
		t.Fatalf("found ids %v, want [1 2]", ids)
	}
}

// The narrowing above never uses a part index that is still building: a
// compound index that is ready answers in full while the part's own
// equality index is being backfilled.
func TestIssue8_18_CompoundSearchSkipsABuildingPartIndex(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		const n = 23
		_, db, pats := grown(t, d, n)
		if err := db.Reindex(ctx, "patients", "first_dob", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := pats.Find(ctx, Query{Where: []Pred{Eq("first_name", "ANNA")}}); !errors.Is(err, ErrIndexNotReady) {
			t.Fatalf("first_name_eq before its Reindex: %v, want ErrIndexNotReady", err)
		}
		c := newIndexQueries(n, nil)["first_dob"]
		rows, err := pats.Find(ctx, c.q)
		if err != nil || fmt.Sprint(ids(rows)) != c.want {
			t.Fatalf("first_dob while first_name_eq builds: %v, %v; want %s", ids(rows), err, c.want)
		}
	})
}

// db.Field takes the row-binding value in the declared type too: a value
// it seals for an int32 binding opens through Get, and a string for an
// integer binding is refused instead of sealing under a binding no read
// reproduces.
func TestIssue8_6_FieldBindingMatchesTheDeclaredType(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, keySchema())
		for _, bad := range []any{"0077", "77", 77.0, nil} {
			if _, err := f.db.Field(ctx, "k_int", "body", bad); !errors.Is(err, ErrWrongType) {
				t.Errorf("Field with binding %#v: %v, want ErrWrongType", bad, err)
			}
		}
		fld, err := f.db.Field(ctx, "k_int", "body", int32(77))
		if err != nil {
			t.Fatal(err)
		}
		fld.V = "sealed by a Field"
		ct, err := fld.Value()
		if err != nil {
			t.Fatal(err)
		}
		toks, err := fld.Tokens()
		if err != nil {
			t.Fatal(err)
		}
		args := []any{int64(77), ct}
		cols := "id, body"
		ph := "?, ?"
		if d == testdb.DialectPostgres {
			ph = "$1, $2"
		}
		for name, tok := range toks {
			cols += ", " + name
			args = append(args, tok)
			if d == testdb.DialectPostgres {
				ph += fmt.Sprintf(", $%d", len(args))
			} else {
				ph += ", ?"
			}
		}
		if _, err := f.sql.ExecContext(ctx, "INSERT INTO k_int ("+cols+") VALUES ("+ph+")", args...); err != nil {
			t.Fatal(err)
		}
		ki, _ := f.db.Table("k_int")
		if got, err := ki.Get(ctx, int64(77)); err != nil || got["body"] != "sealed by a Field" {
			t.Fatalf("Get of the row a Field wrote: %v, %v", got, err)
		}
	})
}
