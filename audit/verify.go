package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/phicrypt/phicrypt/keyprovider"
)

// What a Finding says.
const (
	FindHashMismatch  = "hash mismatch"
	FindSeqGap        = "seq gap"
	FindPrevMismatch  = "prev does not match"
	FindCheckpointBad = "checkpoint does not verify"
	FindMalformed     = "malformed record"
)

// Finding is one break of the chain.
type Finding struct {
	Line   int    `json:"line"` // 1-based line of the log
	Seq    int64  `json:"seq"`  // the record's seq (0 if unreadable)
	What   string `json:"what"`
	Detail string `json:"detail,omitempty"`
}

func (f Finding) String() string {
	s := fmt.Sprintf("line %d (seq %d): %s", f.Line, f.Seq, f.What)
	if f.Detail != "" {
		s += ": " + f.Detail
	}
	return s
}

// VerifyResult is what Verify found.
type VerifyResult struct {
	Records     int    `json:"records"`     // lines read
	LastSeq     int64  `json:"last_seq"`    // seq of the last record
	Head        string `json:"head"`        // hash of the last record
	Checkpoints int    `json:"checkpoints"` // checkpoint records
	Verified    int    `json:"verified"`    // checkpoints the KEK verified
	Unverified  int    `json:"unverified"`  // checkpoints not checked (no KEK)
	// AfterCheckpoint is the number of records after the last verified
	// (or, without a KEK, last) checkpoint: they could have been cut off
	// or rewritten without a trace.
	AfterCheckpoint int       `json:"after_checkpoint"`
	Findings        []Finding `json:"findings"`
	Warnings        []string  `json:"warnings"`
}

// OK reports whether no finding was made (warnings do not count).
func (v *VerifyResult) OK() bool { return len(v.Findings) == 0 }

// Verify reads a JSON-lines log and checks its chain: every record's hash,
// that seq counts up by one from 1, that prev is the previous record's
// hash, and with a KEK every checkpoint. After a break it continues from
// the record that broke it, so each damaged place is reported once or
// twice, not the whole rest of the log. Records after the last checkpoint
// are reported as a warning: truncation there leaves no trace. The error
// is for a log that cannot be read, or a KEK that cannot be reached (a
// checkpoint that does not open is a finding).
func Verify(r io.Reader, kek keyprovider.KEK) (*VerifyResult, error) {
	return VerifyContext(context.Background(), r, kek)
}

// VerifyContext is Verify with a context for the KEK calls.
func VerifyContext(ctx context.Context, r io.Reader, kek keyprovider.KEK) (*VerifyResult, error) {
	res := &VerifyResult{Findings: []Finding{}, Warnings: []string{}}
	br := bufio.NewReaderSize(r, 64<<10)
	wantSeq, prev := int64(1), GenesisPrev
	line := 0
	for {
		raw, err := br.ReadBytes('\n')
		if len(raw) == 0 && err == io.EOF {
			break
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("phicrypt: audit: read log: %w", err)
		}
		line++
		res.Records++
		complete := err == nil
		raw = bytes.TrimSuffix(raw, []byte("\n"))
		var rec Record
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if derr := dec.Decode(&rec); derr != nil || dec.More() {
			res.Findings = append(res.Findings, Finding{Line: line, What: FindMalformed, Detail: "not a record"})
			continue
		}
		if !complete {
			res.Warnings = append(res.Warnings, fmt.Sprintf("line %d: last line has no newline (a write cut short?)", line))
		}
		add := func(what, detail string) {
			res.Findings = append(res.Findings, Finding{Line: line, Seq: rec.Seq, What: what, Detail: detail})
		}
		if rec.Seq != wantSeq {
			add(FindSeqGap, fmt.Sprintf("expected seq %d", wantSeq))
		}
		if rec.Prev != prev {
			add(FindPrevMismatch, "prev is not the hash of the record before")
		}
		h, herr := rec.ComputeHash()
		if herr != nil || h != rec.Hash {
			add(FindHashMismatch, "the record was changed after it was written")
		}
		res.AfterCheckpoint++
		if rec.Op == OpCheckpoint {
			res.Checkpoints++
			switch ok, cerr := checkCheckpoint(ctx, kek, &rec); {
			case cerr != nil:
				return nil, cerr
			case kek == nil:
				res.Unverified++
				res.AfterCheckpoint = 0
			case ok:
				res.Verified++
				res.AfterCheckpoint = 0
			default:
				add(FindCheckpointBad, "the KEK did not wrap this chain head at this seq")
			}
		}
		wantSeq, prev = rec.Seq+1, rec.Hash
		res.LastSeq, res.Head = rec.Seq, rec.Hash
	}
	if res.AfterCheckpoint > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d record(s) after the last checkpoint: records cut off the end there would leave no trace", res.AfterCheckpoint))
	}
	if kek == nil && res.Checkpoints > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d checkpoint(s) not verified: no KEK given", res.Checkpoints))
	}
	return res, nil
}

// checkCheckpoint unwraps rec's checkpoint and compares it with its prev.
// The error is for a KEK that could not answer.
func checkCheckpoint(ctx context.Context, kek keyprovider.KEK, rec *Record) (bool, error) {
	if kek == nil {
		return false, nil
	}
	w, err := base64.StdEncoding.DecodeString(rec.Checkpoint)
	if err != nil || rec.Checkpoint == "" {
		return false, nil
	}
	head, err := hex.DecodeString(rec.Prev)
	if err != nil {
		return false, nil
	}
	got, err := kek.Unwrap(ctx, w, checkpointAD(rec.Seq))
	if err != nil {
		if errors.Is(err, keyprovider.ErrWrongKey) {
			return false, nil
		}
		return false, fmt.Errorf("phicrypt: audit: checkpoint at seq %d: %w", rec.Seq, err)
	}
	return bytes.Equal(got, head), nil
}
