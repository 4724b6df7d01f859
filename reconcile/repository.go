package reconcile

import (
	"context"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/curator-dev/curator/diag"
	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/schema"
	"github.com/curator-dev/curator/sources"
)

// A repository of configurations is handled one configuration at a time,
// each with its own target, lock, refusals and outcome: those with
// different targets at once, those sharing one (its apply lock, or the
// local target's state folder) one after the other. Every configuration's
// result has its own slot, so one that fails stops no other.

// RepoConfig is one configuration of a repository.
type RepoConfig struct {
	// Path is its folder relative to the repository's root (what was
	// given on the command line), slash-separated.
	Path string
	// Dir is its folder relative to the tree's top.
	Dir string
	// Snapshot is its files at the repository's revision.
	Snapshot *sources.Snapshot
}

// Configurations finds the configurations of a repository's tree: every
// folder at or below its root with `package curator` files (see
// schema.FindConfigurations for the folders left out).
func Configurations(t *sources.Tree) ([]RepoConfig, error) {
	dirs, err := schema.FindConfigurations(t.FS, t.Root)
	if err != nil {
		return nil, err
	}
	out := make([]RepoConfig, len(dirs))
	for i, dir := range dirs {
		rel := dir
		if t.Root != "." {
			rel = strings.TrimPrefix(strings.TrimPrefix(dir, t.Root), "/")
			if rel == "" {
				rel = "."
			}
		}
		out[i] = RepoConfig{Path: rel, Dir: dir, Snapshot: t.Configuration(dir)}
	}
	return out, nil
}

// TargetKey says which configurations must not run at once: those whose
// key is the same share an apply lock (a lock blob), a scope, or the local
// target's emulator state folder.
func TargetKey(t model.Target, stateDir string) string {
	if lb := t.BlobLock(); lb != nil {
		return "lock " + strings.ToLower(lb.Blob)
	}
	if t.Azure == nil && (t.Local == nil || t.Local.Endpoint == "") {
		if stateDir == "" {
			stateDir = DefaultStateDir
		}
		if abs, err := filepath.Abs(stateDir); err == nil {
			stateDir = abs
		}
		return "state " + filepath.Clean(stateDir)
	}
	return "scope " + strings.ToLower(EncodeTarget(t))
}

// Loaded is a configuration of a repository after loading.
type Loaded struct {
	RepoConfig
	// Desired is its state; nil when it could not be loaded.
	Desired *model.State
	// Warnings from loading it.
	Warnings diag.Diagnostics
	// Err is why it could not be loaded: an *InvalidConfigError for an
	// invalid configuration.
	Err error
}

// LoadAll loads every configuration, several at once, each with a
// reconciler made by newReconciler for its snapshot.
func LoadAll(ctx context.Context, configs []RepoConfig, newReconciler func(RepoConfig) *Reconciler) []Loaded {
	out := make([]Loaded, len(configs))
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	for i, c := range configs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			_, st, diags, err := newReconciler(c).Load(ctx)
			out[i] = Loaded{RepoConfig: c, Desired: st, Warnings: diags.Warnings(), Err: err}
			if st == nil && err == nil {
				out[i].Err = &InvalidConfigError{Revision: c.Snapshot.Revision, Diagnostics: diags, Module: c.Snapshot.Module}
			}
		}()
	}
	wg.Wait()
	return out
}

// ForEachTarget calls run for every loaded configuration (those that
// failed to load are skipped): configurations of different targets at
// once, those sharing a target (see TargetKey) one after the other in
// folder order. It returns when every call has.
func ForEachTarget(ctx context.Context, loaded []Loaded, stateDir string, run func(ctx context.Context, i int)) {
	groups := map[string][]int{}
	var keys []string
	for i, l := range loaded {
		if l.Desired == nil {
			continue
		}
		k := TargetKey(l.Desired.Target, stateDir)
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, i := range groups[k] {
				if ctx.Err() != nil {
					return
				}
				run(ctx, i)
			}
		}()
	}
	wg.Wait()
}

// RepoPath joins a repository root's name and a configuration's folder for
// people ("examples/repo/prod").
func RepoPath(root, dir string) string {
	if dir == "." {
		return root
	}
	return path.Join(filepath.ToSlash(root), dir)
}

// CuratorChanged returns a changed path of the repository that changes
// how every configuration is planned — curator's own source (Go files,
// go.mod, go.sum), its schema (schema/curator.cue), or a .curator-version
// file pinning the release a pipeline runs — or "" when there is none.
func CuratorChanged(paths []string) string {
	for _, p := range paths {
		base := path.Base(p)
		switch {
		case strings.HasSuffix(base, ".go"), base == "go.mod", base == "go.sum", base == ".curator-version",
			p == "schema/curator.cue" || strings.HasSuffix(p, "/schema/curator.cue"):
			return p
		}
	}
	return ""
}

// Touched reports whether a change of the files changed (paths relative to
// the tree's top) touches the configuration: one of its own files, or a
// file of a package it imports (transitively), or the module file.
func Touched(c RepoConfig, changed map[string]bool) bool {
	folders := map[string]bool{}
	if m := c.Snapshot.Module; m != nil {
		deps, _ := schema.ModuleDeps(schema.Module{FS: m.FS, Dir: m.Dir})
		for _, d := range deps {
			folders[d] = true
		}
		folders[m.Dir] = true
	}
	dir := "."
	if m := c.Snapshot.Module; m != nil {
		dir = m.Dir
	} else if c.Dir != "" {
		dir = c.Dir
	}
	folders[dir] = true
	for p := range changed {
		if folders[path.Dir(p)] {
			return true
		}
	}
	return false
}
