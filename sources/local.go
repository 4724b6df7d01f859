package sources

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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
	// RewatchInterval is how often Watch checks that the folder it
	// watches is still the one at Dir, and whether a removed one is back;
	// 0 means DefaultRewatchInterval.
	RewatchInterval time.Duration
	// Logger is told when Watch loses the folder and watches it again;
	// nil logs nothing.
	Logger *slog.Logger

	mu       sync.Mutex // guards last, watching and watchErr
	last     *Snapshot
	watching bool
	watchErr error
}

// NewLocal returns the source for a folder.
func NewLocal(dir string) *Local { return &Local{Dir: dir} }

func (l *Local) String() string { return l.Dir }

// Snapshot reads the folder's configuration files into memory. The
// revision follows the files' names and contents, not their modification
// times.
func (l *Local) Snapshot(context.Context) (*Snapshot, error) {
	root, err := findModuleRoot(l.Dir)
	if err == nil && root != "" {
		snap, err := readLocalModule(root, l.Dir)
		l.mu.Lock()
		defer l.mu.Unlock()
		if err != nil {
			return l.last, fmt.Errorf("read configuration folder %s: %w", l.Dir, err)
		}
		l.last = snap
		return snap, nil
	}
	files, err := ReadFolder(l.Dir)
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

// DefaultRewatchInterval is how often a local Watch checks that the folder
// it watches is still the one at its path, and, while there is none,
// whether it came back.
const DefaultRewatchInterval = time.Second

// WatchReporter is implemented by sources whose watch can be lost while
// Watch runs, as a local folder's is when the folder is removed or
// replaced. Watching returns nil while a watch is held and otherwise says
// why none is.
type WatchReporter interface {
	Watching() error
}

var _ WatchReporter = (*Local)(nil)

// Watching returns nil while Watch holds a watch on the folder, and
// otherwise why it does not (not started yet, the folder was removed or
// replaced and is being waited for, the watch failed or ended).
func (l *Local) Watching() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.watching {
		return nil
	}
	if l.watchErr != nil {
		return l.watchErr
	}
	return fmt.Errorf("configuration folder %s: not watched yet", l.Dir)
}

func (l *Local) setWatching(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.watching, l.watchErr = err == nil, err
}

// moduleRoot is the root of the CUE module the folder lies in, "" when
// none.
func (l *Local) moduleRoot() string {
	root, err := findModuleRoot(l.Dir)
	if err != nil {
		return ""
	}
	return root
}

func (l *Local) logger() *slog.Logger {
	if l.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l.Logger
}

// Watch watches the folder and every folder below it (folders created
// later too; hidden folders such as .git are left out) and signals changed
// once a burst of changes to `.cue` files has been quiet for Debounce.
// Editors' temporary files, `_tool.cue` files and changes of permissions or
// times alone never signal.
//
// When the folder itself is removed, renamed or replaced by another (`rm
// -rf dir; cp -r backup dir`, `git checkout`, a deploy tool swapping a
// link), Watch logs it, holds no watch (Watching says so) until a folder is
// at the path again, then watches that one and signals a change.
func (l *Local) Watch(ctx context.Context, changed chan<- struct{}) error {
	interval := l.RewatchInterval
	if interval <= 0 {
		interval = DefaultRewatchInterval
	}
	log := l.logger().With("folder", l.Dir)
	for first := true; ; first = false {
		lost, err := l.watchFolder(ctx, changed, first)
		if err != nil {
			l.setWatching(err)
			return err
		}
		if lost == nil {
			l.setWatching(fmt.Errorf("configuration folder %s: the watch ended", l.Dir))
			return nil // ctx is done
		}
		l.setWatching(fmt.Errorf("configuration folder %s %w; waiting for a folder at that path to watch", l.Dir, lost))
		log.Warn("lost the watch of the configuration folder; watching again when it is back", "reason", lost.Error())
		if !l.waitForFolder(ctx, interval) {
			l.setWatching(fmt.Errorf("configuration folder %s: the watch ended", l.Dir))
			return nil
		}
	}
}

// waitForFolder checks every interval until a folder is at l.Dir (true) or
// ctx is done (false).
func (l *Local) waitForFolder(ctx context.Context, interval time.Duration) bool {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if fi, err := os.Stat(l.Dir); err == nil && fi.IsDir() {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
}

// watchFolder watches the folder at l.Dir until ctx is done (it returns
// nil, nil), the folder goes away or is replaced (it returns why in lost),
// or watching cannot go on (err). After a first run, it signals a change
// as soon as the new folder is watched.
func (l *Local) watchFolder(ctx context.Context, changed chan<- struct{}, first bool) (lost, err error) {
	debounce := l.Debounce
	if debounce <= 0 {
		debounce = DefaultDebounce
	}
	interval := l.RewatchInterval
	if interval <= 0 {
		interval = DefaultRewatchInterval
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch configuration folder %s: %w", l.Dir, err)
	}
	defer w.Close()
	// The folder's identity, to notice another folder taking its path.
	root, err := os.Stat(l.Dir)
	if err == nil {
		// With a trailing separator, a link to a folder (a deploy's
		// `current`) is walked as the folder it names.
		_, err = watchTree(w, strings.TrimSuffix(l.Dir, string(filepath.Separator))+string(filepath.Separator))
	}
	if err == nil {
		// The packages of the CUE module it lies in are part of the
		// configuration.
		if root := l.moduleRoot(); root != "" {
			_, err = watchTree(w, root+string(filepath.Separator))
		}
	}
	if err != nil {
		if first {
			return nil, fmt.Errorf("watch configuration folder %s: %w", l.Dir, err)
		}
		return fmt.Errorf("went away again before it could be watched: %w", err), nil
	}
	l.setWatching(nil)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	if !first {
		// At the level of the loss, so whoever saw that sees this.
		l.logger().Warn("watching the configuration folder again", "folder", l.Dir)
		timer.Reset(debounce) // the new folder's files may differ
	}
	check := time.NewTicker(interval)
	defer check.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil, nil
			}
			if filepath.Clean(ev.Name) == filepath.Clean(l.Dir) && (ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename)) {
				return errors.New("was removed or renamed"), nil
			}
			if relevant(w, ev) {
				timer.Reset(debounce)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil, nil
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Events were lost: assume one of them mattered.
				timer.Reset(debounce)
				continue
			}
			return nil, fmt.Errorf("watch configuration folder %s: %w", l.Dir, err)
		case <-check.C:
			// Events cannot tell every replacement (a link swapped to
			// another folder, a rename over an empty folder): compare.
			fi, err := os.Stat(l.Dir)
			if err != nil {
				return fmt.Errorf("is gone: %w", err), nil
			}
			if !os.SameFile(fi, root) {
				return errors.New("was replaced by another folder"), nil
			}
		case <-timer.C:
			select {
			case changed <- struct{}{}:
			case <-ctx.Done():
				return nil, nil
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
