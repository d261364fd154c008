package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// planSchema protects some columns of openEMRPatients' table, with bits
// chosen badly on purpose.
const planSchema = `version: 1
tables:
  - name: patient_data
    key: pid
    row_binding: pid
    plain:
      - {name: city, type: text, nullable: true}
    columns:
      - name: ss
        type: string
        nullable: true
        equality: {transforms: digits, bits: 20}
      - name: lname
        type: string
        nullable: true
        equality: {transforms: "nfkc,casefold", bits: 12}
        prefix: {max: 3}
      - name: fname
        type: string
        nullable: true
      - name: dob
        type: date
        nullable: true
      - name: email
        type: string
        nullable: true
        equality: {bits: 16}
      - name: sex
        type: string
        nullable: true
        equality: {bits: 1}
      - name: street
        type: string
        nullable: true
        substring: {reveals: equality}
    compound:
      - name: lname_dob
        bits: 12
        parts: [{column: lname}, {column: dob}]
`

type planJSON struct {
	Dialect string
	Tables  []struct {
		Table   string
		Rows    int64
		Sampled int
		Columns []struct {
			Column          string
			Distinct        float64
			RevealsEquality bool `json:"reveals_equality"`
			TokenSets       float64
			MaxTokenSets    float64 `json:"max_token_sets"`
			Indexes         []planIndexJSON
		}
		Compound []planIndexJSON
	}
}

type planIndexJSON struct {
	Name, Kind, Refused string
	Distinct            float64
	Current             *leakage
	Recommended         *leakage
	MinBits             int     `json:"min_bits"`
	MaxBits             int     `json:"max_bits"`
	RowsPerGram         float64 `json:"rows_per_gram"`
}

func (p *planJSON) index(col, name string) *planIndexJSON {
	for _, t := range p.Tables {
		for _, c := range t.Columns {
			for i, ix := range c.Indexes {
				if (col == "" || c.Column == col) && ix.Name == name {
					return &c.Indexes[i]
				}
			}
		}
		for i, ix := range t.Compound {
			if col == "" && ix.Name == name {
				return &t.Compound[i]
			}
		}
	}
	return nil
}

