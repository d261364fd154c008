package migrate

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider/local"
	"github.com/phicrypt/phicrypt/sqlwrap"

	_ "modernc.org/sqlite" // the scratch database of Estimate
)

// sampleRows is the size of Estimate's sample.
const sampleRows = 200

// sampleRate seals and indexes up to sampleRows rows of the table into a
// scratch SQLite database under throwaway keys and returns rows/s.
func (m *Migrator) sampleRate(ctx context.Context, t *sqlwrap.Table, tp *TablePlan) (float64, error) {
	sel := m.q(t.Key)
	for _, cp := range tp.Columns {
		src := cp.Name
		if cp.State != StatePlaintext {
			src = cp.Plain
		}
		if cp.State == StateEncrypted {
			sel += ", NULL"
			continue
		}
		sel += ", " + m.q(src)
	}
	rows, err := m.db.QueryContext(ctx, "SELECT "+sel+" FROM "+m.q(t.Name)+" ORDER BY "+m.q(t.Key)+" LIMIT "+itoa(sampleRows))
	if err != nil {
		return 0, err
	}
	var sample []sqlwrap.Row
	for rows.Next() {
		vals := make([]any, 1+len(t.Columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			rows.Close()
			return 0, err
		}
		r := sqlwrap.Row{t.Key: int64(len(sample) + 1)}
		if t.KeyType == "text" {
			r[t.Key] = itoa(len(sample) + 1)
		}
		ok := true
		for i, c := range t.Columns {
			v, err := convert(vals[i+1], c.Type)
			if err != nil {
				ok = false
				break
			}
			if v == nil && !c.Nullable {
				v = zero(c.Type)
			}
			r[c.Name] = v
		}
		if ok {
			sample = append(sample, r)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(sample) == 0 {
		return 0, nil
	}
	dir, err := os.MkdirTemp("", "phicrypt-estimate-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	kp := filepath.Join(dir, "kek.json")
	if err := local.Create(kp); err != nil {
		return 0, err
	}
	kek, err := local.Open(kp)
	if err != nil {
		return 0, err
	}
	ring, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: cipher.NewMemStore()})
	if err != nil {
		return 0, err
	}
	u := url.URL{Scheme: "file", Path: filepath.Join(dir, "scratch.db")}
	scratch, err := sql.Open("sqlite", u.String()+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		return 0, err
	}
	defer scratch.Close()
	tc := *t
	tc.Plain, tc.Rows = nil, 0
	if tc.RowBinding != "" {
		tc.RowBinding = tc.Key
	}
	w, err := sqlwrap.Open(scratch, "sqlite", &sqlwrap.Schema{Source: "estimate", Tables: []*sqlwrap.Table{&tc}}, ring)
	if err != nil {
		return 0, err
	}
	defer w.Close()
	if err := w.EnsureSchema(ctx); err != nil {
		return 0, err
	}
	ta, err := w.Table(t.Name)
	if err != nil {
		return 0, err
	}
	begin := time.Now()
	if _, err := ta.InsertBatch(ctx, sample); err != nil {
		return 0, err
	}
	return float64(len(sample)) / time.Since(begin).Seconds(), nil
}

func zero(t sqlwrap.ValueType) any {
	switch t {
	case sqlwrap.TypeString:
		return ""
	case sqlwrap.TypeBytes:
		return []byte{}
	case sqlwrap.TypeInt64:
		return int64(0)
	case sqlwrap.TypeFloat64:
		return float64(0)
	case sqlwrap.TypeBool:
		return false
	case sqlwrap.TypeDate:
		return cipher.Date{Year: 2000, Month: 1, Day: 1}
	}
	return time.Unix(0, 0).UTC()
}

func itoa(n int) string { return strconv.Itoa(n) }
