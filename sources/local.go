package sources

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing/fstest"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultDebounce is how long a local Watch waits for a burst of writes to
// settle before it signals.
const DefaultDebounce = 500 * time.Millisecond

// Local is a configuration in a folder on disk.
type Local struct {
	// Dir is the folder; its `.cue` files are the configuration, as the
	// loader reads them. A `.cue` file in a subfolder (but hidden ones and
	// cue.mod) is an error, and so is a link to a file outside the folder.
	Dir string
	// Debounce is how long Watch waits after the last write of a burst
	// before it signals; 0 means DefaultDebounce.
	Debounce time.Duration

	mu   sync.Mutex // guards last
	last *Snapshot
}

// NewLocal returns the source for a folder.
func NewLocal(dir string) *Local { return &Local{Dir: dir} }

func (l *Local) String() string { return l.Dir }

// Snapshot reads the folder's configuration files into memory. The
// revision follows the files' names and contents, not their modification
// times.
func (l *Local) Snapshot(context.Context) (*Snapshot, error) {
	files, err := readFolder(l.Dir)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		return l.last, fmt.Errorf("read configuration folder %s: %w", l.Dir, err)
	}
	origin := l.Dir
	if abs, err := filepath.Abs(l.Dir); err == nil {
		origin = abs
	}
	l.last = &Snapshot{Revision: contentRevision(files), FS: files, Origin: origin}
	return l.last, nil
}

// readFolder reads the configuration files at the root of dir. A file
// that disappears while the folder is read (an editor replacing it) makes
// it read the folder again, a few times at most.
func readFolder(dir string) (fstest.MapFS, error) {
	var err error
	for range 3 {
		var files fstest.MapFS
		var vanished bool
		files, vanished, err = readFolderOnce(dir)
		if err == nil {
			return files, nil
		}
		if !vanished {
			break
		}
	}
	return nil, err
}

func readFolderOnce(dir string) (files fstest.MapFS, vanished bool, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, false, err
	}
	files = fstest.MapFS{}
	var total int64
	var nested []string
	for _, e := range entries {
		if e.IsDir() {
			if !skipFolder(e.Name()) {
				nested = append(nested, subfolderFiles(dir, e.Name())...)
			}
			continue
		}
		if !isConfigFile(e.Name()) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		var size int64
		if e.Type()&fs.ModeSymlink != 0 {
			// A link is followed to a regular file inside the folder;
			// a link to a folder or a socket is not configuration.
			fi, err := linkInside(dir, e.Name())
			if err != nil {
				return nil, errors.Is(err, errVanished), err
			}
			if !fi.Mode().IsRegular() {
				continue
			}
			size = fi.Size()
		} else {
			fi, err := e.Info()
			if err != nil {
				return nil, errors.Is(err, fs.ErrNotExist), err
			}
			if !fi.Mode().IsRegular() {
				continue
			}
			size = fi.Size()
		}
		if total += size; total > MaxSnapshotBytes {
			return nil, false, errTooLarge(total, len(files)+1)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, errors.Is(err, fs.ErrNotExist), err
		}
		files[e.Name()] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	if len(nested) > 0 {
		return nil, false, errSubfolderFiles(nested)
	}
	return files, false, nil
}

// errVanished marks a file that disappeared while the folder was read.
var errVanished = errors.New("vanished")

// linkInside resolves the link dir/name and returns what it points at, or
// an error naming the link when that is outside dir: a configuration is
// what its folder holds, not whatever a link in it reaches (/etc/…).
func linkInside(dir, name string) (fs.FileInfo, error) {
	target, err := filepath.EvalSymlinks(filepath.Join(dir, name))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s is a link to a file that does not exist", name)
		}
		return nil, err
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, err
	}
	if rel, err := filepath.Rel(root, target); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, fmt.Errorf("%s links to %s, outside the configuration folder: links are followed only to files inside it; copy the file into the folder instead", name, target)
	}
	fi, err := os.Stat(target)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", name, errVanished)
	}
	return fi, err
}

