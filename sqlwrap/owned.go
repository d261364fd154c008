package sqlwrap

import (
	"database/sql"

	"github.com/phicrypt/phicrypt/cipher"
)

// OpenOwned is Open for a *sql.DB the returned DB takes over: its Close
// closes db as well. On error db is left open for the caller to close.
func OpenOwned(db *sql.DB, dialectName string, schema *Schema, ring *cipher.Keyring) (*DB, error) {
	w, err := Open(db, dialectName, schema, ring)
	if err != nil {
		return nil, err
	}
	w.owned = true
	return w, nil
}
