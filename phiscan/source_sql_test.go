package phiscan

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// patient is one synthetic row of an OpenEMR-shaped patient_data table.
type patient struct {
	pid                                         int
	pubpid, fname, lname, mname, dob, ss        string
	street, postal, city, state, phoneHome      string
	phoneCell, email, sex, race, language, occu string
}

var (
	firstNames = []string{"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
		"William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carlos", "Karen", "Nguyen", "Aisha",
		"José", "Zoë", "Wei", "Fatima", "Olga", "Dmitri", "Priya", "Hiroshi"}
	lastNames = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
		"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee",
		"Perez", "Thompson", "White", "Harris", "Sánchez", "Clark", "Ramirez", "Lewis", "Robinson", "Núñez", "O'Brien"}
	streets = []string{"Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Pine St", "Elm St", "Washington Blvd", "Lakeview Rd",
		"Hillcrest Ave", "Park Pl"}
	cities = []struct{ city, state, zip string }{
		{"Springfield", "IL", "627"}, {"Columbus", "OH", "432"}, {"Austin", "TX", "787"}, {"Portland", "OR", "972"},
		{"Madison", "WI", "537"}, {"Albany", "NY", "122"}, {"Denver", "CO", "802"}, {"Raleigh", "NC", "276"},
	}
	races = []string{"white", "black_or_afri_amer", "asian", "amer_ind_or_alaska_native", "native_hawai_or_pac_island", "declne_to_specfy"}
)

// patients returns n realistic synthetic patients; the same seed gives
// the same rows.
func patients(n int, seed uint64) []patient {
	rng := rand.New(rand.NewPCG(seed, 1))
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	out := make([]patient, n)
	for i := range out {
		c := cities[rng.IntN(len(cities))]
		fn, ln := pick(firstNames), pick(lastNames)
		area := 200 + rng.IntN(700)
		p := patient{
			pid:       i + 1,
			pubpid:    fmt.Sprintf("%07d", 1000000+rng.IntN(8999999)),
			fname:     fn,
			lname:     ln,
			dob:       time.Date(1930+rng.IntN(90), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC).Format("2006-01-02"),
			ss:        fmt.Sprintf("%03d-%02d-%04d", 1+rng.IntN(665), 1+rng.IntN(99), 1+rng.IntN(9999)),
			street:    fmt.Sprintf("%d %s", 1+rng.IntN(9899), pick(streets)),
			postal:    fmt.Sprintf("%s%02d", c.zip, rng.IntN(100)),
			city:      c.city,
			state:     c.state,
			phoneHome: fmt.Sprintf("(%d) %03d-%04d", area, 200+rng.IntN(800), rng.IntN(10000)),
			phoneCell: fmt.Sprintf("%d-%03d-%04d", area, 200+rng.IntN(800), rng.IntN(10000)),
			email:     strings.ToLower(fmt.Sprintf("%s.%s%d@example.org", asciiOnly(fn), asciiOnly(ln), rng.IntN(100))),
			sex:       []string{"Female", "Male"}[rng.IntN(2)],
			race:      pick(races),
			language:  []string{"English", "Spanish", "Vietnamese", "Chinese"}[rng.IntN(4)],
			occu:      []string{"Teacher", "Nurse", "Retired", "Engineer", "Student", ""}[rng.IntN(6)],
		}
		if rng.IntN(3) == 0 {
			p.mname = string(rune('A' + rng.IntN(26)))
		}
		if rng.IntN(5) == 0 {
			p.phoneCell = ""
		}
		out[i] = p
	}
	return out
}

func asciiOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 && r != '\'' {
			return r
		}
		return -1
	}, s)
}

