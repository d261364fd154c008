package export

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/phicrypt/phicrypt/phiscan"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// Where a column's kind comes from.
const (
	FromProfile = "profile" // a column rule of the profile
	FromSchema  = "schema"  // a protected column: its name, type and decrypted sample values
	FromScan    = "scan"    // an unprotected column: phiscan.ScanDB
	FromKey     = "key"     // the patient key or a column holding it
)

// sampleRows is how many rows of each table are decrypted to classify its
// protected columns.
const sampleRows = 500

// ColumnPlan is what one column becomes.
type ColumnPlan struct {
	// Source is the column in the database.
	Source string `json:"source"`
	// Kind is what the column holds: a scanner PHI type, patient_key or
	// none.
	Kind string `json:"kind"`
	// From says where Kind comes from: profile, schema, scan or key.
	From string `json:"from"`
	// Action is what the column becomes.
	Action Action `json:"action"`
	// Output is the column of the CSV file; empty when dropped.
	Output    string `json:"output,omitempty"`
	Protected bool   `json:"protected"`
}

// TablePlan is what one table becomes.
type TablePlan struct {
	Name string `json:"name"`
	// Patient is the column holding the patient key ("" if none).
	Patient string       `json:"patient_column,omitempty"`
	Columns []ColumnPlan `json:"columns"`
	// patient marks the patient table.
	patient bool
	// key is the table's key, intKey whether it is an integer (the table
	// can then be read in key ranges).
	key    string
	intKey bool
}

// Plan is what an export writes.
type Plan struct {
	Profile *Profile
	// PatientTable is the table whose key is the patient key.
	PatientTable string
	Tables       []*TablePlan
}

// personKinds make a table the patient table.
var personKinds = []string{"name", "first_name", "last_name", "ssn", "birth_date", "mrn"}

// linkNames are names of columns that hold the patient key in other tables.
var linkNames = []string{"pid", "patient_id", "patientid", "person_id", "patient"}

// NewPlan decides what each column of the schema's tables becomes under
// p: its kind comes from the profile's column rules, else for protected
// columns from the schema (name, type) and a decrypted sample of its
// values (phiscan.Classify), for unprotected ones from a scan of the
// source tables (phiscan.ScanDB); the profile's types then give the
// action. The patient table is the table whose key a rule types
// patient_key, else the table with the most person identifiers; columns
// of other tables named as its key (or pid, patient_id, person_id) hold
// the patient key.
func NewPlan(ctx context.Context, db *sqlwrap.DB, schema *sqlwrap.Schema, p *Profile) (*Plan, error) {
	tables := schema.Tables
	if len(p.Tables) > 0 {
		tables = nil
		for _, name := range p.Tables {
			t, ok := schema.Table(name)
			if !ok {
				return nil, profileErr(p, p.TablesLine, "tables: %s is not a table of the schema %s", name, schema.Source)
			}
			tables = append(tables, t)
		}
	}
	for key, r := range p.Columns {
		tn, cn, _ := strings.Cut(key, ".")
		t, ok := schema.Table(tn)
		if !ok {
			return nil, profileErr(p, r.Line, "columns: %s: %s is not a table of the schema %s", key, tn, schema.Source)
		}
		if !slices.Contains(columnNames(t), cn) {
			return nil, profileErr(p, r.Line, "columns: %s: table %s has no column %s in the schema %s", key, tn, cn, schema.Source)
		}
	}
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = t.Name
	}
	scan, err := phiscan.ScanDB(ctx, db.SQL(), db.Dialect(), &phiscan.Config{Sample: phiscan.DefaultSample, AgeLimit: p.AgeLimit}, names...)
	if err != nil {
		return nil, fmt.Errorf("phicrypt: export: scanning the source tables: %w", err)
	}
	plan := &Plan{Profile: p}
	for _, t := range tables {
		tp, err := planTable(ctx, db, t, p, scanTable(scan, t.Name))
		if err != nil {
			return nil, err
		}
		plan.Tables = append(plan.Tables, tp)
	}
	plan.linkPatients(tables)
	for _, tp := range plan.Tables {
		for i := range tp.Columns {
			c := &tp.Columns[i]
			r, ok := p.Columns[tp.Name+"."+c.Source]
			if ok && r.Action != "" {
				c.Action = r.Action
			} else {
				c.Action = p.action(c.Kind)
			}
			if c.Action == StudyID && c.Kind != KindPatientKey {
				return nil, profileErr(p, r.Line, "columns: %s.%s: study_id replaces the patient key, and the column does not hold it", tp.Name, c.Source)
			}
			c.Output = outputName(c.Source, c.Action)
		}
		if err := uniqueOutputs(tp); err != nil {
			return nil, err
		}
	}
	// The patient table first: its rows give the identifiers scrubbed
	// from the other tables' text.
	slices.SortStableFunc(plan.Tables, func(a, b *TablePlan) int {
		switch {
		case a.patient && !b.patient:
			return -1
		case b.patient && !a.patient:
			return 1
		}
		return 0
	})
	return plan, nil
}

