package phiscan

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// Scan tuning.
const (
	// batchRows is the number of rows handed to the column workers at a
	// time: large enough that channel operations vanish in the per-value
	// work, small enough that a batch stays in the CPU cache.
	batchRows = 256
	// maxBatches bounds the memory of a scan: readers block when this
	// many batches are filled or wait for the workers.
	maxBatches = 6
	// maxExamples is the number of masked example records per table.
	maxExamples = 3
)

// DefaultSample is the number of rows the CLI reads per table when neither
// a flag nor a config file sets Config.Sample.
const DefaultSample = 10_000

// tableScan feeds the rows of one table or file, as they are read, to one
// classifier per column. Nothing but the current batches is kept, so a
// full scan of any size runs in constant memory.
//
// Columns are split among worker goroutines, each of which owns its
// classifiers: a Classifier is not safe for concurrent use, and splitting
// by column rather than by row keeps the result independent of the number
// of workers. Rows come in through feeders, one per reading goroutine.
type tableScan struct {
	names    []string
	sqlTypes []string
	cls      []*Classifier

	exMu     sync.Mutex
	examples [][]string
	nex      atomic.Int32
	observed atomic.Int64

	workers []chan *rowBatch
	free    chan *rowBatch
	made    atomic.Int32
	wg      sync.WaitGroup
	main    *feeder
	done    bool
}

// feeder fills batches for one reading goroutine.
type feeder struct {
	ts  *tableScan
	cur *rowBatch
	// n counts the rows this feeder observed.
	n int64
}

// rowBatch is batchRows rows, row-major. Values that the source may
// overwrite (raw database bytes, formatted numbers) are copied into arena
// and become substrings of one string when the batch is dispatched: one
// allocation per batch instead of one per value.
type rowBatch struct {
	vals    []string
	n       int
	arena   []byte
	fix     []fixup
	pending atomic.Int32
}

// fixup says that vals[slot] is arena[start:end].
type fixup struct{ slot, start, end int32 }

// setBytes sets value j of the row being filled to a copy of v.
func (b *rowBatch) setBytes(row, j int, v []byte) {
	start := len(b.arena)
	b.arena = append(b.arena, v...)
	b.fix = append(b.fix, fixup{int32(row + j), int32(start), int32(len(b.arena))})
}

// newTableScan starts the workers for the columns of table (a table name,
// or a file's name without extension, which the classifiers take as
// context).
func newTableScan(table string, names, sqlTypes []string, cfg *Config) *tableScan {
	ts := &tableScan{
		names:    names,
		sqlTypes: sqlTypes,
		cls:      make([]*Classifier, len(names)),
		free:     make(chan *rowBatch, maxBatches),
	}
	ts.main = ts.feeder()
	for i, n := range names {
		ts.cls[i] = NewClassifier(n, sqlTypes[i], names, cfg)
		ts.cls[i].SetTable(table)
	}
	w := min(runtime.GOMAXPROCS(0), len(names))
	for k := range w {
		ch := make(chan *rowBatch, maxBatches)
		ts.workers = append(ts.workers, ch)
		ts.wg.Add(1)
		go ts.work(ch, k, w)
	}
	return ts
}

// work observes columns k, k+w, k+2w, ... of every batch.
func (ts *tableScan) work(ch <-chan *rowBatch, k, w int) {
	defer ts.wg.Done()
	ncol := len(ts.names)
	for b := range ch {
		for j := k; j < ncol; j += w {
			c := ts.cls[j]
			for i := 0; i < b.n; i++ {
				c.Observe(b.vals[i*ncol+j])
			}
		}
		if b.pending.Add(-1) == 0 {
			ts.free <- b
		}
	}
}

// feeder returns a feeder for another reading goroutine; call its flush
// when it is done.
func (ts *tableScan) feeder() *feeder { return &feeder{ts: ts} }

