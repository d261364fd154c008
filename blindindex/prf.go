package blindindex

// PRF is a keyset of HMAC-SHA256 keys identified by key id, as
// cipher.Keyring.IndexKeys returns it. Implementations must be safe for
// concurrent use, and comparable with ==: an index caches the keys it
// derives per PRF value and finds them again by comparing PRF values, so a
// key rotation or cache refresh must hand out a new value (a pointer is the
// usual choice). A PRF whose dynamic type is not comparable (a struct
// holding a map or slice, say) is refused with ErrBadConfig.
type PRF interface {
	// Primary is the id of the key new tokens are written with.
	Primary() uint32
	// KeyIDs lists the enabled key ids, primary first. More than one means
	// an index-key rotation is under way: queries ask for every version.
	KeyIDs() []uint32
	// Sum appends HMAC-SHA256(key id, msg) to dst.
	Sum(keyID uint32, dst, msg []byte) ([]byte, error)
}
