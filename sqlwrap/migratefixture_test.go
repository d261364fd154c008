package sqlwrap

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/blindindex"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/keyprovider/local"
)

// The migration tests start from a plaintext table shaped like OpenEMR's
// patient_data, rename its PHI columns to c__plain as `phicrypt migrate`
// does, and let EnsureSchema add the ciphertext and token columns.

// pdCol is a plaintext column of patient_data.
type pdCol struct {
	name string
	// typ is the SQL type by dialect.
	typ map[testdb.Dialect]string
	// notNull columns are NOT NULL DEFAULT '' as in OpenEMR.
	notNull bool
}

var (
	pdText = map[testdb.Dialect]string{"sqlite": "TEXT", "postgres": "VARCHAR(255)", "mysql": "VARCHAR(255)"}
	pdDate = map[testdb.Dialect]string{"sqlite": "DATE", "postgres": "DATE", "mysql": "DATE"}
)

// pdCols are the protected columns, plaintext before the migration.
var pdCols = []pdCol{
	{name: "fname", typ: pdText, notNull: true},
	{name: "lname", typ: pdText, notNull: true},
	{name: "ss", typ: pdText, notNull: true},
	{name: "dob", typ: pdDate},
	{name: "dob_text", typ: pdText},
	{name: "email", typ: pdText},
	{name: "phone_cell", typ: pdText, notNull: true},
	{name: "postal_code", typ: pdText},
}

func pdSchema() *Schema {
	name := "nfkc,casefold,trim,nodiacritics"
	return &Schema{Source: "migratefixture_test.go", Tables: []*Table{{
		Name: "patient_data", Key: "id", RowBinding: "id",
		Plain: []*PlainColumn{{Name: "pid", Type: "integer"}},
		Columns: []*Column{
			{Name: "fname", Type: TypeString, Equality: []*EqualityIndex{{Name: "fname_eq", Transforms: name, Bits: 16}}},
			{Name: "lname", Type: TypeString,
				Equality: []*EqualityIndex{{Name: "lname_eq", Transforms: name, Bits: 16}},
				Bloom:    []*BloomIndex{{Name: "lname_prefix", Kind: blindindex.Prefix, Transforms: "nfkc,casefold,nodiacritics,letters", MinGram: 2, MaxGram: 4, M: 65536, K: 2}}},
			{Name: "ss", Type: TypeString, Nullable: true, MaxLength: 11, Equality: []*EqualityIndex{
				{Name: "ss_eq", Transforms: "digits", Bits: 16}, {Name: "ss_last4", Transforms: "digits,last:4", Bits: 8}}},
			{Name: "dob", Type: TypeDate, Nullable: true},
			{Name: "dob_text", Type: TypeDate, Nullable: true},
			{Name: "email", Type: TypeString, Nullable: true,
				Equality: []*EqualityIndex{{Name: "email_eq", Transforms: "casefold,trim", Bits: 16}},
				Bloom:    []*BloomIndex{{Name: "email_sub", Kind: blindindex.Substring, Transforms: "casefold", MinGram: 3, MaxGram: 3, MaxGrams: 256, M: 65536, K: 2, RevealsEquality: true}}},
			{Name: "phone_cell", Type: TypeString, Equality: []*EqualityIndex{{Name: "phone_eq", Transforms: "digits", Bits: 16}}},
			{Name: "postal_code", Type: TypeString, Nullable: true, Equality: []*EqualityIndex{{Name: "postal_eq", Transforms: "trim", Bits: 12}}},
		},
		Compound: []*CompoundIndex{{Name: "lname_dob", Bits: 16, Parts: []CompoundPart{{Column: "lname", Transforms: name}, {Column: "dob"}}}},
	}}}
}

// pdRow is one plaintext row: the values as SQL stores them (dates as
// 'YYYY-MM-DD' text, "" for the empty string, nil for NULL).
type pdRow struct {
	id, pid int64
	vals    map[string]any
}

