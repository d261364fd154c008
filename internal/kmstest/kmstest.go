// Package kmstest runs a local AWS KMS endpoint for tests.
//
// The server speaks the AWS JSON 1.1 protocol the way the real service does
// (X-Amz-Target: TrentService.<Op>, base64 blobs, {"__type", "message"}
// error bodies with real status codes), so the real aws-sdk-go-v2 KMS client
// talks to it unchanged through its BaseEndpoint option or
// AWS_ENDPOINT_URL_KMS. It implements the symmetric subset phicrypt uses:
// Encrypt, Decrypt, GenerateDataKey, ReEncrypt, CreateKey, DescribeKey,
// EnableKey, DisableKey, CreateAlias and RotateKeyOnDemand.
//
// Ciphertext blobs name their key, as real ones do, so Decrypt works
// without a KeyId, and are sealed with AES-256-GCM bound to the encryption
// context. The server does not verify SigV4 signatures, but it rejects
// requests without an Authorization header and requests signed for another
// region or service. Faults (throttling, outage, latency, denied keys) can be
// injected to exercise a client's retry and error handling.
package kmstest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"
)

// Region and AccountID are where the server's keys live; key ARNs are
// arn:aws:kms:us-east-1:111122223333:key/<uuid>.
const (
	Region    = "us-east-1"
	AccountID = "111122223333"
)

const (
	arnPrefix      = "arn:aws:kms:" + Region + ":" + AccountID + ":"
	targetPrefix   = "TrentService."
	jsonType       = "application/x-amz-json-1.1"
	symmetric      = "SYMMETRIC_DEFAULT"
	maxPlaintext   = 4096 // the real service's limits
	maxCiphertext  = 6144
	maxDataKeySize = 1024
)

// Server is a running local KMS endpoint. Its methods are safe for
// concurrent use, also while requests are in flight.
type Server struct {
	ts *httptest.Server

	mu         sync.Mutex
	keys       map[string]*key   // by key ARN
	aliases    map[string]string // "alias/name" -> key ARN
	accessKeys map[string]bool   // nil: any access key id is accepted
	throttle   int
	outage     bool
	latency    time.Duration
	calls      map[string]int
	total      int
}

type key struct {
	arn         string
	id          string
	description string
	created     time.Time
	enabled     bool
	denied      bool
	versions    [][]byte // AES-256 keys; the last one encrypts
}

