// Package testenv holds what the project's tests share about their
// environment: where the CI scripts that install test tools live, and a
// cache folder of a test process's own. It is used by tests and by the
// helpers that start test servers; production code never imports it.
package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// CIScript is the path of .ci/<name> in the module's root, found above the
// working folder (a test's working folder is its package's).
func CIScript(name string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, ".ci", name), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working folder: cannot find .ci/%s", name)
		}
		dir = parent
	}
}

// RunWithOwnCache runs the tests with XDG_CACHE_HOME set to a folder of
// their own (inherited by the processes they start), removed afterwards: an
// azure target's apply lock, the configuration cache and the git cache live
// in the user's cache folder, shared by every curator on the machine, so
// tests of two packages running at once — or a developer's own curator —
// would otherwise wait on each other's lock. Tools the tests install once
// (Azurite) stay in the real cache, named by CURATOR_TOOLS_CACHE.
func RunWithOwnCache(m *testing.M) int {
	dir, err := os.MkdirTemp("", "curator-test-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if real, err := os.UserCacheDir(); err == nil && os.Getenv("CURATOR_TOOLS_CACHE") == "" {
		os.Setenv("CURATOR_TOOLS_CACHE", real)
	}
	os.Setenv("XDG_CACHE_HOME", dir)
	return m.Run()
}
