package main

import (
	"crypto/rand"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// patientIn is the body of a create or an update: a field left out (or
// null) is not written.
type patientIn struct {
	MRN       *string `json:"mrn"`
	SSN       *string `json:"ssn"`
	FirstName *string `json:"first_name"`
	LastName  *string `json:"last_name"`
	DOB       *string `json:"dob"`
	Sex       *string `json:"sex"`
	Email     *string `json:"email"`
	Phone     *string `json:"phone"`
	Address   *string `json:"address"`
}

// patientCols are the columns of a patient as the API shows them, in order.
var patientCols = []string{"id", "mrn", "ssn", "first_name", "last_name", "dob", "sex", "email", "phone", "address"}

// required are the fields a new patient must have.
var required = []string{"mrn", "first_name", "last_name", "dob"}

// row turns the body into the columns to write; create requires the
// required fields. Errors name fields, never values.
func (in *patientIn) row(create bool) (sqlwrap.Row, error) {
	row := sqlwrap.Row{}
	for name, v := range map[string]*string{"mrn": in.MRN, "ssn": in.SSN, "first_name": in.FirstName, "last_name": in.LastName,
		"sex": in.Sex, "email": in.Email, "phone": in.Phone, "address": in.Address} {
		if v == nil {
			continue
		}
		s := strings.TrimSpace(*v)
		if s == "" {
			return nil, badRequest("invalid_value", "field %q is empty", name)
		}
		row[name] = s
	}
	if in.DOB != nil {
		d, err := parseDate("dob", *in.DOB)
		if err != nil {
			return nil, err
		}
		row["dob"] = d
	}
	if s, ok := row["sex"].(string); ok && (len(s) != 1 || !strings.Contains("FMXU", s)) {
		return nil, badRequest("invalid_value", `field "sex": want F, M, X or U`)
	}
	if create {
		for _, c := range required {
			if _, ok := row[c]; !ok {
				return nil, badRequest("missing_field", "field %q is required", c)
			}
		}
	}
	if len(row) == 0 {
		return nil, badRequest("missing_field", "no field to write")
	}
	return row, nil
}

// parseDate reads a YYYY-MM-DD date from 1900 to today.
func parseDate(field, s string) (cipher.Date, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil || t.Year() < 1900 || t.After(time.Now()) {
		return cipher.Date{}, badRequest("invalid_value", "field %q: want a date YYYY-MM-DD from 1900 to today", field)
	}
	return cipher.DateOf(t), nil
}

// rowJSON is a row as the API shows it: cols[i] under names[i] (nil
// names: the column names); a column the principal's keys cannot open is
// left out and listed under "redacted".
func rowJSON(row sqlwrap.Row, cols, names []string) map[string]any {
	out := map[string]any{}
	var redacted []string
	for i, c := range cols {
		name := c
		if names != nil {
			name = names[i]
		}
		switch v := row[c].(type) {
		case sqlwrap.Redacted:
			redacted = append(redacted, name)
		case cipher.Date:
			out[name] = v.String()
		default:
			out[name] = v
		}
	}
	if redacted != nil {
		out["redacted"] = redacted
	}
	return out
}

func patientJSON(row sqlwrap.Row) map[string]any { return rowJSON(row, patientCols, nil) }

// newID returns a random pseudonymous id: prefix and 16 base32 letters
// (80 bits), derived from nothing about the patient.
func newID(prefix string) string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	b := make([]byte, 16)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[b[i]%32]
	}
	return prefix + string(b)
}

// patientBody reads the body of a create or an update into the row to
// write.
func patientBody(q *request, create bool) (sqlwrap.Row, error) {
	var in patientIn
	if err := decodeBody(q, &in); err != nil {
		return nil, err
	}
	return in.row(create)
}

func (a *app) createPatient(q *request) (int, any, error) {
	row, err := patientBody(q, true)
	if err != nil {
		return 0, nil, err
	}
	row["id"] = newID("pt_")
	if _, err := q.u.pats.Insert(q.ctx, row); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]any{"id": row["id"]}, nil
}

func (a *app) getPatient(q *request) (int, any, error) {
	row, err := q.u.pats.Get(q.ctx, q.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, patientJSON(row), nil
}

func (a *app) updatePatient(q *request) (int, any, error) {
	row, err := patientBody(q, false)
	if err != nil {
		return 0, nil, err
	}
	if err := q.u.pats.Update(q.ctx, q.r.PathValue("id"), row); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"id": q.r.PathValue("id"), "updated": len(row)}, nil
}

// deletePatient deletes the patient's encounters, then the patient.
func (a *app) deletePatient(q *request) (int, any, error) {
	id := q.r.PathValue("id")
	if _, err := q.u.pats.Get(q.ctx, id); err != nil {
		return 0, nil, err
	}
	encs, err := q.u.encs.Find(q.ctx, sqlwrap.Query{Where: []sqlwrap.Pred{sqlwrap.Eq("patient_id", id)}})
	if err != nil {
		return 0, nil, err
	}
	for _, e := range encs {
		if err := q.u.encs.Delete(q.ctx, e["id"]); err != nil {
			return 0, nil, err
		}
	}
	if err := q.u.pats.Delete(q.ctx, id); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"id": id, "deleted_encounters": len(encs)}, nil
}

// page reads ?after=ID&limit=N (1 to 500, default 50).
func page(q *request) (sqlwrap.Query, error) {
	qs := q.r.URL.Query()
	out := sqlwrap.Query{Limit: 50}
	if s := qs.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			return out, badRequest("invalid_value", "limit: want 1 to 500")
		}
		out.Limit = n
	}
	if s := qs.Get("after"); s != "" {
		out.After = s
	}
	return out, nil
}

func (a *app) listPatients(q *request) (int, any, error) {
	pq, err := page(q)
	if err != nil {
		return 0, nil, err
	}
	rows, err := q.u.pats.Find(q.ctx, pq)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, listJSON(rows, patientJSON, pq.Limit), nil
}

// listJSON is a page of rows, with the id to ask for the next page.
func listJSON(rows []sqlwrap.Row, conv func(sqlwrap.Row) map[string]any, limit int) map[string]any {
	items := make([]map[string]any, len(rows))
	for i, r := range rows {
		items[i] = conv(r)
	}
	out := map[string]any{"items": items}
	if limit > 0 && len(rows) == limit {
		out["next_after"] = rows[len(rows)-1]["id"]
	}
	return out
}
