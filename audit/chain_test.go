package audit

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/keyprovider/local"
)

func testKEK(t *testing.T) keyprovider.KEK {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kek.json")
	if err := local.Create(p); err != nil {
		t.Fatal(err)
	}
	k, err := local.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// writeLog writes n records with a checkpoint every `every` and returns
// the log's lines.
func writeLog(t *testing.T, kek keyprovider.KEK, n, every int) (string, []string) {
	t.Helper()
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := OpenFile(ctx, p, Options{KEK: kek, CheckpointEvery: every})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := l.Log(ctx, Record{Principal: "p", Role: "r", Op: OpSearch, Table: "t", Columns: []string{"c"}, Rows: int64(i), Outcome: OutcomeOK}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, strings.SplitAfter(strings.TrimSuffix(string(b), "\n"), "\n")
}

func verifyLines(t *testing.T, kek keyprovider.KEK, lines []string) *VerifyResult {
	t.Helper()
	s := strings.Join(lines, "")
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	res, err := Verify(strings.NewReader(s), kek)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func hasFinding(res *VerifyResult, line int, what string) bool {
	for _, f := range res.Findings {
		if f.Line == line && f.What == what {
			return true
		}
	}
	return false
}

func TestVerifyIntact(t *testing.T) {
	kek := testKEK(t)
	_, lines := writeLog(t, kek, 10, 4)
	// 10 records, checkpoints after 4 and 8 records and on Close.
	if len(lines) != 13 {
		t.Fatalf("%d lines", len(lines))
	}
	res := verifyLines(t, kek, lines)
	if !res.OK() || res.Checkpoints != 3 || res.Verified != 3 || res.AfterCheckpoint != 0 || len(res.Warnings) != 0 {
		t.Fatalf("%+v", res)
	}
	res = verifyLines(t, nil, lines)
	if !res.OK() || res.Unverified != 3 || len(res.Warnings) == 0 {
		t.Fatalf("without KEK: %+v", res)
	}
}

func TestVerifyDetects(t *testing.T) {
	kek := testKEK(t)
	_, lines := writeLog(t, kek, 10, 4)
	cp := func() []string { return append([]string(nil), lines...) }

	edited := cp()
	edited[2] = strings.Replace(edited[2], `"rows":2`, `"rows":7`, 1)
	if res := verifyLines(t, kek, edited); !hasFinding(res, 3, FindHashMismatch) {
		t.Errorf("edited: %v", res.Findings)
	}

	removed := append(cp()[:2], lines[3:]...)
	if res := verifyLines(t, kek, removed); !hasFinding(res, 3, FindSeqGap) || !hasFinding(res, 3, FindPrevMismatch) {
		t.Errorf("removed: %v", res.Findings)
	}

	reordered := cp()
	reordered[1], reordered[2] = reordered[2], reordered[1]
	if res := verifyLines(t, kek, reordered); !hasFinding(res, 2, FindSeqGap) || !hasFinding(res, 3, FindSeqGap) {
		t.Errorf("reordered: %v", res.Findings)
	}

	inserted := append(cp()[:2], append([]string{lines[1]}, lines[2:]...)...)
	if res := verifyLines(t, kek, inserted); !hasFinding(res, 3, FindSeqGap) {
		t.Errorf("inserted: %v", res.Findings)
	}

	garbage := append(cp()[:2], append([]string{"{\"seq\":3,\"bogus\":1}\n"}, lines[2:]...)...)
	if res := verifyLines(t, kek, garbage); !hasFinding(res, 3, FindMalformed) {
		t.Errorf("malformed: %v", res.Findings)
	}
}

// TestVerifyRewrittenChain edits a record and recomputes every hash after
// it, as someone without the KEK could: only the checkpoints catch it.
func TestVerifyRewrittenChain(t *testing.T) {
	kek := testKEK(t)
	_, lines := writeLog(t, kek, 10, 4)
	var recs []Record
	for _, l := range lines {
		var r Record
		if err := jsonUnmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	recs[1].Principal = "mallory"
	var out []string
	prev := GenesisPrev
	for i := range recs {
		recs[i].Prev = prev
		recs[i].Hash = ""
		h, _ := recs[i].ComputeHash()
		recs[i].Hash = h
		prev = h
		b, _ := recs[i].Line()
		out = append(out, string(b)+"\n")
	}
	res := verifyLines(t, kek, out)
	// The first checkpoint is line 5 (after 4 records).
	if !hasFinding(res, 5, FindCheckpointBad) || hasFinding(res, 2, FindHashMismatch) {
		t.Fatalf("%v", res.Findings)
	}
	if res := verifyLines(t, nil, out); !res.OK() {
		t.Fatalf("without a KEK a rewritten chain looks intact, with a warning: %v", res.Findings)
	}
	// Another KEK does not verify the genuine log either.
	if res := verifyLines(t, testKEK(t), lines); !hasFinding(res, 5, FindCheckpointBad) {
		t.Fatalf("other KEK: %v", res.Findings)
	}
}

func TestVerifyTruncationWarning(t *testing.T) {
	kek := testKEK(t)
	_, lines := writeLog(t, kek, 10, 4)
	// Cut the final checkpoint and one record: the chain is intact but
	// ends after the last checkpoint.
	res := verifyLines(t, kek, lines[:len(lines)-2])
	if !res.OK() || res.AfterCheckpoint != 1 || len(res.Warnings) != 1 {
		t.Fatalf("%+v", res)
	}
}

func TestResume(t *testing.T) {
	kek := testKEK(t)
	ctx := context.Background()
	p, _ := writeLog(t, kek, 3, 0)
	for round := range 2 {
		l, err := OpenFile(ctx, p, Options{KEK: kek})
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := l.Log(ctx, Record{Op: OpDecrypt, Outcome: OutcomeOK}); err != nil {
				t.Fatal(err)
			}
		}
		seq, _ := l.Head()
		// 3 records + checkpoint, then per round 2 records + checkpoint.
		if want := int64(4 + 3*round + 2); seq != want {
			t.Fatalf("round %d: seq %d, want %d", round, seq, want)
		}
		l.Close()
	}
	f, _ := os.Open(p)
	defer f.Close()
	res, err := Verify(f, kek)
	if err != nil || !res.OK() || res.LastSeq != 10 || res.Verified != 3 {
		t.Fatalf("%+v %v", res, err)
	}
}

func TestResumeRefusesTornLine(t *testing.T) {
	p, _ := writeLog(t, nil, 2, 0)
	f, _ := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"seq":3,"ti`)
	f.Close()
	if _, err := OpenFile(context.Background(), p, Options{}); err == nil || !strings.HasPrefix(err.Error(), "phicrypt: audit:") {
		t.Fatalf("err %v", err)
	}
}

func TestConcurrentLog(t *testing.T) {
	kek := testKEK(t)
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "a.jsonl")
	l, err := OpenFile(ctx, p, Options{KEK: kek, CheckpointEvery: 50})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				if _, err := l.Log(ctx, Record{Principal: fmt.Sprint(g), Rows: int64(i), Op: OpSearch, Outcome: OutcomeOK}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	l.Close()
	if _, err := l.Log(ctx, Record{}); err != ErrClosed {
		t.Fatalf("after Close: %v", err)
	}
	b, _ := os.ReadFile(p)
	res, err := Verify(bytes.NewReader(b), kek)
	if err != nil || !res.OK() || res.Records != 400+8 || res.Verified != 8 {
		t.Fatalf("%+v %v", res, err)
	}
}

func TestLogRefusesCheckpointOp(t *testing.T) {
	l, err := OpenFile(context.Background(), filepath.Join(t.TempDir(), "a"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Log(context.Background(), Record{Op: OpCheckpoint}); err == nil {
		t.Fatal("a caller wrote a checkpoint")
	}
	if err := l.Checkpoint(context.Background()); err == nil {
		t.Fatal("checkpoint without a KEK")
	}
}

func TestActor(t *testing.T) {
	ctx := context.Background()
	if _, ok := ActorFrom(ctx); ok {
		t.Fatal("actor in an empty context")
	}
	a := Actor{Principal: "p", Role: "r", Purpose: "x", RequestID: "id"}
	if got, ok := ActorFrom(WithActor(ctx, a)); !ok || got != a {
		t.Fatalf("%+v", got)
	}
}
