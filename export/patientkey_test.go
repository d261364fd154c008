package export_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/export"
	"github.com/phicrypt/phicrypt/keyprovider/local"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// rowIDSchema is OpenEMR's real shape: patient_data keyed by a row id,
// with the patient id pid in a column of its own, which the encounters
// refer to.
const rowIDSchema = `version: 1
tables:
  - name: patient_data
    key: id
    row_binding: id
    plain:
      - {name: pid, type: integer}
    columns:
      - {name: fname, type: string, max_length: 64}
      - {name: lname, type: string, max_length: 64}
      - {name: DOB, type: date}
  - name: form_encounter
    key: id
    row_binding: id
    plain:
      - {name: pid, type: integer}
      - {name: date, type: date}
    columns:
      - {name: reason, type: string, nullable: true, max_length: 256}
`

func TestExportPatientKeyIsThePatientIDColumn(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "dev.key")
	if err := local.Create(keyPath); err != nil {
		t.Fatal(err)
	}
	s, err := sqlwrap.ParseSchema("rowid.yaml", []byte(rowIDSchema))
	if err != nil {
		t.Fatal(err)
	}
	dsn := "sqlite:" + filepath.Join(dir, "emr.db")
	db, err := phicrypt.Connect(ctx, dsn, local.URI(keyPath), s)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pd, _ := db.Table("patient_data")
	enc, _ := db.Table("form_encounter")
	for i := int64(1); i <= 12; i++ {
		// Row ids and patient ids differ, so that a study id of the wrong
		// one would not match across tables.
		if _, err := pd.Insert(ctx, sqlwrap.Row{"id": 100 + i, "pid": i, "fname": firstNames[i%10], "lname": lastNames[i%10],
			"DOB": cipher.Date{Year: 1960 + int(i), Month: time.May, Day: 3}}); err != nil {
			t.Fatal(err)
		}
		for k := int64(0); k < 2; k++ {
			if _, err := enc.Insert(ctx, sqlwrap.Row{"id": 1000 + i*2 + k, "pid": i, "date": cipher.Date{Year: 2020 + int(k), Month: time.June, Day: 1},
				"reason": "Annual physical"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	ring, err := phicrypt.OpenKeyring(ctx, db.SQL(), "sqlite", local.URI(keyPath))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := export.LoadProfile("safe-harbor")
	out := filepath.Join(dir, "out")
	m, err := export.Run(ctx, db, s, export.Options{Profile: p, Out: out, Keyring: ring, Now: exportNow})
	if err != nil {
		t.Fatal(err)
	}
	pt := readCSV(t, out, "patient_data")
	for _, col := range []string{"id", "pid"} {
		if _, ok := pt[0][col]; ok {
			t.Errorf("patient_data.%s exported", col)
		}
	}
	ids := map[string]bool{}
	for _, r := range pt {
		ids[r["study_id"]] = true
	}
	for _, r := range readCSV(t, out, "form_encounter") {
		if !ids[r["study_id"]] {
			t.Fatalf("encounter study id %q is no patient's", r["study_id"])
		}
	}
	if len(ids) != 12 || m.Tables[0].Columns[0].Kind != export.KindIdentifier {
		t.Errorf("%d study ids; patient_data.id is %+v", len(ids), m.Tables[0].Columns[0])
	}
	if _, err := os.Stat(filepath.Join(out, "manifest.json")); err != nil {
		t.Error(err)
	}
}
