# phicrypt importer: seals write-only (unwraps the public sealing keysets)
# and computes search tokens (unwraps the index keysets). It cannot unwrap
# a value or seal-private keyset, so it cannot decrypt anything, even with
# this token and a keyring opened without a grant.
path "transit/decrypt/phi-public" { capabilities = ["update"] }
path "transit/decrypt/phi-index"  { capabilities = ["update"] }
