package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/phicrypt/phicrypt/blindindex"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/phiscan"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

const planUsage = `usage: phicrypt plan --db DSN [--schema FILE] [--table T]... [--sample N] [--json] [--emit-schema FILE]

Samples the database and sizes the blind indexes of the schema for it:
for each table the row count, for each protected column and each index
the distinct values (estimated from a random sample of N rows, after the
index's transforms), and for each index the recommended token size (bits)
with the leakage it brings: rows per token (how many rows share one
token) and candidates per query (rows fetched and decrypted per search),
for the bits the schema has now and for the recommended ones. It also
counts what the indexes of one column reveal together (token sets over
distinct values). The planner is blindindex's (docs/SECURITY.md).

Without --schema the tables are scanned for PHI first (phicrypt scan) and
planned for the schema the scan would emit. --emit-schema writes the
schema with the measured rows, distinct counts and recommended bits; an
index the planner refuses (too few distinct values for a standalone
index) is left out, with a comment saying why. Review it before use.

A column that already holds ciphertext cannot be measured (its
plaintext column c__plain is sampled while a migration runs).

`

type planFlags struct {
	tables tableList
	sample int
	emit   string
}

func planCmd(args []string, stdout, stderr io.Writer) int {
	var c common
	var f planFlags
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	c.flags(fs, "db", "schema", "json")
	fs.Var(&f.tables, "table", "plan table `T` only; repeat for several (default: every table of the schema)")
	fs.IntVar(&f.sample, "sample", phiscan.DefaultSample, "rows sampled per table, `N`; 0 for every row")
	fs.StringVar(&f.emit, "emit-schema", "", "write the schema with the recommended sizes to `FILE`")
	if err := parse(fs, planUsage, args, stderr); err != nil {
		return exit(err, stderr)
	}
	if err := c.need("db"); err != nil {
		return exit(err, stderr)
	}
	if f.sample < 0 {
		return exit(usagef("--sample must be 0 (every row) or more, got %d", f.sample), stderr)
	}
	ctx, stop := signalContext()
	defer stop()
	return exit(runPlan(ctx, &c, &f, stdout, stderr), stderr)
}

// planReport is what plan prints.
type planReport struct {
	Dialect string       `json:"dialect"`
	Schema  string       `json:"schema"` // the file, or "scan"
	Sample  int          `json:"sample"`
	Tables  []*tablePlan `json:"tables"`
}

type tablePlan struct {
	Table    string        `json:"table"`
	Rows     int64         `json:"rows"`
	Sampled  int           `json:"sampled"`
	Columns  []*columnPlan `json:"columns"`
	Compound []*indexPlan  `json:"compound,omitempty"`
	Notes    []string      `json:"notes,omitempty"`

	t *sqlwrap.Table
}

type columnPlan struct {
	Column string `json:"column"`
	// Source is the column sampled: the column, or its plaintext copy
	// c__plain while a migration runs.
	Source    string `json:"source"`
	Encrypted bool   `json:"encrypted,omitempty"`
	// NonNull estimates the rows that hold a value.
	NonNull  float64      `json:"non_null_rows"`
	Distinct float64      `json:"distinct"`
	Indexes  []*indexPlan `json:"indexes"`
	// TokenSets and MaxTokenSets are blindindex.PlanColumn's count of
	// what the column's indexes reveal together, with the recommended bits.
	TokenSets       float64  `json:"token_sets,omitempty"`
	MaxTokenSets    float64  `json:"max_token_sets,omitempty"`
	RevealsEquality bool     `json:"reveals_equality"`
	Notes           []string `json:"notes,omitempty"`

	c     *sqlwrap.Column
	texts []string // sampled values as the indexes see them
}

type leakage struct {
	Bits               int     `json:"bits"`
	RowsPerToken       float64 `json:"rows_per_token"`
	CandidatesPerQuery float64 `json:"candidates_per_query"`
	// RevealsEquality: the bits reach log2(distinct) − 1, so a token
	// mixes fewer than two values and shows which rows hold equal ones.
	RevealsEquality bool `json:"reveals_equality"`
}