var pdFirst = []string{"Ana", "John", "Wayland", "Rita", "Luis", "María", "Chen", "Olga", "Kwame", "Fatima"}
var pdLast = []string{"Núñez", "Smith", "Smithers", "Nunes", "GARCÍA", "Smith", "O'Brien", "Ivanova", "Mensah", "Haddad"}

// pdRows makes n synthetic rows. Some have NULL email, an empty dob_text
// (NULL once parsed) and an empty ss.
func pdRows(n int) []pdRow {
	var out []pdRow
	for i := 1; i <= n; i++ {
		dob := fmt.Sprintf("%04d-%02d-%02d", 1930+i*7%80, 1+i%12, 1+i*3%28)
		r := pdRow{id: int64(i), pid: int64(1000 + i), vals: map[string]any{
			"fname":       pdFirst[i%len(pdFirst)],
			"lname":       pdLast[i%len(pdLast)],
			"ss":          fmt.Sprintf("%03d-%02d-%04d", 100+i*37%800, 10+i%80, 1000+i*131%9000),
			"dob":         dob,
			"dob_text":    dob,
			"email":       fmt.Sprintf("%s.%s%d@example.org", strings.ToLower(pdFirst[i%len(pdFirst)]), "pt", i),
			"phone_cell":  fmt.Sprintf("(617) 555-%04d", i*53%10000),
			"postal_code": []string{"02139", "02140", "60601"}[i%3],
		}}
		switch i % 7 {
		case 3:
			r.vals["email"] = nil
		case 5:
			r.vals["dob_text"] = ""
		case 6:
			r.vals["ss"] = ""
		}
		if i == 1 {
			r.vals["ss"] = "078-05-1120"
		}
		out = append(out, r)
	}
	return out
}

// want is the row as the wrapper reads it.
func (r pdRow) want() Row {
	out := Row{"id": r.id, "pid": r.pid}
	for k, v := range r.vals {
		switch {
		case v == nil:
			out[k] = nil
		case k == "dob" || k == "dob_text":
			s := v.(string)
			if s == "" {
				out[k] = nil
				continue
			}
			var d cipher.Date
			fmt.Sscanf(s, "%04d-%02d-%02d", &d.Year, &d.Month, &d.Day)
			out[k] = d
		default:
			out[k] = v
		}
	}
	return out
}

// createPlainPatientData creates patient_data with its PHI in plaintext
// and fills it with rows.
func createPlainPatientData(t testing.TB, d testdb.Dialect, db *sql.DB, rows []pdRow) {
	t.Helper()
	ctx := context.Background()
	key := map[testdb.Dialect]string{"sqlite": "INTEGER PRIMARY KEY", "postgres": "BIGINT PRIMARY KEY", "mysql": "BIGINT NOT NULL PRIMARY KEY"}[d]
	defs := []string{"id " + key, "pid BIGINT NOT NULL UNIQUE"}
	for _, c := range pdCols {
		def := c.name + " " + c.typ[d]
		if c.notNull {
			def += " NOT NULL DEFAULT ''"
		}
		defs = append(defs, def)
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE patient_data ("+strings.Join(defs, ", ")+")"); err != nil {
		t.Fatal(err)
	}
	ph := func(i int) string {
		if d == "postgres" {
			return fmt.Sprintf("$%d", i)
		}
		return "?"
	}
	names := []string{"id", "pid"}
	for _, c := range pdCols {
		names = append(names, c.name)
	}
	phs := make([]string, len(names))
	for i := range phs {
		phs[i] = ph(i + 1)
	}
	ins := "INSERT INTO patient_data (" + strings.Join(names, ", ") + ") VALUES (" + strings.Join(phs, ", ") + ")"
	for _, r := range rows {
		args := []any{r.id, r.pid}
		for _, c := range pdCols {
			v := r.vals[c.name]
			if c.name == "dob" && v == "" {
				v = nil
			}
			args = append(args, v)
		}
		if _, err := db.ExecContext(ctx, ins, args...); err != nil {
			t.Fatalf("insert row %d: %v", r.id, err)
		}
	}
}