// New starts a server on a loopback port. Call Close when done.
func New() *Server {
	s := &Server{
		keys:    map[string]*key{},
		aliases: map[string]string{},
		calls:   map[string]int{},
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// URL is the endpoint to give the SDK (kms.Options.BaseEndpoint or
// AWS_ENDPOINT_URL_KMS).
func (s *Server) URL() string { return s.ts.URL }

// Close stops the server; later requests fail with connection refused.
func (s *Server) Close() { s.ts.Close() }

// CreateKey adds an enabled symmetric key and returns its ARN.
func (s *Server) CreateKey() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.createKeyLocked("").arn
}

// CreateAlias points alias (with or without the "alias/" prefix) at the key
// keyARN and returns the alias ARN.
func (s *Server) CreateAlias(alias, keyARN string) string {
	if !strings.HasPrefix(alias, "alias/") {
		alias = "alias/" + alias
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustKey(keyARN)
	s.aliases[alias] = keyARN
	return arnPrefix + alias
}

// DisableKey makes the key refuse all cryptographic operations with
// DisabledException until EnableKey.
func (s *Server) DisableKey(keyARN string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustKey(keyARN).enabled = false
}

// EnableKey reverses DisableKey.
func (s *Server) EnableKey(keyARN string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustKey(keyARN).enabled = true
}

// RotateKey gives the key new backing material. Blobs made before still
// decrypt; new ones (and ReEncrypt output) use the new material.
func (s *Server) RotateKey(keyARN string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.mustKey(keyARN)
	k.versions = append(k.versions, randomBytes(32))
}

// SetDenied makes every operation on the key fail with
// AccessDeniedException, as a key policy without a grant for the caller
// would.
func (s *Server) SetDenied(keyARN string, denied bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustKey(keyARN).denied = denied
}

// RequireAccessKeys limits the accepted access key ids (taken from the
// SigV4 Authorization header); others get UnrecognizedClientException. With
// no ids any access key is accepted again.
func (s *Server) RequireAccessKeys(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(ids) == 0 {
		s.accessKeys = nil
		return
	}
	s.accessKeys = map[string]bool{}
	for _, id := range ids {
		s.accessKeys[id] = true
	}
}

// Throttle makes the next n requests fail with ThrottlingException.
func (s *Server) Throttle(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle = n
}

// SetOutage makes every request fail with HTTP 503 while on.
func (s *Server) SetOutage(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outage = on
}

// SetLatency delays every response by d. A client that gives up earlier
// frees the handler at once.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// Calls is the number of requests received for op ("Encrypt", "Decrypt",
// ...) since the start or ResetCounts, failed ones included.
func (s *Server) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// TotalCalls is the number of requests received for all operations.
func (s *Server) TotalCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// ResetCounts sets Calls and TotalCalls back to zero.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int{}
	s.total = 0
}

// BlobKey reports the key ARN and key material version (1 for the material
// a key was created with) a ciphertext blob names, so tests can see what
// ReEncrypt did. ok is false if blob is not one of this package's blobs.
func BlobKey(blob []byte) (keyARN string, version int, ok bool) {
	b, err := parseBlob(blob)
	if err != nil {
		return "", 0, false
	}
	return b.arn, int(b.version), true
}

// mustKey panics on an ARN the test never created: that is a bug in the
// test, not a condition to report over the wire.
func (s *Server) mustKey(keyARN string) *key {
	k, ok := s.keys[keyARN]
	if !ok {
		panic("kmstest: unknown key " + keyARN)
	}
	return k
}

func (s *Server) createKeyLocked(description string) *key {
	id := newUUID()
	k := &key{
		arn:         arnPrefix + "key/" + id,
		id:          id,
		description: description,
		created:     time.Now(),
		enabled:     true,
		versions:    [][]byte{randomBytes(32)},
	}
	s.keys[k.arn] = k
	return k
}

// apiError is a KMS error response.
type apiError struct {
	status  int
	typ     string
	message string
}

func (e *apiError) Error() string { return e.typ + ": " + e.message }

func errorf(status int, typ, format string, args ...any) *apiError {
	return &apiError{status: status, typ: typ, message: fmt.Sprintf(format, args...)}
}

func validation(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, "ValidationException", format, args...)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	if !ok || op == "" || r.Method != http.MethodPost {
		writeError(w, errorf(http.StatusBadRequest, "UnknownOperationException", ""))
		return
	}

	s.mu.Lock()
	s.calls[op]++
	s.total++
	latency := s.latency
	s.mu.Unlock()

	// Reading the body first also makes net/http watch the connection, so
	// the request context ends when the client hangs up during the delay.
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return
	}
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}

	s.mu.Lock()
	resp, aerr := s.handleLocked(r, op, body)
	s.mu.Unlock()
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	w.Header().Set("Content-Type", jsonType)
	w.Header().Set("X-Amzn-RequestId", newUUID())
	if resp == nil {
		// Operations without output answer with an empty body, like KMS.
		w.WriteHeader(http.StatusOK)
		return
	}
	_ = json.NewEncoder(w).Encode(resp)
}

// handleLocked applies the fault injection in the order the real service
// would hit it (front door, authentication, throttling) and dispatches.
func (s *Server) handleLocked(r *http.Request, op string, body []byte) (any, *apiError) {
	if s.outage {
		return nil, errorf(http.StatusServiceUnavailable, "ServiceUnavailableException", "Service Unavailable")
	}
	if aerr := s.authenticateLocked(r); aerr != nil {
		return nil, aerr
	}
	if s.throttle > 0 {
		s.throttle--
		return nil, errorf(http.StatusBadRequest, "ThrottlingException", "Rate exceeded")
	}
	if ct := r.Header.Get("Content-Type"); ct != jsonType {
		return nil, errorf(http.StatusBadRequest, "SerializationException", "unsupported content type %q", ct)
	}

	switch op {
	case "Encrypt":
		return decodeAndRun(body, s.encrypt)
	case "Decrypt":
		return decodeAndRun(body, s.decrypt)
	case "GenerateDataKey":
		return decodeAndRun(body, s.generateDataKey)
	case "ReEncrypt":
		return decodeAndRun(body, s.reEncrypt)
	case "CreateKey":
		return decodeAndRun(body, s.createKey)
	case "DescribeKey":
		return decodeAndRun(body, s.describeKey)
	case "EnableKey":
		return decodeAndRun(body, s.setEnabled(true))
	case "DisableKey":
		return decodeAndRun(body, s.setEnabled(false))
	case "CreateAlias":
		return decodeAndRun(body, s.createAlias)
	case "RotateKeyOnDemand":
		return decodeAndRun(body, s.rotateOnDemand)
	}
	return nil, errorf(http.StatusBadRequest, "UnknownOperationException", "")
}

