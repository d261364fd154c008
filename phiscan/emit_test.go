package phiscan

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/keyprovider/local"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

func col(name, sqlType string, v Verdict, types ...string) ColumnReport {
	if types == nil {
		types = []string{}
	}
	return ColumnReport{Name: name, SQLType: sqlType, Verdict: v, Types: types, Confidence: 0.9, Sampled: 10}
}

// TestEmitSchemaRules checks the schema written for hand-made reports, so
// that the rules do not depend on the classifier's judgement.
func TestEmitSchemaRules(t *testing.T) {
	min1 := 1.0
	idCol := col("id", "", VerdictNone)
	idCol.Min = &min1
	rep := &Report{Source: "test", Tables: []TableReport{
		{Name: "patients", Kind: "table", Rows: 10, Columns: []ColumnReport{
			col("pid", "INTEGER PRIMARY KEY", VerdictNone),
			col("ssn", "TEXT", VerdictPHI, "ssn"),
			col("mrn", "VARCHAR(20)", VerdictPHI, "mrn"),
			col("email", "TEXT", VerdictPHI, "email"),
			col("phone_home", "TEXT", VerdictPHI, "phone"),
			col("first_name", "TEXT", VerdictPHI, "first_name"),
			col("surname", "TEXT", VerdictPHI, "last_name"),
			col("dob", "DATE", VerdictPHI, "birth_date"),
			col("admitted", "TIMESTAMP", VerdictPHI, "date"),
			col("zip", "TEXT", VerdictPHI, "zip"),
			col("ssn_int", "BIGINT", VerdictPHI, "ssn"),
			col("nickname", "TEXT", VerdictPossible, "name"),
			col("on", "INTEGER", VerdictNone),
			col("weight", "REAL", VerdictNone),
		}},
		{Name: "visits", Kind: "table", Rows: 5, Columns: []ColumnReport{
			col("a", "INTEGER PRIMARY KEY", VerdictNone), col("b", "INTEGER PRIMARY KEY", VerdictNone),
			col("email", "TEXT", VerdictPHI, "email"),
		}},
		{Name: "nokey", Kind: "table", Rows: 5, Columns: []ColumnReport{col("email", "TEXT", VerdictPHI, "email")}},
		{Name: "v_patients", Kind: "view", Rows: 5, Columns: []ColumnReport{col("email", "TEXT", VerdictPHI, "email")}},
		{Name: "drugs", Kind: "table", Rows: 5, Columns: []ColumnReport{col("id", "INTEGER PRIMARY KEY", VerdictNone), col("name", "TEXT", VerdictNone)}},
		{Name: "dir/Export 2024.csv", Kind: "csv", Rows: 10, Columns: []ColumnReport{
			idCol, col("Last Name", "", VerdictPHI, "last_name"), col("Birth Date", "", VerdictPHI, "birth_date"),
			col("E-mail", "", VerdictPHI, "email"), col("Notes", "", VerdictNone),
		}},
		{Name: "nokey.csv", Kind: "csv", Rows: 10, Columns: []ColumnReport{col("email", "", VerdictPHI, "email")}},
		{Name: "clash", Kind: "table", Rows: 5, Columns: []ColumnReport{
			col("id", "INTEGER PRIMARY KEY", VerdictNone), col("email", "TEXT", VerdictPHI, "email"), col("email_eq", "TEXT", VerdictNone),
		}},
		{Name: "postgres", Kind: KindDatabase, Warnings: []string{"cannot connect"}},
	}}
	out, err := EmitSchema(rep)
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	t.Logf("\n%s", text)
	s, err := sqlwrap.ParseSchema("emitted", out)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Tables) != 2 {
		t.Fatalf("%d tables, want patients and the file", len(s.Tables))
	}
	p, _ := s.Table("patients")
	if p.Key != "pid" || p.KeyType != "integer" || p.RowBinding != "pid" {
		t.Errorf("patients key %s %s %s", p.Key, p.KeyType, p.RowBinding)
	}
	eq := func(column string) *sqlwrap.EqualityIndex {
		c, ok := p.Column(column)
		if !ok {
			t.Fatalf("no protected column %s", column)
		}
		if len(c.Equality) == 0 {
			return nil
		}
		return c.Equality[0]
	}
	for column, want := range map[string]string{
		"ssn": "digits", "mrn": "nfkc,casefold,nodiacritics,trim", "email": "trim,casefold", "phone_home": "digits,last:10",
		"first_name": "nfkc,casefold,trim,nodiacritics", "surname": "nfkc,casefold,trim,nodiacritics", "ssn_int": "",
	} {
		if ix := eq(column); ix == nil || ix.Transforms != want {
			t.Errorf("%s: equality %+v, want transforms %q", column, ix, want)
		}
	}
	// Bits from the planner: near-unique values on 100,000 rows.
	if ix := eq("ssn"); ix.Bits != 15 {
		t.Errorf("ssn bits %d", ix.Bits)
	}
	for _, column := range []string{"dob", "admitted", "zip"} {
		if eq(column) != nil {
			t.Errorf("%s has a standalone index", column)
		}
	}
	if c, _ := p.Column("dob"); c.Type != sqlwrap.TypeDate {
		t.Errorf("dob type %s", c.Type)
	}
	if c, _ := p.Column("admitted"); c.Type != sqlwrap.TypeTimestamp {
		t.Errorf("admitted type %s", c.Type)
	}
	if c, _ := p.Column("ssn_int"); c.Type != sqlwrap.TypeInt64 {
		t.Errorf("ssn_int type %s", c.Type)
	}
	if c, _ := p.Column("mrn"); c.MaxLength != 80 {
		t.Errorf("mrn max_length %d", c.MaxLength)
	}
	// A prefix index beside the equality index would single out most
	// names: it is suggested in a comment only.
	if c, _ := p.Column("surname"); len(c.Bloom) != 0 || c.Padding != 16 || !strings.Contains(text, "# prefix: {") {
		t.Errorf("surname: %d bloom indexes, padding %d", len(c.Bloom), c.Padding)
	}
	if len(p.Compound) != 1 || p.Compound[0].Parts[0].Column != "surname" || p.Compound[0].Parts[1].Column != "dob" {
		t.Errorf("compound %+v", p.Compound)
	}
	// A possible column is plain, with a comment, so that the table keeps it.
	if _, ok := p.Column("nickname"); ok || !strings.Contains(text, "- {name: nickname, type: text, nullable: true} # possibly PHI: name") {
		t.Error("possible column protected, or not listed as plain with a comment")
	}
	if len(p.Plain) != 3 || p.Plain[0].Name != "on" || p.Plain[0].Type != "integer" || p.Plain[1].Type != "real" || p.Plain[2].Name != "nickname" {
		t.Errorf("plain %+v", p.Plain)
	}

	f, ok := s.Table("export_2024")
	if !ok {
		t.Fatal("no table for the CSV file")
	}
	if f.Key != "id" || f.KeyType != "integer" || len(f.Compound) != 1 {
		t.Errorf("file table: key %s %s, %d compound", f.Key, f.KeyType, len(f.Compound))
	}
	if c, ok := f.Column("birth_date"); !ok || c.Type != sqlwrap.TypeDate {
		t.Errorf("file birth_date %+v", c)
	}
	if _, ok := f.Column("e_mail"); !ok {
		t.Error("file: no e_mail column")
	}

	for _, want := range []string{
		"# visits: compound primary key", "# nokey: no primary key nor single-column UNIQUE NOT NULL key", "# v_patients: a view",
		`# nokey.csv: no "id" column`, "# clash: left out, the schema would not validate",
		"# - name: clash",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(text, "drugs") || strings.Contains(text, "cannot connect") {
		t.Error("a table without PHI or the database entry is mentioned")
	}

	if _, err := EmitSchema(&Report{Tables: []TableReport{rep.Tables[4]}}); !errors.Is(err, ErrNoPHI) {
		t.Errorf("no PHI: %v", err)
	}
}

