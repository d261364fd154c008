package phiscan

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

// TestRealSchemaOMOP loads the OMOP Common Data Model 5.4 PostgreSQL DDL,
// fills the clinical, health-system and a few vocabulary tables with
// synthetic patients, and scores the scan against omop/labels.csv.
func TestRealSchemaOMOP(t *testing.T) {
	d := testdb.DialectPostgres
	db, _ := testdb.Open(t, d)
	loadRealDDL(t, db, "omop", "ddl.sql", false, nil, func(s string) string {
		return strings.ReplaceAll(s, "@cdmDatabaseSchema.", "")
	})
	fillOMOP(t, db, d, 500)
	// The foreign keys of the CDM between the person, the health-system
	// and the visit tables (its constraints script declares them; the
	// ones to the vocabulary are left out, as its contents are).
	for _, fk := range []string{
		"person (location_id) REFERENCES location (location_id)",
		"person (provider_id) REFERENCES provider (provider_id)",
		"person (care_site_id) REFERENCES care_site (care_site_id)",
		"care_site (location_id) REFERENCES location (location_id)",
		"provider (care_site_id) REFERENCES care_site (care_site_id)",
		"visit_occurrence (person_id) REFERENCES person (person_id)",
		"visit_occurrence (provider_id) REFERENCES provider (provider_id)",
		"visit_occurrence (care_site_id) REFERENCES care_site (care_site_id)",
		"visit_detail (visit_occurrence_id) REFERENCES visit_occurrence (visit_occurrence_id)",
		"condition_occurrence (person_id) REFERENCES person (person_id)",
		"note (person_id) REFERENCES person (person_id)",
	} {
		table, rest, _ := strings.Cut(fk, " ")
		if _, err := db.Exec("ALTER TABLE " + table + " ADD FOREIGN KEY " + rest); err != nil {
			t.Fatalf("%s: %v", fk, err)
		}
	}
	// Floors: the scores of today (50/64, 50/79, 47/64).
	runRealSchema(t, db, string(d), "omop", realFloors{recallPossiblePHI: 0.983, precisionPossiblePHI: 0.937, recallPossibleNone: 0.951, staffOrg: 0.3})
}

// OMOP standard concept ids used by the synthetic rows.
var omopConcepts = []struct {
	id                       int
	name, domain, vocab, cls string
	code                     string
}{
	{8507, "MALE", "Gender", "Gender", "Gender", "M"}, {8532, "FEMALE", "Gender", "Gender", "Gender", "F"},
	{8527, "White", "Race", "Race", "Race", "5"}, {8516, "Black or African American", "Race", "Race", "Race", "3"},
	{8515, "Asian", "Race", "Race", "Race", "2"}, {38003564, "Not Hispanic or Latino", "Ethnicity", "Ethnicity", "Ethnicity", "Not Hispanic"},
	{38003563, "Hispanic or Latino", "Ethnicity", "Ethnicity", "Ethnicity", "Hispanic"},
	{9201, "Inpatient Visit", "Visit", "Visit", "Visit", "IP"}, {9202, "Outpatient Visit", "Visit", "Visit", "Visit", "OP"},
	{9203, "Emergency Room Visit", "Visit", "Visit", "Visit", "ER"}, {32817, "EHR", "Type Concept", "Type Concept", "Type Concept", "OMOP4976890"},
	{201826, "Type 2 diabetes mellitus", "Condition", "SNOMED", "Clinical Finding", "44054006"},
	{320128, "Essential hypertension", "Condition", "SNOMED", "Clinical Finding", "59621000"},
	{317009, "Asthma", "Condition", "SNOMED", "Clinical Finding", "195967001"},
	{1503297, "metformin", "Drug", "RxNorm", "Ingredient", "6809"}, {1308216, "lisinopril", "Drug", "RxNorm", "Ingredient", "29046"},
	{3004410, "Hemoglobin A1c/Hemoglobin.total in Blood", "Measurement", "LOINC", "Lab Test", "4548-4"},
	{3004249, "Systolic blood pressure", "Measurement", "LOINC", "Clinical Observation", "8480-6"},
	{4275495, "Tobacco smoking behavior", "Observation", "SNOMED", "Observable Entity", "228281002"},
	{44814637, "Discharge summary", "Note", "Note Type", "Note Type", "Discharge summary"},
	{4058335, "Electrocardiographic procedure", "Procedure", "SNOMED", "Procedure", "29303009"},
	{4044008, "Blood glucose meter", "Device", "SNOMED", "Physical Object", "337414009"},
}

