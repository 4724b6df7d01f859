package schema_test

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/curator-dev/curator/schema"
)

// moduleFS is a module with a shared package and two configurations that
// import it, with files replaced or added by edits.
func moduleFS(edits map[string]string) fstest.MapFS {
	files := map[string]string{
		"cue.mod/module.cue": `module: "example.com/images@v0"
language: version: "v0.12.0"
`,
		"lib/lib.cue": `package lib

primary: "westeurope"

version: {
	sizeGB:   8
	replicas: 1
}
`,
		"dev/curator.cue": `package curator

import "example.com/images/lib"

name: "dev"
galleries: g_dev: {
	location: lib.primary
	images: web: {
		publisher: "Contoso", offer: "Web", sku: "dev", osType: "Linux", osState: "Generalized"
		versions: "1.0.0": lib.version & {source: managedImage: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/b/providers/Microsoft.Compute/images/i"}
	}
}
`,
		"prod/curator.cue": `package curator

import "example.com/images/lib"

name: "prod"
galleries: g_prod: {
	location: lib.primary
	images: web: {
		publisher: "Contoso", offer: "Web", sku: "prod", osType: "Linux", osState: "Generalized"
		versions: "1.0.0": lib.version & {source: managedImage: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/b/providers/Microsoft.Compute/images/i"}
	}
}
`,
	}
	for name, data := range edits {
		if data == "" {
			delete(files, name)
			continue
		}
		files[name] = data
	}
	fsys := fstest.MapFS{}
	for name, data := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return fsys
}

// TestLoadModule loads configurations that import their module's packages:
// an error in a shared file is reported at that file and line in every
// configuration that imports it, and nothing is fetched from a registry.
func TestLoadModule(t *testing.T) {
	tests := []struct {
		name  string
		edits map[string]string
		// want are the diagnostics of dev and of prod (each the same
		// unless prod is given); nil: valid.
		want, prod []string
	}{
		{name: "valid"},
		{
			name: "value error in lib",
			edits: map[string]string{"lib/lib.cue": `package lib

primary: "westeurope"

version: {
	sizeGB:   8
	replicas: 0
}
`},
			want: []string{`lib/lib.cue:7:2: galleries.g_dev.images.web.versions."1.0.0".replicas: replica count 0 is out of range: a region holds 1 to 100 replicas`},
			prod: []string{`lib/lib.cue:7:2: galleries.g_prod.images.web.versions."1.0.0".replicas: replica count 0 is out of range: a region holds 1 to 100 replicas`},
		},
		{
			name:  "syntax error in lib",
			edits: map[string]string{"lib/lib.cue": "package lib\n\nprimary: \"westeurope\"\nversion: {\n"},
			want:  []string{"lib/lib.cue:4:12: expected '}', found 'EOF'"},
		},
		{
			name: "import outside the module",
			edits: map[string]string{"dev/curator.cue": `package curator

import "github.com/acme/regions"

name: "dev"
galleries: g: location: regions.primary
`},
			want: []string{`curator.cue:3:8: package "github.com/acme/regions" is not in module example.com/images: curator reads only the module's own packages and fetches nothing from a registry; copy what it needs into the module`},
			prod: []string{},
		},
		{
			name: "dependency declared",
			edits: map[string]string{"cue.mod/module.cue": `module: "example.com/images@v0"
language: version: "v0.12.0"
deps: "github.com/acme/regions@v0": v: "v0.1.0"
`},
			want: []string{"cue.mod/module.cue:1:1: warning: deps: the module declares dependencies (github.com/acme/regions@v0): curator reads only the module's own packages and fetches nothing from a registry, so importing a package of a dependency is an error"},
		},
		{
			name:  "no such package",
			edits: map[string]string{"lib/lib.cue": ""},
			want:  []string{`curator.cue:3:8: import "example.com/images/lib": no folder lib in the module`},
		},
		{
			name: "import cycle",
			edits: map[string]string{
				"lib/lib.cue":   "package lib\n\nimport \"example.com/images/base\"\n\nprimary: base.primary\nversion: {sizeGB: 8, replicas: 1}\n",
				"base/base.cue": "package base\n\nimport \"example.com/images/lib\"\n\nprimary: \"westeurope\"\nx: lib.version\n",
			},
			want: []string{`base/base.cue:3:8: import cycle: package "example.com/images/lib" imports itself`},
		},
		{
			name:  "no module path",
			edits: map[string]string{"cue.mod/module.cue": "language: version: \"v0.12.0\"\n"},
			want:  []string{`cue.mod/module.cue:1:1: module: the module file declares no module path: write module: "example.com/images" (the prefix of the module's import paths)`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := moduleFS(tt.edits)
			for _, dir := range []string{"dev", "prod"} {
				want := tt.want
				if dir == "prod" && tt.prod != nil {
					want = tt.prod
				}
				st, diags := schema.LoadModule(schema.Module{FS: fsys, Dir: dir})
				var got []string
				for _, d := range diags {
					got = append(got, d.String())
				}
				if !containsAll(got, want) {
					t.Errorf("%s: diagnostics\n%s\nwant among them\n%s", dir, strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
				if (st == nil) != diags.HasErrors() {
					t.Errorf("%s: state %v with errors %v", dir, st != nil, diags.HasErrors())
				}
				if want == nil && st == nil {
					t.Errorf("%s: not loaded: %v", dir, diags)
				}
			}
		})
	}
}

func containsAll(got, want []string) bool {
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			return false
		}
	}
	return want != nil || len(got) == 0
}

