package sqlwrap

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/blindindex"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// The migration benchmark's patient_data: OpenEMR's columns and types
// (VARCHAR(255) text, DATE of birth), 8 of them protected with the
// indexes a deployment searches by, and unprotected ones beside them.

// mbCol is a protected column of the benchmark's table.
type mbCol struct {
	name string
	date bool
}

var mbCols = []mbCol{
	{name: "pubpid"}, {name: "fname"}, {name: "lname"}, {name: "dob", date: true},
	{name: "ss"}, {name: "email"}, {name: "phone_cell"}, {name: "street"},
}

// mbPlainCols are unprotected columns, stored as they are.
var mbPlainCols = []string{"mname", "city", "state", "sex", "status"}

// mbSchema protects the 8 columns: equality on pubpid, ss, email and
// phone; prefix search on fname and lname; lname with dob as a compound
// index; street sealed without an index. With sub, email also has a
// substring index.
func mbSchema(sub bool) *Schema {
	name := "nfkc,casefold,trim,nodiacritics"
	prefix := func(n string) []*BloomIndex {
		return []*BloomIndex{{Name: n, Kind: blindindex.Prefix, Transforms: "nfkc,casefold,nodiacritics,letters", MinGram: 2, MaxGram: 4, M: 65536, K: 2}}
	}
	email := &Column{Name: "email", Type: TypeString, Nullable: true,
		Equality: []*EqualityIndex{{Name: "email_eq", Transforms: "casefold,trim", Bits: 16}}}
	if sub {
		email.Bloom = []*BloomIndex{{Name: "email_sub", Kind: blindindex.Substring, Transforms: "casefold", MinGram: 3, MaxGram: 3, MaxGrams: 256, M: 65536, K: 2, RevealsEquality: true}}
	}
	return &Schema{Source: "migratebenchfixture_test.go", Tables: []*Table{{
		Name: "patient_data", Key: "id", RowBinding: "id",
		Plain: []*PlainColumn{{Name: "pid", Type: "integer"}},
		Columns: []*Column{
			{Name: "pubpid", Type: TypeString, Equality: []*EqualityIndex{{Name: "pubpid_eq", Transforms: "trim", Bits: 16}}},
			{Name: "fname", Type: TypeString, Bloom: prefix("fname_prefix")},
			{Name: "lname", Type: TypeString, Bloom: prefix("lname_prefix")},
			{Name: "dob", Type: TypeDate, Nullable: true},
			{Name: "ss", Type: TypeString, Equality: []*EqualityIndex{{Name: "ss_eq", Transforms: "digits", Bits: 16}}},
			email,
			{Name: "phone_cell", Type: TypeString, Equality: []*EqualityIndex{{Name: "phone_eq", Transforms: "digits", Bits: 16}}},
			{Name: "street", Type: TypeString},
		},
		Compound: []*CompoundIndex{{Name: "lname_dob", Bits: 16, Parts: []CompoundPart{{Column: "lname", Transforms: name}, {Column: "dob"}}}},
	}}}
}

var mbStreets = []string{"Main St", "Elm Street", "Massachusetts Ave", "Calle Mayor", "Oak Rd", "Rue de la Paix"}
var mbCities = []string{"Boston", "Cambridge", "Chicago", "Somerville", "Springfield"}

// mbValues is row i (from 1): id, pid, the protected columns in mbCols
// order, then mbPlainCols.
func mbValues(i int) []any {
	first := pdFirst[i%len(pdFirst)]
	var email any = fmt.Sprintf("%s.%s%d@example.org", strings.ToLower(first), "pt", i)
	if i%11 == 3 {
		email = nil
	}
	return []any{
		int64(i), int64(100000 + i),
		fmt.Sprintf("PT%07d", i), first, pdLast[(i/10)%len(pdLast)],
		fmt.Sprintf("%04d-%02d-%02d", 1930+i*7%80, 1+i%12, 1+i*3%28),
		fmt.Sprintf("%03d-%02d-%04d", 100+i*37%800, 10+i%80, 1000+i*131%9000),
		email,
		fmt.Sprintf("(617) 555-%04d", i*53%10000),
		fmt.Sprintf("%d %s", 1+i%400, mbStreets[i%len(mbStreets)]),
		[]string{"", "A", "J"}[i%3], mbCities[i%len(mbCities)], "MA", []string{"Female", "Male"}[i%2], "active",
	}
}

