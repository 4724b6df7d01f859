package schema_test

import (
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"

	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/schema"
)

// Every property of the model's tables is a field of the CUE schema, at
// the path the table gives: the loader accepts what the planner diffs and
// cloud/azure maps.
func TestSchemaHasEveryProperty(t *testing.T) {
	v := cuecontext.New().CompileBytes(schema.SchemaSource())
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	// The lookup is not vacuous: a field the schema lacks is not found.
	if v.LookupPath(cue.ParsePath("#Version")).LookupPath(cue.MakePath(cue.Str("noSuchField").Optional())).Exists() {
		t.Fatal("the schema lookup finds fields that do not exist")
	}
	for def, table := range map[string][]model.Property{"#Gallery": model.GalleryProperties, "#Image": model.ImageProperties, "#Version": model.VersionProperties} {
		for _, p := range table {
			cur := v.LookupPath(cue.ParsePath(def))
			for _, label := range strings.Split(p.CUE, ".") {
				var sel cue.Selector
				if strings.HasPrefix(label, "<") {
					sel = cue.AnyString // regions.<region>, edgeZones.<zone>
				} else {
					sel = cue.Str(label).Optional()
				}
				next := cur.LookupPath(cue.MakePath(sel))
				if !next.Exists() {
					next = cur.LookupPath(cue.MakePath(cue.Str(label)))
				}
				cur = next
				if !cur.Exists() {
					t.Errorf("%s: the schema has no %s (at %s)", def, p.CUE, label)
					break
				}
			}
		}
	}
}
