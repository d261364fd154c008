package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// sqliteDropNotNull drops NOT NULL from cols of table on SQLite. It uses
// ALTER TABLE … ALTER COLUMN … DROP NOT NULL where the SQLite has it
// (phicrypt links SQLite 3.54), and otherwise (an application's own
// driver with an older SQLite) the twelve-step rebuild that
// https://sqlite.org/lang_altertable.html#otheralter documents: a new
// table with the revised CREATE TABLE, the rows copied with their rowids
// (which the FTS5 token tables point at), the old table dropped, the new
// one renamed, and the table's indexes and triggers created again, in one
// transaction with foreign keys off and checked before the commit.
func (m *Migrator) sqliteDropNotNull(ctx context.Context, table string, cols []string) error {
	if len(cols) == 0 {
		return nil
	}
	if !m.forceRebuild {
		tx, err := m.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		native := true
		for _, c := range cols {
			s := fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL", m.q(table), m.q(c))
			if _, err := tx.ExecContext(ctx, s); err != nil {
				if strings.Contains(err.Error(), "syntax error") {
					native = false
					break
				}
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		if native {
			return tx.Commit()
		}
		tx.Rollback()
	}
	return m.sqliteRebuild(ctx, table, cols)
}

func (m *Migrator) sqliteRebuild(ctx context.Context, table string, cols []string) (err error) {
	conn, err := m.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var fk int
	if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return err
	}
	// Step 1, and the rename of step 7 without rewriting the views and
	// triggers that name the table.
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA foreign_keys = %d", fk))
	if _, err := conn.ExecContext(ctx, "PRAGMA legacy_alter_table = ON"); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA legacy_alter_table = OFF")
	tx, err := conn.BeginTx(ctx, nil) // step 2
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Step 3: the indexes and triggers to create again.
	var create string
	if err := tx.QueryRowContext(ctx, "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", table).Scan(&create); err != nil {
		return fmt.Errorf("read the definition of %s: %w", table, err)
	}
	rows, err := tx.QueryContext(ctx, "SELECT sql FROM sqlite_schema WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type", table)
	if err != nil {
		return err
	}
	var again []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		again = append(again, s)
	}
	rows.Close()
	var names []string
	rows, err = tx.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", table)
	if err != nil {
		return err
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		names = append(names, m.q(n))
	}
	rows.Close()
	// Step 4: the revised table under a free name.
	tmp := "phicrypt_rebuild_" + table
	revised, err := reviseCreate(create, m.q(tmp), cols)
	if err != nil {
		return fmt.Errorf("revise the definition of %s: %w", table, err)
	}
	steps := []string{
		"DROP TABLE IF EXISTS " + m.q(tmp),
		revised,
		// Step 5, keeping each row's rowid.
		fmt.Sprintf("INSERT INTO %s (rowid, %s) SELECT rowid, %s FROM %s", m.q(tmp), strings.Join(names, ", "), strings.Join(names, ", "), m.q(table)),
		"DROP TABLE " + m.q(table),                                       // step 6
		fmt.Sprintf("ALTER TABLE %s RENAME TO %s", m.q(tmp), m.q(table)), // step 7
	}
	steps = append(steps, again...) // step 8
	for _, s := range steps {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	// Step 10.
	var bad sql.NullString
	err = tx.QueryRowContext(ctx, "SELECT \"table\" FROM pragma_foreign_key_check(?) LIMIT 1", table).Scan(&bad)
	if err == nil {
		return fmt.Errorf("the rebuilt %s breaks a foreign key of %s", table, bad.String)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return tx.Commit() // step 11; step 12 is the deferred PRAGMA
}

// reviseCreate rewrites an SQLite CREATE TABLE statement: the table is
// named name, and the definitions of cols lose their NOT NULL constraint
// (with its ON CONFLICT clause). It tokenizes the statement, so quoted
// names, strings, comments and nested parentheses are kept as they are.
func reviseCreate(create, name string, cols []string) (string, error) {
	toks := sqliteTokens(create)
	// The table name: the token before the first top-level "(".
	open := -1
	for i, t := range toks {
		if t.text == "(" {
			open = i
			break
		}
	}
	if open < 1 {
		return "", errors.New("no column list")
	}
	nameTok := open - 1
	for nameTok > 0 && toks[nameTok].space {
		nameTok--
	}
	drop := map[int]bool{}
	depth := 0
	defStart := true
	var def []int // word token indexes of the current definition
	inTarget := false
	for i := open; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.text == "(":
			depth++
			if depth == 1 {
				defStart, def, inTarget = true, nil, false
				continue
			}
		case t.text == ")":
			depth--
		case t.text == "," && depth == 1:
			defStart, def, inTarget = true, nil, false
			continue
		}
		if t.space || depth != 1 {
			continue
		}
		if defStart {
			defStart = false
			for _, c := range cols {
				if strings.EqualFold(unquote(t.text), c) {
					inTarget = true
				}
			}
			continue
		}
		if !inTarget {
			continue
		}
		def = append(def, i)
		n := len(def)
		if n < 2 || !strings.EqualFold(toks[def[n-2]].text, "NOT") || !strings.EqualFold(t.text, "NULL") {
			continue
		}
		drop[def[n-2]], drop[i] = true, true
		// A name given to the constraint goes with it.
		if n >= 4 && strings.EqualFold(toks[def[n-4]].text, "CONSTRAINT") {
			drop[def[n-4]], drop[def[n-3]] = true, true
		}
		// So does its ON CONFLICT clause.
		var next []int
		for j := i + 1; j < len(toks) && len(next) < 3; j++ {
			if !toks[j].space {
				next = append(next, j)
			}
		}
		if len(next) == 3 && strings.EqualFold(toks[next[0]].text, "ON") && strings.EqualFold(toks[next[1]].text, "CONFLICT") {
			for _, j := range next {
				drop[j] = true
			}
		}
	}
	var b strings.Builder
	for i, t := range toks {
		switch {
		case i == nameTok:
			b.WriteString(name)
		case drop[i]:
		default:
			b.WriteString(t.text)
		}
	}
	return b.String(), nil
}

