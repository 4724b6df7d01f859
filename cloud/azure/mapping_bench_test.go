package azure

import (
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"

	"github.com/curator-dev/curator/model"
)

// BenchmarkImageMapping reads an image definition from its ARM answer and
// writes its create body back: the plain scalars go through the SDK
// model's JSON form (scalarsFromARM, withScalars), the price of reading
// them from the property tables instead of by hand. The goal estate has
// 1,000 definitions.
func BenchmarkImageMapping(b *testing.B) {
	im := &armcompute.GalleryImage{
		Location: to.Ptr("westeurope"),
		Tags:     map[string]*string{model.ManagedByTag: to.Ptr("bench")},
		Properties: &armcompute.GalleryImageProperties{
			Identifier:          &armcompute.GalleryImageIdentifier{Publisher: to.Ptr("Contoso"), Offer: to.Ptr("Web"), SKU: to.Ptr("nginx")},
			OSType:              to.Ptr(armcompute.OperatingSystemTypesLinux),
			OSState:             to.Ptr(armcompute.OperatingSystemStateTypesGeneralized),
			HyperVGeneration:    to.Ptr(armcompute.HyperVGenerationV2),
			Description:         to.Ptr("golden web image"),
			PrivacyStatementURI: to.Ptr("https://contoso.example/privacy"),
			ReleaseNoteURI:      to.Ptr("https://contoso.example/notes"),
			AllowUpdateImage:    to.Ptr(true),
		},
	}
	c := &Client{}
	b.ReportAllocs()
	for b.Loop() {
		d := imageFromARM(im)
		if d.ReleaseNoteURI == "" {
			b.Fatal("the release note URI was not read")
		}
		if body := c.imageToARM("westeurope", d); body.Properties == nil || body.Properties.ReleaseNoteURI == nil {
			b.Fatal("the release note URI was not written")
		}
	}
}