// mbDefs are the column definitions of the plaintext table, as OpenEMR
// declares them: text NOT NULL DEFAULT ” except email and DOB.
func mbDefs(d testdb.Dialect) []string {
	key := map[testdb.Dialect]string{"sqlite": "INTEGER PRIMARY KEY", "postgres": "BIGINT PRIMARY KEY", "mysql": "BIGINT NOT NULL PRIMARY KEY"}[d]
	text := map[testdb.Dialect]string{"sqlite": "TEXT", "postgres": "VARCHAR(255)", "mysql": "VARCHAR(255)"}[d]
	defs := []string{"id " + key, "pid BIGINT NOT NULL"}
	for _, c := range mbCols {
		switch {
		case c.date:
			defs = append(defs, c.name+" DATE")
		case c.name == "email":
			defs = append(defs, c.name+" "+text)
		default:
			defs = append(defs, c.name+" "+text+" NOT NULL DEFAULT ''")
		}
	}
	for _, c := range mbPlainCols {
		defs = append(defs, c+" "+text+" NOT NULL DEFAULT ''")
	}
	return defs
}

func mbCreate(t testing.TB, d testdb.Dialect, db *sql.DB, table string) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), "CREATE TABLE "+table+" ("+strings.Join(mbDefs(d), ", ")+")"); err != nil {
		t.Fatal(err)
	}
}

// mbFill inserts rows 1..n into table, 100 rows a statement, in one
// transaction.
func mbFill(t testing.TB, d testdb.Dialect, db *sql.DB, table string, n int) {
	t.Helper()
	ctx := context.Background()
	dl, err := lookupDialect(string(d))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"id", "pid"}
	for _, c := range mbCols {
		names = append(names, c.name)
	}
	names = append(names, mbPlainCols...)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const chunk = 100
	for from := 1; from <= n; from += chunk {
		k := min(chunk, n-from+1)
		args := make([]any, 0, k*len(names))
		for i := from; i < from+k; i++ {
			args = append(args, mbValues(i)...)
		}
		if _, err := tx.ExecContext(ctx, dl.insertSQL(table, names, k), args...); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// mbAddCopies adds the plain pass's copy columns.
func mbAddCopies(t testing.TB, db *sql.DB) {
	t.Helper()
	for _, c := range mbCols {
		typ := "VARCHAR(255)"
		if c.date {
			typ = "DATE"
		}
		if _, err := db.ExecContext(context.Background(), "ALTER TABLE patient_data ADD COLUMN "+c.name+"_copy "+typ); err != nil {
			t.Fatal(err)
		}
	}
}

// mbRenameToPlain renames the protected columns to c__plain without NOT
// NULL, as `phicrypt migrate` does before EnsureSchema.
func mbRenameToPlain(t testing.TB, d testdb.Dialect, db *sql.DB) {
	t.Helper()
	ctx := context.Background()
	exec := func(q string) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if d == testdb.DialectPostgres {
		for _, c := range mbCols {
			exec(fmt.Sprintf("ALTER TABLE patient_data RENAME COLUMN %s TO %s__plain", c.name, c.name))
			exec(fmt.Sprintf("ALTER TABLE patient_data ALTER COLUMN %s__plain DROP NOT NULL", c.name))
		}
		return
	}
	defs := mbDefs(d)
	for i, c := range mbCols {
		def := defs[2+i]
		def = strings.Replace(def, c.name, c.name+"__plain", 1)
		defs[2+i] = strings.Replace(def, " NOT NULL", "", 1)
	}
	exec("CREATE TABLE patient_data_new (" + strings.Join(defs, ", ") + ")")
	exec("INSERT INTO patient_data_new SELECT * FROM patient_data")
	exec("DROP TABLE patient_data")
	exec("ALTER TABLE patient_data_new RENAME TO patient_data")
}
