package phiscan

import (
	"slices"
	"testing"
)

func TestSplitColumnName(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"mRNA_level", []string{"m", "rna", "level"}},
		{"table_name", []string{"table", "name"}},
		{"drug_name", []string{"drug", "name"}},
		{"patientLastName", []string{"patient", "last", "name"}},
		{"PAT_SSN", []string{"pat", "ssn"}},
		{"dob_yyyymmdd", []string{"dob", "yyyymmdd"}},
		{"ptDOB", []string{"pt", "dob"}},
		{"PTName", []string{"pt", "name"}},
		{"addr1", []string{"addr", "1"}},
		{"Zip-Code", []string{"zip", "code"}},
		{"e.mail Address", []string{"e", "mail", "address"}},
		{"fld_07", []string{"fld", "07"}},
		{"HTTPServer", []string{"http", "server"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := SplitColumnName(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("SplitColumnName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAnalyzeName(t *testing.T) {
	tests := []struct {
		name string
		typ  string
	}{
		{"MRN", "mrn"},
		{"medical_record_no", "mrn"},
		{"PTMRN", "mrn"},
		{"ssn", "ssn"},
		{"PAT_SSN", "ssn"},
		{"socsec", "ssn"},
		{"social_security_number", "ssn"},
		{"fname", "first_name"},
		{"first_name", "first_name"},
		{"patientFirstName", "first_name"},
		{"last_name", "last_name"},
		{"PATIENTLASTNAME", "last_name"},
		{"surname", "last_name"},
		{"maiden_name", "last_name"},
		{"patient_name", "name"},
		{"dob", "birth_date"},
		{"ptDOB", "birth_date"},
		{"dob_yyyymmdd", "birth_date"},
		{"birth_date", "birth_date"},
		{"DateOfBirth", "birth_date"},
		{"bday", "birth_date"},
		{"death_date", "death_date"},
		{"enc_dt", "date"},
		{"admit_date", "date"},
		{"discharge_dttm", "date"},
		{"address", "address"},
		{"street_address_1", "address"},
		{"zip", "zip"},
		{"zip_code", "zip"},
		{"postal_code", "zip"},
		{"phone", "phone"},
		{"home_phone_number", "phone"},
		{"fax_no", "fax"},
		{"email", "email"},
		{"email_address", "email"},
		{"client_ip", "ip"},
		{"npi", "npi"},
		{"dea_number", "dea"},
		{"mbi", "mbi"},
		{"credit_card_number", "credit_card"},
		{"acct_num", "account"},
		{"city", "city"},
		{"EMPI_ID", "mrn"},
		{"mrn_key", "mrn"},
		{"MOBILENO", "phone"},
		{"HOMEPHONE", "phone"},
		{"NAME_LAST", "last_name"},
		{"PAT_NAME_FIRST", "name"},
		{"billing_tin", ""},
		{"phone_id", ""},
		{"notes", "free_text"},
		// Not PHI names.
		{"mRNA_level", ""},
		{"table_name", ""},
		{"drug_name", ""},
		{"facility_name", ""},
		{"email_verified", ""},
		{"phone_type", ""},
		{"address_id", ""},
		{"birth_weight", ""},
		{"created_at", ""},
		{"updated_at", ""},
		{"load_date", ""},
		{"version_date", ""},
		{"dosage", ""},
		{"zipper_size", ""},
		{"id", ""},
		{"age_at_death", ""},
	}
	for _, tt := range tests {
		if got := analyzeName(tt.name, nil); got.typ != tt.typ {
			t.Errorf("analyzeName(%q).typ = %q, want %q (tokens %q)", tt.name, got.typ, tt.typ, got.tokens)
		}
	}
}

func TestAnalyzeNameProperties(t *testing.T) {
	if c := analyzeName("effective_date", nil); !c.validityDate {
		t.Error("effective_date: not a validity date")
	}
	for _, name := range []string{"created_at", "load_date", "last_update_dt", "etl_ts", "as_of_date"} {
		if c := analyzeName(name, nil); !c.refDate {
			t.Errorf("%s: not a book-keeping date", name)
		}
	}
	for _, name := range []string{"c1", "col_4", "FIELD7", "fld_07", "var12", "x"} {
		if c := analyzeName(name, nil); !c.cryptic {
			t.Errorf("%s: not cryptic", name)
		}
	}
	if c := analyzeName("NOTE_DATE", nil); c.typ != "date" || !c.eventDate {
		t.Errorf("NOTE_DATE: %+v", c)
	}
	if c := analyzeName("admit_date", nil); !c.eventDate || c.strength != strongTerm {
		t.Errorf("admit_date: %+v", c)
	}
	if c := analyzeName("dt", nil); !c.genericDate || c.strength != weakTerm {
		t.Errorf("dt: %+v", c)
	}
	if c := analyzeName("name", nil); c.typ != "name" || c.strength != weakTerm {
		t.Errorf("name: %+v", c)
	}
	if c := analyzeName("table_name", nil); !c.nonPersonName {
		t.Error("table_name: not marked as a non-person name")
	}
	if c := analyzeName("pt_age", nil); !c.age || c.ageNotYears {
		t.Errorf("pt_age: %+v", c)
	}
	if c := analyzeName("age_months", nil); !c.ageNotYears {
		t.Errorf("age_months: %+v", c)
	}
	if c := analyzeName("age_group", nil); c.age {
		t.Error("age_group: marked as an age")
	}
	for _, name := range []string{"count", "n", "num_visits", "visit_cnt", "total", "patient_count"} {
		if c := analyzeName(name, nil); !c.count {
			t.Errorf("%s: not count-like (%+v)", name, c)
		}
	}
	for _, name := range []string{"wbc_count", "total_charges", "phone_num", "id"} {
		if c := analyzeName(name, nil); c.count {
			t.Errorf("%s: count-like", name)
		}
	}
	for _, name := range []string{"ssn_last4", "SSN_LAST_4", "last4_ssn"} {
		if c := analyzeName(name, nil); c.typ != "ssn" || c.strength != weakTerm {
			t.Errorf("%s: %+v", name, c)
		}
	}
	if c := analyzeName("zip3", nil); c.typ != "zip" || !c.zip3 {
		t.Errorf("zip3: %+v", c)
	}
	if c := analyzeName("birth_year", nil); !c.birthYear {
		t.Errorf("birth_year: %+v", c)
	}
	if c := analyzeName("result_value", nil); !c.measure {
		t.Error("result_value: not a measure")
	}
}

func TestSiteTerms(t *testing.T) {
	s := prepare(&Config{SiteTerms: []string{"CSN", "hosp_acct:account", "EpicId"}})
	for name, typ := range map[string]string{"pat_csn": "mrn", "HOSP_ACCT": "account", "epic_id": "mrn"} {
		if c := analyzeName(name, s.siteTerms); c.typ != typ || c.strength != siteTerm {
			t.Errorf("%s: %q %v, want site term %q", name, c.typ, c.strength, typ)
		}
	}
}

func TestAnalyzeContext(t *testing.T) {
	if ctx := analyzeContext("", []string{"name", "dose", "route", "ndc"}, "name"); !ctx.drug {
		t.Error("dose/route/ndc: not a drug table")
	}
	if ctx := analyzeContext("facility", []string{"name", "address", "beds"}, "name"); !ctx.org {
		t.Error("facility table not recognised")
	}
	if ctx := analyzeContext("ref_codes", []string{"code", "description", "effective_date"}, "effective_date"); !ctx.ref || ctx.person {
		t.Errorf("ref table: %+v", ctx)
	}
	if ctx := analyzeContext("encounters", []string{"mrn", "enc_dt"}, "enc_dt"); !ctx.person {
		t.Error("encounter table not about people")
	}
}

func TestSegment(t *testing.T) {
	tests := map[string][]string{
		"patientlastname": {"patient", "last", "name"},
		"dateofbirth":     {"date", "of", "birth"},
		"ptmrn":           {"pt", "mrn"},
		"dosage":          nil,
		"mrna":            nil,
		"zipper":          nil,
	}
	for in, want := range tests {
		if got := segment(in); !slices.Equal(got, want) {
			t.Errorf("segment(%q) = %q, want %q", in, got, want)
		}
	}
}
