package planner

import (
	"strings"
	"testing"

	"github.com/curator-dev/curator/model"
)

// The planner's diff agrees with the model's property tables: every field
// it compares is a property of the table with the same mutability, and
// every property of the table is compared — by a field, or by the code
// named here that handles it.
func TestDiffFollowsThePropertyTables(t *testing.T) {
	elsewhere := map[string]string{
		"location":              "gallery(): a location change forces a replace; version: the location field",
		"sharing.permission":    "gallery() and sharing(): Groups only on a gallery created for it",
		"sharing.subscriptions": "sharing(): Add and Remove",
		"sharing.tenants":       "sharing(): Add and Remove",
		"storage":               "regionDelta(): per region",
		"regions":               "regionDelta(): per region",
	}
	check := func(kind string, table []model.Property, paths map[string]func(any) bool) {
		for path, mutable := range paths {
			var found *model.Property
			for i, p := range table {
				if p.CUE == path || strings.HasPrefix(p.CUE, path+".") {
					found = &table[i]
					break
				}
			}
			if found == nil {
				t.Errorf("%s: the planner compares %s, which the property table does not have", kind, path)
				continue
			}
			switch found.Mutability {
			case model.Updatable:
				if !mutable(nil) {
					t.Errorf("%s: %s is updatable in the table, forces a replace in the planner", kind, path)
				}
			case model.ForcesReplace:
				if mutable(nil) {
					t.Errorf("%s: %s forces a replace in the table, is updated in place by the planner", kind, path)
				}
			}
		}
		for _, p := range table {
			covered := false
			for path := range paths {
				if p.CUE == path || strings.HasPrefix(p.CUE, path+".") {
					covered = true
				}
			}
			first, _, _ := strings.Cut(p.CUE, ".")
			_, handled := elsewhere[p.CUE]
			_, handledFirst := elsewhere[first]
			if !covered && !handled && !handledFirst && p.Mutability != model.PerRegion {
				t.Errorf("%s: the planner never compares %s", kind, p.CUE)
			}
		}
	}
	check("gallery", model.GalleryProperties, fieldPaths(galleryFields(), &model.Gallery{}))
	check("image", model.ImageProperties, fieldPaths(imageFields(), &model.ImageDefinition{}))
	versions := fieldPaths(versionFields(), &model.ImageVersion{})
	versions["source"] = func(any) bool { return false } // sameSource(): any difference forces a replace
	check("version", model.VersionProperties, versions)
}

func fieldPaths[T any](fields []field[T], zero *T) map[string]func(any) bool {
	out := map[string]func(any) bool{}
	for _, f := range fields {
		out[f.path] = func(any) bool { return f.isMutable(zero) }
	}
	return out
}
