package phiscan

import "sync"

// Patient links: a column that ties each row to a person or to a stay of
// one makes the table a table about people, whatever else its name says.
// EMRs name that column after the person ("patient_id", "person_id",
// "subject_id", OpenEMR's "pid"), or after the encounter, visit or
// admission the row belongs to ("encounter", "visit_occurrence_id",
// MIMIC's "hadm_id" and "stay_id"), which is a key to one person's care.

// linkHeads are the tokens that name a person or a stay of one, as the
// last word of a link column or before a key suffix.
var linkHeads = wordSet("patient", "patients", "pt", "pat", "person", "persons", "subject", "member", "mbr",
	"memb", "beneficiary", "bene", "enrollee", "cardholder", "insured", "participant", "client", "resident",
	"encounter", "encounters", "enc", "encntr", "visit", "visits", "admission", "adm", "hadm", "stay",
	"episode", "inpatient", "outpatient", "pid", "ptid", "patid", "mrn", "empi", "mpi", "pubpid",
	"visit_occurrence", "visit_detail")

// linkSuffixes are key suffixes after a link head ("patient_id",
// "person_key", "encntr_no").
var linkSuffixes = wordSet("id", "ids", "key", "fk", "no", "num", "nbr", "number", "sk", "uuid", "guid", "ref",
	"identifier", "mrn")

// linkQualifiers are words after a head that make the column something
// other than a key to the person: "patient_count", "visit_type",
// "encounter_status", "patient_name" (a name, judged on its own).
var linkNotKey = wordSet("count", "cnt", "total", "type", "status", "class", "category", "reason", "source",
	"name", "nm", "date", "dt", "time", "ts", "flag", "ind", "group", "seq", "number_of")

// patientLink reports whether a column name is a key to a person or to
// one of their stays. The name's tokens must end in a link head, or in a
// link head and a key suffix; words before the head are free ("pc_pid",
// "fk_patient", "primary_person_id").
func patientLink(name string) bool {
	if v, ok := linkCache.Load(name); ok {
		return v.(bool)
	}
	v := patientLinkUncached(name)
	linkCache.Store(name, v)
	return v
}

// linkCache holds patientLink results: every column of a table looks at
// all its siblings.
var linkCache sync.Map // string -> bool

func patientLinkUncached(name string) bool {
	toks := analyzeName(name, nil).tokens
	n := len(toks)
	if n == 0 {
		return false
	}
	last := toks[n-1]
	if linkNotKey[last] {
		return false
	}
	if isLinkHead(toks, n-1, true) {
		return true
	}
	if n >= 2 && linkSuffixes[last] && isLinkHead(toks, n-2, false) {
		return true
	}
	// Glued: "patientid", "personid", "encounterid", "hadmid".
	for _, suf := range []string{"id", "key", "no"} {
		if len(last) > len(suf)+1 && last[len(last)-len(suf):] == suf && linkHeads[last[:len(last)-len(suf)]] {
			return true
		}
	}
	return false
}

// isLinkHead reports whether toks[i] (with the token before it, for
// two-word heads such as "visit_occurrence") names a person or a stay.
// Without a key suffix only the unambiguous heads count: "pid",
// "patient", "encounter", but not "stay" ("length_of_stay") or "subject"
// (of a message).
func isLinkHead(toks []string, i int, bare bool) bool {
	if i > 0 && linkHeads[toks[i-1]+"_"+toks[i]] {
		return true
	}
	if bare {
		return bareLinkHeads[toks[i]]
	}
	return linkHeads[toks[i]]
}

var bareLinkHeads = wordSet("pid", "ptid", "patid", "patient", "person", "encounter", "encntr")

// processSiblings mark a table of operating-system processes, where
// "pid" is a process id, not a patient's.
var processSiblings = wordSet("ppid", "tid", "thread", "process", "proc", "pname", "cmd", "command", "host",
	"hostname", "daemon", "signal", "exit", "uid", "gid")

// tableLink returns the first sibling column that links the table to a
// person, or "".
func tableLink(columns []string, self string) string {
	process := false
	for _, col := range columns {
		for _, t := range analyzeName(col, nil).tokens {
			if processSiblings[t] {
				process = true
			}
		}
	}
	for _, col := range columns {
		if col == self || !patientLink(col) {
			continue
		}
		if process && isPID(col) {
			continue
		}
		return col
	}
	return ""
}

// isPID reports a column called "pid" with at most a prefix ("pc_pid").
func isPID(col string) bool {
	toks := SplitColumnName(col)
	return len(toks) > 0 && toks[len(toks)-1] == "pid"
}

// SetPatientLink tells the classifier that column, a sibling (or the
// column itself), is a foreign key to a table of people's identifiers
// (a patient, person or encounter table), whatever its name: the table
// is then about people, as with a "patient_id" column. A source that
// reads the catalogue's foreign keys calls it before Observe; calling
// it again replaces the column.
func (c *Classifier) SetPatientLink(column string) {
	c.fkLink = column
	c.ctx = analyzeContext(c.table, c.columns, c.name)
	c.applyFKLink()
	c.col = analyzeName(c.name, c.cfg.siteTerms)
	c.colInContext()
	c.scanner.noDates = c.noTextDates()
}

// applyFKLink marks the context as linked by the foreign key, unless a
// name already links it.
func (c *Classifier) applyFKLink() {
	if c.fkLink == "" || c.ctx.linked || c.fkLink == c.name {
		return
	}
	c.ctx.linked, c.ctx.linkCol, c.ctx.person = true, c.fkLink, true
	if !c.ctx.strongLog {
		c.ctx.log = false
	}
}

// surrogateLink reports a column named as a key to a person
// ("person_id", "patient_id", "pid") whose values are small integers in a
// dense range: a database's surrogate key, not a record number that
// means something outside it. Only the weak name term is set aside;
// value evidence still counts.
func (c *Classifier) surrogateLink() bool {
	if c.col.typ != "mrn" || c.col.strength > weakTerm || c.nonNull == 0 || !patientLink(c.name) {
		return false
	}
	ints := c.counts[cInt]
	dense := ints >= 20 && c.intMax-c.intMin < 10*uint64(ints)
	return ints == c.nonNull && c.counts[cLetters] == 0 && (dense || c.intMax < 1000000)
}
