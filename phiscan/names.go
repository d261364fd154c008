package phiscan

import (
	"slices"
	"strings"
	"sync"
	"unicode"
)

// Name-evidence strengths. A strong term ("ssn", "dob") makes a column PHI
// on its own when the values do not contradict it; a weak term ("name",
// "date", "patient_id") only makes it possible, the values decide.
const (
	weakTerm   = 0.45
	strongTerm = 0.8
	siteTerm   = 0.85
)

// SplitColumnName splits a column name into lower-case tokens at
// punctuation, snake_case and kebab-case separators, camelCase humps,
// acronym boundaries ("PTName" -> pt, name) and letter/digit boundaries
// ("addr1" -> addr, 1). Name terms are matched against whole tokens only,
// so "mRNA_level" (m, rna, level) never matches "mrn".
func SplitColumnName(name string) []string {
	var toks []string
	rs := []rune(name)
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			toks = append(toks, strings.ToLower(string(rs[start:end])))
		}
		start = -1
	}
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush(i)
			continue
		}
		if start < 0 {
			start = i
			continue
		}
		p := rs[i-1]
		switch {
		case unicode.IsDigit(r) != unicode.IsDigit(p):
			flush(i)
		case unicode.IsUpper(r) && unicode.IsLower(p):
			flush(i)
		case unicode.IsUpper(r) && unicode.IsUpper(p) && i+1 < len(rs) && unicode.IsLower(rs[i+1]):
			// "PTName": the hump starts at the last capital of a run.
			flush(i)
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(rs))
	return toks
}

// termDef is what a column-name term means.
type termDef struct {
	typ      string
	strength float64
}

// identifierTypes are the types whose columns are themselves numbers:
// "empi_id" and "mrn_key" are record numbers, while "address_id" is a
// key to an address row.
var identifierTypes = wordSet("ssn", "mrn", "npi", "dea", "mbi", "account", "credit_card", "device_id")

var idSuffixes = wordSet("id", "key", "code", "cd")

// nameTerms maps token sequences (joined with "_") to PHI types. Longer
// sequences win over their parts ("email_address" is not an address).
var nameTerms = map[string]termDef{}

func addTerms(typ string, strength float64, keys ...string) {
	for _, k := range keys {
		nameTerms[k] = termDef{typ, strength}
	}
}

