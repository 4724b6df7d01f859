package sources

import (
	"path/filepath"
	"sync"
)

// cacheLocks serialises, within this process, the sources that share a
// cache folder: go-git does not make one repository safe to fetch into
// from several goroutines.
var cacheLocks sync.Map // folder → *sync.Mutex

// lockCache locks a repository's cache folder within the process and
// across processes.
func lockCache(dir string) (unlock func(), err error) {
	mu, _ := cacheLocks.LoadOrStore(dir, new(sync.Mutex))
	mu.(*sync.Mutex).Lock()
	if err := privateCacheRoot(filepath.Dir(dir)); err != nil {
		mu.(*sync.Mutex).Unlock()
		return nil, err
	}
	unlockFile, err := lockFile(dir)
	if err != nil {
		mu.(*sync.Mutex).Unlock()
		return nil, err
	}
	return func() {
		unlockFile()
		mu.(*sync.Mutex).Unlock()
	}, nil
}
