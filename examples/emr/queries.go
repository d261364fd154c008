package main

import (
	"database/sql"
	"database/sql/driver"
	"net/http"

	"github.com/phicrypt/phicrypt/audit"
)

// namedQuery is a pre-approved query: SQL over plain columns only, whose
// answer is counts per group. Counts from 1 to smallCell are suppressed,
// so that no answer singles out a handful of patients.
type namedQuery struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Groups      []string `json:"groups"`
	table       string
	sql         string // SELECT the groups (text, or an integer for "year"), then COUNT(*)
}

// smallCell is the largest count suppressed.
const smallCell = 10

var namedQueries = []namedQuery{
	{Name: "encounters_by_kind_year", Description: "number of encounters per kind and year", Groups: []string{"kind", "year"},
		table: "encounters", sql: "SELECT kind, enc_year, COUNT(*) FROM encounters GROUP BY kind, enc_year ORDER BY kind, enc_year"},
	{Name: "patients_by_sex", Description: "number of patients per recorded sex", Groups: []string{"sex"},
		table: "patients", sql: "SELECT sex, COUNT(*) FROM patients GROUP BY sex ORDER BY sex"},
}

func (a *app) listQueries(q *request) (int, any, error) {
	return http.StatusOK, map[string]any{"queries": namedQueries}, nil
}

// runQuery runs a named query through the principal's own database
// handle. The SQL reads plain columns only: no key is involved, and the
// remote's keyring holds none.
func (a *app) runQuery(q *request) (int, any, error) {
	var nq *namedQuery
	for i := range namedQueries {
		if namedQueries[i].Name == q.r.PathValue("name") {
			nq = &namedQueries[i]
		}
	}
	if nq == nil {
		return 0, nil, &httpError{http.StatusNotFound, "unknown_query", "no such named query (GET /v1/queries lists them)"}
	}
	rows, err := a.countRows(q, nq)
	if aerr := q.u.db.AuditEvent(q.ctx, audit.OpExport, "query:"+nq.Name, nq.table, nil, int64(len(rows)), err); aerr != nil && err == nil {
		err = aerr
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"query": nq.Name, "small_cells_suppressed": "1-10", "rows": rows}, nil
}

// countRows runs nq and suppresses the small counts.
func (a *app) countRows(q *request, nq *namedQuery) ([]map[string]any, error) {
	res, err := q.u.db.SQL().QueryContext(q.ctx, nq.sql)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	out := []map[string]any{}
	for res.Next() {
		// "year" is an integer, the other groups text.
		var n int64
		dest := make([]any, len(nq.Groups), len(nq.Groups)+1)
		for i, g := range nq.Groups {
			dest[i] = new(sql.NullString)
			if g == "year" {
				dest[i] = new(sql.NullInt64)
			}
		}
		if err := res.Scan(append(dest, &n)...); err != nil {
			return nil, err
		}
		row := map[string]any{}
		for i, g := range nq.Groups {
			row[g], _ = dest[i].(driver.Valuer).Value()
		}
		if n <= smallCell {
			row["count"], row["suppressed"] = nil, true
		} else {
			row["count"] = n
		}
		out = append(out, row)
	}
	return out, res.Err()
}