type indexPlan struct {
	Name       string  `json:"name"`
	Kind       string  `json:"kind"` // equality, prefix, substring, compound
	Transforms string  `json:"transforms"`
	Distinct   float64 `json:"distinct"` // distinct values after the transforms
	// Current is the leakage with the bits the schema has; Recommended
	// with the planner's.
	Current     *leakage `json:"current,omitempty"`
	Recommended *leakage `json:"recommended,omitempty"`
	MinBits     int      `json:"min_bits,omitempty"`
	MaxBits     int      `json:"max_bits,omitempty"`
	// RowsPerGram is, for a prefix index, the rows that share one
	// longest gram: the candidates of a search of at least that length.
	RowsPerGram float64 `json:"rows_per_gram,omitempty"`
	// FillRatio and FalseCandidates are the PostgreSQL Bloom filter's
	// (blindindex.PlanBloom) for the shortest search.
	FillRatio       float64  `json:"fill_ratio,omitempty"`
	FalseCandidates float64  `json:"false_candidates,omitempty"`
	Refused         string   `json:"refused,omitempty"`
	Warnings        []string `json:"warnings,omitempty"`

	refusal error // why the planner refused, for --emit-schema
	eq      *sqlwrap.EqualityIndex
	comp    *sqlwrap.CompoundIndex
}

func runPlan(ctx context.Context, c *common, f *planFlags, stdout, stderr io.Writer) error {
	sqldb, dialect, err := c.openDB(ctx)
	if err != nil {
		return err
	}
	defer sqldb.Close()
	var s *sqlwrap.Schema
	rep := &planReport{Dialect: dialect, Schema: c.schema, Sample: f.sample}
	if c.schema != "" {
		if s, err = schemaFlag(c); err != nil {
			return err
		}
		for _, name := range f.tables {
			if _, ok := s.Table(name); !ok {
				return usagef("--table %s: not in the schema %s", name, c.schema)
			}
		}
	} else {
		rep.Schema = "scan"
		if s, err = scanSchema(ctx, sqldb, dialect, f); err != nil {
			return err
		}
	}
	for _, t := range s.Tables {
		if len(f.tables) > 0 && !contains(f.tables, t.Name) {
			continue
		}
		tp, err := planTable(ctx, sqldb, dialect, t, f.sample)
		if err != nil {
			return err
		}
		rep.Tables = append(rep.Tables, tp)
	}
	if f.emit != "" {
		out, notes, err := emitPlannedSchema(rep)
		if err != nil {
			return err
		}
		if err := os.WriteFile(f.emit, out, 0o644); err != nil {
			return err
		}
		for _, n := range notes {
			fmt.Fprintln(stderr, "phicrypt plan:", n)
		}
		fmt.Fprintf(stderr, "phicrypt plan: schema in %s; review it before use\n", f.emit)
	}
	if c.json {
		return writeJSON(stdout, rep)
	}
	printPlan(stdout, rep)
	return nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// scanSchema is the schema phicrypt scan would emit for the tables.
func scanSchema(ctx context.Context, sqldb *sql.DB, dialect string, f *planFlags) (*sqlwrap.Schema, error) {
	r, err := phiscan.ScanDB(ctx, sqldb, dialect, &phiscan.Config{Sample: f.sample}, f.tables...)
	if err != nil {
		return nil, err
	}
	out, err := phiscan.EmitSchema(r)
	if errors.Is(err, phiscan.ErrNoPHI) {
		return nil, cliErrorf("the scan found no table with PHI columns and a single-column key: nothing to plan (give --schema FILE)")
	}
	if err != nil {
		return nil, err
	}
	return sqlwrap.ParseSchema("scan", out)
}

// planTable counts and samples one table and plans its indexes.
func planTable(ctx context.Context, sqldb *sql.DB, dialect string, t *sqlwrap.Table, sample int) (*tablePlan, error) {
	q := quoteIdentFor
	tp := &tablePlan{Table: t.Name, t: t}
	if err := sqldb.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+q(dialect, t.Name)).Scan(&tp.Rows); err != nil {
		return nil, cliErrorf("table %s: count rows: %w", t.Name, err)
	}
	have, err := tableColumns(ctx, sqldb, dialect, t.Name)
	if err != nil {
		return nil, err
	}
	var sel []string
	for _, col := range t.Columns {
		cp := &columnPlan{Column: col.Name, c: col}
		if actual, ok := have[strings.ToLower(col.Name+"__plain")]; ok {
			cp.Source = actual
		} else if actual, ok := have[strings.ToLower(col.Name)]; ok {
			cp.Source = actual
		} else {
			return nil, cliErrorf("table %s has no column %s (or %s__plain)", t.Name, col.Name, col.Name)
		}
		sel = append(sel, q(dialect, cp.Source))
		tp.Columns = append(tp.Columns, cp)
	}
	query := "SELECT " + strings.Join(sel, ", ") + " FROM " + q(dialect, t.Name)
	if sample > 0 && tp.Rows > int64(sample) {
		random := "random()"
		if dialect == "mysql" {
			random = "RAND()"
		}
		query += " ORDER BY " + random + " LIMIT " + strconv.Itoa(sample)
	}
	rows, err := sqldb.QueryContext(ctx, query)
	if err != nil {
		return nil, cliErrorf("table %s: sample: %w", t.Name, err)
	}
	defer rows.Close()
	vals := make([]any, len(tp.Columns))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, cliErrorf("table %s: sample: %w", t.Name, err)
		}
		tp.Sampled++
		for i, cp := range tp.Columns {
			text, ok, sealed := sampleText(vals[i], cp.c.Type)
			cp.Encrypted = cp.Encrypted || sealed
			if ok {
				cp.texts = append(cp.texts, text)
			} else {
				cp.texts = append(cp.texts, "\x00null")
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, cliErrorf("table %s: sample: %w", t.Name, err)
	}
	planIndexes(tp)
	return tp, nil
}

