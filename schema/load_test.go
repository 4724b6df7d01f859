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

	"github.com/curator-dev/curator/diag"
	"github.com/curator-dev/curator/model"
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
			for _, dg := range diags {
				if dg.Pos.File == "" && d.Name() != "wrong-package" {
					t.Errorf("diagnostic without a position: %s", dg)
				}
				fmt.Fprintln(&b, dg)
			}
			golden(t, filepath.Join(dir, "want.txt"), []byte(b.String()))
		})
	}
}

// TestExamplesValid loads every example configuration (each folder under
// examples/ that holds .cue files) and compares the decoded state with a
// golden file.
func TestExamplesValid(t *testing.T) {
	entries, err := os.ReadDir("../examples")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		// ci holds workflow files and gen the estate generator: no
		// configurations.
		if !e.IsDir() || e.Name() == "ci" || e.Name() == "gen" {
			continue
		}
		n++
		name := e.Name()
		root := filepath.Join("..", "examples", name)
		if _, err := os.Stat(filepath.Join(root, "cue.mod")); err == nil {
			// A repository of configurations: one golden per
			// configuration, each loaded in its module.
			dirs, err := schema.FindConfigurations(os.DirFS(root), ".")
			if err != nil || len(dirs) == 0 {
				t.Fatalf("%s: no configurations: %v", name, err)
			}
			for _, dir := range dirs {
				t.Run(name+"/"+dir, func(t *testing.T) {
					st, diags := schema.LoadModule(schema.Module{FS: os.DirFS(root), Dir: dir})
					checkExample(t, name+"-"+strings.ReplaceAll(dir, "/", "-"), st, diags)
				})
			}
			continue
		}
		t.Run(name, func(t *testing.T) {
			st, diags := schema.Load(os.DirFS(root))
			checkExample(t, name, st, diags)
		})
	}
	if n < 3 {
		t.Errorf("found %d example configurations, want at least quickstart, replication-policy and packer-adopt", n)
	}
}

// checkExample compares an example's decoded state with its golden file.
func checkExample(t *testing.T, name string, st *model.State, diags diag.Diagnostics) {
	t.Helper()
	if diags.HasErrors() {
		t.Fatalf("invalid: %v", schema.Err(diags))
	}
	if len(diags) > 0 {
		t.Errorf("an example should load without warnings: %v", diags)
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, filepath.Join("testdata", "valid", name+".json"), append(data, '\n'))
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
		t.Fatalf("the README's configuration is invalid:\n%v", schema.Err(diags))
	}
	if c := st.Counts(); c.Versions != 1 || c.Shares != 1 {
		t.Errorf("README example counts = %+v", c)
	}
}

