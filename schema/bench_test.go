package schema_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	gen "github.com/curator-dev/curator/examples/gen/estate"
	"github.com/curator-dev/curator/schema"
)

// estate writes a configuration of versions image versions spread over 100
// image definitions in 10 galleries, two target regions each.
func estate(versions int) fstest.MapFS {
	const galleries, definitions = 10, 100
	fsys := fstest.MapFS{"curator.cue": {Data: []byte("package curator\n\nname: \"bench\"\n")}}
	for g := 0; g < galleries; g++ {
		var b strings.Builder
		fmt.Fprintf(&b, "package curator\n\ngalleries: gallery_%d: {\n\tlocation: \"westeurope\"\n", g)
		for d := g * definitions / galleries; d < (g+1)*definitions/galleries; d++ {
			fmt.Fprintf(&b, "\timages: \"image-%d\": {\n\t\tpublisher: \"Contoso\", offer: \"O%d\", sku: \"S\", osType: \"Linux\", osState: \"Generalized\"\n", d, d)
			for v := d * versions / definitions; v < (d+1)*versions/definitions; v++ {
				fmt.Fprintf(&b, "\t\tversions: \"1.%d.%d\": {\n\t\t\tsource: managedImage: \"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/b/providers/Microsoft.Compute/images/i%d\"\n\t\t\tregions: {westeurope: replicas: 2, eastus: replicas: 1}\n\t\t}\n", v/10, v%10, v)
			}
			b.WriteString("\t}\n")
		}
		b.WriteString("}\n")
		fsys[fmt.Sprintf("gallery_%d.cue", g)] = &fstest.MapFile{Data: []byte(b.String())}
	}
	return fsys
}

func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		fsys := estate(n)
		b.Run(fmt.Sprintf("versions=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				st, diags := schema.Load(fsys)
				if diags.HasErrors() {
					b.Fatal(schema.Err(diags))
				}
				if got := st.Counts().Versions; got != n {
					b.Fatalf("%d versions, want %d", got, n)
				}
			}
		})
	}
}

// BenchmarkLoadInvalid measures the error path: an estate of 10,000
// versions with one typo, where every value is validated on its own to
// report all errors.
func BenchmarkLoadInvalid(b *testing.B) {
	fsys := estate(10000)
	fsys["typo.cue"] = &fstest.MapFile{Data: []byte("package curator\n\ngalleries: gallery_0: images: \"image-0\": versions: \"1.0.0\": replica: 2\n")}
	b.ReportAllocs()
	for b.Loop() {
		_, diags := schema.Load(fsys)
		if errs := diags.Errors(); len(errs) != 1 || errs[0].Pos.File != "typo.cue" {
			b.Fatalf("want the one typo, got %v", diags)
		}
	}
}

// BenchmarkLoadGoal loads the goal's estate as examples/gen writes it (10
// galleries × 1,000 definitions × 10,000 versions, three regions each,
// tags and shares), as plain data and as templated CUE: the configuration
// side of a cold plan.
func BenchmarkLoadGoal(b *testing.B) {
	for _, style := range []string{gen.StylePlain, gen.StyleTemplated} {
		b.Run("style="+style, func(b *testing.B) { benchmarkLoadGoal(b, style) })
	}
}

// benchmarkLoadGoal loads the goal's estate written in one style: plain
// data takes the plain fast path, templated CUE the evaluated one.
func benchmarkLoadGoal(b *testing.B, style string) {
	dir := b.TempDir()
	if err := gen.Write(dir, gen.Options{Galleries: 10, Definitions: 1000, Versions: 10000, Regions: 3, Shares: 1, Seed: 1, Name: "goal", Target: "local: {}", Style: style}); err != nil {
		b.Fatal(err)
	}
	fsys := os.DirFS(dir)
	b.ReportAllocs()
	for b.Loop() {
		st, diags := schema.Load(fsys)
		if diags.HasErrors() {
			b.Fatal(schema.Err(diags))
		}
		if got := st.Counts().Versions; got != 10000 {
			b.Fatalf("%d versions, want 10000", got)
		}
	}
}

// BenchmarkEncode writes the 10,000-version estate as import does.
func BenchmarkEncode(b *testing.B) {
	st, diags := schema.Load(estate(10000))
	if diags.HasErrors() {
		b.Fatal(schema.Err(diags))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := schema.Encode(st); err != nil {
			b.Fatal(err)
		}
	}
}
