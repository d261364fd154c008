// Package blindindex computes the search tokens phicrypt stores beside
// ciphertexts: truncated keyed-PRF tokens for equality (plain, compound and
// frequency-smoothed), keyed Bloom-filter bit positions for prefix and
// substring search, and the planner that sizes them so that the tokens do
// not give patients away.
//
// Tokens collide on purpose: a token narrows a search to a bucket of
// candidate rows, which the caller decrypts and compares, so answers are
// exact while the database learns only bucket membership. The leakage of
// each token kind is described in docs/SECURITY.md.
//
//	keys, err := ring.IndexKeys(ctx, "patients.ssn")
//	ix, err := blindindex.NewEquality(blindindex.EqualityConfig{
//		Name: "patients.ssn", Bits: 24, Transforms: "digits",
//	})
//	tok, err := ix.Token(keys, "078-05-1120") // store tok.Value in an indexed BIGINT column
package blindindex