// renameToPlain renames every PHI column c of patient_data to c__plain and
// drops its NOT NULL, as `phicrypt migrate` does before EnsureSchema.
func renameToPlain(t testing.TB, d testdb.Dialect, db *sql.DB) {
	t.Helper()
	ctx := context.Background()
	exec := func(q string) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	switch d {
	case "postgres":
		for _, c := range pdCols {
			exec(fmt.Sprintf("ALTER TABLE patient_data RENAME COLUMN %s TO %s__plain", c.name, c.name))
			exec(fmt.Sprintf("ALTER TABLE patient_data ALTER COLUMN %s__plain DROP NOT NULL", c.name))
		}
	case "mysql":
		for _, c := range pdCols {
			def := ""
			if c.notNull {
				def = " DEFAULT ''"
			}
			exec(fmt.Sprintf("ALTER TABLE patient_data CHANGE COLUMN %s %s__plain %s NULL%s", c.name, c.name, c.typ[d], def))
		}
	default:
		// SQLite cannot drop NOT NULL: the table is rebuilt (the
		// procedure of sqlite.org/lang_altertable.html).
		defs := []string{"id INTEGER PRIMARY KEY", "pid BIGINT NOT NULL UNIQUE"}
		for _, c := range pdCols {
			def := c.name + "__plain " + c.typ[d]
			if c.notNull {
				def += " DEFAULT ''"
			}
			defs = append(defs, def)
		}
		exec("CREATE TABLE patient_data_new (" + strings.Join(defs, ", ") + ")")
		exec("INSERT INTO patient_data_new SELECT * FROM patient_data")
		exec("DROP TABLE patient_data")
		exec("ALTER TABLE patient_data_new RENAME TO patient_data")
	}
}

// dropPlain drops every c__plain column, as --drop-plaintext does.
func dropPlain(t testing.TB, db *sql.DB) {
	t.Helper()
	for _, c := range pdCols {
		if _, err := db.ExecContext(context.Background(), fmt.Sprintf("ALTER TABLE patient_data DROP COLUMN %s__plain", c.name)); err != nil {
			t.Fatal(err)
		}
	}
}

// migratingFixture is patient_data with rows, renamed, and a wrapper over
// it after EnsureSchema.
func migratingFixture(t testing.TB, d testdb.Dialect, rows []pdRow) *fixture {
	t.Helper()
	sqldb, _ := testdb.Open(t, d)
	createPlainPatientData(t, d, sqldb, rows)
	renameToPlain(t, d, sqldb)
	return fixtureOn(t, d, sqldb, pdSchema())
}

// ciphertexts returns every protected column's stored bytes by key.
func ciphertexts(t testing.TB, db *sql.DB) map[int64][]string {
	t.Helper()
	var names []string
	for _, c := range pdCols {
		names = append(names, c.name)
	}
	rows, err := db.QueryContext(context.Background(), "SELECT id, "+strings.Join(names, ", ")+" FROM patient_data")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64][]string{}
	for rows.Next() {
		var id int64
		vals := make([]sql.RawBytes, len(names))
		dest := []any{&id}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			if v == nil {
				out[id] = append(out[id], "NULL")
			} else {
				out[id] = append(out[id], string(v))
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// openOn wraps sqldb with schema and kek (a fresh local KEK if none),
// without EnsureSchema.
func openOn(t testing.TB, d testdb.Dialect, sqldb *sql.DB, schema *Schema, kek ...keyprovider.KEK) *DB {
	t.Helper()
	var lk keyprovider.KEK
	if len(kek) > 0 {
		lk = kek[0]
	} else {
		p := filepath.Join(t.TempDir(), "kek.json")
		if err := local.Create(p); err != nil {
			t.Fatal(err)
		}
		k, err := local.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		lk = k
	}
	store, err := NewKeysetStore(sqldb, string(d))
	if err != nil {
		t.Fatal(err)
	}
	ring, err := cipher.NewKeyring(cipher.Config{KEK: lk, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(sqldb, string(d), schema, ring)
	if err != nil {
		t.Fatal(err)
	}
	return db
}