func init() {
	addTerms("ssn", strongTerm, "ssn", "ssno", "ss_no", "ss_num", "ss_nbr", "ss_number", "ssnum", "socsec",
		"soc_sec", "soc_sec_no", "soc_sec_num", "soc_sec_nbr", "social_security", "social_security_no",
		"social_security_num", "social_security_number", "social_sec", "social_sec_no", "itin")
	addTerms("mrn", strongTerm, "mrn", "mrno", "mr_no", "mr_num", "mr_nbr", "mr_number", "medrec", "med_rec",
		"med_rec_no", "med_rec_num", "med_rec_nbr", "medical_record", "medical_record_no", "medical_record_num",
		"medical_record_nbr", "medical_record_number", "medical_rec_no", "chart_no", "chart_num", "chart_nbr",
		"chart_number", "chartno", "hosp_no", "hospital_no", "hospital_num", "hospital_number", "patient_no",
		"patient_num", "patient_nbr", "patient_number", "pat_no", "pat_num", "pat_nbr", "pt_no", "pt_num",
		"pt_nbr", "empi", "mpi", "cmrn", "emrn", "umrn", "uhid",
		// OpenEMR's public patient id is the record number shown to people.
		"pubpid", "pub_pid", "public_pid",
		// A payer's member number plays the part of the record number.
		"member_id", "member_no", "member_num", "member_nbr", "member_number", "mbr_id", "mbr_no", "mbr_num",
		"mbr_nbr", "subscriber_id", "subscriber_no", "subscriber_num", "subscriber_nbr", "cardholder_id",
		"cardholder_no", "cardholder_num", "beneficiary_id", "bene_id", "insured_id", "enrollee_id",
		"plan_member_id", "memb_id", "membid", "memb_no", "medicaid_id", "medicaid_no", "medicaid_num", "medicaid_number", "member_key_ext")
	addTerms("mrn", weakTerm, "patient_id", "pat_id", "pt_id", "patient_key", "person_id", "patientid",
		"patient_identifier", "pat_key", "ptid")
	addTerms("first_name", strongTerm, "fname", "first_name", "first_nm", "frst_nm", "fst_nm", "frst_name",
		"given_name", "given_nm", "forename", "first_nme", "fnm", "firstname", "name_first", "nm_first",
		"name_given")
	addTerms("last_name", strongTerm, "lname", "last_name", "last_nm", "lst_nm", "lst_name", "surname",
		"sur_name", "family_name", "family_nm", "maiden_name", "maiden_nm", "maiden", "lnm", "last_nme", "lastname", "name_last", "nm_last",
		"name_family")
	addTerms("name", strongTerm, "full_name", "full_nm", "fullname", "patient_name", "patient_nm", "pt_name",
		"pt_nm", "pat_name", "pat_nm", "person_name", "name_full", "name_middle", "nm_middle", "mname", "middle_name", "middle_nm", "nick_name",
		"nickname", "alias", "preferred_name", "legal_name", "mother_name", "father_name", "guarantor_name",
		"contact_name", "emergency_contact", "next_of_kin", "nok", "kin_name", "spouse_name", "guardian_name",
		"member_name", "subscriber_name", "insured_name", "patient_full_name", "display_name_patient")
	addTerms("name", strongTerm, "provider_name", "physician_name", "doctor_name", "attending", "attending_name",
		"attending_physician", "referring_physician", "ordering_provider", "rendering_provider",
		"prescriber_name", "surgeon", "surgeon_name", "pcp_name", "nurse_name", "employee_name", "emp_name",
		"staff_name")
	addTerms("name", weakTerm, "name", "nm", "nme", "initials", "middle_initial", "user_name", "username",
		"customer_name", "client_name", "owner_name", "signer", "signed_by", "recipient_name", "author",
		"performed_by", "ordered_by", "entered_by", "reviewed_by", "approved_by", "cosigner", "provider")
	addTerms("birth_date", strongTerm, "dob", "birth_date", "birth_dt", "birthdate", "date_of_birth",
		"dt_of_birth", "birthday", "bday", "birth_dttm", "birth_datetime", "birth_ts", "brth_dt", "bdate",
		"d_o_b", "birth_day")
	addTerms("birth_date", strongTerm, birthYearTerms...)
	addTerms("birth_date", weakTerm, "birth")
	addTerms("death_date", strongTerm, "dod", "death_date", "death_dt", "date_of_death", "dt_of_death",
		"deceased_date", "deceased_dt", "death_dttm", "death_datetime", "deathdate", "death_ts", "expired_date",
		"expiration_of_patient")
	addTerms("date", strongTerm, "dos", "date_of_service")
	addTerms("address", strongTerm, "address", "addr", "street", "street_address", "street_addr", "street_name",
		"residence", "home_address", "mailing_address", "mail_address", "po_box", "pobox", "address_line",
		"addr_line", "addr_ln", "street_line", "adrs", "adr")
	addTerms("address", weakTerm, "latitude", "longitude", "lat", "lon", "lng", "geocode", "geo_location",
		"geolocation", "coordinates", "apt", "apartment")
	addTerms("city", strongTerm, "city", "town", "county", "municipality", "precinct", "borough", "city_name",
		"county_name", "town_name", "city_nm", "cty")
	addTerms("zip", strongTerm, "zip", "zipcode", "zip_code", "zip_cd", "postal_code", "postal_cd", "postalcode",
		"postcode", "post_code", "zip5", "zip4", "zip9", "zip_plus_4", "zip_plus4", "zip_5", "zip_9")
	addTerms("phone", strongTerm, "phone", "phone_no", "phone_num", "phone_nbr", "phone_number", "phonenumber",
		"telephone", "tel", "tel_no", "telno", "tel_num", "ph_no", "ph_num", "phn", "mobile", "mobile_no",
		"mobile_number", "cell_phone", "cellphone", "cell_no", "cell_num", "cell_nbr", "cell_number",
		"home_phone", "work_phone", "contact_no", "contact_number", "contact_num", "pager", "beeper", "msisdn")
	addTerms("phone", weakTerm, "cell", "ph")
	addTerms("fax", strongTerm, "fax", "fax_no", "fax_num", "fax_nbr", "fax_number", "facsimile", "faxno")
	addTerms("email", strongTerm, "email", "e_mail", "email_address", "email_addr", "emailaddress", "emailaddr",
		"e_mail_address", "email_adr", "mail_address_email")
	addTerms("ip", strongTerm, "ip", "ip_address", "ip_addr", "ipaddr", "ipaddress", "ipv4", "ipv6", "client_ip",
		"remote_ip", "remote_addr", "src_ip", "source_ip")
	addTerms("url", strongTerm, "url", "uri", "website", "web_site", "homepage", "home_page", "web_address",
		"web_url", "web_addr", "referrer", "referer")
	addTerms("npi", strongTerm, "npi", "npi_number", "npi_no", "npi_num", "npi_nbr")
	addTerms("dea", strongTerm, "dea", "dea_no", "dea_num", "dea_nbr", "dea_number", "dea_registration")
	addTerms("mbi", strongTerm, "mbi", "medicare_id", "medicare_no", "medicare_num", "medicare_number", "hicn",
		"hic", "hic_no", "hicno", "hic_num", "hic_number", "medicare_beneficiary_id", "mbi_number")
	addTerms("credit_card", strongTerm, "credit_card", "credit_card_no", "credit_card_num", "credit_card_number",
		"cc_num", "cc_no", "cc_number", "card_number", "card_no", "card_num", "creditcard", "pan_number")
	addTerms("account", strongTerm, "account_no", "account_num", "account_nbr", "account_number", "acct_no",
		"acct_num", "acct_nbr", "acct_number", "acctno", "fin", "fin_nbr", "har", "billing_account",
		"bank_account", "iban", "policy_no", "policy_num", "policy_number", "policy_id",
		"insurance_id", "insurance_no", "insurance_number", "beneficiary_id", "health_plan_id",
		"drivers_license",
		"driver_license", "drivers_license_no", "driver_license_no", "dl_no", "dl_num", "dl_number",
		"license_no", "license_num", "license_number", "licence_no", "passport", "passport_no", "passport_num",
		"passport_number", "certificate_no", "certificate_number")
	addTerms("account", weakTerm, "account", "acct", "claim_no", "claim_number", "claim_id")
	addTerms("account", strongTerm, "guarantor_account", "guarantor_acct", "patient_account", "patient_acct",
		"pt_account", "pt_acct", "pat_account", "pat_acct", "hospital_account", "hosp_acct", "visit_account")
	addTerms("device_id", strongTerm, "device_id", "device_serial", "imei", "udi", "mac_address", "mac_addr",
		"vin", "license_plate", "plate_number", "plate_no", "implant_serial")
	addTerms("device_id", weakTerm, "serial_no", "serial_number", "serial_num")
	addTerms("free_text", weakTerm, "note", "notes", "comment", "comments", "cmt", "cmts", "narrative", "text",
		"remark", "remarks", "memo", "free_text", "freetext", "hpi", "impression", "findings", "message", "msg",
		"chief_complaint", "note_text", "clinical_note", "progress_note", "report_text", "body")
}

