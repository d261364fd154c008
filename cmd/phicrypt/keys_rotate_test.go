package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/sqlwrap"
)

// TestRotateTargets checks which keysets each selection of keys rotate
// names, shared scopes once.
func TestRotateTargets(t *testing.T) {
	s, err := sqlwrap.ParseSchema("test", []byte(cliSchema+`  - name: contacts
    columns:
      - {name: ssn, type: string, nullable: true, scope: patients.ssn, equality: {name: c_ssn_eq, transforms: digits, bits: 8}}
      - {name: phone, type: string, nullable: true}
`))
	if err != nil {
		t.Fatal(err)
	}
	show := func(ts []rotateTarget) string {
		var out []string
		for _, x := range ts {
			out = append(out, fmt.Sprintf("%s/%s@%s.%s", x.purpose, x.scope, x.table, x.name))
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct {
		sel  rotateSelection
		want string
	}{
		{rotateSelection{table: "patients", column: "ssn"}, "value/patients.ssn@patients.ssn seal-private/patients.ssn@patients.ssn index/patients.ssn@patients.ssn"},
		{rotateSelection{table: "patients", column: "ssn", purpose: "seal"}, "seal-private/patients.ssn@patients.ssn"},
		{rotateSelection{table: "patients", column: "ssn", purpose: "index"}, "index/patients.ssn@patients.ssn"},
		{rotateSelection{table: "patients", index: "last_name_prefix"}, "index/patients.last_name@patients.last_name"},
		{rotateSelection{table: "patients", index: "ssn_eq"}, "index/patients.ssn@patients.ssn"},
		{rotateSelection{table: "patients", index: "name_dob"}, "index/patients.name_dob@patients.name_dob"},
		{rotateSelection{table: "contacts"}, "value/patients.ssn@contacts.ssn seal-private/patients.ssn@contacts.ssn index/patients.ssn@contacts.ssn value/contacts.phone@contacts.phone seal-private/contacts.phone@contacts.phone index/contacts.phone@contacts.phone"},
		{rotateSelection{purpose: "value", table: "contacts"}, "value/patients.ssn@contacts.ssn seal-private/patients.ssn@contacts.ssn value/contacts.phone@contacts.phone seal-private/contacts.phone@contacts.phone"},
		{rotateSelection{purpose: "seal"}, "seal-private/patients.ssn@patients.ssn seal-private/patients.last_name@patients.last_name seal-private/patients.notes@patients.notes seal-private/patients.dob@patients.dob seal-private/patients.visits@patients.visits seal-private/contacts.phone@contacts.phone"},
	} {
		got, err := tc.sel.targets(s)
		if err != nil || show(got) != tc.want {
			t.Errorf("%+v: %v\n got %s\nwant %s", tc.sel, err, show(got), tc.want)
		}
	}
	all, err := (&rotateSelection{}).targets(s)
	// Every keyset the schema lists, the write-only sealing ones included
	// (their public halves follow).
	if n := len(s.Keysets()); err != nil || len(all) != n {
		t.Errorf("everything: %d targets, %d keysets (%v)", len(all), n, err)
	}
	for _, bad := range []rotateSelection{
		{column: "ssn"}, {index: "ssn_eq"}, {table: "patients", column: "ssn", index: "ssn_eq"},
		{table: "patients", index: "ssn_eq", purpose: "value"}, {table: "patients", index: "ssn_eq", purpose: "seal"}, {purpose: "both"}, {table: "nope"},
		{table: "patients", column: "city"}, {table: "patients", index: "nope"},
	} {
		if _, err := bad.targets(s); err == nil || !isUsageErr(err) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

func isUsageErr(err error) bool {
	_, ok := err.(*usageError)
	return ok
}
