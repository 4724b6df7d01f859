// Package estate writes valid curator configurations of a chosen size,
// deterministically for a seed: for benchmarks, load tests and anyone who
// wants to see curator at estate scale.
package estate

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Options size the generated estate.
type Options struct {
	Galleries, Definitions, Versions, Regions, Shares int
	Seed                                              int64
	Name, Target                                      string
	// OverLimits lets the sizes exceed the service's limits, to make
	// configurations curator must refuse.
	OverLimits bool
	// Style is how the files are written: StylePlain (the default), or
	// StyleTemplated, the same configuration (the same JSON) as people
	// write CUE: a #Version and an #Image template, a let, and a
	// comprehension over each definition's version names.
	Style string
	// Locations spreads the galleries over the first Locations regions
	// (0 or 1: all in the first), each gallery's versions targeting its
	// own region and the next ones: the service's limits are per region,
	// so an estate past 10,000 versions needs several.
	Locations int
}

// locations is Locations, at least 1.
func (o Options) locations() int { return max(1, o.Locations) }

// targets are the target regions of gallery g's versions, its own first.
func (o Options) targets(g int) []string {
	loc := g % o.locations()
	out := make([]string, o.Regions)
	for r := range out {
		out[r] = Regions[(loc+r)%len(Regions)]
	}
	return out
}

// The styles of Options.Style.
const (
	StylePlain     = "plain"
	StyleTemplated = "templated"
)

// Regions are the target regions versions are spread over, in order.
var Regions = []string{"westeurope", "northeurope", "eastus", "eastus2", "westus2", "uksouth", "francecentral", "swedencentral"}

// Validate checks the sizes against the service's limits.
func (o Options) Validate() error {
	if o.OverLimits {
		if o.Galleries < 1 || o.Definitions < o.Galleries || o.Versions < 0 || o.Regions < 1 || o.Regions > len(Regions) {
			return fmt.Errorf("want at least one gallery, a definition per gallery, and 1..%d regions", len(Regions))
		}
		return nil
	}
	l := o.locations()
	switch {
	case o.Style != "" && o.Style != StylePlain && o.Style != StyleTemplated:
		return fmt.Errorf("-style %q: want %s or %s", o.Style, StylePlain, StyleTemplated)
	case l > len(Regions) || l > 1 && (o.Galleries%l != 0 || o.Galleries < 1 || o.Definitions%o.Galleries != 0):
		return fmt.Errorf("-locations %d: want 1..%d, dividing the galleries (and the galleries dividing the definitions) so that every region gets the same share", l, len(Regions))
	case o.Galleries < 1 || o.Galleries > 100*l:
		return fmt.Errorf("-galleries %d: want 1..%d (the per-region limit)", o.Galleries, 100*l)
	case o.Definitions < o.Galleries || o.Definitions > 1000*l:
		return fmt.Errorf("-definitions %d: want %d..%d (at least one per gallery, at most the per-region limit)", o.Definitions, o.Galleries, 1000*l)
	case o.Versions < 0 || o.Versions > 10000*l:
		return fmt.Errorf("-versions %d: want 0..%d (the per-region limit)", o.Versions, 10000*l)
	case o.Regions < 1 || o.Regions > len(Regions):
		return fmt.Errorf("-regions %d: want 1..%d", o.Regions, len(Regions))
	}
	return nil
}

// Write writes the configuration into dir: a root file and one file per
// gallery.
func Write(dir string, o Options) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	root := fmt.Sprintf("package curator\n\nname: %q\ntarget: %s\nprune: true\nmaxDeletes: %d\n", o.Name, o.Target, o.Versions+o.Definitions+o.Galleries)
	if o.Style == StyleTemplated {
		root += templates(o)
	}
	if err := os.WriteFile(filepath.Join(dir, "curator.cue"), []byte(root), 0o644); err != nil {
		return fmt.Errorf("write root file: %w", err)
	}
	rng := newRand(o.Seed)
	for g := 0; g < o.Galleries; g++ {
		path := filepath.Join(dir, fmt.Sprintf("gallery_%03d.cue", g))
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("create %s: %w", path, err)
		}
		if o.Style == StyleTemplated {
			writeTemplatedGallery(f, o, g, rng)
		} else {
			writeGallery(f, o, g, rng)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}

// span returns the half-open range of items [lo, hi) that part i of n gets
// when total items are spread as evenly as possible.
func span(total, n, i int) (lo, hi int) {
	return total * i / n, total * (i + 1) / n
}

