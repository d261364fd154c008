package phiscan

import "strings"

// Spellings of column names beyond names.go's terms: glued date names,
// interchangeable suffixes, and the words that say what a date is about.

// Name words for dates.
var (
	// objectDateWords mark the date of a product or a document.
	objectDateWords = wordSet("vis", "edition", "publication", "leaflet", "monograph", "lot", "kit", "product",
		"package", "formulary", "catalog", "catalogue", "price", "pricing", "fee", "contract")
	// handedDateWords mark the date a document was handed to someone:
	// about the person after all ("vis_given_date").
	handedDateWords = wordSet("given", "presented", "provided", "received", "signed", "handed", "education")
	// recordStampWords end names of record timestamps that carry no
	// date word: "last_updated", "modified", "created".
	recordStampWords = wordSet("updated", "modified", "created", "changed", "inserted", "loaded", "deleted",
		"archived", "synced", "refreshed", "imported", "exported", "processed", "lastmod", "lastupdate",
		"voided", "retired", "added")
	// lifecycleWords mark a timestamp of a row's own life: when the
	// person's record was created, changed or voided.
	lifecycleWords = wordSet("created", "create", "creation", "crt", "updated", "update", "upd", "modified",
		"modify", "mod", "changed", "change", "voided", "void", "deleted", "delete", "del", "added", "entered",
		"entry", "inserted", "lastmod", "last_modified", "archived", "processed", "process")
	// loadStampWords mark the timestamp of a data load or a batch job,
	// constant over many rows and about no one.
	loadStampWords = wordSet("load", "loaded", "ld", "etl", "dw", "edw", "batch", "snapshot", "refresh",
		"refreshed", "sync", "synced", "import", "imported", "export", "exported", "extract", "extracted",
		"ingest", "ingested", "partition", "run", "job", "build", "built", "migration", "cutover", "release",
		"published", "publish", "pub", "version", "ver", "schema", "asof", "as")
	// expiryWords mark a validity date that ends something.
	expiryWords = wordSet("expiry", "expiration", "expire", "expires", "expired", "exp")
	// relatedWords mark a person related to the patient.
	relatedWords = wordSet("guardian", "guardians", "contact", "emergency", "nok", "kin", "relative",
		"relationship", "mother", "mothers", "father", "fathers", "spouse", "parent", "parents", "caregiver",
		"guarantor", "sibling", "partner")
)

// dateSuffixes end glued date names: "collectiondate", "admittime",
// "dischtime", "enddate", "createdts".
var dateSuffixes = []string{"datetime", "date", "dttm", "time", "dt", "ts"}

// splitDateSuffix splits a glued date name whose first part says what
// the date is about ("collection" + "date", "disch" + "time"), or returns
// nil.
func splitDateSuffix(t string) []string {
	for _, suf := range dateSuffixes {
		p, ok := strings.CutSuffix(t, suf)
		if !ok || len(p) < 3 {
			continue
		}
		if eventDateWords[p] || systemDateWords[p] || validityDateWords[p] || recordStampWords[p] {
			return []string{p, suf}
		}
	}
	return nil
}

func init() {
	// OMOP's source-system key of a person: often the record number.
	addTerms("mrn", weakTerm, "person_source_value", "patient_source_value")
	// The month or day of a birth (OMOP's person table): with the
	// year, a birth date.
	addTerms("birth_date", strongTerm, birthPartTerms...)
}

// birthPartTerms name columns that hold the month or the day of a birth.
var birthPartTerms = []string{"month_of_birth", "day_of_birth", "birth_month", "birth_mon", "birth_mm", "birth_dd",
	"mob", "dob_month", "dob_day", "dob_mm", "dob_dd"}

// suffixVariants are the interchangeable spellings of a term's last word:
// "memb_nbr" is "memb_no", "post_cd" is "post_code".
var suffixVariants = map[string][]string{
	"no": {"num", "nbr", "number"}, "num": {"no", "nbr", "number"}, "nbr": {"no", "num", "number"},
	"number": {"no", "num", "nbr"}, "cd": {"code"}, "code": {"cd"}, "nm": {"name"}, "nme": {"name"},
}

// termVariant looks a term up with its last word spelled another way.
func termVariant(head []string, last string) (termDef, bool) {
	vs := suffixVariants[last]
	if len(vs) == 0 {
		return termDef{}, false
	}
	key := strings.Join(head, "_")
	for _, v := range vs {
		if def, ok := nameTerms[key+"_"+v]; ok {
			return def, true
		}
	}
	return termDef{}, false
}
