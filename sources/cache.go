package sources

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/helper/chroot"
	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// The git cache is private to its user: folders 0700, files 0600. It holds
// no credentials, but the repositories it mirrors may be private.
const (
	privateDirMode  = 0o700
	privateFileMode = 0o600
)

// privateStorage is go-git's storage of a bare repository in dir, writing
// every folder and file private (go-git itself writes 0755 and 0644).
func privateStorage(dir string) *filesystem.Storage {
	return filesystem.NewStorage(chroot.New(&privateOS{}, dir), cache.NewObjectLRUDefault())
}

// openCache opens the bare repository of a cache folder, first making a
// cache left by an earlier curator private.
func openCache(dir string) (*git.Repository, error) {
	if err := makePrivate(dir); err != nil {
		return nil, err
	}
	return git.Open(privateStorage(dir), nil)
}

// makePrivate takes group and other permissions away from dir and
// everything in it, when dir has any.
func makePrivate(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 == 0 {
		return nil
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			return nil
		case d.IsDir():
			return os.Chmod(p, privateDirMode)
		}
		return os.Chmod(p, privateFileMode)
	})
}

// privateCacheRoot creates the folder that holds the caches, private, and
// makes it private if an earlier curator made it readable by others.
func privateCacheRoot(root string) error {
	if err := os.MkdirAll(root, privateDirMode); err != nil {
		return fmt.Errorf("create git cache %s: %w", root, err)
	}
	fi, err := os.Stat(root)
	if err != nil {
		return fmt.Errorf("create git cache %s: %w", root, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(root, privateDirMode); err != nil {
			return fmt.Errorf("make git cache %s private: %w", root, err)
		}
	}
	return nil
}

// privateOS is the operating system's file system with private modes for
// what it creates.
type privateOS struct{ osfs.ChrootOS }

func (o *privateOS) Create(name string) (billy.File, error) {
	return o.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, privateFileMode)
}

func (o *privateOS) OpenFile(name string, flag int, perm os.FileMode) (billy.File, error) {
	if flag&os.O_CREATE != 0 {
		if err := os.MkdirAll(filepath.Dir(name), privateDirMode); err != nil {
			return nil, err
		}
	}
	return o.ChrootOS.OpenFile(name, flag, perm&privateFileMode)
}

func (o *privateOS) MkdirAll(name string, _ os.FileMode) error {
	return os.MkdirAll(name, privateDirMode)
}

func (o *privateOS) TempFile(dir, prefix string) (billy.File, error) {
	if dir != "" {
		if err := os.MkdirAll(dir, privateDirMode); err != nil {
			return nil, err
		}
	}
	return o.ChrootOS.TempFile(dir, prefix) // os.CreateTemp: 0600
}

// Chmod keeps what go-git makes read-only (pack files: 0444) private.
func (o *privateOS) Chmod(name string, mode os.FileMode) error {
	return os.Chmod(name, mode&^0o077)
}
