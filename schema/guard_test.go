package schema_test

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/curator-dev/curator/schema"
)

// TestLoadRefusesBeyondLimitsBeforeEvaluating: a configuration declaring
// more than the service allows in a region is refused from its syntax,
// with the numbers and the limit, before CUE evaluates it (the evaluated
// check's message does not say "counted in the files").
func TestLoadRefusesBeyondLimitsBeforeEvaluating(t *testing.T) {
	var b strings.Builder
	b.WriteString("package curator\n\ngalleries: g: {location: \"westeurope\", images: i: {publisher: \"P\", offer: \"O\", sku: \"S\", osType: \"Linux\", osState: \"Generalized\"}}\n")
	for v := range schema.MaxVersions + 1 {
		fmt.Fprintf(&b, "galleries: g: images: i: versions: \"1.%d.%d\": regions: westeurope: replicas: 1\n", v/1000, v%1000)
	}
	_, diags := schema.Load(fstest.MapFS{"main.cue": {Data: []byte(b.String())}})
	errs := diags.Errors()
	if len(errs) != 1 || !strings.Contains(errs[0].Summary, "10001 image versions in region westeurope: the service allows at most 10000 per subscription and region (counted in the files") {
		t.Fatalf("diagnostics %v, want the early refusal naming 10001 versions and the limit", diags)
	}
}

// bigFS is a configuration folder whose one file claims a size beyond
// MaxConfigBytes.
type bigFS struct{ fstest.MapFS }

func (b bigFS) ReadDir(name string) ([]fs.DirEntry, error) {
	return []fs.DirEntry{bigEntry{}}, nil
}

type bigEntry struct{}

func (bigEntry) Name() string               { return "huge.cue" }
func (bigEntry) IsDir() bool                { return false }
func (bigEntry) Type() fs.FileMode          { return 0 }
func (bigEntry) Info() (fs.FileInfo, error) { return bigEntry{}, nil }
func (bigEntry) Size() int64                { return schema.MaxConfigBytes + 1 }
func (bigEntry) Mode() fs.FileMode          { return 0o644 }
func (bigEntry) ModTime() time.Time         { return time.Time{} }
func (bigEntry) Sys() any                   { return nil }

func TestLoadRefusesOversizedConfiguration(t *testing.T) {
	fsys := bigFS{fstest.MapFS{"huge.cue": {Data: []byte("package curator\n")}}}
	_, diags := schema.Load(fsys)
	errs := diags.Errors()
	if len(errs) != 1 || !strings.Contains(errs[0].Summary, "64.0 MiB, more than curator reads (64 MiB)") {
		t.Fatalf("diagnostics %v, want the size refusal", diags)
	}
}
