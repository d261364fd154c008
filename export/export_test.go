package export_test

import (
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/export"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// exportNow is "today" of the tests: ages are counted to it.
var exportNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func runExport(t *testing.T, f *fixture, profile string, out string) (*export.Manifest, error) {
	t.Helper()
	p, err := export.LoadProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	return export.Run(context.Background(), f.db, f.schema, export.Options{Profile: p, Out: out, Keyring: f.ring, Now: exportNow})
}

// foldText is s in lower case without accents.
func foldText(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return strings.NewReplacer("ø", "o", "ł", "l").Replace(b.String())
}

// canaries checks every file of dir for the fixture's identifiers: SSNs
// (formatted and as digits), names (any case, with or without accents, as
// words), phone numbers, emails, streets, MRNs and full dates of birth.
func canaries(t *testing.T, dir string, ps []patient) {
	t.Helper()
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("empty export")
	}
	var all strings.Builder
	for _, e := range files {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		all.WriteString(string(b))
		all.WriteString("\n")
	}
	text := all.String()
	folded := foldText(text)
	digits := regexp.MustCompile(`\D`).ReplaceAllString(text, " ")
	leaks := map[string]int{}
	word := func(hay, w string) bool {
		return regexp.MustCompile(`(^|[^\pL\pN])` + regexp.QuoteMeta(w) + `($|[^\pL\pN])`).MatchString(hay)
	}
	for _, p := range ps {
		checks := map[string]bool{
			"ssn":        strings.Contains(text, p.ss) || strings.Contains(digits, strings.ReplaceAll(p.ss, "-", "")),
			"last name":  word(folded, foldText(p.lname)),
			"first name": word(folded, foldText(p.fname)),
			"phone":      strings.Contains(text, p.phone) || strings.Contains(strings.ReplaceAll(digits, " ", ""), regexp.MustCompile(`\D`).ReplaceAllString(p.phone, "")),
			"email":      strings.Contains(strings.ToLower(text), strings.ToLower(p.email)),
			"street":     strings.Contains(folded, foldText(p.street)),
			"mrn":        strings.Contains(text, p.pubpid),
			"dob":        strings.Contains(text, p.dob.String()) || strings.Contains(text, p.dob.Time().Format("01/02/2006")),
		}
		if p.mname != "" {
			checks["middle name"] = word(folded, foldText(p.mname))
		}
		for what, leaked := range checks {
			if leaked {
				leaks[what]++
			}
		}
	}
	for what, n := range leaks {
		t.Errorf("%s of %d patients found in the export", what, n)
	}
}

// readCSV reads dir/name.csv as maps by header.
func readCSV(t *testing.T, dir, name string) []map[string]string {
	t.Helper()
	fh, err := os.Open(filepath.Join(dir, name+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func TestExportProfilesLeaveNoIdentifier(t *testing.T) {
	// Every table read in key ranges, one per CPU.
	defer export.SetParallelRows(10)()
	f := newFixture(t, testdb.DialectSQLite, 60)
	for _, name := range export.Builtins() {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			m, err := runExport(t, f, name, out)
			if err != nil {
				t.Fatal(err)
			}
			canaries(t, out, f.patients)
			if m.Gate == nil || m.Gate.Verdict != "pass" {
				t.Errorf("gate: %+v", m.Gate)
			}
			want := map[string]int64{"patient_data": 60, "form_encounter": 180, "pnotes": 180}
			for _, tm := range m.Tables {
				if tm.Rows != want[tm.Name] {
					t.Errorf("%s: %d rows, want %d", tm.Name, tm.Rows, want[tm.Name])
				}
				if got := len(readCSV(t, out, tm.Name)); int64(got) != want[tm.Name] {
					t.Errorf("%s.csv: %d rows", tm.Name, got)
				}
			}
			if m.PatientTable != "patient_data" {
				t.Errorf("patient table %q", m.PatientTable)
			}
			// The study ids are the same in every table of one export.
			ids := map[string]bool{}
			for _, r := range readCSV(t, out, "patient_data") {
				ids[r["study_id"]] = true
			}
			for _, r := range readCSV(t, out, "pnotes") {
				if !ids[r["study_id"]] {
					t.Fatalf("pnotes: study id %q not in patient_data", r["study_id"])
				}
			}
			if len(ids) != 60 {
				t.Errorf("%d study ids for 60 patients", len(ids))
			}
			// The notes were scrubbed, not dropped.
			notes := readCSV(t, out, "pnotes")
			if !strings.Contains(notes[0]["body"], "[") {
				t.Errorf("note not scrubbed: %q", notes[0]["body"])
			}
			b, err := os.ReadFile(filepath.Join(out, export.ManifestFile))
			if err != nil || !strings.Contains(string(b), `"profile"`) {
				t.Errorf("manifest: %v", err)
			}
			left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".out.partial-*"))
			if len(left) > 0 {
				t.Errorf("temporary directory left: %v", left)
			}
		})
	}
}

