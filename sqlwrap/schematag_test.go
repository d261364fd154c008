package sqlwrap

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// patientRow is testdata/schemas/patients.yaml in struct tags.
type patientRow struct {
	ID        int64       `db:"id,key,bind"`
	City      string      `db:"city"`
	CreatedAt *time.Time  // created_at, nullable
	SSN       *string     `db:"ssn" phi:"max_length=11; padding=16; scope=patients.ssn; eq(name=ssn_eq,transforms=digits,bits=24); eq(name=ssn_last4,transforms=digits|last:4,bits=8)"`
	LastName  string      `phi:"eq(name=last_name_eq,transforms=nfkc|casefold|trim|nodiacritics,bits=16,partitions=4);prefix(name=last_name_prefix,transforms=nfkc|casefold|nodiacritics|letters,min=2,max=4,m=65536,k=2);substring(min=3,max=3,m=4096,k=2,max_grams=64,reveals=equality)"`
	DOB       cipher.Date `db:"dob" phi:"equality(transforms=,bits=14)"`
	Sex       string      `phi:"max_length=1"`
	MRN       string      `phi:"eq"`
	_         struct{}    `phi:"compound(name=name_dob,bits=24,parts=last_name:nfkc|casefold|trim|nodiacritics+dob)"`
	_         struct{}    `phi:"compound(name=sex_dob,parts=sex+dob:date:year)"`
	internal  int         //lint:ignore U1000 an unexported field must be ignored
}

// patientData is the struct of docs/SCHEMA.md; TestSchemaDocExamples
// checks that the document shows it and that it equals the YAML example.
type patientData struct {
	PID        int64        `db:"pid,key,bind"`
	PubPID     string       `db:"pubpid" phi:"max_length=32; eq(transforms=nfkc|casefold|alnum,bits=15)"`
	FName      string       `db:"fname" phi:"max_length=64; padding=16; eq(transforms=nfkc|casefold|trim|nodiacritics,bits=9); prefix(transforms=nfkc|casefold|nodiacritics|letters,max=4)"`
	LName      string       `db:"lname" phi:"max_length=64; padding=16; eq(transforms=nfkc|casefold|trim|nodiacritics,bits=11,partitions=4); prefix(transforms=nfkc|casefold|nodiacritics|letters,max=4); substring(transforms=nfkc|casefold|nodiacritics|letters,m=4096,max_grams=64,reveals=equality)"`
	MName      *string      `db:"mname" phi:"max_length=64; padding=16"`
	DOB        *cipher.Date `db:"DOB" phi:""`
	SS         *string      `db:"ss" phi:"max_length=11; padding=16; eq(name=ss_eq,transforms=digits,bits=15)"`
	Street     *string      `db:"street" phi:"max_length=128; padding=32; substring(m=8192,max_grams=128,reveals=equality)"`
	PostalCode *string      `db:"postal_code" phi:"max_length=10"`
	City       *string      `db:"city"`
	State      *string      `db:"state"`
	PhoneHome  *string      `db:"phone_home" phi:"max_length=32; eq(transforms=digits|last:10,bits=15)"`
	PhoneCell  *string      `db:"phone_cell" phi:"max_length=32; eq(transforms=digits|last:10,bits=15)"`
	Email      *string      `db:"email" phi:"max_length=254; padding=32; eq(bits=15)"`
	Sex        *string      `db:"sex" phi:"max_length=16"`
	RegDate    *time.Time   `db:"regdate"`
	_          struct{}     `phi:"compound(name=lname_dob,bits=15,parts=lname:nfkc|casefold|trim|nodiacritics+DOB)"`
	_          struct{}     `phi:"compound(name=sex_dob,bits=14,parts=sex:nfkc|casefold|trim|first:1+DOB)"`
}

func loadTable(t *testing.T, path, name string) *Table {
	t.Helper()
	s, err := LoadSchemaFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tb, ok := s.Table(name)
	if !ok {
		t.Fatalf("%s: no table %s", path, name)
	}
	return tb
}

func compareTables(t *testing.T, got, want *Table) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	t.Errorf("tables differ:\n got %s\nwant %s", g, w)
}