// TestPlan plans openEMRPatients' table on every dialect, from a schema
// and from a scan, and loads the schemas it emits.
func TestPlan(t *testing.T) {
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			db, dsn := testdb.Open(t, d)
			openEMRPatients(t, db, d, 3000)
			schema := writeFile(t, "schema.yaml", planSchema)
			emit := filepath.Join(t.TempDir(), "planned.yaml")
			code, out, stderr := runPhicrypt(t, "plan", "--db", dsn, "--schema", schema, "--sample", "1000", "--json", "--emit-schema", emit)
			if code != 0 {
				t.Fatalf("plan: exit %d: %s", code, stderr)
			}
			var p planJSON
			if err := json.Unmarshal([]byte(out), &p); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if len(p.Tables) != 1 || p.Tables[0].Rows != 3000 || p.Tables[0].Sampled != 1000 || p.Dialect != string(d) {
				t.Fatalf("tables %+v", p.Tables)
			}
			ss := p.index("ss", "ss_eq")
			if ss == nil || ss.Distinct < 1000 || ss.Current == nil || ss.Current.Bits != 20 || ss.Recommended == nil {
				t.Fatalf("ss_eq %+v", ss)
			}
			// 20 bits over 3000 rows single out every SSN; the planner keeps
			// at least two rows per token.
			if ss.Current.RowsPerToken >= 3 || !ss.Current.RevealsEquality || ss.Recommended.RevealsEquality || ss.Recommended.Bits >= 20 || ss.Recommended.RowsPerToken < 2 ||
				ss.Recommended.Bits < ss.MinBits-1 || ss.Recommended.Bits > ss.MaxBits || ss.Recommended.CandidatesPerQuery < 1 {
				t.Errorf("ss_eq current %+v recommended %+v (%d..%d)", ss.Current, ss.Recommended, ss.MinBits, ss.MaxBits)
			}
			sex := p.index("sex", "sex_eq")
			if sex == nil || sex.Recommended != nil || !strings.Contains(sex.Refused, "entropy") || sex.Distinct != 2 {
				t.Errorf("sex_eq %+v", sex)
			}
			lname := p.index("lname", "lname_eq")
			if lname == nil || lname.Distinct < 15 || lname.Distinct > 25 {
				t.Errorf("lname_eq (20 last names): %+v", lname)
			}
			prefix := p.index("lname", "lname_prefix")
			if prefix == nil || prefix.RowsPerGram < 100 {
				t.Errorf("lname_prefix %+v", prefix)
			}
			comp := p.index("", "lname_dob")
			if comp == nil || comp.Recommended == nil || comp.Distinct < 1000 {
				t.Errorf("lname_dob %+v", comp)
			}
			for _, c := range p.Tables[0].Columns {
				if c.Column == "street" && !c.RevealsEquality {
					t.Errorf("street with a substring index: %+v", c)
				}
			}

			// The emitted schema loads, with the measured rows and the
			// recommended bits; the refused index is left out.
			s, err := sqlwrap.LoadSchemaFile(emit)
			if err != nil {
				t.Fatalf("emitted schema: %v", err)
			}
			pt, _ := s.Table("patient_data")
			if pt.Rows != 3000 || pt.Key != "pid" || pt.RowBinding != "pid" || len(pt.Plain) != 1 {
				t.Errorf("emitted table %+v", pt)
			}
			if c, _ := pt.Column("ss"); c == nil || len(c.Equality) != 1 || c.Equality[0].Bits != ss.Recommended.Bits || c.Equality[0].Transforms != "digits" || c.Distinct < 1000 {
				t.Errorf("emitted ss %+v", c)
			}
			if c, _ := pt.Column("sex"); c == nil || len(c.Equality) != 0 {
				t.Errorf("emitted sex %+v", c)
			}
			if c, _ := pt.Column("lname"); c == nil || len(c.Bloom) != 1 || c.Bloom[0].MaxGram != 3 {
				t.Errorf("emitted lname %+v", c)
			}
			if len(pt.Compound) != 1 || pt.Compound[0].Bits != comp.Recommended.Bits {
				t.Errorf("emitted compound %+v", pt.Compound)
			}

			// The same for people.
			code, out, stderr = runPhicrypt(t, "plan", "--db", dsn, "--schema", schema, "--sample", "500")
			if code != 0 || !strings.Contains(out, "table patient_data: 3000 rows, 500 sampled") || !strings.Contains(out, "ss_eq") ||
				!strings.Contains(out, "sex_eq: refused") || !strings.Contains(out, "20 (reveals equality)") || !strings.Contains(out, "REVEALS") {
				t.Errorf("plan table: exit %d: %s %s", code, out, stderr)
			}
			if testing.Verbose() {
				em, _ := os.ReadFile(emit)
				t.Logf("%s\n%s", out, em)
			}
			for _, v := range []string{"@example.com", "Springfield", "Smith"} {
				if strings.Contains(out+stderr, v) {
					t.Errorf("plan output shows a value (%s)", v)
				}
			}

			// Without a schema: planned for what the scan finds.
			emit2 := filepath.Join(t.TempDir(), "scanned.yaml")
			code, out, stderr = runPhicrypt(t, "plan", "--db", dsn, "--table", "patient_data", "--sample", "1000", "--json", "--emit-schema", emit2)
			if code != 0 {
				t.Fatalf("plan from a scan: exit %d: %s", code, stderr)
			}
			var p2 planJSON
			if err := json.Unmarshal([]byte(out), &p2); err != nil || len(p2.Tables) != 1 || p2.Tables[0].Rows != 3000 || len(p2.Tables[0].Columns) < 8 {
				t.Fatalf("plan from a scan: %v %s", err, out)
			}
			s2, err := sqlwrap.LoadSchemaFile(emit2)
			if err != nil {
				t.Fatalf("emitted schema from a scan: %v", err)
			}
			pt2, _ := s2.Table("patient_data")
			if pt2 == nil || pt2.Rows != 3000 {
				t.Fatalf("emitted from a scan: rows %d: %s", pt2.Rows, stderr)
			}
			if c, ok := pt2.Column("ss"); !ok || len(c.Equality) != 1 {
				t.Errorf("scan-planned ss %+v", c)
			} else if ip := p2.index("ss", c.Equality[0].Name); ip == nil || ip.Recommended == nil || c.Equality[0].Bits != ip.Recommended.Bits {
				t.Errorf("scan-planned ss bits %d, plan %+v", c.Equality[0].Bits, ip)
			}
		})
	}
}

