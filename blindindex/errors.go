package blindindex

import "errors"

// Errors; match them with errors.Is. None of them carries the value.
var (
	// ErrInvalidUTF8: the value is not valid UTF-8.
	ErrInvalidUTF8 = errors.New("value is not valid UTF-8")
	// ErrEmptyValue: the value is empty after normalization (store NULL and
	// no token instead).
	ErrEmptyValue = errors.New("value is empty after normalization")
	// ErrValueTooLong: the value is longer than the index's maximum.
	ErrValueTooLong = errors.New("value longer than the index allows")
	// ErrBadConfig: an index, transform or Bloom configuration is invalid.
	ErrBadConfig = errors.New("invalid index configuration")
	// ErrBadTransformInput: a transform cannot apply to the value (a date
	// part of something that is not a date).
	ErrBadTransformInput = errors.New("value does not fit the transform")
	// ErrNeedleTooShort: a prefix or substring needle is shorter than the
	// smallest n-gram; it would match everything.
	ErrNeedleTooShort = errors.New("search text shorter than the index's minimum")
	// ErrSaturated: the Bloom filter would be too full to filter anything.
	ErrSaturated = errors.New("Bloom filter configuration saturates")
	// ErrLowEntropy: a standalone equality index on a field with under 8
	// bits of entropy; it would reveal the value. Make it compound or force it.
	ErrLowEntropy = errors.New("field has too little entropy for a standalone index")
	// ErrRevealsEquality: an index, or the indexes of one field together,
	// would give (nearly) every value its own token or token set, so the
	// tokens reveal which rows hold equal values: bits above the planner's
	// bound for the field's distinct values, a prefix gram long enough to
	// identify whole values, or a substring index. Lower the bits or the
	// gram length, or accept it explicitly (force, reveals: equality).
	ErrRevealsEquality = errors.New("index reveals which rows hold equal values")
	// ErrUnknownKey: the PRF has no key with the requested id.
	ErrUnknownKey = errors.New("index key id not in the keyset")
)
