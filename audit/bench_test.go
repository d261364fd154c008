package audit

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkLog is the cost of one record to a JSON-lines file.
func BenchmarkLog(b *testing.B) {
	ctx := context.Background()
	l, err := OpenFile(ctx, filepath.Join(b.TempDir(), "a.jsonl"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	r := Record{Principal: "bench", Role: "admin", Purpose: "benchmark", Op: OpSearch, Action: "find", Table: "patients", Columns: []string{"ssn", "last_name", "dob"}, Rows: 1, Outcome: OutcomeOK, RequestID: "req-1"}
	for b.Loop() {
		if _, err := l.Log(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLogBuffered is BenchmarkLog with lines written every 100ms.
func BenchmarkLogBuffered(b *testing.B) {
	ctx := context.Background()
	l, err := OpenFile(ctx, filepath.Join(b.TempDir(), "a.jsonl"), Options{FlushInterval: 100 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	r := Record{Principal: "bench", Role: "admin", Purpose: "benchmark", Op: OpSearch, Action: "find", Table: "patients", Columns: []string{"ssn", "last_name", "dob"}, Rows: 1, Outcome: OutcomeOK, RequestID: "req-1"}
	for b.Loop() {
		if _, err := l.Log(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}
