package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/phicrypt/phicrypt/audit"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/linkage"
)

// linkageCommands are the subcommands of "phicrypt linkage".
var linkageCommands = map[string]command{
	"keygen":   {"create an evaluator key file (or, with --network, a network key file)", linkageKeygen},
	"token":    {"admit a site: add its bearer token's hash to a token file, print the token", linkageToken},
	"serve":    {"run the central oblivious evaluator over HTTP (rate limit, audit)", linkageServe},
	"tokenize": {"compute a CSV's linkage tokens with a remote evaluator", linkageTokenize},
}

func linkageUsage() string {
	var b strings.Builder
	b.WriteString("usage: phicrypt linkage SUBCOMMAND [flags]   (phicrypt linkage SUBCOMMAND --help for its flags)\n\nsubcommands:\n")
	names := make([]string, 0, len(linkageCommands))
	for n := range linkageCommands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  %-10s %s\n", n, linkageCommands[n].summary)
	}
	b.WriteString("\ndocs/LINKAGE.md explains the modes, the keys and their costs.\n")
	return b.String()
}

func linkageCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, linkageUsage())
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, linkageUsage())
		return exitOK
	}
	c, ok := linkageCommands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "phicrypt: unknown linkage subcommand %q\n\n%s", args[0], linkageUsage())
		return exitUsage
	}
	return c.run(args[1:], stdout, stderr)
}

const linkageKeygenUsage = `usage: phicrypt linkage keygen --out FILE [--network]

Creates FILE (mode 0600; an existing file is never overwritten) holding a
new random key: the central evaluator's OPRF key (ristretto255-SHA512), or
with --network the network key that every site of a network shares and
the evaluator must never hold.

`

func linkageKeygen(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("linkage keygen", flag.ContinueOnError)
	out := fs.String("out", "", "the key file to create (required)")
	network := fs.Bool("network", false, "create a network key (sites) instead of an evaluator key")
	if err := parse(fs, linkageKeygenUsage, args, stderr); err != nil {
		return exit(err, stderr)
	}
	if *out == "" {
		return exit(usagef("--out FILE is required"), stderr)
	}
	typ, what := linkage.KeyFileEvaluator, "evaluator key"
	if *network {
		typ, what = linkage.KeyFileNetwork, "network key"
	}
	if err := linkage.WriteNewKeyFile(*out, typ); err != nil {
		return exit(err, stderr)
	}
	fmt.Fprintf(stdout, "wrote %s to %s\n", what, *out)
	return exitOK
}

const linkageTokenUsage = `usage: phicrypt linkage token --principal NAME --tokens FILE

Makes a random bearer token for the site NAME, appends "NAME sha256:HASH"
to the token file (created 0600 if missing) and prints the token, once, on
standard output. The file holds only hashes. Restart the server to admit
the new site.

`

func linkageToken(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("linkage token", flag.ContinueOnError)
	principal := fs.String("principal", "", "the site's name, as audit records show it (required)")
	tokens := fs.String("tokens", "", "the token file to append to (required)")
	if err := parse(fs, linkageTokenUsage, args, stderr); err != nil {
		return exit(err, stderr)
	}
	if *principal == "" || *tokens == "" {
		return exit(usagef("--principal NAME and --tokens FILE are required"), stderr)
	}
	return exit(linkageTokenRun(*principal, *tokens, stdout), stderr)
}