// createPatientData creates and fills an OpenEMR-shaped patient_data table.
func createPatientData(t testing.TB, db *sql.DB, d testdb.Dialect, rows []patient) {
	t.Helper()
	ctx := context.Background()
	pk := "pid INTEGER PRIMARY KEY"
	if d == testdb.DialectMySQL {
		pk = "pid BIGINT NOT NULL PRIMARY KEY"
	}
	ddl := `CREATE TABLE patient_data (` + pk + `,
		pubpid VARCHAR(255), fname VARCHAR(255), lname VARCHAR(255), mname VARCHAR(255), DOB DATE,
		ss VARCHAR(255), street VARCHAR(255), postal_code VARCHAR(255), city VARCHAR(255), state VARCHAR(255),
		phone_home VARCHAR(255), phone_cell VARCHAR(255), email VARCHAR(255), sex VARCHAR(255), race VARCHAR(255),
		language VARCHAR(255), occupation VARCHAR(255), hipaa_mail VARCHAR(3), regdate TIMESTAMP NULL)`
	if _, err := db.ExecContext(ctx, ddl); err != nil {
		t.Fatal(err)
	}
	insertRows(t, db, d, "patient_data",
		[]string{"pid", "pubpid", "fname", "lname", "mname", "DOB", "ss", "street", "postal_code", "city", "state",
			"phone_home", "phone_cell", "email", "sex", "race", "language", "occupation", "hipaa_mail"},
		len(rows), func(i int) []any {
			p := rows[i]
			var mname, cell any
			if p.mname != "" {
				mname = p.mname
			}
			if p.phoneCell != "" {
				cell = p.phoneCell
			}
			return []any{p.pid, p.pubpid, p.fname, p.lname, mname, p.dob, p.ss, p.street, p.postal, p.city, p.state,
				p.phoneHome, cell, p.email, p.sex, p.race, p.language, p.occu, "YES"}
		})
}

// insertRows inserts n rows in multi-row statements inside a transaction.
func insertRows(t testing.TB, db *sql.DB, d testdb.Dialect, table string, cols []string, n int, row func(int) []any) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	per := max(1, 900/len(cols))
	for start := 0; start < n; start += per {
		end := min(n, start+per)
		var sb strings.Builder
		fmt.Fprintf(&sb, "INSERT INTO %s (%s) VALUES ", table, strings.Join(cols, ", "))
		var args []any
		for i := start; i < end; i++ {
			if i > start {
				sb.WriteString(", ")
			}
			sb.WriteByte('(')
			for j := range cols {
				if j > 0 {
					sb.WriteString(", ")
				}
				if d == testdb.DialectPostgres {
					fmt.Fprintf(&sb, "$%d", len(args)+j+1)
				} else {
					sb.WriteByte('?')
				}
			}
			sb.WriteByte(')')
			args = append(args, row(i)...)
		}
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func findTable(t *testing.T, r *Report, name string) *TableReport {
	t.Helper()
	for i := range r.Tables {
		if r.Tables[i].Name == name {
			return &r.Tables[i]
		}
	}
	t.Fatalf("no table %q in the report (%d tables)", name, len(r.Tables))
	return nil
}

func findColumn(t *testing.T, tr *TableReport, name string) *ColumnReport {
	t.Helper()
	for i := range tr.Columns {
		// PostgreSQL folds unquoted names to lower case.
		if strings.EqualFold(tr.Columns[i].Name, name) {
			return &tr.Columns[i]
		}
	}
	t.Fatalf("table %s: no column %q", tr.Name, name)
	return nil
}

func hasWarning(tr *TableReport, substr string) bool {
	for _, w := range tr.Warnings {
		if strings.Contains(w, substr) {
			return true
		}
	}
	return false
}

// TestScanDB scans the same tables on every database: an OpenEMR-shaped
// patient table, an empty table, a view and a table without PHI, fully
// and by sampling.
func TestScanDB(t *testing.T) {
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db, _ := testdb.Open(t, d)
			rows := patients(400, 7)
			createPatientData(t, db, d, rows)
			for _, stmt := range []string{
				`CREATE TABLE empty_table (id INTEGER PRIMARY KEY, ssn VARCHAR(11))`,
				`CREATE TABLE drugs (id INTEGER PRIMARY KEY, name VARCHAR(100), dose_mg REAL, route VARCHAR(20))`,
				`INSERT INTO drugs (id, name, dose_mg, route) VALUES (1, 'aspirin', 81, 'oral'), (2, 'heparin', 5000, 'iv'), (3, 'insulin', 0.5, 'sc')`,
				`CREATE VIEW patient_names AS SELECT pid, fname, lname FROM patient_data`,
			} {
				if _, err := db.ExecContext(ctx, stmt); err != nil {
					t.Fatal(err)
				}
			}

			for _, sample := range []int{0, 100} {
				rep, err := ScanDB(ctx, db, string(d), &Config{Sample: sample})
				if err != nil {
					t.Fatal(err)
				}
				if rep.Source != string(d) || len(rep.Tables) != 4 {
					t.Fatalf("sample %d: source %q, %d tables", sample, rep.Source, len(rep.Tables))
				}
				pd := findTable(t, rep, "patient_data")
				if pd.Kind != "table" || pd.Rows != 400 || len(pd.Columns) != 20 {
					t.Fatalf("patient_data: kind %s, %d rows, %d columns", pd.Kind, pd.Rows, len(pd.Columns))
				}
				wantSampled := int64(400)
				if sample > 0 {
					wantSampled = int64(sample)
				}
				ss := findColumn(t, pd, "ss")
				// TABLESAMPLE returns about, not exactly, the sample.
				low := wantSampled
				if d == testdb.DialectPostgres {
					low = wantSampled * 3 / 4
				}
				if ss.Sampled > wantSampled || ss.Sampled < low || ss.Verdict != VerdictPHI || !strings.Contains(strings.Join(ss.Types, ","), "ssn") {
					t.Errorf("sample %d: ss: sampled %d, verdict %s, types %v", sample, ss.Sampled, ss.Verdict, ss.Types)
				}
				if c := findColumn(t, pd, "pid"); !strings.HasSuffix(c.SQLType, "PRIMARY KEY") {
					t.Errorf("pid: SQL type %q, want the primary-key mark", c.SQLType)
				}
				for _, name := range []string{"email", "DOB", "fname", "lname", "phone_home"} {
					if c := findColumn(t, pd, name); c.Verdict != VerdictPHI {
						t.Errorf("sample %d: %s: verdict %s, want phi (%v)", sample, name, c.Verdict, c.Evidence)
					}
				}
				if c := findColumn(t, pd, "phone_cell"); c.Nulls == 0 {
					t.Errorf("phone_cell: no nulls counted")
				}
				if len(pd.Examples) != maxExamples || len(pd.Examples[0]) != 20 {
					t.Errorf("examples: %d", len(pd.Examples))
				}
				if pd.Created != nil && d != testdb.DialectMySQL {
					t.Errorf("created time on %s", d)
				}
				if d == testdb.DialectMySQL && pd.Created == nil {
					t.Errorf("MySQL: no created time")
				}

				empty := findTable(t, rep, "empty_table")
				if empty.Rows != 0 || !hasWarning(empty, "empty") || len(empty.Columns) != 2 {
					t.Errorf("empty_table: %d rows, warnings %v, %d columns", empty.Rows, empty.Warnings, len(empty.Columns))
				}
				view := findTable(t, rep, "patient_names")
				if view.Kind != "view" || view.Rows != 400 || len(view.Columns) != 3 {
					t.Errorf("view: kind %s, %d rows, %d columns", view.Kind, view.Rows, len(view.Columns))
				}
				drugs := findTable(t, rep, "drugs")
				dose := findColumn(t, drugs, "dose_mg")
				if dose.Min == nil || *dose.Min != 0.5 {
					t.Errorf("dose_mg min: %v", dose.Min)
				}
			}

			// Named tables only, one of them missing.
			rep, err := ScanDB(ctx, db, string(d), &Config{}, "drugs", "no_such_table")
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Tables) != 2 || rep.Tables[0].Name != "drugs" || !hasWarning(&rep.Tables[1], "no such table") {
				t.Fatalf("named tables: %+v", rep.Tables)
			}
			if _, err := ScanDB(ctx, db, string(d), &Config{}, "no_such_table"); err == nil {
				t.Fatal("scan of a missing table only: no error")
			}
		})
	}
}

