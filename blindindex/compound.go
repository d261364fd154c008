package blindindex

import (
	"encoding/binary"
	"fmt"
)

// CompoundPart is one field of a compound index.
type CompoundPart struct {
	// Field names the part (a column), for errors and schemas.
	Field string
	// Transforms normalizes this part, e.g. "casefold,first:1" for a first
	// initial or "date:year" for a birth year.
	Transforms string
}

// CompoundConfig configures a compound equality index over several fields,
// such as last name + date of birth, or first initial + last name.
type CompoundConfig struct {
	Name       string
	Parts      []CompoundPart
	Bits       int
	Partitions int
	// MaxLength bounds each normalized part, in bytes (0: DefaultMaxLength).
	MaxLength int
}

// Compound computes the tokens of a compound index: one PRF over every
// part, each normalized and length-prefixed so that ("ab","c") and
// ("a","bc") never share a token. It is safe for concurrent use.
type Compound struct {
	eq     *Equality // name, bits, partitions, max length and keys
	parts  []CompoundPart
	chains []Chain
}

// NewCompound validates cfg and returns the index.
func NewCompound(cfg CompoundConfig) (*Compound, error) {
	if len(cfg.Parts) < 2 {
		return nil, fmt.Errorf("%w: compound index %s needs at least two parts, has %d", ErrBadConfig, cfg.Name, len(cfg.Parts))
	}
	eq, err := NewEquality(EqualityConfig{Name: cfg.Name, Bits: cfg.Bits, Partitions: cfg.Partitions, MaxLength: cfg.MaxLength})
	if err != nil {
		return nil, err
	}
	c := &Compound{eq: eq, parts: append([]CompoundPart(nil), cfg.Parts...)}
	c.eq.macs = newDomainMACs(kindCompound, cfg.Name)
	for _, p := range cfg.Parts {
		ch, err := ParseChain(p.Transforms)
		if err != nil {
			return nil, fmt.Errorf("compound index %s, part %s: %w", cfg.Name, p.Field, err)
		}
		c.chains = append(c.chains, ch)
	}
	return c, nil
}

// Name returns the index name.
func (c *Compound) Name() string { return c.eq.name }

// Parts returns the index's parts.
func (c *Compound) Parts() []CompoundPart { return c.parts }

// Bits returns the token width.
func (c *Compound) Bits() int { return c.eq.bits }

// Partitions returns the number of frequency-smoothing partitions.
func (c *Compound) Partitions() int { return c.eq.partitions }

// appendInput appends each normalized part, length-prefixed.
func (c *Compound) appendInput(dst []byte, values []string) ([]byte, error) {
	if len(values) != len(c.chains) {
		return dst, fmt.Errorf("%w: compound index %s takes %d values, got %d", ErrBadConfig, c.eq.name, len(c.chains), len(values))
	}
	for i, v := range values {
		at := len(dst)
		dst = append(dst, 0, 0, 0, 0)
		out, err := c.chains[i].Append(dst, []byte(v))
		if err != nil {
			return dst, fmt.Errorf("compound index %s, part %s: %w", c.eq.name, c.parts[i].Field, err)
		}
		dst = out
		n := len(dst) - at - 4
		if n == 0 {
			return dst, fmt.Errorf("compound index %s, part %s: %w", c.eq.name, c.parts[i].Field, ErrEmptyValue)
		}
		if n > c.eq.maxLen {
			return dst, fmt.Errorf("compound index %s, part %s: %w: %d bytes, maximum %d", c.eq.name, c.parts[i].Field, ErrValueTooLong, n, c.eq.maxLen)
		}
		binary.BigEndian.PutUint32(dst[at:], uint32(n))
	}
	return dst, nil
}

// TokenFor returns the token of values (one per part, in order) under a
// key id and partition.
func (c *Compound) TokenFor(prf PRF, keyID uint32, partition int, values ...string) (int64, error) {
	if err := checkPartition(c.eq.name, partition, c.eq.partitions); err != nil {
		return 0, err
	}
	pool, err := c.eq.macs.pool(prf, keyID)
	if err != nil {
		return 0, fmt.Errorf("compound index %s: %w", c.eq.name, err)
	}
	st := pool.Get().(*macState)
	defer pool.Put(st)
	st.msg = binary.BigEndian.AppendUint16(st.msg[:0], uint16(partition))
	if st.msg, err = c.appendInput(st.msg, values); err != nil {
		return 0, err
	}
	st.sum()
	return truncate(st.mac, c.eq.bits), nil
}

// Token returns the token under the primary key in partition 0.
func (c *Compound) Token(prf PRF, values ...string) (int64, error) {
	if err := checkPRF(prf, c.eq.name); err != nil {
		return 0, err
	}
	return c.TokenFor(prf, prf.Primary(), 0, values...)
}

// WriteToken returns the token to store for a row (see Equality.WriteToken).
func (c *Compound) WriteToken(prf PRF, row []byte, values ...string) (int64, error) {
	if err := checkPRF(prf, c.eq.name); err != nil {
		return 0, err
	}
	p, err := pickPartition(prf, c.eq.partMACs, c.eq.partitions, row)
	if err != nil {
		return 0, fmt.Errorf("compound index %s: %w", c.eq.name, err)
	}
	return c.TokenFor(prf, prf.Primary(), p, values...)
}

// QueryTokens returns every token a row with these values may carry.
func (c *Compound) QueryTokens(prf PRF, values ...string) ([]int64, error) {
	if err := checkPRF(prf, c.eq.name); err != nil {
		return nil, err
	}
	input, err := c.appendInput(nil, values)
	if err != nil {
		return nil, err
	}
	return allTokens(prf, c.eq.macs, c.eq.name, c.eq.bits, c.eq.partitions, input)
}
