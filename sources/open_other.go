//go:build !unix

package sources

import "os"

// openFile opens a file to read.
func openFile(p string) (*os.File, error) { return os.Open(p) }
