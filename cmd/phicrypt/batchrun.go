package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// batchInterrupts delivers Ctrl-C and SIGTERM to a command that works in
// batches; tests replace it.
var batchInterrupts = func() (<-chan os.Signal, func()) {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	return ch, func() { signal.Stop(ch) }
}

// batchRun stops a command that works in batches cleanly: the first
// Ctrl-C (or SIGTERM) lets the current batch commit and stops before the
// next one; a second one cancels at once (the batch in flight is rolled
// back). Either way a rerun resumes from the last committed batch.
type batchRun struct {
	ctx    context.Context
	cancel context.CancelFunc
	sig    <-chan os.Signal
	seen   atomic.Int32
	// mu serializes the writes to stderr of the command and of the
	// goroutine that watches for batchInterrupts.
	mu     sync.Mutex
	stderr io.Writer
	what   string
	// rows is the count of the last progress call; printed is when a
	// progress line was last printed.
	start, printed time.Time
	rows           int64
}

// batchProgressEvery is how often progress lines are printed at most (the
// first batch is always shown).
var batchProgressEvery = 2 * time.Second

// newBatchRun starts watching for batchInterrupts; call close when done.
func newBatchRun(what string, stderr io.Writer) (*batchRun, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sig, stop := batchInterrupts()
	b := &batchRun{ctx: ctx, cancel: cancel, sig: sig, stderr: stderr, what: what, start: time.Now()}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			case <-sig:
				b.interrupted()
			}
		}
	}()
	return b, func() {
		close(done)
		wg.Wait()
		stop()
		cancel()
	}
}

// interrupted counts one interrupt: the first asks for a stop after the
// current batch, the second stops now.
func (b *batchRun) interrupted() {
	switch b.seen.Add(1) {
	case 1:
		b.say("%s: stopping after the current batch (interrupt again to stop now)\n", b.what)
	case 2:
		b.cancel()
	}
}

// progress is the Progress callback: it prints the rows done (after the
// first batch, then at most every batchProgressEvery) and stops the work once
// an interrupt asked for it.
func (b *batchRun) progress(rows int64) {
	b.rows = rows
	if now := time.Now(); b.printed.IsZero() || now.Sub(b.printed) >= batchProgressEvery {
		b.printed = now
		b.say("%s: %d rows (%s)\n", b.what, rows, b.rate())
	}
	select {
	case <-b.sig:
		b.interrupted()
	default:
	}
	if b.seen.Load() > 0 {
		b.cancel()
	}
}

// result turns the work's error into the command's: a stop asked for by
// an interrupt says how to resume.
func (b *batchRun) result(err error) error {
	if err == nil {
		b.say("%s: done, %d rows (%s)\n", b.what, b.rows, b.rate())
		return nil
	}
	if b.seen.Load() > 0 && errors.Is(err, context.Canceled) {
		return fmt.Errorf("phicrypt: %s: stopped by an interrupt after %d rows; run the same command again to resume", b.what, b.rows)
	}
	if b.rows > 0 {
		b.say("%s: %d rows committed before the failure; run the same command again to resume\n", b.what, b.rows)
	}
	return err
}

// say prints a line to stderr.
func (b *batchRun) say(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	fmt.Fprintf(b.stderr, format, args...)
}

// restart starts the count of rows again, for a second pass.
func (b *batchRun) restart() {
	b.rows, b.start, b.printed = 0, time.Now(), time.Time{}
}

// rate is the throughput so far.
func (b *batchRun) rate() string {
	secs := time.Since(b.start).Seconds()
	if secs <= 0 {
		return "- rows/s"
	}
	return fmt.Sprintf("%.0f rows/s", float64(b.rows)/secs)
}
