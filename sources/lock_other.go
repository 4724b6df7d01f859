//go:build !unix

package sources

// lockFile has no cross-process lock where flock is missing: processes
// that share a cache there are serialised only within themselves.
func lockFile(string) (unlock func(), err error) { return func() {}, nil }
