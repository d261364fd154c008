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

const auditVerifyUsage = `usage: phicrypt audit verify --log FILE [--kek URI] [--json]

Checks a JSON-lines audit log (package audit, docs/FORMAT.md): every
record's hash, that the sequence numbers count up by one, that each record
names the hash of the one before, and, with --kek (or PHICRYPT_KEK), that
every checkpoint was wrapped by that KEK for that chain head. A removed,
reordered, inserted or edited record is reported with its line number.
Records after the last checkpoint are reported as a warning: cutting them
off would leave no trace. Without a KEK the checkpoints are not checked,
and a chain rewritten from its first record would look intact.

Exit codes: 0 the chain is intact (warnings may be printed), 1 a finding
or a failure, 2 a usage error.

`

func auditVerify(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	var c common
	c.flags(fs, "kek", "json")
	logPath := fs.String("log", "", "the audit log file (required)")
	if err := parse(fs, auditVerifyUsage, args, stderr); err != nil {
		return exit(err, stderr)
	}
	if *logPath == "" {
		return exit(usagef("--log FILE is required"), stderr)
	}
	if c.kek == "" {
		c.kek = os.Getenv("PHICRYPT_KEK")
	}
	return exit(auditVerifyRun(&c, *logPath, stdout, stderr), stderr)
}

func auditVerifyRun(c *common, path string, stdout, stderr io.Writer) error {
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
	if c.json {
		if err := writeJSON(stdout, res); err != nil {
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
		if res.OK() {
			fmt.Fprintln(stdout, "chain intact")
		}
	}
	if !res.OK() {
		fmt.Fprintf(stderr, "phicrypt: audit log %s: %d finding(s)\n", path, len(res.Findings))
		return errFinding
	}
	return nil
}