// authenticateLocked checks what can be checked without the secret key:
// that the request is signed at all, and that the SigV4 credential scope is
// this region and service, which catches a client resolving the wrong
// region.
func (s *Server) authenticateLocked(r *http.Request) *apiError {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return errorf(http.StatusBadRequest, "MissingAuthenticationTokenException", "Missing Authentication Token")
	}
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return errorf(http.StatusBadRequest, "IncompleteSignatureException", "Authorization header requires 'Credential' parameter.")
	}
	cred, _, _ = strings.Cut(cred, ",")
	scope := strings.Split(cred, "/")
	if len(scope) != 5 || scope[4] != "aws4_request" {
		return errorf(http.StatusBadRequest, "IncompleteSignatureException", "Credential parameter is malformed.")
	}
	if scope[2] != Region || scope[3] != "kms" {
		return errorf(http.StatusBadRequest, "InvalidSignatureException",
			"Credential should be scoped to a valid region and service ('%s', 'kms'), not ('%s', '%s').", Region, scope[2], scope[3])
	}
	if s.accessKeys != nil && !s.accessKeys[scope[0]] {
		return errorf(http.StatusBadRequest, "UnrecognizedClientException", "The security token included in the request is invalid.")
	}
	return nil
}

func decodeAndRun[In any](body []byte, run func(*In) (any, *apiError)) (any, *apiError) {
	in := new(In)
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, in); err != nil {
			return nil, errorf(http.StatusBadRequest, "SerializationException", "malformed request body")
		}
	}
	return run(in)
}

// resolveLocked finds the key a KeyId names: key id, key ARN, alias name or
// alias ARN, as the real service accepts.
func (s *Server) resolveLocked(keyID string) (*key, *apiError) {
	if keyID == "" {
		return nil, validation("1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")
	}
	name := keyID
	if rest, ok := strings.CutPrefix(keyID, arnPrefix); ok {
		name = rest
	} else if strings.HasPrefix(keyID, "arn:") {
		return nil, errorf(http.StatusBadRequest, "NotFoundException", "Invalid arn %s", keyID)
	}
	if strings.HasPrefix(name, "alias/") {
		arn, ok := s.aliases[name]
		if !ok {
			return nil, errorf(http.StatusBadRequest, "NotFoundException", "Alias %s is not found.", arnPrefix+name)
		}
		return s.keys[arn], nil
	}
	name = strings.TrimPrefix(name, "key/")
	k, ok := s.keys[arnPrefix+"key/"+name]
	if !ok {
		return nil, errorf(http.StatusBadRequest, "NotFoundException", "Key '%s' does not exist", arnPrefix+"key/"+name)
	}
	return k, nil
}

// usableLocked resolves a key for a cryptographic operation.
func (s *Server) usableLocked(keyID, action string) (*key, *apiError) {
	k, aerr := s.resolveLocked(keyID)
	if aerr != nil {
		return nil, aerr
	}
	if k.denied {
		return nil, errorf(http.StatusBadRequest, "AccessDeniedException",
			"User: arn:aws:iam::%s:user/kmstest is not authorized to perform: kms:%s on resource: %s because no identity-based policy allows the kms:%s action",
			AccountID, action, k.arn, action)
	}
	if !k.enabled {
		return nil, errorf(http.StatusBadRequest, "DisabledException", "%s is disabled.", k.arn)
	}
	return k, nil
}

func checkAlgorithm(alg string) *apiError {
	if alg != "" && alg != symmetric {
		return errorf(http.StatusBadRequest, "InvalidKeyUsageException", "%s is not supported for this key", alg)
	}
	return nil
}

type encryptIn struct {
	KeyId               string
	Plaintext           []byte
	EncryptionContext   map[string]string
	EncryptionAlgorithm string
}

type encryptOut struct {
	CiphertextBlob      []byte
	KeyId               string
	EncryptionAlgorithm string
}

