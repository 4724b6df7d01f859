package schema

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
)

// fastPath is what the fast path makes of files: whether it took them, and
// if so the state and diagnostics it gave.
func fastPath(t testing.TB, fsys fstest.MapFS) (taken bool, st *State, diags Diagnostics) {
	t.Helper()
	var syntaxes []*ast.File
	for name, f := range fsys {
		syntax, err := parser.ParseFile(name, f.Data)
		if err != nil {
			return false, nil, nil
		}
		syntaxes = append(syntaxes, syntax)
	}
	data, ok := plainJSON(syntaxes)
	if !ok {
		return false, nil, nil
	}
	var raw rawConfig
	if json.Unmarshal(data, &raw) != nil {
		return false, nil, nil
	}
	st, diags, taken = fastDecode(data, &raw, func() positions { return indexPositions(syntaxes) })
	return taken, st, diags
}

// schemaAccepts reports whether CUE itself accepts the files against
// #Config: they evaluate without error and their unification with #Config
// validates.
func schemaAccepts(t testing.TB, fsys fstest.MapFS) bool {
	t.Helper()
	ctx := cuecontext.New()
	config := ctx.CompileBytes(schemaSource, cue.Filename(schemaFile)).LookupPath(cue.ParsePath("#Config"))
	inst := build.NewContext().NewInstance(configDir, nil)
	for name, f := range fsys {
		syntax, err := parser.ParseFile(name, f.Data)
		if err != nil {
			return false
		}
		if inst.AddSyntax(syntax) != nil {
			return false
		}
	}
	user := ctx.BuildInstance(inst)
	return user.Err() == nil && validate(config, user) == nil
}

func readDir(t testing.TB, dir string) fstest.MapFS {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".cue" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fsys[e.Name()] = &fstest.MapFile{Data: data}
	}
	return fsys
}

// sameLoad loads fsys on the fast path and on the CUE path (with its
// export) and fails when the diagnostics or the states differ.
func sameLoad(t *testing.T, fsys fstest.MapFS) {
	t.Helper()
	fastSt, fastDiags := load(fsys, viaFast)
	cueSt, cueDiags := load(fsys, viaExport)
	if diff := cmp.Diff(cueDiags, fastDiags); diff != "" {
		t.Errorf("diagnostics (-CUE path +fast path):\n%s", diff)
	}
	if diff := cmp.Diff(stateJSON(t, cueSt), stateJSON(t, fastSt)); diff != "" {
		t.Errorf("state (-CUE path +fast path):\n%s", diff)
	}
}

func stateJSON(t testing.TB, st *State) string {
	t.Helper()
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// Every invalid configuration of the corpus is either refused by the
// schema — and then never taken by the fast path, so CUE reports it — or
// valid for the schema and refused by the loader's rules, which run on
// either path; the diagnostics are the same on both.
func TestFastPathInvalidCorpus(t *testing.T) {
	const (
		bySchema = "schema" // curator.cue refuses it
		byRules  = "rules"  // the loader's rules (or its package check) refuse it
	)
	want := map[string]string{
		"arm64-needs-v2": byRules, "concurrent-vms-invalid": byRules, "config-name-invalid": byRules,
		"data-disks-invalid": byRules, "duplicate-publisher-offer-sku": byRules,
		"duplicate-region-after-normalisation": byRules, "duplicate-share": byRules,
		"edge-zone-invalid": byRules, "encryption-invalid": byRules, "end-of-life-not-date": byRules,
		"explicit-location-not-target": byRules, "feature-security-type-by-name": byRules,
		"gallery-name-dash": byRules, "gallery-name-too-long": byRules,
		"hypervgeneration-closed": bySchema, "identifier-too-long": byRules, "image-name-invalid": byRules,
		"max-deletes-negative": bySchema, "missing-osstate": bySchema, "missing-ostype": bySchema,
		"osstate-misspelt": bySchema, "ostype-closed": bySchema, "ostype-not-concrete": bySchema,
		"ownership-tag-set-by-hand": byRules, "principal-not-guid": byRules,
		"principal-type-closed": bySchema, "recommended-min-gt-max": byRules,
		"region-invalid-name": byRules, "replicas-over-limit": byRules, "replicas-wrong-type": byRules,
		"replicas-zero": byRules, "replication-policy-incomplete": byRules,
		"schema-and-rule-errors": bySchema, "sharing-community-missing-info": byRules,
		"sharing-groups-empty": byRules, "sharing-tenant-not-guid": byRules,
		"source-not-resource-id": byRules, "source-region-not-target": byRules,
		"source-two-kinds": byRules, "storage-closed": byRules, "syntax-error": bySchema,
		"target-azure-subscription-not-guid": byRules, "target-both": byRules,
		"target-local-endpoint-not-url": byRules, "target-local-lock-without-endpoint": byRules,
		"target-lock-blob-not-url": byRules, "too-many-tags": byRules, "unknown-gallery-field": bySchema,
		"unknown-role": byRules, "unknown-root-field": bySchema, "unknown-version-field": bySchema,
		"version-end-of-life-bad-date": byRules, "version-int32-overflow": byRules,
		"version-leading-zero": byRules, "version-not-semver": byRules,
		"version-share-not-guid": byRules, "wrong-package": byRules,
	}
	dirs, err := os.ReadDir("testdata/invalid")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		t.Run(d.Name(), func(t *testing.T) {
			fsys := readDir(t, filepath.Join("testdata/invalid", d.Name()))
			taken, _, _ := fastPath(t, fsys)
			accepted := schemaAccepts(t, fsys)
			switch want[d.Name()] {
			case bySchema:
				if accepted {
					t.Error("the schema accepts it: say which rule refuses it (byRules)")
				}
				if taken {
					t.Error("the fast path took a configuration the schema refuses")
				}
			case byRules:
				if !accepted {
					t.Error("the schema refuses it: bySchema")
				}
			default:
				t.Fatal("a new invalid case: say whether the schema or the loader's rules refuse it")
			}
			sameLoad(t, fsys)
		})
	}
}

