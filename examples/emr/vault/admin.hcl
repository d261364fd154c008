# phicrypt admin: creates, rotates and rewraps every keyset, reads and
# writes every column. Transit keys: phi-secret wraps value and
# seal-private keysets, phi-public seal-public keysets, phi-index index
# keysets (cipher.Config.PurposeKEKs, docs/SECURITY.md §9).
path "transit/encrypt/phi-secret" { capabilities = ["update"] }
path "transit/decrypt/phi-secret" { capabilities = ["update"] }
path "transit/encrypt/phi-public" { capabilities = ["update"] }
path "transit/decrypt/phi-public" { capabilities = ["update"] }
path "transit/encrypt/phi-index"  { capabilities = ["update"] }
path "transit/decrypt/phi-index"  { capabilities = ["update"] }
