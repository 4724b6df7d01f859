package schema

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
	"github.com/google/go-cmp/cmp"

	"github.com/curator-dev/curator/diag"
	"github.com/curator-dev/curator/model"
)

// fastPath is what the fast path makes of files: whether it took them, and
// if so the state and diagnostics it gave.
func fastPath(t testing.TB, fsys fstest.MapFS) (taken bool, st *model.State, diags diag.Diagnostics) {
	t.Helper()
	return fastPathOf(t, builtinSchema(), fsys)
}

// fastPathOf is fastPath against the schema s.
func fastPathOf(t testing.TB, s *derivedSchema, fsys fstest.MapFS) (taken bool, st *model.State, diags diag.Diagnostics) {
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
	st, diags, taken = s.fastDecode(data, &raw, func() positions { return indexPositions(syntaxes) })
	return taken, st, diags
}

// schemaAccepts reports whether CUE itself accepts the files against
// #Config: they evaluate without error and their unification with #Config
// validates.
func schemaAccepts(t testing.TB, fsys fstest.MapFS) bool {
	t.Helper()
	return schemaAcceptsOf(t, schemaSource, fsys)
}

// schemaAcceptsOf is schemaAccepts against the schema of src.
func schemaAcceptsOf(t testing.TB, src []byte, fsys fstest.MapFS) bool {
	t.Helper()
	ctx := cuecontext.New()
	config := ctx.CompileBytes(src, cue.Filename(schemaFile)).LookupPath(cue.ParsePath("#Config"))
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
	sameLoadOf(t, builtinSchema(), fsys)
}

// sameLoadOf is sameLoad against the schema s.
func sameLoadOf(t *testing.T, s *derivedSchema, fsys fstest.MapFS) {
	t.Helper()
	fastSt, fastDiags := s.load(fsys, viaFast)
	cueSt, cueDiags := s.load(fsys, viaExport)
	if diff := cmp.Diff(cueDiags, fastDiags); diff != "" {
		t.Errorf("diagnostics (-CUE path +fast path):\n%s", diff)
	}
	if diff := cmp.Diff(stateJSON(t, cueSt), stateJSON(t, fastSt)); diff != "" {
		t.Errorf("state (-CUE path +fast path):\n%s", diff)
	}
}

