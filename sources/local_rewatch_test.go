package sources_test

import (
	"bytes"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/curator-dev/curator/sources"
)

// lockedBuffer is a log a watch writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// eventually waits (30 s at most) until cond holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if out, err := exec.Command("cp", "-r", from, to).CombinedOutput(); err != nil {
		t.Fatalf("cp -r %s %s: %v: %s", from, to, err, out)
	}
}

// TestLocalWatchFolderReplaced: when the watched folder itself is removed,
// renamed or replaced — as editors, git checkout and deploy tools do —
// the watch says it holds none until a folder is back, logs it, watches
// the new folder and signals; edits in the new folder signal again.
func TestLocalWatchFolderReplaced(t *testing.T) {
	for _, tc := range []struct {
		name string
		// link makes the watched path a link to a folder, as deploy
		// tools keep `current`.
		link bool
		// remove takes the folder away; restore puts a folder back.
		remove, restore func(t *testing.T, path, backup string)
	}{
		{
			name:    "rm -rf, then cp -r from a backup",
			remove:  func(t *testing.T, path, _ string) { os.RemoveAll(path) },
			restore: func(t *testing.T, path, backup string) { copyDir(t, backup, path) },
		},
		{
			name: "renamed away, then another folder renamed in",
			remove: func(t *testing.T, path, _ string) {
				if err := os.Rename(path, path+".old"); err != nil {
					t.Fatal(err)
				}
			},
			restore: func(t *testing.T, path, backup string) {
				copyDir(t, backup, path+".new")
				if err := os.Rename(path+".new", path); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name: "a link swapped to another folder",
			link: true,
			remove: func(t *testing.T, path, _ string) {
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
			},
			restore: func(t *testing.T, path, backup string) {
				release := path + ".release-2"
				copyDir(t, backup, release)
				if err := os.Symlink(release, path); err != nil {
					t.Fatal(err)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dir, backup := filepath.Join(root, "config"), filepath.Join(root, "backup")
			write(t, filepath.Join(backup, "main.cue"), "package curator\n")
			copyDir(t, backup, dir)
			if tc.link {
				release := filepath.Join(root, "release-1")
				if err := os.Rename(dir, release); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(release, dir); err != nil {
					t.Fatal(err)
				}
			}
			var log lockedBuffer
			src := &sources.Local{Dir: dir, Debounce: 20 * time.Millisecond, RewatchInterval: 20 * time.Millisecond,
				Logger: slog.New(slog.NewTextHandler(&log, nil))}
			changed := watching(t, src)
			if err := src.Watching(); err != nil {
				t.Fatalf("Watching while watched: %v", err)
			}

			tc.remove(t, dir, backup)
			eventually(t, "Watching says the folder is not watched", func() bool {
				err := src.Watching()
				return err != nil && strings.Contains(err.Error(), "waiting for a folder at that path")
			})
			tc.restore(t, dir, backup)
			signalled(t, changed, "a folder back at the watched path")
			if err := src.Watching(); err != nil {
				t.Errorf("Watching once the folder is back: %v", err)
			}
			quiet(t, changed, "")
			write(t, filepath.Join(dir, "main.cue"), "package curator\nx: 1\n")
			signalled(t, changed, "an edit in the new folder")
			for _, want := range []string{"lost the watch of the configuration folder", "watching the configuration folder again"} {
				if !strings.Contains(log.String(), want) {
					t.Errorf("the log lacks %q:\n%s", want, log.String())
				}
			}
		})
	}
}
