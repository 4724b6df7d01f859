package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenerate derives a table from a small specification in the
// repository's layout: two api-versions, the newer one adding a property
// through a $ref into another file, an allOf, an array and an enum value.
func TestGenerate(t *testing.T) {
	root := t.TempDir()
	write := func(path, body string) {
		t.Helper()
		full := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	resources := `"Gallery":{"properties":{"properties":{"$ref":"#/definitions/GalleryProperties"}}},
		"GalleryImage":{"allOf":[{"$ref":"../../../common-types/v1/common.json#/definitions/Resource"}],"properties":{"properties":{"type":"object","properties":{"osType":{"type":"string"}}}}},`
	write(galleryRP+"/2020-01-01/gallery.json", `{"definitions":{`+resources+`
		"GalleryImageVersion":{"properties":{"properties":{"properties":{"regions":{"type":"array","items":{"$ref":"#/definitions/Region"}}}}}},
		"Region":{"properties":{"name":{"type":"string"},"storage":{"type":"string","enum":["Standard_LRS"]}}},
		"GalleryProperties":{"properties":{"description":{"type":"string"}}}}}`)
	write(galleryRP+"/2021-01-01/gallery.json", `{"definitions":{`+resources+`
		"GalleryImageVersion":{"properties":{"properties":{"properties":{"regions":{"type":"array","items":{"$ref":"./common.json#/definitions/Region"}}}}}},
		"GalleryProperties":{"properties":{"description":{"type":"string"},"self":{"$ref":"#/definitions/GalleryProperties"}}}}}`)
	write(galleryRP+"/2021-01-01/common.json", `{"definitions":{"Region":{"allOf":[{"$ref":"#/definitions/Named"}],"properties":{"storage":{"type":"string","enum":["Standard_LRS","Premium_LRS"]},"exclude":{"type":"boolean"}}},
		"Named":{"properties":{"name":{"type":"string"}}}}}`)
	src, err := generate(root, "test")
	if err != nil {
		t.Fatal(err)
	}
	out := string(src)
	for _, want := range []string{
		`var specVersions = []string{"2020-01-01", "2021-01-01"}`,
		`"properties.description": {"2020-01-01", ""}`,
		`"properties.self":        {"2021-01-01", ""}`,
		`"properties.osType": {"2020-01-01", ""}`,
		`"properties.regions[].name":    {"2020-01-01", ""}`,
		`"properties.regions[].exclude": {"2021-01-01", ""}`,
		`"Premium_LRS": {"2021-01-01", ""}, "Standard_LRS": {"2020-01-01", ""}`,
		`Checkout: test.`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, `"location"`) || strings.Contains(out, "properties.self.") {
		t.Errorf("the table has paths outside properties, or followed a recursive definition:\n%s", out)
	}
}
