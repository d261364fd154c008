package migrate

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// TestWritersDuringMigration: the application writes through the wrapper
// while the run goes on (updates and inserts), and a writer that bypasses
// the wrapper inserts plaintext behind the checkpoint after the run: every
// row reads back with its latest value, and the rerun's final pass seals
// the bypassing writer's values.
func TestWritersDuringMigration(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, 1500)
		m := f.migrator(t, Options{Batch: 100, Workers: 2})
		w, err := m.Prepare(ctx, f.ring(t, f.kekURI))
		if err != nil {
			t.Fatal(err)
		}
		ta, err := w.Table("patient_data")
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]map[string]any{}
		for _, p := range f.rows {
			want[p.pid] = p.vals
		}
		var (
			wg      sync.WaitGroup
			stop    atomic.Bool
			mu      sync.Mutex
			written int
			werr    error
		)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load() || i < 5; i++ {
				pid := f.rows[(i*37)%len(f.rows)].pid
				name := fmt.Sprintf("Writer%d", i)
				if err := ta.Update(ctx, pid, sqlwrap.Row{"lname": name}); err != nil {
					werr = fmt.Errorf("update %d: %w", pid, err)
					return
				}
				np := newPatient(100000 + int64(i))
				if _, err := ta.Insert(ctx, np.row()); err != nil {
					werr = fmt.Errorf("insert: %w", err)
					return
				}
				mu.Lock()
				vals := map[string]any{}
				for k, v := range want[pid] {
					vals[k] = v
				}
				vals["lname"] = name
				want[pid] = vals
				want[np.pid] = np.vals
				written++
				mu.Unlock()
			}
		}()
		_, err = m.Run(ctx, w)
		stop.Store(true)
		wg.Wait()
		if err != nil || werr != nil {
			t.Fatalf("run: %v; writer: %v", err, werr)
		}
		m.Close()
		// A writer that bypasses the wrapper, behind the checkpoint.
		bypass := newPatient(2)
		f.insertInto(t, []patient{bypass}, PlainSuffix)
		want[2] = bypass.vals
		res := f.migrateAll(t, Options{Batch: 100})
		if res[0].Sealed != nonNull([]patient{bypass}) {
			t.Fatalf("final pass sealed %d values, want %d", res[0].Sealed, nonNull([]patient{bypass}))
		}
		var exp []patient
		for pid, vals := range want {
			exp = append(exp, patient{pid: pid, vals: vals})
		}
		sort.Slice(exp, func(i, j int) bool { return exp[i].pid < exp[j].pid })
		if got := f.readBack(t); valuesHash(got) != valuesHash(exp) {
			t.Fatalf("values differ: %d rows read, %d expected (%d written during the run)", len(got), len(exp), written)
		}
	})
}

func newPatient(pid int64) patient {
	return patient{pid: pid, vals: map[string]any{
		"pubpid": fmt.Sprintf("NEW%06d", pid), "fname": "New", "lname": "Writer", "mname": "", "dob": cipher.Date{Year: 1990, Month: 5, Day: 6},
		"ss": fmt.Sprintf("800-00-%04d", pid%10000), "street": "1 New St", "postal_code": "12345", "phone_home": "555-000-0000",
		"phone_cell": "", "email": fmt.Sprintf("new%d@example.org", pid),
	}}
}

func (p patient) row() sqlwrap.Row {
	r := sqlwrap.Row{"pid": p.pid}
	for k, v := range p.vals {
		r[k] = v
	}
	return r
}
