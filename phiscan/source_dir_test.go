package phiscan

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeFile writes a test file, creating its directory.
func writeFile(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// patientsCSV renders patients as a delimited file with a header.
func patientsCSV(rows []patient, delim rune) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma = delim
	w.Write([]string{"id", "mrn", "first_name", "last_name", "dob", "ssn", "email", "phone", "city", "sex"})
	for _, p := range rows {
		w.Write([]string{fmt.Sprint(p.pid), p.pubpid, p.fname, p.lname, p.dob, p.ss, p.email, p.phoneHome, p.city, p.sex})
	}
	w.Flush()
	return buf.Bytes()
}

func findFile(t *testing.T, r *Report, name string) *FileReport {
	t.Helper()
	for i := range r.Files {
		if r.Files[i].Name == name {
			return &r.Files[i]
		}
	}
	t.Fatalf("no file %q in the report (%+v)", name, r.Files)
	return nil
}

func TestScanDir(t *testing.T) {
	dir := t.TempDir()
	rows := patients(300, 11)
	writeFile(t, dir, "patients.csv", patientsCSV(rows, ','))
	writeFile(t, dir, "export/labs.tsv", patientsCSV(rows[:50], '\t'))
	writeFile(t, dir, "semicolon.txt", patientsCSV(rows[:20], ';'))

	// Ragged: one short and one long row among good ones.
	ragged := "id,email,ssn\n1,a.b@example.org,123-45-6789\n2,c.d@example.org\n3,e.f@example.org,234-56-7890,extra\n4,g.h@example.org,345-67-8901\n"
	writeFile(t, dir, "ragged.csv", []byte(ragged))

	// Latin-1: "José Müller" with é and ü as single bytes.
	latin1 := []byte("id,first_name,last_name,city\n1,Jos\xe9,M\xfcller,K\xf6ln\n2,Ana,Nu\xf1ez,M\xe1laga\n")
	writeFile(t, dir, "latin1.csv", latin1)

	// UTF-16 with a BOM, as spreadsheet programs export.
	var u16 []byte
	u16 = append(u16, 0xFF, 0xFE)
	for _, r := range "id\temail\n1\tz.q@example.org\n" {
		u16 = append(u16, byte(r), 0)
	}
	writeFile(t, dir, "excel.tsv", u16)

	writeFile(t, dir, "dump.csv", []byte("PK\x03\x04\x00\x00binary\x00data"))
	writeFile(t, dir, "scan.pdf", []byte("%PDF-1.4\n\x00\x01\x02"))
	writeFile(t, dir, "config.json", []byte(`{"a": 1}`))
	writeFile(t, dir, "empty.csv", nil)
	writeFile(t, dir, "README.md", []byte("# Data\n"))
	writeFile(t, dir, "notes.txt", []byte("Patient seen today, doing well.\nFollow up in two weeks.\n"))
	writeFile(t, dir, "noheader.csv", []byte("1,1980-02-03,x.y@example.org\n2,1975-06-07,w.v@example.org\n"))
	if err := os.Symlink(filepath.Join(dir, "gone.csv"), filepath.Join(dir, "dangling.csv")); err != nil {
		t.Fatal(err)
	}

	before := time.Now().Add(-time.Minute)
	for _, sample := range []int{0, 100} {
		rep, err := ScanDir(context.Background(), dir, &Config{Sample: sample})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Source != dir {
			t.Errorf("source %q", rep.Source)
		}

		p := findTable(t, rep, "patients.csv")
		if p.Kind != "csv" || p.Rows != 300 || len(p.Columns) != 10 || len(p.Warnings) != 0 {
			t.Fatalf("patients.csv: %s, %d rows, %d columns, warnings %v", p.Kind, p.Rows, len(p.Columns), p.Warnings)
		}
		if p.Modified == nil || p.Modified.Before(before) {
			t.Errorf("patients.csv: modified %v", p.Modified)
		}
		want := int64(300)
		if sample > 0 {
			want = int64(sample)
		}
		ssn := findColumn(t, p, "ssn")
		if ssn.Sampled != want || ssn.Verdict != VerdictPHI {
			t.Errorf("sample %d: ssn: %d sampled, verdict %s", sample, ssn.Sampled, ssn.Verdict)
		}
		if id := findColumn(t, p, "id"); id.Min == nil || *id.Min < 1 || (sample == 0 && *id.Min != 1) {
			t.Errorf("id min %v", id.Min)
		}

		if l := findTable(t, rep, "export/labs.tsv"); l.Kind != "tsv" || l.Rows != 50 || len(l.Columns) != 10 {
			t.Errorf("labs.tsv: %s, %d rows, %d columns", l.Kind, l.Rows, len(l.Columns))
		}
		if s := findTable(t, rep, "semicolon.txt"); s.Kind != "csv" || s.Rows != 20 || len(s.Columns) != 10 {
			t.Errorf("semicolon.txt: %s, %d rows, %d columns", s.Kind, s.Rows, len(s.Columns))
		}

		r := findTable(t, rep, "ragged.csv")
		if r.Rows != 4 || !hasWarning(r, "2 rows have a different number of fields") || !hasWarning(r, "line 3") {
			t.Errorf("ragged.csv: %d rows, warnings %v", r.Rows, r.Warnings)
		}
		if c := findColumn(t, r, "ssn"); c.Nulls != 1 || c.Sampled != 4 {
			t.Errorf("ragged.csv ssn: %d nulls of %d", c.Nulls, c.Sampled)
		}

		l1 := findTable(t, rep, "latin1.csv")
		if l1.Rows != 2 || !hasWarning(l1, "Latin-1") {
			t.Errorf("latin1.csv: %d rows, warnings %v", l1.Rows, l1.Warnings)
		}
		if x := findTable(t, rep, "excel.tsv"); x.Rows != 1 || !hasWarning(x, "UTF-16") || findColumn(t, x, "email").Verdict != VerdictPHI {
			t.Errorf("excel.tsv: %+v", x)
		}

		if e := findTable(t, rep, "empty.csv"); e.Rows != 0 || !hasWarning(e, "empty file") {
			t.Errorf("empty.csv: %+v", e)
		}
		nh := findTable(t, rep, "noheader.csv")
		if nh.Rows != 2 || !hasWarning(nh, "looks like data") || nh.Columns[0].Name != "column_1" {
			t.Errorf("noheader.csv: %d rows, warnings %v", nh.Rows, nh.Warnings)
		}

		if f := findFile(t, rep, "dump.csv"); f.Kind != FileBinary || f.Warning == "" || f.Size == 0 {
			t.Errorf("dump.csv: %+v", f)
		}
		if f := findFile(t, rep, "scan.pdf"); f.Kind != FileBinary || !strings.Contains(f.Warning, "unexpected") {
			t.Errorf("scan.pdf: %+v", f)
		}
		if f := findFile(t, rep, "config.json"); f.Kind != FileText || !strings.Contains(f.Warning, "unexpected") {
			t.Errorf("config.json: %+v", f)
		}
		if f := findFile(t, rep, "README.md"); f.Kind != FileText || f.Warning != "" {
			t.Errorf("README.md: %+v", f)
		}
		if f := findFile(t, rep, "notes.txt"); f.Kind != FileText || !strings.Contains(f.Warning, "free text") {
			t.Errorf("notes.txt: %+v", f)
		}
		if f := findFile(t, rep, "dangling.csv"); f.Kind != FileUnreadable || !strings.Contains(f.Warning, "cannot read") {
			t.Errorf("dangling.csv: %+v", f)
		}
		if len(rep.Tables) != 8 || len(rep.Files) != 6 {
			t.Errorf("%d tables, %d files", len(rep.Tables), len(rep.Files))
		}
	}

	if _, err := ScanDir(context.Background(), filepath.Join(dir, "nope"), nil); err == nil {
		t.Error("missing directory: no error")
	}
	if _, err := ScanDir(context.Background(), filepath.Join(dir, "README.md"), nil); err == nil {
		t.Error("file as directory: no error")
	}
}