func writeGallery(w io.Writer, o Options, g int, rng *rand) {
	name := fmt.Sprintf("gallery_%03d", g)
	targets := o.targets(g)
	fmt.Fprintf(w, "package curator\n\ngalleries: %s: {\n\tlocation: %q\n\tdescription: \"Generated gallery %d\"\n\ttags: {team: \"platform\", generated: \"true\"}\n", name, targets[0], g)
	for s := 0; s < o.Shares; s++ {
		fmt.Fprintf(w, "\tshares: \"readers-%d\": {principalId: %q, principalType: \"Group\", role: \"Compute Gallery Image Reader\"}\n", s, guid(rng))
	}
	dlo, dhi := span(o.Definitions, o.Galleries, g)
	for d := dlo; d < dhi; d++ {
		fmt.Fprintf(w, "\timages: \"image-%04d\": {\n\t\tpublisher: \"Contoso\", offer: \"Offer%04d\", sku: \"sku-%d\"\n", d, d/10, d%10)
		osType := "Linux"
		if d%4 == 3 {
			osType = "Windows"
		}
		fmt.Fprintf(w, "\t\tosType: %q, osState: \"Generalized\", hyperVGeneration: \"V2\"\n", osType)
		vlo, vhi := span(o.Versions, o.Definitions, d)
		for v := vlo; v < vhi; v++ {
			n := v - vlo
			fmt.Fprintf(w, "\t\tversions: \"1.%d.%d\": {\n", n/10, n%10)
			fmt.Fprintf(w, "\t\t\tsource: managedImage: \"%s/image-%04d-%d\"\n", sourceImages, d, n)
			fmt.Fprintf(w, "\t\t\tsizeGB: %d\n\t\t\tregions: {\n", 5+rng.intn(60))
			for r := 0; r < o.Regions; r++ {
				fmt.Fprintf(w, "\t\t\t\t%s: replicas: %d\n", targets[r], 1+rng.intn(3))
			}
			fmt.Fprint(w, "\t\t\t}\n\t\t}\n")
		}
		fmt.Fprint(w, "\t}\n")
	}
	fmt.Fprint(w, "}\n")
}

// sourceImages is the resource group of the versions' source images.
const sourceImages = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/images/providers/Microsoft.Compute/images"

// templates are the root file's definitions in the templated style: what
// every image definition and every version share.
func templates(o Options) string {
	return fmt.Sprintf(`
let sourceImages = %q

// One image version: its source image, size and replicas per target region.
#Version: {
	#image: string
	#n:     int
	#size:  int
	#regions: [...string]
	#replicas: [...int]
	source: managedImage: "\(sourceImages)/image-\(#image)-\(#n)"
	sizeGB: #size
	regions: {for i, r in #regions {(r): replicas: #replicas[i]}}
}

// One image definition of Contoso's: its versions by name, each a row of
// #Version's inputs.
#Image: {
	#d: string
	#targets: [...string]
	#versions: [string]: {n: int, size: int, replicas: [...int]}
	publisher:        "Contoso"
	offer:            string
	sku:              string
	osType:           "Linux" | "Windows"
	osState:          "Generalized"
	hyperVGeneration: "V2"
	versions: {for name, v in #versions {(name): #Version & {#image: #d, #n: v.n, #size: v.size, #regions: #targets, #replicas: v.replicas}}}
}
`, sourceImages)
}

// writeTemplatedGallery writes the gallery writeGallery writes, with the
// same random draws in the same order, through the root file's templates.
func writeTemplatedGallery(w io.Writer, o Options, g int, rng *rand) {
	name := fmt.Sprintf("gallery_%03d", g)
	targets := o.targets(g)
	quoted := make([]string, len(targets))
	for i, t := range targets {
		quoted[i] = fmt.Sprintf("%q", t)
	}
	fmt.Fprintf(w, "package curator\n\nlet targets = [%s]\n\ngalleries: %s: {\n\tlocation: targets[0]\n\tdescription: \"Generated gallery %d\"\n\ttags: {team: \"platform\", generated: \"true\"}\n", strings.Join(quoted, ", "), name, g)
	for s := 0; s < o.Shares; s++ {
		fmt.Fprintf(w, "\tshares: \"readers-%d\": {principalId: %q, principalType: \"Group\", role: \"Compute Gallery Image Reader\"}\n", s, guid(rng))
	}
	dlo, dhi := span(o.Definitions, o.Galleries, g)
	for d := dlo; d < dhi; d++ {
		osType := "Linux"
		if d%4 == 3 {
			osType = "Windows"
		}
		fmt.Fprintf(w, "\timages: \"image-%04d\": #Image & {#d: \"%04d\", #targets: targets, offer: \"Offer%04d\", sku: \"sku-%d\", osType: %q}\n", d, d, d/10, d%10, osType)
		vlo, vhi := span(o.Versions, o.Definitions, d)
		if vlo == vhi {
			continue
		}
		fmt.Fprintf(w, "\timages: \"image-%04d\": #versions: {\n", d)
		for v := vlo; v < vhi; v++ {
			n := v - vlo
			size := 5 + rng.intn(60)
			replicas := make([]string, o.Regions)
			for r := range replicas {
				replicas[r] = fmt.Sprint(1 + rng.intn(3))
			}
			fmt.Fprintf(w, "\t\t\"1.%d.%d\": {n: %d, size: %d, replicas: [%s]}\n", n/10, n%10, n, size, strings.Join(replicas, ", "))
		}
		fmt.Fprint(w, "\t}\n")
	}
	fmt.Fprint(w, "}\n")
}

// rand is a small deterministic generator (splitmix64), so the output does
// not depend on math/rand's algorithm across Go releases.
type rand struct{ state uint64 }

func newRand(seed int64) *rand { return &rand{state: uint64(seed)} }

func (r *rand) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *rand) intn(n int) int { return int(r.next() % uint64(n)) }

func guid(r *rand) string {
	a, b := r.next(), r.next()
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", uint32(a), uint16(a>>32), uint16(a>>48)&0xfff, uint16(b)&0xfff, b>>16&0xffffffffffff)
}
