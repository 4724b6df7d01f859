package schema_test

import (
	"reflect"
	"testing"
	"testing/fstest"

	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/schema"
)

// TestUEFISettingsRead: what a configuration writes as UEFI settings reads
// as the service reports it — empty lists and an empty
// additionalSignatures are no keys — so a version applied from it plans no
// change afterwards.
func TestUEFISettingsRead(t *testing.T) {
	const def = `package curator

galleries: g: {
	location: "westeurope"
	images: tl: {
		publisher: "P", offer: "O", sku: "S", osType: "Linux", osState: "Generalized"
		hyperVGeneration: "V2", securityType: "TrustedLaunchSupported"
		versions: "1.0.0": {
			source: snapshot: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/b/providers/Microsoft.Compute/snapshots/os"
			securityProfile: uefiSettings: `
	db := model.UEFIKey{Type: "x509", Value: []string{"MIIBCgKCAQEAdb10"}}
	for _, tc := range []struct {
		name, uefi string
		want       *model.UEFISettings
	}{
		{"nothing", `{}`, nil},
		{"empty lists and signatures", `{signatureTemplateNames: [], additionalSignatures: {}}`, nil},
		{"a template and empty key lists", `{signatureTemplateNames: ["MicrosoftWindowsTemplate"], additionalSignatures: {kek: [], db: []}}`,
			&model.UEFISettings{SignatureTemplateNames: []string{"MicrosoftWindowsTemplate"}}},
		{"keys beside empty lists", `{additionalSignatures: {kek: [], db: [{type: "x509", value: ["MIIBCgKCAQEAdb10"]}]}}`,
			&model.UEFISettings{AdditionalSignatures: &model.UEFIKeySignatures{DB: []model.UEFIKey{db}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, diags := schema.Load(fstest.MapFS{"main.cue": {Data: []byte(def + tc.uefi + "\n\t\t}\n\t}\n}\n")}})
			if diags.HasErrors() {
				t.Fatal(schema.Err(diags))
			}
			got := st.Galleries["g"].Images["tl"].Versions["1.0.0"].UEFI
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("UEFI = %+v, want %+v", got, tc.want)
			}
		})
	}
}
