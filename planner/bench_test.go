package planner_test

import (
	"fmt"
	"testing"

	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/planner"
)

// estate is a state of n versions over 100 definitions in 10 galleries.
func estate(n int) model.State {
	st := model.State{Name: config, MaxDeletes: 10, Galleries: map[string]*model.Gallery{}}
	for g := 0; g < 10; g++ {
		gal := &model.Gallery{Location: "westeurope", Images: map[string]*model.ImageDefinition{}}
		st.Galleries[fmt.Sprintf("g%d", g)] = gal
		for d := g * 10; d < (g+1)*10; d++ {
			img := &model.ImageDefinition{Publisher: "P", Offer: fmt.Sprint(d), SKU: "S", OSType: "Linux", OSState: "Generalized", HyperVGeneration: "V1", Versions: map[string]*model.ImageVersion{}}
			gal.Images[fmt.Sprintf("i%d", d)] = img
			for v := d * n / 100; v < (d+1)*n/100; v++ {
				img.Versions[fmt.Sprintf("1.%d.%d", v/10, v%10)] = version(map[string]model.TargetRegion{"westeurope": {Replicas: 1, Storage: "Standard_LRS"}, "eastus": {Replicas: 1, Storage: "Standard_LRS"}})
			}
		}
	}
	return st
}

// BenchmarkPlan plans 10,000 versions of which 10% changed replica counts.
func BenchmarkPlan(b *testing.B) {
	d := estate(10000)
	a := applied(estate(10000))
	i := 0
	for _, g := range d.Galleries {
		for _, img := range g.Images {
			for _, v := range img.Versions {
				if i%10 == 0 {
					v.Regions["eastus"] = model.TargetRegion{Replicas: 3, Storage: "Standard_LRS"}
				}
				i++
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p, diags := planner.Compute(d, a, planner.Options{Now: now})
		if diags.HasErrors() || p.Summary.Update != 1000 {
			b.Fatalf("%d updates, %v", p.Summary.Update, planner.Refused(diags))
		}
	}
}
