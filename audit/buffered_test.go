package audit

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBufferedFileSink(t *testing.T) {
	kek := testKEK(t)
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "a.jsonl")
	l, err := OpenFile(ctx, p, Options{KEK: kek, FlushInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := l.Log(ctx, Record{Op: OpSearch, Outcome: OutcomeOK}); err != nil {
			t.Fatal(err)
		}
	}
	// The flusher writes them without a checkpoint or Close.
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(p)
		if strings.Count(string(b), "\n") == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not flushed: %q", b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A checkpoint is written at once.
	if err := l.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); strings.Count(string(b), "\n") != 4 {
		t.Fatalf("checkpoint not flushed: %q", b)
	}
	if _, err := l.Log(ctx, Record{Op: OpSearch, Outcome: OutcomeOK}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// Resumed, buffered again.
	l, err = OpenFile(ctx, p, Options{KEK: kek, FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Log(ctx, Record{Op: OpSearch, Outcome: OutcomeOK}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	res, err := Verify(bytes.NewReader(b), kek)
	// 3 + checkpoint + 1 + checkpoint on Close + 1 + checkpoint on Close.
	if err != nil || !res.OK() || res.LastSeq != 8 || res.Verified != 3 {
		t.Fatalf("%+v %v", res, err)
	}
	if _, err := NewBufferedFileSink(p, 0); err == nil {
		t.Fatal("zero interval accepted")
	}
}