type sqliteToken struct {
	text  string
	space bool // whitespace or a comment
}

// sqliteTokens splits SQL into words, quoted names, strings, punctuation,
// whitespace and comments; joined again they give the input.
func sqliteTokens(s string) []sqliteToken {
	var out []sqliteToken
	for i := 0; i < len(s); {
		c := s[i]
		j := i + 1
		space := false
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			for j < len(s) && strings.IndexByte(" \t\n\r", s[j]) >= 0 {
				j++
			}
			space = true
		case c == '-' && strings.HasPrefix(s[i:], "--"):
			if k := strings.IndexByte(s[i:], '\n'); k >= 0 {
				j = i + k + 1
			} else {
				j = len(s)
			}
			space = true
		case c == '/' && strings.HasPrefix(s[i:], "/*"):
			if k := strings.Index(s[i+2:], "*/"); k >= 0 {
				j = i + 2 + k + 2
			} else {
				j = len(s)
			}
			space = true
		case c == '\'' || c == '"' || c == '`' || c == '[':
			end := c
			if c == '[' {
				end = ']'
			}
			for j < len(s) {
				if s[j] == end {
					if end != ']' && j+1 < len(s) && s[j+1] == end {
						j += 2 // doubled quote
						continue
					}
					j++
					break
				}
				j++
			}
		case isWord(c):
			for j < len(s) && isWord(s[j]) {
				j++
			}
		}
		out = append(out, sqliteToken{text: s[i:j], space: space})
		i = j
	}
	return out
}

func isWord(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func unquote(s string) string {
	if len(s) >= 2 {
		switch s[0] {
		case '"', '`', '\'':
			return strings.ReplaceAll(s[1:len(s)-1], s[:1]+s[:1], s[:1])
		case '[':
			return s[1 : len(s)-1]
		}
	}
	return s
}