func TestExportSafeHarborGeneralises(t *testing.T) {
	f := newFixture(t, testdb.DialectSQLite, 40)
	out := filepath.Join(t.TempDir(), "out")
	if _, err := runExport(t, f, "safe-harbor", out); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, out, "patient_data")
	for _, col := range []string{"fname", "lname", "ss", "street", "phone_home", "email", "pubpid", "city", "DOB", "postal_code"} {
		if _, ok := rows[0][col]; ok {
			t.Errorf("column %s exported", col)
		}
	}
	byYear := map[string]int{}
	zip3 := map[string]int{}
	for _, r := range rows {
		byYear[r["DOB_year"]]++
		zip3[r["postal_code_zip3"]]++
		if r["state"] == "" {
			t.Errorf("state dropped")
		}
	}
	over, restricted := 0, 0
	for _, p := range f.patients {
		if p.dob.Year <= exportNow.Year()-90 {
			over++
		}
		if p.restricted {
			restricted++
		}
	}
	if over == 0 || byYear["90+"] != over {
		t.Errorf("90+: %d rows, want %d (%v)", byYear["90+"], over, byYear)
	}
	for y := range byYear {
		if n, err := strconv.Atoi(y); err == nil && n <= exportNow.Year()-90 {
			t.Errorf("birth year %d implies an age over 89", n)
		}
	}
	if restricted == 0 || zip3["000"] != restricted {
		t.Errorf("000: %d rows, want %d (%v)", zip3["000"], restricted, zip3)
	}
	for z := range zip3 {
		if len(z) != 3 || z == "036" || z == "102" || z == "059" {
			t.Errorf("zip3 %q", z)
		}
	}
	for _, r := range readCSV(t, out, "form_encounter") {
		if n, err := strconv.Atoi(r["date_year"]); err != nil || n < 2015 || n > 2023 {
			t.Fatalf("encounter year %q", r["date_year"])
		}
	}
}

