// Package audit writes a tamper-evident trail of every access to protected
// data: who (principal, role, purpose, request id) did what (op) to which
// table and columns, how many rows, and with what outcome. A record never
// holds a value, a search token or a key.
//
// Records are hash-chained: each carries the SHA-256 of the previous
// record's canonical bytes (prev) and of its own (hash), so a removed,
// reordered, inserted or edited record breaks the chain. Every N records
// (Options.CheckpointEvery) and on Close the Logger writes a checkpoint
// record whose checkpoint field is the chain head wrapped by the KEK:
// without the KEK a rewritten chain cannot carry valid checkpoints. Verify
// checks a log; docs/FORMAT.md specifies the encoding.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// Operations.
const (
	OpDecrypt    = "decrypt"
	OpSearch     = "search"
	OpInsert     = "insert"
	OpUpdate     = "update"
	OpDelete     = "delete"
	OpExport     = "export"
	OpKey        = "key"
	OpLinkage    = "linkage" // an oblivious evaluation of linkage tokens (package linkage)
	OpCheckpoint = "checkpoint"
)

// Outcomes.
const (
	OutcomeOK      = "ok"
	OutcomeRefused = "refused"
	OutcomeError   = "error"
	// OutcomeRolledBack: writes recorded earlier as ok were undone when
	// their transaction rolled back (action "rollback").
	OutcomeRolledBack = "rolled_back"
)

// GenesisPrev is the prev of the first record of a chain: 64 zeros.
var GenesisPrev = strings.Repeat("0", 64)

// Record is one entry of the trail. Its JSON form, fields in this order,
// is the log line; the canonical bytes are the same encoding without the
// hash field (docs/FORMAT.md).
type Record struct {
	Seq       int64  `json:"seq"`
	Time      string `json:"time"` // UTC, RFC 3339 with nanoseconds
	Principal string `json:"principal"`
	Role      string `json:"role"`
	Purpose   string `json:"purpose"`
	Op        string `json:"op"`
	// Action is the call that did it ("find", "get", "insert_batch",
	// "reencrypt", ...): op says what happened to the data, action how.
	Action  string   `json:"action"`
	Table   string   `json:"table"`
	Columns []string `json:"columns"`
	Rows    int64    `json:"rows"`
	Outcome string   `json:"outcome"`
	// Reason is an error class ("unsupported", "not_found", ...), never
	// an error message, which could quote a value.
	Reason    string `json:"reason"`
	RequestID string `json:"request_id"`
	// Checkpoint, on a checkpoint record only, is the base64 (standard,
	// padded) of KEK.Wrap(the 32 bytes of prev, "phicrypt-audit-checkpoint:"+seq).
	Checkpoint string `json:"checkpoint"`
	Prev       string `json:"prev"`
	Hash       string `json:"hash,omitempty"`
}

// Canonical returns the bytes the record's hash covers: the compact JSON
// encoding of the record without the hash field, fields in declaration
// order, every other field present (columns as [] when empty), strings
// escaped as encoding/json does with HTML escaping off.
func (r *Record) Canonical() ([]byte, error) {
	return appendRecord(make([]byte, 0, 512), r, false), nil
}

// ComputeHash returns the hex SHA-256 of the canonical bytes.
func (r *Record) ComputeHash() (string, error) {
	b, err := r.Canonical()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Line returns the record's log line: the canonical encoding with the
// hash field, without the trailing newline.
func (r *Record) Line() ([]byte, error) {
	return appendRecord(make([]byte, 0, 600), r, true), nil
}

// checkpointAD is the associated data of a checkpoint's wrap.
func checkpointAD(seq int64) []byte {
	return []byte("phicrypt-audit-checkpoint:" + itoa(seq))
}

func itoa(n int64) string {
	return strconv.FormatInt(n, 10)
}
