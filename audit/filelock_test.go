//go:build unix

package audit

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOneWriterPerLog: a second writer of the same log, in this process
// or in another, is refused while the first holds it, so the chain
// cannot fork; once the first closes, the log opens again.
func TestOneWriterPerLog(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := OpenFile(ctx, p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Log(ctx, Record{Op: OpDecrypt, Outcome: OutcomeOK}); err != nil {
		t.Fatal(err)
	}
	for _, flush := range []int{0, 1} {
		_, err := OpenFile(ctx, p, Options{FlushInterval: time.Duration(flush) * 100 * time.Millisecond})
		if err == nil || !strings.Contains(err.Error(), "one writer per log") || !strings.Contains(err.Error(), p) ||
			strings.Count(err.Error(), "phicrypt:") != 1 {
			t.Fatalf("second writer: %v", err)
		}
	}
	// Another process: flock(1) would wait; the child tries once.
	if os.Getenv("PHICRYPT_AUDIT_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestOneWriterPerLogChild$")
		cmd.Env = append(os.Environ(), "PHICRYPT_AUDIT_CHILD="+p)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2, err := OpenFile(ctx, p, Options{})
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	if seq, _ := l2.Head(); seq != 1 {
		t.Fatalf("resumed at seq %d", seq)
	}
	l2.Close()
}

// TestOneWriterPerLogChild runs in the child process of TestOneWriterPerLog.
func TestOneWriterPerLogChild(t *testing.T) {
	p := os.Getenv("PHICRYPT_AUDIT_CHILD")
	if p == "" {
		return // run directly: nothing to check
	}
	_, err := OpenFile(context.Background(), p, Options{})
	if err == nil || !strings.Contains(err.Error(), "one writer per log") {
		t.Fatalf("a second process opened the log for writing: %v", err)
	}
}
