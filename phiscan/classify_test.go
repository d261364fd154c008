package phiscan

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var testCfg = &Config{ScanDate: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}

// gen produces synthetic column values. Names come partly from the
// embedded lists and partly from made-up spellings, since real columns
// hold many names no list has.
type gen struct{ r *rand.Rand }

func newGen(seed uint64) *gen { return &gen{rand.New(rand.NewPCG(seed, 7))} }

func (g *gen) n(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

func (g *gen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

var (
	testFirst = []string{"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
		"Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carlos",
		"Maria", "Wei", "Priya", "Mohammed", "Aaliyah", "DeShawn", "Siobhan", "Nguyen", "Keiko", "Olga", "Tyrone"}
	testLast = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
		"Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
		"Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "Nguyen", "Patel", "Kim", "O'Brien", "Kowalski",
		"Nakamura", "Okafor"}
	madeUp = []string{"Zephyrine", "Quorvath", "Blixen", "Tarnowick", "Vellacourt", "Ombrasi", "Kestrany",
		"Druvell", "Amarquez", "Felisandre"}
)

func (g *gen) first() string {
	if g.r.IntN(10) < 2 {
		return g.pick(madeUp...)
	}
	return g.pick(testFirst...)
}

func (g *gen) last() string {
	if g.r.IntN(10) < 2 {
		return g.pick(madeUp...)
	}
	return g.pick(testLast...)
}

func (g *gen) ssn() string {
	for {
		a, gr, s := g.n(1, 899), g.n(1, 99), g.n(1, 9999)
		if a != 666 {
			return fmt.Sprintf("%03d-%02d-%04d", a, gr, s)
		}
	}
}

func (g *gen) phone() string {
	area := g.pick("617", "212", "415", "312", "713", "305", "206", "503", "404", "720")
	ex := g.n(200, 999)
	if ex%100 == 11 {
		ex++
	}
	switch g.r.IntN(3) {
	case 0:
		return fmt.Sprintf("(%s) %03d-%04d", area, ex, g.n(0, 9999))
	case 1:
		return fmt.Sprintf("%s-%03d-%04d", area, ex, g.n(0, 9999))
	}
	return fmt.Sprintf("%s%03d%04d", area, ex, g.n(0, 9999))
}

func (g *gen) date(fromYear, toYear int) time.Time {
	return time.Date(g.n(fromYear, toYear), time.Month(g.n(1, 12)), g.n(1, 28), 0, 0, 0, 0, time.UTC)
}

func (g *gen) values(n int, f func(i int) string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func digitsOnly(r rune) rune {
	if r >= '0' && r <= '9' {
		return r
	}
	return -1
}

func classify(name string, cols []string, vals []string) ColumnReport {
	return Classify(ColumnInput{Name: name, Values: vals, TableColumns: cols}, testCfg)
}

func describe(r ColumnReport) string {
	b, _ := json.Marshal(r)
	return string(b)
}

func wantVerdict(t *testing.T, r ColumnReport, v Verdict, types ...string) {
	t.Helper()
	if r.Verdict != v {
		t.Errorf("%s: verdict %s, want %s\n%s", r.Name, r.Verdict, v, describe(r))
		return
	}
	for _, typ := range types {
		if !slices.Contains(r.Types, typ) {
			t.Errorf("%s: types %v lack %q\n%s", r.Name, r.Types, typ, describe(r))
		}
	}
	if r.Confidence < 0 || r.Confidence > 1 {
		t.Errorf("%s: confidence %v out of range", r.Name, r.Confidence)
	}
}

func TestHardPositives(t *testing.T) {
	g := newGen(1)
	t.Run("cryptic SSN column", func(t *testing.T) {
		r := classify("c1", nil, g.values(200, func(int) string { return g.ssn() }))
		wantVerdict(t, r, VerdictPHI, "ssn")
	})
	t.Run("cryptic phone column", func(t *testing.T) {
		r := classify("fld_07", nil, g.values(200, func(int) string { return g.phone() }))
		wantVerdict(t, r, VerdictPHI, "phone")
	})
	t.Run("cryptic email column", func(t *testing.T) {
		r := classify("c2", nil, g.values(200, func(int) string {
			return strings.ToLower(g.first()+"."+g.last()) + strconv.Itoa(g.n(1, 99)) + "@" +
				g.pick("gmail.com", "example.org", "yahoo.com")
		}))
		wantVerdict(t, r, VerdictPHI, "email")
	})
	t.Run("cryptic full-name column", func(t *testing.T) {
		r := classify("c3", nil, g.values(500, func(int) string {
			if g.r.IntN(2) == 0 {
				return g.last() + ", " + g.first()
			}
			return g.first() + " " + g.last()
		}))
		wantVerdict(t, r, VerdictPHI, "name")
	})
	t.Run("cryptic surname column", func(t *testing.T) {
		r := classify("fld_12", nil, g.values(500, func(int) string { return strings.ToUpper(g.last()) }))
		wantVerdict(t, r, VerdictPHI, "last_name")
	})
	t.Run("names missing from the lists", func(t *testing.T) {
		// More than half the surnames are unknown spellings; the column
		// is still name-shaped and nearly every value different.
		syll := []string{"ka", "zo", "rin", "ve", "lo", "mar", "tu", "bek", "sha", "dor", "ni", "qu", "el", "wyn"}
		vals := g.values(400, func(i int) string {
			if i%20 < 11 {
				s := g.pick(syll...) + g.pick(syll...) + g.pick(syll...)
				return strings.ToUpper(s[:1]) + s[1:]
			}
			return g.pick(testLast...)
		})
		wantVerdict(t, classify("c12", nil, vals), VerdictPHI, "last_name")
	})
	t.Run("mostly null SSN column", func(t *testing.T) {
		vals := make([]string, 10000)
		vals[17], vals[4000], vals[9999] = g.ssn(), g.ssn(), g.ssn()
		r := classify("x_09", nil, vals)
		wantVerdict(t, r, VerdictPHI, "ssn")
		if r.Nulls != 9997 || r.Sampled != 10000 {
			t.Errorf("sampled %d nulls %d", r.Sampled, r.Nulls)
		}
		for i := range vals {
			if vals[i] == "" {
				vals[i] = []string{"N/A", "NULL", "-", "None"}[i%4]
			}
		}
		r = classify("x_09", nil, vals)
		wantVerdict(t, r, VerdictPHI, "ssn")
		if r.Nulls != 9997 {
			t.Errorf("null spellings: %d nulls", r.Nulls)
		}
	})
	t.Run("record numbers in a cryptic column", func(t *testing.T) {
		vals := g.values(300, func(int) string { return fmt.Sprintf("%08d", g.n(1, 3e7)) })
		wantVerdict(t, classify("col2", nil, vals), VerdictPHI, "mrn")
		vals = g.values(300, func(int) string { return fmt.Sprintf("%02d-%06d", g.n(1, 99), g.n(1, 999999)) })
		wantVerdict(t, classify("patientmrn", nil, vals), VerdictPHI, "mrn")
	})
	t.Run("E.164 phone numbers", func(t *testing.T) {
		vals := g.values(100, func(int) string { return "+1" + strings.Map(digitsOnly, g.phone()) })
		wantVerdict(t, classify("phoneHome", nil, vals), VerdictPHI, "phone")
		vals = g.values(100, func(int) string { return strings.Map(digitsOnly, g.phone()) + ".0" })
		wantVerdict(t, classify("c3", nil, vals), VerdictPHI, "phone")
	})
	t.Run("SSNs stored as integers", func(t *testing.T) {
		vals := g.values(300, func(int) string {
			v, _ := strconv.Atoi(strings.ReplaceAll(g.ssn(), "-", ""))
			return strconv.Itoa(v) // leading zeros lost: 7 to 9 digits
		})
		vals = append(vals, "78051120", "1234567") // zero-padded: 078-05-1120, 001-23-4567
		wantVerdict(t, classify("pat_ssn", nil, vals), VerdictPHI, "ssn")
		wantVerdict(t, classify("c7", nil, vals), VerdictPHI, "ssn")
	})
	t.Run("yyyymmdd birth dates", func(t *testing.T) {
		vals := g.values(300, func(int) string { return g.date(1920, 2020).Format("20060102") })
		r := classify("dob_yyyymmdd", nil, vals)
		wantVerdict(t, r, VerdictPHI, "birth_date", "age_over_89")
		wantVerdict(t, classify("BIRTH_DT", nil, vals), VerdictPHI, "birth_date")
	})
	t.Run("notes with embedded identifiers", func(t *testing.T) {
		phrases := []string{"Patient tolerated procedure well.", "No acute distress noted on exam.",
			"Continue current medications and follow up in clinic.", "Labs reviewed, within normal limits."}
		vals := g.values(400, func(i int) string {
			s := g.pick(phrases...) + " " + g.pick(phrases...)
			switch i % 10 {
			case 0:
				s += " Callback number " + g.phone() + "."
			case 3:
				s += " Seen on " + g.date(2015, 2024).Format("1/2/2006") + "."
			case 6:
				s += " Discussed with daughter " + g.pick(testFirst...) + "."
			}
			return s
		})
		r := classify("visit_notes", nil, vals)
		wantVerdict(t, r, VerdictPHI, "free_text")
	})
	t.Run("dates in cryptic columns", func(t *testing.T) {
		visits := g.values(200, func(int) string { return g.date(2018, 2025).Format("20060102") })
		wantVerdict(t, classify("col10", nil, visits), VerdictPHI, "date")
		births := g.values(200, func(int) string { return g.date(1925, 2015).Format("1/2/2006") })
		wantVerdict(t, classify("field_4", nil, births), VerdictPHI, "birth_date", "age_over_89")
	})
	t.Run("coverage dates on a member's row", func(t *testing.T) {
		vals := g.values(200, func(int) string { return g.date(2015, 2025).Format("2006-01-02") })
		for _, name := range []string{"eff_date", "term_date", "coverage_start"} {
			r := Classify(ColumnInput{Table: "eligibility", Name: name, Values: vals,
				TableColumns: []string{"member_id", "plan_code", name}}, testCfg)
			wantVerdict(t, r, VerdictPHI, "date")
		}
	})
	t.Run("ZIP codes that lost their leading zero", func(t *testing.T) {
		zips := []string{"2139", "2215", "1701", "10001", "60614", "94110", "73301", "30301", "98101", "2116",
			"19104", "33101", "80202", "85004", "97201", "48201", "55401", "63101", "70112", "84101", "1002"}
		vals := g.values(300, func(int) string { return g.pick(zips...) })
		wantVerdict(t, classify("c8", nil, vals), VerdictPHI, "zip")
	})
	t.Run("death and encounter dates", func(t *testing.T) {
		vals := g.values(200, func(int) string { return g.date(2000, 2024).Format("2006-01-02") })
		wantVerdict(t, classify("death_date", nil, vals), VerdictPHI, "death_date")
		wantVerdict(t, classify("enc_dt", nil, vals), VerdictPHI, "date")
		wantVerdict(t, classify("dt", []string{"mrn", "dx_code"}, vals), VerdictPHI, "date")
	})
	t.Run("ages over 89", func(t *testing.T) {
		vals := g.values(200, func(int) string { return strconv.Itoa(g.n(18, 95)) })
		wantVerdict(t, classify("pt_age", nil, vals), VerdictPHI, "age_over_89")
	})
	t.Run("addresses and ZIPs", func(t *testing.T) {
		streets := []string{"Main", "Oak", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Pine"}
		vals := g.values(200, func(int) string {
			return fmt.Sprintf("%d %s %s", g.n(1, 9999), g.pick(streets...), g.pick("St", "Ave", "Rd", "Blvd", "Lane", "Dr"))
		})
		wantVerdict(t, classify("c4", nil, vals), VerdictPHI, "address")
		zips := g.values(200, func(int) string { return g.pick("02139", "02215", "10001", "60614", "94110", "73301") })
		wantVerdict(t, classify("zip", nil, zips), VerdictPHI, "zip")
		zip4 := g.values(200, func(int) string { return fmt.Sprintf("%s-%04d", g.pick("02139", "60614"), g.n(1, 9999)) })
		wantVerdict(t, classify("c5", nil, zip4), VerdictPHI, "zip")
	})
	t.Run("restricted ZIP3", func(t *testing.T) {
		vals := g.values(100, func(int) string { return g.pick("021", "606", "036", "941") })
		wantVerdict(t, classify("zip3", nil, vals), VerdictPHI, "zip")
		vals = g.values(100, func(int) string { return g.pick("021", "606", "941") })
		wantVerdict(t, classify("zip3", nil, vals), VerdictPossible, "zip")
	})
	t.Run("identifiers with check digits", func(t *testing.T) {
		npis := []string{"1234567893", "1245319599", "1003000126"}
		wantVerdict(t, classify("prescriber", nil, g.values(60, func(i int) string { return npis[i%3] })), VerdictPHI, "npi")
		deas := []string{"AB1234563", "BJ6125341", "M91234563"}
		wantVerdict(t, classify("c8", nil, g.values(60, func(i int) string { return deas[i%3] })), VerdictPHI, "dea")
		mbis := []string{"1EG4TE5MK73", "2C19D48GH20", "9AA0AA0AA00"}
		wantVerdict(t, classify("c9", nil, g.values(60, func(i int) string { return mbis[i%3] })), VerdictPHI, "mbi")
		cards := []string{"4111111111111111", "5500 0000 0000 0004", "378282246310005"}
		wantVerdict(t, classify("c10", nil, g.values(60, func(i int) string { return cards[i%3] })), VerdictPHI, "credit_card")
	})
	t.Run("site MRN pattern", func(t *testing.T) {
		cfg := *testCfg
		cfg.MRNPattern = `E\d{7}`
		vals := g.values(100, func(int) string { return fmt.Sprintf("E%07d", g.n(0, 9999999)) })
		r := Classify(ColumnInput{Name: "ref_no", Values: vals}, &cfg)
		wantVerdict(t, r, VerdictPHI, "mrn")
	})
	t.Run("name-only evidence", func(t *testing.T) {
		wantVerdict(t, classify("patient_ssn", nil, nil), VerdictPHI, "ssn")
		wantVerdict(t, classify("EMAIL_ADDR", nil, []string{"", "", ""}), VerdictPHI, "email")
		wantVerdict(t, classify("city", nil, []string{"Boston", "Springfield"}), VerdictPHI, "city")
	})
	t.Run("IP addresses and URLs", func(t *testing.T) {
		ips := g.values(100, func(int) string { return fmt.Sprintf("73.%d.%d.%d", g.n(0, 255), g.n(0, 255), g.n(1, 254)) })
		wantVerdict(t, classify("c11", nil, ips), VerdictPHI, "ip")
		urls := g.values(100, func(int) string { return fmt.Sprintf("https://portal.example.org/chart?id=%d", g.n(1, 1e6)) })
		wantVerdict(t, classify("page", nil, urls), VerdictPHI, "url")
	})
}

func TestHardNegatives(t *testing.T) {
	g := newGen(2)
	drugs := []string{"Lisinopril", "Metformin", "Atorvastatin", "Amlodipine", "Omeprazole", "Levothyroxine",
		"Albuterol", "Gabapentin", "Hydrochlorothiazide", "Sertraline", "Simvastatin", "Montelukast",
		"Escitalopram", "Rosuvastatin", "Bupropion", "Furosemide", "Pantoprazole", "Trazodone", "Dextroamphetamine",
		"Fluticasone", "Tamsulosin", "Meloxicam", "Clopidogrel", "Prednisone", "Citalopram", "Insulin Glargine",
		"Warfarin Sodium", "Carvedilol", "Lantus", "Allegra", "Zyrtec 10 mg", "Tylenol Extra Strength"}
	t.Run("drug names in a name column", func(t *testing.T) {
		vals := g.values(300, func(int) string { return g.pick(drugs...) })
		wantVerdict(t, classify("name", []string{"id", "name", "dose", "route", "ndc", "manufacturer"}, vals), VerdictNone)
		wantVerdict(t, classify("drug_name", nil, vals), VerdictNone)
	})
	t.Run("facility names", func(t *testing.T) {
		vals := g.values(100, func(int) string {
			return g.pick("Mercy General Hospital", "St. Mary Medical Center", "Lakeside Clinic",
				"Boston Children's Hospital", "Riverside Family Practice", "Johnson Memorial Hospital",
				"Northwest Surgical Associates", "Kaiser Permanente Oakland", "Mayo Clinic", "Cedars-Sinai Medical Center")
		})
		r := Classify(ColumnInput{Table: "facility", Name: "name", Values: vals,
			TableColumns: []string{"facility_id", "name", "address", "beds"}}, testCfg)
		wantVerdict(t, r, VerdictNone)
	})
	t.Run("sequential integer ids", func(t *testing.T) {
		vals := g.values(1000, func(i int) string { return strconv.Itoa(100000000 + i) })
		wantVerdict(t, classify("id", nil, vals), VerdictNone)
		if r := classify("patient_id", nil, vals); r.Verdict == VerdictPHI {
			t.Errorf("sequential patient_id: %s", describe(r))
		}
		if r := classify("c1", nil, vals); r.Verdict == VerdictPHI {
			t.Errorf("sequential nine-digit ids: %s", describe(r))
		}
	})
	t.Run("uuids and study ids", func(t *testing.T) {
		uuids := g.values(200, func(int) string {
			return fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", g.r.Uint32(), g.n(0, 0xffff), g.n(0, 0xfff), g.n(0, 0xfff), g.r.Uint64()&0xffffffffffff)
		})
		if r := classify("patient_id", nil, uuids); r.Verdict == VerdictPHI {
			t.Errorf("uuid patient_id: %s", describe(r))
		}
		wantVerdict(t, classify("record_uuid", nil, uuids), VerdictNone)
		studies := g.values(200, func(i int) string { return fmt.Sprintf("STUDY-%03d-%04d", 1+i%3, g.n(1, 9999)) })
		if r := classify("subject_id", nil, studies); r.Verdict == VerdictPHI {
			t.Errorf("study ids: %s", describe(r))
		}
	})
	t.Run("lab values that look like ZIPs", func(t *testing.T) {
		vals := g.values(500, func(int) string { return strconv.Itoa(g.n(10000, 99999)) })
		wantVerdict(t, classify("result_value", nil, vals), VerdictNone)
		wantVerdict(t, classify("lab_result", nil, vals), VerdictNone)
		if r := classify("c2", nil, vals); r.Verdict == VerdictPHI {
			t.Errorf("uniform five-digit numbers: %s", describe(r))
		}
		dec := g.values(500, func(int) string { return strconv.FormatFloat(float64(g.n(1000000, 9999999))/100, 'f', 2, 64) })
		wantVerdict(t, classify("value", nil, dec), VerdictNone)
	})
	t.Run("organisation contact details", func(t *testing.T) {
		phones := g.values(50, func(int) string { return g.phone() })
		for _, col := range []string{"phone", "fax", "address_line1", "zip_code", "city"} {
			r := Classify(ColumnInput{Table: "facility_list", Name: col, Values: phones,
				TableColumns: []string{"facility_id", "name", col, "beds"}}, testCfg)
			wantVerdict(t, r, VerdictNone)
		}
		r := Classify(ColumnInput{Table: "zip_codes", Name: "county", Values: []string{"Suffolk", "Middlesex"},
			TableColumns: []string{"zip", "city", "county"}}, testCfg)
		wantVerdict(t, r, VerdictNone)
	})
	t.Run("system events", func(t *testing.T) {
		ts := g.values(200, func(int) string { return g.date(2024, 2025).Format(time.RFC3339) })
		r := Classify(ColumnInput{Table: "portal_access_log", Name: "event_ts", Values: ts,
			TableColumns: []string{"patient_id", "event_ts", "src_ip"}}, testCfg)
		// Linked to a patient, the log's context lowers the verdict but
		// may not silence it (issue 14, class 2): never phi, and a
		// "possible" says why.
		if r.Verdict == VerdictPHI || r.Verdict == VerdictPossible && !hasEvidence(r, "context") {
			t.Errorf("log linked to a patient: %s", describe(r))
		}
		ips := g.values(200, func(int) string { return fmt.Sprintf("10.%d.%d.%d", g.n(0, 255), g.n(0, 255), g.n(1, 254)) })
		if r := classify("peer_ip", nil, ips); r.Verdict == VerdictPHI {
			t.Errorf("private addresses: %s", describe(r))
		}
	})
	t.Run("reference dates", func(t *testing.T) {
		vals := g.values(200, func(int) string { return g.date(2010, 2024).Format("2006-01-02 15:04:05") })
		for _, name := range []string{"effective_date", "created_at", "updated_at", "load_date", "version_date",
			"last_modified_dttm", "etl_load_ts"} {
			wantVerdict(t, classify(name, []string{"code", "description"}, vals), VerdictNone)
		}
		r := Classify(ColumnInput{Table: "ref_icd10", Name: "start_date", Values: vals,
			TableColumns: []string{"code", "description", "start_date"}}, testCfg)
		wantVerdict(t, r, VerdictNone)
	})
	t.Run("table_name", func(t *testing.T) {
		vals := g.values(50, func(int) string { return g.pick("patients", "encounters", "labs", "Smith_archive") })
		wantVerdict(t, classify("table_name", nil, vals), VerdictNone)
	})
	t.Run("mRNA levels", func(t *testing.T) {
		vals := g.values(100, func(int) string { return strconv.FormatFloat(g.r.Float64()*10, 'f', 3, 64) })
		wantVerdict(t, classify("mRNA_level", nil, vals), VerdictNone)
	})
	t.Run("categorical words that are also names", func(t *testing.T) {
		vals := g.values(500, func(int) string { return g.pick("White", "Black", "Asian", "Other", "Unknown") })
		wantVerdict(t, classify("race", nil, vals), VerdictNone)
		vals = g.values(500, func(int) string { return g.pick("Active", "Inactive", "Pending", "Grant", "Will") })
		wantVerdict(t, classify("c3", nil, vals), VerdictNone)
	})
	t.Run("codes and amounts", func(t *testing.T) {
		cpt := g.values(300, func(int) string { return g.pick("99213", "99214", "99203", "36415", "85025", "80053") })
		wantVerdict(t, classify("cpt_code", nil, cpt), VerdictNone)
		amounts := g.values(300, func(int) string { return fmt.Sprintf("%d.%02d", g.n(0, 99999), g.n(0, 99)) })
		wantVerdict(t, classify("paid_amt", nil, amounts), VerdictNone)
		icd := g.values(300, func(int) string { return g.pick("E11.9", "I10", "J45.909", "Z00.00", "M54.5") })
		wantVerdict(t, classify("dx", nil, icd), VerdictNone)
	})
	t.Run("ages and counts without PHI", func(t *testing.T) {
		ages := g.values(200, func(int) string { return strconv.Itoa(g.n(18, 85)) })
		wantVerdict(t, classify("age", nil, ages), VerdictNone)
		counts := g.values(200, func(int) string { return strconv.Itoa(g.n(11, 400)) })
		wantVerdict(t, classify("patient_count", nil, counts), VerdictNone)
	})
	t.Run("descriptions", func(t *testing.T) {
		vals := g.values(200, func(int) string {
			return g.pick("Type 2 diabetes mellitus without complications", "Essential (primary) hypertension",
				"Asthma, unspecified, uncomplicated", "Low back pain", "Encounter for general adult medical examination")
		})
		wantVerdict(t, classify("description", nil, vals), VerdictNone)
	})
}

func TestPossible(t *testing.T) {
	g := newGen(3)
	t.Run("small cells", func(t *testing.T) {
		vals := g.values(100, func(int) string { return strconv.Itoa(g.n(0, 40)) })
		for _, name := range []string{"count", "n", "num_patients", "visit_cnt", "total"} {
			r := classify(name, nil, vals)
			wantVerdict(t, r, VerdictPossible, "small_cell")
			if r.Min == nil || *r.Min != 0 {
				t.Errorf("%s: min %v", name, r.Min)
			}
		}
	})
	t.Run("dates of unknown meaning", func(t *testing.T) {
		vals := g.values(100, func(int) string { return g.date(2000, 2024).Format("01/02/2006") })
		wantVerdict(t, classify("milestone", []string{"project_code", "milestone"}, vals), VerdictPossible, "date")
	})
	t.Run("identifiers of unknown kind", func(t *testing.T) {
		vals := g.values(100, func(int) string { return fmt.Sprintf("A%d", g.n(1, 3e7)) })
		wantVerdict(t, classify("col2", nil, vals), VerdictPossible, "mrn")
		// Six-digit codes (authorisations) are too short for a record number.
		vals = g.values(100, func(int) string { return fmt.Sprintf("%06d", g.n(1, 999999)) })
		wantVerdict(t, classify("c7", nil, vals), VerdictPossible, "mrn")
	})
	t.Run("masked numbers", func(t *testing.T) {
		vals := g.values(100, func(int) string { return fmt.Sprintf("XXXX-XXXX-XXXX-%04d", g.n(0, 9999)) })
		wantVerdict(t, classify("card_number", nil, vals), VerdictPossible, "credit_card")
		vals = g.values(100, func(int) string { return fmt.Sprintf("***-**-%04d", g.n(0, 9999)) })
		wantVerdict(t, classify("ssn", nil, vals), VerdictPossible, "ssn")
	})
	t.Run("contradicting values", func(t *testing.T) {
		vals := g.values(100, func(int) string { return g.pick("Y", "N") })
		wantVerdict(t, classify("ssn", nil, vals), VerdictPossible, "ssn")
	})
	t.Run("unvalidated five-digit numbers", func(t *testing.T) {
		vals := g.values(300, func(int) string { return g.pick("02139", "02215", "10001", "60614", "94110", "01701") })
		wantVerdict(t, classify("c6", nil, vals), VerdictPossible, "zip")
	})
}

func TestReportHidesValues(t *testing.T) {
	g := newGen(4)
	vals := g.values(50, func(int) string { return g.ssn() })
	vals = append(vals, "123456789")
	r := classify("c1", nil, vals)
	b, _ := json.Marshal(r)
	for _, v := range vals {
		if strings.Contains(string(b), v) || strings.Contains(string(b), strings.ReplaceAll(v, "-", "")) {
			t.Fatalf("report repeats a value: %s", b)
		}
	}
	// The minimum of an identifier column would be an identifier.
	ints := g.values(100, func(int) string { return strings.ReplaceAll(g.ssn(), "-", "") })
	if r := classify("ssn", nil, ints); r.Min != nil {
		t.Errorf("min reported for an SSN column: %v", *r.Min)
	}
}

func TestClassifierStreaming(t *testing.T) {
	g := newGen(5)
	vals := g.values(1000, func(i int) string {
		if i%4 == 0 {
			return ""
		}
		return g.phone()
	})
	c := NewClassifier("home_phone", "varchar(20)", []string{"mrn", "home_phone"}, testCfg)
	for _, v := range vals {
		c.Observe(v)
	}
	r1 := c.Report()
	r2 := c.Report()
	if describe(r1) != describe(r2) {
		t.Error("Report changed the state")
	}
	want := Classify(ColumnInput{Name: "home_phone", SQLType: "varchar(20)", Values: vals,
		TableColumns: []string{"mrn", "home_phone"}}, testCfg)
	if describe(r1) != describe(want) {
		t.Errorf("streaming and batch differ:\n%s\n%s", describe(r1), describe(want))
	}
	wantVerdict(t, r1, VerdictPHI, "phone")
	if r1.SQLType != "varchar(20)" || r1.Sampled != 1000 || r1.Nulls != 250 {
		t.Errorf("counts: %s", describe(r1))
	}
}

func TestValidateConfig(t *testing.T) {
	if err := ValidateConfig(&Config{MRNPattern: `E\d{7}`, SiteTerms: []string{"csn"}}); err != nil {
		t.Error(err)
	}
	for _, cfg := range []*Config{{MRNPattern: `(`}, {MRNPattern: `\d*`}, {AgeLimit: -1}, {SiteTerms: []string{"__"}}} {
		if ValidateConfig(cfg) == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	// An invalid pattern is ignored by Classify rather than failing it.
	r := Classify(ColumnInput{Name: "c1", Values: []string{"E1234567"}}, &Config{MRNPattern: `(`})
	if r.Verdict == VerdictPHI {
		t.Errorf("invalid pattern: %s", describe(r))
	}
}

func TestAgeLimit(t *testing.T) {
	cfg := *testCfg
	cfg.AgeLimit = 80
	r := Classify(ColumnInput{Name: "age", Values: []string{"45", "85", "60"}}, &cfg)
	wantVerdict(t, r, VerdictPHI, "age_over_89")
	r = Classify(ColumnInput{Name: "dob", Values: []string{"1941-01-01", "1990-01-01"}}, &cfg)
	wantVerdict(t, r, VerdictPHI, "birth_date", "age_over_89")
	r = Classify(ColumnInput{Name: "dob", Values: []string{"1951-01-01", "1990-01-01"}}, &cfg)
	if slices.Contains(r.Types, "age_over_89") {
		t.Errorf("age 75 over a limit of 80: %s", describe(r))
	}
	// Birth years alone are allowed; old ones are not.
	r = Classify(ColumnInput{Name: "birth_year", Values: []string{"1950", "1980", "1990"}}, testCfg)
	wantVerdict(t, r, VerdictNone)
	r = Classify(ColumnInput{Name: "birth_year", Values: []string{"1920", "1980", "1990"}}, testCfg)
	wantVerdict(t, r, VerdictPHI, "age_over_89")
}

func TestMask(t *testing.T) {
	tests := map[string]string{
		"078-05-1120":           "###-##-####",
		"Smith":                 "Aaaaa",
		"O'Brien, Mary":         "A'Aaaaa, Aaaa",
		"(617) 555-1234":        "(###) ###-####",
		"a@b.org":               "a@a.aaa",
		"José":                  "Aaaa",
		"":                      "",
		"line\nbreak":           "aaaa aaaaa",
		strings.Repeat("x", 40): strings.Repeat("a", 32) + "…(40 chars)",
	}
	for in, want := range tests {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

// mixedColumn is a column of everything: identifiers, names, dates,
// numbers, free text and nulls.
func mixedColumn(n int) []string {
	g := newGen(9)
	return g.values(n, func(i int) string {
		switch i % 10 {
		case 0:
			return ""
		case 1:
			return g.ssn()
		case 2:
			return g.phone()
		case 3:
			return g.first() + " " + g.last()
		case 4:
			return g.date(1930, 2024).Format("2006-01-02")
		case 5:
			return strconv.Itoa(g.n(0, 99999))
		case 6:
			return "Patient seen for follow-up, callback " + g.phone() + ", doing well."
		case 7:
			return strings.ToLower(g.first()) + "@example.org"
		case 8:
			return fmt.Sprintf("%d Main St", g.n(1, 999))
		}
		return strconv.FormatFloat(g.r.Float64()*100, 'f', 2, 64)
	})
}

func BenchmarkClassify(b *testing.B) {
	vals := mixedColumn(10000)
	in := ColumnInput{Name: "c1", Values: vals, TableColumns: []string{"id", "c1", "c2"}}
	b.ReportAllocs()
	for b.Loop() {
		Classify(in, testCfg)
	}
}

// BenchmarkObserveFull feeds a table of 30 typical columns row by row, as
// the full-table mode does, and reports values per second on one core.
func BenchmarkObserveFull(b *testing.B) {
	g := newGen(10)
	type column struct {
		name string
		f    func() string
	}
	cols := []column{
		{"id", func() string { return strconv.Itoa(g.n(1, 1e7)) }},
		{"mrn", func() string { return strconv.Itoa(g.n(1e6, 9999999)) }},
		{"ssn", g.ssn},
		{"first_name", g.first},
		{"last_name", g.last},
		{"dob", func() string { return g.date(1930, 2020).Format("2006-01-02") }},
		{"sex", func() string { return g.pick("M", "F") }},
		{"address", func() string { return fmt.Sprintf("%d Oak Ave", g.n(1, 9999)) }},
		{"city", func() string { return g.pick("Boston", "Chicago", "Austin") }},
		{"zip", func() string { return g.pick("02139", "60614", "73301") }},
		{"phone", g.phone},
		{"email", func() string { return "user" + strconv.Itoa(g.n(1, 9999)) + "@example.org" }},
		{"enc_dt", func() string { return g.date(2015, 2024).Format("2006-01-02 15:04:05") }},
		{"dx_code", func() string { return g.pick("E11.9", "I10", "J45.909") }},
		{"cpt", func() string { return g.pick("99213", "99214") }},
		{"glucose", func() string { return strconv.Itoa(g.n(60, 300)) }},
		{"hgb", func() string { return strconv.FormatFloat(10+g.r.Float64()*6, 'f', 1, 64) }},
		{"paid_amt", func() string { return fmt.Sprintf("%d.%02d", g.n(0, 5000), g.n(0, 99)) }},
		{"status", func() string { return g.pick("active", "closed", "pending") }},
		{"created_at", func() string { return g.date(2015, 2024).Format(time.RFC3339) }},
		{"provider_npi", func() string { return "1234567893" }},
		{"notes", func() string { return "Seen today, stable. Follow up " + g.date(2024, 2025).Format("1/2/2006") }},
		{"age", func() string { return strconv.Itoa(g.n(0, 99)) }},
		{"visit_cnt", func() string { return strconv.Itoa(g.n(0, 30)) }},
		{"c1", func() string { return "" }},
		{"flag", func() string { return g.pick("Y", "N") }},
		{"weight_kg", func() string { return strconv.FormatFloat(40+g.r.Float64()*80, 'f', 1, 64) }},
		{"guid", func() string { return fmt.Sprintf("%016x%016x", g.r.Uint64(), g.r.Uint64()) }},
		{"dept", func() string { return g.pick("Cardiology", "Oncology", "Emergency") }},
		{"ip", func() string { return fmt.Sprintf("10.0.%d.%d", g.n(0, 255), g.n(1, 254)) }},
	}
	const rows = 2000
	data := make([][]string, rows)
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	for r := range data {
		data[r] = make([]string, len(cols))
		for i, c := range cols {
			data[r][i] = c.f()
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	values := 0
	for b.Loop() {
		cls := make([]*Classifier, len(cols))
		for i := range cols {
			cls[i] = NewClassifier(names[i], "", names, testCfg)
		}
		for _, row := range data {
			for i, v := range row {
				cls[i].Observe(v)
			}
		}
		for _, c := range cls {
			c.Report()
		}
		values += rows * len(cols)
	}
	b.ReportMetric(float64(values)/b.Elapsed().Seconds(), "values/s")
}

// FuzzObserve checks that no value can crash the detectors or leak into
// the report unmasked.
func FuzzObserve(f *testing.F) {
	for _, s := range []string{"078-05-1120", "(617) 555-1234 x12", "+16175550142", "john@example.org",
		"123 Main St", "PO Box 9", "2019-03-04T10:00:00Z", "Mar 4, 2019", "04-MAR-19", "1EG4-TE5-MK73",
		"AB1234563", "4111 1111 1111 1111", "2001:db8::1", "10.0.0.1", "Smith, John", "José García",
		"Pt seen 3/4/2019, call (617) 555-1234. Dr. Smith. 92 yo.", "6175550142.0", "XXX-XX-1234", "\xc3", "1e5",
		"-", "+", ".", "(", "99999-9999", "12/31/99 11:59 PM"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, name := range []string{"c1", "dob", "ssn", "notes", "zip", "name"} {
			c := NewClassifier(name, "", nil, testCfg)
			c.Observe(v)
			c.Observe(v)
			r := c.Report()
			if r.Verdict != VerdictNone && r.Verdict != VerdictPossible && r.Verdict != VerdictPHI {
				t.Fatalf("verdict %q", r.Verdict)
			}
			if tv := strings.TrimSpace(v); len(tv) >= 6 && strings.ContainsAny(tv, "0123456789") {
				if r.Min != nil && r.Verdict != VerdictNone {
					t.Fatalf("minimum reported for a PHI column: %s", describe(r))
				}
				r.Min = nil // the smallest number of a column that is not PHI
				b, _ := json.Marshal(r)
				if strings.Contains(string(b), tv) {
					t.Fatalf("report repeats the value %q: %s", v, b)
				}
			}
		}
		_ = Mask(v)
	})
}
