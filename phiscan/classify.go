package phiscan

import "math"

// Classifier judges one column from a stream of values. It is the
// streaming form of Classify for full-table scans: create one per column
// with NewClassifier, feed every value to Observe, and call Report at the
// end (or at any point; Report does not change the state). A Classifier
// is not safe for concurrent use; columns are independent, so scan them
// in parallel with one Classifier each.
type Classifier struct {
	// sealed counts values that are phicrypt ciphertexts.
	sealed  int64
	name    string
	sqlType string
	table   string
	columns []string
	cfg     settings
	col     colName
	ctx     tableContext
	// fkLink is a column that a foreign key ties to a table of people
	// (SetPatientLink).
	fkLink  string
	scanner textScanner

	sampled, nulls, nonNull int64
	counts                  [numCounters]int64
	masks                   [numCounters]string
	textCounts              [thCount]int64
	textMasks               [thCount]string
	example                 string

	// Numeric statistics.
	allNumeric     bool
	min            float64
	intMin, intMax uint64
	// Lengths of the non-null values, to tell fixed-width identifiers.
	minLen, maxLen int
	// Distinct five-digit values, to tell ZIP codes (many) from codes
	// that repeat (CPT, product codes); allocated on the first one.
	fiveSeen     *[(100000 + 63) / 64]uint64
	fiveDistinct int

	// Distinct name-shaped and identifier-shaped values (a capped set of
	// hashes), to tell a column of people's names from a categorical
	// column whose few values happen to be names ("White", "Black"), and
	// record numbers from codes.
	distinct map[uint64]struct{}
	// places holds the distinct place names seen (a capped set of hashes).
	places map[uint64]struct{}
	// values estimates the distinct non-null values of the column.
	values distinctSketch
}

// NewClassifier returns a classifier for the column called name, of the
// declared SQL type sqlType (may be empty), in a table whose columns are
// tableColumns (for context; may be nil). cfg may be nil.
//
// Of the Config, SiteTerms are column-name terms matched like the built-in
// ones (whole tokens, any case or separator), each optionally followed by
// a colon and the PHI type it means ("csn", "hosp_acct:account"); a bare
// term is a local patient identifier, type "mrn". MRNPattern must match
// a whole value; an invalid pattern is ignored (ValidateConfig reports
// it).
func NewClassifier(name, sqlType string, tableColumns []string, cfg *Config) *Classifier {
	c := &Classifier{name: name, sqlType: sqlType, columns: tableColumns, cfg: prepare(cfg), allNumeric: true,
		min: math.Inf(1), intMin: math.MaxUint64, minLen: math.MaxInt}
	wordsOnce.Do(loadWords)
	c.col = analyzeName(name, c.cfg.siteTerms)
	c.ctx = analyzeContext("", tableColumns, name)
	c.colInContext()
	c.scanner = textScanner{dates: c.dates(), mrn: c.cfg.mrn, ageLimit: c.cfg.ageLimit}
	c.scanner.noDates = c.noTextDates()
	return c
}

// SetTable gives the classifier the table's name as context ("drug",
// "facility", "ref_codes" or "patient" tables). Call it before Observe.
func (c *Classifier) SetTable(table string) {
	c.table = table
	c.ctx = analyzeContext(table, c.columns, c.name)
	c.applyFKLink()
	c.col = analyzeName(c.name, c.cfg.siteTerms)
	c.colInContext()
	c.scanner.noDates = c.noTextDates()
}

// noTextDates reports tables whose descriptions mention dates of codes or
// events, not of people.
func (c *Classifier) noTextDates() bool {
	return (c.ctx.ref || c.ctx.log || c.ctx.org) && !c.ctx.person
}

func (c *Classifier) dates() dateParser {
	return dateParser{pivot: c.cfg.scanDate.Year() % 100}
}

// Classify judges one column from its sampled values.
func Classify(in ColumnInput, cfg *Config) ColumnReport {
	c := NewClassifier(in.Name, in.SQLType, in.TableColumns, cfg)
	if in.Table != "" {
		c.SetTable(in.Table)
	}
	for _, v := range in.Values {
		c.Observe(v)
	}
	return c.Report()
}
