package phiscan

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

// canaries are PHI values that must appear in no rendering of the report.
var canaries = []string{
	"517-29-4863", "517294863", "MRN-88417302", "88417302", "Quillonetta", "Brambleworth",
	"quillonetta.brambleworth", "(415) 555-0142", "4155550142", "555-0142", "1929-03-14",
	"8841 Thistlewood", "Thistlewood", "94117", "Vexmoor",
}

// canaryReport scans a table and a file whose first rows (the ones the
// examples come from) hold the canaries, among realistic rows.
func canaryReport(t *testing.T) []*Report {
	t.Helper()
	ctx := context.Background()
	db := testdb.SQLite(t)
	if _, err := db.ExecContext(ctx, `CREATE TABLE people (id INTEGER PRIMARY KEY, mrn TEXT, first_name TEXT,
		last_name TEXT, dob DATE, ssn TEXT, social_security_number INTEGER, email TEXT, phone TEXT, street TEXT,
		zip INTEGER, city TEXT, notes TEXT)`); err != nil {
		t.Fatal(err)
	}
	rows := patients(120, 5)
	insertRows(t, db, testdb.DialectSQLite, "people",
		[]string{"id", "mrn", "first_name", "last_name", "dob", "ssn", "social_security_number", "email", "phone", "street", "zip", "city", "notes"},
		len(rows), func(i int) []any {
			p := rows[i]
			if i < 5 {
				return []any{i + 1, "MRN-88417302", "Quillonetta", "Brambleworth", "1929-03-14", "517-29-4863", 517294863,
					"quillonetta.brambleworth@example.org", "(415) 555-0142", "8841 Thistlewood Crescent", 94117, "Vexmoor",
					"Quillonetta Brambleworth called from 4155550142"}
			}
			// The canaries are the smallest numbers of their columns, so
			// that a minimum reported for a PHI column would show them.
			return []any{i + 1, "MRN-" + p.pubpid, p.fname, p.lname, p.dob, p.ss, 517294863 + 7*i, p.email, p.phoneHome, p.street,
				94117 + i, p.city, "follow-up visit"}
		})
	dbRep, err := ScanDB(ctx, db, "sqlite", &Config{})
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	var csvText strings.Builder
	csvText.WriteString("id,mrn,first_name,last_name,dob,ssn,email,phone,zip\n")
	for i := range 5 {
		fmt.Fprintf(&csvText, "%d,MRN-88417302,Quillonetta,Brambleworth,1929-03-14,517-29-4863,quillonetta.brambleworth@example.org,(415) 555-0142,94117\n", i+1)
	}
	for i, p := range rows {
		fmt.Fprintf(&csvText, "%d,MRN-%s,%s,%s,%s,%s,%s,\"%s\",%s\n", i+6, p.pubpid, p.fname, p.lname, p.dob, p.ss, p.email, p.phoneHome, p.postal)
	}
	writeFile(t, dir, "people.csv", []byte(csvText.String()))
	dirRep, err := ScanDir(ctx, dir, &Config{})
	if err != nil {
		t.Fatal(err)
	}
	return []*Report{dbRep, dirRep}
}

// TestReportsHoldNoPHI renders the scan of canary values in every format
// and in the emitted schema, and looks for the canaries in the output.
func TestReportsHoldNoPHI(t *testing.T) {
	for _, rep := range canaryReport(t) {
		if len(rep.Tables[0].Examples) == 0 {
			t.Fatal("no examples: the test would not exercise masking")
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
		} else {
			t.Errorf("emit: %v", err)
		}
		for f, out := range outputs {
			lower := bytes.ToLower(out)
			for _, c := range canaries {
				if bytes.Contains(lower, bytes.ToLower([]byte(c))) {
					t.Errorf("%s: %s rendering holds the canary %q", rep.Source, f, c)
				}
			}
		}
	}
}

