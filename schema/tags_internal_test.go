package schema

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/curator-dev/curator/diag"
	"github.com/curator-dev/curator/internal/tagcases"
	"github.com/curator-dev/curator/model"
)

// TestTagRules: validation refuses, at the tag's position, every tag the
// service refuses (internal/tagcases, the cases the emulator's TestTagRules
// sends to the service's rules) and accepts the others as written, on a
// gallery, an image definition and an image version, with the same
// diagnostics on the fast path and the CUE path.
func TestTagRules(t *testing.T) {
	// Each resource's first tag is on line tagsLine of its file.
	resources := map[string]struct {
		open, close string
		tags        func(*model.State) map[string]string
	}{
		"gallery": {
			open:  "galleries: g: {\n\tlocation: \"westeurope\"\n\ttags: {\n",
			close: "\t}\n}\n",
			tags:  func(st *model.State) map[string]string { return st.Galleries["g"].Tags },
		},
		"image definition": {
			open:  "galleries: g: location: \"westeurope\"\ngalleries: g: images: i: {publisher: \"P\", offer: \"O\", sku: \"S\", osType: \"Linux\", osState: \"Generalized\"\n\ttags: {\n",
			close: "\t}\n}\n",
			tags:  func(st *model.State) map[string]string { return st.Galleries["g"].Images["i"].Tags },
		},
		"image version": {
			open:  "galleries: g: {location: \"westeurope\", images: i: {publisher: \"P\", offer: \"O\", sku: \"S\", osType: \"Linux\", osState: \"Generalized\"}}\ngalleries: g: images: i: versions: \"1.0.0\": {regions: westeurope: {}\n\ttags: {\n",
			close: "\t}\n}\n",
			tags:  func(st *model.State) map[string]string { return st.Galleries["g"].Images["i"].Versions["1.0.0"].Tags },
		},
	}
	const tagsLine = 6 // after "package curator", a blank line and three lines of open
	for _, tc := range tagcases.Cases() {
		for kind, r := range resources {
			t.Run(tc.Name+"/"+kind, func(t *testing.T) {
				var b strings.Builder
				b.WriteString("package curator\n\n" + r.open)
				names := slices.Sorted(maps.Keys(tc.Tags))
				for _, k := range names {
					fmt.Fprintf(&b, "\t\t%s: %s\n", cueLabel(k), cueString(tc.Tags[k]))
				}
				b.WriteString(r.close)
				fsys := fstest.MapFS{"main.cue": {Data: []byte(b.String())}}
				sameLoad(t, fsys)
				st, diags := Load(fsys)
				if !tc.Refused() {
					if diags.HasErrors() {
						t.Fatalf("refused tags the service accepts:\n%s", diags)
					}
					if got := r.tags(st); !maps.Equal(got, tc.Tags) {
						t.Errorf("tags %q, want %q", got, tc.Tags)
					}
					return
				}
				if !diags.HasErrors() {
					t.Fatalf("accepted tags the service refuses (%s%s)", tc.Service, tc.CuratorOnly)
				}
				last := tagsLine + len(names) - 1
				for _, d := range diags {
					if d.Severity != diag.Error {
						continue
					}
					if d.Pos.File != "main.cue" || d.Pos.Line < tagsLine-1 || d.Pos.Line > last {
						t.Errorf("%s: at %v, want main.cue lines %d-%d (the tags)", d.Summary, d.Pos, tagsLine-1, last)
					}
					if !strings.HasSuffix(d.Path, "tags") && !strings.Contains(d.Path, "tags.") {
						t.Errorf("%s: path %s is not the tags'", d.Summary, d.Path)
					}
				}
			})
		}
	}
}
