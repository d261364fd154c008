package linkage

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"

	"github.com/cloudflare/circl/group"
	"github.com/cloudflare/circl/oprf"
)

// SuiteID names the RFC 9497 suite of the oblivious mode (OPRF mode 0).
const SuiteID = "ristretto255-SHA512"

var suite = oprf.SuiteRistretto255

// ElementSize is the size of a serialised ristretto255 element.
const ElementSize = 32

const obliviousLabel = "phicrypt-linkage oblivious"

// Evaluator is the central half of the oblivious mode: it applies its
// OPRF key to blinded elements, learning nothing of the inputs. It is
// safe for concurrent use.
type Evaluator struct {
	server oprf.Server
}

// GenerateEvaluatorKey returns a new random evaluator key (a serialised
// ristretto255 scalar, 32 bytes).
func GenerateEvaluatorKey() ([]byte, error) {
	k, err := oprf.GenerateKey(suite, rand.Reader)
	if err != nil {
		return nil, errorf("generate evaluator key: %w", err)
	}
	return k.MarshalBinary()
}

// NewEvaluator returns the evaluator of a key from GenerateEvaluatorKey.
func NewEvaluator(key []byte) (*Evaluator, error) {
	var k oprf.PrivateKey
	if len(key) != 32 || k.UnmarshalBinary(suite, key) != nil {
		return nil, errorf("evaluator key is not a %s scalar: %w", SuiteID, ErrBadKey)
	}
	return &Evaluator{server: oprf.NewServer(suite, &k)}, nil
}

// Evaluate applies the key to each serialised blinded element. An element
// that does not decode, or is the identity, fails the whole batch.
func (e *Evaluator) Evaluate(blinded [][]byte) ([][]byte, error) {
	if len(blinded) == 0 {
		return nil, errorf("no elements: %w", ErrProtocol)
	}
	els, err := decodeElements(blinded)
	if err != nil {
		return nil, err
	}
	ev, err := e.server.Evaluate(&oprf.EvaluationRequest{Elements: els})
	if err != nil {
		return nil, errorf("evaluate: %w", ErrProtocol)
	}
	return encodeElements(ev.Elements)
}

// fullEvaluate is the OPRF output of input under the key, computed with
// the input in the clear: known-answer tests only.
func (e *Evaluator) fullEvaluate(input []byte) ([]byte, error) {
	return e.server.FullEvaluate(input)
}

func decodeElement(b []byte) (group.Element, error) {
	if len(b) != ElementSize {
		return nil, errorf("element of %d bytes, want %d: %w", len(b), ElementSize, ErrProtocol)
	}
	el := suite.Group().NewElement()
	if err := el.UnmarshalBinary(b); err != nil || el.IsIdentity() {
		return nil, errorf("element is not a valid non-identity %s element: %w", SuiteID, ErrProtocol)
	}
	return el, nil
}

func decodeElements(bs [][]byte) ([]group.Element, error) {
	els := make([]group.Element, len(bs))
	for i, b := range bs {
		el, err := decodeElement(b)
		if err != nil {
			return nil, err
		}
		els[i] = el
	}
	return els, nil
}

func encodeElements(els []group.Element) ([][]byte, error) {
	out := make([][]byte, len(els))
	for i, el := range els {
		b, err := el.MarshalBinaryCompress()
		if err != nil {
			return nil, errorf("encode element: %w", err)
		}
		out[i] = b
	}
	return out, nil
}

// ObliviousSite is a site's half of the oblivious mode. It holds the
// network key, shared by the sites of a network and never by the
// evaluator. It is safe for concurrent use.
type ObliviousSite struct {
	networkKey []byte
	client     oprf.Client
	stretch    *Stretch
}

// NewObliviousSite returns a site with the 32-byte network key.
func NewObliviousSite(networkKey []byte) (*ObliviousSite, error) {
	if len(networkKey) != KeySize {
		return nil, errorf("network key must be %d bytes: %w", KeySize, ErrBadKey)
	}
	return &ObliviousSite{networkKey: append([]byte(nil), networkKey...), client: oprf.NewClient(suite)}, nil
}

