package sqlwrap

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/phicrypt/phicrypt/blindindex"
)

// ErrSchema is wrapped by every error that rejects a schema, whether it
// comes from a YAML file, from struct tags or from Validate.
var ErrSchema = errors.New("invalid schema")

// maxIdentifier is PostgreSQL's identifier limit (NAMEDATALEN-1); longer
// names are silently truncated there, which could merge two columns.
const maxIdentifier = 63

// maxPadding is the largest padding bucket cipher.WithPadding accepts.
const maxPadding = 1 << 16

// maxScope bounds key scope names; they name keysets in the key store.
const maxScope = 255

// plainTypes are the SQL types a plain column may have.
var plainTypes = map[string]bool{
	"text": true, "integer": true, "real": true, "boolean": true,
	"date": true, "timestamp": true, "bytes": true,
}

// valueTypes are the Go types a protected column may hold.
var valueTypes = map[ValueType]bool{
	TypeString: true, TypeBytes: true, TypeInt64: true, TypeFloat64: true,
	TypeBool: true, TypeDate: true, TypeTimestamp: true,
}

// Table returns the table with this name.
func (s *Schema) Table(name string) (*Table, bool) {
	for _, t := range s.Tables {
		if t != nil && t.Name == name {
			return t, true
		}
	}
	return nil, false
}

// Column returns the protected column with this name. Plain columns and
// the key are not protected and are not returned.
func (t *Table) Column(name string) (*Column, bool) {
	for _, c := range t.Columns {
		if c != nil && c.Name == name {
			return c, true
		}
	}
	return nil, false
}

// place locates a schema error: errors name the source, table and column
// so that an engineer can find the line to fix in a schema of hundreds of
// columns.
type place struct {
	source, table, column string
}

func (p place) col(name string) place {
	p.column = name
	return p
}

func (p place) String() string {
	var parts []string
	if p.source != "" {
		parts = append(parts, p.source)
	}
	if p.table != "" {
		parts = append(parts, "table "+p.table)
	}
	if p.column != "" {
		parts = append(parts, "column "+p.column)
	}
	return strings.Join(parts, ": ")
}

// errf returns an error wrapping ErrSchema and, when non-nil, cause.
func (p place) errf(cause error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if where := p.String(); where != "" {
		msg = where + ": " + msg
	}
	if cause != nil {
		return fmt.Errorf("%w: %s: %w", ErrSchema, msg, cause)
	}
	return fmt.Errorf("%w: %s", ErrSchema, msg)
}

// checkIdentifier accepts names that every supported database takes
// unquoted: SQL built from the schema can then never be steered by a name.
func checkIdentifier(name string) error {
	if name == "" {
		return errors.New("name is empty")
	}
	if len(name) > maxIdentifier {
		return fmt.Errorf("name %q is %d bytes long, maximum %d", name, len(name), maxIdentifier)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return fmt.Errorf("name %q is not an identifier (letters, digits and '_', not starting with a digit)", name)
		}
	}
	return nil
}

func checkScope(scope string) error {
	if len(scope) > maxScope {
		return fmt.Errorf("scope is %d bytes long, maximum %d", len(scope), maxScope)
	}
	for i := 0; i < len(scope); i++ {
		c := scope[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return fmt.Errorf("scope %q may hold only letters, digits, '_', '.' and '-'", scope)
		}
	}
	return nil
}

// Validate checks every table (Table.Validate) and what tables share:
// their names and the side tables of prefix and substring indexes. LoadSchemaFile,
// ParseSchema and SchemaFromStruct call it; call it yourself on a schema
// built in Go. Errors wrap ErrSchema and name Source, the table and the
// column.
func (s *Schema) Validate() error {
	if s == nil {
		return place{}.errf(nil, "nil schema")
	}
	top := place{source: s.Source}
	if len(s.Tables) == 0 {
		return top.errf(nil, "no tables")
	}
	// Table names are compared case-insensitively because MySQL on
	// Windows and macOS, and unquoted names everywhere, ignore case.
	tables := map[string]string{}
	for i, t := range s.Tables {
		if t == nil {
			return top.errf(nil, "table %d is nil", i+1)
		}
		if err := validateTable(s.Source, t); err != nil {
			return err
		}
		if prev, dup := tables[strings.ToLower(t.Name)]; dup {
			return place{source: s.Source, table: t.Name}.errf(nil, "table name used twice (also %s)", prev)
		}
		tables[strings.ToLower(t.Name)] = "table " + t.Name
	}
	// Side tables live in the same namespace as the tables.
	for _, t := range s.Tables {
		for _, c := range t.Columns {
			for _, ix := range c.Bloom {
				side := sideTable(t, ix)
				p := place{source: s.Source, table: t.Name, column: c.Name}
				if prev, dup := tables[strings.ToLower(side)]; dup {
					return p.errf(nil, "%s index %s: its side table %s clashes with %s", ix.Kind, ix.Name, side, prev)
				}
				tables[strings.ToLower(side)] = "the side table of index " + t.Name + "." + ix.Name
			}
		}
	}
	return nil
}