func TestSchemaFromStructMatchesYAML(t *testing.T) {
	for _, tc := range []struct {
		file, table string
		v           any
	}{
		{"testdata/schemas/patients.yaml", "patients", patientRow{}},
		{"testdata/schemas/patient_data.yaml", "patient_data", &patientData{}},
	} {
		t.Run(tc.table, func(t *testing.T) {
			got, err := SchemaFromStruct(tc.table, tc.v)
			if err != nil {
				t.Fatal(err)
			}
			compareTables(t, got, loadTable(t, tc.file, tc.table))
		})
	}
}

// TestSchemaDocExamples keeps docs/SCHEMA.md honest: its YAML example is
// testdata/schemas/patient_data.yaml and its struct is patientData.
func TestSchemaDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../docs/SCHEMA.md")
	if err != nil {
		t.Fatal(err)
	}
	// blocks returns the code blocks of one language, concatenated.
	blocks := func(lang string) string {
		var all strings.Builder
		rest := string(doc)
		for {
			var ok bool
			if _, rest, ok = strings.Cut(rest, "```"+lang+"\n"); !ok {
				break
			}
			var body string
			body, rest, _ = strings.Cut(rest, "```")
			all.WriteString(body)
		}
		if all.Len() == 0 {
			t.Fatalf("docs/SCHEMA.md has no %s block", lang)
		}
		return all.String()
	}
	s, err := ParseSchema("docs/SCHEMA.md", []byte(blocks("yaml")))
	if err != nil {
		t.Fatal(err)
	}
	fromFile := loadTable(t, "testdata/schemas/patient_data.yaml", "patient_data")
	compareTables(t, s.Tables[0], fromFile)

	// The Go block must declare the fields of patientData with the same
	// tags; compare them line by line, ignoring alignment.
	goBlock := blocks("go")
	rt := reflect.TypeFor[patientData]()
	for i := range rt.NumField() {
		f := rt.Field(i)
		want := f.Name + " " + strings.ReplaceAll(f.Type.String(), "struct {}", "struct{}") + " `" + string(f.Tag) + "`"
		found := false
		for _, line := range strings.Split(goBlock, "\n") {
			if strings.Join(strings.Fields(line), " ") == want {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("docs/SCHEMA.md Go example lacks the line %q", want)
		}
	}
}

func TestSchemaFromStruct(t *testing.T) {
	type base struct {
		ID      string `db:"id"` // the key by its name, text
		Updated time.Time
	}
	type row struct {
		base
		Notes    []byte    `phi:""`
		Score    *float64  `phi:""`
		Count    int64     `phi:"eq(bits=20)"`
		Flag     bool      `phi:"eq(force)"`
		Seen     time.Time `phi:"eq(transforms=date:yearmonth)"`
		Skipped  string    `db:"-"`
		Raw      []byte
		Small    int16
		Ratio    float32
		OK       *bool
		HTTPCode int
		Phone2   string
		private  string //lint:ignore U1000 an unexported field must be ignored
	}
	tb, err := SchemaFromStruct("rows", row{})
	if err != nil {
		t.Fatal(err)
	}
	want := &Table{
		Name: "rows", Key: "id", KeyType: "text",
		Plain: []*PlainColumn{
			{Name: "updated", Type: "timestamp"},
			{Name: "raw", Type: "bytes"},
			{Name: "small", Type: "integer"},
			{Name: "ratio", Type: "real"},
			{Name: "ok", Type: "boolean", Nullable: true},
			{Name: "http_code", Type: "integer"},
			{Name: "phone2", Type: "text"},
		},
		Columns: []*Column{
			{Name: "notes", Type: TypeBytes},
			{Name: "score", Type: TypeFloat64, Nullable: true},
			{Name: "count", Type: TypeInt64, Equality: []*EqualityIndex{{Name: "count_eq", Bits: 20}}},
			{Name: "flag", Type: TypeBool, Equality: []*EqualityIndex{{Name: "flag_eq", Bits: 1, Force: true}}},
			{Name: "seen", Type: TypeTimestamp, Equality: []*EqualityIndex{{Name: "seen_eq", Transforms: "date:yearmonth", Bits: 9}}},
		},
	}
	compareTables(t, tb, want)
}

