package phiscan

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

// TestRealSchemaOpenEMR loads OpenEMR's sql/database.sql (trimmed, with
// stock rows) into MariaDB, fills 25 tables with synthetic patients,
// clinicians and organisations, and scores the scan against
// openemr/labels.csv.
func TestRealSchemaOpenEMR(t *testing.T) {
	d := testdb.DialectMySQL
	db, dsn := testdb.Open(t, d)
	// OpenEMR's DDL and its stock rows predate strict mode (zero dates,
	// NOT NULL columns without defaults): load as OpenEMR's installer
	// does, with an empty sql_mode, on a connection of our own.
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["sql_mode"] = "''"
	loader, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer loader.Close()
	loadRealDDL(t, loader, "openemr", "ddl.sql", true, nil, nil)
	fillOpenEMR(t, loader, d, 600)
	// Floors: the scores of today (81/99, 81/163, 55/99).
	runRealSchema(t, db, string(d), "openemr", realFloors{recallPossiblePHI: 0.969, precisionPossiblePHI: 0.904, recallPossibleNone: 0.908, staffOrg: 0.527})
}

func fillOpenEMR(t *testing.T, db *sql.DB, d testdb.Dialect, n int) {
	t.Helper()
	g := newSynth(601)
	pp := g.people(n)
	st := g.staff(30)
	ins := func(table string, cols string, rows int, row func(int) []any) {
		var qc []string
		for _, c := range strings.Split(cols, ",") {
			qc = append(qc, "`"+c+"`")
		}
		insertRows(t, db, d, table, qc, rows, row)
	}
	pick := g.pick
	user := func() staff { return st[g.n(len(st))] }

	// Organisations: facilities, pharmacies, insurers, their addresses
	// and phone numbers.
	const facilities = 4
	ins("facility", "id,name,phone,fax,street,city,state,postal_code,country_code,federal_ein,service_location,billing_location,accepts_assignment,pos_code,x12_sender_id,attn,domain_identifier,facility_npi,tax_id_type",
		facilities, func(i int) []any {
			c := synCities[i]
			return []any{10 + i, []string{"Springfield Family Practice", "Columbus Internal Medicine", "Austin Pediatrics", "Portland Cardiology Associates"}[i],
				fmt.Sprintf("(%s) 555-01%02d", "217", i), fmt.Sprintf("(%s) 555-02%02d", "217", i), fmt.Sprintf("%d Medical Plaza", 100*(i+1)),
				c.city, c.state, c.zip + "10", "US", fmt.Sprintf("%02d-%07d", 10+i, 1234567+i), 1, 1, 1, 11, "", "Billing Office", "",
				npiNumber(123456780 + i), "EI"}
		})
	pharm := []string{"CVS Pharmacy #4412", "Walgreens #10233", "Rite Aid #3321", "Kroger Pharmacy", "Costco Pharmacy #112", "Hy-Vee Pharmacy"}
	ins("pharmacies", "id,name,transmit_method,email", len(pharm), func(i int) []any {
		return []any{i + 1, pharm[i], 1 + i%3, fmt.Sprintf("rx%d@pharmacy.example.com", 100+i)}
	})
	ins("insurance_companies", "id,name,attn,cms_id,freeb_type,x12_receiver_id,x12_default_partner_id,alt_cms_id",
		len(synInsurers), func(i int) []any {
			return []any{100 + i, synInsurers[i], "Claims", fmt.Sprintf("%05d", 60000+i*17), 1 + i%3, "", 1, ""}
		})
	orgs := len(pharm) + len(synInsurers)
	ins("addresses", "id,line1,line2,city,state,zip,plus_four,country,foreign_id", orgs, func(i int) []any {
		c := synCities[i%len(synCities)]
		fid := i + 1
		if i >= len(pharm) {
			fid = 100 + i - len(pharm)
		}
		return []any{i + 1, fmt.Sprintf("%d Commerce Pkwy", 1000+37*i), []string{"", "Suite 200", "PO Box 1120"}[i%3], c.city, c.state, c.zip + "45", fmt.Sprintf("%04d", 1000+i), "USA", fid}
	})
	ins("phone_numbers", "id,country_code,area_code,prefix,number,type,foreign_id", orgs, func(i int) []any {
		fid := i + 1
		if i >= len(pharm) {
			fid = 100 + i - len(pharm)
		}
		return []any{i + 1, "+1", fmt.Sprint(800 + i%10), "555", fmt.Sprintf("%04d", 1000+i*7), 2, fid}
	})

	// Staff: clinicians and front-desk users.
	ins("users", "id,username,password,authorized,info,source,fname,mname,lname,federaltaxid,federaldrugid,upin,facility,facility_id,see_auth,active,npi,title,specialty,billname,email,url,assistant,organization,valedictory,street,streetb,city,state,zip,street2,streetb2,city2,state2,zip2,phone,fax,phonew1,phonew2,phonecell,notes,cal_ui,taxonomy,ssi_relayhealth,calendar,abook_type,pwd_expiration_date,pwd_history1,pwd_history2,default_warehouse,irnpool",
		len(st), func(i int) []any {
			s := st[i]
			c := synCities[i%facilities]
			return []any{s.id, s.username, fmt.Sprintf("$2y$10$%x", 1e15+float64(g.n(1e9))), 1, "", nil, s.first, string(rune('A' + i%26)), s.last,
				fmt.Sprintf("%02d-%07d", 20+i%70, g.n(10000000)), s.dea, fmt.Sprintf("%c%05d", 'A'+i%26, g.n(100000)),
				[]string{"Springfield Family Practice", "Columbus Internal Medicine", "Austin Pediatrics", "Portland Cardiology Associates"}[i%facilities],
				10 + i%facilities, 1, 1, s.npi, s.title, s.spec, "", s.email, "https://clinic.example.org/staff/" + s.username,
				pick(synFirst) + " " + pick(synLast), "", s.title, fmt.Sprintf("%d Medical Plaza", 100*(1+i%facilities)), "Suite " + fmt.Sprint(100+i),
				c.city, c.state, c.zip + "10", "", "", "", "", "", s.phone, fmt.Sprintf("(217) 555-%04d", g.n(10000)), s.phone, "",
				fmt.Sprintf("(217) %03d-%04d", 200+g.n(800), g.n(10000)), "", 1, "207Q00000X", nil, 1, "", sqlDate(g.date(2026, 2026)), "", "", "", ""}
		})

	// Patients.
	ins("patient_data", "id,title,language,financial,fname,lname,mname,DOB,street,postal_code,city,state,country_code,drivers_license,ss,occupation,phone_home,phone_biz,phone_contact,phone_cell,pharmacy_id,status,contact_relationship,date,sex,referrer,referrerID,providerID,email,ethnoracial,interpretter,migrantseasonal,family_size,monthly_income,homeless,financial_review,pubpid,pid,hipaa_mail,hipaa_voice,hipaa_notice,hipaa_message,hipaa_allowsms,hipaa_allowemail,regdate,contrastart,completed_ad,ad_reviewed,mothersname,guardiansname,allow_imm_reg_use,allow_imm_info_share,allow_health_info_ex",
		n, func(i int) []any {
			p := pp[i]
			ref := user()
			biz := ""
			if g.n(3) == 0 {
				biz = fmt.Sprintf("(217) %03d-%04d", 200+g.n(800), g.n(10000))
			}
			var contra, adrev, guardian, mother any
			if p.sex == "F" && g.n(4) == 0 {
				contra = sqlDate(g.visitDate(p))
			}
			if g.n(5) == 0 {
				adrev = sqlDate(g.visitDate(p))
			}
			if 2026-p.dob.Year() < 18 {
				guardian = pick(synFirst) + " " + p.last
				mother = pick(synFirst) + " " + p.last
			} else if g.n(3) == 0 {
				mother = pick(synFirst) + " " + pick(synLast)
			}
			reg := g.visitDate(p)
			return []any{p.id, map[string]string{"F": "Ms.", "M": "Mr."}[p.sex], pick([]string{"English", "Spanish", "Vietnamese", "Chinese"}), "",
				p.first, p.last, p.middle, sqlDate(p.dob), p.street, p.zip, p.city, p.state, "USA",
				fmt.Sprintf("%s%08d", p.state[:1], g.n(100000000)), p.ssn, pick([]string{"Teacher", "Nurse", "Retired", "Engineer", "Student", "Driver"}),
				p.phone, biz, fmt.Sprintf("(%s) %03d-%04d", p.phone[1:4], 200+g.n(800), g.n(10000)), p.cell, 1 + g.n(len(pharm)),
				pick([]string{"married", "single", "divorced", "widowed"}), p.contact, sqlTS(g.clock(reg)),
				map[string]string{"F": "Female", "M": "Male"}[p.sex], "Dr. " + ref.first + " " + ref.last, ref.npi, 1 + g.n(len(st)), p.email,
				pick([]string{"white", "black_or_afri_amer", "asian", "hisp_or_latin"}), "", "", fmt.Sprint(1 + g.n(6)), fmt.Sprint(1000 + 250*g.n(20)), "",
				sqlTS(g.clock(reg)), fmt.Sprintf("%07d", 1000000+i*13), p.id, "YES", "YES", "YES", "", "NO", "YES",
				sqlDate(reg), contra, "NO", adrev, mother, guardian, "YES", "YES", "YES"}
		})
	ins("employer_data", "id,name,street,postal_code,city,state,country,date,pid", n, func(i int) []any {
		p := pp[i]
		c := synCities[g.n(len(synCities))]
		return []any{i + 1, p.employer, fmt.Sprintf("%d %s", 1+g.n(9899), pick(synStreets)), fmt.Sprintf("%s%02d", c.zip, g.n(100)), c.city, c.state, "USA",
			sqlTS(g.clock(g.visitDate(p))), p.id}
	})
	ins("insurance_data", "id,type,provider,plan_name,policy_number,group_number,subscriber_lname,subscriber_mname,subscriber_fname,subscriber_relationship,subscriber_ss,subscriber_DOB,subscriber_street,subscriber_postal_code,subscriber_city,subscriber_state,subscriber_country,subscriber_phone,subscriber_employer,subscriber_employer_street,subscriber_employer_postal_code,subscriber_employer_state,subscriber_employer_country,subscriber_employer_city,copay,date,pid,subscriber_sex,accept_assignment",
		n, func(i int) []any {
			p := pp[i]
			first, ssn, dob, rel, sex := p.first, p.ssn, p.dob, "self", p.sex
			if g.n(4) == 0 {
				first, rel = strings.Fields(p.spouse)[0], "spouse"
				ssn = fmt.Sprintf("%03d-%02d-%04d", 1+g.n(665), 1+g.n(99), 1+g.n(9999))
				dob = g.date(1940, 2000)
				sex = map[string]string{"F": "M", "M": "F"}[p.sex]
			}
			c := synCities[g.n(len(synCities))]
			return []any{i + 1, "primary", fmt.Sprint(100 + g.n(len(synInsurers))), pick([]string{"PPO Gold", "HMO Silver", "Medicare Part B", "Medicaid"}),
				p.policy, fmt.Sprintf("GRP%06d", g.n(1000000)), p.last, "", first, rel, ssn, sqlDate(dob), p.street, p.zip, p.city, p.state, "USA", p.phone,
				p.employer, fmt.Sprintf("%d %s", 1+g.n(9899), pick(synStreets)), fmt.Sprintf("%s%02d", c.zip, g.n(100)), c.state, "USA", c.city,
				fmt.Sprint(10 + 5*g.n(8)), sqlDate(g.visitDate(p)), p.id, map[string]string{"F": "Female", "M": "Male"}[sex], "TRUE"}
		})
	ins("history_data", "id,coffee,tobacco,alcohol,sleep_patterns,exercise_patterns,seatbelt_use,counseling,hazardous_activities,recreational_drugs,last_mammogram,last_physical_exam,last_ecg,last_fluvax,history_mother,history_father,history_siblings,history_spouse,relatives_cancer,relatives_diabetes,relatives_high_blood_pressure,tonsillectomy,appendectomy,date,pid,additional_history,exams",
		n, func(i int) []any {
			p := pp[i]
			var mammo, tonsil, appy any
			if p.sex == "F" {
				mammo = sqlDate(g.visitDate(p))
			}
			if g.n(6) == 0 {
				tonsil = sqlTS(p.dob.AddDate(5+g.n(10), g.n(12), 0))
			}
			if g.n(8) == 0 {
				appy = sqlTS(p.dob.AddDate(10+g.n(30), g.n(12), 0))
			}
			return []any{i + 1, pick([]string{"2 cups/day", "none", "1 cup/day"}), pick([]string{"Never smoker", "Former smoker, quit 2010", "1 ppd x 20 yrs"}),
				pick([]string{"social", "none", "2-3 drinks/week"}), pick([]string{"7-8 h", "poor, wakes often", ""}), pick([]string{"walks daily", "none", "gym 3x/week"}),
				pick([]string{"always", "sometimes"}), "", "", pick([]string{"none", "marijuana occasionally"}),
				mammo, sqlDate(g.visitDate(p)), sqlDate(g.visitDate(p)), sqlDate(g.visitDate(p)),
				pick([]string{"HTN, DM2", "breast cancer at 60", "alive and well"}), pick([]string{"MI at 58", "deceased, stroke", "COPD"}),
				pick([]string{"2 brothers, healthy", "sister with asthma", "none"}), pick([]string{"healthy", "DM2", ""}),
				pick([]string{"mother", "", "father"}), pick([]string{"", "mother", "sibling"}), pick([]string{"father", "", "mother, father"}),
				tonsil, appy, sqlTS(g.clock(g.visitDate(p))), p.id,
				fmt.Sprintf("Lives with %s (%s). %s", p.contact, strings.ToLower(p.contactRel), pick([]string{"Works nights.", "Has 2 dogs.", "Recently moved from " + pick([]string{"Chicago", "Dallas", "Miami"}) + "."})), ""}
		})

	// Encounters, two per patient, and what hangs off them.
	type enc struct {
		id, pid, provider int
		day, ts           string
		p                 person
	}
	encs := make([]enc, 2*n)
	for i := range encs {
		p := pp[i/2]
		day := g.visitDate(p)
		encs[i] = enc{id: 1000 + i, pid: p.id, provider: 1 + g.n(len(st)), day: sqlDate(day), ts: sqlTS(g.clock(day)), p: p}
	}
	ins("form_encounter", "id,date,reason,facility,facility_id,pid,encounter,onset_date,sensitivity,billing_note,pc_catid,last_level_billed,last_level_closed,last_stmt_date,stmt_count,provider_id,supervisor_id,invoice_refno,referral_source",
		len(encs), func(i int) []any {
			e := encs[i]
			icd := synICD[g.n(len(synICD))]
			reason := pick([]string{"Follow up ", "Annual physical; ", "Sick visit: ", "Med refill, "}) + strings.ToLower(icd[1])
			if g.n(4) == 0 {
				reason = fmt.Sprintf("%s's %s reports %s", e.p.first, strings.ToLower(e.p.contactRel), pick([]string{"falls at home", "confusion", "poor appetite"}))
			}
			var stmt any
			if g.n(3) == 0 {
				stmt = sqlDate(mustDate(e.day).AddDate(0, 1, 0))
			}
			return []any{i + 1, e.ts, reason, []string{"Springfield Family Practice", "Columbus Internal Medicine", "Austin Pediatrics", "Portland Cardiology Associates"}[i%facilities],
				10 + i%facilities, e.pid, e.id, sqlTS(mustDate(e.day).AddDate(0, 0, -g.n(30))), "normal", nil, 5, g.n(2), g.n(2), stmt, g.n(3), e.provider, 0,
				fmt.Sprintf("INV-%d-%06d", mustDate(e.day).Year(), g.n(1000000)), ""}
		})
	ins("forms", "id,date,encounter,form_name,form_id,pid,user,groupname,authorized,deleted,formdir", len(encs), func(i int) []any {
		e := encs[i]
		return []any{i + 1, e.ts, e.id, "New Patient Encounter", i + 1, e.pid, st[e.provider-1].username, "Default", 1, 0, "newpatient"}
	})
	ins("form_vitals", "id,date,pid,user,groupname,authorized,activity,bps,bpd,weight,height,temperature,temp_method,pulse,respiration,note,BMI,BMI_status,waist_circ,head_circ,oxygen_saturation",
		len(encs), func(i int) []any {
			e := encs[i]
			w, h := 100+g.n(150), 58+g.n(18)
			return []any{i + 1, e.ts, e.pid, st[e.provider-1].username, "Default", 1, 1, fmt.Sprint(100 + g.n(70)), fmt.Sprint(60 + g.n(40)), w, h,
				97 + float64(g.n(30))/10, "Oral", 55 + g.n(50), 12 + g.n(10), pick([]string{"", "pt anxious", "repeat BP 130/85"}),
				float64(int(float64(w)*703/float64(h*h)*10)) / 10, pick([]string{"Normal", "Overweight", "Obesity I"}), 30 + g.n(15), 0, 94 + g.n(6)}
		})
	ins("form_soap", "id,date,pid,user,groupname,authorized,activity,subjective,objective,assessment,plan", len(encs), func(i int) []any {
		e := encs[i]
		icd := synICD[g.n(len(synICD))]
		return []any{i + 1, e.ts, e.pid, st[e.provider-1].username, "Default", 1, 1, g.note(e.p, mustDate(e.day), "Dr. "+st[e.provider-1].last),
			fmt.Sprintf("BP %d/%d, HR %d, afebrile. Lungs clear.", 100+g.n(70), 60+g.n(40), 55+g.n(50)),
			icd[1] + " (" + icd[0] + ")", fmt.Sprintf("Continue current meds. RTC %s.", mustDate(e.day).AddDate(0, 3, 0).Format("1/2/2006"))}
	})
	ins("billing", "id,date,code_type,code,pid,provider_id,user,groupname,authorized,encounter,code_text,billed,activity,payer_id,bill_process,bill_date,process_date,process_file,modifier,units,fee,justify,target,x12_partner_id,ndc_info",
		2*len(encs), func(i int) []any {
			e := encs[i/2]
			ct, code, text := "CPT4", synCPT[g.n(len(synCPT))][0], ""
			if i%2 == 1 {
				icd := synICD[g.n(len(synICD))]
				ct, code, text = "ICD10", icd[0], icd[1]
			} else {
				text = synCPT[g.n(len(synCPT))][1]
			}
			var billDate, procDate any
			if g.n(3) > 0 {
				billDate = sqlTS(mustDate(e.day).AddDate(0, 0, 2+g.n(10)))
				procDate = billDate
			}
			return []any{i + 1, e.ts, ct, code, e.pid, e.provider, e.provider, "Default", 1, e.id, text, g.n(2), 1, 100 + g.n(len(synInsurers)), g.n(3),
				billDate, procDate, nil, "", 1, float64(50+g.n(300)) + 0.5*float64(g.n(2)), "", "", 1, ""}
		})
	ins("openemr_postcalendar_events", "pc_catid,pc_multiple,pc_aid,pc_pid,pc_title,pc_time,pc_hometext,pc_informant,pc_eventDate,pc_endDate,pc_duration,pc_recurrtype,pc_recurrspec,pc_startTime,pc_endTime,pc_alldayevent,pc_location,pc_eventstatus,pc_sharing,pc_apptstatus,pc_facility",
		len(encs), func(i int) []any {
			e := encs[i]
			note := ""
			if g.n(3) == 0 {
				note = pick([]string{"Pt's daughter ", "Wife ", "Son "}) + pick(synFirst) + " will drive; call " + e.p.cell
			}
			start := 8 + g.n(9)
			return []any{[]int{5, 9, 10}[g.n(3)], 0, fmt.Sprint(e.provider), fmt.Sprint(e.pid), pick([]string{"Office Visit", "Established Patient", "New Patient"}),
				sqlTS(mustDate(e.day).AddDate(0, 0, -7-g.n(30)).Add(9 * 3600e9)), note, fmt.Sprint(1 + g.n(len(st))), e.day, e.day, 900, 0,
				`a:5:{s:17:"event_repeat_freq";s:1:"0";s:22:"event_repeat_freq_type";s:1:"0";s:19:"event_repeat_on_num";s:1:"1";s:19:"event_repeat_on_day";s:1:"0";s:20:"event_repeat_on_freq";s:1:"0";}`,
				fmt.Sprintf("%02d:%02d:00", start, 15*g.n(4)), fmt.Sprintf("%02d:%02d:00", start+1, 15*g.n(4)), 0,
				`a:6:{s:14:"event_location";s:0:"";s:13:"event_street1";s:0:"";s:13:"event_street2";s:0:"";s:10:"event_city";s:0:"";s:11:"event_state";s:0:"";s:12:"event_postal";s:0:"";}`,
				1, 0, pick([]string{"-", ">", "@", "x", "?"}), 10 + g.n(facilities)}
		})
	ins("lists", "id,date,type,title,begdate,enddate,occurrence,classification,referredby,extrainfo,diagnosis,activity,comments,pid,user,groupname,outcome,destination",
		2*n, func(i int) []any {
			p := pp[i/2]
			beg := g.visitDate(p)
			typ := pick([]string{"medical_problem", "allergy", "medication", "surgery"})
			title, diag := "", ""
			switch typ {
			case "medical_problem":
				icd := synICD[g.n(len(synICD))]
				title, diag = icd[1], "ICD10:"+icd[0]
			case "allergy":
				title = pick([]string{"Penicillin", "Sulfa", "Peanuts", "Latex", "Codeine"})
			case "medication":
				rx := synRx[g.n(len(synRx))]
				title, diag = rx.name, "RXCUI:"+rx.rxcui
			default:
				title = pick([]string{"Appendectomy", "Cholecystectomy", "Knee arthroscopy"})
			}
			var end any
			if g.n(3) == 0 {
				end = sqlDate(beg.AddDate(0, 2+g.n(20), 0))
			}
			s := user()
			comment := ""
			if g.n(2) == 0 {
				comment = fmt.Sprintf("Reported by %s %s (%s). %s", p.first, p.last, strings.ToLower(p.contactRel), pick([]string{"Rash.", "Hives.", "Stable.", "See note of " + beg.Format("01/02/2006") + "."}))
			}
			return []any{i + 1, sqlTS(g.clock(beg)), typ, title, sqlDate(beg), end, g.n(3), 0, "Dr. " + s.first + " " + s.last, "", diag, 1, comment,
				p.id, s.username, "Default", 0, ""}
		})
	ins("pnotes", "id,date,body,pid,user,groupname,activity,authorized,title,assigned_to,deleted,message_status", n, func(i int) []any {
		p := pp[i]
		s, to := user(), user()
		return []any{i + 1, sqlTS(g.clock(g.visitDate(p))), g.note(p, g.visitDate(p), s.first+" "+s.last), p.id, s.username, "Default", 1, 1,
			pick([]string{"Lab Results", "Prescription", "Insurance", "Patient Reminders", "Other"}), to.username, 0, pick([]string{"New", "Read", "Done"})}
	})
	ins("immunizations", "id,patient_id,administered_date,immunization_id,manufacturer,lot_number,administered_by_id,administered_by,education_date,vis_date,note,create_date,update_date,created_by,updated_by",
		n, func(i int) []any {
			p := pp[i]
			day := g.visitDate(p)
			s := user()
			return []any{i + 1, p.id, sqlDate(day), 1 + g.n(20), pick([]string{"Sanofi Pasteur", "Merck", "GSK", "Pfizer"}), fmt.Sprintf("%c%05d%c", 'A'+g.n(26), g.n(100000), 'A'+g.n(26)),
				s.id, s.first + " " + s.last + ", " + s.title, sqlDate(day), pick([]string{"2019-08-15", "2021-10-15", "2023-08-06"}),
				pick([]string{"", "L deltoid, no reaction", "R deltoid"}), sqlTS(g.clock(day)), sqlTS(g.clock(day)), s.id, s.id}
		})
	ins("prescriptions", "id,patient_id,filled_by_id,pharmacy_id,date_added,date_modified,provider_id,start_date,drug,drug_id,form,dosage,quantity,size,unit,route,interval,substitute,refills,per_refill,filled_date,medication,note,active",
		2*n, func(i int) []any {
			p := pp[i/2]
			day := g.visitDate(p)
			rx := synRx[g.n(len(synRx))]
			return []any{i + 1, p.id, nil, 1 + g.n(len(pharm)), sqlDate(day), sqlDate(day.AddDate(0, 0, g.n(60))), 1 + g.n(len(st)), sqlDate(day), rx.name, 0, 1,
				"1", fmt.Sprint(30 * (1 + g.n(3))), 10, 1, 1, 1, 1, g.n(6), 30, sqlDate(day.AddDate(0, 0, 1)), 1, pick([]string{"", "Take with food", rx.sig}), 1}
		})
	ins("transactions", "id,date,title,body,pid,user,groupname,authorized,refer_date,refer_from,refer_to,refer_diag,refer_risk_level,refer_external,refer_reply_date,reply_date,reply_from,reply_init_diag,reply_final_diag,reply_findings,reply_recommend",
		n/2, func(i int) []any {
			p := pp[2*i]
			day := g.visitDate(p)
			s := user()
			icd := synICD[g.n(len(synICD))]
			return []any{i + 1, sqlTS(g.clock(day)), "Referral", fmt.Sprintf("Referral of %s %s (DOB %s) to cardiology for %s.", p.first, p.last, p.dob.Format("01/02/2006"), strings.ToLower(icd[1])),
				p.id, s.username, "Default", 1, sqlDate(day), s.id, 1 + g.n(len(st)), icd[0], pick([]string{"Low", "Medium", "High"}), 1,
				sqlDate(day.AddDate(0, 0, 14)), sqlDate(day.AddDate(0, 0, 10+g.n(10))), "Dr. " + pick(synFirst) + " " + pick(synLast), icd[0], icd[0],
				fmt.Sprintf("Saw %s on %s; echo normal.", p.first, day.AddDate(0, 0, 10).Format("Jan 2")), "Continue current regimen"}
		})
	ins("payments", "id,pid,dtime,encounter,user,method,source,amount1,amount2,posted1,posted2", n, func(i int) []any {
		e := encs[2*i]
		return []any{i + 1, e.pid, e.ts, e.id, st[e.provider-1].username, pick([]string{"cash", "check_payment", "credit_card"}),
			fmt.Sprintf("Check #%d", 1000+g.n(9000)), float64(10 + 5*g.n(8)), 0, float64(10 + 5*g.n(8)), 0}
	})
	ins("documents", "id,type,size,date,url,mimetype,pages,owner,revision,foreign_id,docdate,list_id", n, func(i int) []any {
		p := pp[i]
		day := g.visitDate(p)
		return []any{i + 1, "file_url", 20000 + g.n(900000), sqlTS(g.clock(day)),
			fmt.Sprintf("file:///var/www/openemr/sites/default/documents/%d/%s_%s_%s.pdf", p.id, asciiOnly(p.last), asciiOnly(p.first), pick([]string{"insurance_card", "drivers_license", "lab_report"})),
			"application/pdf", 1 + g.n(4), 1 + g.n(len(st)), sqlTS(g.clock(day)), p.id, sqlDate(day), 0}
	})
	ins("batchcom", "id,patient_id,sent_by,msg_type,msg_subject,msg_text,msg_date_sent", n/2, func(i int) []any {
		p := pp[2*i]
		day := g.visitDate(p)
		return []any{i + 1, p.id, 1 + g.n(len(st)), "Email", "Appointment reminder",
			fmt.Sprintf("Dear %s %s, this is a reminder of your appointment on %s at %s.", map[string]string{"F": "Ms.", "M": "Mr."}[p.sex], p.last, day.Format("January 2, 2006"), pick([]string{"9:00 AM", "2:30 PM"})),
			sqlTS(g.clock(day.AddDate(0, 0, -2)))}
	})
	ins("log", "id,date,event,user,groupname,comments,user_notes,patient_id,success,checksum,crt_user", 2*n, func(i int) []any {
		p := pp[i/2]
		s := user()
		return []any{i + 1, sqlTS(g.clock(g.visitDate(p))), pick([]string{"patient-record-select", "patient-record-update", "login"}), s.username, "Default",
			fmt.Sprintf("select * from patient_data where lname = '%s' and fname = '%s'", strings.ReplaceAll(p.last, "'", "''"), p.first), "", p.id, 1,
			fmt.Sprintf("%040x", g.n(1<<30)), ""}
	})
}
