package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/keyprovider/local"
	"github.com/phicrypt/phicrypt/phiscan"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// openEMRPatients creates an OpenEMR-shaped patient_data table (the
// columns of OpenEMR's schema that hold demographics) with n synthetic
// patients.
func openEMRPatients(t *testing.T, db *sql.DB, d testdb.Dialect, n int) {
	t.Helper()
	ctx := context.Background()
	pk := "pid INTEGER PRIMARY KEY"
	if d == testdb.DialectMySQL {
		pk = "pid BIGINT NOT NULL PRIMARY KEY"
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE patient_data (id BIGINT NOT NULL, `+pk+`,
		title VARCHAR(255), language VARCHAR(255), fname VARCHAR(255), lname VARCHAR(255), mname VARCHAR(255),
		DOB DATE, street VARCHAR(255), postal_code VARCHAR(255), city VARCHAR(255), state VARCHAR(255),
		country_code VARCHAR(255), ss VARCHAR(255), occupation TEXT, phone_home VARCHAR(255),
		phone_biz VARCHAR(255), phone_contact VARCHAR(255), phone_cell VARCHAR(255), status VARCHAR(255),
		contact_relationship VARCHAR(255), date TIMESTAMP NULL, sex VARCHAR(255), email VARCHAR(255),
		race VARCHAR(255), ethnicity VARCHAR(255), religion VARCHAR(255), pubpid VARCHAR(255),
		hipaa_mail VARCHAR(3), hipaa_voice VARCHAR(3), regdate DATE, deceased_date TIMESTAMP NULL)`); err != nil {
		t.Fatal(err)
	}
	first := []string{"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "William",
		"Elizabeth", "David", "Barbara", "Richard", "Susan", "Maria", "Ahmed", "José", "Mei", "Olga", "Kwame"}
	last := []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
		"Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Taylor", "Thomas", "Nguyen", "Kim", "Patel", "Müller"}
	places := [][3]string{{"Springfield", "IL", "627"}, {"Columbus", "OH", "432"}, {"Austin", "TX", "787"},
		{"Portland", "OR", "972"}, {"Madison", "WI", "537"}, {"Raleigh", "NC", "276"}}
	streets := []string{"Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Pine St", "Lakeview Rd"}
	rng := rand.New(rand.NewPCG(42, 42))
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	q := `INSERT INTO patient_data (id, pid, title, language, fname, lname, mname, DOB, street, postal_code, city,
		state, country_code, ss, occupation, phone_home, phone_biz, phone_contact, phone_cell, status,
		contact_relationship, sex, email, race, ethnicity, religion, pubpid, hipaa_mail, hipaa_voice, regdate)
		VALUES (` + strings.TrimSuffix(strings.Repeat("?, ", 30), ", ") + `)`
	if d == testdb.DialectPostgres {
		var ps []string
		for i := 1; i <= 30; i++ {
			ps = append(ps, fmt.Sprintf("$%d", i))
		}
		q = q[:strings.Index(q, "VALUES")] + "VALUES (" + strings.Join(ps, ", ") + ")"
	}
	for i := 1; i <= n; i++ {
		fn, ln := pick(first), pick(last)
		pl := places[rng.IntN(len(places))]
		area := 201 + rng.IntN(700)
		var mname, cell, biz any
		if rng.IntN(3) == 0 {
			mname = string(rune('A' + rng.IntN(26)))
		}
		if rng.IntN(4) > 0 {
			cell = fmt.Sprintf("%d-%03d-%04d", area, 200+rng.IntN(800), rng.IntN(10000))
		}
		if rng.IntN(5) == 0 {
			biz = fmt.Sprintf("(%d) %03d-%04d", area, 200+rng.IntN(800), rng.IntN(10000))
		}
		sex := []string{"Female", "Male"}[rng.IntN(2)]
		title := map[string]string{"Female": "Ms.", "Male": "Mr."}[sex]
		email := strings.ToLower(fmt.Sprintf("%s.%s%d@example.com", ascii(fn), ascii(ln), rng.IntN(1000)))
		dob := time.Date(1925+rng.IntN(95), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
		if _, err := tx.ExecContext(ctx, q, i, i, title, pick([]string{"English", "Spanish", "Vietnamese"}), fn, ln, mname,
			dob.Format("2006-01-02"), fmt.Sprintf("%d %s", 1+rng.IntN(9899), pick(streets)),
			fmt.Sprintf("%s%02d", pl[2], rng.IntN(100)), pl[0], pl[1], "US",
			fmt.Sprintf("%03d-%02d-%04d", 1+rng.IntN(665), 1+rng.IntN(99), 1+rng.IntN(9999)),
			pick([]string{"Teacher", "Nurse", "Retired", "Driver", "Student"}),
			fmt.Sprintf("(%d) %03d-%04d", area, 200+rng.IntN(800), rng.IntN(10000)), biz, nil, cell,
			pick([]string{"married", "single", "divorced", "widowed"}), "", sex, email,
			pick([]string{"white", "black_or_afri_amer", "asian", "declne_to_specfy"}),
			pick([]string{"hisp_or_latin", "not_hisp_or_latin"}), pick([]string{"", "catholic", "none"}),
			fmt.Sprintf("%d", 100000+i*7), "YES", "NO", "2019-06-01"); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func ascii(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 {
			return r
		}
		return -1
	}, s)
}

func runScan(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(append([]string{"scan"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestScanOpenEMR is the end-to-end path: an OpenEMR-shaped SQLite
// database scanned through the CLI, a schema emitted, and that schema
// opened unchanged with sqlwrap on a fresh database, where a patient is
// stored and found by its indexes.
func TestScanOpenEMR(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "openemr.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	openEMRPatients(t, db, testdb.DialectSQLite, 400)
	db.Close()

	report := filepath.Join(dir, "report.html")
	schemaPath := filepath.Join(dir, "schema.yaml")
	// OpenEMR's pubpid, the public patient id, is the site's medical
	// record number; its name says nothing to the classifier.
	cfg := filepath.Join(dir, "scan.yaml")
	if err := os.WriteFile(cfg, []byte("site_terms: [pubpid]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runScan(t, "--db", path, "--out", report, "--emit-schema", schemaPath, "--sample", "0", "--config", cfg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "columns judged PHI") {
		t.Errorf("no summary: %s", stderr)
	}
	html, err := os.ReadFile(report)
	if err != nil || !bytes.HasPrefix(html, []byte("<!DOCTYPE html>")) || !bytes.Contains(html, []byte("patient_data")) {
		t.Fatalf("HTML report: %v", err)
	}
	// The scan opened the database read-only: no WAL or journal left.
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Error("the scan wrote to the database")
	}

	schemaText, _ := os.ReadFile(schemaPath)
	t.Logf("emitted schema:\n%s", schemaText)
	schema, err := sqlwrap.LoadSchemaFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := schema.Table("patient_data")
	if !ok || st.Key != "pid" || st.KeyType != "integer" {
		t.Fatalf("patient_data: %+v", st)
	}
	for _, name := range []string{"fname", "lname", "DOB", "ss", "street", "phone_home", "email", "pubpid"} {
		if _, ok := st.Column(name); !ok {
			t.Errorf("%s is not protected", name)
		}
	}
	if c, _ := st.Column("ss"); c == nil || len(c.Equality) == 0 || c.Equality[0].Transforms != "digits" {
		t.Errorf("ss index: %+v", c)
	}
	if len(st.Compound) != 1 {
		t.Errorf("compound indexes: %+v", st.Compound)
	}

	// Open the schema as emitted on a fresh SQLite database.
	fresh, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "fresh.db")+"?_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	keyPath := filepath.Join(dir, "dev.key")
	if err := local.Create(keyPath); err != nil {
		t.Fatal(err)
	}
	kek, err := local.Open(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlwrap.NewKeysetStore(fresh, "sqlite")
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
	wdb, err := sqlwrap.Open(fresh, "sqlite", schema, ring)
	if err != nil {
		t.Fatal(err)
	}
	defer wdb.Close()
	if err := wdb.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	pd, err := wdb.Table("patient_data")
	if err != nil {
		t.Fatal(err)
	}
	row := sqlwrap.Row{"pid": int64(1)}
	for _, c := range st.Columns {
		switch c.Type {
		case sqlwrap.TypeString:
			row[c.Name] = map[string]string{"fname": "Zoë", "lname": "Núñez", "ss": "219-09-9999",
				"email": "zoe.nunez@example.com", "phone_home": "(212) 555-0147", "pubpid": "7654321"}[c.Name]
			if row[c.Name] == "" {
				row[c.Name] = "x"
			}
		case sqlwrap.TypeDate:
			row[c.Name] = cipher.Date{Year: 1948, Month: 3, Day: 17}
		case sqlwrap.TypeTimestamp:
			row[c.Name] = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
		case sqlwrap.TypeInt64:
			row[c.Name] = int64(1)
		}
	}
	if _, err := pd.Insert(ctx, row); err != nil {
		t.Fatal(err)
	}
	for _, q := range [][]sqlwrap.Pred{
		{sqlwrap.Eq("ss", "219099999")},
		{sqlwrap.Eq("email", " Zoe.Nunez@example.com")},
		{sqlwrap.Eq("phone_home", "212-555-0147")},
		{sqlwrap.Eq("lname", "nunez")},
		{sqlwrap.Eq("lname", "Núñez"), sqlwrap.Eq("DOB", cipher.Date{Year: 1948, Month: 3, Day: 17})},
	} {
		found, err := pd.Find(ctx, sqlwrap.Query{Where: q})
		if err != nil {
			t.Fatalf("find %v: %v", q, err)
		}
		if len(found) != 1 || found[0]["pid"] != int64(1) {
			t.Errorf("find %v: %d rows", q, len(found))
		}
	}
}

// TestScanDialects scans PostgreSQL and MariaDB through the CLI, with the
// dialect guessed from the DSN.
func TestScanDialects(t *testing.T) {
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			db, dsn := testdb.Open(t, d)
			openEMRPatients(t, db, d, 200)
			code, out, stderr := runScan(t, "--table", "patient_data", "--db", dsn, "-sample", "50", "--format", "json")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var rep phiscan.Report
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatal(err)
			}
			if len(rep.Tables) != 1 || rep.Tables[0].Rows != 200 || !strings.HasPrefix(rep.Source, string(d)) {
				t.Fatalf("report: source %q, %+v", rep.Source, rep.Tables)
			}
			if strings.Contains(rep.Source, "password") && !strings.Contains(rep.Source, "xxxxx") {
				t.Errorf("source shows the password: %s", rep.Source)
			}
			phi := 0
			for _, c := range rep.Tables[0].Columns {
				if c.Sampled > 50 {
					t.Errorf("%s: %d sampled", c.Name, c.Sampled)
				}
				if c.Verdict == phiscan.VerdictPHI {
					phi++
				}
			}
			if phi < 8 {
				t.Errorf("%d PHI columns", phi)
			}
		})
	}
}

func TestScanDirCLI(t *testing.T) {
	dir := t.TempDir()
	data := "id,first_name,last_name,email\n1,Ana,Núñez,ana.nunez@example.org\n2,John,Smith,john.smith@example.org\n"
	if err := os.WriteFile(filepath.Join(dir, "people.csv"), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "scan.pdf"), []byte("%PDF\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "scan.yaml")
	if err := os.WriteFile(cfg, []byte("site_terms: [kennummer]\nage_limit: 89\nscan_date: 2025-01-31\nsample: 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runScan(t, "-format", "md", "-config", cfg, "-dir", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"# PHI scan report", "people.csv", "scan.pdf", "unexpected binary file"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	for _, leak := range []string{"Núñez", "ana.nunez", "Smith"} {
		if strings.Contains(out, leak) {
			t.Errorf("report holds %q", leak)
		}
	}
}

func TestScanConfigFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "scan.yaml")
	os.WriteFile(p, []byte("site_terms: [kennummer]\nmrn_pattern: '^E\\d{7}$'\nscan_date: 2025-01-31\nage_limit: 90\n"), 0o644)
	cfg, err := loadScanConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.SiteTerms) != 1 || cfg.MRNPattern != `^E\d{7}$` || cfg.AgeLimit != 90 || cfg.sampleSet ||
		!cfg.ScanDate.Equal(time.Date(2025, 1, 31, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("config %+v", cfg)
	}
	os.WriteFile(p, []byte("sample: 0\n"), 0o644)
	if cfg, err := loadScanConfig(p); err != nil || !cfg.sampleSet || cfg.Sample != 0 {
		t.Errorf("sample 0: %+v %v", cfg, err)
	}
}

func TestScanBadFlags(t *testing.T) {
	dir := t.TempDir()
	badCfg := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badCfg, []byte("sampel: 10\n"), 0o644)
	badRe := filepath.Join(dir, "re.yaml")
	os.WriteFile(badRe, []byte("mrn_pattern: '(['\n"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "give --db DSN or --dir DIR"},
		{[]string{"--db", "x.db", "--dir", dir}, 2, "not both"},
		{[]string{"--dir", dir, "--format", "pdf"}, 2, `unknown --format "pdf"`},
		{[]string{"--dir", dir, "--sample", "-1"}, 2, "--sample must be"},
		{[]string{"--dir", dir, "--sample", "many"}, 2, "invalid value"},
		{[]string{"--dir", dir, "--bogus"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"--dir", dir, "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"--dir", dir, "--table", "t"}, 2, "--table applies to --db only"},
		{[]string{"--db", "x.db", "--dialect", "oracle"}, 2, `unknown --dialect "oracle"`},
		{[]string{"--db", "some-server"}, 2, "cannot tell the database"},
		{[]string{"--dir", dir, "--config", badCfg}, 2, "sampel"},
		{[]string{"--dir", dir, "--config", badRe}, 2, "mrn_pattern"},
		{[]string{"--dir", dir, "--config", filepath.Join(dir, "none.yaml")}, 2, "config file"},
		{[]string{"--db", filepath.Join(dir, "missing.db")}, 1, "no such file"},
		{[]string{"--dir", filepath.Join(dir, "missing")}, 1, "no such file"},
		{[]string{"--db", "postgres://u:secret@127.0.0.1:1/x?connect_timeout=5", "--out", filepath.Join(dir, "r.json")}, 1, "cannot connect"},
	} {
		code, _, stderr := runScan(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, code, stderr, tc.code, tc.msg)
		}
		if strings.Contains(stderr, "secret") {
			t.Errorf("%v: the password is in the message", tc.args)
		}
	}
	// The refused connection still wrote a report, without the password.
	rep, err := os.ReadFile(filepath.Join(dir, "r.json"))
	if err != nil || !bytes.Contains(rep, []byte("cannot connect")) || bytes.Contains(rep, []byte("secret")) {
		t.Errorf("report of the refused connection: %s %v", rep, err)
	}
	if code, _, stderr := runScan(t, "-h"); code != 0 || !strings.Contains(stderr, "--emit-schema FILE") {
		t.Errorf("help: exit %d, %s", code, stderr)
	}
}

func TestGuessDialect(t *testing.T) {
	f := filepath.Join(t.TempDir(), "data")
	os.WriteFile(f, nil, 0o644)
	for dsn, want := range map[string]string{
		"postgres://u@h/db":                  "postgres",
		"postgresql://h/db":                  "postgres",
		"host=localhost dbname=x user=u":     "postgres",
		"mysql://u:p@h/db":                   "mysql",
		"u:p@tcp(127.0.0.1:3306)/db":         "mysql",
		"u@unix(/run/mysqld/mysqld.sock)/db": "mysql",
		"file:x.db?mode=ro":                  "sqlite",
		"patients.sqlite3":                   "sqlite",
		f:                                    "sqlite",
		"server":                             "",
	} {
		if got := guessDialect(dsn); got != want {
			t.Errorf("%s: %q, want %q", dsn, got, want)
		}
	}
	if got := redactDSN("postgres", "host=h user=u password=secret dbname=x"); strings.Contains(got, "secret") {
		t.Errorf("redacted: %s", got)
	}
	if got := redactDSN("mysql", "u:secret@tcp(h:3306)/db"); got != "u:xxxxx@tcp(h:3306)/db" {
		t.Errorf("redacted: %s", got)
	}
	if got := redactDSN("postgres", "postgres://u:secret@h/db"); strings.Contains(got, "secret") {
		t.Errorf("redacted: %s", got)
	}
	if _, dsn, err := driverDSN("mysql", "mysql://u:p@db.example:3307/emr?parseTime=true"); err != nil || dsn != "u:p@tcp(db.example:3307)/emr?parseTime=true" {
		t.Errorf("mysql URL: %s %v", dsn, err)
	}
}