func TestSchemaFromStructBroken(t *testing.T) {
	type noKey struct {
		Name string `phi:""`
	}
	type twoKeys struct {
		A int64  `db:"a,key"`
		B int64  `db:"b,key"`
		N string `phi:""`
	}
	type floatKey struct {
		ID float64 `db:"id,key"`
		N  string  `phi:""`
	}
	type protectedKey struct {
		ID int64 `db:"id,key" phi:"eq"`
	}
	type intField struct {
		ID  int64 `db:"id,key"`
		Age int   `phi:"eq"`
	}
	type namedString string
	type namedField struct {
		ID  int64       `db:"id,key"`
		MRN namedString `phi:""`
	}
	type plainMap struct {
		ID   int64 `db:"id,key"`
		Tags map[string]string
		N    string `phi:""`
	}
	type badClause struct {
		ID  int64  `db:"id,key"`
		SSN string `phi:"eq(bitz=3)"`
	}
	type badNumber struct {
		ID  int64  `db:"id,key"`
		SSN string `phi:"eq(bits=x)"`
	}
	type unclosed struct {
		ID  int64  `db:"id,key"`
		SSN string `phi:"eq(bits=3"`
	}
	type unknownClause struct {
		ID  int64  `db:"id,key"`
		SSN string `phi:"soundex"`
	}
	type twoPrefixes struct {
		ID   int64  `db:"id,key"`
		Name string `phi:"prefix;prefix(min=3)"`
	}
	type bindProtected struct {
		ID  int64  `db:"id,key"`
		SSN string `db:"ssn,bind" phi:""`
	}
	type twoBinds struct {
		ID  int64  `db:"id,key,bind"`
		U   string `db:"u,bind"`
		SSN string `phi:""`
	}
	type badOption struct {
		ID  int64  `db:"id,primary"`
		SSN string `phi:""`
	}
	type skippedPHI struct {
		ID  int64  `db:"id,key"`
		SSN string `db:"-" phi:""`
	}
	type unexportedPHI struct {
		ID  int64  `db:"id,key"`
		ssn string `phi:""` //lint:ignore U1000 an unexported protected field must be refused
	}
	type compoundOnField struct {
		ID  int64  `db:"id,key"`
		SSN string `phi:"compound(name=c,parts=ssn+ssn)"`
	}
	type eqOnBlank struct {
		ID  int64    `db:"id,key"`
		SSN string   `phi:""`
		_   struct{} `phi:"eq"`
	}
	type compoundPlain struct {
		ID   int64       `db:"id,key"`
		City string      `db:"city"`
		DOB  cipher.Date `db:"dob" phi:""`
		_    struct{}    `phi:"compound(name=city_dob,parts=city+dob)"`
	}
	type casefoldInt struct {
		ID    int64 `db:"id,key"`
		Visit int64 `phi:"eq(transforms=nfkc|casefold)"`
	}
	type boolIndex struct {
		ID       int64 `db:"id,key"`
		Deceased bool  `phi:"eq"`
	}
	type badColumnName struct {
		ID  int64  `db:"id,key"`
		SSN string `db:"s-s-n" phi:""`
	}
	type doubledPadding struct {
		ID  int64  `db:"id,key"`
		SSN string `phi:"padding=16;padding=32"`
	}
	type emptyClause struct {
		ID  int64  `db:"id,key"`
		SSN string `phi:"eq;;padding=16"`
	}
	for _, tc := range []struct {
		name string
		v    any
		want []string
		also error
	}{
		{"no key", noKey{}, []string{"sqlwrap.noKey", "table t", "no key field"}, nil},
		{"two keys", twoKeys{}, []string{"sqlwrap.twoKeys", "column b", "field B", "second key"}, nil},
		{"float key", floatKey{}, []string{"sqlwrap.floatKey", "column id", "field ID", "key type float64"}, nil},
		{"protected key", protectedKey{}, []string{"column id", "never protected"}, nil},
		{"int protected", intField{}, []string{"sqlwrap.intField", "column age", "field Age", "protected type int"}, nil},
		{"named type", namedField{}, []string{"column mrn", "field MRN", "sqlwrap.namedString"}, nil},
		{"plain map", plainMap{}, []string{"column tags", "field Tags", "map[string]string"}, nil},
		{"unknown setting", badClause{}, []string{"column ssn", "field SSN", `"bitz"`}, nil},
		{"bad number", badNumber{}, []string{"column ssn", "bits=x"}, nil},
		{"unclosed", unclosed{}, []string{"column ssn", "unclosed"}, nil},
		{"unknown clause", unknownClause{}, []string{"column ssn", `"soundex"`}, nil},
		{"two prefixes", twoPrefixes{}, []string{"column name", "prefix given twice"}, nil},
		{"bind protected", bindProtected{}, []string{"column ssn", "row binding"}, nil},
		{"two binds", twoBinds{}, []string{"column u", "second bind"}, nil},
		{"bad db option", badOption{}, []string{"column id", `"primary"`}, nil},
		{"skipped with phi", skippedPHI{}, []string{"field SSN", "db:\"-\""}, nil},
		{"unexported with phi", unexportedPHI{}, []string{"column ssn", "field ssn", "unexported"}, nil},
		{"compound on a field", compoundOnField{}, []string{"column ssn", "blank field"}, nil},
		{"eq on a blank field", eqOnBlank{}, []string{"sqlwrap.eqOnBlank", "field _", "compound"}, nil},
		{"compound on plain", compoundPlain{}, []string{"sqlwrap.compoundPlain", "column city", "compound index city_dob"}, nil},
		{"casefold on int64", casefoldInt{}, []string{"sqlwrap.casefoldInt", "column visit", "nfkc"}, nil},
		{"bool index", boolIndex{}, []string{"sqlwrap.boolIndex", "column deceased", "bool"}, nil},
		{"bad column name", badColumnName{}, []string{"sqlwrap.badColumnName", "column s-s-n", "not an identifier"}, nil},
		{"padding twice", doubledPadding{}, []string{"column ssn", "padding given twice"}, nil},
		{"empty clause", emptyClause{}, []string{"column ssn", "empty clause"}, nil},
		{"not a struct", 42, []string{"int", "table t", "struct"}, nil},
		{"nil", nil, []string{"table t", "struct"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SchemaFromStruct("t", tc.v)
			checkBroken(t, err, tc.want, tc.also)
		})
	}
}

