package phiscan

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/phicrypt/phicrypt/sqlwrap"
)

// ErrNoPHI is returned by EmitSchema when no table of the report has a
// column judged "phi" and a usable key: there is nothing to protect.
var ErrNoPHI = errors.New("phiscan: no table with a column judged phi and a single-column key: no schema to emit")

// Index settings of the emitted schema (docs/SCAN.md, "Emitted schema").
// Equality bits are left to the planner (docs/SCHEMA.md §7), which sizes
// them from the declared distinct values and rows.
const (
	// Names repeat across patients (a few thousand distinct first names,
	// tens of thousands of last names). Without a distinct count from the
	// scan, a narrower token keeps them apart without labelling each name.
	emitLastNameBits  = 12
	emitFirstNameBits = 10
	// emitMinDistinct is the fewest distinct values a standalone index
	// is emitted for: under 256 the planner refuses it (SECURITY.md §3.3).
	emitMinDistinct = 256
	// emitMinRows is the smallest table whose row count the schema
	// declares: a smaller scanned table (a test copy) says little about
	// the size the indexes must be planned for.
	emitMinRows       = 100_000
	emitNameTransform = "nfkc,casefold,trim,nodiacritics"
	// emitPadding hides the length of names, addresses and e-mail
	// addresses, which narrows down who a row is (SECURITY.md §2).
	emitPadding = 16
)

// EmitSchema writes a phicrypt YAML schema (docs/SCHEMA.md, version 1) that
// protects the columns of r judged "phi", with indexes suited to their PHI
// types: equality on SSNs (digits), MRNs, e-mail addresses (trim,
// casefold) and phone numbers (digits, last 10); equality and prefix on
// names; equality on policy, member, subscriber and account numbers
// (lookup keys); a compound index over last name and date of birth; dates
// and timestamps encrypted without an index of their own. Columns judged
// "none" become plain columns; columns judged "possible" are plain too,
// each with a comment to review it, so that a table opened with the
// schema keeps them. Verdicts set by Config.Columns are followed and
// marked "override in config".
//
// The key of each table is its primary key (a column whose SQLType ends in
// "PRIMARY KEY", as ScanDB reports it), else a single-column UNIQUE NOT
// NULL key (ColumnReport.UniqueKey), or, for a file, its "id" column. A
// table without such a key, a view, or a table whose definition would not
// validate is left out with a comment saying why. The output loads with
// sqlwrap.ParseSchema unchanged; it returns ErrNoPHI when no table can be
// emitted.
func EmitSchema(r *Report) ([]byte, error) {
	var b strings.Builder
	b.WriteString("# phicrypt schema (docs/SCHEMA.md) emitted by phicrypt scan")
	if r.Source != "" {
		b.WriteString(" from " + commentText(r.Source))
	}
	if !r.ScannedAt.IsZero() {
		b.WriteString(" on " + r.ScannedAt.UTC().Format("2006-01-02"))
	}
	b.WriteString(".\n")
	b.WriteString(`# Review it before use. Columns judged "phi" are protected; columns
# judged "possible" are plain, marked with a comment to review. Equality
# bits are left to the planner, which sizes them from rows and distinct
# where the scan counted them (docs/SCHEMA.md section 7): declare the row
# count the table will have.
version: 1
tables:
`)
	emitted := 0
	for i := range r.Tables {
		t := &r.Tables[i]
		text, note := emitTable(t)
		if text == "" {
			if note != "" {
				fmt.Fprintf(&b, "  # %s: %s\n", commentText(t.Name), note)
			}
			continue
		}
		// Each table is checked alone, so that one table the validator
		// refuses (a name clash, an odd column name) does not cost the
		// others; it is kept, commented out, with the reason.
		if _, err := sqlwrap.ParseSchema(t.Name, []byte("version: 1\ntables:\n"+text)); err != nil {
			fmt.Fprintf(&b, "  # %s: left out, the schema would not validate: %s\n", commentText(t.Name), commentText(err.Error()))
			for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
				b.WriteString("  # " + strings.TrimPrefix(line, "  ") + "\n")
			}
			continue
		}
		b.WriteString(text)
		emitted++
	}
	if emitted == 0 {
		return nil, ErrNoPHI
	}
	out := []byte(b.String())
	if _, err := sqlwrap.ParseSchema("emitted schema", out); err != nil {
		return nil, fmt.Errorf("phiscan: emitted schema does not validate: %w", err)
	}
	return out, nil
}

