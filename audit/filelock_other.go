//go:build !unix

package audit

import "os"

// lockFile does nothing where flock(2) is missing: there, keep to one
// writer per log by other means.
func lockFile(*os.File) error { return nil }