// tableColumns maps the lower-cased names of a table's columns to their
// names in the database.
func tableColumns(ctx context.Context, sqldb *sql.DB, dialect, table string) (map[string]string, error) {
	rows, err := sqldb.QueryContext(ctx, "SELECT * FROM "+quoteIdentFor(dialect, table)+" WHERE 1 = 0")
	if err != nil {
		return nil, cliErrorf("table %s: %w", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, c := range cols {
		out[strings.ToLower(c)] = c
	}
	return out, nil
}

// sampleText is a sampled value as an index sees it (the wrapper's token
// text: dates YYYY-MM-DD, timestamps RFC 3339 in UTC, numbers in
// decimal). ok is false for NULL and for the empty string of a non-string
// column; sealed reports a phicrypt ciphertext.
func sampleText(v any, typ sqlwrap.ValueType) (text string, ok, sealed bool) {
	switch x := v.(type) {
	case nil:
		return "", false, false
	case []byte:
		if len(x) >= cipher.Overhead && x[0] == cipher.FormatVersion && !utf8.Valid(x) {
			return "", false, true
		}
		text = string(x)
	case string:
		text = x
	case time.Time:
		if typ == sqlwrap.TypeDate {
			text = x.Format(time.DateOnly)
		} else {
			text = x.UTC().Format(time.RFC3339Nano)
		}
	case int64:
		text = strconv.FormatInt(x, 10)
	case float64:
		text = strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		text = strconv.FormatBool(x)
	default:
		text = fmt.Sprint(x)
	}
	if typ == sqlwrap.TypeDate && len(text) > 10 && text[4] == '-' {
		text = text[:10] // a DATETIME or timestamp text of a date column
	}
	if text == "" && typ != sqlwrap.TypeString && typ != sqlwrap.TypeBytes {
		return "", false, false
	}
	return text, true, false
}

// estimateDistinct estimates the distinct values of a column from the
// counts of a sample: exact when the sample is the column, otherwise the
// GEE estimator sqrt(N/n)·f1 + Σ_{j≥2} f_j (Charikar et al. 2000), where
// f_j is the number of values seen j times, capped at N.
func estimateDistinct(counts map[string]int, n int, total float64) float64 {
	if n == 0 {
		return 0
	}
	if float64(n) >= total {
		return float64(len(counts))
	}
	f1, rest := 0.0, 0.0
	for _, k := range counts {
		if k == 1 {
			f1++
		} else {
			rest++
		}
	}
	return math.Min(total, math.Sqrt(total/float64(n))*f1+rest)
}

// normalizedCounts counts the sampled values of cp after chain; n is the
// number of values counted.
func normalizedCounts(cp *columnPlan, chain blindindex.Chain, cut func(string) string) (map[string]int, int, []int) {
	counts := map[string]int{}
	var lens []int
	n := 0
	var buf []byte
	for _, v := range cp.texts {
		if v == "\x00null" {
			continue
		}
		out, err := chain.Append(buf[:0], []byte(v))
		if err != nil {
			continue
		}
		s := string(out)
		lens = append(lens, utf8.RuneCountInString(s))
		if cut != nil {
			s = cut(s)
		}
		counts[s]++
		n++
	}
	return counts, n, lens
}

// planIndexes plans every index of the table from its sample.
func planIndexes(tp *tablePlan) {
	rows := float64(tp.Rows)
	eqBits := map[string][]int{} // planned equality bits by column
	for _, cp := range tp.Columns {
		if cp.Encrypted {
			cp.Notes = append(cp.Notes, "holds ciphertext: its values cannot be sampled, so its indexes are not planned")
			continue
		}
		nonNull := 0
		raw := map[string]int{}
		for _, v := range cp.texts {
			if v != "\x00null" {
				raw[v]++
				nonNull++
			}
		}
		if tp.Sampled > 0 {
			cp.NonNull = math.Round(rows * float64(nonNull) / float64(tp.Sampled))
		}
		cp.Distinct = math.Round(estimateDistinct(raw, nonNull, cp.NonNull))
		var bits []int
		for _, ix := range cp.c.Equality {
			ip := &indexPlan{Name: ix.Name, Kind: "equality", Transforms: ix.Transforms, eq: ix}
			chain, _ := blindindex.ParseChain(ix.Transforms)
			counts, n, _ := normalizedCounts(cp, chain, nil)
			ip.Distinct = math.Round(estimateDistinct(counts, n, cp.NonNull))
			planEquality(ip, cp.NonNull, rows, ix.Bits, ix.Partitions, bits, false, ix.Force)
			if ip.Recommended != nil {
				bits = append(bits, ip.Recommended.Bits)
			}
			cp.Indexes = append(cp.Indexes, ip)
		}
		eqBits[cp.Column] = bits
		req := blindindex.ColumnRequest{Field: cp.Column, Distinct: max(cp.Distinct, 1), EqualityBits: bits}
		for _, ix := range cp.c.Bloom {
			ip := &indexPlan{Name: ix.Name, Kind: ix.Kind.String(), Transforms: ix.Transforms}
			chain, _ := blindindex.ParseChain(ix.Transforms)
			var cut func(string) string
			if ix.Kind == blindindex.Prefix {
				cut = func(s string) string { return firstRunes(s, ix.MaxGram) }
			}
			counts, n, lens := normalizedCounts(cp, chain, cut)
			ip.Distinct = math.Round(estimateDistinct(counts, n, cp.NonNull))
			if ix.Kind == blindindex.Prefix {
				if ip.Distinct > 0 {
					ip.RowsPerGram = cp.NonNull / ip.Distinct
				}
				// As Validate counts them, so that the emitted schema
				// validates.
				req.PrefixClasses = sqlwrap.PrefixGramClasses(ix, max(cp.Distinct, 1))
			} else {
				req.Substring = true
				ip.Warnings = append(ip.Warnings, "a substring index reveals which rows hold equal values (and which share n-grams)")
			}
			if len(lens) > 0 && rows >= 1 {
				mean, longest := 0, 0
				for _, l := range lens {
					mean += l
					longest = max(longest, l)
				}
				mean = max(1, mean/len(lens))
				bp, err := blindindex.PlanBloom(blindindex.BloomRequest{
					Config: blindindex.BloomConfig{Name: ix.Name, Kind: ix.Kind, Transforms: ix.Transforms, MinGram: ix.MinGram, MaxGram: ix.MaxGram, MaxGrams: ix.MaxGrams, M: ix.M, K: ix.K},
					Rows:   rows, ValueLength: max(mean, ix.MinGram), MaxValueLength: max(longest, mean, ix.MinGram), NeedleLengths: []int{ix.MinGram},
				})
				if err == nil {
					ip.FillRatio = bp.FillRatio
					if len(bp.Needles) > 0 {
						ip.FalseCandidates = bp.Needles[0].ExpectedFalseCandidates
					}
				}
			}
			cp.Indexes = append(cp.Indexes, ip)
		}
		if cp.Distinct >= 1 && (len(bits) > 0 || req.PrefixClasses > 0 || req.Substring) {
			// Lower the equality bits, widest first, until the column's
			// indexes together keep two values per token set.
			for {
				cpl, err := blindindex.PlanColumn(req)
				cp.TokenSets, cp.MaxTokenSets = math.Round(cpl.TokenSets), cpl.MaxTokenSets
				cp.RevealsEquality = errors.Is(err, blindindex.ErrRevealsEquality)
				if !cp.RevealsEquality || req.Substring || !lowerWidest(cp) {
					break
				}
				req.EqualityBits = eqBitsOf(cp)
			}
			if cp.RevealsEquality && !req.Substring {
				cp.Notes = append(cp.Notes, "its indexes together give most values a token set of their own, whatever the equality bits: drop the prefix index or lower its max")
			}
		}
		eqBits[cp.Column] = eqBitsOf(cp)
	}
	for _, ci := range tp.t.Compound {
		ip := &indexPlan{Name: ci.Name, Kind: "compound", comp: ci}
		var parts []*columnPlan
		var chains []blindindex.Chain
		var other []int
		var specs []string
		for _, part := range ci.Parts {
			for _, cp := range tp.Columns {
				if cp.Column == part.Column {
					parts = append(parts, cp)
					other = append(other, eqBits[cp.Column]...)
				}
			}
			ch, _ := blindindex.ParseChain(part.Transforms)
			chains = append(chains, ch)
			specs = append(specs, part.Column+":"+part.Transforms)
		}
		ip.Transforms = strings.Join(specs, "+")
		counts, n := map[string]int{}, 0
	sample:
		for i := 0; i < tp.Sampled && len(parts) == len(ci.Parts); i++ {
			var key strings.Builder
			for j, cp := range parts {
				if cp.Encrypted || cp.texts[i] == "\x00null" {
					continue sample
				}
				out, err := chains[j].Append(nil, []byte(cp.texts[i]))
				if err != nil {
					continue sample
				}
				fmt.Fprintf(&key, "%d:%s", len(out), out)
			}
			counts[key.String()]++
			n++
		}
		nonNull := 0.0
		if tp.Sampled > 0 {
			nonNull = math.Round(rows * float64(n) / float64(tp.Sampled))
		}
		ip.Distinct = math.Round(estimateDistinct(counts, n, nonNull))
		planEquality(ip, nonNull, rows, ci.Bits, ci.Partitions, other, true, ci.Force)
		tp.Compound = append(tp.Compound, ip)
	}
}

func eqBitsOf(cp *columnPlan) []int {
	var out []int
	for _, ip := range cp.Indexes {
		if ip.Kind == "equality" && ip.Recommended != nil {
			out = append(out, ip.Recommended.Bits)
		}
	}
	return out
}

// lowerWidest takes a bit off the widest recommended equality index of cp;
// false when none can lose one.
func lowerWidest(cp *columnPlan) bool {
	var widest *indexPlan
	for _, ip := range cp.Indexes {
		if ip.Kind == "equality" && ip.Recommended != nil && ip.Recommended.Bits > 1 && (widest == nil || ip.Recommended.Bits > widest.Recommended.Bits) {
			widest = ip
		}
	}
	if widest == nil {
		return false
	}
	widest.Recommended = leakageOf(cp.NonNull, widest.Distinct, widest.Recommended.Bits-1, partitionsOf(widest))
	widest.Warnings = append(widest.Warnings, "bits lowered so that the column's indexes together keep two values per token set")
	return true
}

func partitionsOf(ip *indexPlan) int {
	switch {
	case ip.eq != nil:
		return ip.eq.Partitions
	case ip.comp != nil:
		return ip.comp.Partitions
	}
	return 0
}

// planEquality fills ip's current and recommended leakage for an equality
// or compound index over rows rows.
func planEquality(ip *indexPlan, rows, tableRows float64, bits, partitions int, other []int, compound, force bool) {
	distinct := ip.Distinct
	if rows < 4 || distinct < 1 {
		if tableRows < 4 {
			ip.Refused = "too few rows to plan from"
			return
		}
		// No value sampled: plan for unique values on the table's rows,
		// as the schema file does when it knows the rows only.
		rows, distinct = tableRows, tableRows
		ip.Warnings = append(ip.Warnings, "no value sampled: planned for unique values on every row")
	}
	if bits > 0 {
		ip.Current = leakageOf(rows, distinct, bits, partitions)
	}
	p, err := blindindex.PlanEquality(blindindex.EqualityRequest{
		Field: ip.Name, Stats: blindindex.FieldStats{Rows: rows, Distinct: min(distinct, rows)},
		OtherBits: other, Partitions: partitions, Compound: compound, Force: force,
	})
	if err != nil {
		ip.refusal = err
		ip.Refused = strings.TrimPrefix(err.Error(), "phicrypt: ")
		return
	}
	ip.Recommended = &leakage{Bits: p.Bits, RowsPerToken: p.RowsPerToken, CandidatesPerQuery: p.CandidatesPerQuery,
		RevealsEquality: float64(p.Bits+sumInts(other)) >= math.Log2(max(min(distinct, rows), 1))-1}
	ip.MinBits, ip.MaxBits = p.MinBits, p.MaxBits
	ip.Warnings = append(ip.Warnings, p.Warnings...)
}

// leakageOf is the planner's leakage of a token of bits bits over rows
// rows holding distinct values (blindindex.EqualityPlan's formulas).
func leakageOf(rows, distinct float64, bits, partitions int) *leakage {
	e := math.Log2(max(min(distinct, rows), 1))
	nf := float64(bits)
	matches := rows / math.Exp2(e)
	fp := math.Min(1, float64(max(partitions, 1))*math.Exp2(-nf))
	return &leakage{Bits: bits, RowsPerToken: rows / math.Exp2(math.Min(nf, e)), CandidatesPerQuery: matches + (rows-matches)*fp, RevealsEquality: nf >= e-1}
}

func firstRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

func sumInts(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}