// emitTable returns the YAML list item of one table, or "" and why not.
func emitTable(t *TableReport) (text, note string) {
	file := t.Kind == "csv" || t.Kind == "tsv"
	if t.Kind != "table" && !file {
		if t.Kind == "view" && hasVerdict(t, VerdictPHI) {
			return "", "a view: protect the columns of its tables"
		}
		return "", ""
	}
	if !hasVerdict(t, VerdictPHI) {
		return "", ""
	}
	name := t.Name
	colName := func(s string) string { return s }
	if file {
		// A file becomes the table it would be imported into, named
		// after the file, with column names made identifiers.
		name = identifier(tableName(name))
		colName = identifier
	}

	var key *ColumnReport
	var keys int
	for i := range t.Columns {
		if strings.HasSuffix(strings.ToUpper(t.Columns[i].SQLType), "PRIMARY KEY") {
			key = &t.Columns[i]
			keys++
		}
	}
	switch {
	case keys > 1:
		return "", "compound primary key; phicrypt needs a single-column key: add one"
	case keys == 0 && file:
		for i := range t.Columns {
			if strings.EqualFold(t.Columns[i].Name, "id") {
				key = &t.Columns[i]
			}
		}
		if key == nil {
			return "", `no "id" column to use as the key: add one when importing the file`
		}
	case keys == 0:
		key = uniqueKey(t)
		if key == nil {
			return "", "no primary key nor single-column UNIQUE NOT NULL key; phicrypt needs a single-column key: add one"
		}
	}
	keyName := colName(key.Name)

	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("  - name: %s\n", yamlStr(name))
	if file {
		w("    # from %s\n", commentText(t.Name))
	}
	// A file's id column is an integer key when every value is a number
	// (the scan then reports its minimum).
	keyType := "text"
	if plainType(key) == "integer" || file && key.Min != nil {
		keyType = "integer"
	}
	if keys == 0 && !file {
		w("    # no primary key: %s is UNIQUE and NOT NULL, and serves as the key\n", commentText(key.Name))
	}
	w("    key: %s\n    key_type: %s\n    row_binding: %s\n", yamlStr(keyName), keyType, yamlStr(keyName))
	if t.Rows >= emitMinRows {
		w("    rows: %d # planned for the rows scanned: raise it if the table will grow\n", t.Rows)
	}
	if key.Verdict == VerdictPHI {
		w("    # the key %s was judged phi (%s), but a key cannot be encrypted: give the table a surrogate key\n",
			commentText(key.Name), commentText(strings.Join(key.Types, ", ")))
	}

	var plain, protected, possible []*ColumnReport
	for i := range t.Columns {
		c := &t.Columns[i]
		if c == key {
			continue
		}
		switch c.Verdict {
		case VerdictPHI:
			protected = append(protected, c)
		case VerdictPossible:
			possible = append(possible, c)
		default:
			plain = append(plain, c)
		}
	}
	if len(plain)+len(possible) > 0 {
		w("    plain:\n")
		for _, c := range plain {
			typ := plainType(c)
			if file {
				typ = "text"
			}
			w("      - {name: %s, type: %s, nullable: true}", yamlStr(colName(c.Name)), typ)
			if overridden(c) {
				w(" # none: %s", overrideDetail)
			}
			w("\n")
		}
		if len(possible) > 0 {
			// Listed, so that a table opened with this schema keeps
			// them; not protected, since the scan is not sure.
			w("      # possibly PHI: plain until reviewed; to protect one, move it under columns\n")
		}
		for _, c := range possible {
			typ := plainType(c)
			if file {
				typ = "text"
			}
			w("      - {name: %s, type: %s, nullable: true} # possibly PHI: %s, confidence %.2f\n", yamlStr(colName(c.Name)), typ,
				commentText(strings.Join(c.Types, ", ")), c.Confidence)
		}
	}
	var lastName, dob string
	w("    columns:\n")
	for _, c := range protected {
		n := colName(c.Name)
		vt := valueType(c, file)
		w("      - name: %s # %s, confidence %.2f", yamlStr(n), commentText(strings.Join(c.Types, ", ")), c.Confidence)
		if overridden(c) {
			w(" (%s)", overrideDetail)
		}
		w("\n")
		w("        type: %s\n", vt)
		if nullable(c, t) {
			w("        nullable: true\n")
		}
		if vt == sqlwrap.TypeString {
			if ml := maxLength(c.SQLType); ml > 0 {
				w("        max_length: %d\n", ml)
			}
			if hasType(c, "name", "address", "street", "email") {
				w("        padding: %d\n", emitPadding)
			}
		}
		switch {
		case vt == sqlwrap.TypeDate || vt == sqlwrap.TypeTimestamp:
			// Searched through a compound index only: a date alone has
			// too little entropy (docs/SCHEMA.md section 4).
			if dob == "" && isBirthDate(c) {
				dob = n
			}
		case vt == sqlwrap.TypeBool || vt == sqlwrap.TypeFloat64 || vt == sqlwrap.TypeBytes:
		case hasType(c, "ssn", "social"):
			w("        equality: {transforms: %s}\n", transforms(vt, "digits"))
		case hasType(c, "email"):
			w("        equality: {transforms: %s}\n", transforms(vt, "trim,casefold"))
		case hasType(c, "phone", "fax"):
			w("        equality: {transforms: %s}\n", transforms(vt, "digits,last:10"))
		case hasType(c, "mrn", "medical_record", "record_number"):
			w("        equality: true\n")
		case isLookupKey(c):
			// Policy, member and subscriber numbers are what a person
			// is looked up by.
			w("        equality: true # a lookup key\n")
		case hasType(c, "name") && vt == sqlwrap.TypeString:
			last := isLastName(c)
			if last && lastName == "" {
				lastName = n
			}
			emitNameIndex(w, c, t.Rows, last)
		}
	}
	if lastName != "" && dob != "" {
		w("    compound:\n")
		w("      - name: %s\n", yamlStr(lastName+"_"+dob))
		w("        # bits: planned with those of the last-name index, which refine its buckets\n")
		w("        # (docs/SECURITY.md section 4); without that index they would be wider\n")
		w("        parts:\n")
		w("          - {column: %s, transforms: %q}\n", yamlStr(lastName), emitNameTransform)
		w("          - {column: %s}\n", yamlStr(dob))
	}
	return b.String(), ""
}

