package phiscan

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// TestEmitSchemaKeysAndLookups checks, on a hand-made report, the key of a
// table without a primary key, equality indexes on lookup keys and the
// columns a config override sets.
func TestEmitSchemaKeysAndLookups(t *testing.T) {
	uniq := func(c ColumnReport) ColumnReport { c.UniqueKey = true; return c }
	rep := &Report{Tables: []TableReport{
		{Name: "patient_data", Kind: "table", Rows: 10, Columns: []ColumnReport{
			col("id", "BIGINT", VerdictNone),
			uniq(col("pubpid", "VARCHAR(255)", VerdictPHI, "mrn")),
			uniq(col("pid", "BIGINT", VerdictNone)),
			col("fname", "VARCHAR(255)", VerdictPHI, "first_name"),
			col("guardiancity", "VARCHAR(255)", VerdictPossible, "city"),
		}},
		{Name: "insurance_data", Kind: "table", Rows: 10, Columns: []ColumnReport{
			col("id", "INTEGER PRIMARY KEY", VerdictNone),
			col("policy_number", "VARCHAR(255)", VerdictPHI, "account"),
			col("subscriber_id", "VARCHAR(255)", VerdictPHI, "mrn"),
			col("member_no", "BIGINT", VerdictPHI, "device_id"),
			col("plan_member_id", "VARCHAR(64)", VerdictPHI, "free_text"),
			col("medicare_no", "VARCHAR(11)", VerdictPHI, "mbi"),
			col("subscriber_city", "VARCHAR(255)", VerdictPHI, "city"),
			col("subscriber_lname", "VARCHAR(255)", VerdictPHI, "last_name"),
		}},
	}}
	ApplyOverrides(rep, &Config{Columns: map[string]string{
		"patient_data.guardiancity": "address", "insurance_data.subscriber_city": "none",
	}})
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
	p, ok := s.Table("patient_data")
	if !ok {
		t.Fatal("patient_data left out: no fallback to its UNIQUE NOT NULL key")
	}
	if p.Key != "pid" || p.KeyType != "integer" || !strings.Contains(text, "# no primary key: pid is UNIQUE and NOT NULL") {
		t.Errorf("patient_data key %s %s", p.Key, p.KeyType)
	}
	g, ok := p.Column("guardiancity")
	if !ok || g.Padding != 16 || g.MaxLength != 1020 || !strings.Contains(text, "address, confidence 1.00 (override in config)") {
		t.Errorf("guardiancity (override address): %+v", g)
	}
	ins, _ := s.Table("insurance_data")
	for _, name := range []string{"policy_number", "subscriber_id", "member_no", "plan_member_id", "medicare_no"} {
		if c, ok := ins.Column(name); !ok || len(c.Equality) == 0 {
			t.Errorf("%s: no equality index on a lookup key", name)
		}
	}
	if c, _ := ins.Column("subscriber_lname"); len(c.Equality) == 0 {
		t.Error("subscriber_lname: no name index")
	}
	if _, ok := ins.Column("subscriber_city"); ok || !strings.Contains(text, "{name: subscriber_city, type: text, nullable: true} # none: override in config") {
		t.Error("subscriber_city (override none) protected, or not plain with the override noted")
	}
	// Without a unique key the table is still left out, saying why.
	rep.Tables[0].Columns[1].UniqueKey, rep.Tables[0].Columns[2].UniqueKey = false, false
	out, err = EmitSchema(rep)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "# patient_data: no primary key nor single-column UNIQUE NOT NULL key") {
		t.Errorf("no note for the table without a key:\n%s", out)
	}
}