func load(t *testing.T, src string) (*model.State, diag.Diagnostics) {
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
		t.Fatal(schema.Err(diags))
	}
	if st.Name != "default" || st.MaxDeletes != 10 || st.Prune || st.Target.Local == nil {
		t.Errorf("root defaults: name %q, maxDeletes %d, prune %v, target %+v", st.Name, st.MaxDeletes, st.Prune, st.Target)
	}
	if sub, rg := st.Target.Scope(); sub != model.DefaultSubscription || rg != model.DefaultResourceGroup {
		t.Errorf("scope = %s/%s", sub, rg)
	}
	img := st.Galleries["g"].Images["app"]
	if img.HyperVGeneration != "V1" {
		t.Errorf("hyperVGeneration default = %q", img.HyperVGeneration)
	}
	want := map[string]model.TargetRegion{"westeurope": {Replicas: 1, Storage: "Standard_LRS"}, "eastus": {Replicas: 3, Storage: "Premium_LRS"}}
	if diff := cmp.Diff(want, img.Versions["1.0.0"].Regions); diff != "" {
		t.Errorf("regions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]model.TargetRegion{"westeurope": {Replicas: 1, Storage: "Standard_LRS"}}, img.Versions["1.1.0"].Regions); diff != "" {
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
		{1, 1, false}, {50, 1, false}, {51, 2, false}, {120, 3, false}, {500, 10, false}, {5000, 100, false}, {5001, 100, true}, {20000, 100, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.vms), func(t *testing.T) {
			st, diags := load(t, fmt.Sprintf(`galleries: g: {location: "westeurope", images: app: {%s, versions: "1.0.0": replicas: concurrentVMs: %d}}`, image, tt.vms))
			if diags.HasErrors() {
				t.Fatal(schema.Err(diags))
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
		if !diags.HasErrors() || !strings.Contains(schema.Err(diags).Error(), "replicas") {
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
		t.Fatal(schema.Err(diags))
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
	if !diags.HasErrors() || !strings.Contains(schema.Err(diags).Error(), "101 galleries in region westeurope") {
		t.Fatalf("want the gallery limit error, got %v", diags)
	}
	if strings.Contains(schema.Err(diags).Error(), "eastus") {
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
	if !diags.HasErrors() || !strings.Contains(schema.Err(diags).Error(), "no .cue files") {
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

// TestDefaultsTheSchemaAlone makes concrete covers configurations whose own
// value is not concrete until unified with the schema's defaults.
func TestDefaultsTheSchemaAlone(t *testing.T) {
	tests := []struct {
		name, src  string
		wantName   string
		maxDeletes int
		prune      bool
	}{
		{"absent", `prune: true`, "default", 10, true},
		{"open string", `name: string`, "default", 10, false},
		{"open int", `maxDeletes: int`, "default", 10, false},
		{"narrowed", `name: "default" | "other", maxDeletes: >=0 & <=20`, "default", 10, false},
		{"zero is not absent", `maxDeletes: 0`, "default", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, diags := load(t, tt.src)
			if diags.HasErrors() {
				t.Fatal(schema.Err(diags))
			}
			if st.Name != tt.wantName || st.MaxDeletes != tt.maxDeletes || st.Prune != tt.prune {
				t.Errorf("name %q, maxDeletes %d, prune %v; want %q, %d, %v", st.Name, st.MaxDeletes, st.Prune, tt.wantName, tt.maxDeletes, tt.prune)
			}
		})
	}
}

func TestVersionScopeShares(t *testing.T) {
	tests := []struct {
		name      string
		share     string
		wantError string
	}{
		{"valid share warns", `principalId: "5b0b4d0e-7c34-4a57-9a37-2b6f0a8e1c11", role: "Reader"`, ""},
		{"still checked", `principalId: "alice", role: "Reader"`, "is not a GUID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, diags := load(t, fmt.Sprintf(`galleries: g: {location: "westeurope", images: app: {%s, versions: "1.0.0": shares: s: {%s}}}`, image, tt.share))
			warnings := diags.Warnings()
			if len(warnings) != 1 || !strings.Contains(warnings[0].Summary, "not applied") || warnings[0].Pos.Line != 3 {
				t.Errorf("want one positioned warning that the share is not applied, got %v", warnings)
			}
			if tt.wantError == "" {
				if diags.HasErrors() {
					t.Fatal(schema.Err(diags))
				}
				if c := st.Counts(); c.Shares != 0 {
					t.Errorf("a version-scope share is not applied, yet counted: %+v", c)
				}
				return
			}
			if !diags.HasErrors() || !strings.Contains(schema.Err(diags).Error(), tt.wantError) {
				t.Errorf("want an error %q, got %v", tt.wantError, diags)
			}
		})
	}
}

// TestResourcePositions checks that every resource keeps the position the
// user declared it at: the first declaration when several files add to it,
// and the field in the user's definition when it comes through a reference
// (a path the position index cannot name).
func TestResourcePositions(t *testing.T) {
	st, diags := schema.Load(fstest.MapFS{
		"a.cue": {Data: []byte(`package curator

galleries: g: {
	location: "westeurope"
	images: app: #App
}
`)},
		"b.cue": {Data: []byte(`package curator

#App: {
	` + image + `, hyperVGeneration: "V2"
	versions: "1.0.0": {}
}
galleries: g: shares: readers: {principalId: "5b0b4d0e-7c34-4a57-9a37-2b6f0a8e1c11", role: "Reader"}
galleries: g: images: other: {
	publisher: "P", offer: "O", sku: "T", osType: "Linux", osState: "Generalized"
	versions: "2.0.0": {}
}
`)},
	})
	if diags.HasErrors() {
		t.Fatal(schema.Err(diags))
	}
	g := st.Galleries["g"]
	got := map[string]model.Pos{
		"gallery":     g.Pos,
		"app":         g.Images["app"].Pos,
		"app 1.0.0":   g.Images["app"].Versions["1.0.0"].Pos,
		"share":       g.Shares["readers"].Pos,
		"other":       g.Images["other"].Pos,
		"other 2.0.0": g.Images["other"].Versions["2.0.0"].Pos,
	}
	want := map[string]model.Pos{
		"gallery":     {File: "a.cue", Line: 3, Col: 12},
		"app":         {File: "a.cue", Line: 5, Col: 10},
		"app 1.0.0":   {File: "b.cue", Line: 5, Col: 12},
		"share":       {File: "b.cue", Line: 7, Col: 23},
		"other":       {File: "b.cue", Line: 8, Col: 23},
		"other 2.0.0": {File: "b.cue", Line: 10, Col: 12},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("positions (-want +got):\n%s", diff)
	}
}

func TestOpenValueIsNotMissing(t *testing.T) {
	tests := []struct{ src, want string }{
		{`name: *"mine" | string, maxDeletes: *3 | int`, `main.cue:3:1: name: value is not concrete`},
		{`galleries: g: {location: "westeurope", images: app: {publisher: "P", offer: "O", sku: "S", osType: "Linux" | "Windows", osState: "Generalized"}}`, `galleries.g.images.app.osType: value is not concrete`},
		{`galleries: g: {location: "westeurope", images: app: {publisher: "P", offer: "O", sku: "S", osType: "Linux"}}`, `galleries.g.images.app.osState: required field is missing`},
	}
	for _, tt := range tests {
		_, diags := load(t, tt.src)
		if !diags.HasErrors() || !strings.Contains(schema.Err(diags).Error(), tt.want) {
			t.Errorf("%s: want %q, got %v", tt.src, tt.want, diags)
		}
	}
}

// TestRejectedValuesOfTheWrongShape covers configurations the schema
// rejects whose own value is still decoded for the loader's rules: a null or
// wrongly typed resource must be reported once, not crash the decoder.
func TestRejectedValuesOfTheWrongShape(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"null gallery", `galleries: g: null`, "galleries.g: "},
		{"gallery is a string", `galleries: g: "westeurope"`, "galleries.g: "},
		{"null image", `galleries: g: {location: "westeurope", images: app: null}`, "galleries.g.images.app: "},
		{"null version", `galleries: g: {location: "westeurope", images: app: {` + image + `, replication: {newest: 1, wide: westeurope: {}, narrow: westeurope: {}}, versions: "1.0.0": null}}`, `versions."1.0.0": `},
		{"null share", `galleries: g: {location: "westeurope", shares: s: null}`, "galleries.g.shares.s: "},
		{"galleries is a list", `galleries: [1, 2]`, "galleries: "},
		{"missing identity", `galleries: g: {location: "westeurope", images: {a: {osType: "Linux", osState: "Generalized"}, b: {osType: "Linux", osState: "Generalized"}}}`, "galleries.g.images.a.offer: required field is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, diags := load(t, tt.src)
			if st != nil || !diags.HasErrors() || !strings.Contains(schema.Err(diags).Error(), tt.want) {
				t.Fatalf("want an error at %q, got %v", tt.want, diags)
			}
			if strings.Contains(schema.Err(diags).Error(), "publisher/offer/SKU") {
				t.Errorf("definitions missing their identity are not duplicates of each other: %v", diags)
			}
		})
	}
}