func linkageTokenRun(principal, path string, stdout io.Writer) error {
	tok, line, err := linkage.NewBearerToken(principal)
	if err != nil {
		return err
	}
	if old, err := os.ReadFile(path); err == nil {
		if _, err := linkage.ParsePrincipals(append(old, []byte(line+"\n")...)); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("phicrypt: token file: %w", err)
	}
	if _, err := fmt.Fprintln(f, line); err != nil {
		f.Close()
		return fmt.Errorf("phicrypt: token file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("phicrypt: token file: %w", err)
	}
	fmt.Fprintln(stdout, tok)
	return nil
}

const linkageServeUsage = `usage: phicrypt linkage serve --addr HOST:PORT --key FILE --tokens FILE
  [--audit-log FILE [--kek URI]] [--rate N] [--burst N] [--max-batch N]
  [--tls-cert FILE --tls-key FILE]

Runs the central evaluator of oblivious linkage tokens (RFC 9497 OPRF,
ristretto255-SHA512): POST /v1/evaluate with "Authorization: Bearer
TOKEN" and blinded elements; it never sees an identifier. Each site
(principal of the token file) may send --rate elements per second (0: no
limit), at most --burst at once; every element is one guess of an
identifier. Every request is written to the audit log (op "linkage",
action "evaluate", principal, count of elements, outcome; never an
element), checkpointed with --kek (or PHICRYPT_KEK) if given. With
--tls-cert and --tls-key it serves HTTPS; otherwise serve it behind a TLS
proxy, since the bearer tokens travel in the clear over plain HTTP. Stops
on Ctrl-C or SIGTERM.

`

// serveContext is the context serve runs until; tests replace it.
var serveContext = signalContext

// serveListening, when set, is told the address serve listens on (tests).
var serveListening func(addr string)

func linkageServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("linkage serve", flag.ContinueOnError)
	var c common
	c.flags(fs, "kek")
	addr := fs.String("addr", "127.0.0.1:8443", "the address to listen on")
	keyPath := fs.String("key", "", "the evaluator key file (phicrypt linkage keygen; required)")
	tokens := fs.String("tokens", "", "the token file (phicrypt linkage token; required)")
	auditLog := fs.String("audit-log", "", "append audit records to this JSON-lines file")
	rateN := fs.Float64("rate", 10, "elements per second per site (0: no limit)")
	burst := fs.Int("burst", 0, "elements a site may send at once (default: the rate, at least 1)")
	maxBatch := fs.Int("max-batch", linkage.DefaultMaxBatch, "most elements per request")
	var tc tlsFiles
	fs.StringVar(&tc.cert, "tls-cert", "", "serve HTTPS with this PEM certificate (chain)")
	fs.StringVar(&tc.key, "tls-key", "", "the PEM private key of --tls-cert")
	if err := parse(fs, linkageServeUsage, args, stderr); err != nil {
		return exit(err, stderr)
	}
	if (tc.cert == "") != (tc.key == "") {
		return exit(usagef("--tls-cert and --tls-key go together"), stderr)
	}
	if *keyPath == "" || *tokens == "" {
		return exit(usagef("--key FILE and --tokens FILE are required"), stderr)
	}
	if *rateN < 0 || *burst < 0 || *maxBatch < 1 {
		return exit(usagef("--rate and --burst must not be negative, --max-batch at least 1"), stderr)
	}
	if c.kek == "" {
		c.kek = os.Getenv("PHICRYPT_KEK")
	}
	cfg := linkage.ServerConfig{Rate: *rateN, Burst: *burst, MaxBatch: *maxBatch}
	return exit(linkageServeRun(&c, cfg, tc, *addr, *keyPath, *tokens, *auditLog, stderr), stderr)
}

// tlsFiles are serve's certificate and key files, both "" for plain HTTP.
type tlsFiles struct{ cert, key string }

