package model

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPropertyTables(t *testing.T) {
	for name, table := range map[string][]Property{"gallery": GalleryProperties, "image": ImageProperties, "version": VersionProperties} {
		seen := map[string]bool{}
		for _, p := range table {
			if p.CUE == "" || len(p.ARM) == 0 {
				t.Errorf("%s: %+v has no CUE or ARM path", name, p)
			}
			if seen[p.CUE] {
				t.Errorf("%s: %s is listed twice", name, p.CUE)
			}
			seen[p.CUE] = true
			for _, arm := range p.ARM {
				if _, unsupported := Unsupported[arm]; unsupported {
					t.Errorf("%s: %s is both modelled (%s) and unsupported", name, arm, p.CUE)
				}
				if arm != "location" && arm != "tags" && !strings.HasPrefix(arm, "properties.") {
					t.Errorf("%s: ARM path %s is outside the resource's properties", name, arm)
				}
			}
		}
	}
	for arm, why := range Unsupported {
		if why == "" {
			t.Errorf("unsupported %s gives no reason", arm)
		}
	}
}

func TestResourceKinds(t *testing.T) {
	for want, r := range map[string]Resource{"gallery": &Gallery{}, "sharing": &Sharing{}, "image": &ImageDefinition{}, "version": &ImageVersion{}, "share": &Share{}} {
		if got := r.ResourceKind(); got != want {
			t.Errorf("%T is kind %q, want %q", r, got, want)
		}
	}
}

// Every declaration is usable by the code that reads it: a scalar has one
// ARM path and a Ref of its kind's Go type (or none: Extensions); a
// property updatable with a flag names a boolean scalar of its own table;
// a default parses as its kind.
func TestDeclarationsAreUsable(t *testing.T) {
	resources := map[string]any{"gallery": &Gallery{}, "image": &ImageDefinition{}, "version": &ImageVersion{}}
	for name, table := range map[string][]Property{"gallery": GalleryProperties, "image": ImageProperties, "version": VersionProperties} {
		r := resources[name]
		for _, p := range table {
			if p.Mutability == UpdatableWithFlag {
				f, ok := PropertyByCUE(table, p.Flag)
				if !ok || f.Kind != Bool {
					t.Errorf("%s: %s is updatable with flag %q, which is no boolean of the table", name, p.CUE, p.Flag)
				}
			}
			if !p.Scalar() {
				if p.Ref != nil {
					t.Errorf("%s: structured %s has a Ref", name, p.CUE)
				}
				continue
			}
			if len(p.ARM) != 1 {
				t.Errorf("%s: scalar %s has %d ARM paths, want one", name, p.CUE, len(p.ARM))
			}
			if p.Default != "" {
				if _, err := p.Parse(p.Default); err != nil {
					t.Errorf("%s: %s: default %q: %v", name, p.CUE, p.Default, err)
				}
			}
			if err := p.SetValue(r, p.Kind.zero()); err != nil {
				t.Errorf("%s: %s: %v", name, p.CUE, err)
			}
		}
	}
}

// A scalar's value goes to its ARM path and back, into a Go field or the
// resource's Extensions; an absent answer reads as the service's default.
func TestScalarThroughARM(t *testing.T) {
	tests := []struct {
		name string
		p    Property
		v    any
		want string
	}{
		{"string field", Property{CUE: "description", ARM: []string{"properties.description"}, Kind: String, Ref: ref(func(d *ImageDefinition) *string { return &d.Description })}, "golden", `{"properties":{"description":"golden"}}`},
		{"nested bool field", Property{CUE: "softDelete", ARM: []string{"properties.softDeletePolicy.isSoftDeleteEnabled"}, Kind: Bool, Ref: ref(func(g *Gallery) *bool { return &g.SoftDelete })}, true, `{"properties":{"softDeletePolicy":{"isSoftDeleteEnabled":true}}}`},
		{"int in Extensions", Property{CUE: "retention", ARM: []string{"properties.softDeletePolicy.retentionPeriodInDays"}, Kind: Int}, 7, `{"properties":{"softDeletePolicy":{"retentionPeriodInDays":7}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r, back any = &ImageDefinition{}, &ImageDefinition{}
			if tt.p.CUE == "softDelete" {
				r, back = &Gallery{}, &Gallery{}
			}
			if err := tt.p.SetValue(r, tt.v); err != nil {
				t.Fatal(err)
			}
			body := map[string]any{}
			tt.p.ToARM(body, r, false)
			data, _ := json.Marshal(body)
			if string(data) != tt.want {
				t.Errorf("body %s, want %s", data, tt.want)
			}
			var answer map[string]any
			if err := json.Unmarshal(data, &answer); err != nil {
				t.Fatal(err)
			}
			if err := tt.p.FromARM(answer, back); err != nil || tt.p.Value(back) != tt.v {
				t.Errorf("read back %v (%v), want %v", tt.p.Value(back), err, tt.v)
			}
			if err := tt.p.SetValue(r, "not a "+tt.p.Kind.String()); err == nil && tt.p.Kind != String {
				t.Errorf("a string was taken as a %s", tt.p.Kind)
			}
		})
	}
	arch, _ := PropertyByCUE(ImageProperties, "architecture")
	var d ImageDefinition
	if err := arch.FromARM(map[string]any{"properties": map[string]any{}}, &d); err != nil || d.Architecture != "x64" {
		t.Errorf("an answer without architecture reads as %q (%v), want the default x64", d.Architecture, err)
	}
	if body := (map[string]any{}); true {
		var empty ImageDefinition
		arch.ToARM(body, &empty, false)
		if len(body) != 0 {
			t.Errorf("an unset property was written: %v", body)
		}
	}
}

// TestIntExtensionSurvivesJSON: a whole-number property kept in a
// resource's extensions reads back as an int after the resource went
// through JSON (saved plans and the config cache hold resources as JSON),
// so the planner's comparison does not see 7 and 7.0 as a change.
func TestIntExtensionSurvivesJSON(t *testing.T) {
	p, ok := PropertyByCUE(GalleryProperties, "softDeleteRetentionDays")
	if !ok || p.Ref != nil || p.Kind != Int {
		t.Fatalf("softDeleteRetentionDays is not an Int kept in extensions: %+v", p)
	}
	g := &Gallery{Location: "westeurope", SoftDelete: true}
	if err := p.SetValue(g, 7); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	var back Gallery
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if got := p.Value(&back); got != 7 {
		t.Errorf("after JSON: %v (%T), want 7 (int)", got, got)
	}
}