func TestRenderFormats(t *testing.T) {
	created := time.Date(2024, 5, 6, 7, 8, 0, 0, time.UTC)
	m := 0.5
	rep := &Report{
		ScannedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Source:    "data",
		Tables: []TableReport{{
			Name: "t|1", Kind: "csv", Rows: 3, Created: &created, Modified: &created,
			Warnings: []string{"3 rows have <b>odd</b> fields"},
			Columns: []ColumnReport{
				{Name: "<script>alert(1)</script>", Verdict: VerdictPHI, Types: []string{"ssn"}, Confidence: 0.97,
					Evidence: []Evidence{{Check: "value", Type: "ssn", Share: 0.98, Detail: "###-##-####"}}, Sampled: 3, Example: "###-##-####"},
				{Name: "dose", Verdict: VerdictNone, Sampled: 3, Min: &m},
			},
			Examples: [][]string{{"###-##-####", "#.#"}},
		}},
		Files: []FileReport{{Name: "x.pdf", Kind: FileBinary, Size: 2048, Warning: "unexpected binary file: not scanned"}},
	}

	var js bytes.Buffer
	if err := Render(&js, rep, "json"); err != nil {
		t.Fatal(err)
	}
	var generic map[string]any
	if err := json.Unmarshal(js.Bytes(), &generic); err != nil {
		t.Fatal(err)
	}
	table := generic["tables"].([]any)[0].(map[string]any)
	column := table["columns"].([]any)[0].(map[string]any)
	for _, k := range []string{"scanned_at", "source", "tables", "files"} {
		if _, ok := generic[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	for _, k := range []string{"name", "kind", "rows", "created", "modified", "columns", "warnings", "examples"} {
		if _, ok := table[k]; !ok {
			t.Errorf("JSON table lacks %q", k)
		}
	}
	for _, k := range []string{"name", "verdict", "types", "confidence", "evidence", "sampled", "nulls", "example"} {
		if _, ok := column[k]; !ok {
			t.Errorf("JSON column lacks %q", k)
		}
	}
	var back Report
	// The minimum of a column that is not a surrogate key is never shown.
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Tables[0].Columns[1].Min != nil {
		t.Errorf("JSON round trip: %v, min %v", err, back.Tables[0].Columns[1].Min)
	}

	var md bytes.Buffer
	if err := Render(&md, rep, "md"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| t\\|1 | csv | 3 | 2024-05-06 07:08 UTC |", "\\<script\\>", "value:ssn 98% (###-##-####)", "| `###-##-####` | `#.#` |", "| dose |", "x.pdf", "2.0 KiB"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md.String())
		}
	}

	if strings.Contains(md.String(), "0.5") {
		t.Error("Markdown shows the minimum of a column that is not a key")
	}

	var html bytes.Buffer
	if err := Render(&html, rep, "html"); err != nil {
		t.Fatal(err)
	}
	h := html.String()
	if strings.Contains(h, "0.5") {
		t.Error("HTML shows the minimum of a column that is not a key")
	}
	if strings.Contains(h, "<script>alert") || strings.Contains(h, "<b>odd") {
		t.Error("HTML does not escape names and warnings")
	}
	if !strings.Contains(h, "&lt;script&gt;") || !strings.Contains(h, "<style>") || !strings.Contains(h, `class="v v-phi"`) {
		t.Error("HTML lacks the escaped name, the inline style or the verdict badge")
	}
	// Self-contained: nothing is fetched from elsewhere.
	if regexp.MustCompile(`(?i)(src=|href="?https?:|<link|@import|url\()`).MatchString(h) {
		t.Error("HTML refers to external resources")
	}

	if err := Render(&html, rep, "pdf"); err == nil {
		t.Error("unknown format: no error")
	}
	// A report without lists still renders as lists.
	js.Reset()
	if err := WriteJSON(&js, &Report{Source: "x"}); err != nil || !strings.Contains(js.String(), `"tables": []`) {
		t.Errorf("empty report: %s %v", js.String(), err)
	}
}
