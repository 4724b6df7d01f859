package estateview_test

import (
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/curator-dev/curator/estateview"
	"github.com/curator-dev/curator/model"
)

// bigEstate is the 10 × 1,000 × 10,000 estate as read: 10 galleries of
// 100 definitions of 10 versions, each in 3 regions, replicated.
func bigEstate() estateview.Configuration {
	mark := map[string]string{model.ManagedByTag: "big"}
	regions := []string{"westeurope", "northeurope", "eastus"}
	st := model.State{Galleries: map[string]*model.Gallery{}}
	for g := range 10 {
		gal := &model.Gallery{Location: "westeurope", Tags: mark, Images: map[string]*model.ImageDefinition{}}
		st.Galleries[fmt.Sprintf("gallery_%03d", g)] = gal
		for d := range 100 {
			img := &model.ImageDefinition{Publisher: "Contoso", Offer: "Offer", SKU: fmt.Sprintf("sku-%d", d), OSType: "Linux", OSState: "Generalized", Tags: mark, Versions: map[string]*model.ImageVersion{}}
			gal.Images[fmt.Sprintf("image-%04d", g*100+d)] = img
			for v := range 10 {
				rs := map[string]model.TargetRegion{}
				rep := map[string]model.RegionReplication{}
				for i, r := range regions {
					rs[r] = model.TargetRegion{Replicas: 1 + (v+i)%3, Storage: "Standard_LRS"}
					rep[r] = model.RegionReplication{State: "Completed", Progress: 100}
				}
				img.Versions[fmt.Sprintf("1.0.%d", v)] = &model.ImageVersion{Location: "westeurope", Regions: rs, Tags: mark,
					Observed: &model.VersionObserved{ProvisioningState: "Succeeded", AggregatedState: "Completed", Replication: rep}}
			}
		}
	}
	return estateview.Configuration{Key: "big", Name: "big", Actual: &st}
}

// BenchmarkEstateIndex is /api/estate of the big estate: every gallery
// summarised.
func BenchmarkEstateIndex(b *testing.B) {
	c := []estateview.Configuration{bigEstate()}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if err := json.NewEncoder(io.Discard).Encode(estateview.Build(1, c, now, estateview.Links{})); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEstateGallery is one gallery of the big estate opened (100
// definitions, 1,000 versions × 3 regions) as JSON.
func BenchmarkEstateGallery(b *testing.B) {
	c := bigEstate()
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		g, ok := estateview.Gallery(&c, "gallery_004", now)
		if !ok {
			b.Fatal("no gallery")
		}
		if err := json.NewEncoder(io.Discard).Encode(g); err != nil {
			b.Fatal(err)
		}
	}
}
