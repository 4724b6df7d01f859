package azure_test

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"

	"github.com/curator-dev/curator/internal/sdkwalk"
	"github.com/curator-dev/curator/model"
)

// TestSDKPathsAreMappedOrListed walks the SDK's model of galleries,
// gallery images and gallery image versions (armcompute v8, every type
// under them) and fails when a writable property is neither an ARM path of
// the model's property tables nor in model.Unsupported — the issue's
// checklist — and when a table names a path the SDK does not have.
// Read-only properties are those the SDK documents READ-ONLY.
func TestSDKPathsAreMappedOrListed(t *testing.T) {
	ro, err := sdkwalk.ReadOnlyFields("github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8")
	if err != nil {
		t.Fatal(err)
	}
	roots := []struct {
		kind  string
		typ   reflect.Type
		table []model.Property
	}{
		{"gallery", reflect.TypeOf(armcompute.Gallery{}), model.GalleryProperties},
		{"image", reflect.TypeOf(armcompute.GalleryImage{}), model.ImageProperties},
		{"version", reflect.TypeOf(armcompute.GalleryImageVersion{}), model.VersionProperties},
	}
	unsupported := map[string]bool{}
	for p := range model.Unsupported {
		unsupported[p] = true
	}
	for _, r := range roots {
		paths := sdkwalk.Walk(r.typ, ro)
		if len(paths) < 5 {
			t.Fatalf("%s: only %d paths found; the walk is broken", r.kind, len(paths))
		}
		mapped := map[string]bool{}
		for a := range model.SetByCurator[r.kind] {
			mapped[a] = true
		}
		for _, p := range r.table {
			for _, a := range p.ARM {
				mapped[a] = true
			}
		}
		all := map[string]bool{}
		var missing []string
		for _, p := range paths {
			all[p.Path] = true
			if p.ReadOnly || sdkwalk.Covered(p.Path, mapped) || sdkwalk.Covered(p.Path, unsupported) {
				continue
			}
			missing = append(missing, p.Path)
		}
		sort.Strings(missing)
		for _, m := range missing {
			t.Errorf("%s: writable SDK property %s is neither in model.%sProperties nor in model.Unsupported", r.kind, m, strings.ToUpper(r.kind[:1])+r.kind[1:])
		}
		for a := range mapped {
			found := false
			for p := range all {
				if p == a || strings.HasPrefix(p, a+".") {
					found = true
					break
				}
			}
			if !found {
				t.Errorf("%s: the property table names %s, which the SDK's model does not have", r.kind, a)
			}
		}
	}
}