// uniqueKey is the key of a table without a primary key: a column ScanDB
// found UNIQUE and NOT NULL, preferring one judged "none" and then one of
// an integer type (a surrogate key rather than, say, a record number).
func uniqueKey(t *TableReport) *ColumnReport {
	var best *ColumnReport
	score := func(c *ColumnReport) int {
		s := 0
		if c.Verdict == VerdictNone {
			s += 2
		}
		if plainType(c) == "integer" {
			s++
		}
		return s
	}
	for i := range t.Columns {
		c := &t.Columns[i]
		if c.UniqueKey && (best == nil || score(c) > score(best)) {
			best = c
		}
	}
	return best
}

// lookupKeyRe matches the names of the numbers a payer or plan knows a
// person by: policy, member, subscriber, insured or beneficiary numbers.
var lookupKeyRe = regexp.MustCompile(`(?i)(^|_)(policy|member|mbr|subscriber|subscr|insured|beneficiary|bene|cardholder|enrollee)_?(id|no|num|nbr|number|key)?($|_)`)

// isLookupKey reports whether a PHI column is an identifier people are
// looked up by (and so gets an equality index): account, policy, member
// or Medicare numbers and device identifiers, by type or by name.
func isLookupKey(c *ColumnReport) bool {
	if hasType(c, "account", "mbi", "policy", "member", "device_id", "credit_card") {
		return true
	}
	if hasType(c, "name", "address", "street", "city", "zip", "date", "birth", "phone", "email") {
		return false
	}
	return lookupKeyRe.MatchString(c.Name) && identifierShaped(c.Name)
}

