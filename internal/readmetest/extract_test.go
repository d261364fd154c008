package readmetest

import (
	"slices"
	"strings"
	"testing"
)

const sampleReadme = "# x\n\n## Before\n\n```sh\ngo run ./cmd/phicrypt before\n```\n\n" +
	"## Encrypting an existing table\n\ntext\n\n```sh\ngo run ./examples/legacydb   # note\nexport DB=sqlite:x.db\n\n# a comment\n" +
	"go run ./cmd/phicrypt scan --db $DB \\\n  --emit-schema s.yaml\n```\n\n```go\nnot.Shell()\n```\n\n" +
	"### Sub\n\n```sh\ngo run ./cmd/phicrypt keys list --db $DB\n```\n\n## After\n\n```sh\ngo run ./cmd/phicrypt after\n```\n"

func TestSectionCommands(t *testing.T) {
	got, err := SectionCommands(sampleReadme, section)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"go run ./examples/legacydb   # note",
		"export DB=sqlite:x.db",
		"go run ./cmd/phicrypt scan --db $DB --emit-schema s.yaml",
		"go run ./cmd/phicrypt keys list --db $DB",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if _, err := SectionCommands(strings.Replace(sampleReadme, "## Encrypting", "## Decrypting", 1), section); err == nil {
		t.Fatal("a README without the section gave commands")
	}
}

func TestCheckChain(t *testing.T) {
	p := "go run ./cmd/phicrypt "
	full := []string{"go run ./examples/legacydb", "export DB=sqlite:x", p + "scan --db $DB --emit-schema s", p + "keys new-local --out k",
		p + "keys init --db $DB", p + "migrate --dry-run", p + "migrate --db $DB", p + "verify --db $DB", p + "find --table t",
		p + "migrate --drop-plaintext"}
	if err := checkChain(full); err != nil {
		t.Fatal(err)
	}
	for i := range full {
		if i == 1 {
			continue
		}
		short := slices.Delete(slices.Clone(full), i, i+1)
		if err := checkChain(short); err == nil {
			t.Errorf("without %q the chain passed", full[i])
		}
	}
	swapped := slices.Clone(full)
	swapped[6], swapped[7] = swapped[7], swapped[6] // verify before migrate
	if err := checkChain(swapped); err == nil {
		t.Error("verify before migrate passed")
	}
}
