package schema_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/curator-dev/curator/schema"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with the file at path, or rewrites it with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./schema -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// TestInvalidCorpus loads every configuration under testdata/invalid and
// compares its diagnostics, positions included, with want.txt.
func TestInvalidCorpus(t *testing.T) {
	dirs, err := os.ReadDir("testdata/invalid")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 30 {
		t.Fatalf("the invalid corpus has %d cases; keep at least 30", len(dirs))
	}
	for _, d := range dirs {
		t.Run(d.Name(), func(t *testing.T) {
			dir := filepath.Join("testdata/invalid", d.Name())
			st, diags := schema.Load(os.DirFS(dir))
			if !diags.HasErrors() {
				t.Fatal("loaded without errors")
			}
			if st != nil {
				t.Error("an invalid configuration must decode to no state")
			}
			var b strings.Builder
			for _, diag := range diags {
				if diag.Pos.File == "" && d.Name() != "wrong-package" {
					t.Errorf("diagnostic without a position: %s", diag)
				}
				fmt.Fprintln(&b, diag)
			}
			golden(t, filepath.Join(dir, "want.txt"), []byte(b.String()))
		})
	}
}

// TestExamplesValid loads every example configuration and compares the
// decoded state with a golden file.
func TestExamplesValid(t *testing.T) {
	for _, name := range []string{"quickstart", "replication-policy", "packer-adopt"} {
		t.Run(name, func(t *testing.T) {
			st, diags := schema.Load(os.DirFS(filepath.Join("..", "examples", name)))
			if diags.HasErrors() {
				t.Fatalf("invalid: %v", diags.Err())
			}
			data, err := json.MarshalIndent(st, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "valid", name+".json"), append(data, '\n'))
		})
	}
}

// TestREADMEExampleValid keeps the configuration shown in the README valid.
func TestREADMEExampleValid(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "```cue\n")
	if start < 0 {
		t.Fatal("the README shows no CUE configuration")
	}
	text = text[start+len("```cue\n"):]
	example := text[:strings.Index(text, "```")]
	st, diags := schema.Load(fstest.MapFS{"main.cue": {Data: []byte(example)}})
	if diags.HasErrors() {
		t.Fatalf("the README's configuration is invalid:\n%v", diags.Err())
	}
	if c := st.Counts(); c.Versions != 1 || c.Shares != 1 {
		t.Errorf("README example counts = %+v", c)
	}
}

func load(t *testing.T, src string) (*schema.State, schema.Diagnostics) {
	t.Helper()
	return schema.Load(fstest.MapFS{"main.cue": {Data: []byte("package curator\n\n" + src)}})
}

const image = `publisher: "P", offer: "O", sku: "S", osType: "Linux", osState: "Generalized"`

func TestDefaultsAndNormalisation(t *testing.T) {
	st, diags := load(t, `
galleries: g: {
	location: "West Europe"
	images: app: {
		`+image+`
		versions: "1.0.0": {regions: {"West Europe": {}, eastus: {replicas: 3, storage: "Premium_LRS"}}}
		versions: "1.1.0": {}
	}
}`)
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	if st.Name != "default" || st.MaxDeletes != 10 || st.Prune || st.Target.Local == nil {
		t.Errorf("root defaults: name %q, maxDeletes %d, prune %v, target %+v", st.Name, st.MaxDeletes, st.Prune, st.Target)
	}
	if sub, rg := st.Target.Scope(); sub != schema.DefaultSubscription || rg != schema.DefaultResourceGroup {
		t.Errorf("scope = %s/%s", sub, rg)
	}
	img := st.Galleries["g"].Images["app"]
	if img.HyperVGeneration != "V1" {
		t.Errorf("hyperVGeneration default = %q", img.HyperVGeneration)
	}
	want := map[string]schema.TargetRegion{"westeurope": {Replicas: 1, Storage: "Standard_LRS"}, "eastus": {Replicas: 3, Storage: "Premium_LRS"}}
	if diff := cmp.Diff(want, img.Versions["1.0.0"].Regions); diff != "" {
		t.Errorf("regions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]schema.TargetRegion{"westeurope": {Replicas: 1, Storage: "Standard_LRS"}}, img.Versions["1.1.0"].Regions); diff != "" {
		t.Errorf("omitted regions default to the source region (-want +got):\n%s", diff)
	}
	if v := img.Versions["1.1.0"]; v.Location != "westeurope" || v.Pos.Line == 0 {
		t.Errorf("version location %q, pos %+v", v.Location, v.Pos)
	}
}

func TestConcurrentVMs(t *testing.T) {
	tests := []struct {
		vms      int
		replicas int
		warning  bool
	}{
		{1, 1, false}, {20, 1, false}, {21, 2, false}, {120, 6, false}, {200, 10, false}, {201, 10, true}, {5000, 10, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.vms), func(t *testing.T) {
			st, diags := load(t, fmt.Sprintf(`galleries: g: {location: "westeurope", images: app: {%s, versions: "1.0.0": replicas: concurrentVMs: %d}}`, image, tt.vms))
			if diags.HasErrors() {
				t.Fatal(diags.Err())
			}
			if got := st.Galleries["g"].Images["app"].Versions["1.0.0"].Regions["westeurope"].Replicas; got != tt.replicas {
				t.Errorf("replicas = %d, want %d", got, tt.replicas)
			}
			if got := len(diags.Warnings()) > 0; got != tt.warning {
				t.Errorf("warning = %v, want %v (%v)", got, tt.warning, diags)
			}
		})
	}
}

