package blindindex

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/bits-and-blooms/bloom/v3"
)

// DefaultBloomMaxLength is the longest normalized value, in runes, a Bloom
// index accepts when its MaxLength is 0.
const DefaultBloomMaxLength = 256

// Bloom computes the prefix or substring tokens of a value: the sorted bit
// positions of a keyed Bloom filter holding its n-grams. Each gram is
// first run through the PRF, so positions depend on the key; the Bloom
// library then maps the MAC to K of M bits. It is safe for concurrent use.
type Bloom struct {
	cfg   BloomConfig
	chain Chain
	macs  *domainMACs
}

// NewBloom validates cfg (CheckBloom) and returns the index.
func NewBloom(cfg BloomConfig) (*Bloom, error) {
	if err := checkName(cfg.Name); err != nil {
		return nil, err
	}
	if cfg.Kind != Prefix && cfg.Kind != Substring {
		return nil, fmt.Errorf("%w: index %s: unknown gram kind %d", ErrBadConfig, cfg.Name, cfg.Kind)
	}
	if cfg.MaxLength == 0 {
		cfg.MaxLength = DefaultBloomMaxLength
	}
	if cfg.MaxFill == 0 {
		cfg.MaxFill = DefaultMaxFill
	}
	if err := CheckBloom(cfg); err != nil {
		return nil, err // CheckBloom names the index
	}
	chain, err := ParseChain(cfg.Transforms)
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", cfg.Name, err)
	}
	kind := byte(kindPrefix)
	if cfg.Kind == Substring {
		kind = kindSubstring
	}
	return &Bloom{cfg: cfg, chain: chain, macs: newDomainMACs(kind, cfg.Name)}, nil
}

// Config returns the index configuration, defaults filled in.
func (b *Bloom) Config() BloomConfig { return b.cfg }

// normalized is a value after the transforms, with the byte offset of
// each rune boundary so grams can be cut without copying.
type normalized struct {
	b   []byte
	off []int // off[i] is where rune i starts; off[len] == len(b)
}

func (n normalized) runes() int { return len(n.off) - 1 }

// gram returns runes [i, i+g) of the value.
func (n normalized) gram(i, g int) []byte { return n.b[n.off[i]:n.off[i+g]] }

// normalize applies the transforms and checks the length.
func (b *Bloom) normalize(value string) (normalized, error) {
	out, err := b.chain.Append(nil, []byte(value))
	if err != nil {
		return normalized{}, fmt.Errorf("index %s: %w", b.cfg.Name, err)
	}
	if len(out) == 0 {
		return normalized{}, fmt.Errorf("index %s: %w", b.cfg.Name, ErrEmptyValue)
	}
	n := normalized{b: out, off: make([]int, 0, len(out)+1)}
	for i := range string(out) {
		n.off = append(n.off, i)
	}
	n.off = append(n.off, len(out))
	if n.runes() > b.cfg.MaxLength {
		return normalized{}, fmt.Errorf("index %s: %w: %d characters, maximum %d", b.cfg.Name, ErrValueTooLong, n.runes(), b.cfg.MaxLength)
	}
	return n, nil
}

// valueGrams lists the grams stored for a normalized value.
func (b *Bloom) valueGrams(n normalized) ([][]byte, error) {
	c := b.cfg
	l := n.runes()
	// Dropping grams beyond the cap would make searches miss rows, so a
	// value that needs more is refused instead.
	if c.MaxGrams > 0 && c.uncappedGramCount(l) > c.MaxGrams {
		return nil, fmt.Errorf("index %s: %w: needs %d grams, cap %d", c.Name, ErrValueTooLong, c.uncappedGramCount(l), c.MaxGrams)
	}
	grams := make([][]byte, 0, c.uncappedGramCount(l))
	switch c.Kind {
	case Prefix:
		for g := c.MinGram; g <= c.MaxGram && g <= l; g++ {
			grams = append(grams, n.gram(0, g))
		}
	case Substring:
		for g := c.MinGram; g <= c.MaxGram; g++ {
			for i := 0; i+g <= l; i++ {
				grams = append(grams, n.gram(i, g))
			}
		}
	}
	return grams, nil
}

// needleGrams lists the grams a match must hold.
func (b *Bloom) needleGrams(n normalized) ([][]byte, error) {
	c := b.cfg
	l := n.runes()
	if l < c.MinGram {
		return nil, fmt.Errorf("index %s: %w: %d characters, minimum %d", c.Name, ErrNeedleTooShort, l, c.MinGram)
	}
	g := min(l, c.MaxGram)
	if c.Kind == Prefix {
		return [][]byte{n.gram(0, g)}, nil
	}
	grams := make([][]byte, 0, l-g+1)
	seen := map[string]bool{}
	for i := 0; i+g <= l; i++ {
		s := n.gram(i, g)
		if !seen[string(s)] {
			seen[string(s)] = true
			grams = append(grams, s)
		}
	}
	return grams, nil
}