// TestLoadModuleExample loads examples/repo's configurations, which import
// their module's lib.
func TestLoadModuleExample(t *testing.T) {
	fsys := os.DirFS("../examples/repo")
	dirs, err := schema.FindConfigurations(fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"dev", "prod"}, dirs); diff != "" {
		t.Fatalf("configurations (-want +got):\n%s", diff)
	}
	for _, dir := range dirs {
		st, diags := schema.LoadModule(schema.Module{FS: fsys, Dir: dir})
		if st == nil {
			t.Fatalf("%s: %v", dir, diags)
		}
		if got := st.Galleries["contoso_"+dir].Location; got != "westeurope" {
			t.Errorf("%s: the gallery's location from lib is %q", dir, got)
		}
	}
}

// TestFindConfigurations: every folder of `package curator` files, but
// hidden ones, '_' ones, testdata and cue.mod.
func TestFindConfigurations(t *testing.T) {
	fsys := moduleFS(map[string]string{
		"teams/a/curator.cue":          "package curator\n",
		"teams/a/other.cue":            "package curator\n",
		"teams/notes/x.cue":            "package notes\n",
		"_archive/old/curator.cue":     "package curator\n",
		".github/c/curator.cue":        "package curator\n",
		"testdata/c/curator.cue":       "package curator\n",
		"cue.mod/pkg/x/curator.cue":    "package curator\n",
		"teams/b/_tool.cue":            "package curator\n",
		"teams/c/curator.cue":          "// a comment\npackage curator\n\nname: \"c\"\n",
		"teams/d/curator_test.cue.txt": "package curator\n",
	})
	got, err := schema.FindConfigurations(fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"dev", "prod", "teams/a", "teams/c"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	got, err = schema.FindConfigurations(fsys, "teams")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"teams/a", "teams/c"}, got); diff != "" {
		t.Errorf("under teams (-want +got):\n%s", diff)
	}
}

// TestModuleDeps: the folders a configuration's files depend on, through
// its imports, transitively.
func TestModuleDeps(t *testing.T) {
	fsys := moduleFS(map[string]string{
		"lib/lib.cue":    "package lib\n\nimport (\n\t\"strings\"\n\t\"example.com/images/base\"\n)\n\nprimary: base.primary\nx: strings.ToLower(\"A\")\nversion: {sizeGB: 8, replicas: 1}\n",
		"base/base.cue":  "package base\n\nprimary: \"westeurope\"\n",
		"base/other.cue": "package other\n\nimport \"example.com/images/unused\"\n",
		"unused/u.cue":   "package unused\n",
	})
	tests := []struct {
		dir  string
		want []string
	}{
		{"dev", []string{"base", "cue.mod", "dev", "lib"}},
		{"unused", []string{"cue.mod", "unused"}},
	}
	for _, tt := range tests {
		got, diags := schema.ModuleDeps(schema.Module{FS: fsys, Dir: tt.dir})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.dir, diff)
		}
	}
}

// TestPackageFolder: a folder holding one of the module's packages is
// recognised, with the configurations that import it directly or through
// another package; a configuration, an empty folder or one mixing
// packages is not such a folder.
func TestPackageFolder(t *testing.T) {
	fsys := moduleFS(map[string]string{
		"lib/lib.cue":     "package lib\n\nimport \"example.com/images/base\"\n\nprimary: base.primary\nversion: {sizeGB: 8, replicas: 1}\n",
		"base/base.cue":   "package base\n\nprimary: \"westeurope\"\n",
		"unused/u.cue":    "package unused\n",
		"mixed/a.cue":     "package a\n",
		"mixed/b.cue":     "package b\n",
		"empty/README.md": "no CUE here",
	})
	tests := []struct {
		dir       string
		pkg       string
		importers []string
		ok        bool
	}{
		{"lib", "lib", []string{"dev", "prod"}, true},
		{"base", "base", []string{"dev", "prod"}, true},
		{"unused", "unused", nil, true},
		{"dev", "", nil, false},
		{"mixed", "", nil, false},
		{"empty", "", nil, false},
		{"missing", "", nil, false},
	}
	for _, tt := range tests {
		pkg, importers, ok := schema.PackageFolder(fsys, tt.dir)
		if pkg != tt.pkg || ok != tt.ok || !cmp.Equal(importers, tt.importers) {
			t.Errorf("%s: %q %q %v, want %q %q %v", tt.dir, pkg, importers, ok, tt.pkg, tt.importers, tt.ok)
		}
	}
}
