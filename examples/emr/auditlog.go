package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"strconv"

	"github.com/phicrypt/phicrypt/audit"
)

// readAudit serves GET /v1/audit?after=SEQ&limit=N: the records of the
// audit log after seq SEQ (default 0), at most N (default 100, at most
// 1000). The records hold no value, token or key; reading them is itself
// recorded (op export).
func (a *app) readAudit(q *request) (int, any, error) {
	qs := q.r.URL.Query()
	after, limit := int64(0), 100
	if s := qs.Get("after"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return 0, nil, badRequest("invalid_value", "after: want a sequence number")
		}
		after = n
	}
	if s := qs.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return 0, nil, badRequest("invalid_value", "limit: want 1 to 1000")
		}
		limit = n
	}
	recs, err := readRecords(a.auditPath, after, limit)
	rerr := a.owner.AuditEvent(q.ctx, audit.OpExport, callReadAudit, "", nil, int64(len(recs)), err)
	if err == nil {
		err = rerr
	}
	if err != nil {
		return 0, nil, err
	}
	out := map[string]any{"records": recs}
	if len(recs) == limit {
		out["next_after"] = recs[len(recs)-1].Seq
	}
	return http.StatusOK, out, nil
}

// readRecords reads up to limit records with seq > after. A last line
// without its newline (being written) is left out.
func readRecords(path string, after int64, limit int) ([]audit.Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs := []audit.Record{}
	br := bufio.NewReaderSize(f, 64<<10)
	for len(recs) < limit {
		line, err := br.ReadBytes('\n')
		if err != nil {
			break // EOF, or a line not yet complete
		}
		var r audit.Record
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, err
		}
		if r.Seq > after {
			recs = append(recs, r)
		}
	}
	return recs, nil
}
