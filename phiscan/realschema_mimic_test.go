package phiscan

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

// TestRealSchemaMIMIC loads MIMIC-IV's PostgreSQL DDL (the hosp and icu
// modules, in their schemas mimic_hosp and mimic_icu), fills the patient
// tables and a few dictionary rows with synthetic patients, scans each
// schema as `phicrypt scan` does with the schema on the search path, and
// scores the two scans together against mimic/labels.csv.
func TestRealSchemaMIMIC(t *testing.T) {
	d := testdb.DialectPostgres
	db, dsn := testdb.Open(t, d)
	loadRealDDL(t, db, "mimic", "ddl.sql", false, nil, nil)
	fillMIMIC(t, db, d, 400)
	rep := &Report{}
	start := time.Now()
	for _, schema := range []string{"mimic_hosp", "mimic_icu"} {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		sdb, err := sql.Open(d.Driver(), dsn+sep+"search_path="+schema)
		if err != nil {
			t.Fatal(err)
		}
		r := scanReal(t, sdb, string(d))
		sdb.Close()
		rep.Tables = append(rep.Tables, r.Tables...)
	}
	// Floors: the scores of today (49/50 each way).
	checkRealReport(t, "mimic", rep, time.Since(start), realFloors{recallPossiblePHI: 0.98, precisionPossiblePHI: 0.98, recallPossibleNone: 0.98})
}

