package blindindex

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// Tokens (docs/FORMAT.md, "Blind index tokens"): each index derives its
// key k_index from every PRF key (see domainMACs), then
//
//	equality, compound: token = first N bits of HMAC(k_index, u16 partition | input)
//	Bloom:              gram MAC = HMAC(k_index, gram)
//
// where input is the normalized value (equality) or the length-prefixed
// normalized parts (compound).
const (
	tokenVersion = 0x01

	kindEquality  = 0x01
	kindCompound  = 0x02
	kindPrefix    = 0x03
	kindSubstring = 0x04
	kindPartition = 0x05 // picks the partition of a row from its binding
)

const tokenDomain = "phicrypt-bidx"

// DefaultMaxLength is the longest normalized value, in bytes, an index
// accepts when its MaxLength is 0.
const DefaultMaxLength = 1024

// MaxPartitions bounds frequency smoothing: a query asks for every
// partition's token in one IN list.
const MaxPartitions = 256

// EqualityConfig configures an equality blind index.
type EqualityConfig struct {
	// Name is mixed into every token, so two indexes over the same keys
	// never share tokens. Conventionally "table.index".
	Name string
	// Transforms normalizes the value first (ParseChain spec), e.g.
	// "nfkc,casefold,trim" for names or "digits" for an SSN.
	Transforms string
	// Bits is the token width N, 1..64; PlanEquality recommends one.
	Bits int
	// Partitions enables frequency smoothing with P partitions (0 or 1:
	// off). Each row's token is one of P; a query asks for all P.
	Partitions int
	// MaxLength refuses longer normalized values, in bytes (0:
	// DefaultMaxLength).
	MaxLength int
}

// Equality computes the tokens of an equality blind index. It is safe for
// concurrent use.
type Equality struct {
	name       string
	chain      Chain
	bits       int
	partitions int
	maxLen     int
	macs       *domainMACs
	partMACs   *domainMACs
}

func checkName(name string) error {
	if name == "" || len(name) > 0xffff || !utf8.ValidString(name) {
		return fmt.Errorf("%w: index name must be non-empty UTF-8 of at most 65535 bytes", ErrBadConfig)
	}
	return nil
}

// NewEquality validates cfg and returns the index.
func NewEquality(cfg EqualityConfig) (*Equality, error) {
	if err := checkName(cfg.Name); err != nil {
		return nil, err
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: index %s: %s", ErrBadConfig, cfg.Name, fmt.Sprintf(format, a...))
	}
	if cfg.Bits < 1 || cfg.Bits > 64 {
		return nil, bad("bits %d outside 1..64", cfg.Bits)
	}
	if cfg.Partitions < 0 || cfg.Partitions > MaxPartitions {
		return nil, bad("partitions %d outside 0..%d", cfg.Partitions, MaxPartitions)
	}
	if cfg.MaxLength < 0 {
		return nil, bad("negative maximum length")
	}
	chain, err := ParseChain(cfg.Transforms)
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", cfg.Name, err)
	}
	e := &Equality{name: cfg.Name, chain: chain, bits: cfg.Bits, partitions: max(cfg.Partitions, 1), maxLen: cfg.MaxLength,
		macs: newDomainMACs(kindEquality, cfg.Name), partMACs: newDomainMACs(kindPartition, cfg.Name)}
	if e.maxLen == 0 {
		e.maxLen = DefaultMaxLength
	}
	return e, nil
}

// Name returns the index name.
func (e *Equality) Name() string { return e.name }

// Bits returns the token width.
func (e *Equality) Bits() int { return e.bits }

// Partitions returns the number of frequency-smoothing partitions (1: off).
func (e *Equality) Partitions() int { return e.partitions }

// appendInput appends the normalized value to dst and checks its length.
func (e *Equality) appendInput(dst []byte, value string) ([]byte, error) {
	n := len(dst)
	out, err := e.chain.Append(dst, []byte(value))
	if err != nil {
		return dst, fmt.Errorf("index %s: %w", e.name, err)
	}
	if len(out) == n {
		return dst, fmt.Errorf("index %s: %w", e.name, ErrEmptyValue)
	}
	if len(out)-n > e.maxLen {
		return dst, fmt.Errorf("index %s: %w: %d bytes, maximum %d", e.name, ErrValueTooLong, len(out)-n, e.maxLen)
	}
	return out, nil
}

