package reconcile

import (
	"os"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

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
		t.Fatal(diags.Err())
	}
	cache := configCache{dir: r.opts.ConfigCacheDir}
	key, err := cache.key(fsys)
	if err != nil {
		t.Fatal(err)
	}
	cached, _, ok := cache.get(key)
	if !ok {
		t.Fatal("a valid configuration was not cached")
	}
	if diff := cmp.Diff(fresh, cached, cmpopts.IgnoreTypes(schema.Pos{})); diff != "" {
		t.Errorf("cached configuration differs (-fresh +cached):\n%s", diff)
	}
	if again, _ := r.validate(fsys); again != nil && cmp.Diff(fresh, again, cmpopts.IgnoreTypes(schema.Pos{})) != "" {
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
