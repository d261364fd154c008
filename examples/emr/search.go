package main

import (
	"net/http"

	"github.com/phicrypt/phicrypt/sqlwrap"
)

// searchIn is the body of POST /v1/patients/search: one kind of search,
//
//	{"ssn": "…"}, {"mrn": "…"}, {"email": "…"}, {"phone": "…"}   equality
//	{"last_name_prefix": "nú"}                                    prefix, 2 letters or more
//	{"name_contains": "mith"}                                     substring of the last name, 3 letters or more
//	{"last_name": "…", "dob": "YYYY-MM-DD"}                       both, through the compound index
//
// and optionally "limit" (default 50, at most 500).
type searchIn struct {
	SSN            *string `json:"ssn"`
	MRN            *string `json:"mrn"`
	Email          *string `json:"email"`
	Phone          *string `json:"phone"`
	LastNamePrefix *string `json:"last_name_prefix"`
	NameContains   *string `json:"name_contains"`
	LastName       *string `json:"last_name"`
	DOB            *string `json:"dob"`
	Limit          *int    `json:"limit"`
}

// query is the search the body asks for.
func (in *searchIn) query() (sqlwrap.Query, error) {
	var preds []sqlwrap.Pred
	kinds := 0
	for col, v := range map[string]*string{"ssn": in.SSN, "mrn": in.MRN, "email": in.Email, "phone": in.Phone} {
		if v != nil {
			kinds++
			preds = append(preds, sqlwrap.Eq(col, *v))
		}
	}
	if in.LastNamePrefix != nil {
		kinds++
		preds = append(preds, sqlwrap.Prefix("last_name", *in.LastNamePrefix))
	}
	if in.NameContains != nil {
		kinds++
		preds = append(preds, sqlwrap.Contains("last_name", *in.NameContains))
	}
	if in.LastName != nil || in.DOB != nil {
		if in.LastName == nil || in.DOB == nil {
			return sqlwrap.Query{}, badRequest("invalid_search", "last_name and dob go together")
		}
		d, err := parseDate("dob", *in.DOB)
		if err != nil {
			return sqlwrap.Query{}, err
		}
		kinds++
		preds = append(preds, sqlwrap.Eq("last_name", *in.LastName), sqlwrap.Eq("dob", d))
	}
	if kinds != 1 {
		return sqlwrap.Query{}, badRequest("invalid_search", "give exactly one of ssn, mrn, email, phone, last_name_prefix, name_contains, or last_name with dob")
	}
	q := sqlwrap.Query{Where: preds, Limit: 50, OrderBy: []sqlwrap.Order{{Col: "id"}}}
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 500 {
			return q, badRequest("invalid_value", "limit: want 1 to 500")
		}
		q.Limit = *in.Limit
	}
	return q, nil
}

func (a *app) searchPatients(q *request) (int, any, error) {
	var in searchIn
	if err := decodeBody(q, &in); err != nil {
		return 0, nil, err
	}
	sq, err := in.query()
	if err != nil {
		return 0, nil, err
	}
	rows, err := q.u.pats.Find(q.ctx, sq)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, listJSON(rows, patientJSON, 0), nil
}
