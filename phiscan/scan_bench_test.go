package phiscan

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

// benchRows is the size of the benchmark table: 1M rows x 30 columns.
const benchRows = 1_000_000

// wideTable fills a 30-column table of benchRows synthetic patient rows
// in SQL, which is much faster than inserting from Go.
func wideTable(b *testing.B, db *sql.DB) {
	b.Helper()
	start := time.Now()
	stmts := []string{
		`CREATE TABLE wide (id INTEGER PRIMARY KEY, mrn TEXT, fname TEXT, lname TEXT, mname TEXT, dob DATE, ssn TEXT,
			street TEXT, city TEXT, state TEXT, zip TEXT, phone_home TEXT, phone_cell TEXT, email TEXT, sex TEXT,
			race TEXT, language TEXT, occupation TEXT, height_cm REAL, weight_kg REAL, systolic INTEGER,
			diastolic INTEGER, visits INTEGER, balance REAL, insurer TEXT, policy_no TEXT, pcp TEXT,
			allergies TEXT, note TEXT, updated TIMESTAMP)`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ` + itoa(benchRows) + `)
		INSERT INTO wide SELECT i,
			printf('E%07d', i),
			substr('JamesMary RobertLinda JohnSusanDavidKaren ', 1 + (i % 8) * 5, 5),
			substr('SmithJonesGarciMillerDavisLopezWhiteClark', 1 + (i * 7 % 8) * 5, 5),
			CASE WHEN i % 3 = 0 THEN char(65 + i % 26) END,
			date('1930-01-01', '+' || (i * 37 % 32000) || ' days'),
			printf('%03d-%02d-%04d', 1 + i % 665, 1 + i % 99, i % 10000),
			printf('%d %s', 1 + i % 9000, CASE i % 4 WHEN 0 THEN 'Main St' WHEN 1 THEN 'Oak Ave' WHEN 2 THEN 'Elm St' ELSE 'Park Pl' END),
			CASE i % 4 WHEN 0 THEN 'Springfield' WHEN 1 THEN 'Columbus' WHEN 2 THEN 'Austin' ELSE 'Denver' END,
			CASE i % 4 WHEN 0 THEN 'IL' WHEN 1 THEN 'OH' WHEN 2 THEN 'TX' ELSE 'CO' END,
			printf('%05d', 10000 + i % 89999),
			printf('(%03d) %03d-%04d', 200 + i % 700, 200 + i % 800, i % 10000),
			printf('%03d-%03d-%04d', 200 + i % 700, 300 + i % 600, (i * 3) % 10000),
			printf('user%d@example.org', i),
			CASE i % 2 WHEN 0 THEN 'Female' ELSE 'Male' END,
			CASE i % 3 WHEN 0 THEN 'white' WHEN 1 THEN 'asian' ELSE 'black' END,
			CASE i % 3 WHEN 0 THEN 'English' WHEN 1 THEN 'Spanish' ELSE 'Chinese' END,
			CASE i % 3 WHEN 0 THEN 'Teacher' WHEN 1 THEN 'Nurse' ELSE 'Retired' END,
			150 + i % 50, 50 + (i % 700) / 10.0, 100 + i % 60, 60 + i % 40, i % 30, (i % 100000) / 100.0,
			CASE i % 3 WHEN 0 THEN 'Aetna' WHEN 1 THEN 'Cigna' ELSE 'Medicare' END,
			printf('P%09d', i * 13),
			CASE i % 2 WHEN 0 THEN 'Dr. Adams' ELSE 'Dr. Baker' END,
			CASE i % 5 WHEN 0 THEN 'penicillin' END,
			'follow up in ' || (i % 12) || ' weeks',
			datetime(1700000000 + i * 60, 'unixepoch')
		FROM n`,
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("generated %d rows in %v", benchRows, time.Since(start).Round(time.Millisecond))
}

func itoa(n int) string {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(buf[i:])
		}
	}
}

// wideCSV writes the wide table to a CSV file.
func wideCSV(b *testing.B, db *sql.DB, path string) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	rows, err := db.Query(`SELECT * FROM wide`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	w.Write(cols)
	raw := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range raw {
		dest[i] = &raw[i]
	}
	rec := make([]string, len(cols))
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			b.Fatal(err)
		}
		for i, v := range raw {
			rec[i] = strings.Clone(string(v))
		}
		w.Write(rec)
	}
	w.Flush()
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	if info, err := f.Stat(); err == nil {
		b.Logf("CSV file of %d MB", info.Size()>>20)
	}
}

// BenchmarkScanFull scans every row of a 1M-row, 30-column table in
// SQLite and as a CSV file, and reports rows/s. BenchmarkScanFull/
// sqlite-sample reads the default sample of the same table.
func BenchmarkScanFull(b *testing.B) {
	db := testdb.SQLite(b)
	wideTable(b, db)
	csvDir := b.TempDir()
	wideCSV(b, db, filepath.Join(csvDir, "wide.csv"))
	ctx := context.Background()

	run := func(b *testing.B, scan func() (*Report, error)) {
		for b.Loop() {
			rep, err := scan()
			if err != nil {
				b.Fatal(err)
			}
			if rep.Tables[0].Rows != benchRows {
				b.Fatalf("%d rows", rep.Tables[0].Rows)
			}
		}
		b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	}
	b.Run("sqlite", func(b *testing.B) {
		run(b, func() (*Report, error) { return ScanDB(ctx, db, "sqlite", &Config{}, "wide") })
	})
	b.Run("csv", func(b *testing.B) {
		run(b, func() (*Report, error) { return ScanDir(ctx, csvDir, &Config{}) })
	})
	b.Run("sqlite-sample", func(b *testing.B) {
		for b.Loop() {
			if _, err := ScanDB(ctx, db, "sqlite", &Config{Sample: DefaultSample}, "wide"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("csv-sample", func(b *testing.B) {
		for b.Loop() {
			if _, err := ScanDir(ctx, csvDir, &Config{Sample: DefaultSample}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
