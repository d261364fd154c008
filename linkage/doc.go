// Package linkage makes privacy-preserving linkage tokens: two records of
// the same patient held at two sites get the same token, computed from
// normalised identifiers (a match key such as SSN, or last name + first
// name + date of birth + sex) without the identifiers leaving the site.
//
// A match key (MatchKey) names an ordered list of fields, each with its
// transforms; Compile turns a list of them into Keys, whose Encode gives the
// unambiguous, length-prefixed encoding of every match key whose fields are
// all present. A key with a missing field yields nothing, never a token of
// empty strings.
//
// Two modes turn an encoding into a token:
//
//   - two-key (TwoKeySite, TwoKeyCentral), MPOG's Blinded Record Index: the
//     site computes a keyed, stretched PRF of the encoding and sends it to a
//     central service, which keys it again;
//   - oblivious (ObliviousSite, Evaluator, Client, Server): RFC 9497 OPRF
//     (ristretto255-SHA512). The site blinds the encoding, the central
//     evaluator applies its key without seeing the input, the site unblinds
//     and keys the result with a network key the evaluator never holds.
//
// docs/LINKAGE.md explains the threat model and the brute-force costs;
// docs/FORMAT.md ("Linkage tokens") specifies the bytes.
package linkage