func TestPlanUsage(t *testing.T) {
	schema := writeFile(t, "schema.yaml", planSchema)
	for _, args := range [][]string{
		{"plan"},
		{"plan", "--db", "sqlite:x.db", "--sample", "-1"},
		{"plan", "--db", "sqlite:" + filepath.Join(t.TempDir(), "x.db"), "--schema", schema, "--table", "nope"},
	} {
		if code, _, stderr := runPhicrypt(t, args...); code != 2 {
			t.Errorf("%v: exit %d: %s", args, code, stderr)
		}
	}
	if code, _, stderr := runPhicrypt(t, "plan", "--help"); code != 0 || !strings.Contains(stderr, "usage: phicrypt plan") || !strings.Contains(stderr, "-emit-schema") {
		t.Errorf("plan --help: exit %d: %s", code, stderr)
	}
	// A table the schema names but the database lacks: exit 1.
	code, _, stderr := runPhicrypt(t, "plan", "--db", "sqlite:"+filepath.Join(t.TempDir(), "y.db"), "--schema", schema)
	if code != 1 || !strings.Contains(stderr, "patient_data") {
		t.Errorf("missing table: exit %d: %s", code, stderr)
	}
}

// TestPlanMigratingAndEncrypted: while a migration runs plan samples the
// plaintext copy c__plain; a column that holds only ciphertext is not
// measured, and says so.
func TestPlanMigratingAndEncrypted(t *testing.T) {
	dsn, _, schema := cliFixture(t, testdb.DialectSQLite)
	code, out, stderr := runPhicrypt(t, "plan", "--db", dsn, "--schema", schema, "--json")
	if code != 0 {
		t.Fatalf("plan of an encrypted table: exit %d: %s", code, stderr)
	}
	var p struct {
		Tables []struct {
			Columns []struct {
				Column, Source string
				Encrypted      bool
				Notes          []string
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Tables[0].Columns {
		if c.Column == "ssn" && (!c.Encrypted || len(c.Notes) == 0 || !strings.Contains(c.Notes[0], "ciphertext")) {
			t.Errorf("encrypted ssn: %+v", c)
		}
	}

	db, dsn := testdb.Open(t, testdb.DialectSQLite)
	if _, err := db.Exec(`CREATE TABLE people (id INTEGER PRIMARY KEY, ssn BLOB, ssn__plain TEXT)`); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 400; i++ {
		if _, err := db.Exec(`INSERT INTO people (id, ssn__plain) VALUES (?, ?)`, i, fmt.Sprintf("%03d-%02d-%04d", i%7, i%11, i)); err != nil {
			t.Fatal(err)
		}
	}
	schema = writeFile(t, "people.yaml", "version: 1\ntables:\n  - name: people\n    columns:\n      - {name: ssn, type: string, nullable: true, equality: {transforms: digits, bits: 30}}\n")
	code, out, stderr = runPhicrypt(t, "plan", "--db", dsn, "--schema", schema, "--json")
	var p2 planJSON
	if err := json.Unmarshal([]byte(out), &p2); err != nil || code != 0 {
		t.Fatalf("plan while migrating: exit %d %v: %s", code, err, stderr)
	}
	if !strings.Contains(out, `"source": "ssn__plain"`) {
		t.Errorf("sampled the wrong column: %s", out)
	}
	if ix := p2.index("ssn", "ssn_eq"); ix == nil || ix.Distinct != 400 || ix.Recommended == nil || ix.Recommended.Bits >= 30 {
		t.Errorf("ssn_eq while migrating: %+v", ix)
	}
}

// TestPlanEmptyTable: nothing to sample, so the schema's sizes stay, and
// the emitted schema still loads.
func TestPlanEmptyTable(t *testing.T) {
	db, dsn := testdb.Open(t, testdb.DialectSQLite)
	if _, err := db.Exec(`CREATE TABLE people (id INTEGER PRIMARY KEY, ssn TEXT)`); err != nil {
		t.Fatal(err)
	}
	schema := writeFile(t, "people.yaml", "version: 1\ntables:\n  - name: people\n    columns:\n      - {name: ssn, type: string, nullable: true, equality: {transforms: digits, bits: 14}}\n")
	emit := filepath.Join(t.TempDir(), "out.yaml")
	code, out, stderr := runPhicrypt(t, "plan", "--db", dsn, "--schema", schema, "--emit-schema", emit)
	if code != 0 || !strings.Contains(out, "0 rows") || !strings.Contains(out, "too few rows") {
		t.Fatalf("exit %d: %s %s", code, out, stderr)
	}
	s, err := sqlwrap.LoadSchemaFile(emit)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Tables[0].Column("ssn"); c == nil || c.Equality[0].Bits != 14 || s.Tables[0].Rows != 0 {
		t.Errorf("emitted %+v", c)
	}
}
