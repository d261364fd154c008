package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/phicrypt/phicrypt/audit"
	"github.com/phicrypt/phicrypt/keyprovider"
)

// auditCommands are the subcommands of "phicrypt audit".
var auditCommands = map[string]command{
	"verify": {"check an audit log's hash chain and checkpoints", auditVerify},
}

func auditUsage() string {
	var b strings.Builder
	b.WriteString("usage: phicrypt audit SUBCOMMAND [flags]   (phicrypt audit SUBCOMMAND --help for its flags)\n\nsubcommands:\n")
	names := make([]string, 0, len(auditCommands))
	for n := range auditCommands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  %-10s %s\n", n, auditCommands[n].summary)
	}
	return b.String()
}

func auditCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, auditUsage())
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, auditUsage())
		return exitOK
	}
	c, ok := auditCommands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "phicrypt: unknown audit subcommand %q\n\n%s", args[0], auditUsage())
		return exitUsage
	}
	return c.run(args[1:], stdout, stderr)
}

const auditVerifyUsage = `usage: phicrypt audit verify --log FILE [--kek URI] [--strict] [--json]

Checks a JSON-lines audit log (package audit, docs/FORMAT.md): every
record's hash, that the sequence numbers count up by one, that each record
names the hash of the one before, and, with --kek (or PHICRYPT_KEK), that
every checkpoint was wrapped by that KEK for that chain head. A removed,
reordered, inserted or edited record is reported with its line number.
Records after the last checkpoint are reported as a warning: cutting them
off would leave no trace. Without a KEK the checkpoints are not checked,
and a chain rewritten from its first record would look intact.

With --strict, the log must also be complete as a closed log is: an empty
log, or one whose last record is not a checkpoint (records after the last
checkpoint, such as a tail cut off or never vouched for), fails. Use it on
a log whose writer was closed (Logger.Close writes a final checkpoint),
not on one still being written. Give --kek too: without it a checkpoint
is only a record that says it is one.

Exit codes: 0 the chain is intact (warnings may be printed), 1 a finding,
a --strict failure or a failure, 2 a usage error.

`

func auditVerify(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	var c common
	c.flags(fs, "kek", "json")
	logPath := fs.String("log", "", "the audit log file (required)")
	strict := fs.Bool("strict", false, "also fail on an empty log or one whose last record is not a checkpoint")
	if err := parse(fs, auditVerifyUsage, args, stderr); err != nil {
		return exit(err, stderr)
	}
	if *logPath == "" {
		return exit(usagef("--log FILE is required"), stderr)
	}
	if c.kek == "" {
		c.kek = os.Getenv("PHICRYPT_KEK")
	}
	return exit(auditVerifyRun(&c, *logPath, *strict, stdout, stderr), stderr)
}

// strictProblems is what --strict refuses in a log Verify read: no
// record at all, or records after the last checkpoint.
func strictProblems(res *audit.VerifyResult) []string {
	switch {
	case res.Records == 0:
		return []string{"the log is empty: a closed log ends with a checkpoint"}
	case res.AfterCheckpoint > 0:
		return []string{fmt.Sprintf("the last record (seq %d) is not a checkpoint: %d record(s) after the last checkpoint, which a truncated tail would not show", res.LastSeq, res.AfterCheckpoint)}
	}
	return nil
}

func auditVerifyRun(c *common, path string, strict bool, stdout, stderr io.Writer) error {
	ctx, stop := signalContext()
	defer stop()
	var kek keyprovider.KEK
	if c.kek != "" {
		k, err := keyprovider.Open(ctx, c.kek)
		if err != nil {
			return err
		}
		kek = k
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("phicrypt: audit log: %w", err)
	}
	defer f.Close()
	res, err := audit.VerifyContext(ctx, f, kek)
	if err != nil {
		return err
	}
	var problems []string
	if strict {
		problems = strictProblems(res)
	}
	if c.json {
		out := struct {
			*audit.VerifyResult
			Strict []string `json:"strict,omitempty"`
		}{res, problems}
		if err := writeJSON(stdout, out); err != nil {
			return err
		}
	} else {
		verified := fmt.Sprintf("%d verified", res.Verified)
		if kek == nil {
			verified = "not verified: no --kek"
		}
		fmt.Fprintf(stdout, "%s: %d records, last seq %d, %d checkpoints (%s)\n", path, res.Records, res.LastSeq, res.Checkpoints, verified)
		for _, w := range res.Warnings {
			fmt.Fprintf(stdout, "warning: %s\n", w)
		}
		for _, f := range res.Findings {
			fmt.Fprintf(stdout, "%s: %s\n", path, f)
		}
		for _, p := range problems {
			fmt.Fprintf(stdout, "%s: strict: %s\n", path, p)
		}
		if res.OK() {
			fmt.Fprintln(stdout, "chain intact")
		}
	}
	if !res.OK() {
		fmt.Fprintf(stderr, "phicrypt: audit log %s: %d finding(s)\n", path, len(res.Findings))
		return errFinding
	}
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "phicrypt: audit log %s: --strict: %s\n", path, strings.Join(problems, "; "))
		return errFinding
	}
	return nil
}
