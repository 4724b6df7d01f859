package reconcile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/curator-dev/curator/diag"
	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/schema"
	"github.com/curator-dev/curator/sources"
)

// ImportOptions say what to import.
type ImportOptions struct {
	// Name is the configuration the files declare; resources without its
	// ownership mark are written with `adopt: true`.
	Name string
	// Target is the scope to read.
	Target model.Target
	// Galleries limits the import to these galleries; none means all.
	Galleries []string
}

// Imported is an estate written as configuration files.
type Imported struct {
	// Files by name: curator.cue and one <gallery>.cue per gallery.
	Files map[string][]byte
	// Warnings list what the files cannot say.
	Warnings diag.Diagnostics
	// Counts are the sizes of what was imported.
	Counts model.Counts
	// Requests is how many Resource Manager requests reading took, and
	// GraphRequests how many of them were Resource Graph queries.
	Requests      int64
	GraphRequests int64
}

// Import reads the actual state of a scope with the reader plan uses and
// writes it as a configuration whose plan against that state is empty
// (apart from adopting what this configuration does not mark yet).
func (r *Reconciler) Import(ctx context.Context, opts ImportOptions) (*Imported, error) {
	if err := schema.CheckConfigName(opts.Name); err != nil {
		return nil, err
	}
	t, err := OpenTarget(ctx, opts.Name, opts.Target, r.opts.Target)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	// Import has no configuration to size the read from: one Resource Graph
	// count chooses the path plan would take for this estate (Resource
	// Graph's few queries for a large one, the list calls for a small one).
	if err := t.Cloud.SizeFromGraph(ctx); err != nil {
		r.log.Warn("reading through Resource Manager lists: Resource Graph could not count the estate", "error", err)
	}
	actual, err := t.Cloud.ReadState(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the actual state of %s: %w", t.Scope, err)
	}
	st := &model.State{Name: opts.Name, Target: opts.Target, Galleries: actual.Galleries}
	if len(opts.Galleries) > 0 {
		st.Galleries = map[string]*model.Gallery{}
		var missing []string
		for _, name := range opts.Galleries {
			g, ok := actual.Galleries[name]
			if !ok {
				missing = append(missing, name)
				continue
			}
			st.Galleries[name] = g
		}
		if len(missing) > 0 {
			var have []string
			for name := range actual.Galleries {
				have = append(have, name)
			}
			sort.Strings(have)
			return nil, fmt.Errorf("no gallery %s in %s (it holds: %s)", strings.Join(missing, ", "), t.Scope, strings.Join(have, ", "))
		}
	}
	files, warnings, err := schema.Encode(st)
	if err != nil {
		return nil, err
	}
	return &Imported{Files: files, Warnings: warnings, Counts: st.Counts(), Requests: t.Requests(), GraphRequests: t.Cloud.GraphRequests()}, nil
}

// WriteFiles writes imported files into dir, which must be new or empty:
// import writes only its own new files. Each file is created exclusively
// (O_EXCL: never through a link, never over a file) in a private folder of
// its own inside dir, then moved into place; a name that appears in dir
// meanwhile stops the import, and what it moved is taken back.
func WriteFiles(dir string, files map[string][]byte) (err error) {
	names := slices.Sorted(maps.Keys(files))
	for _, n := range names {
		if n != filepath.Base(n) || strings.HasPrefix(n, ".") || !strings.HasSuffix(n, ".cue") {
			return fmt.Errorf("internal error: import would write %q, not a configuration file name", n)
		}
	}
	created := false
	switch err := os.Mkdir(dir, 0o755); {
	case err == nil:
		created = true
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return err
		}
		if err := os.Mkdir(dir, 0o755); err != nil {
			return err
		}
		created = true
	case errors.Is(err, fs.ErrExist):
		entries, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("--out %s: %w", dir, err)
		}
		if len(entries) > 0 {
			return fmt.Errorf("--out %s is not empty (it holds %s): import writes only into a new or empty folder", dir, entries[0].Name())
		}
	default:
		return err
	}
	var moved []string
	defer func() {
		if err == nil {
			return
		}
		for _, p := range moved {
			os.Remove(p)
		}
		if created {
			os.Remove(dir)
		}
	}()
	tmp, err := os.MkdirTemp(dir, ".curator-import-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, n := range names {
		if err := writeNew(filepath.Join(tmp, n), files[n]); err != nil {
			return err
		}
	}
	for _, n := range names {
		final := filepath.Join(dir, n)
		if _, err := os.Lstat(final); !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s appeared while import wrote the folder: nothing was overwritten; import into a new folder", final)
		}
		if err := os.Rename(filepath.Join(tmp, n), final); err != nil {
			return err
		}
		moved = append(moved, final)
	}
	return nil
}

// writeNew creates the file p, which must not exist (not even as a link),
// and writes data to it.
func writeNew(p string, data []byte) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// CheckWritten reads the configuration import wrote to dir as plan reads
// it (sources' Reader, then the loader): it must be valid and hold what was
// imported, so that no gallery is silently left out of it.
func CheckWritten(dir string, imp *Imported) error {
	snap, err := sources.NewLocal(dir).Snapshot(context.Background())
	if err != nil {
		return fmt.Errorf("read back the imported configuration: %w", err)
	}
	st, diags := LoadSnapshot(snap)
	if diags.HasErrors() {
		return diags.Err(fmt.Sprintf("the configuration written to %s does not validate (the warnings above say what it cannot hold as the estate has it; fix the files)", dir))
	}
	if got := st.Counts(); got != imp.Counts {
		return fmt.Errorf("internal error: the configuration written to %s loads as %s, the estate imported was %s", dir, got, imp.Counts)
	}
	return nil
}
