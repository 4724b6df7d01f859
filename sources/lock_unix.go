//go:build unix

package sources

import (
	"fmt"
	"os"
	"syscall"
)

// lockFile holds an exclusive lock on path+".lock" across processes, so
// that two curator processes never fetch into the same cache at once.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, privateFileMode)
	if err != nil {
		return nil, fmt.Errorf("lock git cache %s: %w", path, err)
	}
	if err := f.Chmod(privateFileMode); err != nil { // as an earlier curator left it
		f.Close()
		return nil, fmt.Errorf("lock git cache %s: %w", path, err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock git cache %s: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
