package reconcile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/curator-dev/curator/diag"
	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/schema"
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
	for name := range st.Galleries {
		// The name becomes a file name.
		if name == "" || name != filepath.Base(name) || strings.HasPrefix(name, ".") || name == "curator" {
			return nil, fmt.Errorf("gallery %q cannot be written as %s.cue: import the others with --gallery", name, name)
		}
	}
	files, warnings, err := schema.Encode(st)
	if err != nil {
		return nil, err
	}
	return &Imported{Files: files, Warnings: warnings, Counts: st.Counts(), Requests: t.Requests(), GraphRequests: t.Cloud.GraphRequests()}, nil
}

// WriteFiles writes imported files into dir, which must not hold
// configuration files yet: import never overwrites a configuration.
func WriteFiles(dir string, files map[string][]byte) error {
	if entries, err := os.ReadDir(dir); err == nil {
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".cue") {
				return fmt.Errorf("%s already holds configuration files (%s): import into a new or empty folder", dir, e.Name())
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		tmp := filepath.Join(dir, "."+n+".tmp")
		if err := os.WriteFile(tmp, files[n], 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, filepath.Join(dir, n)); err != nil {
			return err
		}
	}
	return nil
}