func fillOMOP(t *testing.T, db *sql.DB, d testdb.Dialect, n int) {
	t.Helper()
	g := newSynth(501)
	pp := g.people(n)
	st := g.staff(40)
	const sites = 12
	ins := func(table string, cols string, rows int, row func(int) []any) {
		insertRows(t, db, d, table, strings.Split(cols, ","), rows, row)
	}

	// Vocabulary stock and the source description.
	ins("concept", "concept_id,concept_name,domain_id,vocabulary_id,concept_class_id,standard_concept,concept_code,valid_start_date,valid_end_date,invalid_reason",
		len(omopConcepts), func(i int) []any {
			c := omopConcepts[i]
			return []any{c.id, c.name, c.domain, c.vocab, c.cls, "S", c.code, "1970-01-01", "2099-12-31", nil}
		})
	ins("cdm_source", "cdm_source_name,cdm_source_abbreviation,cdm_holder,source_description,source_documentation_reference,cdm_etl_reference,source_release_date,cdm_release_date,cdm_version,cdm_version_concept_id,vocabulary_version",
		1, func(int) []any {
			return []any{"Springfield Regional Health EHR", "SRH", "Springfield Regional Health System",
				"Outpatient and inpatient EHR extract, all patients seen since 2015.", "https://ohdsi.example.org/srh/docs",
				"https://github.com/example/srh-etl", "2025-11-30", "2025-12-15", "5.4", 756265, "v5.0 30-AUG-25"}
		})

	// Locations: one per patient, then one per care site.
	ins("location", "location_id,address_1,address_2,city,state,zip,county,location_source_value,country_concept_id,country_source_value,latitude,longitude",
		n+sites, func(i int) []any {
			if i >= n {
				c := synCities[i%len(synCities)]
				return []any{i + 1, fmt.Sprintf("%d Medical Center Dr", 100+i), "Suite " + fmt.Sprint(100+i), c.city, c.state, c.zip + "01", c.county,
					nil, 42046186, "United States", nil, nil}
			}
			p := pp[i]
			apt := ""
			if i%4 == 0 {
				apt = fmt.Sprintf("Apt %d", 1+i%40)
			}
			return []any{i + 1, p.street, nullIf(apt), p.city, p.state, p.zip, p.county,
				fmt.Sprintf("%s|%s|%s|%s", p.street, p.city, p.state, p.zip), 42046186, "United States", p.lat, p.lon}
		})
	ins("care_site", "care_site_id,care_site_name,place_of_service_concept_id,location_id,care_site_source_value,place_of_service_source_value",
		sites, func(i int) []any {
			c := synCities[i%len(synCities)]
			return []any{i + 1, []string{c.city + " Family Clinic", "St. Luke's " + c.city + " Hospital", c.city + " Urgent Care"}[i%3],
				[]int{8940, 8717, 8782}[i%3], n + i + 1, fmt.Sprintf("ORG-%04d", 100+i), []string{"Office", "Inpatient Hospital", "Urgent Care Facility"}[i%3]}
		})
	ins("provider", "provider_id,provider_name,npi,dea,specialty_concept_id,care_site_id,year_of_birth,gender_concept_id,provider_source_value,specialty_source_value,specialty_source_concept_id,gender_source_value,gender_source_concept_id",
		len(st), func(i int) []any {
			s := st[i]
			return []any{s.id, s.first + " " + s.last + ", " + s.title, s.npi, s.dea, 38004446, 1 + i%sites, 1950 + g.n(45),
				[]int{8507, 8532}[i%2], fmt.Sprintf("PRV%05d", 20000+i), s.spec, 0, []string{"M", "F"}[i%2], 0}
		})

	// People.
	gender := map[string]int{"F": 8532, "M": 8507}
	ins("person", "person_id,gender_concept_id,year_of_birth,month_of_birth,day_of_birth,birth_datetime,race_concept_id,ethnicity_concept_id,location_id,provider_id,care_site_id,person_source_value,gender_source_value,gender_source_concept_id,race_source_value,race_source_concept_id,ethnicity_source_value,ethnicity_source_concept_id",
		n, func(i int) []any {
			p := pp[i]
			race := []int{8527, 8516, 8515}[i%3]
			return []any{p.id, gender[p.sex], p.dob.Year(), int(p.dob.Month()), p.dob.Day(), sqlTS(g.clock(p.dob)), race, 38003564,
				p.id, 1 + g.n(len(st)), 1 + g.n(sites), p.mrn, p.sex, 0, map[int]string{8527: "white", 8516: "black", 8515: "asian"}[race], 0,
				[]string{"nonhispanic", "hispanic"}[g.n(2)], 0}
		})
	ins("observation_period", "observation_period_id,person_id,observation_period_start_date,observation_period_end_date,period_type_concept_id",
		n, func(i int) []any {
			s := g.visitDate(pp[i])
			return []any{i + 1, pp[i].id, sqlDate(s), sqlDate(s.AddDate(0, 1+g.n(60), 0)), 32817}
		})
	var deaths []person
	for _, p := range pp {
		if p.dead != nil {
			deaths = append(deaths, p)
		}
	}
	ins("death", "person_id,death_date,death_datetime,death_type_concept_id,cause_concept_id,cause_source_value,cause_source_concept_id",
		len(deaths), func(i int) []any {
			p := deaths[i]
			icd := synICD[g.n(len(synICD))]
			return []any{p.id, sqlDate(*p.dead), sqlTS(g.clock(*p.dead)), 32817, 201826, icd[0], 0}
		})

	// Visits: three per patient.
	type visit struct {
		id, person, provider, site int
		start, end                 string
		startTS, endTS             string
		day                        person
	}
	visits := make([]visit, 3*n)
	for i := range visits {
		p := pp[i/3]
		s := g.visitDate(p)
		e := s.AddDate(0, 0, g.n(3))
		visits[i] = visit{id: i + 1, person: p.id, provider: 1 + g.n(len(st)), site: 1 + g.n(sites),
			start: sqlDate(s), end: sqlDate(e), startTS: sqlTS(g.clock(s)), endTS: sqlTS(g.clock(e)), day: p}
	}
	ins("visit_occurrence", "visit_occurrence_id,person_id,visit_concept_id,visit_start_date,visit_start_datetime,visit_end_date,visit_end_datetime,visit_type_concept_id,provider_id,care_site_id,visit_source_value,visit_source_concept_id,admitted_from_concept_id,admitted_from_source_value,discharged_to_concept_id,discharged_to_source_value,preceding_visit_occurrence_id",
		len(visits), func(i int) []any {
			v := visits[i]
			var prev any
			if i%3 > 0 {
				prev = v.id - 1
			}
			return []any{v.id, v.person, []int{9201, 9202, 9203}[i%3], v.start, v.startTS, v.end, v.endTS, 32817, v.provider, v.site,
				fmt.Sprintf("E%09d", 100000000+g.n(900000000)), 0, 8536, []string{"Home", "Transfer from hospital", "Home"}[i%3],
				8536, []string{"Home", "Skilled nursing facility", "Home", "Expired"}[g.n(4)], prev}
		})
	ins("visit_detail", "visit_detail_id,person_id,visit_detail_concept_id,visit_detail_start_date,visit_detail_start_datetime,visit_detail_end_date,visit_detail_end_datetime,visit_detail_type_concept_id,provider_id,care_site_id,visit_detail_source_value,visit_detail_source_concept_id,admitted_from_concept_id,admitted_from_source_value,discharged_to_source_value,discharged_to_concept_id,preceding_visit_detail_id,parent_visit_detail_id,visit_occurrence_id",
		n, func(i int) []any {
			v := visits[3*i]
			return []any{i + 1, v.person, 32037, v.start, v.startTS, v.end, v.endTS, 32817, v.provider, v.site,
				[]string{"MICU", "Med/Surg 4 West", "ED"}[g.n(3)], 0, 0, "Emergency department", "Home", 0, nil, nil, v.id}
		})
	ins("condition_occurrence", "condition_occurrence_id,person_id,condition_concept_id,condition_start_date,condition_start_datetime,condition_end_date,condition_end_datetime,condition_type_concept_id,condition_status_concept_id,stop_reason,provider_id,visit_occurrence_id,visit_detail_id,condition_source_value,condition_source_concept_id,condition_status_source_value",
		len(visits), func(i int) []any {
			v := visits[i]
			var end, endTS any
			if g.n(2) == 0 {
				end, endTS = v.end, v.endTS
			}
			return []any{i + 1, v.person, []int{201826, 320128, 317009}[g.n(3)], v.start, v.startTS, end, endTS, 32817, 32902, nil,
				v.provider, v.id, nil, synICD[g.n(len(synICD))][0], 0, []string{"primary", "secondary"}[g.n(2)]}
		})
	ins("drug_exposure", "drug_exposure_id,person_id,drug_concept_id,drug_exposure_start_date,drug_exposure_start_datetime,drug_exposure_end_date,drug_exposure_end_datetime,verbatim_end_date,drug_type_concept_id,stop_reason,refills,quantity,days_supply,sig,route_concept_id,lot_number,provider_id,visit_occurrence_id,visit_detail_id,drug_source_value,drug_source_concept_id,route_source_value,dose_unit_source_value",
		len(visits), func(i int) []any {
			v := visits[i]
			rx := synRx[g.n(len(synRx))]
			var stop any
			if g.n(6) == 0 {
				stop = []string{"Adverse reaction", "Completed", "Patient request"}[g.n(3)]
			}
			return []any{i + 1, v.person, []int{1503297, 1308216}[g.n(2)], v.start, v.startTS, v.end, v.endTS, v.end, 32838, stop,
				g.n(6), 30 + g.n(60), 30, rx.sig, 4132161, fmt.Sprintf("L%06d", g.n(1000000)), v.provider, v.id, nil,
				fmt.Sprintf("%05d-%04d-%02d", g.n(100000), g.n(10000), g.n(100)), 0, "oral", "mg"}
		})
	ins("procedure_occurrence", "procedure_occurrence_id,person_id,procedure_concept_id,procedure_date,procedure_datetime,procedure_end_date,procedure_end_datetime,procedure_type_concept_id,modifier_concept_id,quantity,provider_id,visit_occurrence_id,visit_detail_id,procedure_source_value,procedure_source_concept_id,modifier_source_value",
		len(visits)/2, func(i int) []any {
			v := visits[2*i]
			var mod any
			if g.n(4) == 0 {
				mod = []string{"25", "59", "LT", "RT"}[g.n(4)]
			}
			return []any{i + 1, v.person, 4058335, v.start, v.startTS, v.end, v.endTS, 32817, 0, 1, v.provider, v.id, nil,
				synCPT[g.n(len(synCPT))][0], 0, mod}
		})
	ins("device_exposure", "device_exposure_id,person_id,device_concept_id,device_exposure_start_date,device_exposure_start_datetime,device_exposure_end_date,device_exposure_end_datetime,device_type_concept_id,unique_device_id,production_id,quantity,provider_id,visit_occurrence_id,visit_detail_id,device_source_value,device_source_concept_id,unit_concept_id,unit_source_value,unit_source_concept_id",
		n/2, func(i int) []any {
			v := visits[6*i]
			serial := fmt.Sprintf("SN%08d", g.n(100000000))
			return []any{i + 1, v.person, 4044008, v.start, v.startTS, nil, nil, 32817,
				fmt.Sprintf("(01)%014d(17)%s(21)%s", 643169000000+g.n(999999), "271231", serial), serial, 1, v.provider, v.id, nil,
				[]string{"337414009", "706180003", "14106009"}[g.n(3)], 0, nil, nil, nil}
		})
	ins("measurement", "measurement_id,person_id,measurement_concept_id,measurement_date,measurement_datetime,measurement_time,measurement_type_concept_id,operator_concept_id,value_as_number,value_as_concept_id,unit_concept_id,range_low,range_high,provider_id,visit_occurrence_id,visit_detail_id,measurement_source_value,measurement_source_concept_id,unit_source_value,unit_source_concept_id,value_source_value,measurement_event_id,meas_event_field_concept_id",
		2*len(visits), func(i int) []any {
			v := visits[i/2]
			lab := synLOINC[g.n(len(synLOINC))]
			x := float64(int((lab.lo+g.rng.Float64()*(lab.hi-lab.lo))*10)) / 10
			return []any{i + 1, v.person, 3004410, v.start, v.startTS, nil, 32817, nil, x, nil, 8554, lab.lo, lab.hi, v.provider, v.id, nil,
				lab.code, 0, lab.unit, 0, fmt.Sprint(x), nil, nil}
		})
	ins("observation", "observation_id,person_id,observation_concept_id,observation_date,observation_datetime,observation_type_concept_id,value_as_number,value_as_string,value_as_concept_id,qualifier_concept_id,unit_concept_id,provider_id,visit_occurrence_id,visit_detail_id,observation_source_value,observation_source_concept_id,unit_source_value,qualifier_source_value,value_source_value,observation_event_id,obs_event_field_concept_id",
		len(visits), func(i int) []any {
			v := visits[i]
			s := []string{"Never smoker", "Former smoker", "Current every day smoker", "Never smoker"}[g.n(4)]
			return []any{i + 1, v.person, 4275495, v.start, v.startTS, 32817, nil, s, 0, nil, nil, v.provider, v.id, nil,
				"72166-2", 0, nil, nil, s, nil, nil}
		})
	ins("note", "note_id,person_id,note_date,note_datetime,note_type_concept_id,note_class_concept_id,note_title,note_text,encoding_concept_id,language_concept_id,provider_id,visit_occurrence_id,visit_detail_id,note_source_value,note_event_id,note_event_field_concept_id",
		len(visits)/2, func(i int) []any {
			v := visits[2*i]
			s := st[v.provider-1]
			day := v.startTS[:10]
			kind := g.pick(synNoteKinds)
			return []any{i + 1, v.person, v.start, v.startTS, 44814637, 44814637, kind,
				g.note(v.day, mustDate(day), "Dr. "+s.first+" "+s.last), 32678, 4180186, v.provider, v.id, nil,
				strings.ReplaceAll(strings.ToLower(kind), " ", "_"), nil, nil}
		})
	ins("note_nlp", "note_nlp_id,note_id,section_concept_id,snippet,\"offset\",lexical_variant,note_nlp_concept_id,note_nlp_source_concept_id,nlp_system,nlp_date,nlp_datetime,term_exists,term_temporal,term_modifiers",
		len(visits)/2, func(i int) []any {
			v := visits[2*i]
			icd := synICD[g.n(len(synICD))]
			snippet := fmt.Sprintf("%s %s with %s", v.day.first, v.day.last, strings.ToLower(icd[1]))
			if g.n(2) == 0 {
				snippet = "history of " + strings.ToLower(icd[1])
			}
			batch := []string{"2025-06-01", "2025-12-01"}[g.n(2)]
			return []any{i + 1, i + 1, 0, snippet, fmt.Sprint(g.n(900)), strings.ToLower(icd[1]), 201826, 0, "cTAKES 4.0.0",
				batch, batch + " 02:00:00", []string{"Y", "N"}[g.n(2)], []string{"current", "past"}[g.n(2)], "negated=false;subject=patient"}
		})
	ins("specimen", "specimen_id,person_id,specimen_concept_id,specimen_type_concept_id,specimen_date,specimen_datetime,quantity,unit_concept_id,anatomic_site_concept_id,disease_status_concept_id,specimen_source_id,specimen_source_value,unit_source_value,anatomic_site_source_value,disease_status_source_value",
		n, func(i int) []any {
			v := visits[3*i]
			return []any{i + 1, v.person, 4001225, 32817, v.start, v.startTS, 5, 8587, 0, 0,
				fmt.Sprintf("S%02d-%06d", 15+g.n(11), g.n(1000000)), []string{"Blood", "Urine", "Serum"}[g.n(3)], "mL", nil, nil}
		})
	ins("payer_plan_period", "payer_plan_period_id,person_id,payer_plan_period_start_date,payer_plan_period_end_date,payer_concept_id,payer_source_value,payer_source_concept_id,plan_concept_id,plan_source_value,plan_source_concept_id,sponsor_concept_id,sponsor_source_value,sponsor_source_concept_id,family_source_value,stop_reason_concept_id,stop_reason_source_value,stop_reason_source_concept_id",
		n, func(i int) []any {
			p := pp[i]
			s := g.visitDate(p)
			return []any{i + 1, p.id, sqlDate(s), sqlDate(s.AddDate(1, 0, 0)), 0, p.insurer, 0, 0,
				[]string{"PPO Gold", "HMO Silver", "Part B", "Medicaid Managed Care"}[g.n(4)], 0, 0, p.employer, 0,
				fmt.Sprintf("FAM%07d", g.n(10000000)), 0, nil, 0}
		})
	ins("cost", "cost_id,cost_event_id,cost_domain_id,cost_type_concept_id,currency_concept_id,total_charge,total_cost,total_paid,paid_by_payer,paid_by_patient,paid_patient_copay,paid_patient_coinsurance,paid_patient_deductible,paid_by_primary,paid_ingredient_cost,paid_dispensing_fee,payer_plan_period_id,amount_allowed,revenue_code_concept_id,revenue_code_source_value,drg_concept_id,drg_source_value",
		len(visits), func(i int) []any {
			c := float64(50+g.n(5000)) + 0.25*float64(g.n(4))
			return []any{i + 1, i + 1, "Visit", 32817, 44818668, c, c * 0.6, c * 0.5, c * 0.4, c * 0.1, 25, 0, 0, c * 0.4, nil, nil,
				1 + i/3, c * 0.55, 0, fmt.Sprintf("0%03d", 100+g.n(900)), 0, fmt.Sprintf("%03d", g.n(1000))}
		})
	ins("drug_era", "drug_era_id,person_id,drug_concept_id,drug_era_start_date,drug_era_end_date,drug_exposure_count,gap_days",
		n, func(i int) []any {
			v := visits[3*i]
			return []any{i + 1, v.person, 1503297, v.start, sqlDate(mustDate(v.end).AddDate(0, 3, 0)), 1 + g.n(5), g.n(30)}
		})
	ins("condition_era", "condition_era_id,person_id,condition_concept_id,condition_era_start_date,condition_era_end_date,condition_occurrence_count",
		n, func(i int) []any {
			v := visits[3*i+1]
			return []any{i + 1, v.person, 201826, v.start, sqlDate(mustDate(v.end).AddDate(0, 6, 0)), 1 + g.n(5)}
		})
}
