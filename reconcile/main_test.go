package reconcile_test

import (
	"fmt"
	"os"
	"testing"
)

// TestMain gives the package's tests a cache folder of their own: the apply
// lock of an azure target (and the configuration and git caches) live in
// the user's cache folder, shared by every curator on the machine, so tests
// of two packages running at once — or a developer's own curator — would
// otherwise wait on each other's lock.
func TestMain(m *testing.M) {
	os.Exit(withOwnCache(m))
}

func withOwnCache(m *testing.M) int {
	dir, err := os.MkdirTemp("", "curator-test-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// Tools the tests install (Azurite) stay in the real cache, installed once.
	if real, err := os.UserCacheDir(); err == nil && os.Getenv("CURATOR_TOOLS_CACHE") == "" {
		os.Setenv("CURATOR_TOOLS_CACHE", real)
	}
	os.Setenv("XDG_CACHE_HOME", dir)
	return m.Run()
}