// TestScanDBSamplingLarge checks that each database's sampling strategy
// reads about the sample, from across the table, on a table much larger
// than the sample.
func TestScanDBSamplingLarge(t *testing.T) {
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db, _ := testdb.Open(t, d)
			if _, err := db.ExecContext(ctx, `CREATE TABLE visits (id INTEGER PRIMARY KEY, seq INTEGER, note VARCHAR(40))`); err != nil {
				t.Fatal(err)
			}
			const n = 20000
			insertRows(t, db, d, "visits", []string{"id", "seq", "note"}, n, func(i int) []any {
				return []any{i + 1, i, "routine"}
			})
			// The keyless copy exercises the offset window (and
			// TABLESAMPLE on PostgreSQL).
			if _, err := db.ExecContext(ctx, `CREATE TABLE visits_nokey AS SELECT seq, note FROM visits`); err != nil {
				t.Fatal(err)
			}
			rep, err := ScanDB(ctx, db, string(d), &Config{Sample: 1000})
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"visits", "visits_nokey"} {
				tr := findTable(t, rep, name)
				seq := findColumn(t, tr, "seq")
				low := int64(1000)
				if d == testdb.DialectPostgres {
					low = 500
				}
				if tr.Rows != n || seq.Sampled < low || seq.Sampled > 1000 {
					t.Errorf("%s: %d rows, %d sampled", name, tr.Rows, seq.Sampled)
				}
			}
			// Key-range blocks spread over the table: the smallest value
			// seen is far below a window at the end, and rarely 0.
			if seq := findColumn(t, findTable(t, rep, "visits"), "seq"); seq.Min == nil || *seq.Min > n/2 {
				t.Errorf("visits: sample minimum %v, want a spread sample", seq.Min)
			}
		})
	}
}

