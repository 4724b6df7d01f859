//go:build unix

package sources_test

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/curator-dev/curator/sources"
)

// readDir runs ReadDir, failing the test if it blocks (on a pipe it
// opened, say).
func readDir(t *testing.T, r *sources.Reader, dir string) (map[string]string, error) {
	t.Helper()
	type result struct {
		files map[string]string
		err   error
	}
	done := make(chan result, 1)
	go func() {
		fs, err := r.ReadDir(dir)
		files := map[string]string{}
		for name, f := range fs {
			files[name] = string(f.Data)
		}
		done <- result{files, err}
	}()
	select {
	case res := <-done:
		return res.files, res.err
	case <-time.After(20 * time.Second):
		t.Fatal("ReadDir blocked: it opened something that is not a regular file")
		return nil, nil
	}
}

// A folder holding every kind of thing a configuration file must not be:
// each is reported, all at once, by its name, and nothing is read through
// any of them.
func TestReaderRefusesWhatIsNotAFileOfTheFolder(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	write(t, filepath.Join(dir, "main.cue"), "main")
	write(t, filepath.Join(dir, "notes.txt"), "not configuration")
	// A pipe outside, reached through a link: a read through the link
	// would block.
	if err := syscall.Mkfifo(filepath.Join(outside, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "pipe"), filepath.Join(dir, "out.cue")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "x.cue"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("pipe", filepath.Join(dir, "inside-pipe.cue")); err != nil {
		t.Fatal(err)
	}
	// A socket (its path must be short).
	sockDir, err := os.MkdirTemp("", "s")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	l, err := net.Listen("unix", filepath.Join(sockDir, "s.cue"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := syscall.Mkfifo(filepath.Join(dir, "a_tool.cue"), 0o644); err != nil {
		t.Fatal(err) // not configuration by its name: never looked at
	}

	_, err = readDir(t, &sources.Reader{Root: dir}, ".")
	if err == nil {
		t.Fatal("read a folder holding pipes and a link out")
	}
	for _, want := range []string{
		"out.cue links to " + filepath.Join(outside, "pipe") + ", outside the configuration folder",
		"x.cue is a named pipe (FIFO), not a file",
		"inside-pipe.cue is a named pipe (FIFO), not a file",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "a_tool.cue") || strings.Contains(err.Error(), "notes.txt") {
		t.Errorf("a file that is not configuration by its name was looked at:\n%v", err)
	}
	var fe *sources.FileError
	if !errors.As(err, &fe) {
		t.Errorf("%v holds no FileError", err)
	}

	_, err = readDir(t, &sources.Reader{Root: sockDir}, ".")
	if err == nil || !strings.Contains(err.Error(), "s.cue is a socket, not a file") {
		t.Errorf("a socket: %v", err)
	}
}

// One Reader's files share one size guard, across folders: a module's
// packages are read through one.
func TestReaderSizeGuardSpansFolders(t *testing.T) {
	dir := t.TempDir()
	half := sources.MaxSnapshotBytes/2 + 1
	for _, name := range []string{"a/x.cue", "b/y.cue"} {
		write(t, filepath.Join(dir, name), "x")
		if err := os.Truncate(filepath.Join(dir, name), int64(half)); err != nil {
			t.Fatal(err)
		}
	}
	r := &sources.Reader{Root: dir}
	files, err := readDir(t, r, "a")
	if err != nil {
		t.Fatal(err)
	}
	if len(files["a/x.cue"]) != half {
		t.Fatalf("read %d bytes of a/x.cue, want %d (names are relative to Root)", len(files["a/x.cue"]), half)
	}
	if _, err := readDir(t, r, "b"); err == nil || !strings.Contains(err.Error(), "more than curator reads") {
		t.Fatalf("the second folder passed the guard: %v", err)
	}
	// Links may point anywhere inside Root, from any folder.
	write(t, filepath.Join(dir, "shared", "s.cue"), "shared")
	if err := os.MkdirAll(filepath.Join(dir, "c"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../shared/s.cue", filepath.Join(dir, "c", "s.cue")); err != nil {
		t.Fatal(err)
	}
	if data, err := (&sources.Reader{Root: dir}).ReadFile("c/s.cue"); err != nil || string(data) != "shared" {
		t.Errorf("ReadFile through a link inside Root: %q, %v", data, err)
	}
	if _, err := (&sources.Reader{Root: filepath.Join(dir, "c")}).ReadFile("s.cue"); err == nil || !strings.Contains(err.Error(), "outside the configuration folder") {
		t.Errorf("ReadFile through a link out of Root: %v", err)
	}
}