// subfolderFiles lists the configuration files below dir/sub, as paths
// relative to dir, leaving out hidden folders and cue.mod. Links to folders
// are not followed.
func subfolderFiles(dir, sub string) []string {
	var names []string
	_ = filepath.WalkDir(filepath.Join(dir, sub), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // a folder that vanished or cannot be read
		}
		if d.IsDir() {
			if skipFolder(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if isConfigFile(d.Name()) && !editorTemp(d.Name()) {
			rel, _ := filepath.Rel(dir, p)
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	return names
}

// editorTemp reports whether a file is one of the temporary, backup or
// lock files editors write beside the file being edited.
func editorTemp(name string) bool {
	base := filepath.Base(name)
	switch {
	case base == "4913", // vim's probe whether the folder is writable
		strings.HasPrefix(base, ".#"),                                                                     // emacs lock
		strings.HasPrefix(base, "#") && strings.HasSuffix(base, "#"),                                      // emacs autosave
		strings.HasSuffix(base, "~"),                                                                      // backups
		strings.HasSuffix(base, ".swp"), strings.HasSuffix(base, ".swo"), strings.HasSuffix(base, ".swx"), // vim swap
		strings.HasSuffix(base, ".tmp"), strings.Contains(base, ".tmp."), // atomic-save temporaries
		strings.HasSuffix(base, "___jb_tmp___"), strings.HasSuffix(base, "___jb_old___"): // JetBrains
		return true
	}
	return false
}

// Watch watches the folder and every folder below it (folders created
// later too; hidden folders such as .git are left out) and signals changed
// once a burst of changes to `.cue` files has been quiet for Debounce.
// Editors' temporary files, `_tool.cue` files and changes of permissions or
// times alone never signal.
func (l *Local) Watch(ctx context.Context, changed chan<- struct{}) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch configuration folder %s: %w", l.Dir, err)
	}
	defer w.Close()
	if _, err := watchTree(w, l.Dir); err != nil {
		return fmt.Errorf("watch configuration folder %s: %w", l.Dir, err)
	}
	debounce := l.Debounce
	if debounce <= 0 {
		debounce = DefaultDebounce
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if relevant(w, ev) {
				timer.Reset(debounce)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Events were lost: assume one of them mattered.
				timer.Reset(debounce)
				continue
			}
			return fmt.Errorf("watch configuration folder %s: %w", l.Dir, err)
		case <-timer.C:
			select {
			case changed <- struct{}{}:
			case <-ctx.Done():
				return nil
			}
		}
	}
}

// relevant reports whether an event may change the configuration, and
// starts watching folders that were created.
func relevant(w *fsnotify.Watcher, ev fsnotify.Event) bool {
	if ev.Op == fsnotify.Chmod {
		return false // permissions or times: contents are unchanged
	}
	if ev.Has(fsnotify.Create) {
		if fi, err := os.Lstat(ev.Name); err == nil && fi.IsDir() {
			if hiddenDir(ev.Name) {
				return false
			}
			// Files written into the folder before its watch began
			// produced no event of their own.
			found, _ := watchTree(w, ev.Name)
			return found
		}
	}
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		if slices.Contains(w.WatchList(), ev.Name) {
			// A watched folder went away, perhaps with .cue files.
			_ = w.Remove(ev.Name)
			return true
		}
	}
	return !editorTemp(ev.Name) && isConfigFile(ev.Name)
}

func hiddenDir(p string) bool { return strings.HasPrefix(filepath.Base(p), ".") }

// watchTree adds root and the folders below it to w, and reports whether
// it saw a configuration file there.
func watchTree(w *fsnotify.Watcher, root string) (found bool, err error) {
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil // a folder that vanished or cannot be read
		}
		if !d.IsDir() {
			found = found || isConfigFile(d.Name()) && !editorTemp(d.Name())
			return nil
		}
		if p != root && hiddenDir(p) {
			return filepath.SkipDir
		}
		if err := w.Add(p); err != nil {
			if p == root {
				return err
			}
			if errors.Is(err, fs.ErrNotExist) {
				return filepath.SkipDir
			}
			return fmt.Errorf("watch %s: %w", p, err)
		}
		return nil
	})
	return found, err
}
