package sqlwrap

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

// TestIssue9_4_LongStreamMillionRows streams 1,000,000 rows of SQLite
// through Rows and checks that the heap in use stays under 64 MiB. It
// takes minutes, so it runs only with PHICRYPT_LONG=1:
//
//	PHICRYPT_LONG=1 go test -count=1 -run TestIssue9_4_LongStream -v ./sqlwrap/
//
// It logs the peak heap and the rows per second of Rows and of a plain
// database/sql scan of the same table (the ciphertexts, not opened).
func TestIssue9_4_LongStreamMillionRows(t *testing.T) {
	if os.Getenv("PHICRYPT_LONG") != "1" {
		t.Skip("set PHICRYPT_LONG=1 to stream 1,000,000 rows")
	}
	const n = 1_000_000
	ctx := context.Background()
	schema := &Schema{Source: "stream_long_test.go", Tables: []*Table{{
		Name: "people", Key: "id", RowBinding: "id",
		Plain: []*PlainColumn{{Name: "city", Type: "text"}},
		Columns: []*Column{
			{Name: "ssn", Type: TypeString, Equality: []*EqualityIndex{{Name: "ssn_eq", Transforms: "digits", Bits: 24}}},
			{Name: "last_name", Type: TypeString},
		},
	}}}
	f := newFixture(t, testdb.DialectSQLite, schema)
	batch := make([]Row, 0, 10_000)
	for i := 1; i <= n; i++ {
		batch = append(batch, Row{"id": int64(i), "city": "Boston", "ssn": fmt.Sprintf("%09d", i), "last_name": fmt.Sprintf("Name%07d", i)})
		if len(batch) == cap(batch) {
			if _, err := f.pats.InsertBatch(ctx, batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}

	start := time.Now()
	rows, err := f.sql.QueryContext(ctx, "SELECT id, city, ssn, last_name FROM people")
	if err != nil {
		t.Fatal(err)
	}
	plain := 0
	for rows.Next() {
		var id int64
		var city string
		var ssn, last []byte
		if err := rows.Scan(&id, &city, &ssn, &last); err != nil {
			t.Fatal(err)
		}
		plain++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	plainRate := float64(plain) / time.Since(start).Seconds()

	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	start = time.Now()
	got := 0
	for r, err := range f.pats.Rows(ctx, Query{}) {
		if err != nil {
			t.Fatal(err)
		}
		got++
		if want := fmt.Sprintf("%09d", toInt64(r["id"])); r["ssn"] != want {
			t.Fatalf("row %v: ssn does not match its id", r["id"])
		}
	}
	rate := float64(got) / time.Since(start).Seconds()
	close(stop)
	<-sampled
	if got != n || plain != n {
		t.Fatalf("streamed %d rows, scanned %d, want %d", got, plain, n)
	}
	t.Logf("Rows: %.0f rows/s; plain database/sql scan: %.0f rows/s (%.2fx); peak HeapInuse %.1f MiB",
		rate, plainRate, plainRate/rate, float64(peak.Load())/(1<<20))
	if peak.Load() >= 64<<20 {
		t.Fatalf("peak HeapInuse %d bytes, want under 64 MiB", peak.Load())
	}
}
