package sources

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
	"testing/fstest"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// A repository of configurations is a folder (or a folder of a git
// repository) holding several configurations, often in one CUE module with
// shared packages. A Tree is all of it at one revision, read at once, so
// that every configuration is planned from the same files; Configuration
// derives each one's Snapshot from it.

// Tree is every .cue file of a repository of configurations at one
// revision.
type Tree struct {
	// Revision is the git commit, or for a folder a digest of every file's
	// name and content.
	Revision string
	// FS holds the files, paths relative to the tree's top: the root of
	// the CUE module the root lies in, or the root itself without one.
	FS fs.FS
	// Root is the folder the tree was asked for, relative to the top
	// ("." when the same).
	Root string
	// Module reports whether the top is a CUE module's root.
	Module bool
	// Top says where the top is, for people: a folder's absolute path,
	// or the folder in a git repository.
	Top string

	files fstest.MapFS
	git   *Git // nil for a folder
}

// TreeReader is implemented by sources that can read a repository of
// configurations whole: *Local and *Git.
type TreeReader interface {
	// Tree reads every .cue file of the source's folder and below (and of
	// the CUE module it lies in). As Snapshot, a failed read after a good
	// one returns the last good tree with the error.
	Tree(ctx context.Context) (*Tree, error)
}

var (
	_ TreeReader = (*Local)(nil)
	_ TreeReader = (*Git)(nil)
)

// Tree reads the folder and every folder below it, from the root of the
// CUE module it lies in when there is one.
func (l *Local) Tree(context.Context) (*Tree, error) {
	abs, err := filepath.Abs(l.Dir)
	if err != nil {
		return nil, err
	}
	top, err := findModuleRoot(abs)
	if err != nil {
		return nil, err
	}
	module := top != ""
	if !module {
		top = abs
	}
	files, err := ReadTree(top)
	if err != nil {
		return nil, fmt.Errorf("read the configurations under %s: %w", l.Dir, err)
	}
	realTop, err := filepath.EvalSymlinks(top)
	if err != nil {
		return nil, err
	}
	realRoot, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(realTop, realRoot)
	if err != nil {
		return nil, err
	}
	return &Tree{Revision: contentRevision(files), FS: files, Root: filepath.ToSlash(rel), Module: module, Top: top, files: files}, nil
}

// Tree fetches the repository and reads its folder Path and every folder
// below it at the commit the ref resolves to, from the root of the CUE
// module Path lies in when there is one. When the fetch fails after a
// clone, the tree at the cached commit is returned with the error.
func (g *Git) Tree(ctx context.Context) (*Tree, error) {
	var t *Tree
	fetchErr, err := g.withRepo(ctx, func(repo *git.Repository) (err error) {
		t, err = g.readTree(repo)
		return err
	})
	if err != nil {
		return nil, redact(fmt.Errorf("git source %s: %w", g, err), g.secrets())
	}
	if fetchErr != nil {
		return t, redact(fmt.Errorf("git source %s: %w", g, fetchErr), g.secrets())
	}
	return t, nil
}

func (g *Git) readTree(repo *git.Repository) (*Tree, error) {
	hash, tree, err := g.resolve(repo)
	if err != nil {
		return nil, err
	}
	root := cleanRepoPath(g.Path)
	top, module := findTreeModule(tree, root)
	if !module {
		top = root
	}
	files, err := readGitFolder(repo, tree, hash, top)
	if err != nil {
		return nil, err
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(root, top), "/")
	if rel == "" {
		rel = "."
	}
	return &Tree{Revision: hash.String(), FS: files, Root: rel, Module: module, Top: "/" + top, files: files, git: g}, nil
}

// readGitFolder reads folder top ("" for the root) of a commit's tree and
// everything below it.
func readGitFolder(repo *git.Repository, tree *object.Tree, hash plumbing.Hash, top string) (fstest.MapFS, error) {
	short := hash.String()[:12]
	if top != "" {
		var err error
		if tree, err = tree.Tree(top); err != nil {
			return nil, fmt.Errorf("folder %q at commit %s: %w", top, short, err)
		}
	}
	files, err := readGitTree(repo, tree)
	if err != nil {
		return nil, fmt.Errorf("folder %q at commit %s: %w", "/"+top, short, err)
	}
	return files, nil
}

// Configuration is the snapshot of the configuration in folder dir of the
// tree (relative to its top): its own files, and with a module the
// module's files, as Snapshot reads them.
func (t *Tree) Configuration(dir string) *Snapshot {
	dir = path.Clean(dir)
	own := moduleSnapshot(t.files, dir)
	snap := &Snapshot{FS: own}
	switch {
	case t.git != nil:
		snap.Revision = t.Revision
		p := strings.TrimPrefix(path.Join(strings.TrimPrefix(t.Top, "/"), dir), "/")
		if p == "." {
			p = ""
		}
		snap.Origin = (&Git{URL: t.git.URL, Ref: t.git.Ref, Path: p}).Origin()
	case t.Module:
		snap.Revision = moduleRevision(t.files, dir)
		snap.Origin = filepath.Join(t.Top, filepath.FromSlash(dir))
	default:
		snap.Revision = contentRevision(own)
		snap.Origin = filepath.Join(t.Top, filepath.FromSlash(dir))
	}
	if t.Module {
		snap.Module = &Module{Root: t.Top, Dir: dir, FS: t.files}
		if t.git != nil {
			snap.Module.Root = (&Git{URL: t.git.URL, Ref: t.git.Ref, Path: strings.TrimPrefix(t.Top, "/")}).Origin()
		}
	}
	return snap
}

// Source is the source of the configuration in folder dir of the tree (a
// folder relative to the tree's top): the folder on disk, or the folder of
// the git repository, as a single-configuration command would name it.
func (t *Tree) Source(dir string) Source {
	p := path.Join(strings.TrimPrefix(t.Top, "/"), dir)
	if g := t.git; g != nil {
		return &Git{URL: g.URL, Ref: g.Ref, Path: strings.TrimPrefix(p, "/"), CacheDir: g.CacheDir,
			Interval: g.Interval, Timeout: g.Timeout, Auth: g.Auth}
	}
	return NewLocal(filepath.Join(t.Top, filepath.FromSlash(dir)))
}

// Fixed is a source that always yields one snapshot already read: a
// configuration of a Tree. Its Watch only waits for the end.
type Fixed struct{ Snap *Snapshot }

var _ Source = (*Fixed)(nil)

func (f *Fixed) Snapshot(context.Context) (*Snapshot, error) { return f.Snap, nil }

func (f *Fixed) Watch(ctx context.Context, _ chan<- struct{}) error {
	<-ctx.Done()
	return nil
}

func (f *Fixed) String() string { return f.Snap.Origin }
