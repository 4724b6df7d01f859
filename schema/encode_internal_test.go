package schema

import "testing"

// TestGalleryFileNames: every gallery gets a file the loader reads, on any
// disk, named after it where it can be.
func TestGalleryFileNames(t *testing.T) {
	names := []string{"", "-dash", ".hidden", "Curator", "Prod", "_hidden", "a.tmp", "acme", "con", "con.images", "prod", "prod_tool", "x/../y", "x_TOOL", "é"}
	want := map[string]string{
		"":           "gallery.cue",
		"-dash":      "gallery-dash.cue",
		".hidden":    "gallery.hidden.cue",
		"Curator":    "Curator-2.cue",
		"Prod":       "Prod.cue",
		"_hidden":    "gallery_hidden.cue",
		"a.tmp":      "a_tmp.cue",
		"acme":       "acme.cue",
		"con":        "con_gallery.cue",
		"con.images": "con.images_gallery.cue",
		"prod":       "prod-2.cue",
		"prod_tool":  "prod_tool_gallery.cue",
		"x/../y":     "x_.._y.cue",
		"x_TOOL":     "x_TOOL_gallery.cue",
		"é":          "gallery_.cue",
	}
	got := galleryFileNames(names)
	for _, n := range names {
		if got[n] != want[n] {
			t.Errorf("gallery %q is written to %q, want %q", n, got[n], want[n])
		}
	}
}