func (s *Server) encrypt(in *encryptIn) (any, *apiError) {
	if n := len(in.Plaintext); n < 1 || n > maxPlaintext {
		return nil, validation("1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length between 1 and %d", maxPlaintext)
	}
	if aerr := checkAlgorithm(in.EncryptionAlgorithm); aerr != nil {
		return nil, aerr
	}
	k, aerr := s.usableLocked(in.KeyId, "Encrypt")
	if aerr != nil {
		return nil, aerr
	}
	return encryptOut{CiphertextBlob: k.seal(in.Plaintext, in.EncryptionContext), KeyId: k.arn, EncryptionAlgorithm: symmetric}, nil
}

type decryptIn struct {
	CiphertextBlob      []byte
	KeyId               string
	EncryptionContext   map[string]string
	EncryptionAlgorithm string
}

type decryptOut struct {
	KeyId               string
	Plaintext           []byte
	EncryptionAlgorithm string
}

func (s *Server) decrypt(in *decryptIn) (any, *apiError) {
	k, plaintext, aerr := s.openLocked(in.CiphertextBlob, in.KeyId, in.EncryptionContext, in.EncryptionAlgorithm, "Decrypt")
	if aerr != nil {
		return nil, aerr
	}
	return decryptOut{KeyId: k.arn, Plaintext: plaintext, EncryptionAlgorithm: symmetric}, nil
}

// openLocked decrypts a blob for Decrypt and ReEncrypt. keyID, if set,
// must name the key the blob was made with.
func (s *Server) openLocked(blob []byte, keyID string, ctx map[string]string, alg, action string) (*key, []byte, *apiError) {
	if n := len(blob); n < 1 || n > maxCiphertext {
		return nil, nil, validation("1 validation error detected: Value at 'ciphertextBlob' failed to satisfy constraint: Member must have length between 1 and %d", maxCiphertext)
	}
	if aerr := checkAlgorithm(alg); aerr != nil {
		return nil, nil, aerr
	}
	b, err := parseBlob(blob)
	if err != nil {
		return nil, nil, errorf(http.StatusBadRequest, "InvalidCiphertextException", "")
	}
	if keyID != "" {
		want, aerr := s.resolveLocked(keyID)
		if aerr != nil {
			return nil, nil, aerr
		}
		if want.arn != b.arn {
			return nil, nil, errorf(http.StatusBadRequest, "IncorrectKeyException",
				"The key ID in the request does not identify a KMS key that can perform this operation.")
		}
	}
	if _, known := s.keys[b.arn]; !known {
		// Keys are never deleted here, so the header was damaged.
		return nil, nil, errorf(http.StatusBadRequest, "InvalidCiphertextException", "")
	}
	k, aerr := s.usableLocked(b.arn, action)
	if aerr != nil {
		return nil, nil, aerr
	}
	plaintext, ok := k.open(b, ctx)
	if !ok {
		return nil, nil, errorf(http.StatusBadRequest, "InvalidCiphertextException", "")
	}
	return k, plaintext, nil
}

type generateDataKeyIn struct {
	KeyId             string
	KeySpec           string
	NumberOfBytes     *int
	EncryptionContext map[string]string
}

type generateDataKeyOut struct {
	CiphertextBlob []byte
	Plaintext      []byte
	KeyId          string
}

func (s *Server) generateDataKey(in *generateDataKeyIn) (any, *apiError) {
	var n int
	switch {
	case in.KeySpec != "" && in.NumberOfBytes != nil:
		return nil, validation("Please specify either number of bytes or key spec.")
	case in.KeySpec == "AES_256":
		n = 32
	case in.KeySpec == "AES_128":
		n = 16
	case in.KeySpec != "":
		return nil, validation("1 validation error detected: Value '%s' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]", in.KeySpec)
	case in.NumberOfBytes != nil && *in.NumberOfBytes >= 1 && *in.NumberOfBytes <= maxDataKeySize:
		n = *in.NumberOfBytes
	default:
		return nil, validation("Please specify either number of bytes or key spec.")
	}
	k, aerr := s.usableLocked(in.KeyId, "GenerateDataKey")
	if aerr != nil {
		return nil, aerr
	}
	plaintext := randomBytes(n)
	return generateDataKeyOut{CiphertextBlob: k.seal(plaintext, in.EncryptionContext), Plaintext: plaintext, KeyId: k.arn}, nil
}

