package emulator_test

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/curator-dev/curator/cloud/emulator"
)

// TestServiceRules: each request breaks (or keeps) one of the service's
// rules; the emulator answers as the service does.
func TestServiceRules(t *testing.T) {
	const src = "/subscriptions/" + sub + "/resourceGroups/src/providers/Microsoft.Compute"
	image := func(extra string) string {
		return `{"location":"westeurope","properties":{"identifier":{"publisher":"C","offer":"O","sku":"S"},"osType":"Linux","osState":"Generalized","hyperVGeneration":"V2"` + extra + `}}`
	}
	version := func(regions, storage string) string {
		return `{"location":"westeurope","properties":{"publishingProfile":{"targetRegions":[` + regions + `]},"storageProfile":` + storage + `}}`
	}
	snap := `{"osDiskImage":{"source":{"id":"` + src + `/snapshots/os"}},"dataDiskImages":[{"lun":0,"source":{"id":"` + src + `/snapshots/d0"}}]}`
	we := `{"name":"westeurope"}`
	uefiSP := `{"uefiSettings":{"signatureTemplateNames":["MicrosoftUefiCertificateAuthorityTemplate"],"additionalSignatures":{"db":[{"type":"x509","value":["AAEC"]}]}}}`
	uefi := func(sp string) string {
		return strings.Replace(version(we, snap), `"storageProfile"`, `"securityProfile":`+sp+`,"storageProfile"`, 1)
	}
	tests := []struct {
		name  string
		setup []string // "METHOD path body"
		req   string
		want  string
	}{
		{"Arm64 needs V2", nil, "PUT img " + strings.Replace(image(`,"architecture":"Arm64"`), `"V2"`, `"V1"`, 1), "400 InvalidParameter"},
		{"Trusted Launch needs V2", nil, "PUT img " + strings.Replace(image(`,"features":[{"name":"SecurityType","value":"TrustedLaunch"}]`), `"V2"`, `"V1"`, 1), "400 InvalidParameter"},
		{"Arm64 with V2", nil, "PUT img " + image(`,"architecture":"Arm64"`), "201"},
		{"architecture is immutable", []string{"PUT img " + image("")}, "PUT img " + image(`,"architecture":"Arm64"`), "409 PropertyChangeNotAllowed"},
		{"features change only with allowUpdateImage", []string{"PUT img " + image("")}, "PATCH img " + image(`,"features":[{"name":"DiskControllerTypes","value":"SCSI, NVMe"}]`), "409 PropertyChangeNotAllowed"},
		{"features change with allowUpdateImage", []string{"PUT img " + image("")}, "PATCH img " + image(`,"allowUpdateImage":true,"features":[{"name":"DiskControllerTypes","value":"SCSI, NVMe"}]`), "200"},
		{"a feature's startsAtVersion not a version name", nil, "PUT img " + image(`,"features":[{"name":"DiskControllerTypes","value":"SCSI, NVMe","startsAtVersion":"1.2"}]`), "400 InvalidParameter"},
		{"a feature's startsAtVersion", nil, "PUT img " + image(`,"features":[{"name":"DiskControllerTypes","value":"SCSI, NVMe","startsAtVersion":"1.2.0"}]`), "201"},
		{"startsAtVersion changes only with allowUpdateImage", []string{"PUT img " + image(`,"features":[{"name":"DiskControllerTypes","value":"SCSI, NVMe"}]`)}, "PATCH img " + image(`,"features":[{"name":"DiskControllerTypes","value":"SCSI, NVMe","startsAtVersion":"1.2.0"}]`), "409 PropertyChangeNotAllowed"},
		{"startsAtVersion changes with allowUpdateImage", []string{"PUT img " + image(`,"features":[{"name":"DiskControllerTypes","value":"SCSI, NVMe"}]`)}, "PATCH img " + image(`,"allowUpdateImage":true,"features":[{"name":"DiskControllerTypes","value":"SCSI, NVMe","startsAtVersion":"1.2.0"}]`), "200"},
		{"end of life in the past", nil, "PUT img " + image(`,"endOfLifeDate":"2020-01-01"`), "400 InvalidParameter"},
		{"tags checked on PATCH", []string{"PUT img " + image("")}, "PATCH img " + `{"tags":{"a?b":"v"}}`, "400 InvalidTagNameCharacters"},
		{"snapshot at storageProfile.source.id", []string{"PUT img " + image("")}, "PUT ver " + version(we, `{"source":{"id":"`+src+`/snapshots/os"}}`), "400 InvalidParameter"},
		{"two source kinds", []string{"PUT img " + image("")}, "PUT ver " + version(we, `{"source":{"id":"`+src+`/images/i"},"osDiskImage":{"source":{"id":"`+src+`/snapshots/os"}}}`), "400 InvalidParameter"},
		{"duplicate data disk LUN", []string{"PUT img " + image("")}, "PUT ver " + version(we, `{"osDiskImage":{"source":{"id":"`+src+`/snapshots/os"}},"dataDiskImages":[{"lun":0,"source":{"id":"`+src+`/snapshots/a"}},{"lun":0,"source":{"id":"`+src+`/snapshots/b"}}]}`), "400 InvalidParameter"},
		{"encryption LUN not a data disk", []string{"PUT img " + image("")}, "PUT ver " + version(`{"name":"westeurope","encryption":{"dataDiskImages":[{"lun":3,"diskEncryptionSetId":"`+src+`/diskEncryptionSets/d"}]}}`, snap), "400 InvalidParameter"},
		{"encrypted in one region only", []string{"PUT img " + image("")}, "PUT ver " + version(`{"name":"westeurope","encryption":{"osDiskImage":{"diskEncryptionSetId":"`+src+`/diskEncryptionSets/d"}}},{"name":"eastus"}`, snap), "400 InvalidParameter"},
		{"confidential encryption on a Trusted Launch image", []string{"PUT img " + image(`,"features":[{"name":"SecurityType","value":"TrustedLaunch"}]`)}, "PUT ver " + version(`{"name":"westeurope","encryption":{"osDiskImage":{"securityProfile":{"confidentialVMEncryptionType":"EncryptedWithPmk"}}}}`, snap), "400 InvalidParameter"},
		{"confidential encryption on a TrustedLaunchAndConfidentialVmSupported image", []string{"PUT img " + image(`,"features":[{"name":"SecurityType","value":"TrustedLaunchAndConfidentialVmSupported"}]`)}, "PUT ver " + version(`{"name":"westeurope","encryption":{"osDiskImage":{"securityProfile":{"confidentialVMEncryptionType":"EncryptedWithPmk"}}}}`, snap), "400 InvalidParameter"},
		{"confidential encryption on a ConfidentialVmSupported image", []string{"PUT img " + image(`,"features":[{"name":"SecurityType","value":"ConfidentialVmSupported"}]`)}, "PUT ver " + version(`{"name":"westeurope","encryption":{"osDiskImage":{"securityProfile":{"confidentialVMEncryptionType":"EncryptedWithPmk"}}}}`, snap), "400 InvalidParameter"},
		{"confidential encryption on a ConfidentialVM image", []string{"PUT img " + image(`,"features":[{"name":"SecurityType","value":"ConfidentialVM"}]`)}, "PUT ver " + version(`{"name":"westeurope","encryption":{"osDiskImage":{"securityProfile":{"confidentialVMEncryptionType":"EncryptedWithPmk"}}}}`, snap), "201"},
		{"data disk encrypted in one region only", []string{"PUT img " + image("")}, "PUT ver " + version(`{"name":"westeurope","encryption":{"dataDiskImages":[{"lun":0,"diskEncryptionSetId":"`+src+`/diskEncryptionSets/d"}]}},{"name":"eastus"}`, snap), "400 InvalidParameter"},
		{"encrypted in every region", []string{"PUT img " + image("")}, "PUT ver " + version(`{"name":"westeurope","encryption":{"osDiskImage":{"diskEncryptionSetId":"`+src+`/diskEncryptionSets/d"}}},{"name":"eastus","encryption":{"osDiskImage":{"diskEncryptionSetId":"`+src+`/diskEncryptionSets/e"}}}`, snap), "201"},
		{"edge zone not held to its regions' encryption", []string{"PUT img " + image("")}, "PUT ver " + strings.Replace(version(`{"name":"westeurope","encryption":{"osDiskImage":{"diskEncryptionSetId":"`+src+`/diskEncryptionSets/d"}}},{"name":"westus","encryption":{"osDiskImage":{"diskEncryptionSetId":"`+src+`/diskEncryptionSets/w"}}}`, snap), `"targetRegions"`, `"targetExtendedLocations":[{"name":"westus","extendedLocation":{"name":"microsoftlosangeles1","type":"EdgeZone"}}],"targetRegions"`, 1), "201"},
		{"data-disk confidential encryption type on the OS disk", []string{"PUT img " + image(`,"features":[{"name":"SecurityType","value":"ConfidentialVM"}]`)}, "PUT ver " + version(`{"name":"westeurope","encryption":{"osDiskImage":{"securityProfile":{"confidentialVMEncryptionType":"DataDiskEncryptedWithCmk","secureVMDiskEncryptionSetId":"`+src+`/diskEncryptionSets/c"}}}}`, snap), "400 InvalidParameter"},
		{"confidential data disk", []string{"PUT img " + image(`,"features":[{"name":"SecurityType","value":"ConfidentialVM"}]`)}, "PUT ver " + version(`{"name":"westeurope","encryption":{"dataDiskImages":[{"lun":0,"securityProfile":{"confidentialVMEncryptionType":"DataDiskEncryptedWithCmk","secureVMDiskEncryptionSetId":"`+src+`/diskEncryptionSets/c"}}]}}`, snap), "201"},
		{"confidential data disk with an OS disk type", []string{"PUT img " + image(`,"features":[{"name":"SecurityType","value":"ConfidentialVM"}]`)}, "PUT ver " + version(`{"name":"westeurope","encryption":{"dataDiskImages":[{"lun":0,"securityProfile":{"confidentialVMEncryptionType":"EncryptedWithCmk","secureVMDiskEncryptionSetId":"`+src+`/diskEncryptionSets/c"}}]}}`, snap), "400 InvalidParameter"},
		{"confidential data disk without its key's set", []string{"PUT img " + image(`,"features":[{"name":"SecurityType","value":"ConfidentialVM"}]`)}, "PUT ver " + version(`{"name":"westeurope","encryption":{"dataDiskImages":[{"lun":0,"securityProfile":{"confidentialVMEncryptionType":"DataDiskEncryptedWithCmk"}}]}}`, snap), "400 InvalidParameter"},
		{"confidential data disk on a ConfidentialVmSupported image", []string{"PUT img " + image(`,"features":[{"name":"SecurityType","value":"ConfidentialVmSupported"}]`)}, "PUT ver " + version(`{"name":"westeurope","encryption":{"dataDiskImages":[{"lun":0,"securityProfile":{"confidentialVMEncryptionType":"DataDiskEncryptedWithCmk","secureVMDiskEncryptionSetId":"`+src+`/diskEncryptionSets/c"}}]}}`, snap), "400 InvalidParameter"},
		{"UEFI settings on a TrustedLaunchSupported image", []string{"PUT img " + image(`,"features":[{"name":"SecurityType","value":"TrustedLaunchSupported"}]`)}, "PUT ver " + uefi(uefiSP), "201"},
		{"UEFI settings on a TrustedLaunch image", []string{"PUT img " + image(`,"features":[{"name":"SecurityType","value":"TrustedLaunch"}]`)}, "PUT ver " + uefi(uefiSP), "400 InvalidParameter"},
		{"UEFI key value not base64", []string{"PUT img " + image(`,"features":[{"name":"SecurityType","value":"TrustedLaunchSupported"}]`)}, "PUT ver " + uefi(strings.Replace(uefiSP, "AAEC", "*not base64*", 1)), "400 InvalidParameter"},
		{"UEFI key type unknown", []string{"PUT img " + image(`,"features":[{"name":"SecurityType","value":"TrustedLaunchSupported"}]`)}, "PUT ver " + uefi(strings.Replace(uefiSP, "x509", "pem", 1)), "400 InvalidParameter"},
		{"UEFI settings cannot change", []string{"PUT img " + image(`,"features":[{"name":"SecurityType","value":"TrustedLaunchSupported"}]`), "PUT ver " + uefi(uefiSP)}, "PUT ver " + uefi(strings.Replace(uefiSP, "MicrosoftUefiCertificateAuthorityTemplate", "MicrosoftWindowsTemplate", 1)), "409 PropertyChangeNotAllowed"},
		{"an update without the security profile keeps it", []string{"PUT img " + image(`,"features":[{"name":"SecurityType","value":"TrustedLaunchSupported"}]`), "PUT ver " + uefi(uefiSP)}, "PUT ver " + version(we, snap), "200"},
		{"edge zone outside the target regions", []string{"PUT img " + image("")}, "PUT ver " + strings.Replace(version(we, snap), `"targetRegions"`, `"targetExtendedLocations":[{"name":"westus","extendedLocation":{"name":"microsoftlosangeles1","type":"EdgeZone"}}],"targetRegions"`, 1), "400 InvalidParameter"},
		{"100 replicas in a region", []string{"PUT img " + image("")}, "PUT ver " + version(`{"name":"westeurope","regionalReplicaCount":100}`, snap), "201"},
		{"new data disk on update", []string{"PUT img " + image(""), "PUT ver " + version(we, snap)}, "PUT ver " + version(we, `{"osDiskImage":{"source":{"id":"`+src+`/snapshots/os"}},"dataDiskImages":[{"lun":0,"source":{"id":"`+src+`/snapshots/d0"}},{"lun":1,"source":{"id":"`+src+`/snapshots/d1"}}]}`), "400 InvalidParameter"},
		{"replication mode is immutable", []string{"PUT img " + image(""), "PUT ver " + version(we, snap)}, "PATCH ver " + `{"properties":{"publishingProfile":{"replicationMode":"Shallow"}}}`, "409 PropertyChangeNotAllowed"},
		{"region kept by the safety profile", []string{"PUT img " + image(""), "PUT ver " + strings.Replace(version(we+`,{"name":"eastus"}`, snap), `"storageProfile"`, `"safetyProfile":{"allowDeletionOfReplicatedLocations":false},"storageProfile"`, 1)}, "PATCH ver " + `{"properties":{"publishingProfile":{"targetRegions":[{"name":"westeurope"}]}}}`, "409 OperationNotAllowed"},
		{"delete blocked before end of life", []string{"PUT img " + image(""), "PUT ver " + strings.Replace(version(we, snap), `"targetRegions"`, `"endOfLifeDate":"2099-01-01","targetRegions"`, 1), "PATCH ver " + `{"properties":{"safetyProfile":{"blockDeletionBeforeEndOfLife":true}}}`}, "DELETE ver ", "409 OperationNotAllowed"},
		{"Groups is chosen at creation", []string{"PUT gal {\"location\":\"westeurope\"}"}, "PATCH gal " + `{"properties":{"sharingProfile":{"permissions":"Groups"}}}`, "409 PropertyChangeNotAllowed"},
		{"a private gallery is not converted to Community by PATCH", []string{"PUT gal {\"location\":\"westeurope\"}"}, "PATCH gal " + `{"properties":{"sharingProfile":{"permissions":"Community"}}}`, "409 PropertyChangeNotAllowed"},
		{"a private gallery is not converted to Community by PUT", []string{"PUT gal {\"location\":\"westeurope\"}"}, "PUT gal " + `{"location":"westeurope","properties":{"sharingProfile":{"permissions":"Community","communityGalleryInfo":{"publisherUri":"https://c.example","publisherContact":"a@c.example","eula":"e","publicNamePrefix":"contoso"}}}}`, "409 PropertyChangeNotAllowed"},
		{"a private gallery does not go public", []string{"PUT gal {\"location\":\"westeurope\"}"}, "POST share " + `{"operationType":"EnableCommunity"}`, "409 OperationNotAllowed"},
		{"a gallery created as a community gallery goes public", []string{"PUT gal " + `{"location":"westeurope","properties":{"sharingProfile":{"permissions":"Community","communityGalleryInfo":{"publisherUri":"https://c.example","publisherContact":"a@c.example","eula":"e","publicNamePrefix":"contoso"}}}}`}, "POST share " + `{"operationType":"EnableCommunity"}`, "202"},
		{"a community gallery may stop sharing", []string{"PUT gal " + `{"location":"westeurope","properties":{"sharingProfile":{"permissions":"Community","communityGalleryInfo":{"publisherUri":"https://c.example","publisherContact":"a@c.example","eula":"e","publicNamePrefix":"contoso"}}}}`}, "PATCH gal " + `{"properties":{"sharingProfile":{"permissions":"Private"}}}`, "200"},
		{"a community gallery is reset before delete", []string{"PUT gal " + `{"location":"westeurope","properties":{"sharingProfile":{"permissions":"Community","communityGalleryInfo":{"publisherUri":"https://c.example","publisherContact":"a@c.example","eula":"e","publicNamePrefix":"contoso"}}}}`}, "DELETE gal ", "409 OperationNotAllowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := start(t, emulator.Options{ReplicationRate: 1e6})
			createRG(t, c)
			base := c.srv.URL() + "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/galleries/"
			paths := map[string]string{"gal": base + "g", "img": base + "g/images/i", "ver": base + "g/images/i/versions/1.0.0", "share": base + "g/share"}
			send := func(line string) *http.Response {
				parts := strings.SplitN(line, " ", 3)
				return do(t, parts[0], paths[parts[1]]+"?api-version="+emulator.ComputeAPIVersion, parts[2], true)
			}
			if !strings.Contains(tt.req, " gal ") && !strings.Contains(strings.Join(tt.setup, "\n"), "PUT gal") {
				if r := send(`PUT gal {"location":"westeurope"}`); r.StatusCode != http.StatusCreated {
					t.Fatalf("gallery: %s", r.Status)
				}
			}
			for _, s := range tt.setup {
				if r := send(s); r.StatusCode >= 300 {
					t.Fatalf("setup %q: %s %s", s[:20], r.Status, r.Header.Get("x-ms-error-code"))
				}
			}
			r := send(tt.req)
			got := fmt.Sprint(r.StatusCode)
			if code := r.Header.Get("x-ms-error-code"); code != "" {
				got += " " + code
			}
			if got != tt.want {
				body, _ := io.ReadAll(r.Body)
				t.Errorf("got %s, want %s: %s", got, tt.want, body)
			}
		})
	}
}

