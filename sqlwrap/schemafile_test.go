package sqlwrap

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/blindindex"
)

// yamlTable wraps column and table settings in a minimal document, so that
// each case shows only what it is about.
func yamlTable(body string) string {
	return "version: 1\ntables:\n  - name: patients\n" + body
}

func TestLoadSchemaFile(t *testing.T) {
	s, err := LoadSchemaFile("testdata/schemas/patients.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Source != "testdata/schemas/patients.yaml" {
		t.Errorf("Source = %q", s.Source)
	}
	tb, ok := s.Table("patients")
	if !ok {
		t.Fatal("no table patients")
	}
	if _, ok := s.Table("nope"); ok {
		t.Error("Table found a table that does not exist")
	}
	if tb.Key != "id" || tb.KeyType != "integer" || tb.RowBinding != "id" {
		t.Errorf("key %q %q, row binding %q", tb.Key, tb.KeyType, tb.RowBinding)
	}
	want := []*PlainColumn{{Name: "city", Type: "text"}, {Name: "created_at", Type: "timestamp", Nullable: true}}
	if !reflect.DeepEqual(tb.Plain, want) {
		t.Errorf("plain = %+v", tb.Plain)
	}
	ssn, ok := tb.Column("ssn")
	if !ok {
		t.Fatal("no column ssn")
	}
	wantSSN := &Column{Name: "ssn", Type: TypeString, Nullable: true, Scope: "patients.ssn", Padding: 16, MaxLength: 11,
		Equality: []*EqualityIndex{
			{Name: "ssn_eq", Transforms: "digits", Bits: 24},
			{Name: "ssn_last4", Transforms: "digits,last:4", Bits: 8},
		}}
	if !reflect.DeepEqual(ssn, wantSSN) {
		t.Errorf("ssn = %+v", ssn)
	}
	if _, ok := tb.Column("city"); ok {
		t.Error("Column returned a plain column")
	}
	last, _ := tb.Column("last_name")
	wantBloom := []*BloomIndex{
		{Name: "last_name_prefix", Kind: blindindex.Prefix, Transforms: "nfkc,casefold,nodiacritics,letters", MinGram: 2, MaxGram: 4, M: 65536, K: 2},
		// Name and transforms from the defaults.
		{Name: "last_name_sub", Kind: blindindex.Substring, Transforms: "nfkc,casefold,nodiacritics,trim", MinGram: 3, MaxGram: 3, MaxGrams: 64, M: 4096, K: 2, RevealsEquality: true},
	}
	if !reflect.DeepEqual(last.Bloom, wantBloom) {
		t.Errorf("last_name Bloom = %+v", last.Bloom)
	}
	wantCompound := []*CompoundIndex{
		{Name: "name_dob", Bits: 24, Parts: []CompoundPart{{"last_name", "nfkc,casefold,trim,nodiacritics"}, {"dob", ""}}},
		// Bits from the planner: near-unique combinations on 100,000 rows.
		{Name: "sex_dob", Bits: 15, Parts: []CompoundPart{{"sex", "nfkc,casefold,nodiacritics,trim"}, {"dob", "date:year"}}},
	}
	if !reflect.DeepEqual(tb.Compound, wantCompound) {
		t.Errorf("compound = %+v", tb.Compound)
	}

	if _, err := LoadSchemaFile("testdata/schemas/does-not-exist.yaml"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestSchemaDefaults(t *testing.T) {
	s, err := ParseSchema("defaults.yaml", []byte(yamlTable(`    columns:
      - name: name
        type: string
        equality: true
        prefix: true
        substring: {reveals: equality}
      - name: dob
        type: date
        equality: true
      - name: code
        type: string
        equality: {transforms: ""}
        prefix: {min: 12, force: true}
        substring: {min: 4, reveals: equality}
      - name: note
        type: string
        equality: false
        prefix: false
        substring:
    compound:
      - {name: name_dob, parts: [{column: name}, {column: dob}]}
`)))
	if err != nil {
		t.Fatal(err)
	}
	tb := s.Tables[0]
	if tb.Key != "id" || tb.KeyType != "integer" || tb.RowBinding != "" {
		t.Errorf("key %q %q, row binding %q", tb.Key, tb.KeyType, tb.RowBinding)
	}
	want := []*Column{
		{Name: "name", Type: TypeString,
			// Bits from the planner: near-unique values on 100,000 rows.
			Equality: []*EqualityIndex{{Name: "name_eq", Transforms: "nfkc,casefold,nodiacritics,trim", Bits: 15}},
			Bloom: []*BloomIndex{
				{Name: "name_prefix", Kind: blindindex.Prefix, Transforms: "nfkc,casefold,nodiacritics,trim", MinGram: 2, MaxGram: 4, M: 65536, K: 2},
				{Name: "name_sub", Kind: blindindex.Substring, Transforms: "nfkc,casefold,nodiacritics,trim", MinGram: 3, MaxGram: 3, MaxGrams: 256, M: 65536, K: 2, RevealsEquality: true},
			}},
		// A date has at most 36,525 values: the planner admits 14 bits.
		{Name: "dob", Type: TypeDate, Equality: []*EqualityIndex{{Name: "dob_eq", Bits: 14}}},
		{Name: "code", Type: TypeString,
			Equality: []*EqualityIndex{{Name: "code_eq", Bits: 15}},
			Bloom: []*BloomIndex{
				// max follows a min above the default max.
				{Name: "code_prefix", Kind: blindindex.Prefix, Transforms: "nfkc,casefold,nodiacritics,trim", MinGram: 12, MaxGram: 12, M: 65536, K: 2, Force: true},
				{Name: "code_sub", Kind: blindindex.Substring, Transforms: "nfkc,casefold,nodiacritics,trim", MinGram: 4, MaxGram: 4, MaxGrams: 256, M: 65536, K: 2, RevealsEquality: true},
			}},
		{Name: "note", Type: TypeString},
	}
	if !reflect.DeepEqual(tb.Columns, want) {
		for i, c := range tb.Columns {
			t.Errorf("column %d = %+v", i, c)
		}
	}
	wantCompound := []*CompoundIndex{{Name: "name_dob", Bits: 15, Parts: []CompoundPart{{"name", "nfkc,casefold,nodiacritics,trim"}, {"dob", ""}}}}
	if !reflect.DeepEqual(tb.Compound, wantCompound) {
		t.Errorf("compound = %+v", tb.Compound)
	}
}

func TestParseSchemaValid(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		check      func(*Table) bool
	}{
		{"text key", "    key: mrn\n    key_type: text\n    columns: [{name: a, type: bytes}]\n",
			func(tb *Table) bool { return tb.Key == "mrn" && tb.KeyType == "text" }},
		{"binding to a plain column", "    row_binding: uuid\n    plain: [{name: uuid, type: text}]\n    columns: [{name: a, type: int64}]\n",
			func(tb *Table) bool { return tb.RowBinding == "uuid" }},
		{"forced bool index", "    columns: [{name: smoker, type: bool, equality: {force: true, bits: 1}}]\n",
			func(tb *Table) bool { return tb.Columns[0].Equality[0].Force }},
		{"forced birth year", "    columns: [{name: dob, type: date, equality: {transforms: \"date:year\", force: true}}]\n",
			func(tb *Table) bool { return tb.Columns[0].Equality[0].Transforms == "date:year" }},
		{"timestamp with a date part", "    columns: [{name: seen, type: timestamp, equality: {transforms: \"date:yearmonth\"}}]\n",
			func(tb *Table) bool { return tb.Columns[0].Equality[0].Transforms == "date:yearmonth" }},
		{"bool in a compound", "    columns: [{name: smoker, type: bool}, {name: dob, type: date}]\n    compound: [{name: s_dob, parts: [{column: smoker}, {column: dob}]}]\n",
			func(tb *Table) bool { return len(tb.Compound) == 1 }},
		{"equality list", "    columns: [{name: ssn, type: string, equality: [{bits: 20, transforms: digits}, {name: ssn4, bits: 6, transforms: \"digits,last:4\"}]}]\n",
			func(tb *Table) bool {
				return len(tb.Columns[0].Equality) == 2 && tb.Columns[0].Equality[0].Name == "ssn_eq"
			}},
		{"same transforms twice in one compound on different columns", "    columns: [{name: a, type: string}, {name: b, type: string}]\n    compound: [{name: ab, parts: [{column: a}, {column: b}]}]\n",
			func(tb *Table) bool { return len(tb.Compound[0].Parts) == 2 }},
		{"uppercase column", "    columns: [{name: DOB, type: date}]\n",
			func(tb *Table) bool { return tb.Columns[0].Name == "DOB" }},
		{"comments and anchors", "    # a comment\n    columns:\n      - {name: a, type: string, equality: &eq {bits: 20}}\n      - {name: b, type: string, equality: *eq}\n",
			func(tb *Table) bool { return len(tb.Columns) == 2 && tb.Columns[1].Equality[0].Bits == 20 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSchema("ok.yaml", []byte(yamlTable(tc.body)))
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(s.Tables[0]) {
				t.Errorf("unexpected table %+v", s.Tables[0])
			}
		})
	}
}

// brokenCase is a schema that must be refused: the error wraps ErrSchema
// (and also) and contains every string of want, which name the place.
type brokenCase struct {
	name string
	body string
	want []string
	also error
}

func TestParseSchemaBroken(t *testing.T) {
	cases := []brokenCase{
		// YAML and format errors carry the line.
		{"syntax", "    columns: [{name: a, type: string\n", []string{"bad.yaml:4:"}, nil},
		{"unknown field", "    columns: [{name: a, type: string, nulable: true}]\n", []string{"bad.yaml:4:", `unknown field "nulable"`}, nil},
		{"unknown index field", "    columns: [{name: a, type: string, equality: {bitz: 3}}]\n", []string{"bad.yaml:4:", `"bitz"`}, nil},
		{"string for bits", "    columns: [{name: a, type: string, equality: {bits: \"24\"}}]\n", []string{"bad.yaml:4:", "integer"}, nil},
		{"fraction for padding", "    columns: [{name: a, type: string, padding: 1.5}]\n", []string{"bad.yaml:4:", "integer"}, nil},
		{"yes for a bool", "    columns: [{name: a, type: string, nullable: yes}]\n", []string{"bad.yaml:4:", "true or false"}, nil},
		{"equality shape", "    columns: [{name: a, type: string, equality: 3}]\n", []string{"bad.yaml:4:", "equality must be"}, nil},
		{"prefix list", "    columns: [{name: a, type: string, prefix: [{}, {}]}]\n", []string{"bad.yaml:4:", "prefix and substring must be"}, nil},
		{"duplicate key", "    key: id\n    key: pid\n    columns: [{name: a, type: string}]\n", []string{"bad.yaml:5:", "already defined"}, nil},

		// Identifiers.
		{"column name with a quote", "    columns: [{name: \"a'b\", type: string}]\n", []string{"table patients", `column a'b`, "not an identifier"}, nil},
		{"column name with a space", "    columns: [{name: \"last name\", type: string}]\n", []string{"column last name", "not an identifier"}, nil},
		{"column name starts with a digit", "    columns: [{name: 1st, type: string}]\n", []string{"column 1st", "not an identifier"}, nil},
		{"column name too long", "    columns: [{name: " + strings.Repeat("a", 64) + ", type: string}]\n", []string{"column aaaa", "64 bytes"}, nil},
		{"column without a name", "    columns: [{type: string}]\n", []string{"table patients", "protected column 1 has no name"}, nil},
		{"non-ASCII letter", "    columns: [{name: prénom, type: string}]\n", []string{"column prénom", "not an identifier"}, nil},

		// Namespace.
		{"duplicate column", "    columns: [{name: a, type: string}, {name: a, type: int64}]\n", []string{"column a", "already used by protected column a"}, nil},
		{"duplicate column case", "    columns: [{name: a, type: string}, {name: A, type: int64}]\n", []string{"column A", "already used by protected column a"}, nil},
		{"plain and protected", "    plain: [{name: a, type: text}]\n    columns: [{name: a, type: string}]\n", []string{"column a", "plain column a"}, nil},
		{"key listed as plain", "    plain: [{name: id, type: integer}]\n    columns: [{name: a, type: string}]\n", []string{"column id", "key column id"}, nil},
		{"key is protected", "    key: ssn\n    columns: [{name: ssn, type: string}]\n", []string{"column ssn", "key column ssn"}, nil},
		{"index named like a column", "    plain: [{name: a_eq, type: text}]\n    columns: [{name: a, type: string, equality: true}]\n", []string{"column a", "equality index a_eq", "plain column a_eq"}, nil},
		{"two default equality names", "    columns: [{name: a, type: string, equality: [{}, {}]}]\n", []string{"column a", "equality index a_eq", "already used"}, nil},
		{"index names across columns", "    columns: [{name: a, type: string, equality: {name: x}}, {name: b, type: string, equality: {name: x}}]\n", []string{"column b", "equality index x"}, nil},
		{"prefix gram column clash", "    plain: [{name: a_prefix_3, type: text}]\n    columns: [{name: a, type: string, prefix: true}]\n", []string{"column a", "gram column 3", "plain column a_prefix_3"}, nil},
		{"compound named like a column", "    columns: [{name: a, type: string}, {name: b, type: string}]\n    compound: [{name: a, parts: [{column: a}, {column: b}]}]\n", []string{"column a", "compound index a"}, nil},

		// Key and row binding.
		{"key type", "    key_type: uuid\n    columns: [{name: a, type: string}]\n", []string{"column id", `key type "uuid"`}, nil},
		{"binding to a protected column", "    row_binding: a\n    columns: [{name: a, type: string}]\n", []string{"column a", "row binding", "protected"}, nil},
		{"binding to nothing", "    row_binding: nope\n    columns: [{name: a, type: string}]\n", []string{"column nope", "row binding"}, nil},
		{"binding to a nullable column", "    row_binding: u\n    plain: [{name: u, type: text, nullable: true}]\n    columns: [{name: a, type: string}]\n", []string{"column u", "nullable"}, nil},

		// Columns.
		{"no protected columns", "    plain: [{name: a, type: text}]\n", []string{"table patients", "no protected columns"}, nil},
		{"value type", "    columns: [{name: a, type: varchar}]\n", []string{"column a", `type "varchar"`}, nil},
		{"missing value type", "    columns: [{name: a}]\n", []string{"column a", `type ""`}, nil},
		{"plain type", "    plain: [{name: p, type: string}]\n    columns: [{name: a, type: string}]\n", []string{"column p", `plain type "string"`}, nil},
		{"padding", "    columns: [{name: a, type: string, padding: 70000}]\n", []string{"column a", "padding 70000"}, nil},
		{"negative max_length", "    columns: [{name: a, type: string, max_length: -1}]\n", []string{"column a", "max_length"}, nil},
		{"max_length on an int", "    columns: [{name: a, type: int64, max_length: 8}]\n", []string{"column a", "max_length applies"}, nil},
		{"scope", "    columns: [{name: a, type: string, scope: \"a b\"}]\n", []string{"column a", "scope"}, nil},

		// Equality.
		{"bits 0", "    columns: [{name: a, type: string, equality: {bits: 0}}]\n", []string{"column a", "equality index a_eq", "bits 0"}, blindindex.ErrBadConfig},
		{"bits 65", "    columns: [{name: a, type: string, equality: {bits: 65}}]\n", []string{"column a", "bits 65"}, blindindex.ErrBadConfig},
		{"partitions", "    columns: [{name: a, type: string, equality: {partitions: 1000}}]\n", []string{"column a", "partitions 1000"}, blindindex.ErrBadConfig},
		{"unknown transform", "    columns: [{name: a, type: string, equality: {transforms: \"nfkc,soundex\"}}]\n", []string{"column a", "soundex"}, blindindex.ErrBadConfig},
		{"casefold on int64", "    columns: [{name: a, type: int64, equality: {transforms: casefold}}]\n", []string{"column a", "casefold", "int64"}, nil},
		{"digits on a date", "    columns: [{name: a, type: date, equality: {transforms: digits}}]\n", []string{"column a", "digits", "date"}, nil},
		{"date part on bytes", "    columns: [{name: a, type: bytes, equality: {transforms: \"date:year\"}}]\n", []string{"column a", "date:year", "bytes"}, nil},
		{"bool standalone", "    columns: [{name: smoker, type: bool, equality: true}]\n", []string{"column smoker", "equality index smoker_eq", "bool"}, blindindex.ErrLowEntropy},
		{"birth year standalone", "    columns: [{name: dob, type: date, equality: {transforms: \"date:year\"}}]\n", []string{"column dob", "date:year"}, blindindex.ErrLowEntropy},
		{"initial standalone", "    columns: [{name: fname, type: string, equality: {transforms: \"nfkc,casefold,first:1\"}}]\n", []string{"column fname", "first:1"}, blindindex.ErrLowEntropy},
		{"two digits standalone", "    columns: [{name: ssn, type: string, equality: {transforms: \"digits,last:2\"}}]\n", []string{"column ssn", "last:2"}, blindindex.ErrLowEntropy},

		// Bloom.
		{"prefix on a date", "    columns: [{name: dob, type: date, prefix: true}]\n", []string{"column dob", "prefix index dob_prefix", "string column"}, nil},
		{"substring on bytes", "    columns: [{name: b, type: bytes, substring: {reveals: equality}}]\n", []string{"column b", "substring index"}, nil},
		{"saturated", "    columns: [{name: a, type: string, substring: {m: 512, k: 4, max_grams: 0, reveals: equality}}]\n", []string{"column a", "substring index a_sub"}, blindindex.ErrSaturated},
		{"min above max", "    columns: [{name: a, type: string, prefix: {min: 5, max: 3}}]\n", []string{"column a", "prefix index a_prefix", "MaxGram 3"}, blindindex.ErrBadConfig},
		{"m too small", "    columns: [{name: a, type: string, prefix: {m: 8}}]\n", []string{"column a", "M must be"}, blindindex.ErrBadConfig},
		{"negative k", "    columns: [{name: a, type: string, prefix: {k: -1}}]\n", []string{"column a", "negative"}, nil},
		{"max_grams on prefix", "    columns: [{name: a, type: string, prefix: {max_grams: 3}}]\n", []string{"column a", "max_grams"}, nil},
		{"bad Bloom transforms", "    columns: [{name: a, type: string, prefix: {transforms: \"first\"}}]\n", []string{"column a", "prefix index a_prefix", "first"}, blindindex.ErrBadConfig},
		{"side table too long", "    columns: [{name: a, type: string, substring: {reveals: equality, name: " + strings.Repeat("s", 60) + "}}]\n", []string{"column a", "side table"}, nil},

		// Compound.
		{"one part", "    columns: [{name: a, type: string}]\n    compound: [{name: c, parts: [{column: a}]}]\n", []string{"column c", "compound index c", "two parts"}, nil},
		{"part is plain", "    plain: [{name: p, type: text}]\n    columns: [{name: a, type: string}]\n    compound: [{name: c, parts: [{column: a}, {column: p}]}]\n", []string{"column p", "compound index c", "not a protected column"}, nil},
		{"part is the key", "    columns: [{name: a, type: string}]\n    compound: [{name: c, parts: [{column: a}, {column: id}]}]\n", []string{"column id", "not a protected column"}, nil},
		{"part unknown", "    columns: [{name: a, type: string}]\n    compound: [{name: c, parts: [{column: a}, {column: zz}]}]\n", []string{"column zz", "names no protected column"}, nil},
		{"part repeated", "    columns: [{name: a, type: string}]\n    compound: [{name: c, parts: [{column: a}, {column: a}]}]\n", []string{"column a", "repeats"}, nil},
		{"part transform type", "    columns: [{name: a, type: string}, {name: n, type: int64}]\n    compound: [{name: c, parts: [{column: a}, {column: n, transforms: digits}]}]\n", []string{"column n", "digits", "int64"}, nil},
		{"compound bits", "    columns: [{name: a, type: string}, {name: b, type: string}]\n    compound: [{name: c, bits: 99, parts: [{column: a}, {column: b}]}]\n", []string{"column c", "bits 99"}, blindindex.ErrBadConfig},
		{"compound without a name", "    columns: [{name: a, type: string}, {name: b, type: string}]\n    compound: [{parts: [{column: a}, {column: b}]}]\n", []string{"table patients", "compound index has no name"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSchema("bad.yaml", []byte(yamlTable(tc.body)))
			checkBroken(t, err, append([]string{"bad.yaml"}, tc.want...), tc.also)
		})
	}
}

func checkBroken(t *testing.T, err error, want []string, also error) {
	t.Helper()
	if err == nil {
		t.Fatal("accepted")
	}
	if !errors.Is(err, ErrSchema) {
		t.Errorf("error does not wrap ErrSchema: %v", err)
	}
	if also != nil && !errors.Is(err, also) {
		t.Errorf("error does not wrap %v: %v", also, err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

func TestParseSchemaDocument(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"empty", "", []string{"doc.yaml", "empty schema"}},
		{"comment only", "# nothing\n", []string{"doc.yaml", "empty schema"}},
		{"no version", "tables: [{name: t, columns: [{name: a, type: string}]}]\n", []string{"doc.yaml", "missing version"}},
		{"version 2", "version: 2\ntables: [{name: t, columns: [{name: a, type: string}]}]\n", []string{"doc.yaml", "unsupported version 2"}},
		{"no tables", "version: 1\n", []string{"doc.yaml", "no tables"}},
		{"two documents", "version: 1\ntables: [{name: t, columns: [{name: a, type: string}]}]\n---\nversion: 1\n", []string{"doc.yaml", "more than one YAML document"}},
		{"a list", "- 1\n", []string{"doc.yaml:1:"}},
		{"table name", "version: 1\ntables: [{name: 2x, columns: [{name: a, type: string}]}]\n", []string{"doc.yaml", "table 2x", "not an identifier"}},
		{"duplicate table", "version: 1\ntables: [{name: t, columns: [{name: a, type: string}]}, {name: T, columns: [{name: a, type: string}]}]\n", []string{"doc.yaml", "table T", "used twice"}},
		{"side table clash", "version: 1\ntables: [{name: a, columns: [{name: b, type: string, substring: {name: c, reveals: equality}}]}, {name: a__c, columns: [{name: x, type: string}]}]\n", []string{"doc.yaml", "table a", "column b", "its side table a__c clashes with table a__c"}},
		{"side tables collide", "version: 1\ntables: [{name: a_, columns: [{name: x, type: string, substring: {name: _b, reveals: equality}}]}, {name: a, columns: [{name: y, type: string, substring: {name: __b, reveals: equality}}]}]\n", []string{"doc.yaml", "table a", "column y", "side table a____b clashes with the side table of index a_._b"}},
		{"side tables of two tables", "version: 1\ntables: [{name: a, columns: [{name: x, type: string, substring: {name: b_c, reveals: equality}}]}, {name: a_b, columns: [{name: y, type: string, substring: {name: c, reveals: equality}}]}]\n", nil},
		{"too large", "version: 1\n#" + strings.Repeat("x", maxSchemaFile), []string{"doc.yaml", "larger than"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSchema("doc.yaml", []byte(tc.src))
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			checkBroken(t, err, tc.want, nil)
		})
	}
}

// The files under testdata/schemas/broken each hold one mistake that the
// first line's comment describes as "# want: <substring>|<substring>...".
func TestBrokenSchemaFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/schemas/broken_*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no broken schema files: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(string(data), "\n")
			spec, ok := strings.CutPrefix(first, "# want: ")
			if !ok {
				t.Fatalf("first line %q is not a # want: comment", first)
			}
			_, err = LoadSchemaFile(f)
			checkBroken(t, err, append([]string{f}, strings.Split(spec, "|")...), nil)
		})
	}
}

