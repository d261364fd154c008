package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/phicrypt/phicrypt/sqlwrap"
)

// Column states in a plan.
const (
	// StatePlaintext: the column c holds plaintext; prepare renames it.
	StatePlaintext = "plaintext"
	// StateRenamed: c__plain exists (prepare ran); rows are being sealed.
	StateRenamed = "renamed"
	// StateEncrypted: c holds ciphertext and no c__plain is left.
	StateEncrypted = "encrypted"
)

// Plan is what a migration will do, table by table.
type Plan struct {
	Dialect string       `json:"dialect"`
	Tables  []*TablePlan `json:"tables"`
}

// TablePlan is the plan of one table.
type TablePlan struct {
	Table string `json:"table"`
	// Key is the column the table is walked by: its primary key or a
	// unique NOT NULL column.
	Key     string        `json:"key"`
	Rows    int64         `json:"rows"`
	Columns []*ColumnPlan `json:"columns"`
	// DDL is what prepare runs (renames, NOT NULL removal), then what the
	// wrapper's EnsureSchema adds (ciphertext and token columns, indexes,
	// side tables), in that order.
	DDL []string `json:"ddl"`
	// Phase and LastKey come from phicrypt_migrations when an earlier run
	// left them ("" when none did).
	Phase   string `json:"phase,omitempty"`
	LastKey string `json:"last_key,omitempty"`
	// RowsPerSecond is measured on a sample of the table (sealing and
	// indexing, written to a scratch database); EstimatedSeconds is Rows
	// divided by it and by the workers that can seal in parallel.
	RowsPerSecond    float64 `json:"rows_per_second"`
	EstimatedSeconds float64 `json:"estimated_seconds"`
}

// ColumnPlan is one protected column.
type ColumnPlan struct {
	Name string `json:"name"`
	// Plain is the column that keeps the plaintext until --drop-plaintext.
	Plain string `json:"plain"`
	// SQLType is the plaintext column's type in the database.
	SQLType string `json:"sql_type"`
	NotNull bool   `json:"not_null"`
	State   string `json:"state"`
}

// Done reports whether nothing is left to seal in the table: every
// protected column is encrypted with no plaintext column left.
func (tp *TablePlan) Done() bool {
	for _, c := range tp.Columns {
		if c.State != StateEncrypted {
			return false
		}
	}
	return true
}

// PlainSuffix is appended to a protected column's name to name the column
// that keeps its plaintext during the migration.
const PlainSuffix = "__plain"

// Plan checks every table of the schema (or of Options.Tables) and
// returns what the migration will do. It changes nothing in the database.
// A missing table or column, or a key that is neither the primary key nor
// a unique NOT NULL column, is an error naming it (ErrRefused).
func (m *Migrator) Plan(ctx context.Context) (*Plan, error) {
	p := &Plan{Dialect: m.dialect}
	for _, t := range m.tables() {
		tp, err := m.planTable(ctx, t)
		if err != nil {
			return nil, err
		}
		p.Tables = append(p.Tables, tp)
	}
	return p, nil
}

func (m *Migrator) planTable(ctx context.Context, t *sqlwrap.Table) (*TablePlan, error) {
	cols, err := m.columns(ctx, t.Name)
	if err != nil {
		return nil, m.fail(t.Name, err)
	}
	if cols == nil {
		return nil, refusef(t.Name, "table %s does not exist (the schema names it)", t.Name)
	}
	tp := &TablePlan{Table: t.Name, Key: t.Key}
	if cols[strings.ToLower(t.Key)] == nil {
		return nil, refusef(t.Name, "key column %s.%s does not exist (the schema's key: names it)", t.Name, t.Key)
	}
	ok, err := m.keyIsUnique(ctx, t.Name, t.Key, cols)
	if err != nil {
		return nil, m.fail(t.Name, fmt.Errorf("read the indexes of %s: %w", t.Name, err))
	}
	if !ok {
		return nil, refusef(t.Name, "key column %s.%s is neither the primary key nor a unique NOT NULL column: migrate walks the table in key order and checkpoints the last key done, so every row needs one distinct, never-NULL key (name the primary key as key: in the schema, or add a UNIQUE NOT NULL column)", t.Name, t.Key)
	}
	for _, c := range t.Columns {
		cp := &ColumnPlan{Name: c.Name, Plain: c.Name + PlainSuffix}
		cur, plain := cols[strings.ToLower(c.Name)], cols[strings.ToLower(cp.Plain)]
		switch {
		case plain != nil:
			cp.State, cp.SQLType, cp.NotNull = StateRenamed, typeOf(plain), plain.notNull
		case cur == nil:
			return nil, refusef(t.Name, "column %s.%s does not exist (the schema protects it)", t.Name, c.Name)
		case cur.binary() && c.Type != sqlwrap.TypeBytes:
			// A binary column under a non-bytes type holds ciphertext:
			// migrated already, or made by the wrapper.
			cp.State, cp.SQLType = StateEncrypted, typeOf(cur)
		default:
			cp.State, cp.SQLType, cp.NotNull = StatePlaintext, typeOf(cur), cur.notNull
		}
		tp.Columns = append(tp.Columns, cp)
	}
	if err := m.readState(ctx, tp); err != nil {
		return nil, m.fail(t.Name, err)
	}
	if err := m.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+m.q(t.Name)).Scan(&tp.Rows); err != nil {
		return nil, m.fail(t.Name, fmt.Errorf("count rows: %w", err))
	}
	tp.DDL = append(m.prepareDDL(t, tp, cols), m.ensureDDL(t, tp, cols)...)
	return tp, nil
}

func typeOf(c *column) string {
	if c.colType != "" {
		return c.colType
	}
	return c.typ
}

// readState fills Phase and LastKey from phicrypt_migrations, when the
// table exists and has a row for tp.
func (m *Migrator) readState(ctx context.Context, tp *TablePlan) error {
	have, err := m.columns(ctx, StateTable)
	if err != nil || have == nil {
		return err
	}
	var last sql.NullString
	err = m.db.QueryRowContext(ctx, m.rebind("SELECT phase, last_key FROM "+StateTable+" WHERE tbl = ?"), tp.Table).Scan(&tp.Phase, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	tp.LastKey = last.String
	return err
}

// Estimate fills RowsPerSecond and EstimatedSeconds of every table of p by
// sealing and indexing a sample of each table's rows (at most 200) into a
// scratch SQLite database under throwaway keys. Nothing is written to the
// migrated database, and the sample's plaintext stays in memory.
func (m *Migrator) Estimate(ctx context.Context, p *Plan) error {
	for _, tp := range p.Tables {
		if tp.Done() || tp.Rows == 0 {
			continue
		}
		t := m.table(tp.Table)
		rate, err := m.sampleRate(ctx, t, tp)
		if err != nil {
			return m.fail(tp.Table, fmt.Errorf("time a sample: %w", err))
		}
		tp.RowsPerSecond = rate
		par := float64(m.workers())
		if m.dialect == "sqlite" || par > float64(runtime.NumCPU()) {
			// SQLite runs one write transaction at a time.
			par = min(par, float64(runtime.NumCPU()))
			if m.dialect == "sqlite" {
				par = 1
			}
		}
		if rate > 0 {
			tp.EstimatedSeconds = float64(tp.Rows) / (rate * par)
		}
	}
	return nil
}

// Duration is EstimatedSeconds as a time.Duration.
func (tp *TablePlan) Duration() time.Duration {
	d := time.Duration(tp.EstimatedSeconds * float64(time.Second))
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}
