package sources_test

import (
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// remote is a bare repository on disk standing in for a git server. Its
// commits are written straight into its object store, so a test can make
// any history: force-pushes, links, submodules.
type remote struct {
	t    testing.TB
	dir  string
	repo *git.Repository
	n    int
}

// entry is one file of a commit; a plain string in a files map is a
// regular file with that content.
type entry struct {
	mode filemode.FileMode
	data string
	hash plumbing.Hash // for submodules: the commit they point at
}

func newRemote(t testing.TB) *remote {
	t.Helper()
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	r := &remote{t: t, dir: dir, repo: repo}
	if err := repo.Storer.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, "refs/heads/main")); err != nil {
		t.Fatal(err)
	}
	return r
}

// commit makes a commit of files on branch, with the branch's commit as
// parent (if any), and moves the branch to it.
func (r *remote) commit(branch string, files map[string]string, extra ...map[string]entry) string {
	r.t.Helper()
	all := map[string]entry{}
	for name, data := range files {
		all[name] = entry{mode: filemode.Regular, data: data}
	}
	for _, m := range extra {
		for name, e := range m {
			all[name] = e
		}
	}
	var parents []plumbing.Hash
	if ref, err := r.repo.Reference(plumbing.NewBranchReferenceName(branch), true); err == nil {
		parents = append(parents, ref.Hash())
	}
	h := r.commitTree(r.tree(all), parents)
	r.setBranch(branch, h)
	return h.String()
}

// forcePush moves branch to a new commit that does not descend from the
// old one.
func (r *remote) forcePush(branch string, files map[string]string) string {
	r.t.Helper()
	all := map[string]entry{}
	for name, data := range files {
		all[name] = entry{mode: filemode.Regular, data: data}
	}
	h := r.commitTree(r.tree(all), nil)
	r.setBranch(branch, h)
	return h.String()
}

func (r *remote) setBranch(branch string, h plumbing.Hash) {
	r.t.Helper()
	if err := r.repo.Storer.SetReference(plumbing.NewHashReference(plumbing.NewBranchReferenceName(branch), h)); err != nil {
		r.t.Fatal(err)
	}
}

func (r *remote) deleteBranch(branch string) {
	r.t.Helper()
	if err := r.repo.Storer.RemoveReference(plumbing.NewBranchReferenceName(branch)); err != nil {
		r.t.Fatal(err)
	}
}

// tag makes a lightweight tag, or an annotated one when message is set.
func (r *remote) tag(name, commit, message string) {
	r.t.Helper()
	target := plumbing.NewHash(commit)
	if message != "" {
		tag := &object.Tag{Name: name, Tagger: r.sig(), Message: message, TargetType: plumbing.CommitObject, Target: target}
		obj := r.repo.Storer.NewEncodedObject()
		if err := tag.Encode(obj); err != nil {
			r.t.Fatal(err)
		}
		target = r.store(obj)
	}
	if err := r.repo.Storer.SetReference(plumbing.NewHashReference(plumbing.NewTagReferenceName(name), target)); err != nil {
		r.t.Fatal(err)
	}
}

func (r *remote) sig() object.Signature {
	r.n++
	return object.Signature{Name: "Test", Email: "test@example.com", When: time.Unix(1_700_000_000+int64(r.n), 0).UTC()}
}

func (r *remote) commitTree(tree plumbing.Hash, parents []plumbing.Hash) plumbing.Hash {
	r.t.Helper()
	sig := r.sig()
	c := &object.Commit{Author: sig, Committer: sig, Message: "change\n", TreeHash: tree, ParentHashes: parents}
	obj := r.repo.Storer.NewEncodedObject()
	if err := c.Encode(obj); err != nil {
		r.t.Fatal(err)
	}
	return r.store(obj)
}

func (r *remote) store(obj plumbing.EncodedObject) plumbing.Hash {
	r.t.Helper()
	h, err := r.repo.Storer.SetEncodedObject(obj)
	if err != nil {
		r.t.Fatal(err)
	}
	return h
}

func (r *remote) blob(data string) plumbing.Hash {
	r.t.Helper()
	obj := r.repo.Storer.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	w, err := obj.Writer()
	if err != nil {
		r.t.Fatal(err)
	}
	if _, err := w.Write([]byte(data)); err != nil {
		r.t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		r.t.Fatal(err)
	}
	return r.store(obj)
}

// tree writes the tree of files named by slash-separated paths.
func (r *remote) tree(files map[string]entry) plumbing.Hash {
	r.t.Helper()
	sub := map[string]map[string]entry{}
	var entries []object.TreeEntry
	for name, e := range files {
		if first, rest, ok := strings.Cut(name, "/"); ok {
			if sub[first] == nil {
				sub[first] = map[string]entry{}
			}
			sub[first][rest] = e
			continue
		}
		h := e.hash
		if e.mode != filemode.Submodule {
			h = r.blob(e.data)
		}
		entries = append(entries, object.TreeEntry{Name: name, Mode: e.mode, Hash: h})
	}
	for name, files := range sub {
		entries = append(entries, object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: r.tree(files)})
	}
	// git orders entries by name, folders as if their name ended in "/".
	key := func(e object.TreeEntry) string {
		if e.Mode == filemode.Dir {
			return e.Name + "/"
		}
		return e.Name
	}
	sort.Slice(entries, func(i, j int) bool { return key(entries[i]) < key(entries[j]) })
	obj := r.repo.Storer.NewEncodedObject()
	if err := (&object.Tree{Entries: entries}).Encode(obj); err != nil {
		r.t.Fatal(err)
	}
	return r.store(obj)
}

// remove makes the remote unreachable.
func (r *remote) remove() {
	r.t.Helper()
	if err := os.RemoveAll(r.dir); err != nil {
		r.t.Fatal(err)
	}
}