// TestLatin1Fallback decodes UTF-8 up to the first invalid byte and
// Latin-1 after it, across read boundaries.
func TestLatin1Fallback(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		latin1   bool
	}{
		{"plain ascii", "plain ascii", false},
		{"caf\xc3\xa9 na\xc3\xafve", "café naïve", false},
		{"M\xfcller", "Müller", true},
		{"ok \xc3\xa9 then \xe9", "ok é then é", true},
		{"cut \xc3", "cut Ã", true},
	} {
		for _, chunk := range []int{1, 2, 3, 1024} {
			var note encodingNote
			l := &latin1Fallback{r: &chunkReader{s: tc.in, n: chunk}, in: make([]byte, 8), note: &note}
			got, err := io.ReadAll(l)
			if err != nil || string(got) != tc.want || note.latin1 != tc.latin1 {
				t.Errorf("%q by %d: %q, latin1 %v, %v", tc.in, chunk, got, note.latin1, err)
			}
		}
	}
}

type chunkReader struct {
	s string
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if c.s == "" {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.n)], c.s)
	c.s = c.s[n:]
	return n, nil
}

func TestDetectDelimiter(t *testing.T) {
	for _, tc := range []struct {
		head, ext string
		want      rune
		found     bool
	}{
		{"a,b,c\n1,2,3\n", ".csv", ',', true},
		{"a\tb\tc\n1\t2\t3\n", ".csv", '\t', true},
		{"a;b;c\n1,5;2,5;3\n4;5;6\n", ".csv", ';', true},
		{"a|b\n1|2\n", ".txt", '|', true},
		{"\"x,y\";b\n\"1,2\";3\n", ".csv", ';', true},
		{"just text\nmore text\n", ".txt", ',', false},
		{"single\n1\n", ".tsv", '\t', false},
	} {
		got, found := detectDelimiter([]byte(tc.head), false, tc.ext)
		if got != tc.want || found != tc.found {
			t.Errorf("%q: %q %v, want %q %v", tc.head, got, found, tc.want, tc.found)
		}
	}
}
