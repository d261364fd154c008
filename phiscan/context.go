package phiscan

import (
	"slices"
	"strings"
)

// Table context beyond the words of the table's name: links to patients,
// tables of staff, of organisations and of a patient's employer.
//
// A context rule lowers the confidence of a column or explains a "none";
// it never silences a table that is linked to a patient (docs/SCAN.md,
// "How columns are judged").

// weakLogWords name tables of events that, with a link to a patient, are
// clinical events rather than system logs: "openemr_postcalendar_events"
// (appointments), "procedure_events", "clinical_event", "activity".
var weakLogWords = wordSet("event", "events", "activity", "activities", "service", "services", "request",
	"requests", "monitor", "monitoring")

// staffTables name tables of the people who work at a site.
var staffTables = wordSet("user", "users", "staff", "provider", "providers", "physician", "physicians",
	"clinician", "clinicians", "practitioner", "practitioners", "caregiver", "caregivers", "prescriber",
	"prescribers", "doctor", "doctors", "nurse", "nurses", "personnel", "workforce", "employee", "employees",
	"prov", "ser")

// orgTables name tables of organisations that facilityContext misses.
var orgTables = wordSet("pharmacy", "pharmacies", "insurer", "insurers", "payer", "payers", "care_site",
	"facility", "facilities", "organization", "organisation", "organizations", "organisations")

// employerTables name tables about a person's employer.
var employerTables = wordSet("employer", "employers", "employment", "occupation")

// productSiblings mark rows that list lots or products.
var productSiblings = wordSet("lot", "batch", "manufacturer", "mfr", "ndc", "cvx", "udi", "labeler")

// weakOrgWords name tables of places that need not be organisations'.
var weakOrgWords = wordSet("location", "locations", "site", "sites", "unit", "units", "building", "buildings")

// weakOrgTable reports a table whose only organisation word is a weak one.
func weakOrgTable(tt []string) bool {
	weak := false
	for i, t := range tt {
		switch {
		case weakOrgWords[t]:
			weak = true
		case facilityContext[t] || orgTables[t] || i > 0 && orgTables[tt[i-1]+"_"+t]:
			return false
		}
	}
	return weak
}

// hasNameColumn reports a sibling that names the row ("name",
// "facility_name", "site_nm", "title").
func hasNameColumn(columns []string, self string) bool {
	for _, col := range columns {
		if col == self {
			continue
		}
		for _, t := range analyzeName(col, nil).tokens {
			if t == "name" || t == "nm" || t == "title" || t == "description" || t == "desc" {
				return true
			}
		}
	}
	return false
}

// identifierTable reports a table of a person's identifiers, one per
// row, in a column with a generic name: OpenMRS's
// patient_identifier.identifier.
func identifierTable(tt []string) bool {
	person, ids := false, false
	for _, t := range tt {
		person = person || linkHeads[t]
		ids = ids || t == "identifier" || t == "identifiers" || t == "ids"
	}
	return person && ids
}

// refine adds what the links and the table's kind say.
func (ctx *tableContext) refine(table string, columns []string, self string) {
	tt := SplitColumnName(table)
	ctx.linkCol = tableLink(columns, self)
	ctx.linked = ctx.linkCol != ""
	strongLog := false
	for i, t := range tt {
		if logContext[t] && !weakLogWords[t] {
			strongLog = true
		}
		if staffTables[t] {
			ctx.staff = true
		}
		if orgTables[t] || i > 0 && orgTables[tt[i-1]+"_"+t] {
			ctx.org = true
		}
		if employerTables[t] {
			ctx.employer = true
		}
	}
	for _, col := range columns {
		if col == self {
			continue
		}
		for _, t := range analyzeName(col, nil).tokens {
			if productSiblings[t] {
				ctx.product = true
			}
		}
	}
	if ctx.org && !ctx.linked && !ctx.person && weakOrgTable(tt) && !hasNameColumn(columns, self) {
		// OMOP's "location", OpenMRS's "person_address": a table of
		// addresses that names no organisation may be people's.
		ctx.org = false
	}
	ctx.strongLog = strongLog
	if ctx.linked {
		ctx.person = true
		if !strongLog {
			// Events of a patient are clinical events.
			ctx.log = false
		}
	}
	if !ctx.linked {
		ctx.employer = false
	}
	ctx.idTable = identifierTable(tt)
	if ctx.staff {
		for _, t := range tt {
			if personContext[t] || t == "portal" {
				// "patient_portal_users", "member_users": patients.
				ctx.staff = false
			}
		}
	}
}