// batch returns the batch being filled, waiting for the workers to hand
// one back when maxBatches are taken.
func (f *feeder) batch() *rowBatch {
	if f.cur != nil {
		return f.cur
	}
	ts := f.ts
	select {
	case b := <-ts.free:
		f.cur = b
	default:
		if ts.made.Add(1) <= maxBatches {
			f.cur = &rowBatch{vals: make([]string, batchRows*len(ts.names))}
		} else {
			f.cur = <-ts.free
		}
	}
	f.cur.n = 0
	f.cur.arena = f.cur.arena[:0]
	f.cur.fix = f.cur.fix[:0]
	return f.cur
}

// add observes one row of text values. A short row is padded with empty
// values and the excess of a long one is dropped, so that ragged files
// are read as far as they make sense.
func (f *feeder) add(row []string) {
	ts := f.ts
	if len(ts.names) == 0 {
		f.n++
		return
	}
	if ts.nex.Load() < maxExamples {
		ts.example(func(j int) string {
			if j < len(row) {
				return row[j]
			}
			return ""
		})
	}
	b := f.batch()
	ncol := len(ts.names)
	dst := b.vals[b.n*ncol : (b.n+1)*ncol]
	n := copy(dst, row)
	clear(dst[n:])
	f.commit(b)
}

// row returns the batch and the index in its vals of the first value of
// the next row, for a source that sets the values itself (vals directly
// for strings it will not overwrite, setBytes otherwise); end the row with
// endRow.
func (f *feeder) row() (*rowBatch, int) {
	b := f.batch()
	return b, b.n * len(f.ts.names)
}

// endRow completes the row that row started; fixFrom is len(b.fix)
// before the row was filled, to take its example values.
func (f *feeder) endRow(b *rowBatch, fixFrom int) {
	ts := f.ts
	if ts.nex.Load() < maxExamples {
		base := b.n * len(ts.names)
		vals := slices.Clone(b.vals[base : base+len(ts.names)])
		for _, fx := range b.fix[fixFrom:] {
			vals[int(fx.slot)-base] = string(b.arena[fx.start:fx.end])
		}
		ts.example(func(j int) string { return vals[j] })
	}
	f.commit(b)
}

func (ts *tableScan) example(value func(j int) string) {
	ts.exMu.Lock()
	defer ts.exMu.Unlock()
	if len(ts.examples) >= maxExamples {
		return
	}
	ex := make([]string, len(ts.names))
	for j := range ex {
		ex[j] = Mask(value(j))
	}
	ts.examples = append(ts.examples, ex)
	ts.nex.Store(int32(len(ts.examples)))
}

func (f *feeder) commit(b *rowBatch) {
	b.n++
	f.n++
	if b.n == batchRows {
		f.dispatch()
	}
}

// dispatch hands the current batch to every worker.
func (f *feeder) dispatch() {
	b := f.cur
	if b == nil || b.n == 0 {
		return
	}
	f.cur = nil
	if len(b.fix) > 0 {
		// The values are substrings of one copy of the arena, so the arena
		// can be reused while a classifier keeps a value.
		s := string(b.arena)
		for _, fx := range b.fix {
			b.vals[fx.slot] = s[fx.start:fx.end]
		}
	}
	b.pending.Store(int32(len(f.ts.workers)))
	for _, ch := range f.ts.workers {
		ch <- b
	}
}

// flush hands over the last, partial batch and counts the rows.
func (f *feeder) flush() {
	f.dispatch()
	f.ts.observed.Add(f.n)
	f.n = 0
}

// finish waits for the workers and returns the column reports.
func (ts *tableScan) finish() []ColumnReport {
	ts.stop()
	cols := make([]ColumnReport, len(ts.names))
	for j := range cols {
		c := ts.cls[j].Report()
		if c.Name == "" {
			c.Name = ts.names[j]
		}
		if c.SQLType == "" {
			c.SQLType = ts.sqlTypes[j]
		}
		if c.Types == nil {
			c.Types = []string{}
		}
		if c.Evidence == nil {
			c.Evidence = []Evidence{}
		}
		cols[j] = c
	}
	return ResolveTable(cols)
}

// stop flushes the last batch and ends the workers; it is idempotent so
// that an early return can defer it.
func (ts *tableScan) stop() {
	if ts.done {
		return
	}
	ts.main.flush()
	ts.done = true
	for _, ch := range ts.workers {
		close(ch)
	}
	ts.wg.Wait()
}