// TestDocSchemaEndToEnd runs the struct of docs/SCHEMA.md on every
// database: the same struct declares the table (SchemaFromStruct) and
// reads and writes it (For), and each documented query finds its row.
func TestDocSchemaEndToEnd(t *testing.T) {
	tb, err := SchemaFromStruct("patient_data", patientData{})
	if err != nil {
		t.Fatal(err)
	}
	schema := &Schema{Source: "patientData", Tables: []*Table{tb}}
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, schema)
		pats, err := For[patientData](f.db, "patient_data")
		if err != nil {
			t.Fatal(err)
		}
		ss, street, sex := "078-05-1120", "12 Elm Street", "Female"
		dob := cipher.Date{Year: 1948, Month: 3, Day: 17}
		in := []patientData{
			{PID: 1, PubPID: "MRN-0001", FName: "Ana", LName: "Núñez", DOB: &dob, SS: &ss, Street: &street, Sex: &sex},
			{PID: 2, PubPID: "MRN-0002", FName: "John", LName: "Smith"},
		}
		if _, err := pats.InsertBatch(ctx, in); err != nil {
			t.Fatal(err)
		}
		for _, q := range []struct {
			name  string
			where []Pred
			want  int64
		}{
			{"equality under transforms", []Pred{Eq("lname", "  NUNEZ ")}, 1},
			{"MRN", []Pred{Eq("pubpid", "mrn0002")}, 2},
			{"SSN digits", []Pred{Eq("ss", "078051120")}, 1},
			{"prefix", []Pred{Prefix("fname", "jo")}, 2},
			{"substring", []Pred{Contains("street", "elm")}, 1},
			{"compound", []Pred{Eq("lname", "nunez"), Eq("DOB", dob)}, 1},
			{"compound with a low-entropy part", []Pred{Eq("sex", "f"), Eq("DOB", dob)}, 1},
			{"null", []Pred{IsNull("ss")}, 2},
		} {
			got, err := pats.Find(ctx, Query{Where: q.where})
			if err != nil {
				t.Errorf("%s: %v", q.name, err)
				continue
			}
			if len(got) != 1 || got[0].PID != q.want {
				t.Errorf("%s: got %d rows, want row %d", q.name, len(got), q.want)
			}
		}
		if _, err := pats.Find(ctx, Query{Where: []Pred{Eq("sex", "female")}}); !errors.Is(err, ErrUnsupported) {
			t.Errorf("Eq on sex alone uses no index, want ErrUnsupported: %v", err)
		}
	})
}
