//go:build unix

package sources

import (
	"os"
	"syscall"
)

// openFile opens a file to read without following a link at its last
// component and without waiting: a named pipe swapped in for a file opens
// at once (and is then refused by its type) instead of blocking until a
// writer comes.
func openFile(p string) (*os.File, error) {
	return os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
}
