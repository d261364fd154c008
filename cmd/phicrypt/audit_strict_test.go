package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestAuditVerifyStrict: --strict fails an empty log and a log whose last
// record is not a checkpoint; without it both pass as before.
func TestAuditVerifyStrict(t *testing.T) {
	p, lines, uri := auditLogFixture(t)
	verify := func(args ...string) (int, string, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		code := run(append([]string{"audit", "verify"}, args...), &out, &errOut)
		return code, out.String(), errOut.String()
	}
	// A closed log ends with a checkpoint.
	if code, out, stderr := verify("--log", p, "--kek", uri, "--strict"); code != 0 || !strings.Contains(out, "chain intact") || strings.Contains(out, "strict:") {
		t.Fatalf("closed log, --strict: exit %d\n%s%s", code, out, stderr)
	}
	empty := writeLines(t, nil)
	tail := writeLines(t, lines[:6]) // records 1-3, checkpoint 4, records 5-6
	for _, c := range []struct {
		name, path, want string
	}{
		{"empty log", empty, "the log is empty"},
		{"tail after the last checkpoint", tail, "the last record (seq 6) is not a checkpoint: 2 record(s) after the last checkpoint"},
	} {
		if code, out, stderr := verify("--log", c.path, "--kek", uri); code != 0 || !strings.Contains(out, "chain intact") {
			t.Errorf("%s without --strict: exit %d\n%s%s", c.name, code, out, stderr)
		}
		code, out, stderr := verify("--log", c.path, "--kek", uri, "--strict")
		if code != 1 || !strings.Contains(stderr, c.want) || !strings.Contains(out, "strict: "+c.want) || strings.Count(stderr, "phicrypt:") != 1 {
			t.Errorf("%s with --strict: exit %d, want 1 saying %q\n%s%s", c.name, code, c.want, out, stderr)
		}
		code, out, _ = verify("--log", c.path, "--kek", uri, "--strict", "--json")
		var res struct {
			Records int      `json:"records"`
			Strict  []string `json:"strict"`
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil || code != 1 || len(res.Strict) != 1 || !strings.Contains(res.Strict[0], c.want) {
			t.Errorf("%s with --strict --json: exit %d, %v\n%s", c.name, code, err, out)
		}
	}
	// A log cut right after a checkpoint still passes: nothing in it can
	// tell (docs/FORMAT.md §9).
	if code, out, stderr := verify("--log", writeLines(t, lines[:4]), "--kek", uri, "--strict"); code != 0 {
		t.Errorf("log ending at a checkpoint, --strict: exit %d\n%s%s", code, out, stderr)
	}
	// Findings are reported as before.
	edited := append([]string(nil), lines...)
	edited[4] = strings.Replace(edited[4], `"principal":"alice"`, `"principal":"mallory"`, 1)
	if code, out, stderr := verify("--log", writeLines(t, edited), "--kek", uri, "--strict"); code != 1 || !strings.Contains(out, "hash mismatch") || !strings.Contains(stderr, "1 finding") {
		t.Errorf("edited log, --strict: exit %d\n%s%s", code, out, stderr)
	}
}
