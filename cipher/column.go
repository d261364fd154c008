package cipher

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"unsafe"
)

// ColumnOption configures a Column.
type ColumnOption func(*Column)

// WithScope sets the key scope; the default is DefaultScope(table,
// column). Columns that share a scope share a keyset.
func WithScope(scope string) ColumnOption { return func(c *Column) { c.scope = scope } }

// WithPadding pads every encoded value to a multiple of bucket bytes, so
// ciphertext lengths reveal only the bucket. 0 or 1 disables padding.
func WithPadding(bucket int) ColumnOption { return func(c *Column) { c.pad = bucket } }

// WithMaxLength refuses strings and byte slices longer than n bytes.
func WithMaxLength(n int) ColumnOption { return func(c *Column) { c.maxLen = n } }

// Column seals and opens the values of one protected column. It is safe
// for concurrent use.
type Column struct {
	ring          *Keyring
	table, column string
	scope         string
	pad, maxLen   int
	ad            []byte // associated data without row binding
	place         uint32
	keys          keyCache
	// pub and priv are the write-only sealing keysets (writeonly.go).
	pub, priv keyCache
}

// DefaultScope returns the key scope of table.column when none is given:
// "table.column" when neither name holds a '.' or a '"' (every SQL
// identifier the schema accepts), otherwise both names quoted as Go
// strings, so that distinct columns never share a default scope
// ("a.b"."c" and "a"."b.c").
func DefaultScope(table, column string) string {
	if strings.ContainsAny(table, `."`) || strings.ContainsAny(column, `."`) {
		return strconv.Quote(table) + "." + strconv.Quote(column)
	}
	return table + "." + column
}

// Column returns the sealer for table.column. It does no I/O: keys are
// loaded on the first Seal or Open; the keyset must have been created
// (Keyring.CreateKeyset) before.
func (r *Keyring) Column(table, column string, opts ...ColumnOption) (*Column, error) {
	c := &Column{ring: r, table: table, column: column, scope: DefaultScope(table, column)}
	for _, o := range opts {
		o(c)
	}
	switch {
	case table == "" || column == "":
		return nil, fmt.Errorf("phicrypt: column needs a table and column name, got %q.%q", table, column)
	case len(table) > 0xffff || len(column) > 0xffff || len(c.scope) > 0xffff || c.scope == "":
		return nil, fmt.Errorf("phicrypt: table, column or scope name too long for %q.%q", table, column)
	case c.pad < 0 || c.pad > 1<<16:
		return nil, fmt.Errorf("phicrypt: column %s.%s: padding bucket %d out of range 0..65536", table, column, c.pad)
	case c.maxLen < 0:
		return nil, fmt.Errorf("phicrypt: column %s.%s: negative maximum length", table, column)
	}
	c.keys = keyCache{ring: r, scope: c.scope, purpose: PurposeValue}
	c.pub = keyCache{ring: r, scope: c.scope, purpose: PurposeSealPublic}
	c.priv = keyCache{ring: r, scope: c.scope, purpose: PurposeSealPrivate}
	c.ad = appendAD(nil, table, column, nil)
	c.place = placeCheck(c.ad)
	return c, nil
}

// Table returns the column's table name.
func (c *Column) Table() string { return c.table }

// Name returns the column name.
func (c *Column) Name() string { return c.column }

// Scope returns the key scope.
func (c *Column) Scope() string { return c.scope }

func (c *Column) fail(op string, err error) error {
	return &Error{Op: op, Table: c.table, Column: c.column, Err: err}
}

func (c *Column) adFor(row []byte) ([]byte, uint32) {
	if row == nil {
		return c.ad, c.place
	}
	ad := make([]byte, 0, len(c.ad)+4+len(row))
	ad = append(ad, c.ad[:len(c.ad)-1]...)
	ad = append(ad, 1)
	ad = binary.BigEndian.AppendUint32(ad, uint32(len(row)))
	ad = append(ad, row...)
	return ad, placeCheck(ad)
}

