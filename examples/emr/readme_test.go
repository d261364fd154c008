package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/internal/readmetest"
)

// TestReadme runs the README section "Example EMR backend" against a
// server started as the section starts it: its token lines through
// principalToken, each curl as the same request, expecting the status of
// its comment, and its audit verify on the log of that server. A line the
// test cannot run fails it, so the section stays runnable as written.
func TestReadme(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	lines, err := readmetest.SectionCommands(string(readme), "## Example EMR backend")
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, options{})
	vars := map[string]string{}
	refused := map[string]bool{}
	searches := map[string]bool{}
	verified := false
	tokenLine := regexp.MustCompile(`^([A-Z]+)=\$\(go run \./examples/emr token ([a-z]+)\)$`)
	for _, line := range lines {
		cmd, comment, _ := strings.Cut(line, " # ")
		cmd = strings.TrimSpace(cmd)
		switch m := tokenLine.FindStringSubmatch(cmd); {
		case cmd == "go run ./examples/emr":
		case m != nil:
			tok, err := principalToken(filepath.Join(s.o.data, "config.yaml"), m[2])
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			vars[m[1]] = tok
		case strings.HasPrefix(cmd, "curl "):
			c, err := parseCurl(cmd, vars)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			want, err := strconv.Atoi(strings.Fields(comment + " x")[0])
			if err != nil {
				t.Fatalf("%s: no status in the comment", line)
			}
			a := s.call(t, c.role(s), c.method, c.path, c.body)
			if a.status != want {
				t.Errorf("%s: status %d, want %d: %s", line, a.status, want, a.raw)
			}
			if words := strings.Fields(comment); len(words) > 1 && strings.Contains(words[1], "_") && a.json["error"] != words[1] {
				t.Errorf("%s: error %v, want %s", line, a.json["error"], words[1])
			}
			if want == 200 && strings.HasSuffix(c.path, "/search") && len(a.items(t)) == 0 {
				t.Errorf("%s: found nothing", line)
			}
			if want >= 400 {
				refused[c.role(s)] = true
			}
			if strings.HasSuffix(c.path, "/search") && want == 200 {
				searches[strings.Trim(strings.SplitN(c.body, ":", 2)[0], `{" `)] = true
			}
		case strings.HasPrefix(cmd, "go run ./cmd/phicrypt audit verify --log emr-data/audit.log --kek local:emr-data/emr.key"):
			lines, k := s.stopAndReadLog(t)
			if res := verify(t, lines, k); !res.OK() || res.Verified == 0 {
				t.Fatalf("%s: %+v", line, res)
			}
			verified = true
		default:
			t.Fatalf("README line %q: this test cannot run it", line)
		}
	}
	for _, r := range append(roleNames, "") {
		if !refused[r] {
			t.Errorf("the README shows no refused call of role %q", r)
		}
	}
	for _, k := range []string{"ssn", "mrn", "email", "phone", "last_name_prefix", "name_contains", "last_name"} {
		if !searches[k] {
			t.Errorf("the README shows no search by %s", k)
		}
	}
	if !verified {
		t.Error("the README does not verify the audit log")
	}
}

// curl is one curl command of the README.
type curl struct {
	method, path, body, token string
}

// parseCurl reads curl -s URL [-H "Authorization: Bearer $VAR"] [-d 'JSON'],
// with the shell's quoting and the variables in vars.
func parseCurl(cmd string, vars map[string]string) (*curl, error) {
	words, err := shellWords(cmd)
	if err != nil {
		return nil, err
	}
	c := &curl{method: "GET"}
	for i := 1; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "-s":
		case (w == "-H" || w == "-d") && i+1 < len(words):
			i++
			if w == "-d" {
				c.method, c.body = "POST", words[i]
				continue
			}
			v, ok := strings.CutPrefix(words[i], "Authorization: Bearer $")
			if !ok || vars[v] == "" {
				return nil, fmt.Errorf("header %q: want Authorization: Bearer $VAR of a token line", words[i])
			}
			c.token = vars[v]
		case strings.HasPrefix(w, "localhost:8080/"):
			c.path = strings.TrimPrefix(w, "localhost:8080")
		default:
			return nil, fmt.Errorf("cannot read %q", w)
		}
	}
	if c.path == "" {
		return nil, fmt.Errorf("no URL")
	}
	return c, nil
}

// shellWords splits a command as sh does for '…', "…" and spaces.
func shellWords(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	in, quote := false, byte(0)
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case quote != 0 && ch == quote:
			quote = 0
		case quote != 0:
			cur.WriteByte(ch)
		case ch == '\'' || ch == '"':
			quote, in = ch, true
		case ch == ' ' || ch == '\t':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(ch)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unclosed quote")
	}
	if in {
		out = append(out, cur.String())
	}
	return out, nil
}

// role is the principal whose token the curl sends (in the default
// config, named for its role), "" for none.
func (c *curl) role(s *testServer) string {
	for name, tok := range s.tokens {
		if tok == c.token && c.token != "" {
			return name
		}
	}
	return ""
}