// validCases are valid configurations beyond the examples, at the edges of
// what the schema accepts: every one is taken by the fast path.
var validCases = map[string]string{
	"empty": "",
	"defaults written": `name: "default", prune: false, maxDeletes: 0
galleries: g: {location: "westeurope", images: i: {publisher: "P", offer: "O", sku: "S", osType: "Windows", osState: "Specialized", hyperVGeneration: "V2", architecture: "Arm64"}}`,
	"azure target": `target: azure: {subscription: "00000000-0000-0000-0000-000000000001", resourceGroup: "rg", cloud: "AzureChina", read: "graph", lock: blob: "https://acct.blob.core.windows.net/locks/curator"}`,
	"local target": `target: local: {endpoint: "http://127.0.0.1:8443", lock: blob: "https://acct.blob.core.windows.net/locks/curator"}`,
	"replicas by load, sizes, safety": `galleries: g: {
	location: "westeurope"
	images: i: {
		publisher: "P", offer: "O", sku: "S", osType: "Linux", osState: "Generalized"
		versions: "1.0.0": {
			sizeGB: 1.5e1
			replicas: {concurrentVMs: 40}
			storage: "Standard_ZRS"
			regions: {westeurope: {}, "East US": {replicas: 3, storage: "Premium_LRS", excludeFromLatest: true}}
			safety: {allowDeletionOfReplicatedLocations: false, blockDeletionBeforeEndOfLife: false}
			endOfLife: "2030-01-01"
			tags: {team: "a"}
		}
	}
}`,
	"image details": `galleries: g: {
	location: "westeurope"
	description: "d", softDelete: true, tags: {"x.y": "z"}
	sharing: {permission: "Groups", subscriptions: ["00000000-0000-0000-0000-000000000001"], tenants: []}
	images: i: {
		publisher: "P", offer: "O", sku: "S", osType: "Linux", osState: "Generalized", hyperVGeneration: "V2"
		securityType: "TrustedLaunchSupported", features: {IsAcceleratedNetworkSupported: "True"}
		eula: "e", privacyStatementUri: "https://example.com/p", releaseNoteUri: "https://example.com/r", endOfLife: "2030-01-01"
		recommended: {vCPUs: {min: 0, max: 16}, memoryGB: {min: 1}}
		disallowedDiskTypes: ["Standard_LRS"]
		purchasePlan: {publisher: "p", name: "n", product: "q"}
		replication: {newest: 2, wide: {westeurope: {}, eastus: {}}, narrow: {westeurope: {replicas: 1}}}
	}
}`,
}

// Every example and every valid case is taken by the fast path, and gives
// the state (and the diagnostics) the CUE path gives.
func TestFastPathValid(t *testing.T) {
	cases := map[string]fstest.MapFS{}
	for name, src := range validCases {
		cases[name] = fstest.MapFS{"main.cue": {Data: []byte("package curator\n\n" + src + "\n")}}
	}
	entries, err := os.ReadDir("../examples")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && e.Name() != "ci" && e.Name() != "gen" {
			cases["examples/"+e.Name()] = readDir(t, filepath.Join("..", "examples", e.Name()))
		}
	}
	if len(cases) < len(validCases)+4 {
		t.Fatalf("%d cases: the examples are missing", len(cases))
	}
	for name, fsys := range cases {
		t.Run(name, func(t *testing.T) {
			taken, st, diags := fastPath(t, fsys)
			if !taken {
				t.Fatal("not taken by the fast path")
			}
			if st == nil || diags.HasErrors() {
				t.Fatalf("invalid: %v", diags)
			}
			if !schemaAccepts(t, fsys) {
				t.Error("the schema refuses it")
			}
			sameLoad(t, fsys)
		})
	}
}

// FuzzFastPathSound mutates valid configurations: whenever the fast path
// takes one, CUE accepts it against the schema, and Load gives the
// diagnostics and the state the CUE path gives.
func FuzzFastPathSound(f *testing.F) {
	entries, _ := os.ReadDir("../examples")
	for _, e := range entries {
		if data, err := os.ReadFile(filepath.Join("..", "examples", e.Name(), "curator.cue")); err == nil {
			f.Add(string(data))
		}
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range validCases {
			if !yield(k) {
				return
			}
		}
	}) {
		f.Add("package curator\n\n" + validCases[name] + "\n")
	}
	f.Fuzz(func(t *testing.T, src string) {
		fsys := fstest.MapFS{"main.cue": {Data: []byte(src)}}
		taken, _, _ := fastPath(t, fsys)
		if !taken || !strings.HasPrefix(strings.TrimSpace(src), "package curator") {
			return
		}
		if !schemaAccepts(t, fsys) {
			t.Fatal("the fast path took a configuration the schema refuses")
		}
		sameLoad(t, fsys)
	})
}
