package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// The seeded patients are synthetic. SSNs are in the 900–999 area, which
// the Social Security Administration never issues; phone numbers are in
// the 555-01xx range reserved for fiction; e-mail addresses are at
// example.org.

// demoPatients come first, with fixed ids, so that the README's curls
// find them.
var demoPatients = []sqlwrap.Row{
	{"id": "pt_demo0000000000001", "mrn": "MRN-0000101", "ssn": "900-12-3456", "first_name": "Ana María", "last_name": "Núñez",
		"dob": cipher.Date{Year: 1948, Month: 3, Day: 17}, "sex": "F", "email": "ana.nunez@example.org", "phone": "(617) 555-0101", "address": "12 Rue des Lilas, Boston MA"},
	{"id": "pt_demo0000000000002", "mrn": "MRN-0000102", "ssn": "900-98-7654", "first_name": "John", "last_name": "Smith",
		"dob": cipher.Date{Year: 1990, Month: 11, Day: 2}, "sex": "M", "email": "john.smith@example.org", "phone": "(212) 555-0102", "address": "4 Elm St, Springfield IL"},
	{"id": "pt_demo0000000000003", "mrn": "MRN-0000103", "ssn": "901-55-5462", "first_name": "Wayland", "last_name": "Smithers",
		"dob": cipher.Date{Year: 1955, Month: 7, Day: 30}, "sex": "M", "email": "w.smithers@example.org", "phone": "(312) 555-0103", "address": "742 Evergreen Terrace, Springfield IL"},
}

var (
	firstNames = []string{"Ana", "José", "Zoë", "Chloé", "François", "Jürgen", "Søren", "Björn", "Mårten", "Aoife", "Siobhán", "Maël",
		"Liam", "Olivia", "Noah", "Emma", "Ava", "Mateo", "Lucía", "Văn An", "Thị Mai", "Renée", "Héloïse", "Dário"}
	lastNames = []string{"Núñez", "García", "Müller", "Smith", "Nguyễn", "O'Brien", "Kowalski", "Dubois", "Łukasiewicz", "Ødegaard",
		"Papadopoulos", "Çelik", "Johnson", "Williams", "Brown", "Jones", "Martínez", "Hernández", "López", "Pérez", "Schäfer",
		"Fernández", "Rossi", "Björk", "Smithson", "Nunes", "Gonçalves", "Żak"}
	streets = []string{"Elm St", "Main St", "Oak Ave", "Rue de la Paix", "Calle Mayor", "Hauptstraße", "Maple Dr", "Cedar Ln"}
	cities  = []string{"Springfield IL", "Boston MA", "Portland OR", "Austin TX", "Madison WI", "Tucson AZ"}
	reasons = []string{"annual physical", "hypertension follow-up", "type 2 diabetes review", "sprained ankle", "influenza",
		"prenatal visit", "chest pain", "medication review", "asthma exacerbation", "laceration repair"}
)

// seedIfEmpty inserts n synthetic patients (the demo ones first) and their
// encounters into an empty patients table.
func (a *app) seedIfEmpty(ctx context.Context, n int) error {
	if n <= 0 {
		return nil
	}
	var have int64
	if err := a.owner.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM patients").Scan(&have); err != nil || have > 0 {
		return err
	}
	pats, encs := syntheticData(n, rand.New(rand.NewPCG(12, 2026)))
	for _, batch := range []struct {
		table string
		rows  []sqlwrap.Row
	}{{"patients", pats}, {"encounters", encs}} {
		ta, err := a.owner.Table(batch.table)
		if err != nil {
			return err
		}
		for rows := range slices.Chunk(batch.rows, 200) {
			if _, err := ta.InsertBatch(ctx, rows); err != nil {
				return err
			}
		}
	}
	a.log.Info("seeded synthetic data", "patients", len(pats), "encounters", len(encs))
	return nil
}

// syntheticData returns n patients, the demo ones first, and 0 to 5
// encounters each.
func syntheticData(n int, rng *rand.Rand) (pats, encs []sqlwrap.Row) {
	for i := range n {
		var p sqlwrap.Row
		if i < len(demoPatients) {
			p = demoPatients[i]
		} else {
			first, last := pick(rng, firstNames), pick(rng, lastNames)
			p = sqlwrap.Row{
				"id":         fmt.Sprintf("pt_syn%014d", i),
				"mrn":        fmt.Sprintf("MRN-%07d", 1000000+i),
				"ssn":        fmt.Sprintf("%03d-%02d-%04d", 900+rng.IntN(100), 1+rng.IntN(99), 1+rng.IntN(9999)),
				"first_name": first,
				"last_name":  last,
				"dob":        cipher.Date{Year: 1930 + rng.IntN(90), Month: time.Month(1 + rng.IntN(12)), Day: 1 + rng.IntN(28)},
				"sex":        pick(rng, []string{"F", "M", "F", "M", "X"}),
				"email":      fmt.Sprintf("%s.%s%d@example.org", ascii(first), ascii(last), i),
				"phone":      fmt.Sprintf("(%03d) 555-01%02d", 201+rng.IntN(700), rng.IntN(100)),
				"address":    fmt.Sprintf("%d %s, %s", 1+rng.IntN(999), pick(rng, streets), pick(rng, cities)),
			}
		}
		pats = append(pats, p)
		for j := range rng.IntN(6) {
			d := cipher.Date{Year: 2019 + rng.IntN(7), Month: time.Month(1 + rng.IntN(12)), Day: 1 + rng.IntN(28)}
			encs = append(encs, sqlwrap.Row{"id": fmt.Sprintf("enc_syn%07d%02d", i, j), "patient_id": p["id"],
				"kind": pick(rng, encounterKinds), "enc_year": int64(d.Year), "enc_date": d, "reason": pick(rng, reasons)})
		}
	}
	return pats, encs
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// ascii is s lower-cased, accents removed, letters only: for e-mail
// addresses.
func ascii(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if r < unicode.MaxASCII && unicode.IsLetter(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
