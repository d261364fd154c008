# phicrypt remote collaborator: only the named, pre-approved queries over
# plain columns (examples/emr/queries.go); no keyset of any purpose. The
# deny is explicit so that a policy added to the same token later cannot
# give it a transit key by accident.
path "transit/*" { capabilities = ["deny"] }