func TestReplicasClosed(t *testing.T) {
	for _, bad := range []string{`{concurrentVMs: 40, extra: 1}`, `"two"`, `2.5`, `{}`} {
		_, diags := load(t, fmt.Sprintf(`galleries: g: {location: "westeurope", images: app: {%s, versions: "1.0.0": replicas: %s}}`, image, bad))
		if !diags.HasErrors() || !strings.Contains(diags.Err().Error(), "replicas") {
			t.Errorf("replicas: %s accepted: %v", bad, diags)
		}
	}
}

func TestReplicationPolicy(t *testing.T) {
	st, diags := load(t, `
galleries: g: {
	location: "westeurope"
	images: app: {
		`+image+`
		replication: {newest: 2, wide: {westeurope: replicas: 3, eastus: replicas: 2}, narrow: {westeurope: replicas: 1}}
		versions: {
			"1.9.0": {}
			"1.10.0": {}
			"1.10.1": excludeFromLatest: true
			"2.0.0": {}
			"1.0.0": regions: {westeurope: {}, northeurope: {}}
		}
	}
}`)
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	got := map[string]int{}
	for name, v := range st.Galleries["g"].Images["app"].Versions {
		got[name] = len(v.Regions)
	}
	// Newest two by semver (not by string), skipping the excluded 1.10.1:
	// 2.0.0 and 1.10.0 wide; 1.9.0 and 1.10.1 narrow; 1.0.0 keeps its own.
	want := map[string]int{"2.0.0": 2, "1.10.0": 2, "1.9.0": 1, "1.10.1": 1, "1.0.0": 2}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("regions per version (-want +got):\n%s", diff)
	}
	if r := st.Galleries["g"].Images["app"].Versions["2.0.0"].Regions["westeurope"].Replicas; r != 3 {
		t.Errorf("wide replicas = %d", r)
	}
}

func TestLimits(t *testing.T) {
	var b strings.Builder
	for i := 0; i <= schema.MaxGalleries; i++ {
		fmt.Fprintf(&b, "galleries: g%d: location: \"westeurope\"\n", i)
	}
	fmt.Fprintf(&b, "galleries: other: location: \"eastus\"\n")
	_, diags := load(t, b.String())
	if !diags.HasErrors() || !strings.Contains(diags.Err().Error(), "101 galleries in region westeurope") {
		t.Fatalf("want the gallery limit error, got %v", diags)
	}
	if strings.Contains(diags.Err().Error(), "eastus") {
		t.Errorf("the limit is per region: %v", diags)
	}
}

func TestToolFilesNeverLoaded(t *testing.T) {
	st, diags := schema.Load(fstest.MapFS{
		"main.cue":        {Data: []byte("package curator\nname: \"x\"\n")},
		"deploy_tool.cue": {Data: []byte("package curator\nimport \"tool/exec\"\ncommand: x: exec.Run & {cmd: \"rm -rf /\"}\n")},
	})
	if diags.HasErrors() || st.Name != "x" {
		t.Fatalf("state %+v, diags %v", st, diags)
	}
}

func TestEmptyFolder(t *testing.T) {
	_, diags := schema.Load(fstest.MapFS{"README.md": {Data: []byte("hi")}})
	if !diags.HasErrors() || !strings.Contains(diags.Err().Error(), "no .cue files") {
		t.Fatalf("got %v", diags)
	}
}

func TestErrorsSortedByPosition(t *testing.T) {
	_, diags := schema.Load(fstest.MapFS{
		"b.cue": {Data: []byte("package curator\ngalleries: \"b-b\": location: \"westeurope\"\n")},
		"a.cue": {Data: []byte("package curator\ngalleries: \"a-a\": location: \"westeurope\"\ngalleries: \"c-c\": location: \"westeurope\"\n")},
	})
	var got []string
	for _, d := range diags {
		got = append(got, fmt.Sprintf("%s:%d", d.Pos.File, d.Pos.Line))
	}
	if diff := cmp.Diff([]string{"a.cue:2", "a.cue:3", "b.cue:2"}, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func FuzzLoad(f *testing.F) {
	dirs, _ := os.ReadDir("testdata/invalid")
	for _, d := range dirs {
		if data, err := os.ReadFile(filepath.Join("testdata/invalid", d.Name(), "main.cue")); err == nil {
			f.Add(string(data))
		}
	}
	if data, err := os.ReadFile("../examples/quickstart/curator.cue"); err == nil {
		f.Add(string(data))
	}
	f.Fuzz(func(t *testing.T, src string) {
		st, diags := schema.Load(fstest.MapFS{"main.cue": {Data: []byte(src)}})
		if diags.HasErrors() != (st == nil) {
			t.Fatalf("state %v with errors %v", st != nil, diags.HasErrors())
		}
	})
}
