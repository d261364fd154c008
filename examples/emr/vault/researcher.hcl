# phicrypt researcher: no value keyset of any kind (value, seal-private,
# seal-public); reads plain columns and sees protected ones redacted. It
# may unwrap index keysets, to search by token (Query.Unconfirmed) and to
# derive pseudonymous ids; remove this rule if researchers must not test
# guesses against tokens (docs/SECURITY.md §9).
path "transit/decrypt/phi-index" { capabilities = ["update"] }
