package linkage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/phicrypt/phicrypt/audit"
)

// Audit record fields of an evaluation.
const (
	AuditOp     = audit.OpLinkage
	AuditAction = "evaluate"
)

// DefaultMaxBatch is the most elements one request may carry by default.
const DefaultMaxBatch = 1000

// Auditor records one audit record per evaluation request; *audit.Logger
// is one.
type Auditor interface {
	Log(ctx context.Context, r audit.Record) (audit.Record, error)
}

// ServerConfig configures a Server.
type ServerConfig struct {
	// Evaluator holds the OPRF key (required).
	Evaluator *Evaluator
	// Principals admits bearer tokens (required).
	Principals *Principals
	// Audit, if set, gets a record of every request to EvaluatePath:
	// principal ("" when unauthenticated), op "linkage", action
	// "evaluate", rows = number of elements, outcome and reason. Never
	// an element. A request whose record cannot be written is answered
	// 500 without an evaluation.
	Audit Auditor
	// Rate limits each principal to that many elements per second (0: no
	// limit). Every element is one guess of an identifier, so this is the
	// pace of an online brute-force search.
	Rate float64
	// Burst is how many elements a principal may send at once after a
	// pause (default: Rate rounded up, at least 1). It also caps the batch.
	Burst int
	// MaxBatch is the most elements per request (default DefaultMaxBatch).
	MaxBatch int
}

// Server is the central evaluator over HTTP (net/http Handler).
type Server struct {
	cfg      ServerConfig
	maxBatch int
	maxBody  int64

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

// NewServer checks cfg and returns the handler.
func NewServer(cfg ServerConfig) (*Server, error) {
	if cfg.Evaluator == nil {
		return nil, errorf("server needs an evaluator: %w", ErrBadConfig)
	}
	if cfg.Principals == nil {
		return nil, errorf("server needs principals (a token file): %w", ErrBadConfig)
	}
	if cfg.Rate < 0 || math.IsNaN(cfg.Rate) || math.IsInf(cfg.Rate, 0) || cfg.Burst < 0 || cfg.MaxBatch < 0 {
		return nil, errorf("server rate, burst and batch must not be negative: %w", ErrBadConfig)
	}
	if cfg.MaxBatch == 0 {
		cfg.MaxBatch = DefaultMaxBatch
	}
	if cfg.Rate > 0 && cfg.Burst == 0 {
		cfg.Burst = max(int(math.Ceil(cfg.Rate)), 1)
	}
	s := &Server{cfg: cfg, maxBatch: cfg.MaxBatch, limiters: map[string]*rate.Limiter{}}
	if cfg.Rate > 0 {
		s.maxBatch = min(s.maxBatch, cfg.Burst)
	}
	s.maxBody = int64(s.maxBatch)*elementJSONSize + 256
	return s, nil
}

// MaxBatch is the most elements a request may carry.
func (s *Server) MaxBatch() int { return s.maxBatch }

func (s *Server) limiter(principal string) *rate.Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.limiters[principal]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(s.cfg.Rate), s.cfg.Burst)
		s.limiters[principal] = l
	}
	return l
}

// ServeHTTP answers POST EvaluatePath.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != EvaluatePath {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	rec := audit.Record{Op: AuditOp, Action: AuditAction, Purpose: "linkage", RequestID: requestID(r)}
	refuse := func(status int, reason string) {
		rec.Outcome, rec.Reason = audit.OutcomeRefused, reason
		if s.log(r.Context(), rec) != nil {
			status, reason = http.StatusInternalServerError, "audit"
		}
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="phicrypt-linkage"`)
		}
		e := errorResponse{Error: reason}
		if status == http.StatusRequestEntityTooLarge {
			e.MaxBatch = s.maxBatch
		}
		writeJSON(w, status, e)
	}
	principal, ok := s.cfg.Principals.lookup(bearer(r))
	if !ok {
		refuse(http.StatusUnauthorized, "unauthenticated")
		return
	}
	rec.Principal = principal
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		refuse(http.StatusMethodNotAllowed, "method")
		return
	}
	var req evalRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			refuse(http.StatusRequestEntityTooLarge, "too_large")
			return
		}
		refuse(http.StatusBadRequest, "bad_request")
		return
	}
	n := len(req.Elements)
	rec.Rows = int64(n)
	switch {
	case req.Suite != SuiteID:
		refuse(http.StatusBadRequest, "suite")
		return
	case n == 0:
		refuse(http.StatusBadRequest, "bad_request")
		return
	case n > s.maxBatch:
		refuse(http.StatusRequestEntityTooLarge, "too_large")
		return
	}
	if s.cfg.Rate > 0 {
		now := time.Now()
		res := s.limiter(principal).ReserveN(now, n)
		if d := res.DelayFrom(now); !res.OK() || d > 0 {
			res.CancelAt(now)
			w.Header().Set("Retry-After", strconv.Itoa(max(int(math.Ceil(d.Seconds())), 1)))
			refuse(http.StatusTooManyRequests, "rate_limited")
			return
		}
	}
	out, err := s.cfg.Evaluator.Evaluate(req.Elements)
	if err != nil {
		refuse(http.StatusBadRequest, "bad_element")
		return
	}
	rec.Outcome = audit.OutcomeOK
	if s.log(r.Context(), rec) != nil {
		writeError(w, http.StatusInternalServerError, "audit")
		return
	}
	writeJSON(w, http.StatusOK, evalResponse{Suite: SuiteID, Elements: out})
}

func (s *Server) log(ctx context.Context, rec audit.Record) error {
	if s.cfg.Audit == nil {
		return nil
	}
	_, err := s.cfg.Audit.Log(ctx, rec)
	return err
}

// bearer returns the token of an "Authorization: Bearer TOKEN" header.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return ""
	}
	return strings.TrimSpace(h[7:])
}

// requestID is the caller's X-Request-Id: its printable ASCII, at most
// 128 bytes.
func requestID(r *http.Request) string {
	id := r.Header.Get("X-Request-Id")
	b := make([]byte, 0, min(len(id), 128))
	for i := 0; i < len(id) && len(b) < 128; i++ {
		if id[i] > ' ' && id[i] < 0x7f {
			b = append(b, id[i])
		}
	}
	return string(b)
}

func writeError(w http.ResponseWriter, status int, reason string) {
	writeJSON(w, status, errorResponse{Error: reason})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	_ = json.NewEncoder(&b).Encode(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
