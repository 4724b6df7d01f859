package schema

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/planner"
)

// TestSyntheticProperty adds a property the way CONTRIBUTING.md says a
// property is added — one declaration in model's table (here appended by
// the test, without a Go field: its value lives in the resource's
// Extensions) and its constraint in a copy of curator.cue — and follows it
// end to end through production code that has never heard of it: decode
// (both loading paths, with the check its kind declares), plan (an update
// in place when declared updatable, a refused replace forced by it when
// declared immutable), the ARM request body and the answer read back,
// import's CUE (which loads again to the same value), and the text, JSON
// and Markdown renderings of the plan.
func TestSyntheticProperty(t *testing.T) {
	const (
		cuePath  = "supportUri"
		armPath  = "properties.supportUri"
		before   = "https://support.example.com/v1"
		after    = "https://support.example.com/v2"
		imageAdr = model.Address("gallery/acme/image/web")
	)
	for _, tt := range []struct {
		name       string
		mutability model.Mutability
		action     planner.Action
	}{
		{"updatable in place", model.Updatable, planner.Update},
		{"forces a replace", model.ForcesReplace, planner.Replace},
	} {
		t.Run(tt.name, func(t *testing.T) {
			prop := model.Property{CUE: cuePath, ARM: []string{armPath}, Mutability: tt.mutability, Since: "2099-01-01", Kind: model.URI, Rule: "an absolute URI"}
			saved := model.ImageProperties
			model.ImageProperties = append(append([]model.Property(nil), saved...), prop)
			t.Cleanup(func() { model.ImageProperties = saved })

			src := bytes.Replace(schemaSource, []byte("#Image: {\n"), []byte("#Image: {\n\t"+cuePath+"?: string\n"), 1)
			if bytes.Equal(src, schemaSource) {
				t.Fatal("the schema has no `#Image: {` to add the field to")
			}
			s, err := deriveSchema(src)
			if err != nil {
				t.Fatal(err)
			}

			// Decode, on the fast path and through CUE's export alike.
			var desired *model.State
			for _, via := range []loadPath{viaFast, viaExport} {
				st, diags := s.load(syntheticConfig(after), via)
				if diags.HasErrors() {
					t.Fatalf("via %d: %v", via, Err(diags))
				}
				img := st.Galleries["acme"].Images["web"]
				if got := prop.Value(img); got != after {
					t.Fatalf("via %d: decoded %s = %v, want %q", via, cuePath, got, after)
				}
				desired = st
			}
			// The loader checks it by its declared kind, with a position.
			_, diags := s.load(syntheticConfig("not a uri"), viaFast)
			if !diags.HasErrors() || !strings.Contains(Err(diags).Error(), "main.cue") || !strings.Contains(Err(diags).Error(), "images.web."+cuePath) {
				t.Fatalf("a bad URI: %v", Err(diags))
			}

			// Plan against the same estate with the former value.
			actual := cloneState(t, desired)
			for _, g := range actual.Galleries {
				g.Tags = map[string]string{model.ManagedByTag: desired.Name}
				for _, img := range g.Images {
					img.Tags = map[string]string{model.ManagedByTag: desired.Name}
				}
			}
			if err := prop.SetValue(actual.Galleries["acme"].Images["web"], before); err != nil {
				t.Fatal(err)
			}
			plan, _ := planner.Compute(*desired, *actual, planner.Options{Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
			var change *planner.Change
			for i := range plan.Changes {
				if plan.Changes[i].Address == imageAdr {
					change = plan.Changes[i]
				}
			}
			if change == nil || change.Action != tt.action {
				t.Fatalf("planned %+v for %s, want %s", change, imageAdr, tt.action)
			}
			if len(change.Fields) != 1 || change.Fields[0].Path != cuePath || change.Fields[0].Before != before || change.Fields[0].After != after {
				t.Errorf("field diffs %+v, want %s: %q → %q", change.Fields, cuePath, before, after)
			}
			if tt.action == planner.Replace && (len(change.ForcedBy) != 1 || change.ForcedBy[0] != cuePath || change.Refused == "") {
				t.Errorf("replace forced by %v, refused %q: want forced by %s and refused without allowReplace", change.ForcedBy, change.Refused, cuePath)
			}

			// The ARM request body, as cloud/azure writes a declared scalar
			// (withScalars), and the answer read back (scalarsFromARM).
			img := desired.Galleries["acme"].Images["web"]
			body := map[string]any{"location": "westeurope", "properties": map[string]any{"osType": "Linux"}}
			prop.ToARM(body, img, false)
			wire, err := json.Marshal(body)
			if err != nil {
				t.Fatal(err)
			}
			if want := `"properties":{"osType":"Linux","supportUri":"` + after + `"}`; !strings.Contains(string(wire), want) {
				t.Errorf("ARM body %s, want %s", wire, want)
			}
			var answer map[string]any
			if err := json.Unmarshal(wire, &answer); err != nil {
				t.Fatal(err)
			}
			var read model.ImageDefinition
			if err := prop.FromARM(answer, &read); err != nil || prop.Value(&read) != after {
				t.Errorf("read back %v (%v), want %q", prop.Value(&read), err, after)
			}

			// Import writes it, and the written files load again to it.
			files, _, err := Encode(desired)
			if err != nil {
				t.Fatal(err)
			}
			gfile := string(files["acme.cue"])
			if want := cuePath + `: "` + after + `"`; !strings.Contains(gfile, want) {
				t.Fatalf("import wrote no %s:\n%s", want, gfile)
			}
			fsys := fstest.MapFS{}
			for name, data := range files {
				fsys[name] = &fstest.MapFile{Data: data}
			}
			again, diags := s.load(fsys, viaFast)
			if diags.HasErrors() {
				t.Fatalf("import's files do not load: %v\n%s", Err(diags), gfile)
			}
			if got := prop.Value(again.Galleries["acme"].Images["web"]); got != after {
				t.Errorf("import's files load to %s = %v, want %q", cuePath, got, after)
			}

			// The plan renders it, in text, JSON and Markdown.
			js, err := json.Marshal(plan)
			if err != nil {
				t.Fatal(err)
			}
			for format, out := range map[string]string{"text": planner.RenderText(plan, false), "JSON": string(js), "Markdown": planner.RenderMarkdown(plan)} {
				if !strings.Contains(out, cuePath) || !strings.Contains(out, before) || !strings.Contains(out, after) {
					t.Errorf("the %s plan does not show %s going from %s to %s:\n%s", format, cuePath, before, after, out)
				}
			}
		})
	}
}

// syntheticConfig is a configuration whose image definition sets the
// synthetic property to v.
func syntheticConfig(v string) fstest.MapFS {
	return fstest.MapFS{"main.cue": &fstest.MapFile{Data: []byte(`package curator

name: "synthetic"
target: local: {}
galleries: acme: {
	location: "westeurope"
	images: web: {
		publisher: "Contoso"
		offer:     "Web"
		sku:       "nginx"
		osType:    "Linux"
		osState:   "Generalized"
		supportUri: "` + v + `"
	}
}
`)}}
}

// cloneState copies a state through its JSON form (Extensions included).
func cloneState(t *testing.T, st *model.State) *model.State {
	t.Helper()
	data, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var out model.State
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}
