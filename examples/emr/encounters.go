package main

import (
	"net/http"
	"slices"

	"github.com/phicrypt/phicrypt/sqlwrap"
)

// encounterIn is the body of POST /v1/patients/{id}/encounters.
type encounterIn struct {
	Date   *string `json:"date"`
	Kind   *string `json:"kind"`
	Reason *string `json:"reason"`
}

// encounterKinds are the kinds an encounter may have.
var encounterKinds = []string{"outpatient", "inpatient", "emergency", "telehealth"}

// Encounter columns and their names in the API. The year is a plain
// column (a year alone identifies no one), so that the named queries can
// count by it without a key; the date and the reason are protected.
var (
	encounterCols  = []string{"id", "patient_id", "kind", "enc_year", "enc_date", "reason"}
	encounterNames = []string{"id", "patient_id", "kind", "year", "date", "reason"}
)

func encounterJSON(row sqlwrap.Row) map[string]any {
	return rowJSON(row, encounterCols, encounterNames)
}

func (a *app) createEncounter(q *request) (int, any, error) {
	var in encounterIn
	if err := decodeBody(q, &in); err != nil {
		return 0, nil, err
	}
	if in.Date == nil || in.Kind == nil {
		return 0, nil, badRequest("missing_field", "fields \"date\" and \"kind\" are required")
	}
	if !slices.Contains(encounterKinds, *in.Kind) {
		return 0, nil, badRequest("invalid_value", "field \"kind\": want outpatient, inpatient, emergency or telehealth")
	}
	d, err := parseDate("date", *in.Date)
	if err != nil {
		return 0, nil, err
	}
	pid := q.r.PathValue("id")
	if err := a.patientExists(q, pid); err != nil {
		return 0, nil, err
	}
	row := sqlwrap.Row{"id": newID("enc_"), "patient_id": pid, "kind": *in.Kind, "enc_year": int64(d.Year), "enc_date": d}
	if in.Reason != nil {
		row["reason"] = *in.Reason
	}
	if _, err := q.u.encs.Insert(q.ctx, row); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]any{"id": row["id"]}, nil
}

// patientExists counts the patient by key: no protected column is read.
func (a *app) patientExists(q *request, id string) error {
	n, err := q.u.pats.Count(q.ctx, sqlwrap.Query{Where: []sqlwrap.Pred{sqlwrap.Eq("id", id)}})
	if err == nil && n == 0 {
		err = sqlwrap.ErrNotFound
	}
	return err
}

func (a *app) listEncounters(q *request) (int, any, error) {
	pid := q.r.PathValue("id")
	if err := a.patientExists(q, pid); err != nil {
		return 0, nil, err
	}
	rows, err := q.u.encs.Find(q.ctx, sqlwrap.Query{Where: []sqlwrap.Pred{sqlwrap.Eq("patient_id", pid)}, OrderBy: []sqlwrap.Order{{Col: "enc_year"}, {Col: "id"}}})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, listJSON(rows, encounterJSON, 0), nil
}