type reEncryptIn struct {
	CiphertextBlob                 []byte
	SourceEncryptionContext        map[string]string
	SourceKeyId                    string
	SourceEncryptionAlgorithm      string
	DestinationKeyId               string
	DestinationEncryptionContext   map[string]string
	DestinationEncryptionAlgorithm string
}

type reEncryptOut struct {
	CiphertextBlob                 []byte
	SourceKeyId                    string
	KeyId                          string
	SourceEncryptionAlgorithm      string
	DestinationEncryptionAlgorithm string
}

func (s *Server) reEncrypt(in *reEncryptIn) (any, *apiError) {
	if aerr := checkAlgorithm(in.DestinationEncryptionAlgorithm); aerr != nil {
		return nil, aerr
	}
	dst, aerr := s.usableLocked(in.DestinationKeyId, "ReEncryptTo")
	if aerr != nil {
		return nil, aerr
	}
	src, plaintext, aerr := s.openLocked(in.CiphertextBlob, in.SourceKeyId, in.SourceEncryptionContext, in.SourceEncryptionAlgorithm, "ReEncryptFrom")
	if aerr != nil {
		return nil, aerr
	}
	return reEncryptOut{
		CiphertextBlob:                 dst.seal(plaintext, in.DestinationEncryptionContext),
		SourceKeyId:                    src.arn,
		KeyId:                          dst.arn,
		SourceEncryptionAlgorithm:      symmetric,
		DestinationEncryptionAlgorithm: symmetric,
	}, nil
}

type createKeyIn struct {
	Description string
	KeyUsage    string
	KeySpec     string
}

type keyIDIn struct {
	KeyId string
}

type keyMetadataOut struct {
	KeyMetadata keyMetadata
}

type keyMetadata struct {
	AWSAccountId          string
	Arn                   string
	KeyId                 string
	CreationDate          float64 // epoch seconds, the protocol's timestamp format
	Description           string
	Enabled               bool
	KeyState              string
	KeyUsage              string
	KeySpec               string
	CustomerMasterKeySpec string
	EncryptionAlgorithms  []string
	KeyManager            string
	Origin                string
	MultiRegion           bool
}

func (k *key) metadata() keyMetadataOut {
	state := "Enabled"
	if !k.enabled {
		state = "Disabled"
	}
	return keyMetadataOut{KeyMetadata: keyMetadata{
		AWSAccountId:          AccountID,
		Arn:                   k.arn,
		KeyId:                 k.id,
		CreationDate:          float64(k.created.UnixMilli()) / 1000,
		Description:           k.description,
		Enabled:               k.enabled,
		KeyState:              state,
		KeyUsage:              "ENCRYPT_DECRYPT",
		KeySpec:               symmetric,
		CustomerMasterKeySpec: symmetric,
		EncryptionAlgorithms:  []string{symmetric},
		KeyManager:            "CUSTOMER",
		Origin:                "AWS_KMS",
	}}
}

func (s *Server) createKey(in *createKeyIn) (any, *apiError) {
	if in.KeyUsage != "" && in.KeyUsage != "ENCRYPT_DECRYPT" {
		return nil, errorf(http.StatusBadRequest, "UnsupportedOperationException", "kmstest supports only ENCRYPT_DECRYPT keys")
	}
	if in.KeySpec != "" && in.KeySpec != symmetric {
		return nil, errorf(http.StatusBadRequest, "UnsupportedOperationException", "kmstest supports only %s keys", symmetric)
	}
	return s.createKeyLocked(in.Description).metadata(), nil
}

func (s *Server) describeKey(in *keyIDIn) (any, *apiError) {
	k, aerr := s.resolveLocked(in.KeyId)
	if aerr != nil {
		return nil, aerr
	}
	return k.metadata(), nil
}

func (s *Server) setEnabled(enabled bool) func(*keyIDIn) (any, *apiError) {
	return func(in *keyIDIn) (any, *apiError) {
		k, aerr := s.resolveLocked(in.KeyId)
		if aerr != nil {
			return nil, aerr
		}
		k.enabled = enabled
		return nil, nil
	}
}

type createAliasIn struct {
	AliasName   string
	TargetKeyId string
}

