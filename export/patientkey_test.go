package export_test

import (
	"context"
	"fmt"
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

// schemaDB opens a new SQLite database with the schema text under a new
// local key file, closed at the end of the test; it returns the
// database, the schema, a keyring without a grant and the test folder.
func schemaDB(t *testing.T, name, text string) (*sqlwrap.DB, *sqlwrap.Schema, *cipher.Keyring, string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "dev.key")
	if err := local.Create(keyPath); err != nil {
		t.Fatal(err)
	}
	s, err := sqlwrap.ParseSchema(name, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	db, err := phicrypt.Connect(ctx, "sqlite:"+filepath.Join(dir, "emr.db"), local.URI(keyPath), s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ring, err := phicrypt.OpenKeyring(ctx, db.SQL(), "sqlite", local.URI(keyPath))
	if err != nil {
		t.Fatal(err)
	}
	return db, s, ring, dir
}

func TestExportPatientKeyIsThePatientIDColumn(t *testing.T) {
	ctx := context.Background()
	db, s, ring, dir := schemaDB(t, "rowid.yaml", rowIDSchema)
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

// idKeyedSchema: every table keyed by "id", the encounters linked to
// their patient by patient_id, ids of both tables from one range.
const idKeyedSchema = `version: 1
tables:
  - name: patients
    key: id
    row_binding: id
    columns:
      - {name: first_name, type: string, max_length: 64}
      - {name: last_name, type: string, max_length: 64}
      - {name: dob, type: date}
  - name: encounters
    key: id
    row_binding: id
    plain:
      - {name: patient_id, type: integer}
      - {name: kind, type: text}
    columns:
      - {name: enc_date, type: date}
`

// TestExportEncounterKeyIsNotAPatientKey: a table's own key named like
// the patient table's key ("id") is not the patient key; the link
// column is, and every encounter's study id is its own patient's.
func TestExportEncounterKeyIsNotAPatientKey(t *testing.T) {
	ctx := context.Background()
	db, s, ring, dir := schemaDB(t, "idkeyed.yaml", idKeyedSchema)
	pats, _ := db.Table("patients")
	enc, _ := db.Table("encounters")
	// Encounter i+12 belongs to patient i: its id is another patient's.
	for i := int64(1); i <= 12; i++ {
		if _, err := pats.Insert(ctx, sqlwrap.Row{"id": i, "first_name": firstNames[i%10], "last_name": lastNames[i%10],
			"dob": cipher.Date{Year: 1960 + int(i), Month: time.May, Day: 3}}); err != nil {
			t.Fatal(err)
		}
	}
	for i := int64(1); i <= 12; i++ {
		if _, err := enc.Insert(ctx, sqlwrap.Row{"id": 13 - i, "patient_id": i, "kind": "visit",
			"enc_date": cipher.Date{Year: 2021, Month: time.June, Day: int(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	p, _ := export.LoadProfile("limited")
	out := filepath.Join(dir, "out")
	if _, err := export.Run(ctx, db, s, export.Options{Profile: p, Out: out, Keyring: ring, Now: exportNow}); err != nil {
		t.Fatal(err)
	}
	// Under "limited" dates of service stay and birth dates become
	// years: a patient's study id must come with the encounter dated on
	// the day that is its patient id, 1960 + id its birth year.
	byDOB := map[string]string{}
	for _, r := range readCSV(t, out, "patients") {
		byDOB[r["study_id"]] = r["dob_year"]
	}
	for _, r := range readCSV(t, out, "encounters") {
		dob, ok := byDOB[r["study_id"]]
		if !ok {
			t.Fatalf("encounter %v: study id of no patient", r)
		}
		var y, day int
		if _, err := fmt.Sscanf(dob, "%d", &y); err != nil {
			t.Fatalf("dob %q", dob)
		}
		if _, err := fmt.Sscanf(r["enc_date"], "2021-06-%d", &day); err != nil {
			t.Fatalf("enc_date %q", r["enc_date"])
		}
		if y-1960 != day {
			t.Errorf("the encounter of patient %d carries the study id of patient %d", day, y-1960)
		}
	}
}
