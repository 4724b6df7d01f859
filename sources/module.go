package sources

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing/fstest"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// A configuration may lie in a CUE module: a folder at or above it (up to
// the repository's root, or for a git source the tree's root) with the
// file cue.mod/module.cue. Its configurations import the module's own
// packages, so a snapshot of such a configuration holds the module's files
// too, read at the same time and revision. sources only finds and reads
// the files; the loader resolves the imports.

// moduleFile is where a CUE module is declared, relative to its root.
const moduleFile = "cue.mod/module.cue"

// Module is the CUE module a snapshot's configuration lies in.
type Module struct {
	// Root says where the module is, for people: a folder's absolute
	// path, or "git+URL#ref=…&path=ROOT" for a folder of a git repository.
	Root string
	// Dir is the configuration's folder relative to the module's root,
	// slash-separated ("." for the root itself).
	Dir string
	// FS holds cue.mod/module.cue and the .cue files of every folder of
	// the module (but hidden ones, and cue.mod's others), paths relative
	// to the root, read into memory with the snapshot.
	FS fs.FS
}

// findModuleRoot returns the folder at or above dir that holds
// cue.mod/module.cue, looking no higher than the root of the git
// repository dir is in (the folder holding .git), or "" when there is none.
func findModuleRoot(dir string) (string, error) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if fi, err := os.Stat(filepath.Join(d, filepath.FromSlash(moduleFile))); err == nil && fi.Mode().IsRegular() {
			return d, nil
		}
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return "", nil // the repository's root: no module beyond it
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", nil
		}
		d = parent
	}
}

// skipTreeFolder reports whether a folder of a module or repository tree
// is never read: hidden folders (.git, .github) and, below the tree's root,
// cue.mod (only its module.cue is read).
func skipTreeFolder(name string) bool { return strings.HasPrefix(name, ".") }

// moduleSnapshot is the snapshot of the configuration in folder dir of the
// module read into files: its own files are the module's files of that
// folder.
func moduleSnapshot(files fstest.MapFS, dir string) fstest.MapFS {
	own := fstest.MapFS{}
	prefix := dir + "/"
	if dir == "." {
		prefix = ""
	}
	for name, f := range files {
		if rest, ok := strings.CutPrefix(name, prefix); ok && !strings.Contains(rest, "/") {
			own[rest] = f
		}
	}
	return own
}

// moduleRevision is a local module snapshot's revision: a digest of every
// file of the module (the configuration's own and whatever it imports are
// among them) and of the configuration's folder.
func moduleRevision(files fstest.MapFS, dir string) string {
	all := fstest.MapFS{"\x00dir": &fstest.MapFile{Data: []byte(dir)}}
	for name, f := range files {
		all[name] = f
	}
	return contentRevision(all)
}

// readLocalModule reads the configuration at dir as part of the module at
// root.
func readLocalModule(root, dir string) (*Snapshot, error) {
	files, err := ReadTree(root)
	if err != nil {
		return nil, fmt.Errorf("read the CUE module at %s: %w", root, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	realDir, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, err
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(realRoot, realDir)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, fmt.Errorf("%s is not inside the CUE module at %s", dir, root)
	}
	rel = filepath.ToSlash(rel)
	return &Snapshot{
		Revision: moduleRevision(files, rel),
		FS:       moduleSnapshot(files, rel),
		Origin:   abs,
		Module:   &Module{Root: root, Dir: rel, FS: files},
	}, nil
}

// findTreeModule returns the folder at or above sub (slash path, "" for
// the root) of a commit's tree that holds cue.mod/module.cue, and whether
// there is one.
func findTreeModule(tree *object.Tree, sub string) (string, bool) {
	for d := sub; ; {
		p := moduleFile
		if d != "" {
			p = d + "/" + moduleFile
		}
		if e, err := tree.FindEntry(p); err == nil && (e.Mode == filemode.Regular || e.Mode == filemode.Executable) {
			return d, true
		}
		if d == "" {
			return "", false
		}
		d = path.Dir(d)
		if d == "." {
			d = ""
		}
	}
}

// readGitTree reads the .cue files of a commit's tree (a folder of it) and
// every folder below it (but hidden ones, and of cue.mod only module.cue),
// paths relative to it. A link is read as the regular file of the tree it
// names, refused when it points out of the tree; submodules are never
// followed.
func readGitTree(repo *git.Repository, tree *object.Tree) (fstest.MapFS, error) {
	files := fstest.MapFS{}
	var total int64
	var walk func(t *object.Tree, prefix string) error
	walk = func(t *object.Tree, prefix string) error {
		for _, e := range t.Entries {
			name := prefix + e.Name
			switch {
			case e.Mode == filemode.Dir:
				if skipTreeFolder(e.Name) {
					continue
				}
				sub, err := repo.TreeObject(e.Hash)
				if err != nil {
					return fmt.Errorf("read folder %s: %w", name, err)
				}
				if err := walk(sub, name+"/"); err != nil {
					return err
				}
				continue
			case !isConfigFile(e.Name), strings.HasPrefix(name, "cue.mod/") && name != moduleFile:
				continue
			case e.Mode != filemode.Regular && e.Mode != filemode.Executable && e.Mode != filemode.Symlink:
				continue
			}
			blobHash := e.Hash
			if e.Mode == filemode.Symlink {
				h, err := linkInGitTree(repo, tree, name, e.Hash)
				if err != nil {
					return err
				}
				blobHash = h
			}
			blob, err := object.GetBlob(repo.Storer, blobHash)
			if err != nil {
				return fmt.Errorf("read %s: %w", name, err)
			}
			if total += blob.Size; total > MaxSnapshotBytes {
				return errTooLarge(total, len(files)+1)
			}
			data, err := readBlob(blob)
			if err != nil {
				return fmt.Errorf("read %s: %w", name, err)
			}
			files[name] = &fstest.MapFile{Data: data, Mode: 0o644}
		}
		return nil
	}
	if err := walk(tree, ""); err != nil {
		return nil, err
	}
	return files, nil
}

// linkInGitTree resolves the link at name (a path of tree) to the blob of
// the regular file it names inside tree, or refuses it: a link out of the
// tree (../…, /etc/…) is never followed.
func linkInGitTree(repo *git.Repository, tree *object.Tree, name string, h plumbing.Hash) (plumbing.Hash, error) {
	link, err := object.GetBlob(repo.Storer, h)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read link %s: %w", name, err)
	}
	if link.Size > 4096 {
		return plumbing.ZeroHash, fmt.Errorf("%s is a link of %d bytes: not a path", name, link.Size)
	}
	data, err := readBlob(link)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read link %s: %w", name, err)
	}
	target := string(data)
	clean := path.Join(path.Dir(name), target)
	if path.IsAbs(target) || clean == ".." || strings.HasPrefix(clean, "../") || strings.ContainsRune(target, 0) {
		return plumbing.ZeroHash, fmt.Errorf("%s links to %s, outside the module: links are followed only to files inside it; commit the file instead", name, strconv.Quote(target))
	}
	to, err := tree.FindEntry(clean)
	if err != nil || to.Mode != filemode.Regular && to.Mode != filemode.Executable {
		return plumbing.ZeroHash, fmt.Errorf("%s links to %s, which is not a file of the module (links are followed only to files, not to links or folders)", name, strconv.Quote(target))
	}
	return to.Hash, nil
}
