package schema

import (
	"flag"
	"os"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// The checks derived from curator.cue, one line per field, are in
// testdata/shape.golden for review: a change of the schema shows here as
// the fast path sees it. Every constraint of the shipped schema is
// understood (none is left to CUE as "unsure"), so that every example
// stays on the fast path.
// updateGolden reads -update, which the package's external tests declare.
func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func TestDerivedShape(t *testing.T) {
	s, err := deriveSchema(schemaSource)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	var walk func(path string, sh *shape)
	walk = func(path string, sh *shape) {
		switch sh.kind {
		case kindStruct:
			names := make([]string, 0, len(sh.fields))
			for name := range sh.fields {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				f := sh.fields[name]
				mark := []string{optional: "?", defaulted: "*", required: ""}[f.presence]
				if f.shape.kind == kindStruct || f.shape.kind == kindList && f.shape.elem.kind == kindStruct {
					lines = append(lines, path+"."+name+mark+": "+map[shapeKind]string{kindStruct: "{…}", kindList: "[...{…}]"}[f.shape.kind])
				} else {
					lines = append(lines, path+"."+name+mark+": "+f.shape.desc)
				}
				walk(path+"."+name, f.shape)
			}
			if sh.elem != nil {
				if sh.elem.kind != kindStruct {
					lines = append(lines, path+".[string]: "+sh.elem.desc)
				}
				walk(path+".[string]", sh.elem)
			}
		case kindList:
			walk(path+"[]", sh.elem)
		}
	}
	walk("#Config", s.config)
	got := strings.Join(lines, "\n") + "\n"
	if strings.Contains(got, "unsure") {
		t.Errorf("the fast path does not understand a constraint of curator.cue: every configuration using it takes the CUE path\n%s", got)
	}
	const golden = "testdata/shape.golden"
	if updateGolden() {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("derived checks (-golden +derived), go test -run TestDerivedShape -update:\n%s", diff)
	}
}

// BenchmarkDerive is the fast path's start-up: compiling curator.cue and
// deriving its checks, once per process.
func BenchmarkDerive(b *testing.B) {
	for b.Loop() {
		if _, err := deriveSchema(schemaSource); err != nil {
			b.Fatal(err)
		}
	}
}

// mutateSchema returns curator.cue with one line replaced (old must occur
// once) and, when imports is set, an import clause after the package
// clause.
func mutateSchema(t *testing.T, old, new, imports string) []byte {
	t.Helper()
	src := string(schemaSource)
	if strings.Count(src, old) != 1 {
		t.Fatalf("%q occurs %d times in curator.cue", old, strings.Count(src, old))
	}
	src = strings.Replace(src, old, new, 1)
	if imports != "" {
		src = strings.Replace(src, "package curator\n", "package curator\n\nimport "+imports+"\n", 1)
	}
	return []byte(src)
}

// TestDerivedChecksAgree gives a copy of curator.cue one constraint of
// each kind CUE has and loads configurations on either side of it: the
// fast path takes what it understands and CUE accepts (the derived checks
// are not hand-written: the constraint reaches them through the
// derivation), sends the rest to CUE, and both paths give the same state
// and diagnostics.
func TestDerivedChecksAgree(t *testing.T) {
	const gallery = `#Gallery: {
	location:      string`
	const description = "\tdescription?:  string\n\t// Keep deleted"
	tests := []struct {
		kind          string
		old, new, imp string
		// configurations, and whether the fast path takes them (CUE
		// accepts what it takes).
		cases map[string]bool
	}{
		{kind: "regex (the issue's probe)", old: description, new: "\tdescription?:  string & =~\"^[^<>]{0,300}$\"\n\t// Keep deleted",
			cases: map[string]bool{`description: "plain"`: true, `description: "<b>bold</b>"`: false, `description: "` + strings.Repeat("x", 301) + `"`: false, ``: true}},
		{kind: "negated regex", old: description, new: "\tdescription?:  !~\"<\"\n\t// Keep deleted",
			cases: map[string]bool{`description: "plain"`: true, `description: "<b>"`: false, `description: 1`: false}},
		{kind: "string length", old: description, new: "\tdescription?:  strings.MinRunes(2) & strings.MaxRunes(5)\n\t// Keep deleted", imp: `"strings"`,
			cases: map[string]bool{`description: "ab"`: true, `description: "ééééé"`: true, `description: "a"`: false, `description: "abcdef"`: false, `description: 5`: false}},
		{kind: "list length", old: "\tsubscriptions?: [...string]", new: "\tsubscriptions?: [...string] & list.MaxItems(1)", imp: `"list"`,
			cases: map[string]bool{`sharing: {permission: "Groups", subscriptions: ["00000000-0000-0000-0000-000000000001"]}`: true, `sharing: {permission: "Groups", subscriptions: ["00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"]}`: false}},
		{kind: "bounds", old: "\tmaxDeletes: *10 | (int & >=0)", new: "\tmaxDeletes: *10 | (int & >=0 & <=100)",
			cases: map[string]bool{``: true, `root maxDeletes: 100`: true, `root maxDeletes: 101`: false, `root maxDeletes: 100.0`: false}},
		{kind: "float bounds", old: "\tsizeGB?:            number & >=0", new: "\tsizeGB?:            number & >0.5 & <2e3",
			cases: map[string]bool{`images: i: {publisher: "P", offer: "O", sku: "S", osType: "Linux", osState: "Generalized", versions: "1.0.0": sizeGB: 0.6}`: true,
				`images: i: {publisher: "P", offer: "O", sku: "S", osType: "Linux", osState: "Generalized", versions: "1.0.0": sizeGB: 0.5}`:  false,
				`images: i: {publisher: "P", offer: "O", sku: "S", osType: "Linux", osState: "Generalized", versions: "1.0.0": sizeGB: 2000}`: false}},
		{kind: "not equal", old: gallery, new: "#Gallery: {\n\tlocation:      string & !=\"nowhere\"",
			cases: map[string]bool{``: true, `root galleries: h: location: "nowhere"`: false}},
		{kind: "enum", old: `	osType:           "Linux" | "Windows"`, new: `	osType:           "Linux" | "Windows" | "FreeBSD"`,
			cases: map[string]bool{`images: i: {publisher: "P", offer: "O", sku: "S", osType: "FreeBSD", osState: "Generalized"}`: true, `images: i: {publisher: "P", offer: "O", sku: "S", osType: "Plan9", osState: "Generalized"}`: false}},
		// A description that is a number or a bool is allowed here, but
		// the model holds a string: the fast path leaves it to CUE's path.
		{kind: "disjunction of kinds", old: description, new: "\tdescription?:  \"a\" | 1 | bool | null\n\t// Keep deleted",
			cases: map[string]bool{`description: "a"`: true, `description: "b"`: false, `description: 1`: false, `description: 1.0`: false, `description: true`: false, `description: null`: true}},
		{kind: "disjunction of structs", old: `#Replicas: _`, new: `#Replicas: int | {concurrentVMs: int} | {vms: int}`,
			cases: map[string]bool{`images: i: {publisher: "P", offer: "O", sku: "S", osType: "Linux", osState: "Generalized", versions: "1.0.0": replicas: 2}`: true,
				`images: i: {publisher: "P", offer: "O", sku: "S", osType: "Linux", osState: "Generalized", versions: "1.0.0": replicas: concurrentVMs: 40}`: true,
				`images: i: {publisher: "P", offer: "O", sku: "S", osType: "Linux", osState: "Generalized", versions: "1.0.0": replicas: x: 40}`:             false}},
		{kind: "closedness: an open struct", old: "#Lock: {\n\tblob: string\n}", new: "#Lock: {\n\tblob: string\n\t...\n}",
			cases: map[string]bool{`root target: local: {endpoint: "http://127.0.0.1:1", lock: {blob: "https://a.blob.core.windows.net/c/b"}}`: false,
				`root target: local: {endpoint: "http://127.0.0.1:1", lock: {blob: "https://a.blob.core.windows.net/c/b", x: 1}}`: false, ``: true}},
		{kind: "closedness: a pattern", old: "#Tags: [string]: string", new: "#Tags: [=~\"^[a-z]+$\"]: string",
			cases: map[string]bool{`tags: {team: "a"}`: false, `tags: {Team: "a"}`: false, ``: true}},
		{kind: "required (!)", old: description, new: "\tdescription!:  string\n\t// Keep deleted",
			cases: map[string]bool{`description: "d"`: true, ``: false}},
		{kind: "required (regular)", old: "\tsoftDelete?: bool", new: "\tsoftDelete: bool",
			cases: map[string]bool{`softDelete: true`: true, ``: false}},
		{kind: "default", old: "\tsoftDelete?: bool", new: "\tsoftDelete: *true | bool",
			cases: map[string]bool{`softDelete: false`: true, ``: true, `softDelete: "yes"`: false}},
		{kind: "a reference between fields", old: description, new: "\tdescription?:  location\n\t// Keep deleted",
			cases: map[string]bool{`description: "westeurope"`: false, `description: "x"`: false, ``: true}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			s, err := deriveSchema(mutateSchema(t, tt.old, tt.new, tt.imp))
			if err != nil {
				t.Fatal(err)
			}
			for fields, want := range tt.cases {
				// A case is the gallery's fields after its location, or
				// the root's fields after "root ".
				src := "package curator\n\ngalleries: g: {location: \"westeurope\"\n" + fields + "\n}\n"
				if root, ok := strings.CutPrefix(fields, "root "); ok {
					src = "package curator\n\ngalleries: g: location: \"westeurope\"\n" + root + "\n"
				}
				fsys := fstest.MapFS{"main.cue": {Data: []byte(src)}}
				taken, _, _ := fastPathOf(t, s, fsys)
				if taken != want {
					t.Errorf("%s: taken by the fast path: %v, want %v", fields, taken, want)
				}
				if taken && !schemaAcceptsOf(t, s.source, fsys) {
					t.Errorf("%s: the fast path took a configuration the schema refuses", fields)
				}
				sameLoadOf(t, s, fsys)
			}
		})
	}
	t.Run("the probe refuses <b>bold</b> as validate does", func(t *testing.T) {
		s, err := deriveSchema(mutateSchema(t, description, tests[0].new, ""))
		if err != nil {
			t.Fatal(err)
		}
		fsys := fstest.MapFS{"main.cue": {Data: []byte("package curator\n\ngalleries: g: {location: \"westeurope\", description: \"<b>bold</b>\"}\n")}}
		st, diags := s.load(fsys, viaFast)
		if errs := diags.Errors(); st != nil || len(errs) != 1 || errs[0].Path != "galleries.g.description" {
			t.Errorf("want one error at galleries.g.description, got %v", diags)
		}
	})
}
