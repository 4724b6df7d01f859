package sources

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing/fstest"
)

// Reader is the one way curator reads a configuration's files from a disk:
// a local source's snapshot, `validate`, drift's copy of the last applied
// configuration, and import's check of what it wrote all read through it,
// and so will a module's packages. Its rules:
//
//   - A file is a configuration file by its name (`.cue`, not `_tool.cue`,
//     not hidden); nothing else in a folder is looked at.
//   - A link is followed only to a file inside Root; a link out is an
//     error naming the link and where it points, and nothing is read
//     through it.
//   - Only regular files are read. A named pipe, device or socket (or a
//     link to one) is refused by its type, from the folder's listing,
//     without being opened; a file that becomes one between the listing
//     and the read is opened without blocking and refused too.
//   - All files read through one Reader hold at most MaxSnapshotBytes.
//   - Every problem of a folder is reported at once: ReadDir's error joins
//     one *FileError per file.
//
// ReadFolder reads a configuration folder through it, and ReadTree a CUE
// module's folders.
//
// A Reader is not safe for use by several goroutines.
type Reader struct {
	// Root is the folder links may point into; the paths given to the
	// Reader's methods are slash-separated and relative to it.
	Root string
	// Skip, if set, leaves out files by name besides those that are not
	// configuration files by their name.
	Skip func(name string) bool

	total int64 // bytes read so far
	files int   // files read so far
}

// FileError is a problem with one file of a configuration.
type FileError struct {
	// Root is the Reader's Root, and Path the file's path relative to it,
	// slash-separated.
	Root, Path string
	Err        error
}

func (e *FileError) Error() string {
	var p *predicate
	if errors.As(e.Err, &p) {
		return e.Path + " " + e.Err.Error() // "x.cue is a named pipe …"
	}
	return e.Path + ": " + e.Err.Error()
}

// predicate is an error that reads as what a file is or does: its
// FileError reads "x.cue links to …", not "x.cue: links to …".
type predicate struct{ msg string }

func (p *predicate) Error() string { return p.msg }

func predicatef(format string, args ...any) error {
	return &predicate{fmt.Sprintf(format, args...)}
}

func (e *FileError) Unwrap() error { return e.Err }

// errVanished marks a file that disappeared while its folder was read.
var errVanished = errors.New("disappeared while the folder was read")

// ReadFolder reads the configuration files at the root of dir through a
// Reader rooted at dir: a local source's Snapshot (outside a CUE module),
// validate and drift read a folder this way. A .cue file in a subfolder
// (hidden folders and cue.mod aside) is an error too, as configuration
// that would be silently missing. A file that disappears while the folder
// is read (an editor replacing it) makes it read the folder again, a few
// times at most. The error joins every problem.
func ReadFolder(dir string) (fstest.MapFS, error) {
	var err error
	for range 3 {
		var files fstest.MapFS
		files, err = (&Reader{Root: dir}).ReadDir(".")
		var problems []error
		if err != nil {
			var tooLarge *tooLargeError
			if errors.As(err, &tooLarge) {
				return nil, err
			}
			problems = append(problems, splitJoined(err)...)
		}
		var nested []string
		if entries, lerr := os.ReadDir(dir); lerr == nil {
			for _, e := range entries {
				if e.IsDir() && !skipFolder(e.Name()) {
					nested = append(nested, subfolderFiles(dir, e.Name())...)
				}
			}
		}
		if len(nested) > 0 {
			problems = append(problems, errSubfolderFiles(nested))
		}
		if len(problems) == 0 {
			return files, nil
		}
		if err = errors.Join(problems...); !errors.Is(err, errVanished) {
			break
		}
	}
	return nil, err
}

// ReadTree reads the .cue files of root and every folder below it (but
// hidden ones, editors' temporary files, and of cue.mod only module.cue)
// through one Reader rooted at root, keyed by their paths relative to it:
// how a CUE module on disk is read. Links to folders are not followed.
func ReadTree(root string) (fstest.MapFS, error) {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, err
	}
	r := &Reader{Root: realRoot, Skip: editorTemp}
	files := fstest.MapFS{}
	var problems []error
	err = filepath.WalkDir(realRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == realRoot {
				return err
			}
			return nil // a folder that vanished or cannot be read
		}
		if !d.IsDir() {
			return nil
		}
		if p != realRoot && skipTreeFolder(d.Name()) {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(realRoot, p)
		rel = filepath.ToSlash(rel)
		if rel == "cue.mod" {
			data, err := r.ReadFile(moduleFile)
			switch {
			case errors.Is(err, fs.ErrNotExist):
			case err != nil:
				problems = append(problems, err)
			default:
				files[moduleFile] = &fstest.MapFile{Data: data, Mode: 0o644}
			}
			return filepath.SkipDir
		}
		got, err := r.ReadDir(rel)
		if err != nil {
			var tooLarge *tooLargeError
			if errors.As(err, &tooLarge) {
				return err
			}
			for _, e := range splitJoined(err) {
				if !errors.Is(e, errVanished) && !errors.Is(e, fs.ErrNotExist) {
					problems = append(problems, e)
				}
			}
		}
		maps.Copy(files, got)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return files, nil
}

