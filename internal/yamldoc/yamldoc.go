// Package yamldoc decodes one strict YAML document, the way phicrypt's
// configuration files (schemas, export profiles) are read.
package yamldoc

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/goccy/go-yaml"
)

// Decode decodes data into v strictly: an unknown or repeated key is an
// error, and so is a second document (whatever it says would be ignored).
// A panic of the YAML library is returned as an error: a malformed file
// must not take a service down.
func Decode(data []byte, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("YAML decoder failed: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data), yaml.Strict())
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	var more any
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return errors.New("more than one YAML document (remove the second ---)")
	}
	return nil
}
