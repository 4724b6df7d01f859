package model

import (
	"bytes"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the README's property table")

const (
	tableBegin = "<!-- property table: generated from model/properties.go; go test ./model -update rewrites it -->\n"
	tableEnd   = "<!-- end of property table -->\n"
)

// renderPropertyTable is the README's property table: every property of
// the model's tables, and every writable ARM property curator leaves alone
// with the reason.
func renderPropertyTable() string {
	var b strings.Builder
	cell := func(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
	for _, k := range []struct {
		title string
		table []Property
	}{{"Gallery", GalleryProperties}, {"Image definition", ImageProperties}, {"Image version", VersionProperties}} {
		fmt.Fprintf(&b, "\n**%s**\n\n| property | ARM path | change | default | checked |\n|---|---|---|---|---|\n", k.title)
		for _, p := range k.table {
			arm := make([]string, len(p.ARM))
			for i, a := range p.ARM {
				arm[i] = "`" + a + "`"
			}
			def := ""
			if p.Default != "" {
				def = "`" + p.Default + "`"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", p.CUE, strings.Join(arm, "<br>"), p.Mutability, def, cell(p.Rule))
		}
	}
	b.WriteString("\n**Not expressible** (curator neither sets nor diffs them)\n\n| ARM path | why |\n|---|---|\n")
	for _, a := range slices.Sorted(maps.Keys(Unsupported)) {
		fmt.Fprintf(&b, "| `%s` | %s |\n", a, cell(Unsupported[a]))
	}
	b.WriteString("\n")
	return b.String()
}

// TestREADMEPropertyTable: the README's property table is the model's
// tables, rendered; -update rewrites it.
func TestREADMEPropertyTable(t *testing.T) {
	path := filepath.Join("..", "README.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i, j := bytes.Index(data, []byte(tableBegin)), bytes.Index(data, []byte(tableEnd))
	if i < 0 || j < i {
		t.Fatalf("README.md has no property table between %q and %q", strings.TrimSpace(tableBegin), strings.TrimSpace(tableEnd))
	}
	got, want := string(data[i+len(tableBegin):j]), renderPropertyTable()
	if got == want {
		return
	}
	if *update {
		out := append(append(append([]byte{}, data[:i+len(tableBegin)]...), want...), data[j:]...)
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's property table is stale: run go test ./model -update")
}
