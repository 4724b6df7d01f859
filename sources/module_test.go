package sources_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/curator-dev/curator/sources"
)

// moduleFiles lists the paths of a snapshot's module files.
func moduleFiles(t *testing.T, s *sources.Snapshot) string {
	t.Helper()
	if s.Module == nil {
		t.Fatal("the snapshot has no module")
	}
	var out []string
	err := fs.WalkDir(s.Module.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// TestLocalModule: a configuration folder inside a CUE module is read with
// the module's files; a change of an imported file changes its revision;
// the module is found up to the repository's root, not beyond.
func TestLocalModule(t *testing.T) {
	repo := t.TempDir()
	root := filepath.Join(repo, "images")
	write(t, filepath.Join(repo, ".git", "HEAD"), "ref: refs/heads/main")
	write(t, filepath.Join(root, "cue.mod", "module.cue"), `module: "example.com/images"`)
	write(t, filepath.Join(root, "cue.mod", "pkg", "x.cue"), "not read")
	write(t, filepath.Join(root, "lib", "lib.cue"), "package lib")
	write(t, filepath.Join(root, "lib", ".hidden.cue"), "hidden")
	write(t, filepath.Join(root, ".github", "x.cue"), "hidden folder")
	write(t, filepath.Join(root, "prod", "curator.cue"), "package curator")
	write(t, filepath.Join(root, "prod", "README.md"), "not CUE")
	write(t, filepath.Join(root, "prod", "sub", "nested.cue"), "a package of the module")

	src := sources.NewLocal(filepath.Join(root, "prod"))
	s := snapshot(t, src)
	if got := files(t, s); got != "curator.cue=package curator" {
		t.Errorf("files %q", got)
	}
	if s.Module.Dir != "prod" || s.Module.Root != root {
		t.Errorf("module %s in %s", s.Module.Dir, s.Module.Root)
	}
	if got, want := moduleFiles(t, s), "cue.mod/module.cue lib/lib.cue prod/curator.cue prod/sub/nested.cue"; got != want {
		t.Errorf("module files %q, want %q", got, want)
	}
	write(t, filepath.Join(root, "lib", "lib.cue"), "package lib\nx: 1")
	if again := snapshot(t, src); again.Revision == s.Revision {
		t.Error("a change of the module's lib kept the revision")
	}

	// A module above the repository's root is not the configuration's.
	outer := t.TempDir()
	write(t, filepath.Join(outer, "cue.mod", "module.cue"), `module: "example.com/outer"`)
	write(t, filepath.Join(outer, "repo", ".git", "HEAD"), "ref: refs/heads/main")
	write(t, filepath.Join(outer, "repo", "conf", "curator.cue"), "package curator")
	if s := snapshot(t, sources.NewLocal(filepath.Join(outer, "repo", "conf"))); s.Module != nil {
		t.Errorf("found the module %s above the repository's root", s.Module.Root)
	}

	// A link out of the module is refused.
	out := filepath.Join(t.TempDir(), "secret.cue")
	write(t, out, "secret")
	if err := os.Symlink(out, filepath.Join(root, "lib", "linked.cue")); err != nil {
		t.Fatal(err)
	}
	if _, err := sources.NewLocal(filepath.Join(root, "prod")).Snapshot(context.Background()); err == nil || !strings.Contains(err.Error(), "outside the configuration folder") {
		t.Errorf("a link out of the module: %v", err)
	}
}

// TestGitModule: --path inside a module reads the module from the same
// commit.
func TestGitModule(t *testing.T) {
	r := newRemote(t)
	rev := r.commit("main", map[string]string{
		"images/cue.mod/module.cue": `module: "example.com/images"`,
		"images/lib/lib.cue":        "package lib",
		"images/prod/curator.cue":   "package curator",
		"images/dev/curator.cue":    "package curator\n// dev",
		"other/x.cue":               "outside the module",
	})
	src := &sources.Git{URL: r.dir, Path: "images/prod", CacheDir: t.TempDir()}
	s, err := src.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.Revision != rev {
		t.Errorf("revision %s, want %s", s.Revision, rev)
	}
	if got := files(t, s); got != "curator.cue=package curator" {
		t.Errorf("files %q", got)
	}
	if got, want := moduleFiles(t, s), "cue.mod/module.cue dev/curator.cue lib/lib.cue prod/curator.cue"; got != want {
		t.Errorf("module files %q, want %q", got, want)
	}
	if s.Module.Dir != "prod" || !strings.Contains(s.Module.Root, "path=images") {
		t.Errorf("module %s at %s", s.Module.Dir, s.Module.Root)
	}
}

// TestTree: a repository's tree is read once from the module's root; each
// configuration's snapshot from it is the snapshot its own source reads.
func TestTree(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "cue.mod", "module.cue"), `module: "example.com/images"`)
	write(t, filepath.Join(root, "lib", "lib.cue"), "package lib")
	write(t, filepath.Join(root, "envs", "prod", "curator.cue"), "package curator\n// prod")
	write(t, filepath.Join(root, "envs", "dev", "curator.cue"), "package curator\n// dev")

	tree, err := sources.NewLocal(filepath.Join(root, "envs")).Tree(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !tree.Module || tree.Root != "envs" {
		t.Fatalf("module %v, root %q", tree.Module, tree.Root)
	}
	for _, dir := range []string{"envs/dev", "envs/prod"} {
		got := tree.Configuration(dir)
		want := snapshot(t, sources.NewLocal(filepath.Join(root, filepath.FromSlash(dir))))
		if got.Revision != want.Revision || files(t, got) != files(t, want) || got.Module.Dir != want.Module.Dir || got.Origin != want.Origin {
			t.Errorf("%s: the tree's snapshot %s %q (%s) differs from the folder's %s %q (%s)", dir, got.Revision, files(t, got), got.Origin, want.Revision, files(t, want), want.Origin)
		}
	}

	// A git repository's tree: every configuration at one commit.
	r := newRemote(t)
	rev := r.commit("main", map[string]string{
		"cue.mod/module.cue":    `module: "example.com/images"`,
		"lib/lib.cue":           "package lib",
		"envs/prod/curator.cue": "package curator",
		"envs/dev/curator.cue":  "package curator",
	})
	g := &sources.Git{URL: r.dir, Path: "envs", CacheDir: t.TempDir()}
	gt, err := g.Tree(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	snap := gt.Configuration("envs/prod")
	if gt.Root != "envs" || snap.Revision != rev || snap.Module == nil || snap.Module.Dir != "envs/prod" || !strings.Contains(snap.Origin, "path=envs%2Fprod") {
		t.Errorf("git tree: root %q, snapshot %s at %s (%+v)", gt.Root, snap.Revision, snap.Origin, snap.Module)
	}
}
