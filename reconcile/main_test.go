package reconcile_test

import (
	"os"
	"testing"

	"github.com/curator-dev/curator/internal/testenv"
)

// TestMain gives the package's tests a cache folder of their own (see
// testenv.RunWithOwnCache).
func TestMain(m *testing.M) {
	os.Exit(testenv.RunWithOwnCache(m))
}