// Words that give a column name a meaning other than a PHI type.
var (
	// Qualifiers after a term that turn it into a property of the thing:
	// "email_verified", "phone_type", "address_id" are not contact data.
	negators = wordSet("type", "typ", "status", "stat", "flag", "flg", "ind", "indicator", "yn", "category",
		"cat", "desc", "description", "src", "source", "cnt", "count", "len", "length", "format", "fmt", "valid",
		"validated", "verified", "verify", "confirmed", "pref", "preference", "consent", "optin", "opt", "optout",
		"sent", "bounce", "bounced", "domain", "ext", "extension", "hash", "hashed", "encrypted", "token",
		"tokenized", "masked", "mask", "present", "exists", "missing", "available", "known", "unknown",
		"changed", "change", "id", "key", "fk", "seq", "rank", "code", "cd", "class", "prefix", "suffix",
		"order", "weight", "wt", "place", "country", "state", "plurality", "sex", "gender", "rate", "list",
		"group", "grp", "system", "sys", "version", "reason", "label", "title", "estimated", "estimate", "approx",
		"approximate", "accuracy")
	// Qualifiers before "name" that make it something other than a person.
	nonPersonQual = wordSet("table", "tbl", "column", "col", "field", "fld", "schema", "db", "database", "file",
		"drug", "med", "medication", "product", "brand", "generic", "facility", "hospital", "clinic", "org",
		"organization", "company", "vendor", "manufacturer", "mfr", "dept", "department", "unit", "ward", "site",
		"location", "loc", "test", "lab", "procedure", "proc", "plan", "payer", "payor", "insurer", "insurance",
		"program", "study", "protocol", "trial", "project", "host", "hostname", "server", "service", "app",
		"application", "device", "item", "category", "group", "class", "type", "state", "country", "region",
		"team", "role", "event", "disease", "diagnosis", "dx", "condition", "specialty", "practice", "pharmacy",
		"sponsor", "source", "attribute", "attr", "param", "parameter", "metric", "measure", "report", "form",
		"template", "queue", "job", "task", "code", "module", "package", "feature", "object", "entity",
		"resource", "document", "doc", "image", "tag", "label", "channel", "campaign", "short",
		"long", "common", "scientific", "chemical", "ingredient", "substance", "allergen", "vaccine", "order",
		"panel", "component", "analyte", "specimen", "instrument", "model", "index", "view", "function",
		"method", "path", "directory", "dir", "bucket", "key", "queue", "topic", "network", "vendor", "carrier",
		"employer", "school", "dataset", "data", "variable", "var", "sheet", "workbook", "category", "building",
		"floor", "room", "bed", "pos", "place", "zone", "district", "territory", "market", "division",
		"business", "firm", "agency", "lab", "laboratory", "assay", "kit", "lot", "batch", "manufacturer")
	// Tokens that mark a date column as about a person's care.
	eventDateWords = wordSet("admit", "admission", "admitted", "adm", "discharge", "discharged", "disch", "dsch",
		"dc", "enc", "encounter", "visit", "vst", "service", "svc", "srvc", "serv", "procedure", "proc",
		"surgery", "surg", "operation", "op", "appt", "appointment", "collection", "collected", "coll",
		"specimen", "spec", "lab", "test", "result", "order", "ordered", "exam", "dx", "diagnosis", "diag",
		"onset", "injury", "accident", "arrival", "arrive", "arrived", "departure", "transfer", "delivery",
		"vaccination", "vaccine", "vax", "immunization", "imm", "treatment", "tx", "therapy", "infusion",
		"dispense", "dispensed", "fill", "filled", "rx", "prescription", "prescribed", "claim", "followup",
		"follow", "consult", "referral", "scan", "imaging", "symptom", "incident", "hospitalization", "hosp", "ed", "er", "triage", "registration", "reg", "checkin", "check",
		"checkout", "surgical", "procedure", "administration", "admin", "dose", "death", "birth", "pregnancy", "lmp", "edd",
		"conception", "transplant", "biopsy", "screening", "observation", "obs", "note", "sign", "signed",
		"abstraction", "report", "reported", "diagnosed", "confirmed", "positive", "negative", "sample",
		"draw", "drawn", "seen", "contact", "exposure", "travel", "return")
	// Tokens that mark a date column as book-keeping, not about a person.
	// Tokens that mark a date as book-keeping about the row, never about
	// a person.
	systemDateWords = wordSet("created", "create", "creation", "crt", "updated", "update", "upd", "modified",
		"modify", "mod", "load", "loaded", "ld", "etl", "insert", "inserted", "ins", "version", "ver", "published",
		"publish", "pub", "snapshot", "batch", "run", "refresh", "refreshed", "sync", "synced", "import",
		"imported", "export", "exported", "extract", "extracted", "audit", "processed", "process", "deleted",
		"delete", "del", "archived", "archive", "entered", "entry", "row", "sys", "system", "db", "dw", "edw",
		"lastmod", "ingest", "ingested", "build", "built", "schema", "migration", "job", "partition", "cutover",
		"release", "stamp", "changed", "change", "last_modified", "asof", "voided", "void", "added")
	// Tokens that mark a date as the validity of a record: about the
	// person on a member's row (coverage), about the code on a reference
	// table.
	validityDateWords = wordSet("effective", "eff", "expiry", "expiration", "expire", "exp", "term", "beg",
		"termination", "termed", "valid", "validity", "approved", "approval", "review", "reviewed", "revised",
		"revision", "activated", "deactivated", "retired", "obsolete", "start", "end", "begin", "stop", "from",
		"thru", "through", "to", "coverage", "cov", "enroll", "enrollment", "disenroll", "disenrollment",
		"eligibility", "elig")
	dateWords = wordSet("date", "dt", "dte", "dttm", "datetime", "ts", "timestamp", "time", "tm", "day",
		"yyyymmdd", "mmddyyyy", "ddmmyyyy", "ymd", "mdy", "dmy")
	// Date words that only mean a date at the end of a name ("created_at").
	trailingDateWords = wordSet("at", "on", "when")
	yearWords         = wordSet("year", "yr", "yyyy", "yob")
	countWords        = wordSet("count", "cnt", "n", "total", "tot", "freq", "frequency", "tally", "counts",
		"cases", "numerator", "denominator", "num", "nbr", "number")
	measureWords = wordSet("lab", "result", "res", "value", "val", "level", "lvl", "amount", "amt", "qty",
		"quantity", "score", "measurement", "meas", "reading", "obs", "observation", "conc", "concentration",
		"titer", "price", "cost", "charge", "charges", "paid", "payment", "balance", "weight", "wt", "height",
		"ht", "bmi", "dose", "units", "unit", "volume", "vol", "rate", "pct", "percent", "ratio", "mean", "avg",
		"average", "sum", "min", "max", "std", "median", "glucose", "hgb", "wbc", "rbc", "plt", "sodium",
		"potassium", "creatinine", "bun", "alt", "ast", "ldl", "hdl", "a1c", "cholesterol", "bp", "systolic",
		"diastolic", "pulse", "hr", "temp", "temperature", "resp", "spo2", "o2", "sat", "mass", "size", "los",
		"duration", "minutes", "mins", "hours", "days", "seconds", "secs", "ms", "revenue", "salary", "income",
		"fee", "copay", "deductible", "allowed", "billed", "reimbursement", "estimate", "est", "index",
		"steps", "calories", "dosage", "strength")
	codeWords = wordSet("code", "cd", "cpt", "icd", "icd9", "icd10", "hcpcs", "ndc", "loinc", "snomed", "drg",
		"rev", "revenue", "dx", "px", "cpt4", "msdrg", "apr", "pos", "taxonomy", "naics", "sic", "fips", "rxnorm",
		"rxcui", "cvx", "mcc", "tob", "modifier", "mod", "status", "category", "class", "type", "grp", "group")
	idWords = wordSet("id", "key", "pk", "uuid", "guid", "seq", "sequence", "rowid", "row", "record", "study",
		"subject", "participant", "sample", "specimen", "hash", "token", "surrogate", "sk", "oid", "uid",
		"identifier", "ident", "idx")
	versionWords = wordSet("version", "ver", "rev", "revision", "build", "release", "firmware", "sw", "software",
		"os", "app", "schema", "api", "protocol", "semver")
	ageUnitNotYears = wordSet("months", "month", "mos", "mo", "mths", "days", "day", "weeks", "week", "wks", "wk",
		"hours", "hrs", "hr", "minutes")
	ageNot = wordSet("group", "grp", "band", "cat", "category", "range", "bucket", "bin", "class", "code", "cd",
		"flag", "ind", "indicator", "unit", "units", "uom", "type", "desc", "gestational", "gest", "bone",
		"page", "storage", "stage", "image", "file", "data", "record", "account", "mileage")
	// Prefixes glued onto a term in all-caps or all-lower names ("PTMRN").
	gluePrefixes = []string{"patient", "pat", "pt", "mbr", "member", "sub", "subscriber", "guarantor", "guar",
		"emergency", "ec", "mother", "father", "spouse", "nok", "home", "work", "primary", "secondary", "alt",
		"mailing", "billing", "contact", "person", "prsn", "per", "cur", "current", "prev", "previous", "orig",
		"original", "legal", "pref", "preferred", "resp", "responsible", "pcp", "prov", "provider", "ref",
		"referring", "attending", "client", "cust", "customer", "user", "emp", "employee", "stu", "student"}
	// Words table names and sibling columns use for medication, facility
	// and other non-person entities: a "name" column next to them is not a
	// person's name.
	drugContext = wordSet("dose", "dosage", "route", "ndc", "manufacturer", "mfr", "strength", "rxnorm", "rxcui",
		"formulary", "generic", "brand", "atc", "drug", "drugs", "medication", "medications", "med", "meds",
		"pharmacy", "product", "products", "package", "ingredient", "form", "dea_schedule", "schedule",
		"controlled", "sig", "frequency", "uom", "unit", "units", "tablet", "capsule", "vaccine", "cvx")
	facilityContext = wordSet("facility", "facilities", "hospital", "hospitals", "clinic", "clinics", "location",
		"locations", "site", "sites", "department", "departments", "dept", "ward", "wards", "beds", "bed",
		"organization", "organizations", "org", "orgs", "practice", "practices", "payer", "payers", "payor",
		"insurer", "insurers", "plan", "plans", "vendor", "vendors", "company", "companies", "employer",
		"employers", "lab", "labs", "laboratory", "laboratories", "ccn", "ownership", "taxonomy", "tin",
		"carrier", "carriers", "insurance",
		"building", "buildings", "unit", "units", "network", "networks", "agency", "agencies", "branch",
		"store", "stores", "warehouse", "supplier", "suppliers", "manufacturer", "manufacturers", "sponsor")
	refContext = wordSet("ref", "reference", "lookup", "lkp", "lu", "codes", "code", "dim", "dimension", "dict",
		"dictionary", "vocab", "vocabulary", "concept", "concepts", "calendar", "config", "configuration",
		"setting", "settings", "metadata", "meta", "catalog", "catalogue", "version", "versions", "etl", "map",
		"mapping", "crosswalk", "xwalk", "master", "taxonomy", "schema", "migration", "migrations",
		"release", "releases", "fee", "schedule", "formulary")
	personContext = wordSet("patient", "patients", "pt", "pat", "person", "persons", "people", "member",
		"members", "subscriber", "subscribers", "encounter", "encounters", "enc", "visit", "visits",
		"admission", "admissions", "admit", "discharge", "beneficiary", "beneficiaries", "guarantor",
		"demographics", "demographic", "demo", "enrollee", "enrollees", "enrollment", "claim", "claims",
		"contact", "contacts", "customer", "customers", "client", "clients", "employee", "employees",
		"resident", "residents", "student", "students", "participant", "participants", "mrn", "ssn", "dob", "fname", "lname", "surname", "inpatient", "outpatient", "ed",
		"emergency", "appointment", "appointments", "appt", "note", "notes", "order", "orders", "result",
		"results", "lab", "labs", "vitals", "diagnosis", "diagnoses", "problem", "problems", "procedure",
		"procedures", "prescription", "prescriptions", "immunization", "immunizations", "allergy",
		"allergies", "surgery", "surgeries", "birth", "births", "death", "deaths", "newborn", "mother",
		"infant", "child", "children", "family", "household", "insured", "policyholder", "donor", "recipient",
		"survey", "surveys", "response", "responses", "respondent", "respondents", "eligibility", "cardholder",
		"guarantor", "mbr")
)

