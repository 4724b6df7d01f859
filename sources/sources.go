// Package sources gets curator's configuration: a snapshot of the files of a
// local folder or of a git repository at a revision (go-git: cloned once into
// a cache, fetched on later runs), and watches it for changes (fsnotify for
// folders, polling fetch for git).
//
// A snapshot is read whole into memory, so a half-written edit or a fetch
// that fails midway never reaches the loader. sources never parses CUE.
package sources

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"sort"
	"strings"
	"testing/fstest"
)

// Snapshot is the configuration at one revision.
type Snapshot struct {
	// Revision identifies the content: a git commit SHA, or "sha256:…" of
	// the files of a local folder.
	Revision string
	// FS holds the configuration files, read into memory.
	FS fs.FS
	// Origin describes where the snapshot came from, for messages (a
	// folder path, or a URL with credentials removed, ref and path).
	Origin string
}

// Source yields snapshots of a configuration.
type Source interface {
	// Snapshot returns the current configuration. When reading fails after
	// an earlier success, it returns the last good snapshot together with
	// the error, so a caller can keep going on what it had; it never
	// returns a partly read snapshot.
	Snapshot(ctx context.Context) (*Snapshot, error)
	// Watch sends on changed whenever the configuration may have changed,
	// until ctx is done.
	Watch(ctx context.Context, changed chan<- struct{}) error
	// String describes the source.
	String() string
}

// FromOrigin opens the source a snapshot's Origin names again: a folder, or
// a git repository ("git+URL#ref=…&path=…").
func FromOrigin(origin string) (Source, error) {
	if rest, ok := strings.CutPrefix(origin, "git+"); ok {
		rawURL, fragment, _ := strings.Cut(rest, "#")
		q, err := url.ParseQuery(fragment)
		if err != nil {
			return nil, fmt.Errorf("source %q: %w", origin, err)
		}
		return &Git{URL: rawURL, Ref: q.Get("ref"), Path: q.Get("path")}, nil
	}
	if fi, err := os.Stat(origin); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("source %q is not a folder here", origin)
	}
	return NewLocal(origin), nil
}

// isConfigFile reports whether a file belongs in a snapshot: CUE files,
// never CUE's _tool.cue command files, never hidden files.
func isConfigFile(name string) bool {
	base := path.Base(name)
	return strings.HasSuffix(base, ".cue") && !strings.HasSuffix(base, "_tool.cue") && !strings.HasPrefix(base, ".")
}

// contentRevision is a digest of a snapshot's files and their names.
func contentRevision(files fstest.MapFS) string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(files[n].Data))
		h.Write(files[n].Data)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))[:16]
}