// TestScanDBRefused scans databases that refuse the connection.
func TestScanDBRefused(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ dialect, driver, dsn string }{
		{"postgres", "pgx", "postgres://nobody@127.0.0.1:1/nodb?connect_timeout=5&sslmode=disable"},
		{"mysql", "mysql", "nobody@tcp(127.0.0.1:1)/nodb?timeout=5s"},
		{"sqlite", "sqlite", "file:" + t.TempDir() + "/missing/dir/x.db?mode=ro"},
	} {
		db, err := sql.Open(tc.driver, tc.dsn)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := ScanDB(ctx, db, tc.dialect, nil)
		db.Close()
		if err == nil {
			t.Errorf("%s: no error", tc.dialect)
		}
		if rep == nil || len(rep.Tables) != 1 || rep.Tables[0].Kind != KindDatabase || !hasWarning(&rep.Tables[0], "cannot connect") {
			t.Errorf("%s: report %+v", tc.dialect, rep)
		}
	}
	if _, err := ScanDB(ctx, nil, "oracle", nil); err == nil {
		t.Error("unknown dialect: no error")
	}
}

// TestScanDBUnreadableTable keeps going past a view that cannot be read.
func TestScanDBUnreadableTable(t *testing.T) {
	ctx := context.Background()
	db := testdb.SQLite(t)
	for _, stmt := range []string{
		`CREATE TABLE base (id INTEGER PRIMARY KEY, email TEXT)`,
		`CREATE VIEW broken AS SELECT id, email FROM base`,
		`CREATE TABLE other (id INTEGER PRIMARY KEY, note TEXT)`,
		`INSERT INTO other VALUES (1, 'x')`,
		// SQLite lets a view outlive its table; reading it then fails.
		`DROP TABLE base`,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := ScanDB(ctx, db, "sqlite", &Config{})
	if err != nil {
		t.Fatal(err)
	}
	if br := findTable(t, rep, "broken"); !hasWarning(br, "cannot read") {
		t.Errorf("broken view: warnings %v", br.Warnings)
	}
	if o := findTable(t, rep, "other"); o.Rows != 1 || len(o.Warnings) != 0 {
		t.Errorf("other: %+v", o)
	}
}

// TestScanDBParallel checks that a full scan over several connections
// sees every row once and judges as a scan over one connection does.
func TestScanDBParallel(t *testing.T) {
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db, _ := testdb.Open(t, d)
			if _, err := db.ExecContext(ctx, `CREATE TABLE visits (id INTEGER PRIMARY KEY, seq INTEGER, email VARCHAR(40), note VARCHAR(40))`); err != nil {
				t.Fatal(err)
			}
			const n = parallelRows + 1000
			insertRows(t, db, d, "visits", []string{"id", "seq", "email", "note"}, n, func(i int) []any {
				var note any
				if i%7 != 0 {
					note = "routine"
				}
				// Gaps in the key: the parts of the range differ in size.
				return []any{i*3 + 5, n - i, fmt.Sprintf("p%d@example.org", i), note}
			})
			par, err := ScanDB(ctx, db, string(d), &Config{}, "visits")
			if err != nil {
				t.Fatal(err)
			}
			db.SetMaxOpenConns(1)
			seq, err := ScanDB(ctx, db, string(d), &Config{}, "visits")
			if err != nil {
				t.Fatal(err)
			}
			pt, st := &par.Tables[0], &seq.Tables[0]
			for i := range st.Columns {
				p, s := pt.Columns[i], st.Columns[i]
				// The first value seen, whose mask the example and the
				// evidence show, depends on the order of the rows.
				p.Example, s.Example = "", ""
				for _, c := range []*ColumnReport{&p, &s} {
					c.Evidence = slices.Clone(c.Evidence)
					for k := range c.Evidence {
						c.Evidence[k].Detail = ""
					}
				}
				pj, _ := json.Marshal(p)
				sj, _ := json.Marshal(s)
				if p.Sampled != n || string(pj) != string(sj) {
					t.Errorf("parallel %s\n     one connection %s", pj, sj)
				}
			}
			if c := findColumn(t, pt, "seq"); c.Min == nil || *c.Min != 1 {
				t.Errorf("seq min %v", c.Min)
			}
			if c := findColumn(t, pt, "note"); c.Nulls != (n+6)/7 {
				t.Errorf("note: %d nulls", c.Nulls)
			}
		})
	}
}
