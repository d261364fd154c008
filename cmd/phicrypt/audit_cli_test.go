package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/audit"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/keyprovider/local"
)

// auditLogFixture writes a log of 6 records with a checkpoint after every
// 3 (8 lines: checkpoints at lines 4 and 8) and returns its path, its
// lines and the KEK URI.
func auditLogFixture(t *testing.T) (string, []string, string) {
	t.Helper()
	kp := filepath.Join(t.TempDir(), "kek.json")
	if err := local.Create(kp); err != nil {
		t.Fatal(err)
	}
	uri := local.URI(kp)
	kek, err := keyprovider.Open(context.Background(), uri)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "audit.jsonl")
	ctx := context.Background()
	l, err := audit.OpenFile(ctx, p, audit.Options{KEK: kek, CheckpointEvery: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		if _, err := l.Log(ctx, audit.Record{Principal: "alice", Op: audit.OpSearch, Table: "patients", Rows: int64(i), Outcome: audit.OutcomeOK}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	return p, strings.SplitAfter(strings.TrimSuffix(string(b), "\n"), "\n"), uri
}

func writeLines(t *testing.T, lines []string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tampered.jsonl")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAuditVerifyCLI(t *testing.T) {
	p, lines, uri := auditLogFixture(t)
	if len(lines) != 8 {
		t.Fatalf("%d lines", len(lines))
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"audit", "verify", "--log", p, "--kek", uri}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "chain intact") || !strings.Contains(out.String(), "2 verified") {
		t.Fatalf("intact: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := run([]string{"audit", "verify", "--log", p}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "warning:") {
		t.Fatalf("intact without KEK: exit %d\n%s", code, out.String())
	}

	cp := func() []string { return append([]string(nil), lines...) }
	edited := cp()
	edited[4] = strings.Replace(edited[4], `"principal":"alice"`, `"principal":"mallory"`, 1)
	removed := append(cp()[:4], lines[5:]...)
	reordered := cp()
	reordered[4], reordered[5] = reordered[5], reordered[4]
	inserted := append(cp()[:5], append([]string{lines[1]}, lines[5:]...)...)
	for _, c := range []struct {
		name  string
		lines []string
		want  string
	}{
		{"edited", edited, "line 5 (seq 5): hash mismatch"},
		{"removed", removed, "line 5 (seq 6): seq gap"},
		{"reordered", reordered, "line 5 (seq 6): seq gap"},
		{"inserted", inserted, "line 6 (seq 2): seq gap"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run([]string{"audit", "verify", "--log", writeLines(t, c.lines), "--kek", uri}, &out, &errOut)
			if code != 1 || !strings.Contains(out.String(), c.want) {
				t.Fatalf("exit %d, want 1 and %q:\n%s%s", code, c.want, out.String(), errOut.String())
			}
		})
	}

	out.Reset()
	if code := run([]string{"audit", "verify", "--log", writeLines(t, edited), "--kek", uri, "--json"}, &out, &errOut); code != 1 {
		t.Fatalf("json: exit %d", code)
	}
	var res audit.VerifyResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || len(res.Findings) != 1 || res.Findings[0].Line != 5 || res.Findings[0].What != audit.FindHashMismatch {
		t.Fatalf("json: %v %+v\n%s", err, res, out.String())
	}
}

func TestAuditVerifyCLIUsage(t *testing.T) {
	p, _, _ := auditLogFixture(t)
	for _, args := range [][]string{
		{"audit"},
		{"audit", "bogus"},
		{"audit", "verify"},
		{"audit", "verify", "--log", p, "extra"},
		{"audit", "verify", "--nope"},
	} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"audit", "verify", "--log", filepath.Join(t.TempDir(), "missing")}, &out, &errOut); code != 1 || strings.Count(errOut.String(), "phicrypt:") != 1 {
		t.Errorf("missing file: exit %d, %s", code, errOut.String())
	}
	if code := run([]string{"audit", "--help"}, &out, &errOut); code != 0 {
		t.Errorf("help: exit %d", code)
	}
}
