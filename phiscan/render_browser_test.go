package phiscan

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

// browserReport scans tables of every finding group and adds, by hand,
// what the classifier may or may not produce yet: a category other than
// phi/possible/none, and a "none" forced by a context rule.
func browserReport(t *testing.T) *Report {
	t.Helper()
	ctx := context.Background()
	db := testdb.SQLite(t)
	createPatientData(t, db, testdb.DialectSQLite, patients(200, 9))
	for _, q := range []string{
		`CREATE TABLE empty_table (id INTEGER PRIMARY KEY, ssn VARCHAR(11), email VARCHAR(255))`,
		`CREATE TABLE drugs (id INTEGER PRIMARY KEY, drug VARCHAR(100), dose_mg REAL, route VARCHAR(20))`,
		`CREATE TABLE contacts (id INTEGER PRIMARY KEY, email_direct VARCHAR(255), kind VARCHAR(20))`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	insertRows(t, db, testdb.DialectSQLite, "drugs", []string{"id", "drug", "dose_mg", "route"}, 40, func(i int) []any {
		return []any{i + 1, []string{"aspirin", "heparin", "insulin", "metformin"}[i%4], 0.5 + float64(i), []string{"oral", "iv", "sc"}[i%3]}
	})
	insertRows(t, db, testdb.DialectSQLite, "contacts", []string{"id", "email_direct", "kind"}, 30, func(i int) []any {
		return []any{i + 1, nil, []string{"home", "work"}[i%2]}
	})
	rep, err := ScanDB(ctx, db, "sqlite", &Config{})
	if err != nil {
		t.Fatal(err)
	}
	rep.Tables = append(rep.Tables,
		TableReport{Name: "users", Kind: "table", Rows: 25, Warnings: []string{}, Columns: []ColumnReport{
			{Name: "id", SQLType: "INTEGER PRIMARY KEY", Verdict: VerdictNone, Sampled: 25, Types: []string{}},
			{Name: "fname", SQLType: "VARCHAR(255)", Verdict: Verdict("staff"), Types: []string{"first_name"}, Confidence: 0.9, Sampled: 25,
				Evidence: []Evidence{{Check: "context", Type: "first_name", Share: 1, Detail: "a table of staff"}}},
			{Name: "lname", SQLType: "VARCHAR(255)", Verdict: Verdict("staff"), Types: []string{"last_name"}, Confidence: 0.9, Sampled: 25},
		}},
		TableReport{Name: "audit_log", Kind: "table", Rows: 13000, Warnings: []string{}, Columns: []ColumnReport{
			{Name: "id", SQLType: "INTEGER PRIMARY KEY", Verdict: VerdictNone, Sampled: 13000, Types: []string{}},
			{Name: "event_date", SQLType: "DATETIME", Verdict: VerdictNone, Sampled: 13000, Types: []string{}, Confidence: 0.7,
				Evidence: []Evidence{{Check: "context", Type: "date", Share: 1, Detail: "log table: system timestamps are not PHI"}}},
		}})
	return rep
}

// chromium returns the path of a headless-capable Chromium, and fails the
// test when there is none: scripts/test-deps.sh installs it.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PHICRYPT_TEST_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium found (chromium, chromium-browser, google-chrome): run scripts/test-deps.sh " +
		"(apt-get install chromium) or set PHICRYPT_TEST_CHROMIUM to the browser's path")
	return ""
}

// runChromium runs headless Chromium on a page and returns its standard
// output and standard error.
func runChromium(t *testing.T, bin, page string, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0",
		// No network: the page must not need any, and must not try.
		"--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9"}
	if os.Geteuid() == 0 {
		base = append(base, "--no-sandbox")
	}
	cmd := exec.CommandContext(ctx, bin, append(append(base, args...), page)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, errOut.String())
	}
	return out.String(), errOut.String()
}

