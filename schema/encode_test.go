package schema_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/schema"
)

// TestEncodeLoadsBack: what Encode writes loads into the same estate, with
// adopt set where the ownership mark is missing, and warnings for what the
// configuration cannot hold.
func TestEncodeLoadsBack(t *testing.T) {
	tags := map[string]string{}
	for i := range 50 {
		tags[fmt.Sprintf("t%02d", i)] = "v"
	}
	st := &model.State{Name: "imported", Target: model.Target{Local: &model.LocalTarget{}}, Galleries: map[string]*model.Gallery{
		"g.one": {Location: "westeurope", Tags: map[string]string{model.ManagedByTag: "imported", "team": "x"},
			Images: map[string]*model.ImageDefinition{"app-1": {
				Publisher: "P", Offer: "O", SKU: "S", OSType: "Linux", OSState: "Generalized", HyperVGeneration: "V2", Architecture: "Arm64",
				SecurityType: "TrustedLaunchSupported", Features: map[string]string{"IsAcceleratedNetworkSupported": "True"},
				Tags: map[string]string{model.ManagedByTag: "someone-else"},
				Versions: map[string]*model.ImageVersion{"1.0.0": {
					Location: "westeurope", Replicas: 2, Storage: "Standard_ZRS", ReplicationMode: "Shallow",
					Regions: map[string]model.TargetRegion{"westeurope": {Replicas: 2, Storage: "Standard_ZRS", ExcludeFromLatest: true}},
					Safety:  &model.Safety{BlockDeletionBeforeEndOfLife: true, AllowDeletionOfReplicatedLocations: true},
					Observed: &model.VersionObserved{PublishedDate: "2026-01-02T03:04:05Z",
						Replication: map[string]model.RegionReplication{"westeurope": {State: "Replicating", Progress: 40}}},
				}},
			}},
		},
		"crowded": {Location: "eastus", Tags: tags},
	}}
	files, warnings, err := schema.Encode(st)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || warnings[0].Address != "gallery/crowded" || !strings.Contains(warnings[0].Detail, "it has 50 tags") {
		t.Errorf("warnings: %q", warnings)
	}
	for _, want := range []string{"published 2026-01-02T03:04:05Z", "replication: westeurope Replicating 40%", `replicationMode: "Shallow"`} {
		if !strings.Contains(string(files["g.one.cue"]), want) {
			t.Errorf("g.one.cue lacks %q:\n%s", want, files["g.one.cue"])
		}
	}
	delete(files, "crowded.cue") // 50 tags: the loader refuses it, as it should
	fsys := fstest.MapFS{}
	for n, data := range files {
		fsys[n] = &fstest.MapFile{Data: data}
	}
	got, diags := schema.Load(fsys)
	if diags.HasErrors() {
		t.Fatalf("the encoded estate does not load: %v\n%s", schema.Err(diags), files["g.one.cue"])
	}
	g := got.Galleries["g.one"]
	img := g.Images["app-1"]
	v := img.Versions["1.0.0"]
	switch {
	case g.Adopt:
		t.Error("a gallery this configuration marks is adopted")
	case !img.Adopt || !v.Adopt:
		t.Error("resources without this configuration's mark are not adopted")
	case img.Architecture != "Arm64" || img.SecurityType != "TrustedLaunchSupported" || img.Features["IsAcceleratedNetworkSupported"] != "True":
		t.Errorf("definition: %+v", img)
	case v.Replicas != 2 || v.Storage != "Standard_ZRS" || !v.Regions["westeurope"].ExcludeFromLatest || v.Safety == nil || !v.Safety.BlockDeletionBeforeEndOfLife:
		t.Errorf("version: %+v", v)
	}
}