// crypticWords make up names that say nothing about the values: "c1",
// "col_4", "FIELD7", "var_12", "unnamed_0".
var crypticWords = wordSet("c", "col", "column", "field", "fld", "f", "x", "var", "v", "attr", "a", "data", "unnamed",
	"unknown", "tmp", "temp", "misc", "extra", "custom", "udf", "def", "cust", "item", "elem", "element", "prop",
	"property", "param", "attribute", "fieldname", "colname", "z", "y", "info")

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func wordSet(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// segWords are the pieces a run-together token ("PATIENTLASTNAME",
// "dateofbirth") may be split into. Short ambiguous pieces ("dos", "age",
// "ip", "no") are left out so that "dosage" or "zipper" stay whole.
var segWords = wordSet("patient", "pat", "pt", "last", "first", "middle", "maiden", "given", "family", "full",
	"name", "nm", "birth", "date", "of", "dob", "death", "zip", "code", "postal", "phone", "email", "mail",
	"street", "address", "addr", "home", "work", "cell", "mobile", "fax", "social", "security", "number",
	"num", "nbr", "ssn", "mrn", "medical", "record", "rec", "med", "admit", "admission", "discharge", "visit",
	"encounter", "enc", "service", "svc", "dt", "dttm", "time", "day", "telephone", "tel", "line", "city",
	"county", "town", "state", "mother", "father", "spouse", "member", "subscriber", "guarantor", "contact",
	"emergency", "account", "acct", "chart", "hospital", "hosp", "medicare", "medicaid", "policy", "insurance",
	"license", "driver", "drivers", "passport", "credit", "card", "npi", "dea", "mbi", "person", "surname",
	"fname", "lname", "deceased", "procedure", "surgery", "appointment", "appt", "sur", "nick", "legal",
	"preferred", "primary", "secondary", "user", "provider", "physician", "id", "key", "type", "created",
	"updated", "modified", "effective", "load", "version", "year", "yr", "beneficiary", "device", "serial",
	// Related people and their contact data: "guardiancity",
	// "guardianpostalcode", "mothersname", "emergencyphone".
	"guardian", "guardians", "mothers", "fathers", "parent", "parents", "kin", "next", "relative", "caregiver",
	"employer", "occupation", "biz", "contacts", "postal")

// finalPieces may end a run-together token ("mobileno", "birthdt") but
// are too short to be trusted elsewhere in it.
var finalPieces = wordSet("no", "nbr", "num", "id", "dt", "cd", "nm")

// segment splits a run-together token into dictionary pieces, or returns
// nil when it cannot be covered entirely by pieces of two or more letters.
func segment(tok string) []string {
	n := len(tok)
	if n < 5 || n > 40 {
		return nil
	}
	// best[i] is the fewest pieces covering tok[:i]; ties keep the split
	// that uses longer pieces first.
	best := make([]int, n+1)
	prev := make([]int, n+1)
	for i := 1; i <= n; i++ {
		best[i] = -1
	}
	for i := 0; i < n; i++ {
		if best[i] < 0 {
			continue
		}
		for j := i + 2; j <= n && j-i <= 12; j++ {
			piece := tok[i:j]
			if (segWords[piece] || j == n && finalPieces[piece]) && (best[j] < 0 || best[i]+1 < best[j]) {
				best[j] = best[i] + 1
				prev[j] = i
			}
		}
	}
	if best[n] < 2 {
		return nil
	}
	var parts []string
	for j := n; j > 0; j = prev[j] {
		parts = append(parts, tok[prev[j]:j])
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return parts
}

// expandTokens splits run-together tokens that are not themselves known
// terms, and peels off glued prefixes such as "pt" in "ptmrn".
func expandTokens(toks []string, extra map[string]termDef) []string {
	out := make([]string, 0, len(toks))
	for _, t := range toks {
		if _, ok := nameTerms[t]; ok || len(t) < 5 || isKnownWord(t) {
			out = append(out, t)
			continue
		}
		if _, ok := extra[t]; ok {
			out = append(out, t)
			continue
		}
		if parts := splitDateSuffix(t); parts != nil {
			out = append(out, parts...)
			continue
		}
		if parts := segment(t); parts != nil {
			out = append(out, parts...)
			continue
		}
		peeled := false
		for _, p := range gluePrefixes {
			rest, ok := strings.CutPrefix(t, p)
			if !ok || len(rest) < 2 {
				continue
			}
			if _, ok := nameTerms[rest]; ok {
				out = append(out, p, rest)
				peeled = true
				break
			}
		}
		if !peeled {
			out = append(out, t)
		}
	}
	return out
}

// isKnownWord reports whether a token is an ordinary word of column names
// that must not be segmented ("dosage" is not dos+age).
func isKnownWord(t string) bool {
	return measureWords[t] || negators[t] || systemDateWords[t] || validityDateWords[t] || eventDateWords[t] ||
		codeWords[t] ||
		drugContext[t] || facilityContext[t] || knownWords[t]
}

var knownWords = wordSet("dosage", "message", "passage", "usage", "storage", "package", "language", "percentage",
	"mileage", "average", "coverage", "leakage", "voltage", "sewage", "postage", "vintage", "heritage",
	"manage", "damage", "image", "images", "stage", "garage", "cottage", "village", "bandage", "homepage",
	"ipaddress", "zipper", "shipping", "relationship", "membership", "ownership", "citizenship", "township",
	"scholarship", "partnership", "internship", "dobutamine", "mrna", "trna", "rrna", "dna", "rna", "phone",
	"telephone", "email", "address", "surname", "birthday", "nickname", "username", "mobile", "pager",
	"hostname", "filename", "pathname", "tablename", "dbname", "typename")

// birthYearTerms name columns that hold only a year of birth.
var birthYearTerms = []string{"yob", "year_of_birth", "birth_year", "birth_yr", "byear", "birthyear", "yr_of_birth",
	"dob_year", "dob_yr"}

// colName is what a column name says.
// geoTerms name a coordinate of a place.
var geoTerms = wordSet("latitude", "longitude", "lat", "lon", "lng", "lat_dd", "lon_dd")

type colName struct {
	tokens []string
	// typ and strength are the PHI type the name suggests, if any.
	typ      string
	strength float64
	term     string
	// Properties that steer the value checks.
	refDate, validityDate, eventDate, genericDate bool
	// productDate: the date of a product or document ("vis_date",
	// "lot_expiration_date"); expiry: a validity date that ends
	// something ("expiration_date"), a product's when the table lists
	// lots or manufacturers.
	productDate, expiry bool
	// birthPart: the month or day of a birth, as a small number.
	birthPart bool
	// lifecycle: a record timestamp of the row's own life ("created",
	// "updated", "voided"), as opposed to a data load's ("etl_load_ts").
	lifecycle bool
	// related: the name is about a person related to the patient
	// ("contact_relationship", "guardian", "nok"), whose name the
	// values may hold.
	related bool
	// cryptic names say nothing at all ("c1", "fld_07", "FIELD7").
	cryptic                   bool
	birthYear                 bool
	measure, code, count, age bool
	ageNotYears               bool
	nonPersonName, personName bool
	idLike, version, zip3     bool
	// geo: a latitude or longitude, of an address when the row is a
	// person's.
	geo      bool
	freeText bool
}

// nameCache holds analyzeName results without site terms: every column
// of a table analyses the names of all its siblings.
var nameCache sync.Map // string -> colName

// analyzeName interprets a column name. extra holds the site terms.
func analyzeName(name string, extra map[string]termDef) colName {
	if len(extra) > 0 {
		return analyzeNameUncached(name, extra)
	}
	if v, ok := nameCache.Load(name); ok {
		return v.(colName)
	}
	c := analyzeNameUncached(name, nil)
	nameCache.Store(name, c)
	return c
}

func analyzeNameUncached(name string, extra map[string]termDef) colName {
	c := colName{tokens: expandTokens(SplitColumnName(name), extra)}
	toks := c.tokens
	has := func(set map[string]bool) bool {
		for _, t := range toks {
			if set[t] {
				return true
			}
		}
		return false
	}
	hasDateWord := false
	for i, t := range toks {
		switch {
		case dateWords[t], trailingDateWords[t] && i == len(toks)-1 && i > 0:
			hasDateWord = true
		case strings.HasSuffix(t, "date") && len(t) > 4 && !strings.HasSuffix(t, "update"):
			// "admitdate", "svcdate": unsplit, but still a date.
			hasDateWord = true
		case strings.HasSuffix(t, "dt") && len(t) > 3 && i == len(toks)-1:
			hasDateWord = true
		}
	}

	// Longest term match at each position; the last match wins, since the
	// head of an English compound comes last ("address_zip" is a ZIP).
	for i := 0; i < len(toks); {
		matched := 0
		for l := min(5, len(toks)-i); l >= 1; l-- {
			key := strings.Join(toks[i:i+l], "_")
			def, ok := extra[key]
			if !ok {
				def, ok = nameTerms[key]
			}
			if !ok && l >= 2 {
				def, ok = termVariant(toks[i:i+l-1], toks[i+l-1])
			}
			if !ok {
				continue
			}
			matched = l
			end := i + l
			// A qualifier right after the term makes it a property of
			// the thing: "phone_type", "email_verified", "address_id".
			if end < len(toks) && negators[toks[end]] && !(def.typ == "zip" && toks[end] == "code") &&
				!(def.typ == "birth_date" && yearWords[toks[end]]) && !dateWords[toks[end]] &&
				!(identifierTypes[def.typ] && idSuffixes[toks[end]]) {
				break
			}
			if key == "name" || key == "nm" || key == "nme" {
				// A bare "name": who it names depends on the word before.
				if i > 0 && nonPersonQual[toks[i-1]] {
					c.nonPersonName = true
					break
				}
				if i > 0 {
					switch toks[i-1] {
					case "first", "given", "fst", "frst", "f":
						def = termDef{"first_name", strongTerm}
					case "last", "family", "sur", "lst", "l", "maiden":
						def = termDef{"last_name", strongTerm}
					case "middle", "full", "patient", "pt", "pat", "person", "mother", "father", "spouse",
						"guardian", "guarantor", "contact", "kin", "member", "subscriber", "insured", "legal",
						"preferred", "nick", "beneficiary", "client", "resident", "student", "employee", "emp",
						"child", "baby", "infant", "newborn", "parent", "donor", "recipient", "caregiver",
						"witness", "sibling", "partner", "mom", "dad", "pcp", "attending", "referring",
						"physician", "doctor", "dr", "provider", "prov", "nurse", "staff":
						def = termDef{"name", strongTerm}
						c.personName = true
					}
				}
			}
			if def.typ == "birth_date" && slices.Contains(birthPartTerms, key) {
				c.birthPart = true
			}
			if def.typ == "birth_date" {
				if end < len(toks) && yearWords[toks[end]] || i > 0 && yearWords[toks[i-1]] ||
					slices.Contains(birthYearTerms, key) {
					c.birthYear = true
				}
				if key == "birth" && !hasDateWord && !c.birthYear {
					// "birth_weight", "birth_order": not a date.
					if end < len(toks) {
						break
					}
				}
			}
			if def.typ == "ssn" && hasLast4(toks) {
				// The last four digits of an SSN do not identify alone.
				def.strength = weakTerm
			}
			if def.typ == "address" && geoTerms[key] {
				c.geo = true
			}
			if def.typ == "zip" && (end < len(toks) && (toks[end] == "3" || toks[end] == "prefix") ||
				key == "zip" && i > 0 && (toks[i-1] == "3" || toks[i-1] == "three")) {
				c.zip3 = true
			}
			if def.strength >= c.strength || c.typ == "" || def.typ != "name" {
				c.typ, c.strength, c.term = def.typ, def.strength, key
			}
			break
		}
		if matched == 0 {
			matched = 1
		}
		i += matched
	}
	if c.typ == "name" && c.personName && c.strength < strongTerm {
		c.strength = strongTerm
	}
	if c.nonPersonName && c.typ == "name" && c.strength <= weakTerm {
		c.typ, c.strength, c.term = "", 0, ""
	}

	// Dates: who the date is about. A date word at the end is the head
	// of the name ("note_date" is a date, not a note).
	if c.hasAge(toks) {
		hasDateWord = false
	}
	if n := len(toks); hasDateWord && n > 1 && negators[toks[n-1]] && !dateWords[toks[n-1]] && c.typ == "" {
		// "birthdate_estimated", "admit_date_source": a property of
		// the date, not the date.
		hasDateWord = false
	}
	isDateType := c.typ == "date" || c.typ == "birth_date" || c.typ == "death_date"
	if hasDateWord && !isDateType && len(toks) > 0 && c.typ != "" {
		last := toks[len(toks)-1]
		if dateWords[last] || trailingDateWords[last] || strings.HasSuffix(last, "date") {
			c.typ, c.strength, c.term = "", 0, ""
		}
	}
	if hasDateWord && c.typ == "" || isDateType {
		joined := strings.Join(toks, "_")
		switch {
		case isDateType:
			c.eventDate = true
		case has(systemDateWords) || strings.Contains(joined, "as_of"):
			c.refDate = true
		case has(objectDateWords) && !has(handedDateWords):
			// "vis_date", "lot_expiration_date": a product's or a
			// document's date, not a person's.
			c.productDate = true
		case has(eventDateWords):
			c.eventDate = true
		case has(validityDateWords):
			c.validityDate = true
		default:
			c.genericDate = true
		}
		switch {
		case c.eventDate && c.typ == "":
			c.typ, c.strength, c.term = "date", strongTerm, joined
		case c.validityDate || c.genericDate:
			c.typ, c.strength, c.term = "date", weakTerm, joined
		}
	}
	if c.typ == "" && !hasDateWord && len(toks) > 0 && recordStampWords[toks[len(toks)-1]] {
		// "last_updated", "modified", "created": a record timestamp
		// without a date word is still one (docs/SCAN.md).
		c.refDate = true
	}
	if c.typ == "" && !hasDateWord && has(eventDateWords) && has(validityDateWords) {
		// "service_thru", "admit_from": a clinical event's bound.
		c.eventDate = true
	}
	if c.typ == "" && has(yearWords) && has(map[string]bool{"birth": true, "dob": true, "bday": true}) {
		c.typ, c.strength, c.term, c.birthYear = "birth_date", strongTerm, strings.Join(toks, "_"), true
	}
	if c.birthYear {
		c.eventDate = true
	}

	c.expiry = has(expiryWords)
	c.lifecycle = c.refDate && has(lifecycleWords) && !has(loadStampWords)
	c.related = has(relatedWords)
	if c.age && has(ageUnitNotYears) {
		c.ageNotYears = true
	}
	c.cryptic = c.typ == "" && len(toks) > 0
	for _, t := range toks {
		if !crypticWords[t] && !isDigits(t) {
			c.cryptic = false
		}
	}
	c.measure = has(measureWords)
	c.code = has(codeWords) && c.typ != "zip"
	c.idLike = has(idWords)
	c.version = has(versionWords)
	if c.typ == "free_text" {
		c.freeText = true
	}
	if c.typ == "" && !c.age && !c.idLike && !c.measure {
		// Count-like: "count", "n", "num_visits", "visit_cnt", "total".
		switch {
		case len(toks) > 0 && (toks[0] == "num" || toks[0] == "n" || toks[0] == "nbr" || toks[0] == "number") &&
			(len(toks) == 1 || !idWords[toks[len(toks)-1]]):
			c.count = true
		case len(toks) > 0 && countWords[toks[len(toks)-1]] && toks[len(toks)-1] != "num" &&
			toks[len(toks)-1] != "nbr" && toks[len(toks)-1] != "number":
			c.count = true
		case has(map[string]bool{"count": true, "cnt": true, "total": true, "freq": true, "frequency": true}):
			c.count = true
		}
	}
	return c
}

// hasAge sets c.age when the name is an age in some unit ("age",
// "pt_age", "age_at_death") rather than an age group or band.
func (c *colName) hasAge(toks []string) bool {
	for i, t := range toks {
		if t == "age" || t == "ages" || t == "ageyrs" {
			next := ""
			if i+1 < len(toks) {
				next = toks[i+1]
			}
			if !ageNot[next] && !(i > 0 && ageNot[toks[i-1]]) {
				c.age = true
			}
		}
	}
	return c.age
}

// hasLast4 reports "last4", "last_4", "l4", "ssn4"-style qualifiers.
func hasLast4(toks []string) bool {
	for i, t := range toks {
		if (t == "4" || t == "four") && i > 0 && (toks[i-1] == "last" || toks[i-1] == "l" || toks[i-1] == "ssn") ||
			t == "last4" || t == "l4" {
			return true
		}
	}
	return false
}

// tableContext is what the table and its other columns say about a column.
type tableContext struct {
	// drug: a medication table; org: a table of organisations
	// (facilities, payers, vendors); ref: a reference or code table; log:
	// a log of system events; person: a table about patients, members or
	// other people, which outweighs the others.
	drug, org, ref, log, person bool
	// geo: a reference list of places (ZIP codes, counties).
	geo bool
	// linked: a sibling column, linkCol, ties each row to a patient or
	// a stay of one (links.go); staff: a table of the site's staff;
	// employer: a table of a linked person's employer (context.go).
	linked, staff, employer bool
	// idTable: a table of a person's identifiers, one per row.
	idTable bool
	// strongLog: the table's name says it is a system log, not a table
	// of clinical events.
	strongLog bool
	// product: the rows list lots or products (a "lot_number" or
	// "manufacturer" sibling).
	product bool
	// aggregate: a sibling counts rows ("n", "patient_count"): each row
	// is a cell of an aggregate, and a place in it is the cell's group.
	aggregate bool
	linkCol   string
}

// Sibling tokens that make a table about people.
var personSiblings = wordSet("patient", "pt", "pat", "person", "member", "mbr", "subscriber", "beneficiary",
	"bene", "guarantor", "enrollee", "cardholder", "insured", "respondent", "employee", "student", "resident",
	"subject", "participant", "memb")

var personKeys = wordSet("id", "no", "num", "nbr", "number", "key", "name", "nm", "identifier", "ssn", "mrn",
	"dob", "email", "phone", "address")

// Sibling tokens that make a table about organisations.
var orgSiblings = wordSet("beds", "ccn", "ownership", "taxonomy", "npi_org", "cms_certification", "payer_type",
	"plan_type", "tin", "ein", "naic")

var logContext = wordSet("log", "logs", "audit", "audits", "access", "event", "events", "syslog", "gateway", "api",
	"session", "sessions", "trace", "traces", "request", "requests", "telemetry", "metrics", "monitor",
	"monitoring", "pipeline", "http", "server", "service", "services",
	"login", "logins", "activity", "clickstream", "portal_events")

var geoRefContext = wordSet("zip", "zips", "zipcode", "zipcodes", "geo", "geography", "county", "counties",
	"city", "cities", "state", "states", "fips", "census", "crosswalk", "region", "regions", "postal")

func analyzeContext(table string, columns []string, self string) tableContext {
	var ctx tableContext
	tt := SplitColumnName(table)
	for _, t := range tt {
		switch {
		case personContext[t]:
			ctx.person = true
		case drugContext[t]:
			ctx.drug = true
		case facilityContext[t]:
			ctx.org = true
		}
		if refContext[t] {
			ctx.ref = true
		}
		if geoRefContext[t] {
			ctx.ref, ctx.geo = true, true
		}
		if logContext[t] {
			ctx.log = true
		}
	}
	for _, col := range columns {
		if col == self {
			continue
		}
		toks := analyzeName(col, nil).tokens
		for i, t := range toks {
			if drugContext[t] && t != "unit" && t != "units" && t != "form" && t != "frequency" {
				ctx.drug = true
			}
			if orgSiblings[t] {
				ctx.org = true
			}
			// A sibling that identifies a person ("subject_id",
			// "patient_name"), not one that counts them.
			if personSiblings[t] && (i == len(toks)-1 || personKeys[toks[i+1]]) {
				ctx.person = true
			}
		}
		sib := analyzeName(col, nil)
		switch sib.typ {
		case "ssn", "mrn", "first_name", "last_name", "birth_date", "death_date", "mbi":
			ctx.person = true
		}
		if sib.count {
			ctx.aggregate = true
		}
	}
	ctx.refine(table, columns, self)
	return ctx
}
