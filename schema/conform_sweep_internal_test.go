package schema

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"
)

// TestFastPathMutations sweeps what FuzzFastPathSound samples: every value
// of every example left out, replaced, renamed or given a field, with
// values and names drawn in turn from mutantValues and mutantNames.
func TestFastPathMutations(t *testing.T) {
	if testing.Short() {
		t.Skip("a sweep of a few thousand loads")
	}
	for _, example := range []string{"quickstart", "golden-images", "packer-adopt", "replication-policy"} {
		data, err := os.ReadFile(filepath.Join("..", "examples", example, "curator.cue"))
		if err != nil {
			t.Fatal(err)
		}
		src := string(data)
		taken, refused := 0, 0
		n := countValues(t, src)
		for at := range n {
			for op := range uint8(4) {
				for k := range 3 {
					mutant := mutate(src, at, op, uint8(at*5+int(op)*11+k*10))
					fsys := fstest.MapFS{"main.cue": {Data: []byte(mutant)}}
					if ok, _, _ := fastPath(t, fsys); !ok {
						refused++
						continue
					}
					taken++
					if !schemaAccepts(t, fsys) {
						t.Fatalf("the fast path took a configuration the schema refuses:\n%s", mutant)
					}
					sameLoad(t, fsys)
				}
			}
		}
		if n < 20 {
			t.Errorf("%s: %d values to mutate", example, n)
		}
		t.Logf("%s: %d mutants taken by the fast path, %d refused", example, taken, refused)
		if taken == 0 || refused == 0 {
			t.Errorf("%s: the sweep should meet mutants on both paths", example)
		}
	}
}

// countValues counts the values mutate walks in a plain-data source.
func countValues(t *testing.T, src string) int {
	t.Helper()
	syntax, err := parser.ParseFile("main.cue", src)
	if err != nil {
		t.Fatal(err)
	}
	data, ok := plainJSON([]*ast.File{syntax})
	if !ok {
		t.Fatal("not plain data")
	}
	var root any
	if err := json.Unmarshal(data, &root); err != nil {
		t.Fatal(err)
	}
	var count func(any) int
	count = func(v any) int {
		n := 1
		switch v := v.(type) {
		case map[string]any:
			for _, e := range v {
				n += count(e)
			}
		case []any:
			for _, e := range v {
				n += count(e)
			}
		}
		return n
	}
	return count(root)
}
