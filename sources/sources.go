// Package sources gets curator's configuration: a Snapshot of the
// configuration files of a local folder, or of a folder of a git repository
// at a resolved commit (through go-git: cloned once into a bare cache, then
// fetched on later runs), and watches the source for changes (fsnotify on
// every folder of a local source; a polling fetch for git).
//
// A snapshot is read whole into memory before it is returned, so a
// half-written edit or a fetch that fails midway never reaches the loader;
// when reading fails after an earlier success, the last good snapshot is
// returned together with the error.
//
// sources never parses or evaluates CUE, never runs anything from a
// repository (no hooks, no submodules, no `_tool.cue` command files), and
// never writes credentials to disk, errors or logs.
package sources

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing/fstest"
)

// Snapshot is the configuration at one revision. Its files are held in
// memory and never change after Snapshot returns.
type Snapshot struct {
	// Revision identifies the content: the full SHA-1 of the git commit
	// the ref resolved to, or "sha256:" and the first 16 hex digits of a
	// digest of the names and contents of a local folder's configuration
	// files (modification times do not count).
	Revision string
	// FS holds the configuration files at the root of the source folder
	// (the `.cue` files, without `_tool.cue` command files and hidden
	// files), read into memory. A `.cue` file in a subfolder (but hidden
	// ones and cue.mod), a link to a file outside the folder, or more than
	// MaxSnapshotBytes of files is an error, never dropped in silence.
	FS fs.FS
	// Origin says where the snapshot came from, without credentials: the
	// absolute path of a local folder, or "git+URL#ref=…&path=…" for a git
	// repository. SameOrigin tells whether a source is the one it names.
	Origin string
	// Module is the CUE module the configuration lies in, nil when none
	// is at or above its folder: its files are read with the
	// configuration's, so that the loader can resolve imports of the
	// module's packages (see module.go). With a module, .cue files in
	// subfolders are the module's other packages, not an error.
	Module *Module
}

// Source yields snapshots of a configuration. The implementations are
// *Local and *Git; both are safe for use by several goroutines.
type Source interface {
	// Snapshot reads the configuration as it is now (for git: after a
	// fetch). It returns:
	//   - (snapshot, nil) when reading succeeded;
	//   - (last good snapshot, error) when reading failed but an earlier
	//     read succeeded (for git, also a commit fetched by an earlier run
	//     into the cache): the caller can go on with the last good
	//     revision and must report the error;
	//   - (nil, error) when there is no good snapshot at all.
	// It never returns a partly read snapshot.
	Snapshot(ctx context.Context) (*Snapshot, error)
	// Watch sends on changed each time the configuration may have changed
	// (a local .cue file was written, or a poll fetched a new commit or
	// began or stopped failing), until ctx is done; then it returns nil.
	// A send blocks until it is received, so several changes made while
	// the caller is busy arrive as one signal. Watch returns an error only
	// when watching cannot go on.
	Watch(ctx context.Context, changed chan<- struct{}) error
	// String describes the source for people, without credentials.
	String() string
}

var (
	_ Source = (*Local)(nil)
	_ Source = (*Git)(nil)
)

// SameOrigin reports whether origin (a Snapshot's Origin, e.g. as a saved
// plan recorded it) names the configuration s reads: the same folder, or
// the same folder of the same repository URL (credentials aside). A git
// ref is not compared: what a ref resolves to is the snapshot's Revision,
// which the caller compares. It does no I/O beyond resolving s's own
// folder: origin is untrusted and nothing it names is opened.
func SameOrigin(s Source, origin string) bool {
	switch s := s.(type) {
	case *Local:
		if strings.HasPrefix(origin, "git+") || !filepath.IsAbs(origin) {
			return false
		}
		abs, err := filepath.Abs(s.Dir)
		if err != nil {
			return false
		}
		want := filepath.Clean(origin)
		if abs == want {
			return true
		}
		real, err := filepath.EvalSymlinks(abs)
		return err == nil && real == want
	case *Git:
		rest, ok := strings.CutPrefix(origin, "git+")
		if !ok {
			return false
		}
		rawURL, fragment, _ := strings.Cut(rest, "#")
		q, err := url.ParseQuery(fragment)
		if err != nil {
			return false
		}
		return redactURL(s.URL) == rawURL && cleanRepoPath(s.Path) == cleanRepoPath(q.Get("path"))
	}
	return false
}

// isConfigFile reports whether a file belongs in a snapshot: CUE files,
// never CUE's `_tool.cue` command files, never hidden files (which is also
// where editors keep their locks, e.g. `.#main.cue`).
func isConfigFile(name string) bool {
	base := path.Base(name)
	return strings.HasSuffix(base, ".cue") && !strings.HasSuffix(base, "_tool.cue") && !strings.HasPrefix(base, ".")
}

// MaxSnapshotBytes is the most configuration a snapshot holds: far more
// than the service's limits let one subscription hold (10,000 versions per
// region are about 3 MB of CUE), little enough to refuse at once.
const MaxSnapshotBytes = 64 << 20

// errTooLarge refuses a snapshot of more than MaxSnapshotBytes.
func errTooLarge(total int64, files int) error {
	return fmt.Errorf("the configuration's .cue files hold more than %d MiB (%.1f MiB in the first %d files), more than curator reads: the service's limits fit in a few MiB; split the estate into several configurations",
		MaxSnapshotBytes>>20, float64(total)/(1<<20), files)
}

// skipFolder reports whether a subfolder of a configuration folder is never
// searched for .cue files: hidden folders (.git, .github) and CUE's module
// folder, cue.mod.
func skipFolder(name string) bool {
	return strings.HasPrefix(name, ".") || name == "cue.mod"
}

// errSubfolderFiles refuses .cue files in subfolders rather than dropping
// them in silence: what they declare would be missing from the plan (and
// deleted with prune).
func errSubfolderFiles(names []string) error {
	sort.Strings(names)
	shown := names
	more := ""
	if len(names) > 5 {
		shown, more = names[:5], fmt.Sprintf(" (and %d more)", len(names)-5)
	}
	return fmt.Errorf("%s%s: .cue files in subfolders are not read (a configuration is the .cue files of one folder, one CUE package): move them up into the configuration folder, or out of it",
		strings.Join(shown, ", "), more)
}

// contentRevision is a digest of a snapshot's file names and contents.
func contentRevision(files fstest.MapFS) string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		// Lengths delimit names and contents, so no two different sets of
		// files have the same input.
		fmt.Fprintf(h, "%d:%s\x00%d:", len(n), n, len(files[n].Data))
		h.Write(files[n].Data)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))[:16]
}