func FuzzParseSchema(f *testing.F) {
	files, _ := filepath.Glob("testdata/schemas/*.yaml")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(yamlTable("    columns: [{name: a, type: string, equality: true, prefix: true, substring: {reveals: equality}}]\n")))
	f.Add([]byte(yamlTable("    rows: 1000000\n    columns: [{name: a, type: string, distinct: 3000, equality: [{bits: 9}, {name: b, force: true}], prefix: {max: 6, force: true}, substring: {reveals: equality}}, {name: d, type: date}]\n    compound: [{name: c, force: true, parts: [{column: a}, {column: d}]}]\n")))
	f.Add([]byte("version: 1\ntables:\n  - &t {name: a}\n  - *t\n"))
	f.Add([]byte("{version: 1, tables: [{name: a, columns: [{name: b, type: bool, equality: {force: true}}]}]}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSchema("fuzz.yaml", data)
		if err != nil {
			if !errors.Is(err, ErrSchema) {
				t.Fatalf("error does not wrap ErrSchema: %v", err)
			}
			if !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("error does not name the source: %v", err)
			}
			return
		}
		// What ParseSchema accepts is valid, and stays so.
		if err := s.Validate(); err != nil {
			t.Fatalf("accepted schema fails Validate: %v", err)
		}
	})
}
