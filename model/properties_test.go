package model

import (
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
