package audit

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// vectorRecords are the three records of testdata/chain.jsonl.
func vectorRecords() []Record {
	return []Record{
		{Principal: "alice", Role: "admin", Purpose: "treatment", Op: OpDecrypt, Action: "get", Table: "patients", Columns: []string{"ssn", "last_name"}, Rows: 1, Outcome: OutcomeOK, RequestID: "req-1"},
		{Principal: "bob", Role: "researcher", Purpose: "research", Op: OpSearch, Action: "find", Table: "patients", Columns: []string{"last_name"}, Rows: 0, Outcome: OutcomeRefused, Reason: "unsupported", RequestID: "req-2"},
		{Principal: "importer-7", Role: "importer", Purpose: "import", Op: OpInsert, Action: "insert_batch", Table: "encounters", Columns: []string{"notes"}, Rows: 25, Outcome: OutcomeOK, RequestID: "req-3 <&>"},
	}
}

func fixedClock() func() time.Time {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 600000000, time.UTC)
	n := 0
	return func() time.Time { n++; return t0.Add(time.Duration(n) * time.Millisecond) }
}

// TestKnownAnswer writes the vector records with a fixed clock and checks
// the file against testdata/chain.jsonl byte for byte, and each hash
// against testdata/chain.sha256 (computed with sha256sum over the line
// without its hash field, see docs/FORMAT.md).
func TestKnownAnswer(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "a.jsonl")
	l, err := OpenFile(ctx, p, Options{Now: fixedClock()})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range vectorRecords() {
		if _, err := l.Log(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	want, err := os.ReadFile("testdata/chain.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("log differs from testdata/chain.jsonl:\n%s\nwant:\n%s", got, want)
	}
	hashes, err := os.ReadFile("testdata/chain.sha256")
	if err != nil {
		t.Fatal(err)
	}
	wantHashes := strings.Fields(string(hashes))
	sc := bufio.NewScanner(bytes.NewReader(want))
	i := 0
	for sc.Scan() {
		line := sc.Text()
		// The canonical bytes are the line without ,"hash":"…".
		j := strings.LastIndex(line, `,"hash":"`)
		canon := line[:j] + "}"
		var r Record
		if err := jsonUnmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		c, _ := r.Canonical()
		if string(c) != canon {
			t.Errorf("record %d: canonical bytes\n%s\nwant\n%s", i+1, c, canon)
		}
		h, _ := r.ComputeHash()
		if h != wantHashes[i] || r.Hash != wantHashes[i] {
			t.Errorf("record %d: hash %s (field %s), want %s", i+1, h, r.Hash, wantHashes[i])
		}
		i++
	}
	if i != 3 || len(wantHashes) != 3 {
		t.Fatalf("%d records, %d hashes", i, len(wantHashes))
	}
	res, err := Verify(bytes.NewReader(want), nil)
	if err != nil || !res.OK() || res.LastSeq != 3 || res.Head != wantHashes[2] {
		t.Fatalf("Verify: %+v, %v", res, err)
	}
}