// TestEncodeWritesEveryName: whatever the service names a gallery, and
// whatever its strings hold (a byte order mark, NUL, bidirectional
// controls, line separators, U+FFFD where a lone surrogate was), the files
// parse, the loader reads every one of them, and every string loads back
// as it was.
func TestEncodeWritesEveryName(t *testing.T) {
	odd := "\ufeffBOM at the start, NUL \x00 inside, \u202eevil\u202c bidi, \u2066isolate\u2069, line\u2028sep, \r\n, tab\t, \"quoted\" \\(not interpolated), lone surrogate \ufffd, emoji 👨\u200d👩\u200d👧, \u00a0nbsp, \u0085 next line, \x7f del"
	names := []string{"x_tool", "X_TOOL2_tool", "curator", "Curator", "a.tmp", "con", "Prod", "prod", "release.2024", "release_2024"}
	st := &model.State{Name: "imported", Target: model.Target{Local: &model.LocalTarget{}}, Galleries: map[string]*model.Gallery{}}
	for _, n := range names {
		st.Galleries[n] = &model.Gallery{Location: "westeurope", Description: odd,
			Tags: map[string]string{model.ManagedByTag: "imported", "note": odd}}
	}
	// A nested value (written through its JSON form) with them too.
	plan := &model.PurchasePlan{Publisher: odd, Name: "plan \u202e", Product: "\ufeffproduct"}
	st.Galleries["x_tool"].Images = map[string]*model.ImageDefinition{"app": {Publisher: "P", Offer: "O", SKU: "S", OSType: "Linux", OSState: "Generalized",
		Tags: map[string]string{model.ManagedByTag: "imported"}, PurchasePlan: plan}}
	files, _, err := schema.Encode(st)
	if err != nil {
		t.Fatal(err)
	}
	folded := map[string]string{}
	fsys := fstest.MapFS{}
	for n, data := range files {
		lower := strings.ToLower(n)
		if other, ok := folded[lower]; ok {
			t.Errorf("%s and %s differ only in case", n, other)
		}
		folded[lower] = n
		switch {
		case strings.HasSuffix(n, "_tool.cue"), strings.HasPrefix(n, "."), strings.HasPrefix(n, "_"), strings.HasPrefix(n, "-"),
			strings.Contains(n, ".tmp."), strings.Contains(n, "/"), !strings.HasSuffix(n, ".cue"):
			t.Errorf("%s is a file name the loader does not read as configuration", n)
		}
		if bytes.ContainsRune(data, '\ufeff') || bytes.ContainsRune(data, '\u202e') || bytes.ContainsRune(data, 0) {
			t.Errorf("%s holds a raw BOM, bidi control or NUL:\n%s", n, data)
		}
		fsys[n] = &fstest.MapFile{Data: data}
	}
	if len(files) != len(names)+1 {
		t.Errorf("%d files for %d galleries and curator.cue", len(files), len(names))
	}
	got, diags := schema.Load(fsys)
	if diags.HasErrors() {
		t.Fatalf("the encoded estate does not load: %v", diags.Err("invalid"))
	}
	if img := got.Galleries["x_tool"].Images["app"]; img == nil || img.PurchasePlan == nil || *img.PurchasePlan != *plan {
		t.Errorf("the purchase plan loads back as %+v, want %+v", img, plan)
	}
	for _, n := range names {
		g, ok := got.Galleries[n]
		switch {
		case !ok:
			t.Errorf("gallery %q is missing from the loaded configuration", n)
		case g.Description != odd:
			t.Errorf("gallery %q: description %+q, want %+q", n, g.Description, odd)
		case g.Tags["note"] != odd:
			t.Errorf("gallery %q: tag %+q, want %+q", n, g.Tags["note"], odd)
		}
	}
}

// FuzzEncodeStringLoadsBack: any text the service can hold (valid UTF-8;
// JSON decoding makes every lone surrogate U+FFFD) written by Encode loads
// back as the same string, as a description and as a tag value.
func FuzzEncodeStringLoadsBack(f *testing.F) {
	for _, s := range []string{"", "plain", "\ufeff", "\x00", "\u202e\u2066\u2069", "\u2028\u2029\u0085", "\"\\(x)\\", "\r\n\t", "\ufffd", "👨\u200d👩", "\U0010FFFF", "\x7f\u00a0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			t.Skip("not text the service returns")
		}
		tags := map[string]string{model.ManagedByTag: "fuzz"}
		if utf8.RuneCountInString(s) <= 128 { // within a tag value's 256 UTF-16 units
			tags["k"] = s
		}
		st := &model.State{Name: "fuzz", Target: model.Target{Local: &model.LocalTarget{}}, Galleries: map[string]*model.Gallery{
			"g": {Location: "westeurope", Description: s, Tags: tags}}}
		files, _, err := schema.Encode(st)
		if err != nil {
			t.Fatalf("Encode(%+q): %v", s, err)
		}
		fsys := fstest.MapFS{}
		for n, data := range files {
			fsys[n] = &fstest.MapFile{Data: data}
		}
		got, diags := schema.Load(fsys)
		if diags.HasErrors() {
			t.Fatalf("%+q does not load back: %v\n%s", s, diags.Err("invalid"), files["g.cue"])
		}
		if g := got.Galleries["g"]; g.Description != s || g.Tags["k"] != tags["k"] {
			t.Fatalf("%+q loads back as %+q and %+q", s, g.Description, g.Tags["k"])
		}
	})
}
