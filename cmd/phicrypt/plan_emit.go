package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/phicrypt/phicrypt/blindindex"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// emitPlannedSchema writes the planned tables as a YAML schema
// (docs/SCHEMA.md) with the measured rows and distinct counts and the
// recommended bits. A table whose planned form does not validate is
// written as the schema had it, with a comment saying why.
func emitPlannedSchema(rep *planReport) ([]byte, []string, error) {
	var b strings.Builder
	var notes []string
	fmt.Fprintf(&b, "# phicrypt schema (docs/SCHEMA.md) planned by phicrypt plan on a %s database\n", rep.Dialect)
	b.WriteString("# from the schema " + strconv.Quote(rep.Schema) + ". Rows and distinct values were measured\n")
	b.WriteString("# on a sample; bits are the planner's (docs/SECURITY.md). Review it before use,\n")
	b.WriteString("# and plan again when the table has grown.\n")
	b.WriteString("version: 1\ntables:\n")
	for _, tp := range rep.Tables {
		text := emitTablePlan(tp, true)
		if _, err := sqlwrap.ParseSchema(tp.Table, []byte("version: 1\ntables:\n"+text)); err != nil {
			notes = append(notes, fmt.Sprintf("table %s: the planned sizes do not validate (%v); written with the schema's sizes", tp.Table, err))
			fmt.Fprintf(&b, "  # %s: the planned sizes do not validate, so the schema's sizes are kept: %s\n", tp.Table, oneLine(err.Error()))
			text = emitTablePlan(tp, false)
		}
		b.WriteString(text)
	}
	out := []byte(b.String())
	if _, err := sqlwrap.ParseSchema("planned schema", out); err != nil {
		return nil, notes, cliErrorf("the planned schema does not validate: %w", err)
	}
	return out, notes, nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// emitTablePlan is the YAML list item of one table; planned false writes
// the table as the schema had it.
func emitTablePlan(tp *tablePlan, planned bool) string {
	t := tp.t
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	q := strconv.Quote
	w("  - name: %s\n    key: %s\n    key_type: %s\n", q(t.Name), q(t.Key), t.KeyType)
	if t.RowBinding != "" {
		w("    row_binding: %s\n", q(t.RowBinding))
	}
	switch {
	case planned && tp.Rows >= 4:
		w("    rows: %d # counted by phicrypt plan: raise it if the table will grow\n", tp.Rows)
	case t.Rows > 0:
		w("    rows: %d\n", t.Rows)
	}
	if len(t.Plain) > 0 {
		w("    plain:\n")
		for _, p := range t.Plain {
			w("      - {name: %s, type: %s, nullable: %t}\n", q(p.Name), p.Type, p.Nullable)
		}
	}
	w("    columns:\n")
	for _, cp := range tp.Columns {
		c := cp.c
		w("      - name: %s\n        type: %s\n", q(c.Name), c.Type)
		if c.Nullable {
			w("        nullable: true\n")
		}
		if c.Scope != "" {
			w("        scope: %s\n", q(c.Scope))
		}
		if c.MaxLength > 0 {
			w("        max_length: %d\n", c.MaxLength)
		}
		if c.Padding > 0 {
			w("        padding: %d\n", c.Padding)
		}
		switch {
		case planned && cp.Distinct >= 1 && !cp.Encrypted && !(cp.RevealsEquality && !hasSubstring(c)):
			w("        distinct: %d # estimated from the sample\n", int64(cp.Distinct))
		case c.Distinct > 0:
			w("        distinct: %d\n", c.Distinct)
		}
		var eqs []string
		for i, ix := range c.Equality {
			bits := ix.Bits
			if planned {
				ip := cp.plannedIndex(i)
				switch {
				case ip != nil && ip.Recommended != nil:
					bits = ip.Recommended.Bits
				case ip != nil && errors.Is(ip.refusal, blindindex.ErrLowEntropy) && !ix.Force:
					w("        # equality index %s left out: %s\n", ix.Name, oneLine(ip.Refused))
					continue
				}
			}
			e := fmt.Sprintf("{name: %s, transforms: %s, bits: %d", q(ix.Name), q(ix.Transforms), bits)
			if ix.Partitions > 1 {
				e += fmt.Sprintf(", partitions: %d", ix.Partitions)
			}
			if ix.Force {
				e += ", force: true"
			}
			eqs = append(eqs, e+"}")
		}
		if len(eqs) > 0 {
			w("        equality:\n")
			for _, e := range eqs {
				w("          - %s\n", e)
			}
		}
		for _, ix := range c.Bloom {
			key := "prefix"
			if ix.Kind == blindindex.Substring {
				key = "substring"
			}
			e := fmt.Sprintf("{name: %s, transforms: %s, min: %d, max: %d, m: %d, k: %d", q(ix.Name), q(ix.Transforms), ix.MinGram, ix.MaxGram, ix.M, ix.K)
			if ix.Kind == blindindex.Substring {
				e += fmt.Sprintf(", max_grams: %d", ix.MaxGrams)
			}
			if ix.RevealsEquality {
				e += ", reveals: equality"
			}
			if ix.Force {
				e += ", force: true"
			}
			w("        %s: %s}\n", key, e)
		}
	}
	if len(tp.Compound) > 0 {
		w("    compound:\n")
		for _, ip := range tp.Compound {
			ci := ip.comp
			bits := ci.Bits
			if planned && ip.Recommended != nil {
				bits = ip.Recommended.Bits
			}
			w("      - name: %s\n        bits: %d\n", q(ci.Name), bits)
			if ci.Partitions > 1 {
				w("        partitions: %d\n", ci.Partitions)
			}
			if ci.Force {
				w("        force: true\n")
			}
			w("        parts:\n")
			for _, p := range ci.Parts {
				w("          - {column: %s, transforms: %s}\n", q(p.Column), q(p.Transforms))
			}
		}
	}
	return b.String()
}

func hasSubstring(c *sqlwrap.Column) bool {
	for _, ix := range c.Bloom {
		if ix.Kind == blindindex.Substring {
			return true
		}
	}
	return false
}

// plannedIndex is the plan of the i-th equality index of the column, or
// nil when the column was not planned.
func (cp *columnPlan) plannedIndex(i int) *indexPlan {
	n := 0
	for _, ip := range cp.Indexes {
		if ip.Kind == "equality" {
			if n == i {
				return ip
			}
			n++
		}
	}
	return nil
}

// printPlan writes the plan for people.
func printPlan(out io.Writer, rep *planReport) {
	num := func(x float64) string {
		if x >= 100 {
			return strconv.FormatFloat(x, 'f', 0, 64)
		}
		return strconv.FormatFloat(x, 'g', 3, 64)
	}
	for _, tp := range rep.Tables {
		fmt.Fprintf(out, "table %s: %d rows, %d sampled\n", tp.Table, tp.Rows, tp.Sampled)
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  COLUMN\tINDEX\tKIND\tDISTINCT\tBITS NOW\tROWS/TOKEN\tCANDIDATES/QUERY\tRECOMMENDED BITS\tROWS/TOKEN\tCANDIDATES/QUERY")
		row := func(col string, ip *indexPlan) {
			now, nowRows, nowCand := "-", "-", "-"
			if ip.Current != nil {
				now, nowRows, nowCand = strconv.Itoa(ip.Current.Bits), num(ip.Current.RowsPerToken), num(ip.Current.CandidatesPerQuery)
				if ip.Current.RevealsEquality {
					now += " (reveals equality)"
				}
			}
			rec, recRows, recCand := "-", "-", "-"
			switch {
			case ip.Recommended != nil:
				rec = fmt.Sprintf("%d (%d..%d)", ip.Recommended.Bits, ip.MinBits, ip.MaxBits)
				recRows, recCand = num(ip.Recommended.RowsPerToken), num(ip.Recommended.CandidatesPerQuery)
			case ip.Kind == "prefix" && ip.RowsPerGram > 0:
				recRows, recCand = num(ip.RowsPerGram), num(ip.RowsPerGram)
			case ip.Refused != "":
				rec = "refused"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", col, ip.Name, ip.Kind, num(ip.Distinct), now, nowRows, nowCand, rec, recRows, recCand)
		}
		for _, cp := range tp.Columns {
			if len(cp.Indexes) == 0 {
				fmt.Fprintf(tw, "  %s\t-\t-\t%s\t\t\t\t\t\t\n", cp.Column, num(cp.Distinct))
			}
			for _, ip := range cp.Indexes {
				row(cp.Column, ip)
			}
		}
		for _, ip := range tp.Compound {
			row("(compound)", ip)
		}
		tw.Flush()
		for _, cp := range tp.Columns {
			if cp.MaxTokenSets > 0 {
				verdict := "within the bound"
				if cp.RevealsEquality {
					verdict = "REVEALS which rows hold equal values"
				}
				fmt.Fprintf(out, "  %s: its indexes together make about %s token sets over %s values (bound %s): %s\n", cp.Column, num(cp.TokenSets), num(cp.Distinct), num(cp.MaxTokenSets), verdict)
			}
			for _, n := range cp.Notes {
				fmt.Fprintf(out, "  %s: %s\n", cp.Column, n)
			}
			for _, ip := range cp.Indexes {
				if ip.Refused != "" {
					fmt.Fprintf(out, "  %s: refused: %s\n", ip.Name, ip.Refused)
				}
				for _, wmsg := range ip.Warnings {
					fmt.Fprintf(out, "  %s: %s\n", ip.Name, wmsg)
				}
			}
		}
		for _, ip := range tp.Compound {
			if ip.Refused != "" {
				fmt.Fprintf(out, "  %s: refused: %s\n", ip.Name, ip.Refused)
			}
			for _, wmsg := range ip.Warnings {
				fmt.Fprintf(out, "  %s: %s\n", ip.Name, wmsg)
			}
		}
		for _, n := range tp.Notes {
			fmt.Fprintf(out, "  %s\n", n)
		}
	}
}