func tags(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"t%d":"v"`, i)
	}
	return b.String()
}

// TestResourceGroupTags: a resource group's tags follow Resource Manager's
// rules too, on create and on update.
func TestResourceGroupTags(t *testing.T) {
	c := start(t, emulator.Options{})
	url := c.srv.URL() + "/subscriptions/" + sub + "/resourcegroups/tagged?api-version=2021-04-01"
	for _, tt := range []struct{ method, body, want string }{
		{http.MethodPut, `{"location":"westeurope","tags":{"a/b":"v"}}`, "400 InvalidTagNameCharacters"},
		{http.MethodPut, `{"location":"westeurope","tags":{"team":"images"}}`, "201"},
		{http.MethodPatch, `{"tags":{"k":"` + strings.Repeat("v", 257) + `"}}`, "400 InvalidTagValueLength"},
		{http.MethodPatch, `{"tags":{` + tags(51) + `}}`, "400 InvalidTags"},
		{http.MethodPatch, `{"tags":{"team":"gallery"}}`, "200"},
	} {
		r := do(t, tt.method, url, tt.body, true)
		got := fmt.Sprint(r.StatusCode)
		if code := r.Header.Get("x-ms-error-code"); code != "" {
			got += " " + code
		}
		if got != tt.want {
			t.Errorf("%s %.40s: got %s, want %s", tt.method, tt.body, got, tt.want)
		}
	}
}

// TestErrorBodyShape: an error answers Resource Manager's shape — {"error":
// {"code", "message", "target"}} with the code also in x-ms-error-code —
// and a property change refused names the property as its target, as the
// Compute provider does ("target": "dataDisk.createOption").
func TestErrorBodyShape(t *testing.T) {
	c := start(t, emulator.Options{ReplicationRate: 1e6})
	createRG(t, c)
	gal := c.srv.URL() + "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/galleries/g?api-version=" + emulator.ComputeAPIVersion
	if r := do(t, http.MethodPut, gal, `{"location":"westeurope"}`, true); r.StatusCode != http.StatusCreated {
		t.Fatalf("gallery: %s", r.Status)
	}
	tests := []struct {
		body string
		want map[string]string
	}{
		{`{"properties":{"sharingProfile":{"permissions":"Community"}}}`, map[string]string{"code": "PropertyChangeNotAllowed", "message": "Changing property 'gallery.properties.sharingProfile.permissions' is not allowed.", "target": "gallery.properties.sharingProfile.permissions"}},
		{`{"properties":{"sharingProfile":{"permissions":"Groups"}}}`, map[string]string{"code": "PropertyChangeNotAllowed", "message": "Changing property 'gallery.properties.sharingProfile.permissions' is not allowed.", "target": "gallery.properties.sharingProfile.permissions"}},
		{`{"tags":{"a/b":"v"}}`, map[string]string{"code": "InvalidTagNameCharacters", "message": "The tag names 'a/b' have reserved characters '<,>,%,&,\\,?,/' or control characters."}},
	}
	for _, tt := range tests {
		r := do(t, http.MethodPatch, gal, tt.body, true)
		var got struct {
			Error map[string]string `json:"error"`
		}
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			t.Fatalf("%s: %v", tt.body, err)
		}
		if !maps.Equal(got.Error, tt.want) {
			t.Errorf("%s: error %q, want %q", tt.body, got.Error, tt.want)
		}
		if h := r.Header.Get("x-ms-error-code"); h != tt.want["code"] {
			t.Errorf("%s: x-ms-error-code %q, want %q", tt.body, h, tt.want["code"])
		}
	}
}
