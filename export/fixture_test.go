package export_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/keyprovider/local"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// emrSchema is an OpenEMR-shaped schema: patient_data with its
// identifiers protected, form_encounter with dates and a protected
// reason, pnotes with a protected free-text body.
const emrSchema = `version: 1
tables:
  - name: patient_data
    key: pid
    row_binding: pid
    plain:
      - {name: city, type: text, nullable: true}
      - {name: state, type: text, nullable: true}
    columns:
      - {name: pubpid, type: string, max_length: 32, equality: {transforms: "nfkc,casefold,alnum", bits: 8}}
      - {name: fname, type: string, max_length: 64, equality: {bits: 8}}
      - {name: lname, type: string, max_length: 64, equality: {bits: 8}}
      - {name: mname, type: string, nullable: true, max_length: 64}
      - {name: DOB, type: date, nullable: true}
      - {name: ss, type: string, nullable: true, max_length: 11, equality: {name: ss_eq, transforms: digits, bits: 8}}
      - {name: street, type: string, nullable: true, max_length: 128}
      - {name: postal_code, type: string, nullable: true, max_length: 10}
      - {name: phone_home, type: string, nullable: true, max_length: 32}
      - {name: email, type: string, nullable: true, max_length: 254}
      - {name: sex, type: string, nullable: true, max_length: 16}
  - name: form_encounter
    key: id
    row_binding: id
    plain:
      - {name: pid, type: integer}
      - {name: date, type: date}
    columns:
      - {name: reason, type: string, nullable: true, max_length: 1024}
  - name: pnotes
    key: id
    row_binding: id
    plain:
      - {name: pid, type: integer}
      - {name: date, type: date}
    columns:
      - {name: body, type: string, nullable: true, max_length: 4096}
`

// patient is one fixture patient; its identifiers are the canaries.
type patient struct {
	pid                           int64
	pubpid, fname, lname, mname   string
	dob                           cipher.Date
	ss, street, zip, phone, email string
	city, state, sex              string
	encounters                    []cipher.Date
	folded                        string // the last name without accents, as a note may write it
	over89                        bool
	restricted                    bool
}

var (
	firstNames = []string{"Ana", "José", "Zoë", "Björn", "Maria", "Wei", "Olusegun", "Siobhán", "Thandiwe", "Joaquín"}
	lastNames  = []string{"Núñez", "Peña", "Müller", "Ødegaard", "Ibáñez", "Castañeda", "Łukasik", "Brontë", "Garçon", "Kowalczyk"}
	folded     = []string{"Nunez", "Pena", "Muller", "Odegaard", "Ibanez", "Castaneda", "Lukasik", "Bronte", "Garcon", "Kowalczyk"}
	streets    = []string{"Elm Street", "Maple Avenue", "Harbor Road", "Quarry Lane", "Linden Boulevard"}
	zips       = []string{"02139", "03601", "60614", "10210", "94110", "73301", "05901"}
	cities     = []string{"Cambridge", "Lebanon", "Chicago", "Tarrytown", "San Francisco", "Austin", "Derby"}
	states     = []string{"MA", "NH", "IL", "NY", "CA", "TX", "VT"}
)

// fixturePatients are n synthetic patients: every third born before 1930
// (over 89), ZIP codes with restricted prefixes (036, 102, 059).
func fixturePatients(n int) []patient {
	ps := make([]patient, n)
	for i := range ps {
		p := patient{pid: int64(i + 1)}
		p.fname = firstNames[i%len(firstNames)]
		p.lname = lastNames[(i/len(firstNames)+i)%len(lastNames)]
		p.folded = folded[(i/len(firstNames)+i)%len(lastNames)]
		p.mname = []string{"", "Lucía", "", "Hélène"}[i%4]
		p.pubpid = fmt.Sprintf("E%07d", 4100000+i*37)
		if i%3 == 0 {
			p.dob = cipher.Date{Year: 1921 + i%8, Month: time.Month(1 + i%12), Day: 1 + i%27}
			p.over89 = true
		} else {
			p.dob = cipher.Date{Year: 1950 + i%45, Month: time.Month(1 + i%12), Day: 1 + i%27}
		}
		p.ss = fmt.Sprintf("%03d-%02d-%04d", 201+i%500, 11+i%80, 1000+(234+i*7)%9000)
		p.street = fmt.Sprintf("%d %s", 17+i*3, streets[i%len(streets)])
		p.zip = zips[i%len(zips)]
		p.restricted = strings.HasPrefix(p.zip, "036") || strings.HasPrefix(p.zip, "102") || strings.HasPrefix(p.zip, "059")
		p.city, p.state = cities[i%len(cities)], states[i%len(states)]
		p.phone = fmt.Sprintf("(617) 4%02d-%04d", 10+i%80, 2000+(i*13)%8000)
		p.email = fmt.Sprintf("%s.%s%d@mailbox.org", strings.ToLower(p.folded), strings.ToLower(firstNames[i%len(firstNames)][:1]), i)
		p.sex = []string{"Female", "Male"}[i%2]
		base := cipher.Date{Year: 2015 + i%8, Month: time.Month(1 + (i*5)%12), Day: 1 + (i*7)%27}
		t0 := time.Date(base.Year, base.Month, base.Day, 0, 0, 0, 0, time.UTC)
		for k := 0; k < 3; k++ {
			p.encounters = append(p.encounters, cipher.DateOf(t0.AddDate(0, 0, k*(30+i%40))))
		}
		ps[i] = p
	}
	return ps
}

