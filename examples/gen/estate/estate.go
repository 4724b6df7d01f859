// Package estate writes valid curator configurations of a chosen size,
// deterministically for a seed: for benchmarks, load tests and anyone who
// wants to see curator at estate scale.
package estate

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Options size the generated estate.
type Options struct {
	Galleries, Definitions, Versions, Regions, Shares int
	Seed                                              int64
	Name, Target                                      string
	// OverLimits lets the sizes exceed the service's limits, to make
	// configurations curator must refuse.
	OverLimits bool
}

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
	switch {
	case o.Galleries < 1 || o.Galleries > 100:
		return fmt.Errorf("-galleries %d: want 1..100 (the per-region limit)", o.Galleries)
	case o.Definitions < o.Galleries || o.Definitions > 1000:
		return fmt.Errorf("-definitions %d: want %d..1000 (at least one per gallery, at most the per-region limit)", o.Definitions, o.Galleries)
	case o.Versions < 0 || o.Versions > 10000:
		return fmt.Errorf("-versions %d: want 0..10000 (the per-region limit)", o.Versions)
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
		writeGallery(f, o, g, rng)
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
	fmt.Fprintf(w, "package curator\n\ngalleries: %s: {\n\tlocation: %q\n\tdescription: \"Generated gallery %d\"\n\ttags: {team: \"platform\", generated: \"true\"}\n", name, Regions[0], g)
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
			fmt.Fprintf(w, "\t\t\tsource: managedImage: \"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/images/providers/Microsoft.Compute/images/image-%04d-%d\"\n", d, n)
			fmt.Fprintf(w, "\t\t\tsizeGB: %d\n\t\t\tregions: {\n", 5+rng.intn(60))
			for r := 0; r < o.Regions; r++ {
				fmt.Fprintf(w, "\t\t\t\t%s: replicas: %d\n", Regions[r], 1+rng.intn(3))
			}
			fmt.Fprint(w, "\t\t\t}\n\t\t}\n")
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