func profileErr(p *Profile, line int, format string, args ...any) error {
	at := p.Source
	if line > 0 {
		at = fmt.Sprintf("%s:%d", p.Source, line)
	}
	return fmt.Errorf("phicrypt: %w: %s: %s", ErrProfile, at, fmt.Sprintf(format, args...))
}

// columnNames are the columns the wrapper reads: key, plain, protected.
func columnNames(t *sqlwrap.Table) []string {
	out := []string{t.Key}
	for _, c := range t.Plain {
		out = append(out, c.Name)
	}
	for _, c := range t.Columns {
		out = append(out, c.Name)
	}
	return out
}

func scanTable(r *phiscan.Report, name string) *phiscan.TableReport {
	for i := range r.Tables {
		if strings.EqualFold(r.Tables[i].Name, name) {
			return &r.Tables[i]
		}
	}
	return nil
}

// planTable gives each column of t its kind.
func planTable(ctx context.Context, db *sqlwrap.DB, t *sqlwrap.Table, p *Profile, scan *phiscan.TableReport) (*TablePlan, error) {
	tp := &TablePlan{Name: t.Name, key: t.Key, intKey: t.KeyType != "text"}
	all := columnNames(t)
	// A decrypted sample of the protected columns.
	ta, err := db.Table(t.Name)
	if err != nil {
		return nil, err
	}
	rows, err := ta.Find(ctx, sqlwrap.Query{Limit: sampleRows})
	if err != nil {
		return nil, err
	}
	for _, name := range all {
		cp := ColumnPlan{Source: name, Kind: KindNone}
		col, protected := t.Column(name)
		cp.Protected = protected
		switch {
		case protected:
			vals := make([]string, 0, len(rows))
			for _, r := range rows {
				if _, ok := r[name].(sqlwrap.Redacted); ok {
					continue
				}
				vals = append(vals, text(r[name]))
			}
			rep := phiscan.Classify(phiscan.ColumnInput{Table: t.Name, Name: name, SQLType: sqlType(col.Type), Values: vals,
				TableColumns: all}, &phiscan.Config{AgeLimit: p.AgeLimit})
			cp.Kind, cp.From = kindOf(&rep), FromSchema
			if cp.Kind == KindNone {
				// Protected because it is PHI, whatever the sample says.
				cp.Kind = KindIdentifier
				if col.Type == sqlwrap.TypeDate || col.Type == sqlwrap.TypeTimestamp {
					cp.Kind = "date"
				}
			}
		case scan != nil:
			cp.From = FromScan
			for i := range scan.Columns {
				if strings.EqualFold(scan.Columns[i].Name, name) {
					cp.Kind = kindOf(&scan.Columns[i])
				}
			}
		}
		if r, ok := p.Columns[t.Name+"."+name]; ok && r.Kind != "" {
			cp.Kind, cp.From = r.Kind, FromProfile
		}
		tp.Columns = append(tp.Columns, cp)
	}
	return tp, nil
}

// kindOf is the kind a scanner report gives a column: none, free_text
// when text is among its types, else its strongest type.
func kindOf(c *phiscan.ColumnReport) string {
	if c.Verdict == phiscan.VerdictNone || len(c.Types) == 0 {
		return KindNone
	}
	if slices.Contains(c.Types, "free_text") {
		return "free_text"
	}
	if c.Types[0] == "phicrypt_ciphertext" {
		return KindIdentifier
	}
	return c.Types[0]
}

