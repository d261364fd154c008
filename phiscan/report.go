// Package phiscan finds the columns of databases and data-set files that
// hold protected health information, and reports them without repeating
// the PHI it found.
package phiscan

import "time"

// Verdict is the scanner's judgement of one column.
type Verdict string

// Verdicts.
const (
	VerdictPHI      Verdict = "phi"
	VerdictPossible Verdict = "possible"
	VerdictNone     Verdict = "none"
)

// Evidence is one reason behind a verdict.
type Evidence struct {
	// Check is "name", "value", "date_age", "age", "small_cell" or "free_text".
	Check string `json:"check"`
	// Type is the detected PHI type, e.g. "ssn", "mrn", "name", "phone".
	Type string `json:"type"`
	// Share is the fraction of sampled non-null values that matched (value
	// checks), or 1 for a name match.
	Share float64 `json:"share"`
	// Detail explains the match without quoting a value, e.g. the name
	// token that matched or the masked pattern "###-##-####".
	Detail string `json:"detail,omitempty"`
}

// ColumnReport is the result for one column.
type ColumnReport struct {
	Name       string     `json:"name"`
	Verdict    Verdict    `json:"verdict"`
	Types      []string   `json:"types"`
	Confidence float64    `json:"confidence"`
	Evidence   []Evidence `json:"evidence"`
	// SQLType is the declared type, when the source has one.
	SQLType string `json:"sql_type,omitempty"`
	// Sampled and Nulls count the values looked at and the NULL/empty ones.
	Sampled int64 `json:"sampled"`
	Nulls   int64 `json:"nulls"`
	// Distinct estimates the distinct non-null values sampled (exact up
	// to 1,024, then within a few percent); the emitted schema declares
	// it so that the planner can size equality indexes.
	Distinct int64 `json:"distinct,omitempty"`
	// Min is the smallest numeric value, when the column is numeric.
	Min *float64 `json:"min,omitempty"`
	// Example is a masked example value (pattern and length only).
	Example string `json:"example,omitempty"`
	// Subject says whose identifiers the column holds: "patient",
	// "staff" (names, contact data and numbers of the site's users and
	// clinicians) or "organisation" (of facilities, pharmacies, payers).
	// A "none" column has subject "organisation" when it holds an
	// organisation's contact data that the table's context ruled out as
	// PHI; otherwise a "none" column has no subject.
	Subject string `json:"subject,omitempty"`
	// UniqueKey marks a NOT NULL column that alone makes up a UNIQUE
	// constraint or unique index, in a table without a primary key
	// (ScanDB); EmitSchema takes it as the key.
	UniqueKey bool `json:"unique_key,omitempty"`
}

// TableReport is the result for one table or file.
type TableReport struct {
	Name string `json:"name"`
	// Kind is "table", "view", "csv", "tsv" or "file".
	Kind     string         `json:"kind"`
	Rows     int64          `json:"rows"`
	Created  *time.Time     `json:"created,omitempty"`
	Modified *time.Time     `json:"modified,omitempty"`
	Columns  []ColumnReport `json:"columns"`
	Warnings []string       `json:"warnings"`
	// Examples are a few masked example records.
	Examples [][]string `json:"examples,omitempty"`
}

// FileReport describes a file of a scanned directory that is not a table
// (unexpected, unreadable or binary files).
type FileReport struct {
	Name     string     `json:"name"`
	Kind     string     `json:"kind"`
	Size     int64      `json:"size"`
	Created  *time.Time `json:"created,omitempty"`
	Modified *time.Time `json:"modified,omitempty"`
	Warning  string     `json:"warning,omitempty"`
}

// Report is the result of a scan; docs/SCAN.md documents its JSON form.
type Report struct {
	ScannedAt time.Time     `json:"scanned_at"`
	Source    string        `json:"source"`
	Tables    []TableReport `json:"tables"`
	Files     []FileReport  `json:"files"`
}

// Config tunes a scan.
type Config struct {
	// SiteTerms are extra column-name terms that mean PHI at this site.
	SiteTerms []string `json:"site_terms" yaml:"site_terms"`
	// MRNPattern is a regular expression for the site's medical record
	// numbers, e.g. `^E\d{7}$`.
	MRNPattern string `json:"mrn_pattern" yaml:"mrn_pattern"`
	// ScanDate is "today" for the age checks; zero means now.
	ScanDate time.Time `json:"scan_date" yaml:"scan_date"`
	// AgeLimit is the age above which ages and birth dates are PHI (89).
	AgeLimit int `json:"age_limit" yaml:"age_limit"`
	// Sample is how many rows to read per table (0: every row); the
	// default of the CLI is 10,000.
	Sample int `json:"sample" yaml:"sample"`
	// Columns overrides the verdict of named columns: the key is
	// "table.column" (a file's table is its path, or its name without
	// directory and extension), the value a PHI type ("address", "mrn",
	// ...; OverrideTypes lists them) for "phi", or "none". The report and
	// the emitted schema both follow it.
	Columns map[string]string `json:"columns" yaml:"columns"`
}

// ColumnInput is what the classifier sees of one column.
type ColumnInput struct {
	Table   string
	Name    string
	SQLType string
	// Values are the sampled values as text ("" for NULL).
	Values []string
	// TableColumns are the names of every column of the table, for
	// context (a "name" column in a table with "dose" and "route" columns
	// holds drug names).
	TableColumns []string
}