// Seal encrypts v, bound to this column and, when row is non-nil, to the
// row-binding value row (an empty non-nil row is a binding too). v must be a
// string, []byte, int64, float64, bool, Date or time.Time.
func (c *Column) Seal(ctx context.Context, v any, row []byte) ([]byte, error) {
	if c.ring == nil {
		return nil, c.fail("seal", errNoKeyring)
	}
	n, err := encodedLen(v)
	if err != nil {
		return nil, c.fail("seal", err)
	}
	if c.maxLen > 0 && n-1 > c.maxLen {
		switch v.(type) {
		case string, []byte:
			return nil, c.fail("seal", fmt.Errorf("%w: %d bytes, maximum %d", ErrValueTooLong, n-1, c.maxLen))
		}
	}
	if !c.ring.Allows(c.scope, PermEncrypt) {
		return nil, c.fail("seal", c.ring.notPermitted(c.scope, PermEncrypt))
	}
	if !c.ring.Allows(c.scope, PermDecrypt) {
		// The keyring may seal but not open: it holds the public keyset
		// only, and seals write-only.
		return c.sealWriteOnly(ctx, v, n, row)
	}
	k, err := c.keys.get(ctx)
	if err != nil {
		return nil, c.fail("seal", err)
	}
	ad, place := c.adFor(row)
	total := paddedLen(n, c.pad)
	start := prefixLen + nonceLen
	out := make([]byte, start+total, start+total+tagLen)
	out[0] = FormatVersion
	binary.BigEndian.PutUint32(out[1:], place)
	out[headerLen] = tinkPrefix
	binary.BigEndian.PutUint32(out[headerLen+1:], k.primaryID)
	nonce := out[prefixLen:start]
	rand.Read(nonce)
	pt := out[start:]
	if err := encodeValue(pt, v, n); err != nil {
		return nil, c.fail("seal", err)
	}
	// pt and the sealed output start at the same byte: an exact overlap,
	// which GCM permits.
	return k.primary.Seal(out[:start], nonce, pt, ad), nil
}

// LoadKeys loads, without sealing or opening anything, the keyset that Seal
// (want PermEncrypt) or Open of a version-1 value (want PermDecrypt) uses
// under the keyring's grant: the value keyset, or for a keyring that may
// seal but not open, the public sealing keyset. The private sealing keyset
// is loaded only when a write-only value is opened. A caller loads keys
// before a statement whose rows it cannot stop to read the keyset store.
// A grant without want is ErrNotPermitted; nothing is unwrapped then.
func (c *Column) LoadKeys(ctx context.Context, want Permission) error {
	if c.ring == nil {
		return c.fail("load keys", errNoKeyring)
	}
	if want != PermEncrypt && want != PermDecrypt {
		return c.fail("load keys", fmt.Errorf("LoadKeys takes PermEncrypt or PermDecrypt, not %s", want))
	}
	if !c.ring.Allows(c.scope, want) {
		return c.fail("load keys", c.ring.notPermitted(c.scope, want))
	}
	k := &c.keys
	if want == PermEncrypt && !c.ring.Allows(c.scope, PermDecrypt) {
		k = &c.pub
	}
	if _, err := k.get(ctx); err != nil {
		return c.fail("load keys", err)
	}
	return nil
}

// Open decrypts a ciphertext of this column (and row, as given to Seal)
// and returns the value with the Go type it was sealed with.
func (c *Column) Open(ctx context.Context, ct []byte, row []byte) (any, error) {
	if c.ring == nil {
		return nil, c.fail("open", errNoKeyring)
	}
	if !c.ring.Allows(c.scope, PermDecrypt) {
		return nil, c.fail("open", c.ring.notPermitted(c.scope, PermDecrypt))
	}
	if len(ct) >= 1 && ct[0] == FormatWriteOnly {
		return c.openWriteOnly(ctx, ct, row)
	}
	if len(ct) >= 1 && ct[0] != FormatVersion {
		return nil, c.fail("open", fmt.Errorf("%w: %#x", ErrUnsupportedVersion, ct[0]))
	}
	if len(ct) < minCTLength {
		return nil, c.fail("open", fmt.Errorf("%w: %d bytes, at least %d", ErrTruncated, len(ct), minCTLength))
	}
	ad, place := c.adFor(row)
	if binary.BigEndian.Uint32(ct[1:]) != place {
		return nil, c.fail("open", ErrMisplaced)
	}
	if ct[headerLen] != tinkPrefix {
		return nil, c.fail("open", ErrTampered)
	}
	id := binary.BigEndian.Uint32(ct[headerLen+1:])
	k, err := c.keys.get(ctx)
	if err != nil {
		return nil, c.fail("open", err)
	}
	g := k.byID[id]
	if g == nil {
		// Another process may have rotated the keyset since we loaded it.
		k, ok, err := c.ring.refreshFor(ctx, &c.keys, id)
		if err != nil {
			return nil, c.fail("open", err)
		}
		if !ok {
			return nil, c.fail("open", fmt.Errorf("%w: %d", ErrUnknownKey, id))
		}
		g = k.byID[id]
	}
	start := prefixLen + nonceLen
	pt, err := g.Open(make([]byte, 0, len(ct)-start-tagLen), ct[prefixLen:start], ct[start:], ad)
	if err != nil {
		return nil, c.fail("open", ErrTampered)
	}
	if len(pt) > 0 && pt[0] == tagString && len(pt) > 1 {
		// pt is ours alone: the string may share its memory.
		return unsafe.String(&pt[1], len(pt)-1), nil
	}
	v, err := decodeValue(pt)
	if err != nil {
		return nil, c.fail("open", err)
	}
	return v, nil
}
