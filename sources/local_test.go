package sources_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/curator-dev/curator/sources"
)

func write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func snapshot(t *testing.T, src sources.Source) *sources.Snapshot {
	t.Helper()
	s, err := src.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLocalSnapshotReadsTheConfigurationFiles(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "main.cue"), "main")
	write(t, filepath.Join(dir, "versions.cue"), "versions")
	write(t, filepath.Join(dir, "deploy_tool.cue"), "tool")
	write(t, filepath.Join(dir, ".hidden.cue"), "hidden")
	write(t, filepath.Join(dir, "README.md"), "readme")
	write(t, filepath.Join(dir, ".git", "x.cue"), "hidden folder")
	write(t, filepath.Join(dir, "cue.mod", "module.cue"), "CUE's module folder")
	write(t, filepath.Join(dir, "docs", "README.md"), "no .cue file")
	if err := os.Mkdir(filepath.Join(dir, "folder.cue"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("versions.cue", filepath.Join(dir, "linked.cue")); err != nil {
		t.Fatal(err)
	}
	s := snapshot(t, sources.NewLocal(dir))
	if got, want := files(t, s), "linked.cue=versions;main.cue=main;versions.cue=versions"; got != want {
		t.Errorf("files %q, want %q", got, want)
	}
	abs, _ := filepath.Abs(dir)
	if s.Origin != abs {
		t.Errorf("origin %q, want %q", s.Origin, abs)
	}
	if !sources.SameOrigin(sources.NewLocal(dir), s.Origin) {
		t.Errorf("%s is not the origin of its own folder", s.Origin)
	}
	for _, other := range []sources.Source{sources.NewLocal(t.TempDir()), &sources.Git{URL: dir}} {
		if sources.SameOrigin(other, s.Origin) {
			t.Errorf("%s is taken for the origin of %s", s.Origin, other)
		}
	}

	// The snapshot is a copy: later edits do not reach it.
	write(t, filepath.Join(dir, "main.cue"), "edited")
	if data, _ := fs.ReadFile(s.FS, "main.cue"); string(data) != "main" {
		t.Errorf("the snapshot changed under its reader: %q", data)
	}
}

func TestLocalRevisionFollowsContentOnly(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "main.cue"), "package curator\n")
	write(t, filepath.Join(dir, "b.cue"), "package curator\n")
	src := sources.NewLocal(dir)
	base := snapshot(t, src).Revision

	for _, tc := range []struct {
		name   string
		change func(t *testing.T)
		same   bool
	}{
		{"touch", func(t *testing.T) {
			later := time.Now().Add(time.Hour)
			if err := os.Chtimes(filepath.Join(dir, "main.cue"), later, later); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"rewrite with the same content", func(t *testing.T) { write(t, filepath.Join(dir, "main.cue"), "package curator\n") }, true},
		{"a file that is not configuration", func(t *testing.T) { write(t, filepath.Join(dir, "notes.txt"), "x") }, true},
		{"an editor's swap file", func(t *testing.T) { write(t, filepath.Join(dir, ".main.cue.swp"), "x") }, true},
		{"edit", func(t *testing.T) { write(t, filepath.Join(dir, "main.cue"), "package curator\nx: 1\n") }, false},
		{"new file", func(t *testing.T) { write(t, filepath.Join(dir, "c.cue"), "package curator\n") }, false},
		{"rename", func(t *testing.T) {
			if err := os.Rename(filepath.Join(dir, "b.cue"), filepath.Join(dir, "d.cue")); err != nil {
				t.Fatal(err)
			}
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.change(t)
			got := snapshot(t, src).Revision
			if (got == base) != tc.same {
				t.Errorf("revision %s after the change, %s before; want same=%v", got, base, tc.same)
			}
			base = got
		})
	}

	// The same files elsewhere have the same revision.
	other := t.TempDir()
	for _, name := range []string{"main.cue", "c.cue", "d.cue"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(other, name), string(data))
	}
	if got := snapshot(t, sources.NewLocal(other)).Revision; got != base {
		t.Errorf("a copy of the folder has revision %s, want %s", got, base)
	}
}

func TestLocalFailureKeepsLastGoodSnapshot(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "config")
	src := sources.NewLocal(dir)
	if s, err := src.Snapshot(context.Background()); s != nil || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a missing folder: %+v, %v", s, err)
	}
	write(t, filepath.Join(dir, "main.cue"), "package curator\n")
	good := snapshot(t, src)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	s, err := src.Snapshot(context.Background())
	if err == nil || s != good {
		t.Errorf("after the folder vanished: %+v, %v; want the last good snapshot and an error", s, err)
	}
}

