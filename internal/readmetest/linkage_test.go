//go:build unix

package readmetest

import (
	"bytes"
	"encoding/csv"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadmeLinkageTokens runs the sh block of the README's "Linkage
// tokens" as written, in a temporary directory instead of
// /tmp/linkage-demo and on a free port instead of 8443, and checks what
// its comments promise: A1 and B9 share their three tokens, A2 and B7
// two, and the evaluator's audit log verifies.
func TestReadmeLinkageTokens(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const heading = "### Linkage tokens"
	start := bytes.Index(readme, []byte("\n"+heading+"\n"))
	if start < 0 {
		t.Fatalf("README has no section %q", heading)
	}
	body := string(readme[start+len(heading)+2:])
	if end := regexp.MustCompile(`\n#{2,3} `).FindStringIndex(body); end != nil {
		body = body[:end[0]]
	}
	blocks := regexp.MustCompile("(?s)\n```sh\n(.*?)\n```").FindAllStringSubmatch("\n"+body, -1)
	if len(blocks) != 1 {
		t.Fatalf("section %q has %d sh blocks, want 1", heading, len(blocks))
	}
	script := blocks[0][1]
	for _, want := range []string{"/tmp/linkage-demo", "127.0.0.1:8443"} {
		if !strings.Contains(script, want) {
			t.Fatalf("the README's block no longer names %s: update this test", want)
		}
	}
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	script = strings.ReplaceAll(script, "/tmp/linkage-demo", dir)
	script = strings.ReplaceAll(script, "127.0.0.1:8443", addr)

	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("bash is needed to run the README's block")
	}
	cmd := exec.Command(bash, "-e", "-c", script)
	cmd.Dir = root
	cmd.Env = cleanEnv()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	// The block starts the evaluator in the background: should it fail
	// before its "kill %1", the whole process group goes at the end.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 10 * time.Second
	t.Cleanup(func() {
		if cmd.Process != nil {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	})
	if err := cmd.Run(); err != nil {
		t.Fatalf("the README's block failed: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errOut.String())
	}
	tokens := func(name string) map[string][]string {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil || len(recs) < 2 {
			t.Fatalf("%s: %v %v", name, recs, err)
		}
		m := map[string][]string{}
		for _, r := range recs[1:] {
			m[r[0]] = r[1:]
		}
		return m
	}
	a, b := tokens("site-a.tokens.csv"), tokens("site-b.tokens.csv")
	shared := func(x, y []string) int {
		n := 0
		for i := range x {
			if x[i] != "" && x[i] == y[i] {
				n++
			}
		}
		return n
	}
	for _, c := range []struct {
		a, b string
		want int
	}{{"A1", "B9", 3}, {"A2", "B7", 2}, {"A1", "B7", 0}, {"A2", "B9", 0}} {
		if got := shared(a[c.a], b[c.b]); got != c.want {
			t.Errorf("%s and %s share %d tokens, want %d", c.a, c.b, got, c.want)
		}
	}
	if !strings.Contains(out.String(), "chain intact") {
		t.Errorf("audit verify did not report an intact chain:\n%s", out.String())
	}
	log, err := os.ReadFile(filepath.Join(dir, "linkage-audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"Núñez", "NUNEZ", "123-45-6788", "123456788", "1980-03-07", "03/07/1980", "SMITH"} {
		if bytes.Contains(log, []byte(v)) {
			t.Errorf("the evaluator's audit log holds %q", v)
		}
	}
}