func linkageServeRun(c *common, cfg linkage.ServerConfig, tc tlsFiles, addr, keyPath, tokens, auditLog string, stderr io.Writer) error {
	ctx, stop := serveContext()
	defer stop()
	key, err := linkage.ReadKeyFile(keyPath, linkage.KeyFileEvaluator)
	if err != nil {
		return err
	}
	if cfg.Evaluator, err = linkage.NewEvaluator(key); err != nil {
		return err
	}
	if cfg.Principals, err = linkage.LoadPrincipals(tokens); err != nil {
		return err
	}
	if auditLog != "" {
		opts := audit.Options{}
		if c.kek != "" {
			kek, err := keyprovider.Open(ctx, c.kek)
			if err != nil {
				return err
			}
			opts.KEK, opts.CheckpointEvery = kek, 1000
		}
		logger, err := audit.OpenFile(ctx, auditLog, opts)
		if err != nil {
			return err
		}
		defer logger.Close()
		cfg.Audit = logger
	} else if c.kek != "" {
		return usagef("--kek needs --audit-log")
	}
	srv, err := linkage.NewServer(cfg)
	if err != nil {
		return err
	}
	var cert tls.Certificate
	if tc.cert != "" {
		if cert, err = tls.LoadX509KeyPair(tc.cert, tc.key); err != nil {
			return fmt.Errorf("phicrypt: TLS certificate: %w", err)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("phicrypt: listen: %w", err)
	}
	where := "http://" + ln.Addr().String()
	if tc.cert != "" {
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		where = "https://" + ln.Addr().String()
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	fmt.Fprintf(stderr, "phicrypt: linkage evaluator listening on %s (batch limit %d", where, srv.MaxBatch())
	if cfg.Rate > 0 {
		fmt.Fprintf(stderr, ", %g elements/s per site", cfg.Rate)
	}
	if auditLog == "" {
		fmt.Fprint(stderr, ", no audit log")
	}
	if tc.cert == "" {
		fmt.Fprint(stderr, ", plain HTTP")
	}
	fmt.Fprintln(stderr, ")")
	if serveListening != nil {
		serveListening(where)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("phicrypt: serve: %w", err)
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shut); err != nil {
		return fmt.Errorf("phicrypt: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("phicrypt: serve: %w", err)
	}
	return nil
}

const linkageTokenizeUsage = `usage: phicrypt linkage tokenize --url URL --bearer-file FILE --network-key FILE
  --in CSV [--out CSV] [--match-keys FILE] [--id COLUMN] [--full-name COLUMN [--first-last]]
  [--stretch SPEC] [--ca FILE] [--max-retries N]

Reads a CSV whose header names the identifier fields of the match keys
(default keys: ssn, last, first, dob, sex) and writes, per row, the --id
column and one oblivious token per match key (lower-case hex; empty when a
field of the key is missing). --full-name reads last and first name from
one column, "Last, First" or "LAST FIRST" (--first-last: "First Last").
--stretch (e.g. argon2id:t=2,m=19456,p=1) stretches each OPRF output
before the network key, so that whoever holds both the evaluator key and
the network key pays that much per guess; every site of a network must
give the same value (default: none). Only blinded elements leave the site;
the bearer token is read from a file so that it stays out of the process
list. --ca trusts the PEM certificates of FILE for an https:// evaluator
(default: the system's). When the evaluator's rate limit is hit, tokenize
waits as long as it asks, up to --max-retries times (-1: no limit, until
Ctrl-C). The output maps the --id column to tokens: keep
it at the site.

`

func linkageTokenize(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("linkage tokenize", flag.ContinueOnError)
	url := fs.String("url", "", "the evaluator's base URL (required)")
	bearerFile := fs.String("bearer-file", "", "file holding the site's bearer token (required)")
	networkKey := fs.String("network-key", "", "the network key file (required)")
	in := fs.String("in", "", "the input CSV (required)")
	out := fs.String("out", "", "the output CSV (default: standard output)")
	keysFile := fs.String("match-keys", "", "YAML file of match keys (default: ssn, name_dob_sex, phonetic_dob)")
	idCol := fs.String("id", "id", "the column copied to the output to join the tokens back")
	fullName := fs.String("full-name", "", "a column holding the whole name")
	firstLast := fs.Bool("first-last", false, "--full-name without a comma is First Last (default Last First)")
	stretch := fs.String("stretch", "", "stretch of the OPRF output, e.g. argon2id:t=2,m=19456,p=1 (default none)")
	ca := fs.String("ca", "", "PEM file of the certificates to trust for an https:// evaluator")
	retries := fs.Int("max-retries", -1, "how often to wait out the evaluator's rate limit (-1: no limit)")
	if err := parse(fs, linkageTokenizeUsage, args, stderr); err != nil {
		return exit(err, stderr)
	}
	if *url == "" || *bearerFile == "" || *networkKey == "" || *in == "" {
		return exit(usagef("--url, --bearer-file, --network-key and --in are required"), stderr)
	}
	opts := tokenizeOpts{url: *url, bearerFile: *bearerFile, networkKey: *networkKey, in: *in, out: *out,
		keysFile: *keysFile, idCol: *idCol, fullName: *fullName, lastFirst: !*firstLast, stretch: *stretch, ca: *ca, retries: *retries}
	return exit(linkageTokenizeRun(opts, stdout), stderr)
}

type tokenizeOpts struct {
	url, bearerFile, networkKey, in, out, keysFile, idCol, fullName, stretch, ca string
	lastFirst                                                                    bool
	retries                                                                      int
}

func linkageTokenizeRun(o tokenizeOpts, stdout io.Writer) error {
	ctx, stop := signalContext()
	defer stop()
	mk := linkage.DefaultMatchKeys()
	if o.keysFile != "" {
		data, err := os.ReadFile(o.keysFile)
		if err != nil {
			return fmt.Errorf("phicrypt: match key file: %w", err)
		}
		cfg, err := linkage.ParseConfig(data)
		if err != nil {
			return err
		}
		mk = cfg.MatchKeys
	}
	keys, err := linkage.Compile(mk)
	if err != nil {
		return err
	}
	nk, err := linkage.ReadKeyFile(o.networkKey, linkage.KeyFileNetwork)
	if err != nil {
		return err
	}
	site, err := linkage.NewObliviousSite(nk)
	if o.stretch != "" {
		st, perr := linkage.ParseStretch(o.stretch)
		if perr != nil {
			return perr
		}
		site, err = linkage.NewStretchedObliviousSite(nk, st)
	}
	if err != nil {
		return err
	}
	bearerData, err := os.ReadFile(o.bearerFile)
	if err != nil {
		return fmt.Errorf("phicrypt: bearer file: %w", err)
	}
	client := &linkage.Client{URL: o.url, Token: strings.TrimSpace(string(bearerData)), Site: site, MaxRetries: o.retries}
	if o.ca != "" {
		pem, err := os.ReadFile(o.ca)
		if err != nil {
			return fmt.Errorf("phicrypt: --ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return usagef("--ca %s holds no PEM certificate", o.ca)
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		client.HTTP = &http.Client{Transport: tr, Timeout: 60 * time.Second}
	}

	f, err := os.Open(o.in)
	if err != nil {
		return fmt.Errorf("phicrypt: input: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("phicrypt: input %s: no header: %w", o.in, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	idAt, ok := col[strings.ToLower(o.idCol)]
	if !ok {
		return usagef("input %s has no %q column (--id)", o.in, o.idCol)
	}
	nameAt := -1
	if o.fullName != "" {
		if nameAt, ok = col[strings.ToLower(o.fullName)]; !ok {
			return usagef("input %s has no %q column (--full-name)", o.in, o.fullName)
		}
	}
	// Read every row, then evaluate all encodings in batches.
	type row struct {
		id   string
		encs []linkage.Encoded
	}
	var rows []row
	var all []linkage.Encoded
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// csv errors name the line and column, never the field.
			return fmt.Errorf("phicrypt: input %s: %w", o.in, err)
		}
		ids := linkage.Identifiers{}
		for name, i := range col {
			if i < len(rec) {
				ids[name] = rec[i]
			}
		}
		if nameAt >= 0 && nameAt < len(rec) {
			ids["last"], ids["first"] = linkage.SplitName(rec[nameAt], o.lastFirst)
		}
		encs := keys.Encode(ids)
		rows = append(rows, row{id: rec[idAt], encs: encs})
		all = append(all, encs...)
	}
	toks := []linkage.Token{}
	if len(all) > 0 {
		if toks, err = client.Tokens(ctx, all); err != nil {
			return err
		}
	}
	w := stdout
	if o.out != "" {
		of, err := os.OpenFile(o.out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("phicrypt: output: %w", err)
		}
		defer of.Close()
		w = of
	}
	cw := csv.NewWriter(w)
	names := keys.Names()
	if err := cw.Write(append([]string{o.idCol}, names...)); err != nil {
		return fmt.Errorf("phicrypt: output: %w", err)
	}
	next := 0
	for _, rw := range rows {
		rec := make([]string, 1+len(names))
		rec[0] = rw.id
		for _, e := range rw.encs {
			for j, n := range names {
				if n == e.Key {
					rec[1+j] = toks[next].String()
				}
			}
			next++
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("phicrypt: output: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("phicrypt: output: %w", err)
	}
	return nil
}
