package linkage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultClientBatch is how many elements Client sends per request by
// default.
const DefaultClientBatch = 500

// Client computes oblivious tokens with a remote evaluator (Server): it
// blinds at the site, sends only blinded elements, and finalises with the
// site's network key.
type Client struct {
	// URL is the evaluator's base URL, e.g. "https://linkage.example.org".
	URL string
	// Token is the site's bearer token.
	Token string
	// Site holds the network key.
	Site *ObliviousSite
	// HTTP is the client to use (default: one with a 60 s timeout).
	HTTP *http.Client
	// BatchSize is the most elements per request (default
	// DefaultClientBatch); keep it at or below the server's batch limit.
	BatchSize int
	// MaxRetries is how often a request refused with 429 is retried
	// after the Retry-After the server gives (default 0: fail with
	// ErrRateLimited; negative: without limit, until ctx ends).
	MaxRetries int

	// maxBatch is the server's batch limit once a 413 told it.
	mu       sync.Mutex
	maxBatch int
}

// errTooLarge is a 413 with the server's limit.
type errTooLarge struct{ max int }

func (e *errTooLarge) Error() string { return "batch too large" }

var defaultHTTP = &http.Client{Timeout: 60 * time.Second}

// Tokens returns the token of each encoding, in order, evaluating them in
// batches.
func (c *Client) Tokens(ctx context.Context, encs []Encoded) ([]Token, error) {
	if c.Site == nil {
		return nil, errorf("client needs a site (network key): %w", ErrBadConfig)
	}
	size := c.BatchSize
	if size <= 0 {
		size = DefaultClientBatch
	}
	out := make([]Token, 0, len(encs))
	for start := 0; start < len(encs); {
		c.mu.Lock()
		if c.maxBatch > 0 {
			size = min(size, c.maxBatch)
		}
		c.mu.Unlock()
		batch := encs[start:min(start+size, len(encs))]
		b, err := c.Site.Blind(batch)
		if err != nil {
			return nil, err
		}
		evaluated, err := c.evaluate(ctx, b.Elements)
		var tl *errTooLarge
		if errors.As(err, &tl) && tl.max > 0 && tl.max < len(batch) {
			// The server takes smaller batches: send this one again in
			// pieces of its size.
			c.mu.Lock()
			c.maxBatch = tl.max
			c.mu.Unlock()
			continue
		}
		if err != nil {
			return nil, err
		}
		toks, err := c.Site.Finalize(b, evaluated)
		if err != nil {
			return nil, err
		}
		out = append(out, toks...)
		start += len(batch)
	}
	return out, nil
}

// evaluate sends one batch of blinded elements.
func (c *Client) evaluate(ctx context.Context, elements [][]byte) ([][]byte, error) {
	body, err := json.Marshal(evalRequest{Suite: SuiteID, Elements: elements})
	if err != nil {
		return nil, errorf("encode request: %w", err)
	}
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	url := strings.TrimSuffix(c.URL, "/") + EvaluatePath
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return nil, errorf("evaluator URL: %w", ErrBadConfig)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+c.Token)
		resp, err := hc.Do(req)
		if err != nil {
			return nil, errorf("evaluator: %w", err)
		}
		limit := int64(len(elements))*elementJSONSize + 256
		data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
		resp.Body.Close()
		if err != nil {
			return nil, errorf("evaluator: %w", err)
		}
		switch resp.StatusCode {
		case http.StatusOK:
			if int64(len(data)) > limit {
				return nil, errorf("evaluator answer too long: %w", ErrProtocol)
			}
			var er evalResponse
			if err := json.Unmarshal(data, &er); err != nil || er.Suite != SuiteID || len(er.Elements) != len(elements) {
				return nil, errorf("evaluator answer does not fit the request: %w", ErrProtocol)
			}
			return er.Elements, nil
		case http.StatusUnauthorized:
			return nil, errorf("evaluator refused the bearer token: %w", ErrUnauthorized)
		case http.StatusRequestEntityTooLarge:
			var e errorResponse
			if json.Unmarshal(data, &e) == nil && e.MaxBatch > 0 && e.MaxBatch < len(elements) {
				return nil, &errTooLarge{max: e.MaxBatch}
			}
			return nil, errorf("evaluator refused the batch of %d elements as too large: %w", len(elements), ErrProtocol)
		case http.StatusTooManyRequests:
			if c.MaxRetries >= 0 && attempt >= c.MaxRetries {
				return nil, errorf("evaluator: %w", ErrRateLimited)
			}
			wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			t := time.NewTimer(time.Duration(max(wait, 1)) * time.Second)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, errorf("evaluator: %w", ctx.Err())
			case <-t.C:
			}
		default:
			return nil, errorf("evaluator answered %d %s: %w", resp.StatusCode, reasonOf(data), ErrProtocol)
		}
	}
}

// reasonOf is the server's error reason, a short word, or "".
func reasonOf(data []byte) string {
	var e errorResponse
	if json.Unmarshal(data, &e) != nil || len(e.Error) > 32 {
		return ""
	}
	return "(" + e.Error + ")"
}
