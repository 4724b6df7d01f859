package sources

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing/fstest"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Local is a configuration in a folder on disk.
type Local struct {
	Dir string
	// Debounce is how long Watch waits for a burst of writes to settle;
	// default 500ms.
	Debounce time.Duration

	mu   sync.Mutex
	last *Snapshot
}

// NewLocal returns the source for a folder.
func NewLocal(dir string) *Local { return &Local{Dir: dir} }

func (l *Local) String() string { return l.Dir }

// Snapshot reads the folder's configuration files into memory.
func (l *Local) Snapshot(context.Context) (*Snapshot, error) {
	files := fstest.MapFS{}
	entries, err := os.ReadDir(l.Dir)
	if err == nil {
		for _, e := range entries {
			if e.IsDir() || !isConfigFile(e.Name()) {
				continue
			}
			var data []byte
			if data, err = os.ReadFile(filepath.Join(l.Dir, e.Name())); err != nil {
				break
			}
			files[e.Name()] = &fstest.MapFile{Data: data, Mode: 0o644}
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		err = fmt.Errorf("read configuration folder %s: %w", l.Dir, err)
		return l.last, err
	}
	origin := l.Dir
	if abs, err := filepath.Abs(l.Dir); err == nil {
		origin = abs
	}
	l.last = &Snapshot{Revision: contentRevision(files), FS: files, Origin: origin}
	return l.last, nil
}

// ignored reports whether an editor's temporary or backup file changed.
func ignored(name string) bool {
	base := filepath.Base(name)
	switch {
	case strings.HasPrefix(base, ".#"), strings.HasPrefix(base, "#"), strings.HasSuffix(base, "~"),
		strings.HasSuffix(base, ".swp"), strings.HasSuffix(base, ".swx"), strings.HasSuffix(base, ".tmp"), base == "4913":
		return true
	}
	return !strings.HasSuffix(base, ".cue")
}

// Watch signals changed, debounced, when a .cue file in the folder (or a
// folder below it) is written, created, removed or renamed.
func (l *Local) Watch(ctx context.Context, changed chan<- struct{}) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch %s: %w", l.Dir, err)
	}
	defer w.Close()
	add := func(root string) error {
		return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() {
				if p != root && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return w.Add(p)
			}
			return nil
		})
	}
	if err := add(l.Dir); err != nil {
		return fmt.Errorf("watch %s: %w", l.Dir, err)
	}
	debounce := l.Debounce
	if debounce <= 0 {
		debounce = 500 * time.Millisecond
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
			if ev.Has(fsnotify.Create) {
				if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() {
					_ = add(ev.Name)
					// Files written before the watch on the new folder
					// began produced no event of their own.
					if matches, _ := filepath.Glob(filepath.Join(ev.Name, "*.cue")); len(matches) > 0 {
						timer.Reset(debounce)
					}
					continue
				}
			}
			if ignored(ev.Name) {
				continue
			}
			timer.Reset(debounce)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			return fmt.Errorf("watch %s: %w", l.Dir, err)
		case <-timer.C:
			select {
			case changed <- struct{}{}:
			case <-ctx.Done():
				return nil
			}
		}
	}
}
