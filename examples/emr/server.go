package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/phicrypt/phicrypt/audit"
)

// The URL scheme. Search terms travel in a POST body, never in the URL,
// so that no proxy or access log records them.
//
//	POST   /v1/patients                    create a patient
//	GET    /v1/patients?after=ID&limit=N   list patients (pages by id)
//	GET    /v1/patients/{id}               one patient
//	PATCH  /v1/patients/{id}               change some fields
//	DELETE /v1/patients/{id}               delete a patient and their encounters
//	POST   /v1/patients/search             search (search.go)
//	POST   /v1/patients/{id}/encounters    add an encounter
//	GET    /v1/patients/{id}/encounters    a patient's encounters
//	GET    /v1/audit?after=SEQ&limit=N     the audit log (admin)
//	GET    /v1/queries                     the named, pre-approved queries
//	GET    /v1/queries/{name}              run one: non-PHI aggregates
type route struct {
	pattern string
	call    string // endpoint name: the action of audit records (roles.go)
	op      string // the audit op of a refusal
	table   string
	h       func(*request) (int, any, error)
}

func (a *app) routes() []route {
	return []route{
		{"POST /v1/patients", callCreatePatient, audit.OpInsert, "patients", a.createPatient},
		{"GET /v1/patients", callListPatients, audit.OpDecrypt, "patients", a.listPatients},
		{"GET /v1/patients/{id}", callGetPatient, audit.OpDecrypt, "patients", a.getPatient},
		{"PATCH /v1/patients/{id}", callUpdatePatient, audit.OpUpdate, "patients", a.updatePatient},
		{"DELETE /v1/patients/{id}", callDeletePatient, audit.OpDelete, "patients", a.deletePatient},
		{"POST /v1/patients/search", callSearchPatients, audit.OpSearch, "patients", a.searchPatients},
		{"POST /v1/patients/{id}/encounters", callCreateEncounter, audit.OpInsert, "encounters", a.createEncounter},
		{"GET /v1/patients/{id}/encounters", callListEncounters, audit.OpDecrypt, "encounters", a.listEncounters},
		{"GET /v1/audit", callReadAudit, audit.OpExport, "", a.readAudit},
		{"GET /v1/queries", callListQueries, audit.OpExport, "", a.listQueries},
		{"GET /v1/queries/{name}", callRunQuery, audit.OpExport, "", a.runQuery},
	}
}

// callUnknownRoute is the action of the records of requests to no route.
const callUnknownRoute = "unknown_route"

// maxBody bounds a request body.
const maxBody = 16 << 10

// request is one authenticated call.
type request struct {
	ctx context.Context // carries the actor for audit records
	r   *http.Request
	w   http.ResponseWriter
	u   *user
}

// handler serves the routes; every request, whatever its route, is
// authenticated first.
func (a *app) handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range a.routes() {
		mux.Handle(rt.pattern, a.wrap(rt))
	}
	// Any other path or method: authenticated too, then 404. Its audit op
	// follows the method.
	mux.Handle("/", a.wrap(route{call: callUnknownRoute, h: func(q *request) (int, any, error) {
		return 0, nil, &httpError{http.StatusNotFound, "no_route", "no such endpoint or method (see /v1/…)"}
	}}))
	return mux
}

// wrap authenticates the request, checks that the principal's role may
// make the call, runs it, writes the JSON answer, logs the request and
// writes the audit record of a refusal the data layer did not see.
func (a *app) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rid := newRequestID()
		w.Header().Set("X-Request-Id", rid)
		actor := audit.Actor{RequestID: rid}
		u := a.authenticate(r)
		if u != nil {
			actor.Principal, actor.Role = u.Name, u.Role
			if u.role != nil {
				actor.Purpose = u.role.purpose
			}
		}
		q := &request{ctx: audit.WithActor(r.Context(), actor), r: r, w: w, u: u}
		op := rt.op
		if op == "" {
			op = opOfMethod(r.Method)
		}
		status, body, err := a.serve(q, rt)
		if err != nil {
			var he *httpError
			if !errors.As(err, &he) {
				he = dataError(err)
			} else if aerr := a.refusal(q.ctx, op, rt.call, rt.table, he.code); aerr != nil {
				a.log.Error("audit record not written", "request_id", rid, "reason", "audit")
				he = &httpError{http.StatusInternalServerError, "audit", "the request could not be audited"}
			}
			status, body = he.status, errorBody{Error: he.code, Message: he.msg, RequestID: rid}
		}
		writeJSON(w, status, body)
		a.log.Info("request", "request_id", rid, "route", r.Pattern, "method", r.Method,
			"status", status, "principal", actor.Principal, "role", actor.Role, "ms", time.Since(start).Milliseconds())
	})
}

