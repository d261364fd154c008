package export_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt"
	"github.com/phicrypt/phicrypt/export"
	"github.com/phicrypt/phicrypt/keyprovider/local"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// benchSchema is OpenEMR's patient_data with a free-text notes column.
const benchSchema = `version: 1
tables:
  - name: patient_data
    key: pid
    row_binding: pid
    rows: 1000000
    plain:
      - {name: city, type: text, nullable: true}
      - {name: state, type: text, nullable: true}
    columns:
      - {name: pubpid, type: string, max_length: 32}
      - {name: fname, type: string, max_length: 64}
      - {name: lname, type: string, max_length: 64, equality: {bits: 16}}
      - {name: DOB, type: date, nullable: true}
      - {name: ss, type: string, nullable: true, max_length: 11, equality: {name: ss_eq, transforms: digits, bits: 16}}
      - {name: street, type: string, nullable: true, max_length: 128}
      - {name: postal_code, type: string, nullable: true, max_length: 10}
      - {name: phone_home, type: string, nullable: true, max_length: 32}
      - {name: email, type: string, nullable: true, max_length: 254}
      - {name: notes, type: string, nullable: true, max_length: 4096}
`

// benchRows is PHICRYPT_BENCH_ROWS, default 20,000.
func benchRows(b *testing.B) int {
	n := 20_000
	if s := os.Getenv("PHICRYPT_BENCH_ROWS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			b.Fatalf("PHICRYPT_BENCH_ROWS=%q: want a positive integer", s)
		}
		n = v
	}
	return n
}

// BenchmarkExport exports PHICRYPT_BENCH_ROWS rows of patient_data with
// notes under safe-harbor (plan, decryption, scrubbing, CSV, the gate over
// every row) and, in the same run, SELECTs a plaintext copy of the same
// rows and writes them as CSV; x_plain is the export's rate over the
// plain one's; x_raw the same against a SELECT of the stored table
// (ciphertexts and tokens written as they are). read_rows/s is the wrapper's read alone (every row
// decrypted, nothing written), the ceiling of the export.
func BenchmarkExport(b *testing.B) {
	n := benchRows(b)
	ctx := context.Background()
	dir := b.TempDir()
	keyPath := filepath.Join(dir, "dev.key")
	if err := local.Create(keyPath); err != nil {
		b.Fatal(err)
	}
	dsn := "sqlite:" + filepath.Join(dir, "emr.db")
	s, err := sqlwrap.ParseSchema("bench", []byte(benchSchema))
	if err != nil {
		b.Fatal(err)
	}
	db, err := phicrypt.Connect(ctx, dsn, local.URI(keyPath), s)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	sqldb := db.SQL()
	if _, err := sqldb.ExecContext(ctx, `CREATE TABLE patient_plain (pid INTEGER PRIMARY KEY, city TEXT, state TEXT, pubpid TEXT,
		fname TEXT, lname TEXT, DOB TEXT, ss TEXT, street TEXT, postal_code TEXT, phone_home TEXT, email TEXT, notes TEXT)`); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	fillBench(b, db, sqldb, n)
	b.Logf("filled %d rows in %s", n, time.Since(start).Round(time.Millisecond))
	ring, err := phicrypt.OpenKeyring(ctx, sqldb, "sqlite", local.URI(keyPath))
	if err != nil {
		b.Fatal(err)
	}
	wdb, err := sqlwrap.Open(sqldb, "sqlite", s, ring)
	if err != nil {
		b.Fatal(err)
	}
	p, err := export.LoadProfile("safe-harbor")
	if err != nil {
		b.Fatal(err)
	}
	var exportTime, plainTime, readTime, rawTime time.Duration
	runs := 0
	ta, err := wdb.Table("patient_data")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		// The wrapper's read alone (decrypting every row), the ceiling of
		// the export.
		t0 := time.Now()
		for _, err := range ta.Rows(ctx, sqlwrap.Query{}) {
			if err != nil {
				b.Fatal(err)
			}
		}
		readTime += time.Since(t0)
		out := filepath.Join(b.TempDir(), "out")
		t0 = time.Now()
		if _, err := export.Run(ctx, wdb, s, export.Options{Profile: p, Out: out, Keyring: ring}); err != nil {
			b.Fatal(err)
		}
		exportTime += time.Since(t0)
		t0 = time.Now()
		plainCSV(b, sqldb, filepath.Join(b.TempDir(), "plain.csv"), "patient_plain")
		plainTime += time.Since(t0)
		t0 = time.Now()
		plainCSV(b, sqldb, filepath.Join(b.TempDir(), "raw.csv"), "patient_data")
		rawTime += time.Since(t0)
		runs++
	}
	exportRate := float64(n*runs) / exportTime.Seconds()
	plainRate := float64(n*runs) / plainTime.Seconds()
	b.ReportMetric(exportRate, "rows/s")
	b.ReportMetric(plainRate, "plain_rows/s")
	b.ReportMetric(exportRate/plainRate, "x_plain")
	rawRate := float64(n*runs) / rawTime.Seconds()
	b.ReportMetric(exportRate/rawRate, "x_raw")
	b.ReportMetric(float64(n*runs)/readTime.Seconds(), "read_rows/s")
}

// plainCSV is the baseline: SELECT every column of table and write it as
// CSV (patient_plain: the plaintext copy; patient_data: the stored table,
// ciphertexts and tokens as they are).
func plainCSV(b *testing.B, sqldb *sql.DB, path, table string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 256<<10)
	w := csv.NewWriter(bw)
	rows, err := sqldb.Query(`SELECT * FROM ` + table)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		b.Fatal(err)
	}
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	rec := make([]string, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	w.Write(cols)
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			b.Fatal(err)
		}
		for i, v := range vals {
			rec[i] = string(v)
		}
		w.Write(rec)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	w.Flush()
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
}

// fillBench writes n synthetic patients through the wrapper and the same
// rows in plaintext into patient_plain.
func fillBench(b *testing.B, db *sqlwrap.DB, sqldb *sql.DB, n int) {
	ctx := context.Background()
	pd, err := db.Table("patient_data")
	if err != nil {
		b.Fatal(err)
	}
	const batch = 2000
	for from := 0; from < n; from += batch {
		ps := fixturePatients(min(batch, n-from))
		rows := make([]sqlwrap.Row, len(ps))
		tx, err := sqldb.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO patient_plain VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`)
		if err != nil {
			b.Fatal(err)
		}
		for i, p := range ps {
			pid := int64(from + i + 1)
			body := note(p, i)
			rows[i] = sqlwrap.Row{"pid": pid, "pubpid": fmt.Sprintf("E%08d", pid), "fname": p.fname, "lname": p.lname,
				"DOB": p.dob, "ss": p.ss, "street": p.street, "postal_code": p.zip, "phone_home": p.phone, "email": p.email,
				"notes": body, "city": p.city, "state": p.state}
			if _, err := ins.ExecContext(ctx, pid, p.city, p.state, fmt.Sprintf("E%08d", pid), p.fname, p.lname, p.dob.String(),
				p.ss, p.street, p.zip, p.phone, p.email, body); err != nil {
				b.Fatal(err)
			}
		}
		ins.Close()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		if _, err := pd.InsertBatch(ctx, rows); err != nil {
			b.Fatal(err)
		}
	}
}
