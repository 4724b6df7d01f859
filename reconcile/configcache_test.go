package reconcile

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/schema"
)

// TestConfigCache: a cached configuration is the one a fresh load gives
// (positions aside), and any change of the files misses the cache.
func TestConfigCache(t *testing.T) {
	data, err := os.ReadFile("../examples/quickstart/curator.cue")
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"curator.cue": {Data: data}}
	r := New(Options{ConfigCacheDir: t.TempDir()})
	fresh, diags := r.validate(fsys)
	if diags.HasErrors() {
		t.Fatal(schema.Err(diags))
	}
	cache := configCache{dir: r.opts.ConfigCacheDir, build: thisBuild()}
	key, err := cache.key(fsys)
	if err != nil {
		t.Fatal(err)
	}
	cached, _, ok := cache.get(key)
	if !ok {
		t.Fatal("a valid configuration was not cached")
	}
	if diff := cmp.Diff(fresh, cached, cmpopts.IgnoreTypes(model.Pos{})); diff != "" {
		t.Errorf("cached configuration differs (-fresh +cached):\n%s", diff)
	}
	if again, _ := r.validate(fsys); again != nil && cmp.Diff(fresh, again, cmpopts.IgnoreTypes(model.Pos{})) != "" {
		t.Error("a load through the cache differs")
	}
	edited := fstest.MapFS{"curator.cue": {Data: append(append([]byte{}, data...), "\n// edited\n"...)}}
	if k2, _ := cache.key(edited); k2 == key {
		t.Error("an edit kept the cache key")
	}
	invalid := fstest.MapFS{"curator.cue": {Data: []byte("package curator\nnmae: 1\n")}}
	if _, diags := r.validate(invalid); !diags.HasErrors() {
		t.Fatal("invalid configuration validated")
	}
	k3, _ := cache.key(invalid)
	if _, _, ok := cache.get(k3); ok {
		t.Error("an invalid configuration was cached")
	}
}

// TestConfigCacheKeyIncludesCuratorsBuild: what one curator validated is
// never served to another version, build or schema of it.
func TestConfigCacheKeyIncludesCuratorsBuild(t *testing.T) {
	data, err := os.ReadFile("../examples/quickstart/curator.cue")
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"curator.cue": {Data: data}}
	st, diags := schema.Load(fsys)
	if diags.HasErrors() {
		t.Fatal(schema.Err(diags))
	}
	dir := t.TempDir()
	older := configCache{dir: dir, build: buildIdentity("v1.2.0")}
	key, err := older.key(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if err := older.put(key, st, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := older.get(key); !ok {
		t.Fatal("the same build missed its own entry")
	}
	for name, build := range map[string]string{
		"another version":       buildIdentity("v1.3.0"),
		"another build, no tag": buildIdentity("dev") + "vcs 0123abc false\x00",
		"no build identity":     "",
	} {
		newer := configCache{dir: dir, build: build}
		k, err := newer.key(fsys)
		if err != nil {
			t.Fatal(err)
		}
		if k == key {
			t.Errorf("%s: same cache key as v1.2.0", name)
		}
		if _, _, ok := newer.get(k); ok {
			t.Errorf("%s: served what v1.2.0 validated", name)
		}
	}
	if !strings.Contains(buildIdentity("v1.2.0"), "curator v1.2.0") {
		t.Errorf("build identity %q does not name the version", buildIdentity("v1.2.0"))
	}
}