// Validate checks the table on its own. Errors wrap ErrSchema and name
// the table and the column; Schema.Validate adds the schema's source.
func (t *Table) Validate() error {
	if t == nil {
		return place{}.errf(nil, "nil table")
	}
	return validateTable("", t)
}

// sideTable is where a prefix or substring index keeps its tokens off
// PostgreSQL (both kinds on SQLite, substring on MySQL). It is reserved
// for every index so that a schema works on each database.
func sideTable(t *Table, ix *BloomIndex) string { return t.Name + "__" + ix.Name }

// prefixGramColumn is the column a prefix index keeps grams of length g
// in on MySQL.
func prefixGramColumn(ix *BloomIndex, g int) string { return ix.Name + "_" + strconv.Itoa(g) }

// namespace tracks the names that become columns of one table: protected
// and plain columns, the key and every index column. They must differ
// case-insensitively, since MySQL compares column names without case.
type namespace struct {
	names map[string]string
}

func (n *namespace) add(p place, name, what string) error {
	if err := checkIdentifier(name); err != nil {
		return p.errf(nil, "%s: %v", what, err)
	}
	if prev, dup := n.names[strings.ToLower(name)]; dup {
		return p.errf(nil, "%s: name already used by %s", what, prev)
	}
	if !strings.HasSuffix(what, " "+name) {
		what += " " + name
	}
	n.names[strings.ToLower(name)] = what
	return nil
}

func validateTable(source string, t *Table) error {
	p := place{source: source, table: t.Name}
	if t.Name == "" {
		p.table = "(unnamed)"
	}
	if t.Rows < 0 {
		return p.errf(nil, "negative rows %d", t.Rows)
	}
	if err := checkIdentifier(t.Name); err != nil {
		return p.errf(nil, "table name: %v", err)
	}
	ns := &namespace{names: map[string]string{}}

	if t.Key == "" {
		return p.errf(nil, "no key column")
	}
	if err := ns.add(p.col(t.Key), t.Key, "key column"); err != nil {
		return err
	}
	switch t.KeyType {
	case "", "integer", "text":
	default:
		return p.col(t.Key).errf(nil, "key type %q: want integer or text", t.KeyType)
	}

	for i, pc := range t.Plain {
		if pc == nil {
			return p.errf(nil, "plain column %d is nil", i+1)
		}
		cp := p.col(pc.Name)
		if pc.Name == "" {
			return p.errf(nil, "plain column %d has no name", i+1)
		}
		if err := ns.add(cp, pc.Name, "plain column"); err != nil {
			return err
		}
		if !plainTypes[pc.Type] {
			return cp.errf(nil, "plain type %q: want text, integer, real, boolean, date, timestamp or bytes", pc.Type)
		}
	}

	if len(t.Columns) == 0 {
		return p.errf(nil, "no protected columns")
	}
	for i, c := range t.Columns {
		if c == nil {
			return p.errf(nil, "protected column %d is nil", i+1)
		}
		if c.Name == "" {
			return p.errf(nil, "protected column %d has no name", i+1)
		}
		if err := ns.add(p.col(c.Name), c.Name, "protected column"); err != nil {
			return err
		}
	}
	for _, c := range t.Columns {
		if err := validateColumn(t, c, p.col(c.Name), ns); err != nil {
			return err
		}
	}

	if rb := t.RowBinding; rb != "" {
		bp := p.col(rb)
		switch _, prot := t.Column(rb); {
		case rb == t.Key:
		case prot:
			return bp.errf(nil, "row binding must be the key or a plain column, not a protected one: its value is part of every ciphertext's associated data")
		default:
			pc := plainColumn(t, rb)
			if pc == nil {
				return bp.errf(nil, "row binding names no key or plain column")
			}
			if pc.Nullable {
				// A NULL binding would leave the row's ciphertexts unbound
				// without anyone noticing.
				return bp.errf(nil, "row binding column must not be nullable")
			}
		}
	}

	for i, ci := range t.Compound {
		if ci == nil {
			return p.errf(nil, "compound index %d is nil", i+1)
		}
		if err := validateCompound(t, ci, p, ns); err != nil {
			return err
		}
	}
	return nil
}

