package sqlwrap

import (
	"errors"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/blindindex"
)

// validTable is a table built in Go, as a caller without YAML or tags
// would: defaults are not filled in, so KeyType is "".
func validTable() *Table {
	return &Table{
		Name: "patients", Key: "id", RowBinding: "id",
		Plain: []*PlainColumn{{Name: "city", Type: "text"}},
		Columns: []*Column{
			{Name: "ssn", Type: TypeString, Nullable: true,
				Equality: []*EqualityIndex{{Name: "ssn_eq", Transforms: "digits", Bits: 18}}},
			{Name: "last_name", Type: TypeString,
				Equality: []*EqualityIndex{{Name: "last_name_eq", Transforms: "nfkc,casefold,trim", Bits: 12, Partitions: 4}},
				Bloom: []*BloomIndex{
					{Name: "last_name_prefix", Kind: blindindex.Prefix, Transforms: "nfkc,casefold", MinGram: 2, MaxGram: 4, M: 4096, K: 2},
					{Name: "last_name_sub", Kind: blindindex.Substring, Transforms: "nfkc,casefold", MinGram: 3, MaxGram: 3, MaxGrams: 64, M: 4096, K: 2, RevealsEquality: true},
				}},
			{Name: "dob", Type: TypeDate},
			{Name: "deceased", Type: TypeBool},
		},
		Compound: []*CompoundIndex{
			{Name: "name_dob", Bits: 16, Parts: []CompoundPart{{"last_name", "nfkc,casefold"}, {"dob", ""}}},
		},
	}
}

func TestValidateGoSchema(t *testing.T) {
	s := &Schema{Source: "models.go", Tables: []*Table{validTable()}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := validTable().Validate(); err != nil {
		t.Fatal(err)
	}
	tb, ok := s.Table("patients")
	if !ok || tb != s.Tables[0] {
		t.Fatal("Table lookup")
	}
	if c, ok := tb.Column("dob"); !ok || c.Type != TypeDate {
		t.Fatal("Column lookup")
	}
	for _, name := range []string{"city", "id", "ssn_eq", "name_dob", "DOB"} {
		if _, ok := tb.Column(name); ok {
			t.Errorf("Column(%q) found a protected column", name)
		}
	}
}

func TestValidateBroken(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*Table)
		want   []string
		also   error
	}{
		{"bool forced is accepted", func(tb *Table) {
			tb.Columns[3].Equality = []*EqualityIndex{{Name: "deceased_eq", Bits: 1, Force: true}}
		}, nil, nil},
		{"bool standalone", func(tb *Table) {
			tb.Columns[3].Equality = []*EqualityIndex{{Name: "deceased_eq", Bits: 1}}
		}, []string{"column deceased", "deceased_eq"}, blindindex.ErrLowEntropy},
		{"month standalone", func(tb *Table) {
			tb.Columns[2].Equality = []*EqualityIndex{{Name: "dob_month", Transforms: "date:month", Bits: 4}}
		}, []string{"column dob", "date:month"}, blindindex.ErrLowEntropy},
		{"unknown Bloom kind", func(tb *Table) {
			tb.Columns[1].Bloom[0].Kind = 7
		}, []string{"column last_name", "last_name_prefix", "Bloom kind"}, nil},
		{"two prefix indexes", func(tb *Table) {
			tb.Columns[1].Bloom[1].Kind = blindindex.Prefix
		}, []string{"column last_name", "at most one prefix index"}, nil},
		{"key missing", func(tb *Table) { tb.Key = "" }, []string{"table patients", "no key column"}, nil},
		{"key is an index", func(tb *Table) { tb.Key = "ssn_eq" }, []string{"column ssn", "equality index ssn_eq", "key column ssn_eq"}, nil},
		{"binding to an index", func(tb *Table) { tb.RowBinding = "ssn_eq" }, []string{"column ssn_eq", "row binding"}, nil},
		{"nil column", func(tb *Table) { tb.Columns = append(tb.Columns, nil) }, []string{"table patients", "protected column 5 is nil"}, nil},
		{"nil index", func(tb *Table) { tb.Columns[0].Equality = append(tb.Columns[0].Equality, nil) }, []string{"column ssn", "equality index 2 is nil"}, nil},
		{"compound part without column", func(tb *Table) { tb.Compound[0].Parts[1].Column = "" }, []string{"column name_dob", "part 2 names no column"}, nil},
		{"compound bad transforms", func(tb *Table) { tb.Compound[0].Parts[0].Transforms = "upper" }, []string{"column last_name", "compound index name_dob", "upper"}, blindindex.ErrBadConfig},
		{"compound partitions", func(tb *Table) { tb.Compound[0].Partitions = -1 }, []string{"column name_dob", "partitions -1"}, blindindex.ErrBadConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := validTable()
			tc.mutate(tb)
			err := (&Schema{Source: "models.go", Tables: []*Table{tb}}).Validate()
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			checkBroken(t, err, append([]string{"models.go", "table patients"}, tc.want...), tc.also)
			// Table.Validate says the same without the source.
			terr := tb.Validate()
			if terr == nil || !errors.Is(terr, ErrSchema) || strings.Contains(terr.Error(), "models.go") {
				t.Errorf("Table.Validate: %v", terr)
			}
		})
	}
}

func TestValidateSchemaLevel(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    *Schema
		want []string
	}{
		{"nil schema", nil, []string{"nil schema"}},
		{"no tables", &Schema{Source: "s"}, []string{"s: no tables"}},
		{"nil table", &Schema{Source: "s", Tables: []*Table{validTable(), nil}}, []string{"s: table 2 is nil"}},
		{"duplicate table", &Schema{Source: "s", Tables: []*Table{validTable(), validTable()}}, []string{"s: table patients", "used twice"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkBroken(t, tc.s.Validate(), tc.want, nil)
		})
	}
	var nilTable *Table
	checkBroken(t, nilTable.Validate(), []string{"nil table"}, nil)
}
