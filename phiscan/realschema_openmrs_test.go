package phiscan

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

// TestRealSchemaOpenMRS loads OpenMRS's core person, patient, encounter,
// visit, obs, users, provider and location tables (written from its
// liquibase changesets) into MariaDB, fills them with synthetic patients
// and clinicians (who are persons too, as in OpenMRS), and scores the scan
// against openmrs/labels.csv.
func TestRealSchemaOpenMRS(t *testing.T) {
	d := testdb.DialectMySQL
	db, _ := testdb.Open(t, d)
	loadRealDDL(t, db, "openmrs", "ddl.sql", true, nil, nil)
	fillOpenMRS(t, db, d, 500)
	// Floors: the scores of today (23/39, 23/54, 21/39).
	runRealSchema(t, db, string(d), "openmrs", realFloors{recallPossiblePHI: 1.0, precisionPossiblePHI: 0.974, recallPossibleNone: 0.974, staffOrg: 0.666})
}

func fillOpenMRS(t *testing.T, db *sql.DB, d testdb.Dialect, n int) {
	t.Helper()
	g := newSynth(801)
	pp := g.people(n)
	st := g.staff(20)
	pick := g.pick
	ins := func(table string, cols string, rows int, row func(int) []any) {
		var qc []string
		for _, c := range strings.Split(cols, ",") {
			qc = append(qc, "`"+c+"`")
		}
		insertRows(t, db, d, table, qc, rows, row)
	}
	uuid := func() string {
		return fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", g.rng.Uint32(), g.n(1<<16), g.n(1<<12), g.n(1<<12), g.rng.Uint64()&(1<<48-1))
	}
	created := func(p person) string { return sqlTS(g.clock(g.visitDate(p))) }
	// openmrsID looks like an OpenMRS ID: digits and a base-30 check
	// character (not computed with OpenMRS's Luhn mod 30).
	openmrsID := func(i int) string {
		return fmt.Sprintf("%d%s", 100000+i*7, string("0123456789ACDEFGHJKLMNPRTUVWXY"[(i*7)%30]))
	}

	// Stock rows of a fresh install.
	ins("encounter_type", "encounter_type_id,name,description,creator,date_created,retired,uuid", 4, func(i int) []any {
		return []any{i + 1, []string{"ADULTINITIAL", "ADULTRETURN", "Vitals", "Visit Note"}[i], "Encounter type " + fmt.Sprint(i+1), 1, "2010-01-01 00:00:00", 0, uuid()}
	})
	ins("visit_type", "visit_type_id,name,description,creator,date_created,retired,uuid", 2, func(i int) []any {
		return []any{i + 1, []string{"Facility Visit", "Home Visit"}[i], "", 1, "2010-01-01 00:00:00", 0, uuid()}
	})
	ins("patient_identifier_type", "patient_identifier_type_id,name,description,format,check_digit,creator,date_created,required,validator,retired,uuid", 2, func(i int) []any {
		return []any{i + 1, []string{"OpenMRS ID", "SSN"}[i], []string{"OpenMRS patient identifier, with check-digit", "US Social Security Number"}[i], "", 1 - i, 1,
			"2010-01-01 00:00:00", 1 - i, "org.openmrs.patient.impl.LuhnIdentifierValidator", 0, uuid()}
	})
	attrTypes := []string{"Telephone Number", "Mother's Name", "Birthplace", "Civil Status", "Health Center"}
	ins("person_attribute_type", "person_attribute_type_id,name,description,format,searchable,creator,date_created,retired,uuid", len(attrTypes), func(i int) []any {
		return []any{i + 1, attrTypes[i], "The " + strings.ToLower(attrTypes[i]) + " of this person", "java.lang.String", 0, 1, "2010-01-01 00:00:00", 0, uuid()}
	})

	// Locations (organisation).
	const locs = 6
	ins("location", "location_id,name,description,address1,address2,city_village,state_province,postal_code,country,latitude,longitude,creator,date_created,county_district,retired,uuid",
		locs, func(i int) []any {
			c := synCities[i]
			return []any{i + 1, []string{"Amani Hospital", "Inpatient Ward", "Outpatient Clinic", "Pharmacy", "Laboratory", "Isolation Ward"}[i],
				"Unknown location", fmt.Sprintf("%d Hospital Rd", 10+i), "", c.city, c.state, c.zip + "00", "USA", fmt.Sprintf("%.4f", 30+float64(i)), fmt.Sprintf("%.4f", -90-float64(i)),
				1, "2010-01-01 00:00:00", c.county, 0, uuid()}
		})

	// Persons: the patients, then the staff.
	total := n + len(st)
	ins("person", "person_id,gender,birthdate,birthdate_estimated,dead,death_date,cause_of_death,creator,date_created,changed_by,date_changed,voided,voided_by,date_voided,void_reason,uuid",
		total, func(i int) []any {
			if i >= n {
				return []any{i + 1, []string{"F", "M"}[i%2], sqlDate(g.date(1955, 1995)), 0, 0, nil, nil, 1, "2012-03-01 09:00:00", nil, nil, 0, nil, nil, nil, uuid()}
			}
			p := pp[i]
			var death, cause, changed, changedBy any
			dead := 0
			if p.dead != nil {
				death, cause, dead = sqlTS(g.clock(*p.dead)), 5002+g.n(3), 1
			}
			if g.n(3) == 0 {
				changed, changedBy = created(p), 1+g.n(len(st))
			}
			return []any{i + 1, p.sex, sqlDate(p.dob), g.n(10) / 9, dead, death, cause, 1 + g.n(len(st)), created(p), changedBy, changed, 0, nil, nil, nil, uuid()}
		})
	ins("person_name", "person_name_id,preferred,person_id,prefix,given_name,middle_name,family_name_prefix,family_name,family_name2,family_name_suffix,degree,creator,date_created,voided,changed_by,date_changed,uuid",
		total, func(i int) []any {
			if i >= n {
				s := st[i-n]
				return []any{i + 1, 1, i + 1, "Dr.", s.first, nil, nil, s.last, nil, nil, s.title, 1, "2012-03-01 09:00:00", 0, nil, nil, uuid()}
			}
			p := pp[i]
			var fam2, changed any
			if g.n(6) == 0 {
				fam2 = pick(synLast)
			}
			if g.n(5) == 0 {
				changed = created(p)
			}
			return []any{i + 1, 1, i + 1, map[string]string{"F": "Mrs.", "M": "Mr."}[p.sex], p.first, nullIf(p.middle), nil, p.last, fam2, nil, nil,
				1 + g.n(len(st)), created(p), 0, nil, changed, uuid()}
		})
	ins("person_address", "person_address_id,person_id,preferred,address1,address2,city_village,state_province,postal_code,country,latitude,longitude,start_date,end_date,creator,date_created,voided,county_district,date_changed,changed_by,uuid",
		n, func(i int) []any {
			p := pp[i]
			apt := ""
			if g.n(4) == 0 {
				apt = fmt.Sprintf("Apt %d", 1+g.n(40))
			}
			var end any
			if g.n(8) == 0 {
				end = created(p)
			}
			return []any{i + 1, i + 1, 1, p.street, nullIf(apt), p.city, p.state, p.zip, "USA", fmt.Sprintf("%.5f", p.lat), fmt.Sprintf("%.5f", p.lon),
				created(p), end, 1, created(p), 0, p.county, nil, nil, uuid()}
		})
	ins("person_attribute", "person_attribute_id,person_id,value,person_attribute_type_id,creator,date_created,voided,uuid", 3*n, func(i int) []any {
		p := pp[i/3]
		typ := 1 + (i%3)*[]int{1, 1, 2}[i%3]
		val := p.phone
		switch typ {
		case 2:
			val = pick(synFirst) + " " + p.last
		case 5:
			val = pick([]string{"Amani Hospital", "Outpatient Clinic"})
		}
		if i%3 == 1 && g.n(2) == 0 {
			typ, val = 3, pick([]string{"Chicago, IL", "Guadalajara", "Manila", "Lagos", "Springfield, IL"})
		}
		return []any{i + 1, p.id, val, typ, 1, created(p), 0, uuid()}
	})
	ins("patient", "patient_id,tribe,creator,date_created,changed_by,date_changed,voided", n, func(i int) []any {
		p := pp[i]
		var changed any
		if g.n(4) == 0 {
			changed = created(p)
		}
		return []any{i + 1, nil, 1, created(p), nil, changed, 0}
	})
	ins("patient_identifier", "patient_identifier_id,patient_id,identifier,identifier_type,preferred,location_id,creator,date_created,voided,uuid", 2*n, func(i int) []any {
		p := pp[i/2]
		if i%2 == 1 {
			return []any{i + 1, p.id, p.ssn, 2, 0, 1, 1, created(p), 0, uuid()}
		}
		return []any{i + 1, p.id, openmrsID(i / 2), 1, 1, 1 + g.n(locs), 1, created(p), 0, uuid()}
	})

	// Staff: users and providers (persons n+1 ...).
	ins("users", "user_id,system_id,username,password,salt,secret_question,secret_answer,creator,date_created,changed_by,date_changed,person_id,retired,uuid",
		len(st), func(i int) []any {
			s := st[i]
			return []any{i + 1, fmt.Sprintf("%d-%d", i+1, (i+1)*7%10), s.username, fmt.Sprintf("%0128x", g.rng.Uint64()), fmt.Sprintf("%0128x", g.rng.Uint64()),
				nil, nil, 1, "2012-03-01 09:00:00", nil, nil, n + i + 1, 0, uuid()}
		})
	ins("provider", "provider_id,person_id,name,identifier,creator,date_created,retired,uuid", len(st), func(i int) []any {
		s := st[i]
		return []any{i + 1, n + i + 1, s.first + " " + s.last, fmt.Sprintf("PRV%04d", 100+i), 1, "2012-03-01 09:00:00", 0, uuid()}
	})

	// Visits, encounters, observations and notes.
	type enc struct {
		id, pid int
		at      time.Time
		p       person
	}
	encs := make([]enc, 2*n)
	for i := range encs {
		p := pp[i/2]
		encs[i] = enc{id: i + 1, pid: p.id, at: g.clock(g.visitDate(p)), p: p}
	}
	ins("visit", "visit_id,patient_id,visit_type_id,date_started,date_stopped,location_id,creator,date_created,voided,uuid", len(encs), func(i int) []any {
		e := encs[i]
		return []any{e.id, e.pid, 1, sqlTS(e.at), sqlTS(e.at.Add(time.Duration(30+g.n(200)) * time.Minute)), 1 + g.n(locs), 1 + g.n(len(st)), sqlTS(e.at), 0, uuid()}
	})
	ins("encounter", "encounter_id,encounter_type,patient_id,provider_id,location_id,form_id,encounter_datetime,creator,date_created,voided,visit_id,uuid", len(encs), func(i int) []any {
		e := encs[i]
		return []any{e.id, 1 + g.n(4), e.pid, 1 + g.n(len(st)), 1 + g.n(locs), nil, sqlTS(e.at), 1 + g.n(len(st)), sqlTS(e.at.Add(10 * time.Minute)), 0, e.id, uuid()}
	})
	ins("obs", "obs_id,person_id,concept_id,encounter_id,order_id,obs_datetime,location_id,obs_group_id,accession_number,value_coded,value_datetime,value_numeric,value_text,comments,creator,date_created,voided,uuid",
		4*len(encs), func(i int) []any {
			e := encs[i/4]
			var acc, coded, vdt, num, text, comment any
			concept := 5089
			switch i % 4 {
			case 0:
				concept, num = 5089, float64(40+g.n(80))
			case 1:
				concept, num = 887, float64(70+g.n(180))
				acc = fmt.Sprintf("LAB-%d-%06d", e.at.Year(), g.n(1000000))
			case 2:
				concept, vdt = 5096, sqlTS(e.at.AddDate(0, 1+g.n(3), 0))
				if g.n(3) == 0 {
					concept, vdt = 1427, sqlTS(e.at.AddDate(0, 0, -g.n(40)))
				}
			default:
				concept = 162169
				text = g.note(e.p, e.at, "Dr. "+st[g.n(len(st))].last)
				if g.n(2) == 0 {
					coded = 1065
				}
			}
			if g.n(8) == 0 {
				comment = fmt.Sprintf("%s's %s present at visit", e.p.first, strings.ToLower(e.p.contactRel))
			}
			return []any{i + 1, e.pid, concept, e.id, nil, sqlTS(e.at), 1 + g.n(locs), nil, acc, coded, vdt, num, text, comment, 1 + g.n(len(st)),
				sqlTS(e.at.Add(15 * time.Minute)), 0, uuid()}
		})
	ins("note", "note_id,note_type,patient_id,obs_id,encounter_id,text,priority,parent,creator,date_created,uuid", n, func(i int) []any {
		e := encs[2*i]
		return []any{i + 1, pick([]string{"clinical", "telephone", "social work"}), e.pid, nil, e.id, g.note(e.p, e.at, "Dr. "+st[g.n(len(st))].last), g.n(3), nil,
			1 + g.n(len(st)), sqlTS(e.at.Add(time.Hour)), uuid()}
	})
}