func fillMIMIC(t *testing.T, db *sql.DB, d testdb.Dialect, n int) {
	t.Helper()
	g := newSynth(701)
	pp := g.people(n)
	st := g.staff(25)
	pick := g.pick
	ins := func(table string, cols string, rows int, row func(int) []any) {
		insertRows(t, db, d, table, strings.Split(cols, ","), rows, row)
	}
	ts := func(x time.Time) string { return x.Format("2006-01-02 15:04:05") }
	subject := func(p person) int { return 10000000 + p.id*37 }

	// Dictionaries (in MIMIC, shipped with the data).
	labs := []struct {
		id                     int
		label, fluid, category string
	}{{50912, "Creatinine", "Blood", "Chemistry"}, {50931, "Glucose", "Blood", "Chemistry"}, {51222, "Hemoglobin", "Blood", "Hematology"},
		{50983, "Sodium", "Blood", "Chemistry"}, {51301, "White Blood Cells", "Blood", "Hematology"}, {50971, "Potassium", "Blood", "Chemistry"}}
	ins("mimic_hosp.d_labitems", "itemid,label,fluid,category", len(labs), func(i int) []any {
		return []any{labs[i].id, labs[i].label, labs[i].fluid, labs[i].category}
	})
	items := []struct {
		id                                 int
		label, abbr, links, category, unit string
	}{{220045, "Heart Rate", "HR", "chartevents", "Routine Vital Signs", "bpm"}, {220179, "Non Invasive Blood Pressure systolic", "NBPs", "chartevents", "Routine Vital Signs", "mmHg"},
		{225054, "On mechanical ventilation", "On MV", "datetimeevents", "Respiratory", ""}, {225158, "NaCl 0.9%", "NaCl 0.9%", "inputevents", "Fluids/Intake", "mL"},
		{226559, "Foley", "Foley", "outputevents", "Output", "mL"}, {224263, "Multi Lumen", "Multi Lumen", "procedureevents", "Access Lines - Invasive", "None"}}
	ins("mimic_icu.d_items", "itemid,label,abbreviation,linksto,category,unitname,param_type,lownormalvalue,highnormalvalue", len(items), func(i int) []any {
		it := items[i]
		return []any{it.id, it.label, it.abbr, it.links, it.category, it.unit, "Numeric", nil, nil}
	})
	ins("mimic_hosp.d_icd_diagnoses", "icd_code,icd_version,long_title", len(synICD), func(i int) []any {
		return []any{strings.ReplaceAll(synICD[i][0], ".", ""), 10, synICD[i][1]}
	})

	// Patients and admissions.
	ins("mimic_hosp.patients", "subject_id,gender,anchor_age,anchor_year,anchor_year_group,dod", n, func(i int) []any {
		p := pp[i]
		var dod any
		if p.dead != nil {
			dod = sqlDate(*p.dead)
		}
		year := 2015 + g.n(10)
		return []any{subject(p), p.sex, max(0, year-p.dob.Year()), year, fmt.Sprintf("%d - %d", year-year%3, year-year%3+2), dod}
	})
	type adm struct {
		hadm, subject, stay int
		in, out             time.Time
		p                   person
	}
	adms := make([]adm, 0, 2*n)
	for _, p := range pp {
		for k := 0; k < 1+g.n(2); k++ {
			in := g.clock(g.visitDate(p))
			adms = append(adms, adm{hadm: 20000000 + len(adms)*11, subject: subject(p), stay: 30000000 + len(adms)*7,
				in: in, out: in.Add(time.Duration(24+g.n(24*9)) * time.Hour), p: p})
		}
	}
	ins("mimic_hosp.admissions", "subject_id,hadm_id,admittime,dischtime,deathtime,admission_type,admission_location,discharge_location,insurance,language,marital_status,race,edregtime,edouttime,hospital_expire_flag",
		len(adms), func(i int) []any {
			a := adms[i]
			var death, edIn, edOut any
			flag := 0
			if a.p.dead != nil && g.n(3) == 0 {
				death, flag = ts(a.out), 1
			}
			if g.n(2) == 0 {
				edIn, edOut = ts(a.in.Add(-5*time.Hour)), ts(a.in.Add(-time.Hour))
			}
			return []any{a.subject, a.hadm, ts(a.in), ts(a.out), death, pick([]string{"EW EMER.", "ELECTIVE", "URGENT", "OBSERVATION ADMIT"}),
				pick([]string{"EMERGENCY ROOM", "PHYSICIAN REFERRAL", "TRANSFER FROM HOSPITAL"}), pick([]string{"HOME", "HOME HEALTH CARE", "SKILLED NURSING FACILITY"}),
				pick([]string{"Medicare", "Medicaid", "Other"}), pick([]string{"ENGLISH", "?"}), pick([]string{"MARRIED", "SINGLE", "WIDOWED", "DIVORCED"}),
				pick([]string{"WHITE", "BLACK/AFRICAN AMERICAN", "HISPANIC/LATINO - PUERTO RICAN", "ASIAN"}), edIn, edOut, flag}
		})
	ins("mimic_hosp.transfers", "subject_id,hadm_id,transfer_id,eventtype,careunit,intime,outtime", 2*len(adms), func(i int) []any {
		a := adms[i/2]
		mid := a.in.Add(a.out.Sub(a.in) / 2)
		if i%2 == 0 {
			return []any{a.subject, a.hadm, 40000000 + i, "admit", "Emergency Department", ts(a.in), ts(mid)}
		}
		return []any{a.subject, a.hadm, 40000000 + i, "transfer", pick([]string{"Medical Intensive Care Unit (MICU)", "Med/Surg", "Cardiac Vascular Intensive Care Unit (CVICU)"}), ts(mid), ts(a.out)}
	})
	ins("mimic_hosp.services", "subject_id,hadm_id,transfertime,prev_service,curr_service", len(adms), func(i int) []any {
		a := adms[i]
		return []any{a.subject, a.hadm, ts(a.in), nil, pick([]string{"MED", "SURG", "CMED", "ORTHO"})}
	})
	ins("mimic_hosp.diagnoses_icd", "subject_id,hadm_id,seq_num,icd_code,icd_version", 3*len(adms), func(i int) []any {
		a := adms[i/3]
		return []any{a.subject, a.hadm, 1 + i%3, strings.ReplaceAll(synICD[g.n(len(synICD))][0], ".", ""), 10}
	})
	ins("mimic_hosp.procedures_icd", "subject_id,hadm_id,seq_num,chartdate,icd_code,icd_version", len(adms), func(i int) []any {
		a := adms[i]
		return []any{a.subject, a.hadm, 1, sqlDate(a.in) + " 00:00:00", pick([]string{"02HV33Z", "0BH17EZ", "5A1955Z", "3E0436Z"}), 10}
	})
	ins("mimic_hosp.hcpcsevents", "subject_id,hadm_id,chartdate,hcpcs_cd,seq_num,short_description", len(adms), func(i int) []any {
		a := adms[i]
		c := synCPT[g.n(len(synCPT))]
		return []any{a.subject, a.hadm, sqlDate(a.in) + " 00:00:00", c[0], 1, c[1]}
	})
	ins("mimic_hosp.drgcodes", "subject_id,hadm_id,drg_type,drg_code,description,drg_severity,drg_mortality", len(adms), func(i int) []any {
		a := adms[i]
		return []any{a.subject, a.hadm, "APR", fmt.Sprint(100 + g.n(800)), pick([]string{"SEPTICEMIA & DISSEMINATED INFECTIONS", "HEART FAILURE", "PNEUMONIA"}), 1 + g.n(4), 1 + g.n(4)}
	})
	ins("mimic_hosp.labevents", "labevent_id,subject_id,hadm_id,specimen_id,itemid,charttime,storetime,value,valuenum,valueuom,ref_range_lower,ref_range_upper,flag,priority,comments",
		6*len(adms), func(i int) []any {
			a := adms[i/6]
			lab := labs[g.n(len(labs))]
			x := float64(int(g.rng.Float64()*200)) / 10
			at := a.in.Add(time.Duration(g.n(48)) * time.Hour)
			var comment any
			if g.n(4) == 0 {
				s := st[g.n(len(st))]
				comment = fmt.Sprintf("NOTIFIED DR. %s AT %s ON %s BY %s.", strings.ToUpper(s.last), at.Add(40*time.Minute).Format("15:04"), at.Format("01/02/2006"), strings.ToUpper(pick(synFirst)))
			}
			var flag any
			if g.n(3) == 0 {
				flag = "abnormal"
			}
			return []any{i + 1, a.subject, a.hadm, 50000000 + i/2, lab.id, ts(at), ts(at.Add(90 * time.Minute)), fmt.Sprint(x), x, "mg/dL", 0.5, 1.2, flag,
				pick([]string{"ROUTINE", "STAT"}), comment}
		})
	ins("mimic_hosp.microbiologyevents", "microevent_id,subject_id,hadm_id,micro_specimen_id,chartdate,charttime,spec_itemid,spec_type_desc,test_seq,storedate,storetime,test_itemid,test_name,org_itemid,org_name,isolate_num,quantity,ab_itemid,ab_name,dilution_text,dilution_comparison,dilution_value,interpretation,comments",
		len(adms), func(i int) []any {
			a := adms[i]
			at := a.in.Add(3 * time.Hour)
			comment := pick([]string{"No growth.", "Mixed bacterial flora.", fmt.Sprintf("Reported to and read back by %s %s (RN) %s @ %s.", pick(synFirst), pick(synLast), at.AddDate(0, 0, 2).Format("1/2/2006"), "13:25")})
			return []any{i + 1, a.subject, a.hadm, 60000000 + i, sqlDate(at) + " 00:00:00", ts(at), 70012, "BLOOD CULTURE", 1, sqlDate(at.AddDate(0, 0, 2)) + " 00:00:00",
				ts(at.AddDate(0, 0, 2)), 90201, "Blood Culture, Routine", 80293, pick([]string{"STAPH AUREUS COAG +", "ESCHERICHIA COLI", ""}), 1, "", 90015,
				pick([]string{"VANCOMYCIN", "CEFAZOLIN"}), "<=1", "=", 1, pick([]string{"S", "R", "I"}), comment}
		})
	ins("mimic_hosp.omr", "subject_id,chartdate,seq_num,result_name,result_value", 2*n, func(i int) []any {
		p := pp[i/2]
		name, val := "Blood Pressure", fmt.Sprintf("%d/%d", 100+g.n(70), 60+g.n(40))
		if i%2 == 1 {
			name, val = "Weight (Lbs)", fmt.Sprint(100+g.n(150))
		}
		return []any{subject(p), sqlDate(g.visitDate(p)) + " 00:00:00", 1, name, val}
	})
	ins("mimic_hosp.poe", "poe_id,poe_seq,subject_id,hadm_id,ordertime,order_type,order_subtype,transaction_type,discontinue_of_poe_id,discontinued_by_poe_id,order_status",
		2*len(adms), func(i int) []any {
			a := adms[i/2]
			return []any{fmt.Sprintf("%d-%d", a.subject, 10+i), 10 + i, a.subject, a.hadm, ts(a.in.Add(time.Duration(g.n(20)) * time.Hour)),
				pick([]string{"Medications", "Lab", "General Care", "ADT orders"}), nil, "New", nil, nil, pick([]string{"Active", "Inactive"})}
		})
	ins("mimic_hosp.poe_detail", "poe_id,poe_seq,subject_id,field_name,field_value", len(adms), func(i int) []any {
		a := adms[i]
		return []any{fmt.Sprintf("%d-%d", a.subject, 10+2*i), 10 + 2*i, a.subject, pick([]string{"Admit to", "Code status", "Discharge Planning"}),
			pick([]string{"Medicine", "Full code", "Finalized", "DNR / DNI"})}
	})
	ins("mimic_hosp.pharmacy", "subject_id,hadm_id,pharmacy_id,poe_id,starttime,stoptime,medication,proc_type,status,entertime,verifiedtime,route,frequency,disp_sched,infusion_type,sliding_scale,lockout_interval,basal_rate,one_hr_max,doses_per_24_hrs,duration,duration_interval,expiration_value,expiration_unit,expirationdate,dispensation,fill_quantity",
		len(adms), func(i int) []any {
			a := adms[i]
			rx := synRx[g.n(len(synRx))]
			start := a.in.Add(2 * time.Hour)
			return []any{a.subject, a.hadm, 70000000 + i, fmt.Sprintf("%d-%d", a.subject, 10+2*i), ts(start), ts(a.out), rx.name, "Unit Dose", "Discontinued",
				ts(start.Add(-time.Hour)), ts(start.Add(-30 * time.Minute)), "PO", "BID", "08, 20", nil, nil, nil, nil, nil, 2, 7, "Days", 36, "Hours",
				ts(start.Add(36 * time.Hour)), "Floor Stock Item", nil}
		})
	ins("mimic_hosp.prescriptions", "subject_id,hadm_id,pharmacy_id,poe_id,poe_seq,starttime,stoptime,drug_type,drug,formulary_drug_cd,gsn,ndc,prod_strength,form_rx,dose_val_rx,dose_unit_rx,form_val_disp,form_unit_disp,doses_per_24_hrs,route",
		len(adms), func(i int) []any {
			a := adms[i]
			rx := synRx[g.n(len(synRx))]
			return []any{a.subject, a.hadm, 70000000 + i, fmt.Sprintf("%d-%d", a.subject, 10+2*i), 10 + 2*i, ts(a.in.Add(2 * time.Hour)), ts(a.out), "MAIN", rx.name,
				strings.ToUpper(strings.Fields(rx.name)[0][:4]) + "500", fmt.Sprintf("%06d", g.n(1000000)), fmt.Sprintf("%011d", g.n(1<<31)), rx.name, nil, "500", "mg", "1", "TAB", 2, "PO"}
		})
	ins("mimic_hosp.emar", "subject_id,hadm_id,emar_id,emar_seq,poe_id,pharmacy_id,charttime,medication,event_txt,scheduletime,storetime", 2*len(adms), func(i int) []any {
		a := adms[i/2]
		at := a.in.Add(time.Duration(3+g.n(40)) * time.Hour)
		return []any{a.subject, a.hadm, fmt.Sprintf("%d-%d", a.subject, 100+i), 100 + i, fmt.Sprintf("%d-%d", a.subject, 10+i), 70000000 + i/2, ts(at),
			synRx[g.n(len(synRx))].name, pick([]string{"Administered", "Not Given", "Flushed"}), ts(at.Add(-10 * time.Minute)), ts(at.Add(2 * time.Minute))}
	})

	// ICU: a stay for half the admissions.
	var stays []adm
	for i, a := range adms {
		if i%2 == 0 {
			stays = append(stays, a)
		}
	}
	ins("mimic_icu.icustays", "subject_id,hadm_id,stay_id,first_careunit,last_careunit,intime,outtime,los", len(stays), func(i int) []any {
		a := stays[i]
		unit := pick([]string{"Medical Intensive Care Unit (MICU)", "Surgical Intensive Care Unit (SICU)", "Coronary Care Unit (CCU)"})
		return []any{a.subject, a.hadm, a.stay, unit, unit, ts(a.in.Add(3 * time.Hour)), ts(a.out.Add(-3 * time.Hour)), a.out.Sub(a.in).Hours()/24 - 0.25}
	})
	ins("mimic_icu.chartevents", "subject_id,hadm_id,stay_id,charttime,storetime,itemid,value,valuenum,valueuom,warning", 8*len(stays), func(i int) []any {
		a := stays[i/8]
		at := a.in.Add(time.Duration(4+i%8) * time.Hour)
		v := 60 + g.n(80)
		return []any{a.subject, a.hadm, a.stay, ts(at), ts(at.Add(5 * time.Minute)), []int{220045, 220179}[i%2], fmt.Sprint(v), v, []string{"bpm", "mmHg"}[i%2], 0}
	})
	ins("mimic_icu.datetimeevents", "subject_id,hadm_id,stay_id,charttime,storetime,itemid,value,valueuom,warning", len(stays), func(i int) []any {
		a := stays[i]
		at := a.in.Add(6 * time.Hour)
		return []any{a.subject, a.hadm, a.stay, ts(at), ts(at.Add(10 * time.Minute)), 225054, ts(at.Add(-2 * time.Hour)), "Date and Time", 0}
	})
	ins("mimic_icu.inputevents", "subject_id,hadm_id,stay_id,starttime,endtime,storetime,itemid,amount,amountuom,rate,rateuom,orderid,linkorderid,ordercategoryname,secondaryordercategoryname,ordercomponenttypedescription,ordercategorydescription,patientweight,totalamount,totalamountuom,isopenbag,continueinnextdept,statusdescription,originalamount,originalrate",
		2*len(stays), func(i int) []any {
			a := stays[i/2]
			at := a.in.Add(time.Duration(4+g.n(20)) * time.Hour)
			amt := float64(50 * (1 + g.n(20)))
			return []any{a.subject, a.hadm, a.stay, ts(at), ts(at.Add(time.Hour)), ts(at.Add(70 * time.Minute)), 225158, amt, "ml", amt, "mL/hour", 8000000 + i, 8000000 + i,
				"02-Fluids (Crystalloids)", "Additive (Crystalloid)", "Main order parameter", "Continuous IV", float64(50 + g.n(70)), amt, "ml", 0, 0, "FinishedRunning", amt, amt}
		})
	ins("mimic_icu.ingredientevents", "subject_id,hadm_id,stay_id,starttime,endtime,storetime,itemid,amount,amountuom,rate,rateuom,orderid,linkorderid,statusdescription,originalamount,originalrate",
		len(stays), func(i int) []any {
			a := stays[i]
			at := a.in.Add(5 * time.Hour)
			return []any{a.subject, a.hadm, a.stay, ts(at), ts(at.Add(time.Hour)), ts(at.Add(65 * time.Minute)), 220490, 100.0, "ml", 100.0, "mL/hour", 9000000 + i, 9000000 + i, "FinishedRunning", 100.0, 100.0}
		})
	ins("mimic_icu.outputevents", "subject_id,hadm_id,stay_id,charttime,storetime,itemid,value,valueuom", 2*len(stays), func(i int) []any {
		a := stays[i/2]
		at := a.in.Add(time.Duration(6+i%2*6) * time.Hour)
		return []any{a.subject, a.hadm, a.stay, ts(at), ts(at.Add(15 * time.Minute)), 226559, float64(50 + g.n(500)), "ml"}
	})
	ins("mimic_icu.procedureevents", "subject_id,hadm_id,stay_id,starttime,endtime,storetime,itemid,value,valueuom,location,locationcategory,orderid,linkorderid,ordercategoryname,ordercategorydescription,patientweight,isopenbag,continueinnextdept,statusdescription,originalamount,originalrate",
		len(stays), func(i int) []any {
			a := stays[i]
			at := a.in.Add(2 * time.Hour)
			return []any{a.subject, a.hadm, a.stay, ts(at), ts(at.Add(72 * time.Hour)), ts(at.Add(20 * time.Minute)), 224263, 4320.0, "min",
				pick([]string{"Left IJ", "Right Subclavian", "Left Antecubital"}), "Invasive Venous", 9500000 + i, 9500000 + i, "Invasive Lines", "Task", float64(50 + g.n(70)), 0, 0, "FinishedRunning", 4320.0, 1.0}
		})
}