// note is a free-text note about p that names the patient (with and
// without accents, in several cases), their phone, SSN, MRN, email,
// address and birth date.
func note(p patient, k int) string {
	d := p.encounters[k%len(p.encounters)]
	switch k % 3 {
	case 0:
		return fmt.Sprintf("Mrs %s called from %s on %02d/%02d/%d about her results. DOB %s. Reach at %s.",
			p.lname, p.phone, d.Month, d.Day, d.Year, p.dob, p.email)
	case 1:
		return fmt.Sprintf("Pt %s %s (MRN %s, SSN %s) seen; lives at %s. Daughter asked for %s to call back.",
			strings.ToLower(p.fname), strings.ToUpper(p.lname), p.pubpid, p.ss, p.street, p.folded)
	}
	return fmt.Sprintf("Follow-up with %s %s in 3 months. Next visit %s. BP stable, continue lisinopril.",
		p.fname, p.folded, time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).AddDate(0, 3, 0).Format("January 2, 2006"))
}

// fixture is an exported database and what it needs.
type fixture struct {
	db       *sqlwrap.DB
	schema   *sqlwrap.Schema
	ring     *cipher.Keyring
	kekURI   string
	dsn      string
	patients []patient
}

// newFixture creates the database (dialect sqlite or postgres) and fills
// it through the wrapper.
func newFixture(t *testing.T, dialect testdb.Dialect, n int) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "dev.key")
	if err := local.Create(keyPath); err != nil {
		t.Fatal(err)
	}
	f := &fixture{kekURI: local.URI(keyPath)}
	switch dialect {
	case testdb.DialectSQLite:
		f.dsn = "sqlite:" + filepath.Join(dir, "emr.db")
	case testdb.DialectPostgres:
		f.dsn = testdb.PostgresDSN(t)
	}
	schemaPath := filepath.Join(dir, "phi.yaml")
	if err := os.WriteFile(schemaPath, []byte(emrSchema), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := sqlwrap.LoadSchemaFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	f.schema = s
	db, err := phicrypt.Connect(ctx, f.dsn, f.kekURI, s)
	if err != nil {
		t.Fatal(err)
	}
	f.patients = fixturePatients(n)
	fill(t, db, f.patients)
	db.Close()
	f.db, f.ring = openWith(t, f, nil)
	return f
}

// openWith opens the fixture's database through the long form, with a
// keyring limited to grant (nil: every permission).
func openWith(t *testing.T, f *fixture, grant *cipher.Grant) (*sqlwrap.DB, *cipher.Keyring) {
	t.Helper()
	ctx := context.Background()
	sqldb, dialect, err := phicrypt.OpenSQL(ctx, f.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqldb.Close() })
	kek, err := keyprovider.Open(ctx, f.kekURI, keyprovider.Options{})
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlwrap.NewKeysetStore(sqldb, dialect)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store, Grant: grant})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlwrap.Open(sqldb, dialect, f.schema, ring)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.VerifySchema(ctx); err != nil {
		t.Fatal(err)
	}
	return db, ring
}

func fill(t *testing.T, db *sqlwrap.DB, ps []patient) {
	t.Helper()
	ctx := context.Background()
	pd, err := db.Table("patient_data")
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := db.Table("form_encounter")
	notes, _ := db.Table("pnotes")
	var prows, erows, nrows []sqlwrap.Row
	for _, p := range ps {
		var mname any
		if p.mname != "" {
			mname = p.mname
		}
		prows = append(prows, sqlwrap.Row{"pid": p.pid, "pubpid": p.pubpid, "fname": p.fname, "lname": p.lname, "mname": mname,
			"DOB": p.dob, "ss": p.ss, "street": p.street, "postal_code": p.zip, "phone_home": p.phone, "email": p.email,
			"sex": p.sex, "city": p.city, "state": p.state})
		for k, d := range p.encounters {
			id := int64(len(erows) + 1)
			erows = append(erows, sqlwrap.Row{"id": id, "pid": p.pid, "date": d,
				"reason": []string{"Hypertension follow-up", "Annual physical", "Knee pain"}[k]})
			nrows = append(nrows, sqlwrap.Row{"id": id, "pid": p.pid, "date": d, "body": note(p, k+int(p.pid))})
		}
	}
	for _, b := range []struct {
		ta   *sqlwrap.TableAccess
		rows []sqlwrap.Row
	}{{pd, prows}, {enc, erows}, {notes, nrows}} {
		if _, err := b.ta.InsertBatch(ctx, b.rows); err != nil {
			t.Fatal(err)
		}
	}
}