// NewStretchedObliviousSite is NewObliviousSite with the OPRF output
// stretched before the network key is applied. Against the evaluator or a
// site alone the stretch adds nothing (neither can check a guess offline);
// it is the cost per guess left to someone who holds both the evaluator
// key and the network key. Every site of a network must use the same
// stretch.
func NewStretchedObliviousSite(networkKey []byte, st Stretch) (*ObliviousSite, error) {
	if err := st.Validate(); err != nil {
		return nil, err
	}
	s, err := NewObliviousSite(networkKey)
	if err != nil {
		return nil, err
	}
	s.stretch = &st
	return s, nil
}

// Blinded is a batch of blinded encodings waiting for their evaluation.
// Elements are what goes to the evaluator; the rest stays at the site.
type Blinded struct {
	Elements [][]byte
	keys     []string
	fin      *oprf.FinalizeData
}

// Blind blinds each encoding with a fresh random scalar.
func (s *ObliviousSite) Blind(encs []Encoded) (*Blinded, error) {
	return s.blind(encs, nil)
}

func (s *ObliviousSite) blind(encs []Encoded, blinds []oprf.Blind) (*Blinded, error) {
	if len(encs) == 0 {
		return nil, errorf("nothing to blind: %w", ErrProtocol)
	}
	inputs := make([][]byte, len(encs))
	keys := make([]string, len(encs))
	for i, e := range encs {
		inputs[i], keys[i] = e.Bytes, e.Key
	}
	var fin *oprf.FinalizeData
	var req *oprf.EvaluationRequest
	var err error
	if blinds == nil {
		fin, req, err = s.client.Blind(inputs)
	} else {
		fin, req, err = s.client.DeterministicBlind(inputs, blinds)
	}
	if err != nil {
		return nil, errorf("blind: %w", ErrProtocol)
	}
	els, err := encodeElements(req.Elements)
	if err != nil {
		return nil, err
	}
	return &Blinded{Elements: els, keys: keys, fin: fin}, nil
}

// Finalize unblinds the evaluator's answer to b and keys each output with
// the network key: token = HMAC-SHA256(network key, label | lp(match key
// name) | lp(OPRF output)).
func (s *ObliviousSite) Finalize(b *Blinded, evaluated [][]byte) ([]Token, error) {
	outs, err := s.outputs(b, evaluated)
	if err != nil {
		return nil, err
	}
	toks := make([]Token, len(outs))
	for i, o := range outs {
		if toks[i], err = s.token(b.keys[i], o); err != nil {
			return nil, err
		}
	}
	return toks, nil
}

// outputs returns the RFC 9497 outputs of the batch.
func (s *ObliviousSite) outputs(b *Blinded, evaluated [][]byte) ([][]byte, error) {
	if b == nil {
		return nil, errorf("no blinded batch: %w", ErrProtocol)
	}
	if len(evaluated) != len(b.Elements) {
		return nil, errorf("%d evaluated elements for %d blinded: %w", len(evaluated), len(b.Elements), ErrProtocol)
	}
	els, err := decodeElements(evaluated)
	if err != nil {
		return nil, err
	}
	outs, err := s.client.Finalize(b.fin, &oprf.Evaluation{Elements: els})
	if err != nil {
		return nil, errorf("finalize: %w", ErrProtocol)
	}
	return outs, nil
}

// token is HMAC-SHA256(network key, label | lp(key) | lp(output)), or
// with a stretch HMAC-SHA256(network key, label | lp(key) |
// lp(stretch parameters) | lp(Stretch(output, salt = label | lp(key) |
// lp(stretch parameters)))).
func (s *ObliviousSite) token(key string, oprfOutput []byte) (Token, error) {
	msg := appendLP([]byte(obliviousLabel), key)
	if s.stretch != nil {
		msg = appendLP(msg, s.stretch.String())
		st, err := s.stretch.derive(oprfOutput, msg)
		if err != nil {
			return Token{}, err
		}
		oprfOutput = st
	}
	m := hmac.New(sha256.New, s.networkKey)
	m.Write(appendLP(msg, oprfOutput))
	t := Token{Key: key}
	m.Sum(t.Value[:0])
	return t, nil
}