func (s *Server) createAlias(in *createAliasIn) (any, *apiError) {
	if !strings.HasPrefix(in.AliasName, "alias/") || len(in.AliasName) == len("alias/") || strings.HasPrefix(in.AliasName, "alias/aws/") {
		return nil, errorf(http.StatusBadRequest, "InvalidAliasNameException", "Alias must start with the prefix \"alias/\" and must not use the reserved prefix \"alias/aws/\".")
	}
	if _, dup := s.aliases[in.AliasName]; dup {
		return nil, errorf(http.StatusBadRequest, "AlreadyExistsException", "An alias with the name %s already exists", arnPrefix+in.AliasName)
	}
	k, aerr := s.resolveLocked(in.TargetKeyId)
	if aerr != nil {
		return nil, aerr
	}
	s.aliases[in.AliasName] = k.arn
	return nil, nil
}

func (s *Server) rotateOnDemand(in *keyIDIn) (any, *apiError) {
	k, aerr := s.usableLocked(in.KeyId, "RotateKeyOnDemand")
	if aerr != nil {
		return nil, aerr
	}
	k.versions = append(k.versions, randomBytes(32))
	return keyIDIn{KeyId: k.arn}, nil
}

func writeError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", jsonType)
	w.Header().Set("X-Amzn-RequestId", newUUID())
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.typ, "message": e.message})
}

// Blob layout: magic "kT" | version byte 1 | uint16 ARN length | ARN |
// uint32 key material version | 12-byte nonce | AES-GCM ciphertext and tag.
// Everything before the nonce is authenticated together with the context.
const blobMagic = "kT\x01"

type blob struct {
	arn     string
	version uint32
	header  []byte
	nonce   []byte
	sealed  []byte
}

var errBadBlob = errors.New("kmstest: not a ciphertext blob")

func parseBlob(p []byte) (blob, error) {
	rest, ok := bytes.CutPrefix(p, []byte(blobMagic))
	if !ok || len(rest) < 2 {
		return blob{}, errBadBlob
	}
	n := int(binary.BigEndian.Uint16(rest))
	rest = rest[2:]
	if len(rest) < n+4+12+16 {
		return blob{}, errBadBlob
	}
	b := blob{arn: string(rest[:n]), version: binary.BigEndian.Uint32(rest[n:])}
	rest = rest[n+4:]
	b.header = p[:len(p)-len(rest)]
	b.nonce, b.sealed = rest[:12], rest[12:]
	return b, nil
}

func (k *key) seal(plaintext []byte, ctx map[string]string) []byte {
	version := uint32(len(k.versions))
	out := []byte(blobMagic)
	out = binary.BigEndian.AppendUint16(out, uint16(len(k.arn)))
	out = append(out, k.arn...)
	out = binary.BigEndian.AppendUint32(out, version)
	header := out
	nonce := randomBytes(12)
	out = append(out, nonce...)
	return newGCM(k.versions[version-1]).Seal(out, nonce, plaintext, associatedData(header, ctx))
}

func (k *key) open(b blob, ctx map[string]string) ([]byte, bool) {
	if b.version < 1 || int(b.version) > len(k.versions) {
		return nil, false
	}
	plaintext, err := newGCM(k.versions[b.version-1]).Open(nil, b.nonce, b.sealed, associatedData(b.header, ctx))
	return plaintext, err == nil
}

// associatedData encodes the blob header and the encryption context with
// sorted, length-prefixed entries, so equal maps always give equal bytes and
// no two different maps do. An empty and a missing context are the same, as
// in KMS.
func associatedData(header []byte, ctx map[string]string) []byte {
	names := make([]string, 0, len(ctx))
	for name := range ctx {
		names = append(names, name)
	}
	sort.Strings(names)
	ad := binary.BigEndian.AppendUint32(append([]byte(nil), header...), uint32(len(names)))
	for _, name := range names {
		ad = binary.BigEndian.AppendUint32(ad, uint32(len(name)))
		ad = append(ad, name...)
		ad = binary.BigEndian.AppendUint32(ad, uint32(len(ctx[name])))
		ad = append(ad, ctx[name]...)
	}
	return ad
}

func newGCM(key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err) // keys are always 32 random bytes
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return gcm
}

func randomBytes(n int) []byte {
	p := make([]byte, n)
	_, _ = rand.Read(p) // crypto/rand.Read never fails
	return p
}

func newUUID() string {
	u := randomBytes(16)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
