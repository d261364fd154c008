// Package local is a key-encryption key kept in a file on local disk.
//
// It is for development and tests only: the key sits beside the data it
// protects, so anyone who can read both can read the data. Use AWS KMS or
// Vault in production. The file holds a cleartext Tink JSON keyset with
// AES-256-GCM keys (see docs/FORMAT.md); it must be readable by its owner
// alone (mode 0600 or stricter) and is refused otherwise.
//
// URI form: local:PATH, for example local:./phicrypt.key.
package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// Scheme is the URI scheme of local key files.
const Scheme = "local"

func init() {
	keyprovider.Register(Scheme, func(_ context.Context, uri string, _ keyprovider.Options) (keyprovider.KEK, error) {
		path, err := PathFromURI(uri)
		if err != nil {
			return nil, err
		}
		return Open(path)
	})
}

// KEK is a key-encryption key loaded from a local key file.
type KEK struct {
	path string
	aead tink.AEAD
}

// PathFromURI returns the file path of a local:PATH URI.
func PathFromURI(uri string) (string, error) {
	path, ok := strings.CutPrefix(uri, Scheme+":")
	path = strings.TrimPrefix(path, "//")
	if !ok || path == "" {
		return "", &keyprovider.Error{Provider: Scheme, KeyID: uri, Op: "open", Kind: keyprovider.ErrBadURI,
			Err: errors.New("want local:PATH")}
	}
	return path, nil
}

// URI returns the local:PATH URI of a key file path.
func URI(path string) string { return Scheme + ":" + path }

// Create writes a new key file at path with mode 0600. It refuses to
// overwrite an existing file.
func Create(path string) error {
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return fileErr(path, "create", err)
	}
	var buf bytes.Buffer
	if err := insecurecleartextkeyset.Write(h, keyset.NewJSONWriter(&buf)); err != nil {
		return fileErr(path, "create", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fileErr(path, "create", err)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		os.Remove(path)
		return fileErr(path, "create", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fileErr(path, "create", err)
	}
	return nil
}

// Open loads the key file at path.
func Open(path string) (*KEK, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fileErr(path, "open", fmt.Errorf("no key file (create one with `phicrypt keys new-local`): %w", fs.ErrNotExist))
		}
		return nil, fileErr(path, "open", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fileErr(path, "open", errors.New("not a regular file"))
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fileErr(path, "open", fmt.Errorf("mode %04o lets group or others read it; chmod 600 it", perm))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fileErr(path, "open", err)
	}
	h, err := insecurecleartextkeyset.Read(keyset.NewJSONReader(bytes.NewReader(data)))
	if err != nil {
		return nil, fileErr(path, "open", errors.New("not a Tink JSON keyset"))
	}
	a, err := aead.New(h)
	if err != nil {
		return nil, fileErr(path, "open", errors.New("keyset holds no AEAD key"))
	}
	return &KEK{path: path, aead: a}, nil
}

func fileErr(path, op string, err error) error {
	return &keyprovider.Error{Provider: Scheme, KeyID: path, Op: op, Kind: keyprovider.ErrInvalidKeyFile, Err: err}
}

// Wrap encrypts plaintext under the file's primary key.
func (k *KEK) Wrap(ctx context.Context, plaintext, associatedData []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, &keyprovider.Error{Provider: Scheme, KeyID: k.path, Op: "wrap", Kind: keyprovider.ErrUnavailable, Err: err}
	}
	ct, err := k.aead.Encrypt(plaintext, associatedData)
	if err != nil {
		return nil, &keyprovider.Error{Provider: Scheme, KeyID: k.path, Op: "wrap", Kind: keyprovider.ErrWrongKey, Err: err}
	}
	return ct, nil
}

// Unwrap decrypts what Wrap produced, with any key of the file.
func (k *KEK) Unwrap(ctx context.Context, wrapped, associatedData []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, &keyprovider.Error{Provider: Scheme, KeyID: k.path, Op: "unwrap", Kind: keyprovider.ErrUnavailable, Err: err}
	}
	pt, err := k.aead.Decrypt(wrapped, associatedData)
	if err != nil {
		// Tink's message is generic; it carries no key material.
		return nil, &keyprovider.Error{Provider: Scheme, KeyID: k.path, Op: "unwrap", Kind: keyprovider.ErrWrongKey}
	}
	return pt, nil
}

// URI returns local:PATH.
func (k *KEK) URI() string { return URI(k.path) }