func plainColumn(t *Table, name string) *PlainColumn {
	for _, pc := range t.Plain {
		if pc != nil && pc.Name == name {
			return pc
		}
	}
	return nil
}

func validateColumn(t *Table, c *Column, p place, ns *namespace) error {
	if !valueTypes[c.Type] {
		return p.errf(nil, "type %q: want string, bytes, int64, float64, bool, date or timestamp", c.Type)
	}
	if c.Padding < 0 || c.Padding > maxPadding {
		return p.errf(nil, "padding %d outside 0..%d", c.Padding, maxPadding)
	}
	if c.MaxLength < 0 {
		return p.errf(nil, "negative max_length %d", c.MaxLength)
	}
	if c.MaxLength > 0 && c.Type != TypeString && c.Type != TypeBytes {
		return p.errf(nil, "max_length applies to string and bytes columns only, not %s", c.Type)
	}
	if c.Scope != "" {
		if err := checkScope(c.Scope); err != nil {
			return p.errf(nil, "%v", err)
		}
	}

	for i, ix := range c.Equality {
		if ix == nil {
			return p.errf(nil, "equality index %d is nil", i+1)
		}
		what := "equality index " + ix.Name
		if err := ns.add(p, ix.Name, what); err != nil {
			return err
		}
		_, err := blindindex.NewEquality(blindindex.EqualityConfig{
			Name: t.Name + "." + ix.Name, Transforms: ix.Transforms, Bits: ix.Bits, Partitions: ix.Partitions,
		})
		if err != nil {
			return p.errf(err, "%s", what)
		}
		chain, _ := blindindex.ParseChain(ix.Transforms) // NewEquality parsed it
		if err := checkTransforms(c.Type, chain); err != nil {
			return p.errf(nil, "%s: %v", what, err)
		}
		if ix.Force {
			continue
		}
		if c.Type == TypeBool {
			return p.errf(blindindex.ErrLowEntropy, "%s: a bool column has at most 1 bit of entropy, so a standalone index reveals the value; put the column in a compound index, or set force", what)
		}
		if step := lowEntropyStep(chain); step != "" {
			return p.errf(blindindex.ErrLowEntropy, "%s: transform %s leaves under 8 bits of entropy, so a standalone index labels every row; put the column in a compound index, or set force", what, step)
		}
		if err := checkEqualityPlan(t, c, ix, chain, p, what); err != nil {
			return err
		}
	}
	if c.Distinct < 0 {
		return p.errf(nil, "negative distinct %d", c.Distinct)
	}

	var kinds [3]int
	for i, ix := range c.Bloom {
		if ix == nil {
			return p.errf(nil, "Bloom index %d is nil", i+1)
		}
		if ix.Kind != blindindex.Prefix && ix.Kind != blindindex.Substring {
			return p.errf(nil, "index %s: unknown Bloom kind %v", ix.Name, ix.Kind)
		}
		what := ix.Kind.String() + " index " + ix.Name
		if kinds[ix.Kind]++; kinds[ix.Kind] > 1 {
			// A query picks the column's prefix or substring index by
			// kind, so a second one could never be used.
			return p.errf(nil, "%s: a column has at most one %s index", what, ix.Kind)
		}
		if c.Type != TypeString {
			return p.errf(nil, "%s: prefix and substring indexes need a string column, not %s", what, c.Type)
		}
		if err := ns.add(p, ix.Name, what); err != nil {
			return err
		}
		_, err := blindindex.NewBloom(blindindex.BloomConfig{
			Name: t.Name + "." + ix.Name, Kind: ix.Kind, Transforms: ix.Transforms,
			MinGram: ix.MinGram, MaxGram: ix.MaxGram, MaxGrams: ix.MaxGrams, M: ix.M, K: ix.K,
		})
		if err != nil {
			return p.errf(err, "%s", what)
		}
		if ix.Kind == blindindex.Prefix {
			// On MySQL each gram length gets its own column.
			for g := ix.MinGram; g <= ix.MaxGram; g++ {
				if err := ns.add(p, prefixGramColumn(ix, g), fmt.Sprintf("gram column %d of %s", g, what)); err != nil {
					return err
				}
			}
		}
		if side := sideTable(t, ix); len(side) > maxIdentifier {
			return p.errf(nil, "%s: side table name %s is longer than %d bytes", what, side, maxIdentifier)
		}
	}
	return checkColumnLeakage(t, c, p)
}