// watching starts Watch and waits until it is watching: it writes
// main.cue until a signal arrives, then until the signals stop.
func watching(t *testing.T, src *sources.Local) <-chan struct{} {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	changed := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- src.Watch(ctx, changed) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Watch: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("Watch did not return after cancel")
		}
	})
	deadline := time.After(30 * time.Second)
	for i := 0; ; i++ {
		write(t, filepath.Join(src.Dir, "main.cue"), fmt.Sprintf("package curator\n// %d\n", i))
		select {
		case <-changed:
			quiet(t, changed, "")
			return changed
		case err := <-done:
			t.Fatalf("Watch returned early: %v", err)
		case <-deadline:
			t.Fatal("the watch never signalled")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// quiet waits for a quiet period with no signal; with why set, a signal
// fails the test, else it is drained.
func quiet(t *testing.T, changed <-chan struct{}, why string) {
	t.Helper()
	for {
		select {
		case <-changed:
			if why != "" {
				t.Fatalf("signalled for %s", why)
			}
		case <-time.After(400 * time.Millisecond):
			return
		}
	}
}

func signalled(t *testing.T, changed <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-changed:
	case <-time.After(30 * time.Second):
		t.Fatalf("no signal for %s", what)
	}
}

func TestLocalWatch(t *testing.T) {
	dir := t.TempDir()
	src := &sources.Local{Dir: dir, Debounce: 50 * time.Millisecond}
	changed := watching(t, src)

	t.Run("a burst of writes signals once", func(t *testing.T) {
		for i := range 20 {
			write(t, filepath.Join(dir, "main.cue"), fmt.Sprintf("package curator\nx: %d\n", i))
			time.Sleep(5 * time.Millisecond)
		}
		signalled(t, changed, "an edit")
		quiet(t, changed, "the same burst again")
	})

	for _, tc := range []struct {
		name   string
		change func(t *testing.T)
	}{
		{"vim swap", func(t *testing.T) { write(t, filepath.Join(dir, ".main.cue.swp"), "x") }},
		{"vim probe", func(t *testing.T) { write(t, filepath.Join(dir, "4913"), "") }},
		{"backup", func(t *testing.T) { write(t, filepath.Join(dir, "main.cue~"), "x") }},
		{"emacs lock", func(t *testing.T) { write(t, filepath.Join(dir, ".#main.cue"), "x") }},
		{"emacs autosave", func(t *testing.T) { write(t, filepath.Join(dir, "#main.cue#"), "x") }},
		{"temporary", func(t *testing.T) { write(t, filepath.Join(dir, "main.cue.tmp"), "x") }},
		{"not configuration", func(t *testing.T) { write(t, filepath.Join(dir, "README.md"), "x") }},
		{"command file", func(t *testing.T) { write(t, filepath.Join(dir, "deploy_tool.cue"), "x") }},
		{"hidden folder", func(t *testing.T) { write(t, filepath.Join(dir, ".git", "x.cue"), "x") }},
		{"touch", func(t *testing.T) {
			later := time.Now().Add(time.Hour)
			if err := os.Chtimes(filepath.Join(dir, "main.cue"), later, later); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run("ignores "+tc.name, func(t *testing.T) {
			tc.change(t)
			quiet(t, changed, tc.name)
		})
	}

	t.Run("a new folder is watched", func(t *testing.T) {
		if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		quiet(t, changed, "an empty folder")
		write(t, filepath.Join(dir, "sub", "a.cue"), "package curator\n")
		signalled(t, changed, "a file in a new folder")
		quiet(t, changed, "")
		write(t, filepath.Join(dir, "sub", "a.cue"), "package curator\nx: 1\n")
		signalled(t, changed, "an edit in a new folder")
	})

	t.Run("a folder made with files in it", func(t *testing.T) {
		tmp := filepath.Join(t.TempDir(), "ready")
		write(t, filepath.Join(tmp, "deep", "b.cue"), "package curator\n")
		if err := os.Rename(tmp, filepath.Join(dir, "ready")); err != nil {
			t.Fatal(err)
		}
		signalled(t, changed, "a folder moved in with .cue files")
		quiet(t, changed, "")
		write(t, filepath.Join(dir, "ready", "deep", "b.cue"), "package curator\nx: 2\n")
		signalled(t, changed, "an edit in a folder moved in")
	})

	t.Run("an editor's atomic save", func(t *testing.T) {
		quiet(t, changed, "")
		write(t, filepath.Join(dir, "main.cue.tmp"), "package curator\nsaved: true\n")
		if err := os.Rename(filepath.Join(dir, "main.cue.tmp"), filepath.Join(dir, "main.cue")); err != nil {
			t.Fatal(err)
		}
		signalled(t, changed, "a rename over main.cue")
	})

	t.Run("a removed file", func(t *testing.T) {
		quiet(t, changed, "")
		if err := os.Remove(filepath.Join(dir, "sub", "a.cue")); err != nil {
			t.Fatal(err)
		}
		signalled(t, changed, "a removed .cue file")
	})
}

func TestLocalWatchMissingFolder(t *testing.T) {
	src := sources.NewLocal(filepath.Join(t.TempDir(), "missing"))
	err := src.Watch(context.Background(), make(chan struct{}))
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Watch of a missing folder: %v", err)
	}
}

func BenchmarkLocalSnapshot(b *testing.B) {
	dir := b.TempDir()
	for i := range 50 {
		write(b, filepath.Join(dir, fmt.Sprintf("f%02d.cue", i)), "package curator\n"+string(make([]byte, 2000)))
	}
	src := sources.NewLocal(dir)
	for b.Loop() {
		if _, err := src.Snapshot(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLocalRefusesSubfolderFilesAndLinksOut: what the loader would not
// read, or should not, is an error naming it, never dropped in silence.
func TestLocalRefusesSubfolderFilesAndLinksOut(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "outside.cue")
	write(t, outside, "secret")
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  string
	}{
		{"file in a subfolder", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "sub", "nested.cue"), "nested")
		}, "sub/nested.cue: .cue files in subfolders are not read"},
		{"file deep in a folder named like a file", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "folder.cue", "a", "x.cue"), "deep")
		}, "folder.cue/a/x.cue: .cue files in subfolders are not read"},
		{"many files in subfolders", func(t *testing.T, dir string) {
			for i := range 7 {
				write(t, filepath.Join(dir, "sub", fmt.Sprintf("f%d.cue", i)), "x")
			}
		}, "sub/f4.cue (and 2 more): .cue files in subfolders"},
		{"absolute link out", func(t *testing.T, dir string) {
			if err := os.Symlink(outside, filepath.Join(dir, "linked.cue")); err != nil {
				t.Fatal(err)
			}
		}, "linked.cue links to " + outside + ", outside the configuration folder"},
		{"relative link out", func(t *testing.T, dir string) {
			rel, err := filepath.Rel(dir, outside)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(rel, filepath.Join(dir, "rel.cue")); err != nil {
				t.Fatal(err)
			}
		}, "rel.cue links to " + outside + ", outside the configuration folder"},
		{"link to /etc", func(t *testing.T, dir string) {
			if err := os.Symlink("/etc/passwd", filepath.Join(dir, "passwd.cue")); err != nil {
				t.Fatal(err)
			}
		}, "passwd.cue links to /etc/passwd, outside the configuration folder"},
		{"link through an inside link to the outside", func(t *testing.T, dir string) {
			if err := os.Symlink(outside, filepath.Join(dir, "hop")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("hop", filepath.Join(dir, "twice.cue")); err != nil {
				t.Fatal(err)
			}
		}, "twice.cue links to " + outside + ", outside"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, filepath.Join(dir, "main.cue"), "main")
			tc.setup(t, dir)
			s, err := sources.NewLocal(dir).Snapshot(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
			if s != nil {
				t.Errorf("a snapshot with no good read: %+v", s)
			}
		})
	}
}

// TestLocalRefusesOversizedConfiguration: more than MaxSnapshotBytes of
// .cue files is refused before they are read (the file is sparse: nothing
// is written).
func TestLocalRefusesOversizedConfiguration(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "main.cue"), "main")
	if err := os.Truncate(filepath.Join(dir, "main.cue"), sources.MaxSnapshotBytes+1); err != nil {
		t.Fatal(err)
	}
	s, err := sources.NewLocal(dir).Snapshot(context.Background())
	if err == nil || s != nil || !strings.Contains(err.Error(), "more than 64 MiB") {
		t.Fatalf("%+v, %v; want a refusal naming the limit", s, err)
	}
}
