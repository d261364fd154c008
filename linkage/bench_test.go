package linkage

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
)

// Run per core: go test -run '^$' -bench . -cpu 1 ./linkage/

const benchBatch = 64

func benchEncodings(b *testing.B, n int) []Encoded {
	keys := defaultKeys(b)
	var out []Encoded
	for i := 0; len(out) < n; i++ {
		out = append(out, keys.Encode(Identifiers{
			"last": "Núñez", "first": "María", "dob": fmt.Sprintf("19%02d-03-07", i%100), "sex": "F",
			"ssn": fmt.Sprintf("123-45-%04d", 1+i%9998),
		})...)
	}
	return out[:n]
}

func reportTokens(b *testing.B, perOp int) {
	s := b.Elapsed().Seconds()
	if s > 0 {
		b.ReportMetric(float64(perOp*b.N)/s, "tokens/s")
		b.ReportMetric(s/float64(perOp*b.N)*1e6, "µs/token")
	}
}

// BenchmarkObliviousClient is the site's work per token: blind and
// finalise (unblind, hash, key with the network key). The evaluation in
// between is not timed.
func BenchmarkObliviousClient(b *testing.B) {
	encs := benchEncodings(b, benchBatch)
	ev := testEvaluator(b)
	site, _ := NewObliviousSite(testNetworkKey)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bl, err := site.Blind(encs)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		out, err := ev.Evaluate(bl.Elements)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := site.Finalize(bl, out); err != nil {
			b.Fatal(err)
		}
	}
	reportTokens(b, benchBatch)
}

// BenchmarkObliviousServer is the evaluator's work per token: decode,
// check and multiply each blinded element, encode the result.
func BenchmarkObliviousServer(b *testing.B) {
	encs := benchEncodings(b, benchBatch)
	ev := testEvaluator(b)
	site, _ := NewObliviousSite(testNetworkKey)
	bl, err := site.Blind(encs)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ev.Evaluate(bl.Elements); err != nil {
			b.Fatal(err)
		}
	}
	reportTokens(b, benchBatch)
}

// BenchmarkObliviousLoopback is the whole round trip through Client and
// Server over HTTP on loopback, batches of DefaultClientBatch, both sides
// on this machine.
func BenchmarkObliviousLoopback(b *testing.B) {
	encs := benchEncodings(b, DefaultClientBatch)
	tok, line, _ := NewBearerToken("bench")
	pr, _ := ParsePrincipals([]byte(line))
	srv, err := NewServer(ServerConfig{Evaluator: testEvaluator(b), Principals: pr})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	site, _ := NewObliviousSite(testNetworkKey)
	c := &Client{URL: hs.URL, Token: tok, Site: site}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Tokens(context.Background(), encs); err != nil {
			b.Fatal(err)
		}
	}
	reportTokens(b, len(encs))
}

// BenchmarkObliviousOffline is one guess of someone who holds both the
// evaluator key and the network key and so can compute tokens offline:
// the OPRF with the input in the clear, then the network key.
func BenchmarkObliviousOffline(b *testing.B) {
	e := benchEncodings(b, 1)[0]
	ev := testEvaluator(b)
	site, _ := NewObliviousSite(testNetworkKey)
	for i := 0; i < b.N; i++ {
		out, err := ev.fullEvaluate(e.Bytes)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := site.token(e.Key, out); err != nil {
			b.Fatal(err)
		}
	}
	reportTokens(b, 1)
}

// BenchmarkTwoKey is the cost of one two-key token (site and central
// halves) under several stretches: with both keys, the cost of one guess
// of a brute-force search. docs/LINKAGE.md quotes it.
func BenchmarkTwoKey(b *testing.B) {
	e := benchEncodings(b, 1)[0]
	central, _ := NewTwoKeyCentral(testCentralKey)
	for _, s := range []Stretch{
		{Algorithm: StretchPBKDF2, Iterations: 1},
		{Algorithm: StretchPBKDF2, Iterations: 100_000},
		{Algorithm: StretchPBKDF2, Iterations: 600_000},
		DefaultStretch,
		{Algorithm: StretchArgon2id, Iterations: 3, MemoryKiB: 64 * 1024, Threads: 1},
	} {
		b.Run(s.String(), func(b *testing.B) {
			site, err := NewTwoKeySite(testSiteKey, s)
			if err != nil {
				b.Fatal(err)
			}
			for i := 0; i < b.N; i++ {
				if _, err := TwoKey(site, central, e); err != nil {
					b.Fatal(err)
				}
			}
			reportTokens(b, 1)
		})
	}
}

// BenchmarkEncode is the normalisation and encoding of the three default
// match keys of one record.
func BenchmarkEncode(b *testing.B) {
	keys := defaultKeys(b)
	id := Identifiers{"last": "Núñez", "first": "María", "dob": "03/07/1980", "sex": "F", "ssn": "123-45-6788"}
	for i := 0; i < b.N; i++ {
		if len(keys.Encode(id)) != 3 {
			b.Fatal("keys missing")
		}
	}
}