func stateJSON(t testing.TB, st *model.State) string {
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
		"confidential-data-disk-type-on-os-disk": byRules, "confidential-encryption-on-supported-image": byRules, "confidential-data-disk-invalid": byRules, "feature-starts-at-version-invalid": byRules, "uefi-settings-invalid": byRules, "encryption-not-in-every-region": byRules, "sharing-community-encrypted-version": byRules,
		"sharing-community-version-outside-region": byRules, "sharing-groups-encrypted-version": byRules,
		"sharing-too-many": byRules, "soft-delete-periods-without-soft-delete": byRules,
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
		"target-local-endpoint-credentials": byRules, "target-local-endpoint-not-url": byRules,
		"target-local-lock-without-endpoint": byRules,
		"target-lock-blob-not-url":           byRules, "too-many-tags": byRules, "unknown-gallery-field": bySchema,
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
// (plain or evaluated) takes one, CUE accepts it against the schema, and Load gives the
// diagnostics and the state the CUE path gives. The fuzzer mutates the
// source's bytes, and (at, op, val) mutates the configuration's data at one
// place (see mutate): a field left out, renamed, added, or a value of
// another kind or just beyond a bound.
func FuzzFastPathSound(f *testing.F) {
	entries, _ := os.ReadDir("../examples")
	for _, e := range entries {
		if data, err := os.ReadFile(filepath.Join("..", "examples", e.Name(), "curator.cue")); err == nil {
			for op := range uint8(4) {
				f.Add(string(data), uint16(7*op), op, uint8(3*op))
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(validCases)) {
		f.Add("package curator\n\n"+validCases[name]+"\n", uint16(0), uint8(4), uint8(0))
	}
	// What is not plain data for the fast path, or is read as CUE reads
	// it: bytes, and labels in two Unicode spellings.
	for _, src := range []string{
		`name: 'bytes'`, `name: #'raw bytes'#`, "name: '''\n\tbytes\n\t'''", `name: "\x41"`,
		`galleries: g: {location: "westeurope", tags: {"e\u0301": "NFD"}}`,
		`galleries: g: {location: "westeurope", tags: {"\u00e9": "a", "e\u0301": "a"}}`,
		`galleries: g: {location: "westeurope", tags: {"\u00e9": "a", "e\u0301": "b"}}`,
		`galleries: {"cafe\u0301": {location: "westeurope"}, "caf\u00e9": {location: "westeurope"}}`,
		`galleries: g: {location: "westeurope", images: {"i\u0307": {publisher: "P", offer: "O", sku: "S", osType: "Linux", osState: "Generalized"}}}`,
		// Written CUE, for the evaluated fast path.
		`let k = "e\u0301"
galleries: g: {location: "westeurope", tags: {(k): "a", "\u00e9": "a"}}`,
		`#V: {#n: int, source: managedImage: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/b/providers/Microsoft.Compute/images/i\(#n)"}
galleries: g: {location: "westeurope", images: i: {publisher: "P", offer: "O", sku: "S", osType: "Linux", osState: "Generalized", hyperVGeneration: "V2"
	versions: {for n, v in ["1.0.0", "1.0.1"] {(v): #V & {#n: n}}}}}`,
		`galleries: g: {location: "westeurope", description: '\(1)'}`,
	} {
		f.Add("package curator\n\n"+src+"\n", uint16(0), uint8(4), uint8(0))
		f.Add("package curator\n\n"+src+"\n", uint16(3), uint8(3), uint8(len(src)))
	}
	f.Fuzz(func(t *testing.T, src string, at uint16, op, val uint8) {
		src = mutate(src, int(at), op, val)
		fsys := fstest.MapFS{"main.cue": {Data: []byte(src)}}
		// Load refuses a file of another package before either path.
		if syntax, err := parser.ParseFile("main.cue", src); err != nil || syntax.PackageName() != packageName {
			return
		}
		if taken, _, _ := fastPath(t, fsys); !taken && !evaluatedPath(t, builtinSchema(), fsys) {
			return
		}
		if !schemaAccepts(t, fsys) {
			t.Fatalf("the fast path took a configuration the schema refuses:\n%s", src)
		}
		sameLoad(t, fsys)
	})
}

// Values and names a mutation writes: every kind, the edges of the
// schema's bounds and enums, and its field names in and out of place.
var (
	mutantValues = []any{
		nil, true, false, json.Number("0"), json.Number("-0"), json.Number("1"), json.Number("-1"),
		json.Number("1.0"), json.Number("1e2"), json.Number("0.5"), json.Number("99999999999999999999"),
		"", "x", "e\u0301", "Linux", "Generalized", "V2", "Arm64", "graph", "Groups", "User", "westeurope",
		[]any{}, []any{"x"}, []any{json.Number("1")}, []any{map[string]any{"lun": json.Number("0")}},
		map[string]any{}, map[string]any{"concurrentVMs": json.Number("40")}, map[string]any{"x": "y"},
		map[string]any{"blob": "https://a.blob.core.windows.net/c/b"},
	}
	mutantNames = []string{
		"location", "Location", "replicas", "replica", "storage", "lun", "osType", "osState",
		"hyperVGeneration", "wide", "narrow", "newest", "blob", "subscription", "resourceGroup",
		"local", "azure", "read", "lock", "sizeGB", "min", "max", "principalId", "role",
		"permission", "community", "tags", "x", "#x", "", "e\u0301", "\u00e9",
	}
)

// mutate returns src with one change to its data when src is one plain-data
// file in package curator: the at'th value (in a walk of the data, keys in
// order) is left out (op 0), replaced by a value of mutantValues (1), given
// a field of mutantNames (2, a struct) or renamed (3); other ops, and
// sources that are not plain data in package curator, are returned as they are.
func mutate(src string, at int, op, val uint8) string {
	syntax, err := parser.ParseFile("main.cue", src)
	if err != nil || op > 3 || syntax.PackageName() != packageName {
		return src
	}
	data, ok := plainJSON([]*ast.File{syntax})
	if !ok {
		return src
	}
	var root any
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if dec.Decode(&root) != nil {
		return src
	}
	value := mutantValues[int(val)%len(mutantValues)]
	name := mutantNames[int(val)%len(mutantNames)]
	n := 0
	var walk func(v any, set func(any), del func(), rename func(string)) bool
	walk = func(v any, set func(any), del func(), rename func(string)) bool {
		if n == at {
			switch op {
			case 0:
				del()
			case 1:
				set(value)
			case 2:
				if m, ok := v.(map[string]any); ok {
					m[name] = value
				}
			case 3:
				rename(name)
			}
			return true
		}
		n++
		switch v := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				if walk(v[k], func(x any) { v[k] = x }, func() { delete(v, k) }, func(to string) { v[to] = v[k]; delete(v, k) }) {
					return true
				}
			}
		case []any:
			for i := range v {
				if walk(v[i], func(x any) { v[i] = x }, func() { v[i] = nil }, func(string) {}) {
					return true
				}
			}
		}
		return false
	}
	walk(root, func(any) {}, func() {}, func(string) {})
	m, ok := root.(map[string]any)
	if !ok {
		return src
	}
	var b strings.Builder
	b.WriteString("package curator\n")
	for _, k := range slices.Sorted(maps.Keys(m)) {
		key, _ := json.Marshal(k)
		value, err := json.Marshal(m[k])
		if err != nil {
			return src
		}
		fmt.Fprintf(&b, "%s: %s\n", key, value)
	}
	return b.String()
}

// At the edges of the schema, the fast path takes what CUE surely accepts
// and leaves the rest to CUE: what it takes, CUE accepts, with the same
// state and diagnostics.
func TestFastPathEdges(t *testing.T) {
	const image = `publisher: "P", offer: "O", sku: "S", osType: "Linux", osState: "Generalized"`
	version := func(fields string) string {
		return `galleries: g: {location: "westeurope", images: i: {` + image + `, versions: "1.0.0": {` + fields + `}}}`
	}
	tests := []struct {
		name, src string
		taken     bool
	}{
		{"replicas null (#Replicas: _)", version(`replicas: null`), true},
		{"replicas a list", version(`replicas: [1, "x"]`), true},
		{"replicas any struct", version(`replicas: {x: {y: 1}}`), true},
		{"replicas a float", version(`replicas: 1.5`), true},
		{"sizeGB a fraction", version(`sizeGB: 0.5`), true},
		{"sizeGB an exponent", version(`sizeGB: 1e2`), true},
		{"sizeGB zero", version(`sizeGB: 0`), true},
		{"sizeGB negative", version(`sizeGB: -1`), false},
		{"sizeGB a string", version(`sizeGB: "1"`), false},
		{"maxDeletes -0 (the int 0 for CUE)", `maxDeletes: -0`, true},
		{"maxDeletes 1.0", `maxDeletes: 1.0`, false},
		{"maxDeletes an exponent", `maxDeletes: 1e1`, false},
		{"maxDeletes beyond int64", `maxDeletes: 99999999999999999999`, false},
		{"maxDeletes null", `maxDeletes: null`, false},
		{"name null", `name: null`, false},
		{"prune a string", `prune: "true"`, false},
		{"a key in another case", `galleries: g: {Location: "westeurope"}`, false},
		{"a quoted definition's name", `"#Config": {}`, false},
		{"an empty key", `"": 1`, false},
		{"null optional bool", `galleries: g: {location: "westeurope", adopt: null}`, false},
		{"null tag", `galleries: g: {location: "westeurope", tags: {a: null}}`, false},
		{"a tag not a string", `galleries: g: {location: "westeurope", tags: {a: 1}}`, false},
		{"null in a list", `galleries: g: {location: "westeurope", images: i: {` + image + `, disallowedDiskTypes: [null]}}`, false},
		{"a gallery not a struct", `galleries: g: "westeurope"`, false},
		{"galleries a list", `galleries: []`, false},
		{"an enum in another case", `galleries: g: {location: "westeurope", images: i: {publisher: "P", offer: "O", sku: "S", osType: "linux", osState: "Generalized"}}`, false},
		{"an enum's default written", `galleries: g: {location: "westeurope", images: i: {` + image + `, hyperVGeneration: "V1"}}`, true},
		{"an unknown enum value", `galleries: g: {location: "westeurope", images: i: {` + image + `, hyperVGeneration: "V3"}}`, false},
		{"a required field missing", `galleries: g: {images: i: {` + image + `}}`, false},
		{"azure without resourceGroup", `target: azure: subscription: "00000000-0000-0000-0000-000000000001"`, false},
		{"lock without blob", `target: local: {endpoint: "http://127.0.0.1:1", lock: {}}`, false},
		{"replication without narrow (CUE makes it {})", `galleries: g: {location: "westeurope", images: i: {` + image + `, replication: {newest: 1, wide: {}}}}`, true},
		{"replication without newest", `galleries: g: {location: "westeurope", images: i: {` + image + `, replication: {wide: {}, narrow: {}}}}`, false},
		{"a data disk's lun a float", version(`source: {snapshot: "s", dataDisks: [{lun: 0.0, snapshot: "d"}]}`), false},
		{"an unknown field in a list's struct", version(`source: {snapshot: "s", dataDisks: [{lun: 0, snapshot: "d", x: 1}]}`), false},
		{"an edge zone without region", version(`edgeZones: z: {replicas: 1}`), false},
		{"a feature with its version", `galleries: g: {location: "westeurope", images: i: {` + image + `, features: {A: "True", B: {value: "SCSI", startsAtVersion: "1.2.0"}}}}`, true},
		{"a versioned feature without its version", `galleries: g: {location: "westeurope", images: i: {` + image + `, features: {B: {value: "SCSI"}}}}`, false},
		{"a versioned feature with another field", `galleries: g: {location: "westeurope", images: i: {` + image + `, features: {B: {value: "SCSI", startsAtVersion: "1.2.0", x: 1}}}}`, false},
		{"a security type with its version", `galleries: g: {location: "westeurope", images: i: {` + image + `, hyperVGeneration: "V2", securityType: {value: "TrustedLaunch", startsAtVersion: "2.0.0"}}}`, true},
		{"a versioned security type not an enum value", `galleries: g: {location: "westeurope", images: i: {` + image + `, hyperVGeneration: "V2", securityType: {value: "Trusted", startsAtVersion: "2.0.0"}}}`, false},
		{"UEFI settings", version(`securityProfile: uefiSettings: {signatureTemplateNames: ["MicrosoftWindowsTemplate"], additionalSignatures: {pk: {type: "x509", value: ["AAEC"]}, db: [{type: "x509", value: ["AAEC"]}], dbx: [{type: "sha256", value: ["47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="]}]}}`), true},
		{"a UEFI sha256 value of the wrong length (the loader's rule, positioned by CUE)", version(`securityProfile: uefiSettings: additionalSignatures: dbx: [{type: "sha256", value: ["AAEC"]}]`), false},
		{"a UEFI key type not an enum value", version(`securityProfile: uefiSettings: additionalSignatures: db: [{type: "pem", value: ["AAEC"]}]`), false},
		{"a UEFI template not an enum value", version(`securityProfile: uefiSettings: signatureTemplateNames: ["Windows"]`), false},
		{"an unknown field in the security profile", version(`securityProfile: secrets: {}`), false},
		{"a string with escapes", `name: "a\u00e9\n\t\"b"`, true},
		{"a multi-line string", "name: \"\"\"\n\tab\n\t\"\"\"", true},
		{"a raw string", `name: #"a\b"#`, true},
		{"bytes", `name: 'ab'`, false},
		{"raw bytes", `name: #'quickstart'#`, false},
		{"multi-line bytes", "name: '''\n\tab\n\t'''", false},
		{"a key in NFD, stored in NFC", `galleries: g: {location: "westeurope", tags: {"e\u0301": "a"}}`, true},
		{"one key in NFC and NFD, the same value", `galleries: g: {location: "westeurope", tags: {"\u00e9": "a", "e\u0301": "a"}}`, true},
		{"one key in NFC and NFD, two values", `galleries: g: {location: "westeurope", tags: {"\u00e9": "a", "e\u0301": "b"}}`, false},
		{"a gallery's name in NFD", `galleries: "cafe\u0301": {location: "westeurope"}`, true},
		{"a value in NFD (kept as written)", `galleries: g: {location: "westeurope", description: "e\u0301"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"main.cue": {Data: []byte("package curator\n\n" + tt.src + "\n")}}
			taken, _, _ := fastPath(t, fsys)
			if taken != tt.taken {
				t.Errorf("taken by the fast path: %v, want %v", taken, tt.taken)
			}
			if taken && !schemaAccepts(t, fsys) {
				t.Error("the fast path took a configuration the schema refuses")
			}
			sameLoad(t, fsys)
		})
	}
}