// serve checks the credentials and the role, then runs the handler.
func (a *app) serve(q *request, rt route) (int, any, error) {
	switch {
	case q.u == nil && q.r.Header.Get("Authorization") == "":
		q.w.Header().Set("WWW-Authenticate", `Bearer realm="emr"`)
		return 0, nil, &httpError{http.StatusUnauthorized, "unauthenticated", "missing bearer token (Authorization: Bearer TOKEN)"}
	case q.u == nil:
		q.w.Header().Set("WWW-Authenticate", `Bearer realm="emr", error="invalid_token"`)
		return 0, nil, &httpError{http.StatusUnauthorized, "unauthenticated", "invalid bearer token"}
	case q.u.role == nil:
		return 0, nil, &httpError{http.StatusForbidden, "unknown_role", "the principal's role is not one this server knows"}
	case rt.call != callUnknownRoute && !q.u.role.calls[rt.call]:
		return 0, nil, &httpError{http.StatusForbidden, "forbidden", "role " + q.u.role.name + " may not " + strings.ReplaceAll(rt.call, "_", " ")}
	}
	return rt.h(q)
}

// authenticate returns the principal whose token the request carries, nil
// if none does. Every configured token is compared, in constant time.
func (a *app) authenticate(r *http.Request) *user {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return nil
	}
	h := tokenHash(strings.TrimSpace(tok))
	var found *user
	for _, u := range a.users {
		if sameToken(h, u.hash) && found == nil {
			found = u
		}
	}
	return found
}

// refusal writes the audit record of a request refused before it reached
// the data layer (which records its own refusals).
func (a *app) refusal(ctx context.Context, op, action, table, reason string) error {
	r := audit.Record{Op: op, Action: action, Table: table, Outcome: audit.OutcomeRefused, Reason: reason}
	if act, ok := audit.ActorFrom(ctx); ok {
		r.Principal, r.Role, r.Purpose, r.RequestID = act.Principal, act.Role, act.Purpose, act.RequestID
	}
	_, err := a.audit.Log(context.WithoutCancel(ctx), r)
	return err
}

// opOfMethod is the audit op of a request to no known route.
func opOfMethod(m string) string {
	switch m {
	case http.MethodPost, http.MethodPut:
		return audit.OpInsert
	case http.MethodPatch:
		return audit.OpUpdate
	case http.MethodDelete:
		return audit.OpDelete
	}
	return audit.OpDecrypt
}

func newRequestID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// serveHTTP serves a's routes on ln until ctx ends, then shuts down,
// waiting for the requests in flight. ready, if set, is called with the
// address listened on.
func serveHTTP(ctx context.Context, a *app, ln net.Listener, ready func(net.Addr)) error {
	srv := &http.Server{Handler: a.handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, MaxHeaderBytes: 16 << 10}
	a.log.Info("listening", "addr", ln.Addr().String())
	if ready != nil {
		ready(ln.Addr())
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// run opens the service, serves it until ctx ends and closes it.
//
// It listens first: a second server started on the same address stops
// before it opens the database or writes to the audit log.
func run(ctx context.Context, o options, log *slog.Logger, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, o, log)
	if err != nil {
		ln.Close()
		return err
	}
	err = serveHTTP(ctx, a, ln, ready)
	return errors.Join(err, a.Close())
}
