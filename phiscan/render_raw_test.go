package phiscan

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

// rawValues are the smallest and largest values of the columns of the
// employer_data table below, in the forms a rendering could print them.
var rawValues = []string{
	"03817", "3817", "98741", // postal_code, VARCHAR of digits
	"4410071", "4419953", // badge_ref, VARCHAR of digits no detector knows
	"66.125", "66.13", "181.875", // weight_kg, REAL
	"777", "7770", // visit_count, INTEGER (not a key)
	"20119", "20198", // plan_year_code, INTEGER, a code
}

// TestRenderingsHoldNoRawValue scans, on every database, a table whose
// text and number columns are not keys, and checks that no rendering (JSON,
// Markdown, HTML, emitted schema) prints their minimum or maximum, while the
// minimum of the integer primary key, a proven surrogate key, is kept.
func TestRenderingsHoldNoRawValue(t *testing.T) {
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db, _ := testdb.Open(t, d)
			pk := "id INTEGER PRIMARY KEY"
			if d == testdb.DialectMySQL {
				pk = "id BIGINT NOT NULL PRIMARY KEY"
			}
			if _, err := db.ExecContext(ctx, `CREATE TABLE employer_data (`+pk+`, name VARCHAR(255),
				postal_code VARCHAR(255), badge_ref VARCHAR(32), weight_kg REAL, visit_count INTEGER,
				plan_year_code INTEGER, ss VARCHAR(11))`); err != nil {
				t.Fatal(err)
			}
			const n = 150
			insertRows(t, db, d, "employer_data",
				[]string{"id", "name", "postal_code", "badge_ref", "weight_kg", "visit_count", "plan_year_code", "ss"}, n,
				func(i int) []any {
					zip := fmt.Sprintf("%05d", 3817+(i*661)%94924)
					badge := fmt.Sprintf("%d", 4410071+(i*9883)%9883)
					w := 66.125 + float64(i%100)*1.16
					visits := 777 + (i*13)%6994
					code := 20119 + i%80
					switch i {
					case 0:
						zip, badge, w, visits, code = "03817", "4410071", 66.125, 777, 20119
					case 1:
						zip, badge, w, visits, code = "98741", "4419953", 181.875, 7770, 20198
					}
					return []any{i + 1, []string{"Acme Tooling", "Birchwood Foods", "Cobalt Freight"}[i%3], zip, badge, w,
						visits, code, fmt.Sprintf("%03d-%02d-%04d", 100+i, 10+i%80, 1000+i)}
				})
			rep, err := ScanDB(ctx, db, string(d), &Config{})
			if err != nil {
				t.Fatal(err)
			}
			tr := findTable(t, rep, "employer_data")
			// The scan itself keeps minimums of some of these columns: the
			// renderings are what must leave them out.
			kept := 0
			for _, c := range tr.Columns {
				if c.Min != nil && !strings.EqualFold(c.Name, "id") {
					kept++
				}
			}
			if kept == 0 {
				t.Fatal("the scan kept no minimum of a non-key column: the test would not exercise the renderings")
			}
			outputs := map[string][]byte{}
			for _, f := range []string{FormatJSON, FormatMarkdown, FormatHTML} {
				var buf bytes.Buffer
				if err := Render(&buf, rep, f); err != nil {
					t.Fatal(err)
				}
				outputs[f] = buf.Bytes()
			}
			if schema, err := EmitSchema(rep); err == nil {
				outputs["schema"] = schema
			}
			for f, out := range outputs {
				for _, v := range rawValues {
					if regexp.MustCompile(`(^|[^0-9.])` + regexp.QuoteMeta(v) + `($|[^0-9])`).Match(out) {
						t.Errorf("%s: the %s rendering prints the raw value %s", d, f, v)
					}
				}
			}
			var back Report
			if err := json.Unmarshal(outputs[FormatJSON], &back); err != nil {
				t.Fatal(err)
			}
			for _, c := range back.Tables[0].Columns {
				switch {
				case strings.EqualFold(c.Name, "id") && c.Verdict == VerdictNone:
					if c.Min == nil || *c.Min != 1 {
						t.Errorf("%s: the surrogate key's minimum is %v, want 1", d, c.Min)
					}
				case c.Min != nil:
					t.Errorf("%s: JSON has a minimum for %s", d, c.Name)
				}
			}
		})
	}
}