func TestExportRelativeDatesKeepIntervals(t *testing.T) {
	defer export.SetParallelRows(10)()
	f := newFixture(t, testdb.DialectSQLite, 40)
	out := filepath.Join(t.TempDir(), "out")
	m, err := runExport(t, f, "relative-dates", out)
	if err != nil {
		t.Fatal(err)
	}
	if m.Profile.Reference != export.RefFirstDate {
		t.Errorf("manifest reference %q", m.Profile.Reference)
	}
	// Each patient's encounters as days from the first: intervals kept,
	// the reference date (day 0) never written as a date.
	got := map[string][]int{}
	for _, r := range readCSV(t, out, "form_encounter") {
		d, err := strconv.Atoi(r["date_days"])
		if err != nil {
			t.Fatalf("date_days %q", r["date_days"])
		}
		got[r["study_id"]] = append(got[r["study_id"]], d)
	}
	var have, want []string
	for _, ds := range got {
		sort.Ints(ds)
		have = append(have, strconv.Itoa(ds[0])+","+strconv.Itoa(ds[1])+","+strconv.Itoa(ds[2]))
	}
	over := 0
	for _, p := range f.patients {
		t0 := p.encounters[0].Time()
		var s []string
		for _, e := range p.encounters {
			s = append(s, strconv.Itoa(int(e.Time().Sub(t0).Hours()/24)))
		}
		want = append(want, strings.Join(s, ","))
		if age := yearsOld(p.dob, p.encounters[0]); age > 89 {
			over++
		}
	}
	sort.Strings(have)
	sort.Strings(want)
	if !slices.Equal(have, want) {
		t.Errorf("intervals differ:\n got %v\nwant %v", have, want)
	}
	// The notes of the same day have the same day count.
	for _, r := range readCSV(t, out, "pnotes") {
		if !slices.Contains(got[r["study_id"]], atoi(r["date_days"])) {
			t.Fatalf("note day %s not among the patient's encounter days", r["date_days"])
		}
	}
	n90 := 0
	for _, r := range readCSV(t, out, "patient_data") {
		switch v := r["DOB_days"]; {
		case v == "90+":
			n90++
		case atoi(v) >= 0:
			t.Errorf("birth after the first encounter: %s", v)
		}
	}
	if over == 0 || n90 != over {
		t.Errorf("90+ birth dates: %d, want %d", n90, over)
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func yearsOld(dob, on cipher.Date) int {
	n := on.Year - dob.Year
	if on.Month < dob.Month || on.Month == dob.Month && on.Day < dob.Day {
		n--
	}
	return n
}

func TestExportGateRefusesKeptSSN(t *testing.T) {
	f := newFixture(t, testdb.DialectSQLite, 30)
	data, err := os.ReadFile("profiles/safe-harbor.yaml")
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), "name: safe-harbor", "name: safe-harbor-edited", 1) +
		"columns:\n  patient_data.ss: keep\n"
	dir := t.TempDir()
	path := filepath.Join(dir, "edited.yaml")
	if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	_, err = runExport(t, f, path, out)
	var ge *export.GateError
	if !errors.As(err, &ge) || !errors.Is(err, export.ErrGate) {
		t.Fatalf("want a gate error, got %v", err)
	}
	found := false
	for _, fd := range ge.Findings {
		if fd.Table == "patient_data" && fd.Column == "ss" && strings.Contains(fd.Reason, "ssn") {
			found = true
		}
	}
	if !found {
		t.Errorf("findings do not name patient_data.ss: %+v", ge.Findings)
	}
	for _, p := range f.patients {
		if strings.Contains(err.Error(), p.ss) {
			t.Fatal("the error quotes an SSN")
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "edited.yaml" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

func TestExportBadInputs(t *testing.T) {
	if _, err := export.LoadProfile("safe-harbour"); !errors.Is(err, export.ErrProfile) || !strings.Contains(err.Error(), "safe-harbor") {
		t.Errorf("unknown profile: %v", err)
	}
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.yaml")
	os.WriteFile(broken, []byte("version: 1\nname: x\ntypes:\n  none: keep\n  identifier: drop\n  ssn: [keep\n"), 0o600)
	if _, err := export.LoadProfile(broken); !errors.Is(err, export.ErrProfile) || !strings.Contains(err.Error(), "broken.yaml:6") {
		t.Errorf("broken YAML: %v", err)
	}
	typo := filepath.Join(dir, "typo.yaml")
	os.WriteFile(typo, []byte("version: 1\nname: x\ntypes:\n  none: keep\n  identifier: drop\n  ssn: kep\n"), 0o600)
	if _, err := export.LoadProfile(typo); !errors.Is(err, export.ErrProfile) || !strings.Contains(err.Error(), "typo.yaml:6") ||
		!strings.Contains(err.Error(), `unknown action "kep"`) {
		t.Errorf("unknown action: %v", err)
	}
	unknownKey := filepath.Join(dir, "key.yaml")
	os.WriteFile(unknownKey, []byte("version: 1\nname: x\ntypes:\n  none: keep\n  identifier: drop\ncolums: {}\n"), 0o600)
	if _, err := export.LoadProfile(unknownKey); !errors.Is(err, export.ErrProfile) || !strings.Contains(err.Error(), "key.yaml:6") {
		t.Errorf("unknown key: %v", err)
	}

	f := newFixture(t, testdb.DialectSQLite, 5)
	for _, c := range []struct{ rule, want string }{
		{"columns:\n  patient_data.nosuch: drop\n", "has no column nosuch"},
		{"columns:\n  visits.date: drop\n", "visits is not a table"},
		{"tables: [patient_data, visits]\n", "visits is not a table"},
	} {
		path := filepath.Join(t.TempDir(), "p.yaml")
		os.WriteFile(path, []byte("version: 1\nname: x\ntypes:\n  none: keep\n  identifier: drop\n"+c.rule), 0o600)
		_, err := runExport(t, f, path, filepath.Join(t.TempDir(), "out"))
		if !errors.Is(err, export.ErrProfile) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "p.yaml:") {
			t.Errorf("%q: %v", c.rule, err)
		}
	}
	out := t.TempDir()
	os.WriteFile(filepath.Join(out, "old.csv"), []byte("x\n"), 0o600)
	if _, err := runExport(t, f, "safe-harbor", out); !errors.Is(err, export.ErrOutExists) || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("non-empty out: %v", err)
	}
	// An empty directory is taken.
	empty := t.TempDir()
	if _, err := runExport(t, f, "safe-harbor", empty); err != nil {
		t.Errorf("empty out: %v", err)
	}
}

func TestExportRefusesKeyringWithoutDecrypt(t *testing.T) {
	f := newFixture(t, testdb.DialectSQLite, 5)
	db, ring := openWith(t, f, &cipher.Grant{Principal: "analyst", Default: cipher.PermIndex | cipher.PermEncrypt})
	p, _ := export.LoadProfile("safe-harbor")
	out := filepath.Join(t.TempDir(), "out")
	_, err := export.Run(context.Background(), db, f.schema, export.Options{Profile: p, Out: out, Keyring: ring, Now: exportNow})
	if !errors.Is(err, cipher.ErrNotPermitted) || !strings.Contains(err.Error(), `principal "analyst" lacks value-decrypt`) {
		t.Fatalf("got %v", err)
	}
	if _, serr := os.Stat(out); !errors.Is(serr, os.ErrNotExist) {
		t.Errorf("output written: %v", serr)
	}
}

func TestExportPostgres(t *testing.T) {
	defer export.SetParallelRows(10)()
	f := newFixture(t, testdb.DialectPostgres, 30)
	out := filepath.Join(t.TempDir(), "out")
	m, err := runExport(t, f, "safe-harbor", out)
	if err != nil {
		t.Fatal(err)
	}
	canaries(t, out, f.patients)
	if m.Tables[0].Rows != 30 {
		t.Errorf("rows %d", m.Tables[0].Rows)
	}
}

func TestExportFailureRemovesTheFiles(t *testing.T) {
	defer export.SetParallelRows(10)()
	f := newFixture(t, testdb.DialectSQLite, 30)
	dir := t.TempDir()
	// city holds no ZIP codes: the zip3 action fails part-way.
	path := filepath.Join(dir, "p.yaml")
	os.WriteFile(path, []byte("version: 1\nname: x\ntypes:\n  none: keep\n  identifier: drop\n  patient_key: study_id\n  free_text: scrub\n"+
		"columns:\n  patient_data.city: zip3\n"), 0o600)
	out := filepath.Join(dir, "out")
	_, err := runExport(t, f, path, out)
	if err == nil || !strings.Contains(err.Error(), "patient_data.city: not a ZIP code") {
		t.Fatalf("got %v", err)
	}
	for _, p := range f.patients {
		if strings.Contains(err.Error(), p.city) {
			t.Fatal("the error quotes a value")
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
	// A cancelled export leaves nothing either.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p, _ := export.LoadProfile("safe-harbor")
	if _, err := export.Run(ctx, f.db, f.schema, export.Options{Profile: p, Out: out, Keyring: f.ring, Now: exportNow}); err == nil {
		t.Fatal("cancelled export succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left behind after cancel: %v", entries)
	}
}
