package schema

import (
	"os"
	"testing"
	"testing/fstest"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
	"github.com/google/go-cmp/cmp"
)

// evaluatedPath reports whether the evaluated fast path takes files that
// are not plain data: their value, evaluated without the schema, exports
// as data the derived checks surely accept.
func evaluatedPath(t testing.TB, s *derivedSchema, fsys fstest.MapFS) bool {
	t.Helper()
	inst := build.NewContext().NewInstance(configDir, nil)
	var syntaxes []*ast.File
	for name, f := range fsys {
		syntax, err := parser.ParseFile(name, f.Data)
		if err != nil || inst.AddSyntax(syntax) != nil {
			return false
		}
		syntaxes = append(syntaxes, syntax)
	}
	if _, plain := plainJSON(syntaxes); plain {
		return false
	}
	user := cuecontext.New().BuildInstance(inst)
	if user.Err() != nil {
		return false
	}
	if !exportsAsWritten(inst) {
		return false
	}
	data, err := user.MarshalJSON()
	return err == nil && s.surelyValid(data, user, inst)
}

// Written CUE — definitions, templates, comprehensions, let, references —
// takes the evaluated fast path when its value surely satisfies #Config
// and nothing the schema would add could meet a constraint of the user's;
// whatever it takes, CUE accepts, and both paths give the same state and
// diagnostics.
func TestEvaluatedFastPath(t *testing.T) {
	const image = `publisher: "P", offer: "O", sku: "S", osType: "Linux", osState: "Generalized"`
	tests := []struct {
		name, src string
		taken     bool
	}{
		{"a #Version template, a comprehension over version names, let", `
let targets = ["westeurope", "eastus"]
#Version: {
	#n: int
	source: managedImage: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/b/providers/Microsoft.Compute/images/i\(#n)"
	regions: {for i, r in targets {(r): replicas: i + 1}}
}
name: "written", prune: false, maxDeletes: 10
galleries: g: {
	location: "westeurope"
	images: i: {` + image + `, hyperVGeneration: "V2"
		versions: {for n, v in ["1.0.0", "1.0.1", "1.1.0"] {(v): #Version & {#n: n}}}
	}
}`, true},
		{"an unused definition beside plain data", `
#Unused: {a: int}
name: "x", prune: true, maxDeletes: 1
galleries: g: location: "westeurope"`, true},
		{"the root's defaults left to the schema", `
#L: "westeurope"
galleries: g: location: #L`, true},
		{"the root's defaults left to the schema, a pattern at the top", `
[=~"^max"]: 5
galleries: g: location: "westeurope"`, false},
		{"the root's defaults left to the schema, an embedding at the top", `
#Base: {galleries: [string]: location: "westeurope", ...}
#Base
galleries: g: {}`, false},
		{"an image's default left to the schema", `
name: "x", prune: true, maxDeletes: 1
let os = "Linux"
galleries: g: {location: "westeurope", images: i: {publisher: "P", offer: "O", sku: "S", osType: os, osState: "Generalized"}}`, false},
		{"references between the user's fields", `
name: "x", prune: true, maxDeletes: 1
galleries: g: {location: "westeurope", description: "gallery of \(name)"}`, true},
		{"a closed definition without a field the schema defaults", `
name: "x", prune: true, maxDeletes: 1
#Image: {publisher: string, offer: string, sku: string, osType: string, osState: string}
galleries: g: {location: "westeurope", images: i: #Image & {` + image + `}}`, false},
		{"a closed definition with every field", `
name: "x", prune: true, maxDeletes: 1
#Image: {publisher: string, offer: string, sku: string, osType: string, osState: string, hyperVGeneration: "V1"}
galleries: g: {location: "westeurope", images: i: #Image & {` + image + `}}`, true},
		{"a default of the user's against the schema's", `
name: "x", prune: true, maxDeletes: 1
galleries: g: {location: "westeurope", images: i: {` + image + `, hyperVGeneration: *"V2" | "V1"}}`, false},
		{"the schema's default as the user's default", `
name: "x", prune: true, maxDeletes: 1
galleries: g: {location: "westeurope", images: i: {` + image + `, hyperVGeneration: *"V1" | "V2"}}`, false},
		{"a default of the user's where the schema has none", `
name: "x", prune: true, maxDeletes: 1
galleries: g: {location: *"westeurope" | "eastus"}`, true},
		{"a user's default name", `
name: *"x" | string, prune: true, maxDeletes: 1`, false},
		{"a comprehension over a struct the schema completes", `
name: "x", prune: true, maxDeletes: 1
galleries: g: {location: "westeurope", images: i: {` + image + `}}
galleries: g: tags: {for k, v in galleries.g.images.i if k == "hyperVGeneration" {gen: v}}`, false},
		{"a pattern of the user's", `
name: "x", prune: true, maxDeletes: 1
galleries: [string]: tags: team: "platform"
galleries: g: location: "westeurope"`, true},
		{"an optional field of the user's", `
name: "x", prune: true, maxDeletes: 1, extra?: 1
galleries: g: location: "westeurope"`, true},
		{"an unknown field from a template", `
name: "x", prune: true, maxDeletes: 1
#G: {location: "westeurope", replica: 2}
galleries: g: #G`, false},
		{"a value the schema refuses", `
name: "x", prune: true, maxDeletes: 1
let os = "linux"
galleries: g: {location: "westeurope", images: i: {publisher: "P", offer: "O", sku: "S", osType: os, osState: "Generalized", hyperVGeneration: "V1"}}`, false},
		{"not concrete", `
name: string, prune: true, maxDeletes: 1`, false},
		{"a rule of the loader's refuses it", `
name: "x", prune: true, maxDeletes: 1
let loc = "west europe"
galleries: g: location: loc`, true},
		{"bytes", `
name: 'x' + 'y', prune: true, maxDeletes: 1`, false},
		{"a package of the standard library", `
import "strings"
name: "x", prune: true, maxDeletes: 1
galleries: g: location: strings.ToLower("WestEurope")`, true},
		{"bytes from strings.ByteSlice", `
import "strings"
name: "x", prune: true, maxDeletes: 1
galleries: g: {location: "westeurope", description: strings.ByteSlice("abc", 0, 2)}`, false},
		{"bytes from another package", `
import "encoding/base64"
name: "x", prune: true, maxDeletes: 1
galleries: g: {location: "westeurope", description: base64.Decode(null, "eHk=")}`, false},
		{"interpolated bytes", `
let n = 1
name: "x", prune: true, maxDeletes: 1
galleries: g: {location: "westeurope", description: '\(n)'}`, false},
		{"a dynamic label in NFD", `
name: "x", prune: true, maxDeletes: 1
let k = "e\u0301"
galleries: g: {location: "westeurope", tags: {(k): "a"}}`, true},
	}
	s := builtinSchema()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"main.cue": {Data: []byte("package curator\n" + tt.src + "\n")}}
			taken := evaluatedPath(t, s, fsys)
			if taken != tt.taken {
				t.Errorf("taken by the evaluated fast path: %v, want %v", taken, tt.taken)
			}
			if taken && !schemaAccepts(t, fsys) {
				t.Error("the evaluated fast path took a configuration the schema refuses")
			}
			sameLoad(t, fsys)
		})
	}
}

