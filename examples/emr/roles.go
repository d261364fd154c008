package main

import "github.com/phicrypt/phicrypt/cipher"

// role is what a principal may do: the calls its requests may reach (the
// HTTP layer's early refusal) and, underneath, the permissions of the
// keyring its requests run through (the refusal that holds even if the
// HTTP layer were wrong).
type role struct {
	name string
	// purpose goes into the audit records of the role's requests.
	purpose string
	// perm is the role's cipher.Grant on every key scope.
	perm cipher.Permission
	// calls are the endpoint names (server.go) the role may call.
	calls map[string]bool
}

// Endpoint names: the action of their audit records.
const (
	callCreatePatient   = "create_patient"
	callListPatients    = "list_patients"
	callGetPatient      = "get_patient"
	callUpdatePatient   = "update_patient"
	callDeletePatient   = "delete_patient"
	callSearchPatients  = "search_patients"
	callCreateEncounter = "create_encounter"
	callListEncounters  = "list_encounters"
	callReadAudit       = "read_audit_log"
	callListQueries     = "list_queries"
	callRunQuery        = "run_query"
)

var roleNames = []string{"admin", "importer", "researcher", "remote"}

// roles: admin reads and writes everything (the only role that sees
// MRNs, because the only one whose keyring decrypts); importer writes PHI
// sealed write-only and computes search tokens, but holds no key that
// opens a value; researcher and remote hold no PHI key at all, so every
// protected column reads as redacted. The keyrings open keysets but never
// create or rotate them: that is the server's own keyring at start-up.
var roles = map[string]*role{
	"admin": {name: "admin", purpose: "operations", perm: cipher.PermAll, calls: set(
		callCreatePatient, callListPatients, callGetPatient, callUpdatePatient, callDeletePatient,
		callSearchPatients, callCreateEncounter, callListEncounters, callReadAudit, callListQueries, callRunQuery)},
	"importer": {name: "importer", purpose: "import", perm: cipher.PermEncrypt | cipher.PermIndex, calls: set(
		callCreatePatient, callGetPatient, callUpdatePatient, callCreateEncounter, callListEncounters)},
	"researcher": {name: "researcher", purpose: "research", perm: 0, calls: set(
		callListPatients, callGetPatient, callListEncounters, callListQueries, callRunQuery)},
	"remote": {name: "remote", purpose: "research", perm: 0, calls: set(callListQueries, callRunQuery)},
}

// grant is the keyring grant of a principal in role r.
func (r *role) grant(principal string) *cipher.Grant {
	return &cipher.Grant{Principal: principal, Role: r.name, Default: r.perm}
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
