package sources

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Changes are what differs between a ref's merge base with a tree's
// revision and that revision: what a pull request changes.
type Changes struct {
	// Ref is the ref as given, and Base the merge base's commit.
	Ref, Base string
	// Files are the changed .cue files of the tree (and its module
	// file), paths relative to the tree's top: added, modified or
	// removed.
	Files map[string]bool
	// Repository are the changed paths of the whole repository, relative
	// to its root (any file), for rules about what changes everything.
	Repository []string
}

// ChangesReader is implemented by sources that can tell what changed
// since a ref: *Local in a git work tree, and *Git.
type ChangesReader interface {
	// ChangesSince compares the tree t (read from this source) with the
	// merge base of ref and t's revision.
	ChangesSince(ctx context.Context, ref string, t *Tree) (*Changes, error)
}

var (
	_ ChangesReader = (*Local)(nil)
	_ ChangesReader = (*Git)(nil)
)

// ChangesSince compares the commit of t with its merge base with ref, in
// the cached clone (nothing is fetched again: ref must be a branch, tag
// or commit the fetch of t brought).
func (g *Git) ChangesSince(_ context.Context, ref string, t *Tree) (*Changes, error) {
	dir, err := g.cachePath()
	if err != nil {
		return nil, err
	}
	unlock, err := lockCache(dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	repo, err := openCache(dir)
	if err != nil {
		return nil, fmt.Errorf("--changed-from: open the clone of %s: %w", g, err)
	}
	head, err := repo.CommitObject(plumbing.NewHash(t.Revision))
	if err != nil {
		return nil, fmt.Errorf("--changed-from: read commit %s: %w", t.Revision, err)
	}
	base, err := mergeBase(repo, ref, head)
	if err != nil {
		return nil, err
	}
	changed, err := diffCommits(base, head)
	if err != nil {
		return nil, err
	}
	c := &Changes{Ref: ref, Base: base.Hash.String(), Files: map[string]bool{}, Repository: changed}
	top := strings.TrimPrefix(t.Top, "/")
	for _, p := range changed {
		if rel, ok := underTop(p, top); ok && treeFile(rel) {
			c.Files[rel] = true
		}
	}
	return c, nil
}

// ChangesSince compares the folder's files as they are now (committed or
// not) with the merge base of ref and HEAD of the git work tree the folder
// is in; the whole repository's changed paths are those of the commits
// since the merge base.
func (l *Local) ChangesSince(_ context.Context, ref string, t *Tree) (*Changes, error) {
	repo, err := git.PlainOpenWithOptions(t.Top, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		return nil, fmt.Errorf("--changed-from: %s is not in a git work tree: %w", t.Top, err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return nil, fmt.Errorf("--changed-from: %w", err)
	}
	headRef, err := repo.Head()
	if err != nil {
		return nil, fmt.Errorf("--changed-from: the work tree has no HEAD: %w", err)
	}
	head, err := repo.CommitObject(headRef.Hash())
	if err != nil {
		return nil, fmt.Errorf("--changed-from: read HEAD: %w", err)
	}
	base, err := mergeBase(repo, ref, head)
	if err != nil {
		return nil, err
	}
	changed, err := diffCommits(base, head)
	if err != nil {
		return nil, err
	}
	realWT, err := filepath.EvalSymlinks(wt.Filesystem.Root())
	if err != nil {
		return nil, err
	}
	realTop, err := filepath.EvalSymlinks(t.Top)
	if err != nil {
		return nil, err
	}
	top, err := filepath.Rel(realWT, realTop)
	if err != nil {
		return nil, err
	}
	top = filepath.ToSlash(top)
	if top == "." {
		top = ""
	}
	baseTree, err := base.Tree()
	if err != nil {
		return nil, err
	}
	c := &Changes{Ref: ref, Base: base.Hash.String(), Files: map[string]bool{}, Repository: changed}
	// The files as read now against the merge base's.
	for name, f := range t.files {
		before, err := fileAt(baseTree, path.Join(top, name))
		if err != nil || !bytes.Equal(before, f.Data) {
			c.Files[name] = true
		}
	}
	// Files of the merge base that are gone.
	var walkErr error
	if sub, err := subtree(baseTree, top); err == nil {
		walkErr = sub.Files().ForEach(func(f *object.File) error {
			if treeFile(f.Name) && !hidden(f.Name) {
				if _, ok := t.files[f.Name]; !ok {
					c.Files[f.Name] = true
				}
			}
			return nil
		})
	}
	return c, walkErr
}

// mergeBase resolves ref in repo and returns its merge base with head.
func mergeBase(repo *git.Repository, ref string, head *object.Commit) (*object.Commit, error) {
	h, err := repo.ResolveRevision(plumbing.Revision(ref))
	if err != nil {
		return nil, fmt.Errorf("--changed-from %s: no branch, tag or commit of the repository has that name: %w", ref, err)
	}
	from, err := repo.CommitObject(*h)
	if err != nil {
		return nil, fmt.Errorf("--changed-from %s: %w", ref, err)
	}
	bases, err := from.MergeBase(head)
	if err != nil {
		return nil, fmt.Errorf("--changed-from %s: merge base: %w", ref, err)
	}
	if len(bases) == 0 {
		return nil, fmt.Errorf("--changed-from %s: it shares no history with %s", ref, head.Hash.String()[:12])
	}
	return bases[0], nil
}

// diffCommits lists the paths that differ between two commits, sorted.
func diffCommits(from, to *object.Commit) ([]string, error) {
	a, err := from.Tree()
	if err != nil {
		return nil, err
	}
	b, err := to.Tree()
	if err != nil {
		return nil, err
	}
	changes, err := object.DiffTree(a, b)
	if err != nil {
		return nil, fmt.Errorf("--changed-from: compare %s and %s: %w", from.Hash.String()[:12], to.Hash.String()[:12], err)
	}
	seen := map[string]bool{}
	for _, ch := range changes {
		for _, p := range []string{ch.From.Name, ch.To.Name} {
			if p != "" {
				seen[p] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}

// underTop returns p relative to the folder top ("" for the root).
func underTop(p, top string) (string, bool) {
	if top == "" {
		return p, true
	}
	rest, ok := strings.CutPrefix(p, top+"/")
	return rest, ok
}

// treeFile reports whether a path (relative to a tree's top) is one a
// Tree reads: a configuration file outside hidden folders, and of cue.mod
// only the module file.
func treeFile(p string) bool {
	if strings.HasPrefix(p, "cue.mod/") {
		return p == moduleFile
	}
	return isConfigFile(p) && !hidden(path.Dir(p))
}

// hidden reports whether a path lies in a hidden folder.
func hidden(dir string) bool {
	for _, part := range strings.Split(dir, "/") {
		if strings.HasPrefix(part, ".") && part != "." {
			return true
		}
	}
	return false
}

// fileAt reads the regular file at p of tree.
func fileAt(tree *object.Tree, p string) ([]byte, error) {
	e, err := tree.FindEntry(p)
	if err != nil {
		return nil, err
	}
	if e.Mode != filemode.Regular && e.Mode != filemode.Executable {
		return nil, errors.New("not a regular file")
	}
	f, err := tree.TreeEntryFile(e)
	if err != nil {
		return nil, err
	}
	s, err := f.Contents()
	return []byte(s), err
}

func subtree(tree *object.Tree, p string) (*object.Tree, error) {
	if p == "" {
		return tree, nil
	}
	return tree.Tree(p)
}