// TestEmitSchemaOpenEMRKey scans, on every database, an OpenEMR-shaped
// patient_data declared as OpenEMR declares it, emits the schema and
// opens it: the key is pid, VARCHAR lengths become max_length, the
// override of the config is followed and the possible columns are kept.
func TestEmitSchemaOpenEMRKey(t *testing.T) {
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db, _ := testdb.Open(t, d)
			var ddl []string
			switch d {
			case testdb.DialectMySQL:
				ddl = []string{`CREATE TABLE patient_data (id BIGINT NOT NULL AUTO_INCREMENT, pid BIGINT NOT NULL,
					pubpid VARCHAR(255), fname VARCHAR(255), lname VARCHAR(255), mname VARCHAR(255), DOB DATE,
					ss VARCHAR(255), email VARCHAR(255), phone_home VARCHAR(255), guardiancity VARCHAR(255),
					policy_number VARCHAR(40), sex VARCHAR(255),
					UNIQUE KEY pid (pid), KEY id (id)) ENGINE=InnoDB`}
			case testdb.DialectPostgres:
				ddl = []string{`CREATE TABLE patient_data (id BIGSERIAL, pid BIGINT NOT NULL UNIQUE,
					pubpid VARCHAR(255), fname VARCHAR(255), lname VARCHAR(255), mname VARCHAR(255), DOB DATE,
					ss VARCHAR(255), email VARCHAR(255), phone_home VARCHAR(255), guardiancity VARCHAR(255),
					policy_number VARCHAR(40), sex VARCHAR(255))`, `CREATE INDEX patient_data_id ON patient_data (id)`}
			default:
				ddl = []string{`CREATE TABLE patient_data (id INTEGER NOT NULL, pid INTEGER NOT NULL UNIQUE,
					pubpid VARCHAR(255), fname VARCHAR(255), lname VARCHAR(255), mname VARCHAR(255), DOB DATE,
					ss VARCHAR(255), email VARCHAR(255), phone_home VARCHAR(255), guardiancity VARCHAR(255),
					policy_number VARCHAR(40), sex VARCHAR(255))`, `CREATE INDEX patient_data_id ON patient_data (id)`}
			}
			for _, q := range ddl {
				if _, err := db.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			rows := patients(300, 11)
			insertRows(t, db, d, "patient_data",
				[]string{"id", "pid", "pubpid", "fname", "lname", "mname", "DOB", "ss", "email", "phone_home", "guardiancity", "policy_number", "sex"},
				len(rows), func(i int) []any {
					p := rows[i]
					return []any{i + 1, 1000 + i, p.pubpid, p.fname, p.lname, p.mname, p.dob, p.ss, p.email, p.phoneHome, p.city,
						fmt.Sprintf("XQ%09d", 100000000+i*7919), p.sex}
				})
			cfg := &Config{Columns: map[string]string{"patient_data.guardiancity": "city", "patient_data.mname": "none",
				"patient_data.policy_number": "account"}}
			if err := ValidateConfig(cfg); err != nil {
				t.Fatal(err)
			}
			rep, err := ScanDB(ctx, db, string(d), cfg)
			if err != nil {
				t.Fatal(err)
			}
			pd := findTable(t, rep, "patient_data")
			if c := findColumn(t, pd, "pid"); !c.UniqueKey {
				t.Errorf("pid not found UNIQUE NOT NULL (SQL type %s)", c.SQLType)
			}
			if c := findColumn(t, pd, "id"); c.UniqueKey {
				t.Error("id, a plain index, taken for a unique key")
			}
			if c := findColumn(t, pd, "email"); !strings.Contains(c.SQLType, "(255)") {
				t.Errorf("email: SQL type %q without its length", c.SQLType)
			}
			g := findColumn(t, pd, "guardiancity")
			if g.Verdict != VerdictPHI || len(g.Types) != 1 || g.Types[0] != "city" || g.Evidence[0].Detail != "override in config" {
				t.Errorf("guardiancity: %s %v %v", g.Verdict, g.Types, g.Evidence)
			}
			if m := findColumn(t, pd, "mname"); m.Verdict != VerdictNone {
				t.Errorf("mname (override none): %s", m.Verdict)
			}
			out, err := EmitSchema(rep)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("\n%s", out)
			ta, st := openEmitted(t, out, "patient_data")
			if st.Key != "pid" || st.KeyType != "integer" {
				t.Fatalf("key %s %s, want pid integer", st.Key, st.KeyType)
			}
			for name, want := range map[string]int{"email": 1020, "guardiancity": 1020, "policy_number": 160} {
				c, ok := st.Column(name)
				if !ok || c.MaxLength != want {
					t.Errorf("%s: protected %v, max_length %d, want %d", name, ok, c.MaxLength, want)
				}
			}
			if c, _ := st.Column("policy_number"); len(c.Equality) == 0 {
				t.Error("policy_number: no equality index")
			}
			listed := map[string]bool{st.Key: true}
			for _, c := range st.Columns {
				listed[c.Name] = true
			}
			for _, p := range st.Plain {
				listed[p.Name] = true
			}
			for _, c := range pd.Columns {
				if !listed[c.Name] {
					t.Errorf("column %s (%s) is not in the emitted schema: a table opened with it would lose it", c.Name, c.Verdict)
				}
			}
			if _, ok := st.Column("mname"); ok {
				t.Error("mname (override none) is protected")
			}
			checkRoundTrip(t, ctx, ta, st)
		})
	}
}

func TestDeclaredLengths(t *testing.T) {
	for _, c := range []struct {
		typ  string
		n    int64
		want string
		max  int
	}{
		{"VARCHAR", 255, "VARCHAR(255)", 1020},
		{"BPCHAR", 10, "BPCHAR(10)", 40},
		{"CHAR", 2, "CHAR(2)", 8},
		{"varchar(40)", 40, "varchar(40)", 160},
		{"TEXT", 65535, "TEXT", 0},
		{"VARCHAR", 0, "VARCHAR", 0},
	} {
		got := withLength(c.typ, c.n)
		if got != c.want || maxLength(got) != c.max {
			t.Errorf("%s, %d: %s, max_length %d; want %s, %d", c.typ, c.n, got, maxLength(got), c.want, c.max)
		}
	}
}
