package schema

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
	"github.com/google/go-cmp/cmp"
)

// TestPlainJSONEqualsCUEExport: for the examples' configurations and for
// plain-data files that declare paths more than once, in lists, quoted
// labels, negative and float numbers and escapes, the configuration
// decoded from the syntax is the one decoded from CUE's export; what is
// not plain data is left to CUE.
func TestPlainJSONEqualsCUEExport(t *testing.T) {
	type tc struct {
		name  string
		files map[string]string
		plain bool
	}
	cases := []tc{
		{"merged declarations", map[string]string{
			"a.cue": "package curator\n\nname: \"x\"\ngalleries: g: images: i: {publisher: \"P\", offer: \"O\"}\ngalleries: g: location: \"westeurope\"\n",
			"b.cue": "package curator\n\ngalleries: g: images: i: {sku: \"S\", versions: \"1.0.0\": {sizeGB: 1.5, regions: westeurope: replicas: 2}}\ngalleries: g: images: i: publisher: \"P\"\n",
		}, true},
		{"lists, quoted labels, escapes, negatives", map[string]string{
			"a.cue": "package curator\n\ngalleries: \"g-1\": {sharing: {permission: \"Groups\", subscriptions: [\"a\", \"b\\u00e9\\n\"]}, tags: {\"x.y\": \"\\\"q\\\"\", n: \"-1\"}}\nmaxDeletes: -0\nprune: true\n",
		}, true},
		{"a reference", map[string]string{"a.cue": "package curator\n\nname: \"x\"\ngalleries: g: location: name\n"}, false},
		{"a definition", map[string]string{"a.cue": "package curator\n\n#L: \"westeurope\"\ngalleries: g: location: #L\n"}, false},
		{"a multiplier", map[string]string{"a.cue": "package curator\n\nmaxDeletes: 1Ki\n"}, false},
		{"a conflict", map[string]string{"a.cue": "package curator\n\nname: \"x\"\n", "b.cue": "package curator\n\nname: \"y\"\n"}, false},
	}
	for _, ex := range []string{"quickstart", "golden-images", "packer-adopt", "replication-policy"} {
		dir := filepath.Join("..", "examples", ex)
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		files := map[string]string{}
		for _, e := range entries {
			if filepath.Ext(e.Name()) == ".cue" {
				data, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				files[e.Name()] = string(data)
			}
		}
		cases = append(cases, tc{"examples/" + ex, files, true})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var syntaxes []*ast.File
			inst := build.NewContext().NewInstance(configDir, nil)
			for _, name := range slices.Sorted(maps.Keys(c.files)) {
				f, err := parser.ParseFile(name, c.files[name])
				if err != nil {
					t.Fatal(err)
				}
				syntaxes = append(syntaxes, f)
				if err := inst.AddSyntax(f); err != nil {
					t.Fatal(err)
				}
			}
			data, ok := plainJSON(syntaxes)
			if ok != c.plain {
				t.Fatalf("plain data: %v, want %v", ok, c.plain)
			}
			if !ok {
				return
			}
			user := cuecontext.New().BuildInstance(inst)
			exported, err := user.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if err := user.Validate(cue.Concrete(true)); err != nil {
				t.Fatal(err)
			}
			var want, got rawConfig
			if err := jsonUnmarshal(exported, &want); err != nil {
				t.Fatal(err)
			}
			if err := jsonUnmarshal(data, &got); err != nil {
				t.Fatalf("%s: %v", data, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("decoded from the syntax differs from CUE's export (-export +syntax):\n%s\nexport: %s\nsyntax: %s", diff, exported, data)
			}
		})
	}
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
