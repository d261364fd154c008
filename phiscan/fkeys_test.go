package phiscan

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

// fkSchema creates a table of people, a table of their observations that
// references it under a name that says nothing of people, a table of
// places that the people reference, and a table of staff referenced by
// a log, with foreign keys when withFK.
func fkSchema(t *testing.T, d testdb.Dialect, withFK bool) *Report {
	t.Helper()
	db, _ := testdb.Open(t, d)
	ref := func(s string) string {
		if withFK {
			return " REFERENCES " + s
		}
		return ""
	}
	stmts := []string{
		`CREATE TABLE place (place_key INTEGER PRIMARY KEY, label VARCHAR(40), latitude DECIMAL(9,5), longitude DECIMAL(9,5), city VARCHAR(40))`,
		`CREATE TABLE folk (id INTEGER PRIMARY KEY, first_name VARCHAR(40), last_name VARCHAR(40), birth_date DATE, home INTEGER` + ref("place(place_key)") + `)`,
		`CREATE TABLE reading (id INTEGER PRIMARY KEY, owner INTEGER` + ref("folk(id)") + `, taken DATE, val DECIMAL(6,2))`,
		`CREATE TABLE users (id INTEGER PRIMARY KEY, fname VARCHAR(40), lname VARCHAR(40))`,
		`CREATE TABLE task (id INTEGER PRIMARY KEY, actor INTEGER` + ref("users(id)") + `, due_date DATE)`,
	}
	ctx := context.Background()
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	g := newSynth(7)
	people := g.people(60)
	for i, p := range people {
		id := i + 1
		mustExec(t, db, fmt.Sprintf(`INSERT INTO place VALUES (%d, 'p%d', %.5f, %.5f, '%s')`, id, id, p.lat, p.lon, p.city))
		mustExec(t, db, fmt.Sprintf(`INSERT INTO folk VALUES (%d, '%s', '%s', '%s', %d)`, id, asciiOnly(p.first), asciiOnly(p.last), sqlDate(p.dob), id))
		mustExec(t, db, fmt.Sprintf(`INSERT INTO reading VALUES (%d, %d, '%s', %d.5)`, id, id, sqlDate(g.visitDate(p)), 50+g.n(100)))
		mustExec(t, db, fmt.Sprintf(`INSERT INTO users VALUES (%d, '%s', '%s')`, id, asciiOnly(p.first), asciiOnly(p.last)))
	}
	for i := range people {
		id := i + 1
		mustExec(t, db, fmt.Sprintf(`INSERT INTO task VALUES (%d, %d, '%s')`, id, 1+g.n(60), sqlDate(g.date(2020, 2025))))
	}
	rep, err := ScanDB(ctx, db, string(d), &Config{Sample: DefaultSample, ScanDate: realScanDate})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func mustExec(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestForeignKeyLinks checks, on each database, that a foreign key to a
// table of people links the referencing table to a patient, that a
// person's reference to a table of places makes the places the person's,
// and that a reference to a table of staff links nothing.
func TestForeignKeyLinks(t *testing.T) {
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			verdicts := func(rep *Report) map[string]*ColumnReport {
				out := map[string]*ColumnReport{}
				for i := range rep.Tables {
					for j := range rep.Tables[i].Columns {
						c := &rep.Tables[i].Columns[j]
						out[rep.Tables[i].Name+"."+c.Name] = c
					}
					for _, w := range rep.Tables[i].Warnings {
						t.Errorf("%s: warning %s", rep.Tables[i].Name, w)
					}
				}
				return out
			}
			without, with := verdicts(fkSchema(t, d, false)), verdicts(fkSchema(t, d, true))
			for _, k := range []string{"reading.taken", "place.latitude", "place.longitude", "place.city", "place.label", "task.due_date"} {
				t.Logf("%s: without keys %s %v, with keys %s %v (%+v)", k, without[k].Verdict, without[k].Types, with[k].Verdict, with[k].Types, with[k].Evidence)
			}
			if without["reading.taken"].Verdict == VerdictPHI || with["reading.taken"].Verdict != VerdictPHI {
				t.Errorf("reading.taken: %s without keys, %s with: want phi only through the key", without["reading.taken"].Verdict, with["reading.taken"].Verdict)
			}
			if without["place.latitude"].Verdict == VerdictPHI || with["place.latitude"].Verdict != VerdictPHI {
				t.Errorf("place.latitude: %s without keys, %s with: want phi only through folk.home", without["place.latitude"].Verdict, with["place.latitude"].Verdict)
			}
			if with["task.due_date"].Verdict != without["task.due_date"].Verdict {
				t.Errorf("task.due_date: %s with a key to users, %s without: a key to staff links no patient", with["task.due_date"].Verdict, without["task.due_date"].Verdict)
			}
		})
	}
}

// TestForeignKeyLinksRules checks which keys link which tables: keys to
// tables of people link, keys to staff or organisations do not, and a
// person's key to a table of addresses makes it the person's, but not a
// key to a dictionary.
func TestForeignKeyLinksRules(t *testing.T) {
	cols := map[string][]string{
		"person":      {"person_id", "year_of_birth", "location_id", "provider_id", "care_site_id", "cause_concept_id"},
		"location":    {"location_id", "address_1", "city", "zip", "latitude"},
		"care_site":   {"care_site_id", "care_site_name", "location_id"},
		"provider":    {"provider_id", "provider_name", "npi", "year_of_birth"},
		"concept":     {"concept_id", "concept_name", "valid_start_date"},
		"measurement": {"measurement_id", "subject", "measurement_date"},
		"note_line":   {"id", "measurement", "line_text"},
		"shift":       {"id", "worker", "starts"},
	}
	fks := []foreignKey{
		{"person", "location_id", "location", "location_id"},
		{"person", "provider_id", "provider", "provider_id"},
		{"person", "care_site_id", "care_site", "care_site_id"},
		{"person", "cause_concept_id", "concept", "concept_id"},
		{"care_site", "location_id", "location", "location_id"},
		{"measurement", "subject", "person", "person_id"},
		{"note_line", "measurement", "measurement", "measurement_id"},
		{"shift", "worker", "provider", "provider_id"},
	}
	got := foreignKeyLinks(fks, cols)
	want := map[string]string{"location": "location_id", "measurement": "subject", "note_line": "measurement"}
	for table := range cols {
		if got[table] != want[table] {
			t.Errorf("%s: link %q, want %q", table, got[table], want[table])
		}
	}
}
