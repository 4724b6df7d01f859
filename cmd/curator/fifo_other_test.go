//go:build !unix

package main

import "testing"

// mkfifo skips: named pipes in a folder are a Unix thing.
func mkfifo(t *testing.T, path string) {
	t.Skip("no named pipes on this system")
}