// Subjects of a column's identifiers, reported in ColumnReport.Subject.
const (
	SubjectPatient      = "patient"
	SubjectStaff        = "staff"
	SubjectOrganisation = "organisation"
)

// staffNameWords mark a column about a member of staff within any table:
// "attending_name", "prescriber", "ordering_provider", "entered_by".
var staffNameWords = wordSet("provider", "prov", "physician", "doctor", "dr", "md", "attending", "attg",
	"referring", "ordering", "rendering", "prescriber", "surgeon", "pcp", "nurse", "rn", "staff", "clinician",
	"caregiver", "practitioner", "author", "signer", "cosigner", "signed", "entered", "performed", "ordered",
	"reviewed", "approved", "creator", "employee", "emp", "technician", "tech",
	"therapist", "pharmacist", "resident_physician")

// orgColumnWords mark a column about an organisation within any table:
// "facility_name", "pharmacy_phone", "insurer_address".
var orgColumnWords = wordSet("facility", "fac", "pharmacy", "insurer", "payer", "payor", "carrier", "clinic",
	"hospital", "lab", "laboratory", "vendor", "company", "organization", "organisation", "org", "practice",
	"care_site", "site", "location", "dept", "department")

// contactTypes are the types whose subject a column's name can tell: a
// name, an address or a number to reach someone.
var contactTypes = wordSet("name", "first_name", "last_name", "address", "city", "zip", "phone", "fax", "email",
	"url")

// subject says whose identifiers a column holds, given its verdict.
func (c *Classifier) subject(v Verdict, types []string) string {
	if v == VerdictNone {
		return ""
	}
	contact := false
	for _, t := range types {
		switch {
		case t == "employer":
			return SubjectPatient
		case t == "npi" || t == "dea":
			return SubjectStaff
		case contactTypes[t]:
			contact = true
		}
	}
	if contact {
		// "pharmacy_phone" is a pharmacy's; "location_source_value" in
		// the table "location" is whoever the table's row is about.
		own := SplitColumnName(c.table)
		for _, t := range c.col.tokens {
			if orgColumnWords[t] && !slices.Contains(own, t) {
				return SubjectOrganisation
			}
		}
		for _, t := range c.col.tokens {
			if staffNameWords[t] {
				return SubjectStaff
			}
		}
		// Names written with a clinician's title ("Dr. Ann Lee",
		// "Ann Lee, MD") are the clinicians'.
		if contactName(types) && c.nonNull > 0 && 2*c.counts[cClinicianTitle] >= c.nonNull {
			return SubjectStaff
		}
		// "administered_by", "referredby", "performed_by": who did it.
		if n := len(c.col.tokens); n > 0 && strings.HasSuffix(c.col.tokens[n-1], "by") && contactName(types) {
			return SubjectStaff
		}
	}
	switch {
	case c.ctx.staff:
		return SubjectStaff
	case c.ctx.org && !c.ctx.person:
		return SubjectOrganisation
	}
	return SubjectPatient
}

// explain adds to a report what the context did: the subject of the
// identifiers, the rule that forced a "none" or lowered the confidence,
// and, as evidence of check "name_only", that the verdict rests on the
// column name alone.
func (c *Classifier) explain(r *ColumnReport, removed []candidate) {
	r.Subject = c.subject(r.Verdict, r.Types)
	if c.nonNull == 0 && r.Verdict != VerdictNone {
		r.Evidence = append(r.Evidence, Evidence{Check: "name_only", Type: r.Types[0], Share: 0,
			Detail: "no values to check: the verdict rests on the column name alone"})
	}
	if r.Verdict == VerdictNone {
		for _, cd := range removed {
			if cd.conf < possibleThreshold {
				continue
			}
			why := "organisation table"
			if !c.ctx.org {
				why = "reference table"
			}
			r.Subject = SubjectOrganisation
			switch {
			case c.ctx.ref && c.ctx.geo && !c.ctx.org:
				r.Subject = ""
				why = "reference list of places"
			case cd.typ == "city" && c.ctx.aggregate && !c.ctx.org && !c.ctx.ref:
				r.Subject = ""
				why = "table of counts"
			}
			r.Evidence = append(r.Evidence, Evidence{Check: "context", Type: cd.typ, Share: 1,
				Detail: why + " without a link to a patient: " + cd.typ + " values judged not a person's"})
			break
		}
	}
	if r.Verdict == VerdictNone && r.Subject == "" && c.ctx.org && !c.ctx.person && c.nonNull > 0 && c.namesRow() {
		r.Subject = SubjectOrganisation
		r.Evidence = append(r.Evidence, Evidence{Check: "context", Type: "name", Share: 1,
			Detail: "organisation table without a link to a patient: the organisation's name, not a person's"})
	}
	if why := c.dateContext(); why != "" {
		r.Evidence = append(r.Evidence, Evidence{Check: "context", Type: "date", Share: round3(c.dateShare()),
			Detail: why})
	}
}

