package sqlwrap

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// TestIndexesAreUsed fills a table large enough that the database prefers
// an index, and checks each dialect's plan for every kind of search, so a
// search can never silently become a full scan.
func TestIndexesAreUsed(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(24))
		// Names and notes are built from syllables so that grams are as
		// varied as in real data.
		syl := []string{"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "bo", "da", "fi", "go", "hu", "je", "pa"}
		word := func(n, parts int) string {
			var b strings.Builder
			for p := 0; p < parts; p++ {
				b.WriteString(syl[n%len(syl)])
				n /= len(syl)
			}
			return b.String()
		}
		rng := rand.New(rand.NewPCG(7, 7))
		text := func(n int) string {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte('a' + rng.IntN(26))
				if i%7 == 6 {
					b[i] = ' '
				}
			}
			return string(b)
		}
		var rows []Row
		for i := 1; i <= 6000; i++ {
			rows = append(rows, Row{"id": int64(i), "ssn": fmt.Sprintf("%03d-%02d-%04d", 100+i%800, i%99+1, i), "mrn": fmt.Sprintf("MRN-%06d", i),
				"last_name": word(i*7919, 4), "first_name": "F",
				"dob": cipher.Date{Year: 1930 + i%80, Month: time.Month(1 + i%12), Day: 1 + i%28}, "notes": text(40), "city": "X", "age": int64(i % 90)})
		}
		if _, err := f.pats.InsertBatch(ctx, rows); err != nil {
			t.Fatal(err)
		}
		analyze := map[testdb.Dialect][]string{
			"sqlite":   {"ANALYZE"},
			"postgres": {"ANALYZE patients"},
			"mysql":    {"ANALYZE TABLE patients", "ANALYZE TABLE patients__notes_sub"},
		}[d]
		for _, a := range analyze {
			if _, err := f.sql.ExecContext(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			name  string
			q     Query
			index string // the index the plan must name
			want  int
		}{
			{"equality", Query{Where: []Pred{Eq("mrn", "MRN-001234")}}, "phx_patients_mrn_eq", 1},
			{"compound", Query{Where: []Pred{Eq("last_name", rows[4]["last_name"]), Eq("dob", rows[4]["dob"])}}, "phx_patients_name_dob", 1},
			{"prefix", Query{Where: []Pred{Prefix("last_name", rows[99]["last_name"].(string)[:6])}}, map[testdb.Dialect]string{"postgres": "phx_patients_last_name_prefix", "sqlite": "SCAN patients__last_name_prefix VIRTUAL TABLE INDEX 0:M", "mysql": "phx_patients_last_name_prefix_4"}[d], countPrefix(rows, rows[99]["last_name"].(string)[:6])},
			{"substring", Query{Where: []Pred{Contains("notes", rows[1234]["notes"].(string)[2:11])}}, map[testdb.Dialect]string{"postgres": "phx_patients_notes_sub", "sqlite": "SCAN patients__notes_sub VIRTUAL TABLE INDEX 0:M", "mysql": "patients__notes_sub"}[d], countContains(rows, rows[1234]["notes"].(string)[2:11])},
		} {
			got, err := f.pats.Find(ctx, c.q)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if len(got) != c.want {
				t.Errorf("%s: %d rows, want %d", c.name, len(got), c.want)
			}
			plan, err := f.pats.Explain(ctx, c.q)
			if err != nil {
				t.Fatalf("%s: explain: %v", c.name, err)
			}
			if full := fullScan(d, plan); full != "" || (c.index != "" && !strings.Contains(plan, c.index)) {
				t.Errorf("%s: plan does not use %s (%s):\n%s", c.name, c.index, full, plan)
			}
		}
	})
}

// fullScan returns why a plan reads the whole patients table, or "".
func fullScan(d testdb.Dialect, plan string) string {
	for _, line := range strings.Split(plan, "\n") {
		switch d {
		case "sqlite":
			// "SCAN patients" alone; FTS5 lookups read "SCAN <fts table>
			// VIRTUAL TABLE INDEX 0:M…", which is an index search.
			if strings.HasSuffix(strings.TrimSpace(line), "SCAN patients") {
				return line
			}
		case "postgres":
			if strings.Contains(line, "Seq Scan on patients") {
				return line
			}
		case "mysql":
			f := strings.Fields(line)
			// id select_type table type ...: type ALL is a full scan.
			if len(f) > 3 && strings.HasPrefix(f[2], "patients") && f[3] == "ALL" {
				return line
			}
		}
	}
	return ""
}

func countPrefix(rows []Row, p string) int {
	n := 0
	for _, r := range rows {
		if strings.HasPrefix(r["last_name"].(string), p) {
			n++
		}
	}
	return n
}

func countContains(rows []Row, p string) int {
	n := 0
	for _, r := range rows {
		if strings.Contains(r["notes"].(string), p) {
			n++
		}
	}
	return n
}