func sqlType(t sqlwrap.ValueType) string {
	switch t {
	case sqlwrap.TypeInt64:
		return "integer"
	case sqlwrap.TypeFloat64:
		return "real"
	case sqlwrap.TypeDate:
		return "date"
	case sqlwrap.TypeTimestamp:
		return "timestamp"
	case sqlwrap.TypeBool:
		return "boolean"
	case sqlwrap.TypeBytes:
		return "blob"
	}
	return "text"
}

// linkPatients finds the patient table and the columns holding its key.
func (plan *Plan) linkPatients(tables []*sqlwrap.Table) {
	var pt *TablePlan
	var key string
	// A rule typing a table's key patient_key names the patient table.
	for i, tp := range plan.Tables {
		for _, c := range tp.Columns {
			if c.Source == tables[i].Key && c.Kind == KindPatientKey && c.From == FromProfile {
				pt, key = tp, c.Source
			}
		}
	}
	fromRule := pt != nil
	if pt == nil {
		best := 0
		for i, tp := range plan.Tables {
			n := 0
			for _, c := range tp.Columns {
				if slices.Contains(personKinds, c.Kind) {
					n++
				}
			}
			if n > best {
				best, pt, key = n, tp, tables[i].Key
			}
		}
	}
	if pt == nil {
		return
	}
	// A patient table keyed by a row id may hold the patient's id in a
	// column of its own (OpenEMR: patient_data.id and pid), which the
	// other tables refer to: that column is the patient key, and the row
	// id, one per patient too, an identifier.
	rowID := ""
	if !fromRule {
		for _, c := range pt.Columns {
			if c.Source != key && c.From != FromProfile && slices.Contains(linkNames, strings.ToLower(c.Source)) {
				rowID, key = key, c.Source
				break
			}
		}
	}
	pt.patient, pt.Patient = true, key
	plan.PatientTable = pt.Name
	// In another table the patient key is a link column (pid,
	// patient_id, <patient table>_id), else a column named as the
	// patient table's key; never that table's own key: encounters.id
	// numbers encounters, and hashed as a patient key it would link an
	// encounter to the patient whose id it happens to equal.
	links := append(slices.Clone(linkNames), strings.ToLower(pt.Name)+"_id", strings.ToLower(strings.TrimSuffix(pt.Name, "s"))+"_id")
	for j, tp := range plan.Tables {
		for i := range tp.Columns {
			c := &tp.Columns[i]
			if c.From == FromProfile {
				if c.Kind == KindPatientKey && tp.Patient == "" {
					tp.Patient = c.Source
				}
				continue
			}
			switch {
			case tp == pt && c.Source == rowID:
				c.Kind, c.From = KindIdentifier, FromKey
			case tp == pt && c.Source == key:
				c.Kind, c.From = KindPatientKey, FromKey
			}
		}
		if tp == pt || tp.Patient != "" {
			continue
		}
		link := -1
		for i, c := range tp.Columns {
			if c.From != FromProfile && slices.Contains(links, strings.ToLower(c.Source)) {
				link = i
				break
			}
		}
		if link < 0 {
			for i, c := range tp.Columns {
				if c.From != FromProfile && strings.EqualFold(c.Source, key) && c.Source != tables[j].Key {
					link = i
					break
				}
			}
		}
		if link >= 0 {
			c := &tp.Columns[link]
			c.Kind, c.From = KindPatientKey, FromKey
			tp.Patient = c.Source
		}
	}
}

// outputName is the CSV column of a source column under an action: the
// patient key becomes study_id, a year or a day count says so.
func outputName(source string, a Action) string {
	switch a {
	case Drop:
		return ""
	case StudyID:
		return "study_id"
	case Year:
		return source + "_year"
	case Days:
		return source + "_days"
	case ZIP3:
		return source + "_zip3"
	}
	return source
}

func uniqueOutputs(tp *TablePlan) error {
	seen := map[string]string{}
	for _, c := range tp.Columns {
		if c.Output == "" {
			continue
		}
		if prev, ok := seen[strings.ToLower(c.Output)]; ok {
			return fmt.Errorf("phicrypt: %w: table %s: columns %s and %s would both be written as %s", ErrProfile, tp.Name, prev, c.Source, c.Output)
		}
		seen[strings.ToLower(c.Output)] = c.Source
	}
	return nil
}