// dateShare is the share of non-empty values that are dates.
func (c *Classifier) dateShare() float64 {
	if c.nonNull == 0 {
		return 0
	}
	return float64(c.counts[cDate]+c.counts[cDatePartial]+c.counts[cDateInt]+c.counts[cDateSerial]) /
		float64(c.nonNull)
}

// dateContext explains a column of dates, or a date-named one, that a
// name or context rule judged not PHI or only possibly so; "" otherwise.
func (c *Classifier) dateContext() string {
	col, ctx := c.col, c.ctx
	named := col.typ == "date" || col.refDate || col.productDate
	if c.nonNull > 0 && c.dateShare() < 0.3 || c.nonNull == 0 && !named {
		return ""
	}
	typ, s := c.dateStrength()
	switch {
	case typ == "birth_date" || typ == "death_date":
		return ""
	case s > 0 && ctx.log && ctx.linked:
		return "log table linked to a patient by " + ctx.linkCol + ": dates judged possible, not silenced"
	case s > 0 && col.refDate:
		return "record timestamp in a table about patients: dates the patient's record (docs/SCAN.md)"
	case s > 0:
		return ""
	case col.refDate && col.lifecycle && ctx.staff:
		return "record timestamp in a table of staff: not about a patient (docs/SCAN.md)"
	case col.refDate && col.lifecycle:
		return "record timestamp in a table not about patients: book-keeping (docs/SCAN.md)"
	case col.refDate:
		return "data-load or version timestamp: book-keeping, not about a person (docs/SCAN.md)"
	case ctx.staff:
		return "table of staff: dates not about a patient"
	case col.productDate:
		return "date of a product or document (lot, information sheet), not about a person"
	case col.validityDate && col.expiry:
		return "expiry on a row that lists lots or products: the product's, not a person's"
	case ctx.log:
		return "log table: times of system events, not about a person"
	case ctx.ref:
		return "reference table without a link to a patient: dates of codes, not of a person"
	case ctx.org:
		return "organisation table without a link to a patient: dates not about a person"
	}
	return ""
}

func init() {
	// The employer of a patient, a relative or a subscriber is one of
	// the Safe Harbor identifiers; its values are companies' names.
	addTerms("employer", strongTerm, "employer", "employer_name", "employer_nm", "emplr_name", "employer_nme")
}

// colInContext reads the column name in the table's context: in a table
// of a linked person's employer, a bare "name" is the employer's.
func (c *Classifier) colInContext() {
	if c.ctx.employer && (c.col.term == "name" || c.col.term == "nm" || c.col.nonPersonName && c.col.typ == "") {
		c.col.typ, c.col.strength, c.col.term = "employer", strongTerm, "name"
	}
	if c.ctx.idTable && c.col.typ == "" && len(c.col.tokens) == 1 &&
		(c.col.tokens[0] == "identifier" || c.col.tokens[0] == "value" || c.col.tokens[0] == "number") {
		c.col.typ, c.col.strength, c.col.term = "mrn", strongTerm, c.col.tokens[0]
		c.col.idLike = false
	}
}

// namesRow reports a column that names the row: "name", "facility_name",
// "site_nm".
func (c *Classifier) namesRow() bool {
	toks := c.col.tokens
	if len(toks) == 0 {
		return false
	}
	last := toks[len(toks)-1]
	return last == "name" || last == "nm" || last == "nme"
}

// contactName reports a name among the types.
func contactName(types []string) bool {
	for _, t := range types {
		if t == "name" || t == "first_name" || t == "last_name" {
			return true
		}
	}
	return false
}