// truncate keeps the first bits bits of mac, as a big-endian integer.
func truncate(mac []byte, bits int) int64 {
	return int64(binary.BigEndian.Uint64(mac) >> (64 - bits))
}

func checkPartition(name string, partition, partitions int) error {
	if partition < 0 || partition >= partitions {
		return fmt.Errorf("%w: index %s: partition %d outside 0..%d", ErrBadConfig, name, partition, partitions-1)
	}
	return nil
}

// Token returns the token of value under the primary key, in partition 0
// (the only one when smoothing is off). Use WriteToken when writing a row
// of a smoothed index.
func (e *Equality) Token(prf PRF, value string) (int64, error) {
	if err := checkPRF(prf, e.name); err != nil {
		return 0, err
	}
	return e.TokenFor(prf, prf.Primary(), 0, value)
}

// TokenFor returns the token of value under a given key id and partition:
// the building block of rotation backfills and of tests.
func (e *Equality) TokenFor(prf PRF, keyID uint32, partition int, value string) (int64, error) {
	if err := checkPartition(e.name, partition, e.partitions); err != nil {
		return 0, err
	}
	pool, err := e.macs.pool(prf, keyID)
	if err != nil {
		return 0, fmt.Errorf("index %s: %w", e.name, err)
	}
	st := pool.Get().(*macState)
	defer pool.Put(st)
	st.msg = binary.BigEndian.AppendUint16(st.msg[:0], uint16(partition))
	if st.msg, err = e.appendInput(st.msg, value); err != nil {
		return 0, err
	}
	st.sum()
	return truncate(st.mac, e.bits), nil
}

// WriteToken returns the token to store for value in a row. With
// frequency smoothing the partition comes from the row-binding value
// (keyed, so it reveals nothing about the row) or, when row is nil, at
// random.
func (e *Equality) WriteToken(prf PRF, value string, row []byte) (int64, error) {
	if err := checkPRF(prf, e.name); err != nil {
		return 0, err
	}
	p, err := pickPartition(prf, e.partMACs, e.partitions, row)
	if err != nil {
		return 0, fmt.Errorf("index %s: %w", e.name, err)
	}
	return e.TokenFor(prf, prf.Primary(), p, value)
}

// QueryTokens returns every token a row holding value may carry: one per
// partition and per enabled key (more than one key during an index-key
// rotation). A query asks for them with one IN list. The result has no
// duplicates.
func (e *Equality) QueryTokens(prf PRF, value string) ([]int64, error) {
	if err := checkPRF(prf, e.name); err != nil {
		return nil, err
	}
	input, err := e.appendInput(make([]byte, 0, len(value)+8), value)
	if err != nil {
		return nil, err
	}
	return allTokens(prf, e.macs, e.name, e.bits, e.partitions, input)
}

// allTokens computes the tokens of a normalized input for every key and
// partition.
func allTokens(prf PRF, macs *domainMACs, name string, bits, partitions int, input []byte) ([]int64, error) {
	ids := prf.KeyIDs()
	out := make([]int64, 0, len(ids)*partitions)
	for _, id := range ids {
		pool, err := macs.pool(prf, id)
		if err != nil {
			return nil, fmt.Errorf("index %s: %w", name, err)
		}
		st := pool.Get().(*macState)
		for p := 0; p < partitions; p++ {
			st.msg = binary.BigEndian.AppendUint16(st.msg[:0], uint16(p))
			st.msg = append(st.msg, input...)
			st.sum()
			if t := truncate(st.mac, bits); !containsToken(out, t) {
				out = append(out, t)
			}
		}
		pool.Put(st)
	}
	return out, nil
}

func containsToken(ts []int64, t int64) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

// pickPartition chooses a row's partition: keyed from its binding value,
// or random without one.
func pickPartition(prf PRF, macs *domainMACs, partitions int, row []byte) (int, error) {
	if partitions <= 1 {
		return 0, nil
	}
	if row == nil {
		var b [8]byte
		rand.Read(b[:])
		return int(binary.BigEndian.Uint64(b[:]) % uint64(partitions)), nil
	}
	pool, err := macs.pool(prf, prf.Primary())
	if err != nil {
		return 0, err
	}
	st := pool.Get().(*macState)
	defer pool.Put(st)
	st.msg = append(st.msg[:0], row...)
	st.sum()
	return int(binary.BigEndian.Uint64(st.mac) % uint64(partitions)), nil
}
