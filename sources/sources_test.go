package sources_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/curator-dev/curator/sources"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLocalSnapshot(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "main.cue"), "package curator\n")
	write(t, filepath.Join(dir, "deploy_tool.cue"), "package curator\n")
	write(t, filepath.Join(dir, "README.md"), "hi")
	src := sources.NewLocal(dir)
	s1, err := src.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(s1.FS, "*")
	if strings.Join(names, ",") != "main.cue" {
		t.Errorf("snapshot files = %v", names)
	}
	// The revision follows content, not modification times.
	now := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(dir, "main.cue"), now, now)
	s2, _ := src.Snapshot(context.Background())
	if s1.Revision != s2.Revision {
		t.Error("touching a file changed the revision")
	}
	write(t, filepath.Join(dir, "main.cue"), "package curator\nname: \"x\"\n")
	s3, _ := src.Snapshot(context.Background())
	if s3.Revision == s1.Revision {
		t.Error("an edit kept the revision")
	}
	// A folder that vanished keeps the last good snapshot, with an error.
	os.RemoveAll(dir)
	s4, err := src.Snapshot(context.Background())
	if err == nil || s4 == nil || s4.Revision != s3.Revision {
		t.Errorf("after the folder vanished: %v, %v", s4, err)
	}
}

func TestLocalWatchDebouncesAndIgnoresTempFiles(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "main.cue"), "package curator\n")
	src := &sources.Local{Dir: dir, Debounce: 100 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changed := make(chan struct{}, 10)
	go src.Watch(ctx, changed)
	time.Sleep(200 * time.Millisecond) // let the watcher start

	write(t, filepath.Join(dir, ".main.cue.swp"), "x")
	write(t, filepath.Join(dir, "main.cue~"), "x")
	select {
	case <-changed:
		t.Fatal("an editor's temporary file triggered a change")
	case <-time.After(400 * time.Millisecond):
	}
	for i := 0; i < 5; i++ {
		write(t, filepath.Join(dir, "main.cue"), "package curator\n// edit\n")
	}
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("no change signalled for an edit")
	}
	select {
	case <-changed:
		t.Fatal("a burst of writes signalled more than once")
	case <-time.After(400 * time.Millisecond):
	}
	// A new subfolder is watched too.
	write(t, filepath.Join(dir, "sub", "a.cue"), "package curator\n")
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("no change signalled for a file in a new folder")
	}
}

// remote makes a repository on disk standing in for a git server.
func remote(t *testing.T) (string, *git.Repository) {
	t.Helper()
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	return dir, repo
}

func commit(t *testing.T, dir string, repo *git.Repository, files map[string]string) string {
	t.Helper()
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		write(t, filepath.Join(dir, name), content)
		if _, err := wt.Add(name); err != nil {
			t.Fatal(err)
		}
	}
	h, err := wt.Commit("change", &git.CommitOptions{Author: &object.Signature{Name: "t", Email: "t@example.com", When: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	return h.String()
}

func TestGitCloneFetchAndPinning(t *testing.T) {
	ctx := context.Background()
	dir, repo := remote(t)
	first := commit(t, dir, repo, map[string]string{"config/main.cue": "package curator\nname: \"one\"\n", "config/x_tool.cue": "package curator\n", "top.cue": "package curator\n"})
	if _, err := repo.CreateTag("v1", mustHash(t, repo), nil); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	src := &sources.Git{URL: dir, Path: "config", CacheDir: cache}
	s, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Revision != first {
		t.Errorf("revision %s, want %s", s.Revision, first)
	}
	names, _ := fs.Glob(s.FS, "*")
	if strings.Join(names, ",") != "main.cue" {
		t.Errorf("files = %v (the _tool.cue file and files outside the path must not be read)", names)
	}
	second := commit(t, dir, repo, map[string]string{"config/main.cue": "package curator\nname: \"two\"\n"})
	s, err = src.Snapshot(ctx)
	if err != nil || s.Revision != second {
		t.Fatalf("after a new commit: %v, %v", s, err)
	}
	for _, ref := range []string{"v1", first, first[:12]} {
		pinned := &sources.Git{URL: dir, Ref: ref, Path: "config", CacheDir: cache}
		s, err := pinned.Snapshot(ctx)
		if err != nil || s.Revision != first {
			t.Errorf("ref %s: %v, %v", ref, s, err)
		}
	}
	// The remote goes away: the last good revision is kept, with an error.
	os.RemoveAll(dir)
	s, err = src.Snapshot(ctx)
	if err == nil || s == nil || s.Revision != second {
		t.Errorf("after a failed fetch: %v, %v", s, err)
	}
}

func mustHash(t *testing.T, repo *git.Repository) [20]byte {
	head, err := repo.Head()
	if err != nil {
		t.Fatal(err)
	}
	return head.Hash()
}

func TestGitErrorsNeverShowTheToken(t *testing.T) {
	t.Setenv(sources.EnvGitToken, "ghp_supersecrettoken123")
	src := &sources.Git{URL: "https://user:ghp_supersecrettoken123@127.0.0.1:1/repo.git", CacheDir: t.TempDir()}
	_, err := src.Snapshot(context.Background())
	if err == nil {
		t.Fatal("fetch from a closed port succeeded")
	}
	if strings.Contains(err.Error(), "supersecret") {
		t.Errorf("the token leaked: %v", err)
	}
	if strings.Contains(src.String(), "supersecret") {
		t.Errorf("the token leaked into the description: %s", src)
	}
}
