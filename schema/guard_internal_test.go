package schema

import (
	"fmt"
	"strings"
	"testing"

	"cuelang.org/go/cue/parser"
)

// TestDeclaredCounts: the syntax-level count finds what is written in any
// form of nesting, counts each name once across files, and gives up
// (refuses nothing) where a region cannot be read from the syntax.
func TestDeclaredCounts(t *testing.T) {
	for _, tc := range []struct {
		name    string
		files   []string
		unknown bool
		regions map[string]int // versions per region
	}{
		{"nested and flat forms", []string{
			`galleries: g: {location: "westeurope", images: i: versions: {"1.0.0": {}, "1.0.1": {location: "East US"}}}`,
			`galleries: g: images: "i": versions: "1.0.0": regions: {}` + "\n" + `galleries: h: location: "eastus"` + "\n" + `galleries: h: images: j: versions: "2.0.0": {}`,
		}, false, map[string]int{"westeurope": 1, "eastus": 2}},
		{"struct literals unified and embedded", []string{
			`galleries: {g: {location: "westeurope"} & {images: i: {{versions: "1.0.0": {}}}}}`,
		}, false, map[string]int{"westeurope": 1}},
		{"definitions and hidden fields are not configuration", []string{
			`#Base: {location: "x"}` + "\n" + `_h: 1` + "\n" + `galleries: g: {location: "westeurope", images: i: versions: "1.0.0": {}}`,
		}, false, map[string]int{"westeurope": 1}},
		{"location from a reference", []string{`_l: "westeurope"` + "\n" + `galleries: g: {location: _l, images: i: versions: "1.0.0": {}}`}, true, nil},
		{"gallery made of a definition", []string{`#G: location: "westeurope"` + "\n" + `galleries: g: #G & {images: i: versions: "1.0.0": {}}`}, true, nil},
		{"version with an embedded reference", []string{`#V: location: "eastus"` + "\n" + `galleries: g: {location: "westeurope", images: i: versions: "1.0.0": {#V}}`}, true, nil},
		{"pattern constraint", []string{`galleries: [string]: location: "westeurope"` + "\n" + `galleries: g: images: i: versions: "1.0.0": {}`}, true, nil},
		{"comprehension", []string{`galleries: g: {location: "westeurope", images: i: versions: {for v in ["1.0.0"] {(v): {}}}}`}, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDeclared()
			for i, src := range tc.files {
				f, err := parser.ParseFile("f.cue", "package curator\n"+src)
				if err != nil {
					t.Fatalf("file %d: %v", i, err)
				}
				d.file(f)
			}
			if d.unknown != tc.unknown {
				t.Fatalf("unknown = %v, want %v", d.unknown, tc.unknown)
			}
			if tc.unknown {
				return
			}
			got := map[string]int{}
			for key, region := range d.versionLoc {
				if region == "" {
					region = d.galleryLoc[key[0]]
				}
				got[region]++
			}
			if len(got) != len(tc.regions) {
				t.Errorf("versions per region %v, want %v", got, tc.regions)
			}
			for r, n := range tc.regions {
				if got[r] != n {
					t.Errorf("versions per region %v, want %v", got, tc.regions)
				}
			}
		})
	}
}

// TestDeclaredCheck: the limits are per region, so a configuration over a
// limit in total but not in any one region is not refused.
func TestDeclaredCheck(t *testing.T) {
	gen := func(perRegion map[string]int) *declared {
		d := newDeclared()
		for region, n := range perRegion {
			var b strings.Builder
			fmt.Fprintf(&b, "package curator\ngalleries: g_%s: {location: %q, images: i: versions: {\n", region, region)
			for v := range n {
				fmt.Fprintf(&b, "\"1.%d.%d\": {}\n", v/100, v%100)
			}
			b.WriteString("}}\n")
			f, err := parser.ParseFile(region+".cue", b.String())
			if err != nil {
				t.Fatal(err)
			}
			d.file(f)
		}
		return d
	}
	if diags := gen(map[string]int{"westeurope": MaxVersions, "eastus": MaxVersions}).check(); diags.HasErrors() {
		t.Errorf("%d versions in each of two regions refused: %v", MaxVersions, Err(diags))
	}
	diags := gen(map[string]int{"westeurope": MaxVersions + 1, "eastus": 1}).check()
	if len(diags) != 1 || !strings.Contains(diags[0].Summary, "10001 image versions in region westeurope: the service allows at most 10000") {
		t.Errorf("diagnostics %v, want one naming 10001 versions in westeurope and the limit", diags)
	}
}

// TestPrescan: large configurations are counted file by file before the
// parse for evaluation; what is within the limits passes.
func TestPrescan(t *testing.T) {
	versions := func(n int) file {
		var b strings.Builder
		b.WriteString("package curator\ngalleries: g: {location: \"westeurope\", images: i: versions: {\n")
		for v := range n {
			fmt.Fprintf(&b, "\"1.%d.%d\": {}\n", v/100, v%100)
		}
		b.WriteString("}}\n")
		return file{name: "g.cue", data: []byte(b.String())}
	}
	over := []file{versions(MaxVersions + 1)}
	if diags := prescan(over, 0); !diags.HasErrors() || !strings.Contains(diags[0].Summary, "10001 image versions in region westeurope") {
		t.Errorf("over the limit: %v", diags)
	}
	if diags := prescan(over, len(over[0].data)+1); diags != nil {
		t.Errorf("below the size to prescan: %v", diags)
	}
	if diags := prescan([]file{versions(MaxVersions)}, 0); diags != nil {
		t.Errorf("at the limit: %v", diags)
	}
}