// identifierShaped reports whether a name ends in a number word ("_id",
// "no", "number"), unlike "policy_type" or "member_since".
func identifierShaped(name string) bool {
	toks := SplitColumnName(name)
	if len(toks) == 0 {
		return false
	}
	switch toks[len(toks)-1] {
	case "id", "no", "num", "nbr", "number", "key", "ident", "identifier":
		return true
	}
	return len(toks) == 1
}

// emitNameIndex writes the equality index of a name column. When the
// scanned table is large enough to plan for, the schema declares the
// scan's distinct count and the planner sizes the token; otherwise it
// gives a starting point in bits. A prefix index is only suggested: with
// the equality index on the same column, most names would get a token set
// of their own (docs/SECURITY.md §5.1).
func emitNameIndex(w func(string, ...any), c *ColumnReport, rows int64, last bool) {
	switch d := c.Distinct; {
	case rows >= emitMinRows && d >= emitMinDistinct:
		w("        distinct: %d # distinct values in the scan's sample\n", d)
		w("        equality: {transforms: %q}\n", emitNameTransform)
	case rows >= emitMinRows && d > 0:
		w("        # %d distinct values in the scan's sample: too few for a standalone index (docs/SCHEMA.md section 4)\n", d)
		return
	default:
		bits := emitFirstNameBits
		if last {
			bits = emitLastNameBits
		}
		w("        # bits: a starting point; declare distinct: N (different names expected) to let the planner size it\n")
		w("        equality: {transforms: %q, bits: %d}\n", emitNameTransform, bits)
	}
	w("        # prefix: {transforms: %q, max: 4} # opt-in: beside the equality index it singles out most names (docs/SECURITY.md §5.1)\n", emitNameTransform)
}

func hasVerdict(t *TableReport, v Verdict) bool {
	for _, c := range t.Columns {
		if c.Verdict == v {
			return true
		}
	}
	return false
}

// hasType reports whether one of the column's PHI types contains one of
// the words (types such as "first_name" or "phone_home" count as "name"
// and "phone").
func hasType(c *ColumnReport, words ...string) bool {
	for _, t := range c.Types {
		t = strings.ToLower(t)
		for _, w := range words {
			if strings.Contains(t, w) {
				return true
			}
		}
	}
	return false
}

var (
	lastNameRe  = regexp.MustCompile(`(?i)(^|_)(l_?name|last_?name|surname|family_?name|name_?last)($|_)`)
	birthDateRe = regexp.MustCompile(`(?i)(^|_)(dob|birth_?date|date_?of_?birth|birth_?day|birthdate|born)($|_)`)
)

func isLastName(c *ColumnReport) bool {
	return hasType(c, "last", "surname", "family") || lastNameRe.MatchString(c.Name)
}

func isBirthDate(c *ColumnReport) bool {
	return hasType(c, "dob", "birth") || birthDateRe.MatchString(c.Name)
}

// baseType is the upper-case SQL type without its length, modifiers and
// the PRIMARY KEY mark.
func baseType(sqlType string) string {
	s := strings.ToUpper(strings.TrimSpace(sqlType))
	s = strings.TrimSuffix(s, "PRIMARY KEY")
	if i := strings.IndexByte(s, '('); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "UNSIGNED"))
	return s
}

