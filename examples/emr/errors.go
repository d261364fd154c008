package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/phicrypt/phicrypt/blindindex"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// httpError is a refusal: a status, a code (the reason of its audit
// record) and a message that never quotes a value.
type httpError struct {
	status int
	code   string
	msg    string
}

func (e *httpError) Error() string { return e.code + ": " + e.msg }

func badRequest(code, format string, args ...any) *httpError {
	return &httpError{http.StatusBadRequest, code, fmt.Sprintf(format, args...)}
}

// errorBody is the JSON of every error answer.
type errorBody struct {
	Error     string `json:"error"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
}

// dataErrors map the data layer's errors to answers. The data layer has
// already written the audit record; its messages are not passed on (they
// never hold a value, but they name internals).
var dataErrors = []struct {
	err    error
	status int
	msg    string
}{
	{sqlwrap.ErrNotFound, http.StatusNotFound, "no such record"},
	// sqlwrap.AuditOutcome has no class for it: its records say "error".
	{sqlwrap.ErrNotPermitted, http.StatusForbidden, "not_permitted: the principal's keys do not allow this"},
	{blindindex.ErrNeedleTooShort, http.StatusBadRequest, "search term too short for the index"},
	{sqlwrap.ErrWrongType, http.StatusBadRequest, "a value has the wrong type"},
	{sqlwrap.ErrNotNull, http.StatusBadRequest, "a required field is missing"},
	{cipher.ErrValueTooLong, http.StatusBadRequest, "a value is too long"},
	{sqlwrap.ErrUnsupported, http.StatusBadRequest, "this search is not supported"},
}

// dataError is the answer to an error of the data layer.
func dataError(err error) *httpError {
	_, reason := sqlwrap.AuditOutcome(err)
	for _, d := range dataErrors {
		if errors.Is(err, d.err) {
			if code, msg, ok := strings.Cut(d.msg, ": "); ok {
				return &httpError{d.status, code, msg}
			}
			return &httpError{d.status, reason, d.msg}
		}
	}
	return &httpError{http.StatusInternalServerError, reason, "internal error"}
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(body)
}

// jsonFields are the JSON names of the fields of the struct dst points to.
func jsonFields(dst any) []string {
	var out []string
	t := reflect.TypeOf(dst).Elem()
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" {
			out = append(out, name)
		}
	}
	return out
}

// decodeBody reads exactly one JSON object of at most maxBody bytes into
// dst, refusing unknown fields and wrong types, with messages that never
// quote the body.
func decodeBody(q *request, dst any) error {
	dec := json.NewDecoder(http.MaxBytesReader(q.w, q.r.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil && dec.More() {
		return badRequest("malformed_json", "one JSON object expected, found more")
	}
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			return badRequest("malformed_json", "one JSON object expected, found more")
		}
	}
	var (
		tooBig *http.MaxBytesError
		syn    *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooBig):
		return &httpError{http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("body larger than %d bytes", maxBody)}
	case errors.Is(err, io.EOF):
		return badRequest("malformed_json", "empty body: a JSON object expected")
	case errors.As(err, &syn):
		return badRequest("malformed_json", "malformed JSON at byte %d", syn.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("malformed_json", "malformed JSON: the body ends early")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return badRequest("wrong_type", "a JSON object expected")
		}
		return badRequest("wrong_type", "field %q: want a %s", typ.Field, strings.TrimLeft(typ.Type.String(), "*"))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// The unknown name is not repeated: it could be anything.
		return badRequest("unknown_field", "unknown field (known: %s)", strings.Join(jsonFields(dst), ", "))
	}
	return badRequest("malformed_json", "malformed JSON")
}