// checkTransforms refuses text transforms on columns that are not
// strings: their tokens are computed over the value's canonical text form
// (decimal, ISO date, RFC 3339), which casefold or digits would only
// mangle. Date parts are allowed on dates and timestamps since both
// start with an ISO date.
func checkTransforms(typ ValueType, chain blindindex.Chain) error {
	if typ == TypeString {
		return nil
	}
	for _, tr := range chain.Transforms() {
		name := tr.Name()
		if strings.HasPrefix(name, "date:") && (typ == TypeDate || typ == TypeTimestamp) {
			continue
		}
		if typ == TypeDate || typ == TypeTimestamp {
			return fmt.Errorf("transform %s does not apply to %s columns (only date:year, date:month, date:day, date:yearmonth and date:monthday do)", name, typ)
		}
		return fmt.Errorf("transform %s does not apply to %s columns (only string columns take transforms)", name, typ)
	}
	return nil
}

// lowEntropyStep returns the first transform of chain that leaves fewer
// than 256 likely values (a birth year, a month, an initial, two
// digits), or "". Transforms are functions, so nothing after it can add
// entropy back.
func lowEntropyStep(chain blindindex.Chain) string {
	digits := false
	for _, tr := range chain.Transforms() {
		name := tr.Name()
		switch name {
		case "date:year", "date:month", "date:day", "first:1", "last:1":
			return name
		case "digits":
			digits = true
		case "first:2", "last:2":
			if digits {
				return name
			}
		}
	}
	return ""
}

func validateCompound(t *Table, ci *CompoundIndex, p place, ns *namespace) error {
	what := "compound index " + ci.Name
	if ci.Name == "" {
		return p.errf(nil, "a compound index has no name")
	}
	if err := ns.add(p.col(ci.Name), ci.Name, what); err != nil {
		return err
	}
	if len(ci.Parts) < 2 {
		return p.col(ci.Name).errf(nil, "%s needs at least two parts, has %d", what, len(ci.Parts))
	}
	parts := make([]blindindex.CompoundPart, len(ci.Parts))
	seen := map[CompoundPart]bool{}
	for i, part := range ci.Parts {
		if part.Column == "" {
			return p.col(ci.Name).errf(nil, "%s: part %d names no column", what, i+1)
		}
		pp := p.col(part.Column)
		c, ok := t.Column(part.Column)
		if !ok {
			if part.Column == t.Key || plainColumn(t, part.Column) != nil {
				return pp.errf(nil, "%s: part %d is not a protected column; filter plain columns directly", what, i+1)
			}
			return pp.errf(nil, "%s: part %d names no protected column", what, i+1)
		}
		if seen[part] {
			return pp.errf(nil, "%s: part %d repeats an earlier part", what, i+1)
		}
		seen[part] = true
		chain, err := blindindex.ParseChain(part.Transforms)
		if err != nil {
			return pp.errf(err, "%s: part %d", what, i+1)
		}
		if err := checkTransforms(c.Type, chain); err != nil {
			return pp.errf(nil, "%s: part %d: %v", what, i+1, err)
		}
		parts[i] = blindindex.CompoundPart{Field: part.Column, Transforms: part.Transforms}
	}
	_, err := blindindex.NewCompound(blindindex.CompoundConfig{
		Name: t.Name + "." + ci.Name, Parts: parts, Bits: ci.Bits, Partitions: ci.Partitions,
	})
	if err != nil {
		return p.col(ci.Name).errf(err, "%s", what)
	}
	return checkCompoundLeakage(t, ci, p.col(ci.Name), what)
}
