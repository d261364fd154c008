package sqlwrap

import "github.com/phicrypt/phicrypt/blindindex"

// ValueType is the Go type a protected column holds; it decides the value
// encoding (docs/FORMAT.md §3) and the Go type reads return.
type ValueType string

// Value types of protected columns.
const (
	TypeString    ValueType = "string"    // Go string
	TypeBytes     ValueType = "bytes"     // Go []byte
	TypeInt64     ValueType = "int64"     // Go int64
	TypeFloat64   ValueType = "float64"   // Go float64
	TypeBool      ValueType = "bool"      // Go bool
	TypeDate      ValueType = "date"      // cipher.Date
	TypeTimestamp ValueType = "timestamp" // time.Time
)

// Schema lists the tables whose columns phicrypt protects.
type Schema struct {
	// Source names where the schema came from (a file path, or a Go type),
	// for error messages.
	Source string
	Tables []*Table
}

// Table is one table with protected columns.
type Table struct {
	Name string
	// Key is the primary-key column (never protected). Get, Update and
	// Delete address rows by it.
	Key string
	// KeyType is the SQL type of the key column when the wrapper creates
	// the table: "integer" (auto-increment, the default) or "text".
	KeyType string
	// RowBinding is the unprotected column whose value binds every
	// ciphertext of the row to the row (usually Key); "" binds to the
	// table and column only.
	RowBinding string
	// Columns are the protected columns.
	Columns []*Column
	// Plain are unprotected columns the wrapper creates and lets queries
	// filter and sort by.
	Plain []*PlainColumn
	// Compound are indexes over several protected columns.
	Compound []*CompoundIndex
	// Rows is the number of rows the indexes are planned for (0:
	// unknown). Validate checks explicit bits against it, and the schema
	// file's default bits come from it (docs/SCHEMA.md, "Choosing bits").
	Rows int64
}

// PlainColumn is an ordinary, unprotected column.
type PlainColumn struct {
	Name string
	// Type is "text", "integer", "real", "boolean", "date", "timestamp"
	// or "bytes".
	Type     string
	Nullable bool
}

// Column is a protected column: ciphertext in the column itself, tokens in
// the columns (or side tables) of its indexes.
type Column struct {
	Name     string
	Type     ValueType
	Nullable bool
	// Scope is the key scope; "" means "table.column".
	Scope string
	// Padding pads encoded values to a multiple of this many bytes (0: off).
	Padding int
	// MaxLength bounds strings and byte slices, in bytes (0: no bound).
	MaxLength int
	// Distinct is the declared number of distinct values (0: unknown).
	// With it, or with a type that bounds it (bool: 2, date: 36,525 days
	// in 100 years), Validate refuses indexes whose tokens would single
	// out values, and the schema file plans default bits from it.
	Distinct int64
	Equality []*EqualityIndex
	Bloom    []*BloomIndex
}

// EqualityIndex is a blind index for equality and IN on one column. Its
// tokens live in a BIGINT column named Name with a btree index.
type EqualityIndex struct {
	Name       string
	Transforms string
	// Bits is the token width, 1..64. The schema file and struct tags
	// fill it from the planner when it is left out; a schema built in Go
	// sets it (blindindex.PlanEquality).
	Bits       int
	Partitions int
	// Force accepts a standalone index on a low-entropy value (a bool
	// column, a birth year, an initial), which Validate otherwise refuses
	// with blindindex.ErrLowEntropy, and bits above the planner's bound
	// for the column's distinct values (blindindex.ErrRevealsEquality).
	// Such an index reveals the value, or which rows share it.
	Force bool
}

// BloomIndex is a prefix or substring index. On PostgreSQL its Bloom bit
// positions live in an integer array column named Name with a GIN index; on
// SQLite its gram tokens live in a contentless FTS5 table TABLE__NAME; on
// MySQL prefix gram tokens live in one indexed BIGINT column per gram
// length (NAME_G) and substring gram tokens in a side table TABLE__NAME(tok, k).
// M and K apply to PostgreSQL only.
type BloomIndex struct {
	Name       string
	Kind       blindindex.GramKind
	Transforms string
	MinGram    int
	MaxGram    int
	MaxGrams   int
	M, K       uint
	// Force accepts a prefix index whose longest gram exceeds
	// MaxPrefixGram, and indexes of a column that together exceed the
	// planner's bound (blindindex.ErrRevealsEquality).
	Force bool
	// RevealsEquality acknowledges what a substring index reveals: a
	// value's set of n-grams identifies it, so the tokens show which rows
	// hold equal values (and which share n-grams). Validate refuses a
	// substring index without it.
	RevealsEquality bool
}

// CompoundIndex is an equality index over several protected columns; a
// query with Eq on every part uses it.
type CompoundIndex struct {
	Name       string
	Parts      []CompoundPart
	Bits       int
	Partitions int
	// Force accepts bits above the planner's bound for the combination's
	// distinct values (blindindex.ErrRevealsEquality).
	Force bool
}

// CompoundPart is one column of a compound index.
type CompoundPart struct {
	Column     string
	Transforms string
}
