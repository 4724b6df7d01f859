package reconcile

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"testing/fstest"
	"time"

	"github.com/curator-dev/curator/diag"
	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/schema"
)

// configCache keeps validated configurations, keyed by a digest of their
// files and of the curator that validated them (its version, build and
// schema: a newer curator may check rules an older one did not), so that
// planning an unchanged revision
// again (a re-plan, a drift check, a scheduled watch) skips the CUE
// evaluation — most of a large plan's time. Only valid configurations are
// cached, with their warnings; an entry that cannot be read is ignored.
type configCache struct {
	dir string
	// build identifies the curator that validates: see buildIdentity.
	build string
}

// Version is curator's version, which the CLI sets from its build (-ldflags
// "-X main.version=…"). The configuration cache keys on it.
var Version = "dev"

// buildIdentity identifies this build of curator for the configuration
// cache: the version, the module's version and checksum, the VCS revision
// and whether the tree was modified, and every dependency's version (CUE's
// evaluator decides what is valid too). A build that says too little (a
// modified or unversioned tree) adds its executable's size and modification
// time, so two such builds never share entries. The embedded schema is
// hashed into the key besides.
func buildIdentity(version string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "curator %s\x00", version)
	info, ok := debug.ReadBuildInfo()
	if !ok {
		b.WriteString(executableStamp())
		return b.String()
	}
	fmt.Fprintf(&b, "%s %s %s %s\x00", info.GoVersion, info.Main.Path, info.Main.Version, info.Main.Sum)
	revision, modified := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	fmt.Fprintf(&b, "vcs %s %t\x00", revision, modified)
	for _, d := range info.Deps {
		fmt.Fprintf(&b, "%s %s %s\x00", d.Path, d.Version, d.Sum)
	}
	known := revision != "" || version != "dev" || info.Main.Version != "" && info.Main.Version != "(devel)"
	if modified || !known {
		b.WriteString(executableStamp())
	}
	return b.String()
}

// executableStamp is the running executable's path, size and modification
// time, or "" when they cannot be read.
func executableStamp() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	fi, err := os.Stat(exe)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("exe %s %d %d\x00", exe, fi.Size(), fi.ModTime().UnixNano())
}

var thisBuild = sync.OnceValue(func() string { return buildIdentity(Version) })

type cachedConfig struct {
	State    *model.State     `json:"state"`
	Warnings diag.Diagnostics `json:"warnings,omitempty"`
}

// key digests the configuration files and the schema they were checked
// against.
func (c configCache) key(fsys fs.FS) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", c.build)
	h.Write(schema.SchemaSource())
	fmt.Fprintf(h, "\x00model %d\x00", cacheFormat)
	var names []string
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		names = append(names, path)
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// moduleKey digests a configuration of a CUE module: the files of its
// folder and of every folder whose package it imports (transitively), the
// module file, and the folder's place in the module.
func (c configCache) moduleKey(m schema.Module) (string, error) {
	folders, diags := schema.ModuleDeps(m)
	if diags.HasErrors() {
		return "", schema.Err(diags)
	}
	deps := map[string]bool{}
	for _, f := range folders {
		deps[f] = true
	}
	used := fstest.MapFS{"cue.mod/dir": &fstest.MapFile{Data: []byte(m.Dir)}}
	err := fs.WalkDir(m.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !deps[path.Dir(p)] {
			return err
		}
		data, err := fs.ReadFile(m.FS, p)
		if err != nil {
			return err
		}
		used[p] = &fstest.MapFile{Data: data}
		return nil
	})
	if err != nil {
		return "", err
	}
	return c.key(used)
}

// cacheFormat changes when the cached encoding of the model does.
const cacheFormat = 1

func (c configCache) get(key string) (*model.State, diag.Diagnostics, bool) {
	if c.dir == "" {
		return nil, nil, false
	}
	data, err := os.ReadFile(filepath.Join(c.dir, key+".json"))
	if err != nil {
		return nil, nil, false
	}
	var cc cachedConfig
	if json.Unmarshal(data, &cc) != nil || cc.State == nil {
		return nil, nil, false
	}
	now := time.Now()
	_ = os.Chtimes(filepath.Join(c.dir, key+".json"), now, now) // recently used
	return cc.State, cc.Warnings, true
}

func (c configCache) put(key string, st *model.State, warnings diag.Diagnostics) error {
	if c.dir == "" {
		return nil
	}
	data, err := json.Marshal(cachedConfig{State: st, Warnings: warnings})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(c.dir, ".config-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(c.dir, key+".json")); err != nil {
		return err
	}
	c.evict()
	return nil
}

// cacheEntries is how many configurations the cache keeps.
const cacheEntries = 32

// evict removes the least recently used entries beyond cacheEntries.
func (c configCache) evict() {
	entries, err := os.ReadDir(c.dir)
	if err != nil || len(entries) <= cacheEntries {
		return
	}
	type aged struct {
		name string
		mod  int64
	}
	var files []aged
	for _, e := range entries {
		if info, err := e.Info(); err == nil && !e.IsDir() {
			files = append(files, aged{e.Name(), info.ModTime().UnixNano()})
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].mod > files[j].mod })
	for _, f := range files[min(len(files), cacheEntries):] {
		os.Remove(filepath.Join(c.dir, f.name))
	}
}