// TestHTMLReportInBrowser renders a report, checks its grouping and
// counts, and opens it in headless Chromium: the page renders without
// script errors or blocked scripts, its script runs, and a screenshot is
// a PNG that is not blank.
func TestHTMLReportInBrowser(t *testing.T) {
	bin := chromium(t)
	rep := browserReport(t)
	var buf bytes.Buffer
	if err := WriteHTML(&buf, rep); err != nil {
		t.Fatal(err)
	}
	h := buf.String()

	// Grouped by finding: PHI, other categories, nothing found, empty.
	pos := func(s string) int {
		i := strings.Index(h, s)
		if i < 0 {
			t.Fatalf("page lacks %q", s)
		}
		return i
	}
	section := func(name string) int { return pos(`<section data-table="` + name + `"`) }
	if !(section("patient_data") < section("contacts") && section("contacts") < section("users") &&
		section("users") < section("audit_log") && section("audit_log") < section("drugs") && section("drugs") < section("empty_table")) {
		t.Error("tables are not grouped PHI, possible/name only, other, none, empty")
	}
	if pos(`<details class="group" id="g5">`) > pos(`data-table="empty_table"`) {
		t.Error("the empty tables are not collapsed")
	}
	for _, want := range []string{"<th>staff</th>", "PHI found (1)", "Other categories: staff", "No PHI found (2)", "Empty tables (1)",
		"log table: system timestamps are not PHI", "No column judged PHI in 13000 rows", `class="nameonly"`, "name only</span>",
		"columns: staff 2 · none 1"} {
		pos(want)
	}
	if regexp.MustCompile(`<tr class="flag[^"]*" data-table="empty_table"`).MatchString(h) {
		t.Error("an empty table is highlighted as a table with warnings")
	}
	// The overview row of contacts counts email_direct (no value read) as
	// name only, not as phi.
	row := regexp.MustCompile(`<tr class="[^"]*" data-table="contacts"[^>]*>(.*?)</tr>`).FindStringSubmatch(h)
	if row == nil {
		t.Fatal("no overview row for contacts")
	}
	cells := regexp.MustCompile(`<td class="n[^"]*">(\d+)</td>`).FindAllStringSubmatch(row[1], -1)
	// rows, phi, possible, staff, none, name only, warnings
	if len(cells) != 7 || cells[1][1] != "0" || cells[5][1] != "1" {
		t.Errorf("contacts overview cells %v", cells)
	}

	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	u := (&url.URL{Scheme: "file", Path: filepath.ToSlash(page)}).String()

	dom, logs := runChromium(t, bin, u, "--dump-dom")
	for _, bad := range []string{"Uncaught", "Content Security Policy", "ERR_", "Failed to load"} {
		if strings.Contains(logs, bad) {
			t.Errorf("browser log has %q:\n%s", bad, logs)
		}
	}
	if !strings.Contains(dom, `data-script="ready"`) || !strings.Contains(dom, `id="filter"`) || !strings.Contains(dom, `id="findings-only"`) {
		t.Errorf("the page's script did not run: no filter in the DOM\n%s", logs)
	}

	shot := filepath.Join(dir, "shot.png")
	runChromium(t, bin, u, "--screenshot="+shot, "--window-size=1280,1400", "--hide-scrollbars")
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 1000 || b.Dy() < 1000 {
		t.Errorf("screenshot %v", b)
	}
	colors, inked := paintStats(img)
	if colors < 8 || inked < 0.01 {
		t.Errorf("screenshot looks blank: %d colours, %.3f of pixels not white", colors, inked)
	}
	if p := os.Getenv("PHISCAN_KEEP_SHOT"); p != "" {
		data, _ := os.ReadFile(shot)
		os.WriteFile(p, data, 0o644)
		os.WriteFile(p+".html", buf.Bytes(), 0o644)
	}
	t.Logf("screenshot %s: %d colours, %.1f%% of pixels not white", shot, colors, 100*inked)
}

// paintStats counts the distinct colours of an image (up to 1,000) and
// the share of its pixels that are not white.
func paintStats(img image.Image) (colors int, inked float64) {
	b := img.Bounds()
	seen := map[[3]uint32]bool{}
	n, ink := 0, 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			if len(seen) < 1000 {
				seen[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
			}
			n++
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				ink++
			}
		}
	}
	return len(seen), float64(ink) / float64(n)
}
