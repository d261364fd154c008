package linkage

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
)

// Key file types.
const (
	KeyFileEvaluator = "phicrypt-linkage-evaluator-key"
	KeyFileNetwork   = "phicrypt-linkage-network-key"
)

// keyFile is the JSON form of a key file:
//
//	{"type": "phicrypt-linkage-evaluator-key", "suite": "ristretto255-SHA512", "key": "<base64>"}
//	{"type": "phicrypt-linkage-network-key", "key": "<base64>"}
type keyFile struct {
	Type  string `json:"type"`
	Suite string `json:"suite,omitempty"`
	Key   []byte `json:"key"`
}

// WriteNewKeyFile creates path (mode 0600; an existing file is an error)
// holding a new random key of the given type: an evaluator key
// (KeyFileEvaluator) or a network key (KeyFileNetwork).
func WriteNewKeyFile(path, typ string) error {
	kf := keyFile{Type: typ}
	switch typ {
	case KeyFileEvaluator:
		k, err := GenerateEvaluatorKey()
		if err != nil {
			return err
		}
		kf.Suite, kf.Key = SuiteID, k
	case KeyFileNetwork:
		kf.Key = make([]byte, KeySize)
		if _, err := rand.Read(kf.Key); err != nil {
			return errorf("network key: %w", err)
		}
	default:
		return errorf("key file type %q: %w", typ, ErrBadConfig)
	}
	data, err := json.Marshal(kf)
	if err != nil {
		return errorf("key file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return errorf("key file %s exists; keys are never overwritten: %w", path, ErrBadKey)
		}
		return errorf("key file: %w", err)
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		os.Remove(path)
		return errorf("key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return errorf("key file: %w", err)
	}
	return f.Close()
}

// ReadKeyFile returns the key of a key file of the given type. A file
// that others than its owner may read is refused.
func ReadKeyFile(path, typ string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, errorf("key file: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, errorf("key file %s is readable by others (mode %04o); chmod 600 it: %w", path, st.Mode().Perm(), ErrBadKey)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errorf("key file: %w", err)
	}
	var kf keyFile
	if err := json.Unmarshal(data, &kf); err != nil || kf.Type != typ {
		return nil, errorf("%s is not a %s file: %w", path, typ, ErrBadKey)
	}
	if typ == KeyFileEvaluator && kf.Suite != SuiteID {
		return nil, errorf("%s: suite %q, want %s: %w", path, kf.Suite, SuiteID, ErrBadKey)
	}
	if len(kf.Key) != KeySize {
		return nil, errorf("%s: the key is not %d bytes: %w", path, KeySize, ErrBadKey)
	}
	return kf.Key, nil
}
