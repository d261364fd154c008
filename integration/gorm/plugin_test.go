package phigorm_test

import (
	"testing"

	"github.com/phicrypt/phicrypt/integration/gorm/internal/gormsuite"
)

func TestIssue9_Plugin_GORMSQLite(t *testing.T) {
	gormsuite.RunNative(t, openSQLite(t))
}
