package phiscan

import (
	"context"
	"slices"
)

// Foreign keys read from the catalogue tie tables to people whatever the
// columns are called. A column that references a table about people (one
// with a patient link, or with people's names or birth dates) links its
// table to a patient, as a "patient_id" column does. The reverse holds
// too: a table of contact data (addresses) that a table of people
// references (OMOP's person.location_id → location) holds those people's
// data. Tables of staff and of organisations are about neither.

// foreignKey is a single-column foreign key.
type foreignKey struct{ table, column, refTable, refColumn string }

// foreignKeys returns the single-column foreign keys among the tables of
// the current database (SQLite: main; PostgreSQL: the current schema).
func (s *sqlScanner) foreignKeys(ctx context.Context, list []tableInfo) ([]foreignKey, error) {
	var out []foreignKey
	switch s.d.name {
	case "sqlite":
		for _, t := range list {
			if t.kind != "table" || t.missing {
				continue
			}
			// "to" is NULL when the key references the primary key.
			rows, err := s.db.QueryContext(ctx, `SELECT "from", "table", coalesce("to", '') FROM pragma_foreign_key_list(?)
				WHERE id IN (SELECT id FROM pragma_foreign_key_list(?) GROUP BY id HAVING count(*) = 1)
				ORDER BY id`, t.name, t.name)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				fk := foreignKey{table: t.name}
				if err := rows.Scan(&fk.column, &fk.refTable, &fk.refColumn); err != nil {
					rows.Close()
					return nil, err
				}
				out = append(out, fk)
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return nil, err
			}
		}
		return out, nil
	case "postgres":
		return s.scanForeignKeys(ctx, `SELECT cl.relname, a.attname, rf.relname, af.attname
			FROM pg_constraint c
			JOIN pg_class cl ON cl.oid = c.conrelid
			JOIN pg_namespace n ON n.oid = cl.relnamespace
			JOIN pg_class rf ON rf.oid = c.confrelid
			JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
			JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
			WHERE c.contype = 'f' AND n.nspname = current_schema() AND cardinality(c.conkey) = 1
			ORDER BY cl.relname, c.conname`)
	case "mysql":
		return s.scanForeignKeys(ctx, `SELECT k.TABLE_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME
			FROM information_schema.KEY_COLUMN_USAGE k
			WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_SCHEMA = DATABASE()
			  AND k.REFERENCED_TABLE_NAME IS NOT NULL
			  AND (SELECT count(*) FROM information_schema.KEY_COLUMN_USAGE x
			    WHERE x.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND x.TABLE_NAME = k.TABLE_NAME
			      AND x.CONSTRAINT_NAME = k.CONSTRAINT_NAME) = 1
			ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME`)
	}
	return nil, nil
}

func (s *sqlScanner) scanForeignKeys(ctx context.Context, q string) ([]foreignKey, error) {
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []foreignKey
	for rows.Next() {
		var fk foreignKey
		if err := rows.Scan(&fk.table, &fk.column, &fk.refTable, &fk.refColumn); err != nil {
			return nil, err
		}
		out = append(out, fk)
	}
	return out, rows.Err()
}

// tableColumns returns the column names of the tables of the current
// database, in column order.
func (s *sqlScanner) tableColumns(ctx context.Context, list []tableInfo) (map[string][]string, error) {
	out := map[string][]string{}
	if s.d.name == "sqlite" {
		for _, t := range list {
			if t.missing {
				continue
			}
			names, err := s.names(ctx, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, t.name)
			if err != nil {
				return nil, err
			}
			out[t.name] = names
		}
		return out, nil
	}
	q := `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`
	if s.d.name == "mysql" {
		q = `SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS
			WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`
	}
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return nil, err
		}
		out[t] = append(out[t], c)
	}
	return out, rows.Err()
}

// staffOrOrgTable reports a table of staff or of organisations, by its
// name and columns.
func staffOrOrgTable(table string, columns []string) bool {
	ctx := analyzeContext(table, columns, "")
	return ctx.staff || ctx.org && !ctx.linked
}

// personMaster reports a table whose rows are people: it has a column
// of people's names or birth dates, and is not a table of staff or of
// organisations.
func personMaster(table string, columns []string) bool {
	if staffOrOrgTable(table, columns) {
		return false
	}
	for _, col := range columns {
		switch analyzeName(col, nil).typ {
		case "first_name", "last_name", "birth_date", "ssn":
			return true
		}
	}
	return false
}

// peopleTable reports a table about people: a person master or a table
// linked to a patient by a column's name.
func peopleTable(table string, columns []string) bool {
	if personMaster(table, columns) {
		return true
	}
	return !staffOrOrgTable(table, columns) && tableLink(columns, "") != ""
}

// contactTable reports a table with columns of addresses or other
// contact data, by their names.
func contactTable(columns []string) bool {
	for _, col := range columns {
		switch analyzeName(col, nil).typ {
		case "address", "city", "zip", "phone", "email":
			return true
		}
	}
	return false
}

// foreignKeyLinks returns, per table, the column that ties it to people
// through a foreign key: a column of the table that references a table
// about people, or (for a table of contact data referenced by a person
// master) the referenced column. Tables about people by their own names
// need no entry but may get one; SetPatientLink ignores it then.
func foreignKeyLinks(fks []foreignKey, columns map[string][]string) map[string]string {
	out := map[string]string{}
	// A table linked by a key is about people too, so links follow
	// chains of keys (a note's lines → the note → the patient).
	for changed := true; changed; {
		changed = false
		for _, fk := range fks {
			if fk.table == fk.refTable || out[fk.table] != "" || !slices.Contains(columns[fk.table], fk.column) {
				continue
			}
			if (out[fk.refTable] != "" || peopleTable(fk.refTable, columns[fk.refTable])) &&
				!staffOrOrgTable(fk.table, columns[fk.table]) {
				out[fk.table] = fk.column
				changed = true
			}
		}
	}
	for _, fk := range fks {
		ref := fk.refTable
		if fk.table == ref || out[ref] != "" || !personMaster(fk.table, columns[fk.table]) {
			continue
		}
		if staffOrOrgTable(ref, columns[ref]) || !contactTable(columns[ref]) || staffNameColumn(fk.column) {
			continue
		}
		col := fk.refColumn
		if col == "" {
			col = fk.column
		}
		out[ref] = col
	}
	return out
}

// staffNameColumn reports a column named for a member of staff
// ("provider_id", "creator").
func staffNameColumn(col string) bool {
	for _, t := range analyzeName(col, nil).tokens {
		if staffNameWords[t] {
			return true
		}
	}
	return false
}