// plainType maps a declared SQL type to a plain column type of the schema,
// following SQLite's affinity rules where the name is not one of the
// common ones.
func plainType(c *ColumnReport) string {
	s := baseType(c.SQLType)
	switch s {
	case "":
		return "text"
	case "INT", "INTEGER", "INT2", "INT4", "INT8", "BIGINT", "SMALLINT", "TINYINT", "MEDIUMINT", "SERIAL", "BIGSERIAL", "SMALLSERIAL", "YEAR":
		return "integer"
	case "REAL", "FLOAT", "FLOAT4", "FLOAT8", "DOUBLE", "DOUBLE PRECISION", "DECIMAL", "NUMERIC":
		return "real"
	case "BOOL", "BOOLEAN", "BIT":
		return "boolean"
	case "DATE":
		return "date"
	case "DATETIME", "TIMESTAMP", "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITHOUT TIME ZONE":
		return "timestamp"
	case "BLOB", "BYTEA", "BINARY", "VARBINARY", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB":
		return "bytes"
	}
	switch {
	case strings.Contains(s, "INT") && !strings.Contains(s, "POINT") && !strings.HasPrefix(s, "INTERVAL"):
		return "integer"
	case strings.Contains(s, "CHAR"), strings.Contains(s, "TEXT"), strings.Contains(s, "CLOB"):
		return "text"
	case strings.Contains(s, "REAL"), strings.Contains(s, "FLOA"), strings.Contains(s, "DOUB"):
		return "real"
	}
	return "text"
}

// valueType is the protected type of a PHI column. Dates held as text are
// protected as dates: an application then reads and searches them as
// dates, and the compound index with a last name works on them.
func valueType(c *ColumnReport, file bool) sqlwrap.ValueType {
	pt := "text"
	if !file {
		pt = plainType(c)
	}
	dateLike := hasType(c, "date", "dob", "birth")
	switch pt {
	case "integer":
		return sqlwrap.TypeInt64
	case "real":
		return sqlwrap.TypeFloat64
	case "boolean":
		return sqlwrap.TypeBool
	case "bytes":
		return sqlwrap.TypeBytes
	case "date":
		return sqlwrap.TypeDate
	case "timestamp":
		return sqlwrap.TypeTimestamp
	}
	if dateLike {
		return sqlwrap.TypeDate
	}
	return sqlwrap.TypeString
}

// nullable is false only for a column seen in full without an empty value.
func nullable(c *ColumnReport, t *TableReport) bool {
	return c.Nulls > 0 || c.Sampled < t.Rows || t.Rows == 0
}

var lengthRe = regexp.MustCompile(`(?i)^\s*(?:national\s+)?(?:var|bp)?char(?:acter)?(?:\s+varying)?\s*\(\s*(\d+)\s*\)`)

// maxLength is n of CHAR(n) or VARCHAR(n), in bytes: phicrypt bounds
// bytes, and a UTF-8 character takes up to four.
func maxLength(sqlType string) int {
	m := lengthRe.FindStringSubmatch(sqlType)
	if m == nil {
		return 0
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n <= 0 || n > 1<<20 {
		return 0
	}
	return 4 * n
}

// transforms is the transform chain of an equality index; text
// transforms apply to string columns only.
func transforms(vt sqlwrap.ValueType, chain string) string {
	if vt != sqlwrap.TypeString {
		chain = ""
	}
	return strconv.Quote(chain)
}

// identifier turns a file or header name into an SQL identifier: letters,
// digits and '_', not starting with a digit, at most 63 bytes.
func identifier(s string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			under = false
		case !under && b.Len() > 0:
			b.WriteByte('_')
			under = true
		}
	}
	out := strings.TrimRight(b.String(), "_")
	if out == "" || out[0] >= '0' && out[0] <= '9' {
		out = "t_" + out
	}
	if len(out) > 63 {
		out = out[:63]
	}
	return out
}

// yamlWords are plain scalars YAML reads as something else than a string.
var yamlWords = map[string]bool{
	"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true,
	"y": true, "n": true, "null": true, "~": true,
}

// yamlStr writes a name as a plain scalar when it is an identifier that
// YAML reads as a string, and double-quoted otherwise.
func yamlStr(s string) string {
	plain := s != "" && !yamlWords[strings.ToLower(s)]
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= '0' && c <= '9' && i > 0
	}
	if plain {
		return s
	}
	return strconv.Quote(s)
}

// commentText keeps text on one comment line.
func commentText(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r < ' ' {
			return ' '
		}
		return r
	}, s)
}