// openEmitted opens the emitted schema with sqlwrap on a fresh SQLite
// database, creates the tables and returns the access to table.
func openEmitted(t *testing.T, schema []byte, table string) (*sqlwrap.TableAccess, *sqlwrap.Table) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlwrap.ParseSchema("emitted", schema)
	if err != nil {
		t.Fatal(err)
	}
	sqldb := testdb.SQLite(t)
	keyPath := filepath.Join(t.TempDir(), "dev.key")
	if err := local.Create(keyPath); err != nil {
		t.Fatal(err)
	}
	kek, err := local.Open(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlwrap.NewKeysetStore(sqldb, "sqlite")
	if err != nil {
		t.Fatal(err)
	}
	if err := store.EnsureTable(ctx); err != nil {
		t.Fatal(err)
	}
	ring, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlwrap.Open(sqldb, "sqlite", s, ring)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	ta, err := db.Table(table)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := s.Table(table)
	return ta, st
}

// TestEmitSchemaOpens scans an OpenEMR-shaped table, emits its schema and
// stores and finds a patient through it with sqlwrap, unchanged.
func TestEmitSchemaOpens(t *testing.T) {
	ctx := context.Background()
	db := testdb.SQLite(t)
	createPatientData(t, db, testdb.DialectSQLite, patients(300, 3))
	rep, err := ScanDB(ctx, db, "sqlite", &Config{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := EmitSchema(rep)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", out)
	ta, st := openEmitted(t, out, "patient_data")
	if st.Key != "pid" {
		t.Errorf("key %s", st.Key)
	}
	for _, name := range []string{"ss", "fname", "lname", "DOB", "email", "phone_home"} {
		if _, ok := st.Column(name); !ok {
			t.Errorf("%s is not protected", name)
		}
	}
	checkRoundTrip(t, ctx, ta, st)
}

// checkRoundTrip inserts a row with a value for every column of st and
// finds it by each equality and compound index.
func checkRoundTrip(t *testing.T, ctx context.Context, ta *sqlwrap.TableAccess, st *sqlwrap.Table) {
	t.Helper()
	row := sqlwrap.Row{}
	text := map[string]string{
		"ss": "219-09-9999", "ssn": "219-09-9999", "fname": "Zoë", "lname": "Núñez", "email": "zoe.nunez@example.org",
		"phone_home": "(212) 555-0147", "phone_cell": "212-555-0148", "pubpid": "7654321",
	}
	for _, c := range st.Columns {
		switch c.Type {
		case sqlwrap.TypeString:
			v, ok := text[c.Name]
			if !ok {
				v = "value of " + c.Name
			}
			row[c.Name] = v
		case sqlwrap.TypeDate:
			row[c.Name] = cipher.Date{Year: 1948, Month: 3, Day: 17}
		case sqlwrap.TypeTimestamp:
			row[c.Name] = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
		case sqlwrap.TypeInt64:
			row[c.Name] = int64(42)
		case sqlwrap.TypeFloat64:
			row[c.Name] = 4.2
		case sqlwrap.TypeBool:
			row[c.Name] = true
		case sqlwrap.TypeBytes:
			row[c.Name] = []byte("x")
		}
	}
	for _, p := range st.Plain {
		switch p.Type {
		case "text":
			row[p.Name] = "plain"
		case "integer":
			row[p.Name] = int64(7)
		case "real":
			row[p.Name] = 7.5
		}
	}
	// The key binds the row's ciphertexts, so it is given, not assigned.
	var key any = int64(1_000_001)
	if st.KeyType == "text" {
		key = "k-1000001"
	}
	row[st.Key] = key
	if _, err := ta.Insert(ctx, row); err != nil {
		t.Fatal(err)
	}
	var queries [][]sqlwrap.Pred
	for _, c := range st.Columns {
		if len(c.Equality) > 0 {
			queries = append(queries, []sqlwrap.Pred{sqlwrap.Eq(c.Name, row[c.Name])})
		}
	}
	for _, ci := range st.Compound {
		var q []sqlwrap.Pred
		for _, p := range ci.Parts {
			q = append(q, sqlwrap.Eq(p.Column, row[p.Column]))
		}
		queries = append(queries, q)
	}
	if len(queries) == 0 {
		t.Fatal("no index to search by")
	}
	for _, q := range queries {
		found, err := ta.Find(ctx, sqlwrap.Query{Where: q})
		if err != nil {
			t.Fatal(err)
		}
		if len(found) != 1 || found[0][st.Key] != key {
			t.Errorf("find by %v: %d rows", q, len(found))
		}
	}
}