// A configuration that imports its module's own packages takes the
// evaluated fast path too: with a schema that does not compile, only a
// path that never unifies with it can load the configuration, and it
// gives the state the CUE path gives with the real schema.
func TestEvaluatedFastPathModule(t *testing.T) {
	noSchema := &derivedSchema{source: []byte("not CUE {"), config: builtinSchema().config}
	for _, dir := range []string{"prod", "dev"} {
		t.Run(dir, func(t *testing.T) {
			m := Module{FS: os.DirFS("../examples/repo"), Dir: dir}
			sub, err := subFS(m.FS, dir)
			if err != nil {
				t.Fatal(err)
			}
			fastSt, fastDiags := noSchema.loadWith(sub, &m, viaFast)
			if fastDiags.HasErrors() {
				t.Fatalf("not taken by the evaluated fast path: %v", fastDiags)
			}
			cueSt, cueDiags := builtinSchema().loadWith(sub, &m, viaExport)
			if diff := cmp.Diff(cueDiags, fastDiags); diff != "" {
				t.Errorf("diagnostics (-CUE path +fast path):\n%s", diff)
			}
			if diff := cmp.Diff(stateJSON(t, cueSt), stateJSON(t, fastSt)); diff != "" {
				t.Errorf("state (-CUE path +fast path):\n%s", diff)
			}
		})
	}
}

// A default in an imported package's file is seen as the configuration's
// own: where the schema has one too, CUE finds the choice ambiguous, and
// the evaluated fast path leaves it to CUE.
func TestEvaluatedFastPathModuleDefault(t *testing.T) {
	noSchema := &derivedSchema{source: []byte("not CUE {"), config: builtinSchema().config}
	for gen, taken := range map[string]bool{`"V2"`: true, `*"V2" | "V1"`: false} {
		fsys := fstest.MapFS{
			"cue.mod/module.cue": {Data: []byte("module: \"example.com/m@v0\"\nlanguage: version: \"v0.12.0\"\n")},
			"lib/lib.cue":        {Data: []byte("package lib\n\nlinux: {publisher: \"P\", osType: \"Linux\", osState: \"Generalized\", hyperVGeneration: " + gen + "}\n")},
			"prod/curator.cue":   {Data: []byte("package curator\n\nimport \"example.com/m/lib\"\n\ngalleries: g: {location: \"westeurope\", images: i: lib.linux & {offer: \"O\", sku: \"S\"}}\n")},
		}
		m := Module{FS: fsys, Dir: "prod"}
		sub, err := subFS(m.FS, "prod")
		if err != nil {
			t.Fatal(err)
		}
		_, fastDiags := noSchema.loadWith(sub, &m, viaFast)
		if got := !fastDiags.HasErrors(); got != taken {
			t.Errorf("hyperVGeneration: %s: taken by the evaluated fast path: %v, want %v (%v)", gen, got, taken, fastDiags)
		}
		fastSt, fastDiags := builtinSchema().loadWith(sub, &m, viaFast)
		cueSt, cueDiags := builtinSchema().loadWith(sub, &m, viaExport)
		if diff := cmp.Diff(cueDiags, fastDiags); diff != "" {
			t.Errorf("hyperVGeneration: %s: diagnostics (-CUE path +fast path):\n%s", gen, diff)
		}
		if diff := cmp.Diff(stateJSON(t, cueSt), stateJSON(t, fastSt)); diff != "" {
			t.Errorf("hyperVGeneration: %s: state (-CUE path +fast path):\n%s", gen, diff)
		}
	}
}