func (b *Bloom) filter(prf PRF, keyID uint32, grams [][]byte) (*bloom.BloomFilter, error) {
	pool, err := b.macs.pool(prf, keyID)
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", b.cfg.Name, err)
	}
	st := pool.Get().(*macState)
	defer pool.Put(st)
	f := bloom.New(b.cfg.M, b.cfg.K)
	for _, g := range grams {
		st.msg = append(st.msg[:0], g...)
		st.sum()
		f.Add(st.mac)
	}
	return f, nil
}

func positions(f *bloom.BloomFilter) []int32 {
	bs := f.BitSet()
	out := make([]int32, 0, bs.Count())
	for i, ok := bs.NextSet(0); ok; i, ok = bs.NextSet(i + 1) {
		out = append(out, int32(i))
	}
	return out
}

func filterBytes(f *bloom.BloomFilter, m uint) []byte {
	out := make([]byte, (m+7)/8)
	for i, w := range f.BitSet().Words() {
		var buf [8]byte
		binary.LittleEndian.PutUint64(buf[:], w)
		copy(out[i*8:], buf[:])
	}
	return out
}

// Positions returns the sorted bit positions to store for value, under the
// primary key (PostgreSQL: an integer array with a GIN index).
func (b *Bloom) Positions(prf PRF, value string) ([]int32, error) {
	if err := checkPRF(prf, b.cfg.Name); err != nil {
		return nil, err
	}
	return b.valuePositions(prf, prf.Primary(), value)
}

// valuePositions are the set bits of value's filter (valueFilter),
// computed without building the M-bit filter: each gram's MAC sets the
// bits bloom.Locations gives, modulo M, as BloomFilter.Add does.
func (b *Bloom) valuePositions(prf PRF, keyID uint32, value string) ([]int32, error) {
	r, err := b.normalize(value)
	if err != nil {
		return nil, err
	}
	grams, err := b.valueGrams(r)
	if err != nil {
		return nil, err
	}
	pool, err := b.macs.pool(prf, keyID)
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", b.cfg.Name, err)
	}
	st := pool.Get().(*macState)
	defer pool.Put(st)
	m, k := uint64(max(1, b.cfg.M)), max(1, b.cfg.K)
	out := make([]int32, 0, len(grams)*int(k))
	for _, g := range grams {
		st.msg = append(st.msg[:0], g...)
		st.sum()
		for _, l := range bloom.Locations(st.mac, k) {
			out = append(out, int32(l%m))
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Bytes returns the same filter as M/8 bytes, bit i in byte i/8 at weight
// 1<<(i%8).
func (b *Bloom) Bytes(prf PRF, value string) ([]byte, error) {
	if err := checkPRF(prf, b.cfg.Name); err != nil {
		return nil, err
	}
	f, err := b.valueFilter(prf, prf.Primary(), value)
	if err != nil {
		return nil, err
	}
	return filterBytes(f, b.cfg.M), nil
}

// PositionsFor returns the positions of value under a given key id, for
// rotation backfills.
func (b *Bloom) PositionsFor(prf PRF, keyID uint32, value string) ([]int32, error) {
	return b.valuePositions(prf, keyID, value)
}

func (b *Bloom) valueFilter(prf PRF, keyID uint32, value string) (*bloom.BloomFilter, error) {
	r, err := b.normalize(value)
	if err != nil {
		return nil, err
	}
	grams, err := b.valueGrams(r)
	if err != nil {
		return nil, err
	}
	return b.filter(prf, keyID, grams)
}

// Needle returns, for each enabled key (primary first), the bit positions
// a row must hold to possibly match the prefix or substring needle. A row
// matches if it holds every position of any one set. Needles shorter than
// MinGram fail with ErrNeedleTooShort; a match is a candidate to decrypt
// and compare, never an answer by itself.
func (b *Bloom) Needle(prf PRF, needle string) ([][]int32, error) {
	if err := checkPRF(prf, b.cfg.Name); err != nil {
		return nil, err
	}
	r, err := b.normalize(needle)
	if err != nil {
		return nil, err
	}
	grams, err := b.needleGrams(r)
	if err != nil {
		return nil, err
	}
	var out [][]int32
	for _, id := range prf.KeyIDs() {
		f, err := b.filter(prf, id, grams)
		if err != nil {
			return nil, err
		}
		out = append(out, positions(f))
	}
	return out, nil
}