// splitJoined lists the errors err joins, or err alone.
func splitJoined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// ReadDir reads the configuration files directly in dir (relative to Root;
// "." is Root itself) into memory, keyed by their path relative to Root;
// subfolders are not read. The error joins every problem found, one
// *FileError per file; a file that vanished while the folder was read is
// one whose error errors.Is(err, fs.ErrNotExist) holds for.
func (r *Reader) ReadDir(dir string) (fstest.MapFS, error) {
	entries, err := os.ReadDir(filepath.Join(r.Root, filepath.FromSlash(dir)))
	if err != nil {
		return nil, err
	}
	files := fstest.MapFS{}
	var problems []error
	for _, e := range entries {
		if e.IsDir() || !isConfigFile(e.Name()) || r.Skip != nil && r.Skip(e.Name()) {
			continue
		}
		name := path.Join(dir, e.Name())
		data, err := r.read(name, e)
		if err != nil {
			var tooLarge *tooLargeError
			if errors.As(err, &tooLarge) {
				return nil, err // no point reading on
			}
			problems = append(problems, &FileError{Root: r.Root, Path: name, Err: err})
			continue
		}
		files[name] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return files, nil
}

// ReadFile reads one configuration file (relative to Root) by the
// Reader's rules.
func (r *Reader) ReadFile(name string) ([]byte, error) {
	fi, err := os.Lstat(filepath.Join(r.Root, filepath.FromSlash(name)))
	if err != nil {
		return nil, err
	}
	data, err := r.read(name, fs.FileInfoToDirEntry(fi))
	if err != nil {
		return nil, &FileError{Root: r.Root, Path: name, Err: err}
	}
	return data, nil
}

// read reads the file at name, listed as e.
func (r *Reader) read(name string, e fs.DirEntry) ([]byte, error) {
	p := filepath.Join(r.Root, filepath.FromSlash(name))
	if e.Type()&fs.ModeSymlink != 0 {
		target, err := r.linkInside(p)
		if err != nil {
			return nil, err
		}
		p = target
	}
	fi, err := os.Lstat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %w", errVanished, err)
		}
		return nil, err
	}
	if err := checkRegular(fi); err != nil {
		return nil, err
	}
	if r.total+fi.Size() > MaxSnapshotBytes {
		return nil, &tooLargeError{errTooLarge(r.total+fi.Size(), r.files+1)}
	}
	f, err := openFile(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %w", errVanished, err)
		}
		return nil, err
	}
	defer f.Close()
	// What was opened must be what was listed: a regular file, not one
	// swapped in since (a pipe, which openFile opened without waiting).
	opened, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := checkRegular(opened); err != nil {
		return nil, err
	}
	if !os.SameFile(fi, opened) {
		return nil, fmt.Errorf("%w: it was replaced while it was read", errVanished)
	}
	// The guard holds for a file that grows while it is read too.
	data, err := io.ReadAll(io.LimitReader(f, MaxSnapshotBytes-r.total+1))
	if err != nil {
		return nil, err
	}
	if r.total += int64(len(data)); r.total > MaxSnapshotBytes {
		return nil, &tooLargeError{errTooLarge(r.total, r.files+1)}
	}
	r.files++
	return data, nil
}

// checkRegular refuses anything but a regular file, naming its type.
func checkRegular(fi fs.FileInfo) error {
	m := fi.Mode()
	var kind string
	switch {
	case m.IsRegular():
		return nil
	case m&fs.ModeNamedPipe != 0:
		kind = "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		kind = "a socket"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		kind = "a device"
	case m.IsDir():
		kind = "a folder"
	default:
		kind = "not a regular file (" + m.Type().String() + ")"
	}
	return predicatef("is %s, not a file: a configuration is read only from regular files; remove it or rename it so it does not end in .cue", kind)
}

// linkInside resolves the link at p and returns what it points at, or an
// error naming the link when that is outside Root: a configuration is what
// its folder holds, not whatever a link in it reaches (/etc/…).
func (r *Reader) linkInside(p string) (string, error) {
	target, err := filepath.EvalSymlinks(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", predicatef("is a link to a file that does not exist")
		}
		return "", err
	}
	root, err := filepath.EvalSymlinks(r.Root)
	if err != nil {
		return "", err
	}
	if rel, err := filepath.Rel(root, target); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", predicatef("links to %s, outside the configuration folder: links are followed only to files inside it, and nothing was read through this one; copy the file into the folder instead", target)
	}
	return target, nil
}

// tooLargeError is errTooLarge's error, which stops a read at once.
type tooLargeError struct{ err error }

func (e *tooLargeError) Error() string { return e.err.Error() }
