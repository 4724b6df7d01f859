package azure_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/curator-dev/curator/cloud/azure"
	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/model"
)

var update = flag.Bool("update", false, "rewrite the golden request bodies under testdata/requests")

// request is one write cloud/azure sent: its method, path and JSON body.
type request struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Body   any    `json:"body,omitempty"`
}

// recorder is a reverse proxy in front of the emulator that keeps the
// bodies of the writes going through it while recording.
type recorder struct {
	mu        sync.Mutex
	recording bool
	requests  []request
}

func (r *recorder) start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recording, r.requests = true, nil
}

func (r *recorder) stop() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recording = false
	return r.requests
}

func (r *recorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Body != nil {
			data, _ := io.ReadAll(req.Body)
			req.Body = io.NopCloser(bytes.NewReader(data))
			r.mu.Lock()
			if lp := strings.ToLower(req.URL.Path); r.recording && (strings.Contains(lp, "/microsoft.compute/") || strings.Contains(lp, "/microsoft.authorization/roleassignments/")) {
				var body any
				if len(data) > 0 {
					_ = json.Unmarshal(data, &body)
				}
				r.requests = append(r.requests, request{Method: req.Method, Path: req.URL.Path, Body: body})
			}
			r.mu.Unlock()
		}
		next.ServeHTTP(w, req)
	})
}

// setupRecorded is setup with a recording proxy between the client and the
// emulator.
func setupRecorded(t *testing.T) (*azure.Client, *recorder) {
	t.Helper()
	srv, err := emulator.Start(context.Background(), emulator.Options{ReplicationRate: 1e6})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	target, _ := url.Parse(srv.URL())
	rec := &recorder{}
	proxy := httptest.NewServer(rec.wrap(httputil.NewSingleHostReverseProxy(target)))
	t.Cleanup(proxy.Close)
	c, err := azure.New(azure.Config{
		Subscription: sub, ResourceGroup: rg, ConfigName: "test",
		Endpoint: proxy.URL, Credential: azure.StaticToken("secret-token"),
		RetryDelay: 5 * time.Millisecond, PollInterval: 200 * time.Millisecond, Unthrottled: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureResourceGroup(context.Background(), "westeurope"); err != nil {
		t.Fatal(err)
	}
	return c, rec
}

const (
	rgID    = "/subscriptions/" + sub + "/resourceGroups/src/providers/Microsoft.Compute"
	desWE   = rgID + "/diskEncryptionSets/des-westeurope"
	desWU   = rgID + "/diskEncryptionSets/des-westus"
	osSnap  = rgID + "/snapshots/os-110"
	dataSnp = rgID + "/snapshots/data-110"
)

func tl() *model.ImageDefinition {
	return &model.ImageDefinition{
		Publisher: "Contoso", Offer: "Ubuntu", SKU: "24_04-tl", OSType: "Linux", OSState: "Generalized", HyperVGeneration: "V2",
		Architecture: "x64", SecurityType: "TrustedLaunchSupported", AllowUpdateImage: true,
		Features: map[string]string{"IsAcceleratedNetworkSupported": "True", "DiskControllerTypes": "SCSI, NVMe"},
	}
}

func arm64() *model.ImageDefinition {
	return &model.ImageDefinition{Publisher: "Contoso", Offer: "Ubuntu", SKU: "24_04-arm", OSType: "Linux", OSState: "Generalized", HyperVGeneration: "V2", Architecture: "Arm64"}
}

func cvm() *model.ImageDefinition {
	return &model.ImageDefinition{Publisher: "Contoso", Offer: "Ubuntu", SKU: "24_04-cvm", OSType: "Linux", OSState: "Generalized", HyperVGeneration: "V2", Architecture: "x64", SecurityType: "ConfidentialVM"}
}

func region(replicas int) model.TargetRegion {
	return model.TargetRegion{Replicas: replicas, Storage: "Standard_LRS"}
}

func fromSource(src *model.Source) *model.ImageVersion {
	return &model.ImageVersion{Source: src, Location: "westeurope", Replicas: 1, Storage: "Standard_LRS", Regions: map[string]model.TargetRegion{"westeurope": region(1)}}
}

// golden is the full version of the example: an OS snapshot and a
// data disk, per-region disk encryption sets, exclude-from-latest in one
// region, an edge zone, a safety profile, ZRS.
func golden() *model.ImageVersion {
	enc := func(des string) *model.Encryption {
		return &model.Encryption{OSDisk: des, DataDisks: []model.DataDiskEncryption{{LUN: 0, DiskEncryptionSet: des}}}
	}
	return &model.ImageVersion{
		Source: &model.Source{Snapshot: osSnap, HostCaching: "ReadOnly",
			DataDisks: []model.DataDiskSource{{LUN: 0, Snapshot: dataSnp, HostCaching: "ReadOnly"}}},
		Location: "westeurope", Replicas: 1, Storage: "Standard_ZRS",
		Regions: map[string]model.TargetRegion{
			"westeurope": {Replicas: 2, Storage: "Standard_ZRS", ExcludeFromLatest: true, Encryption: enc(desWE)},
			"westus":     {Replicas: 1, Storage: "Standard_LRS", Encryption: enc(desWU)},
		},
		EdgeZones: map[string]model.EdgeZone{"microsoftlosangeles1": {Region: "westus", Replicas: 1, Storage: "StandardSSD_LRS", Encryption: enc(desWU)}},
		Safety:    &model.Safety{AllowDeletionOfReplicatedLocations: false, BlockDeletionBeforeEndOfLife: true},
		EndOfLife: "2027-06-30",
		Tags:      map[string]string{"build": "110"},
	}
}

// TestWireFormat shows, for every source kind and every property, the
// exact body cloud/azure sends (testdata/requests/<case>.json, in the
// shapes of the REST API's examples in Azure/azure-rest-api-specs GalleryRP
// examples/galleryExamples, named per case) and that the emulator returns
// it as the same model.
func TestWireFormat(t *testing.T) {
	ctx := context.Background()
	type step func(c *azure.Client) error
	cases := []struct {
		name    string
		example string // the REST API example whose shape the body follows
		setup   []step
		run     step
		check   func(t *testing.T, st *model.State)
	}{
		{
			name: "gallery-groups-softdelete", example: "Gallery_Create_WithSharingProfile, Gallery_Create_SoftDeletionEnabled",
			run: func(c *azure.Client) error {
				return c.CreateGallery(ctx, "g", &model.Gallery{Location: "westeurope", Description: "golden", SoftDelete: true, Sharing: &model.Sharing{Permission: "Groups"}})
			},
			check: func(t *testing.T, st *model.State) {
				g := st.Galleries["g"]
				if !g.SoftDelete || g.Sharing == nil || g.Sharing.Permission != "Groups" {
					t.Errorf("gallery = %+v sharing %+v", g, g.Sharing)
				}
			},
		},
		{
			name: "gallery-community", example: "CommunityGallery_Create",
			run: func(c *azure.Client) error {
				return c.CreateGallery(ctx, "public", &model.Gallery{Location: "westeurope", Description: "community", Sharing: &model.Sharing{Permission: "Community",
					Community: &model.Community{PublisherURI: "https://contoso.example", PublisherEmail: "images@contoso.example", EULA: "https://contoso.example/eula", Prefix: "contoso"}}})
			},
			check: func(t *testing.T, st *model.State) {
				if s := st.Galleries["public"].Sharing; s == nil || s.Permission != "Community" || s.Community == nil || s.Community.Prefix != "contoso" {
					t.Errorf("sharing = %+v", s)
				}
			},
		},
		{name: "image-trusted-launch", example: "GalleryImage_Create", run: createImage("tl", tl()), check: sameImage("tl", tl())},
		{name: "image-arm64", example: "GalleryImage_Create", run: createImage("arm", arm64()), check: sameImage("arm", arm64())},
		{
			name: "version-snapshot-datadisk-encryption-edgezone", example: "GalleryImageVersion_Create_WithSnapshotsAsSource, _WithTargetExtendedLocations",
			setup: []step{createImage("tl", tl())}, run: createVersion("tl", golden()), check: sameVersion("tl", golden()),
		},
		{
			name: "version-uefi-settings", example: "GalleryImageVersion_Create_WithVHD_UefiSettings", setup: []step{createImage("tl", tl())},
			run: createVersion("tl", withUEFI(fromSource(vhdSource()))), check: sameVersion("tl", withUEFI(fromSource(vhdSource()))),
		},
		{
			name: "version-disk", example: "GalleryImageVersion_Create_WithSnapshotsAsSource (a disk source.id)", setup: []step{createImage("tl", tl())},
			run:   createVersion("tl", fromSource(&model.Source{Disk: rgID + "/disks/os-110", HostCaching: "None"})),
			check: sameVersion("tl", fromSource(&model.Source{Disk: rgID + "/disks/os-110", HostCaching: "None"})),
		},
		{
			name: "version-vhd", example: "GalleryImageVersion_Create_WithVHD", setup: []step{createImage("tl", tl())},
			run:   createVersion("tl", fromSource(vhdSource())),
			check: sameVersion("tl", fromSource(vhdSource())),
		},
		{
			name: "version-managed-image", example: "GalleryImageVersion_Create", setup: []step{createImage("tl", tl())},
			run:   createVersion("tl", fromSource(&model.Source{ManagedImage: rgID + "/images/base"})),
			check: sameVersion("tl", fromSource(&model.Source{ManagedImage: rgID + "/images/base"})),
		},
		{
			name: "version-virtual-machine", example: "GalleryImageVersion_Create_WithVmAsSource", setup: []step{createImage("tl", tl())},
			run:   createVersion("tl", fromSource(&model.Source{VirtualMachine: rgID + "/virtualMachines/builder"})),
			check: sameVersion("tl", fromSource(&model.Source{VirtualMachine: rgID + "/virtualMachines/builder"})),
		},
		{
			name: "version-gallery-version", example: "GalleryImageVersion_Create_WithImageVersionAsSource", setup: []step{createImage("tl", tl())},
			run:   createVersion("tl", fromSource(&model.Source{Version: rgID + "/galleries/other/images/base/versions/1.0.0"})),
			check: sameVersion("tl", fromSource(&model.Source{Version: rgID + "/galleries/other/images/base/versions/1.0.0"})),
		},
		{
			name: "version-community", example: "GalleryImageVersion_Create_WithCommunityImageVersionAsSource", setup: []step{createImage("tl", tl())},
			run:   createVersion("tl", fromSource(&model.Source{CommunityVersion: "/communityGalleries/pub-5bbe/images/base/versions/1.0.0"})),
			check: sameVersion("tl", fromSource(&model.Source{CommunityVersion: "/communityGalleries/pub-5bbe/images/base/versions/1.0.0"})),
		},
		{
			name: "version-shallow", example: "GalleryImageVersion_Create_WithShallowReplicationMode", setup: []step{createImage("tl", tl())},
			run:   createVersion("tl", shallow()),
			check: sameVersion("tl", shallow()),
		},
		{
			name: "version-confidential-vm-encryption", example: "GalleryImageVersion_Create (encryption.osDiskImage.securityProfile)", setup: []step{createImage("cvm", cvm())},
			run:   createVersion("cvm", confidential()),
			check: sameVersion("cvm", confidential()),
		},
		{
			name: "update-version", example: "GalleryImageVersion_Update_WithoutSourceId",
			setup: []step{createImage("tl", tl()), createVersion("tl", golden())},
			run: func(c *azure.Client) error {
				return c.UpdateVersion(ctx, "g", "tl", "1.1.0", updated(), false, nil)
			},
			check: sameVersion("tl", updated()),
		},
		{
			name: "update-image", example: "GalleryImage_UpdateFeatures",
			setup: []step{createImage("tl", tl())},
			run: func(c *azure.Client) error {
				return c.UpdateImage(ctx, "g", "tl", updatedImage())
			},
			check: sameImage("tl", updatedImage()),
		},
		{
			name: "update-gallery", example: "Gallery_Update",
			run: func(c *azure.Client) error {
				return c.UpdateGallery(ctx, "g", &model.Gallery{Location: "westeurope", Description: "platinum", SoftDelete: true})
			},
			check: func(t *testing.T, st *model.State) {
				if g := st.Galleries["g"]; g.Description != "platinum" || !g.SoftDelete {
					t.Errorf("gallery = %+v", g)
				}
			},
		},
		{
			name: "share-add", example: "Gallery_AddToSharingProfile",
			setup: []step{func(c *azure.Client) error {
				return c.CreateGallery(ctx, "shared", &model.Gallery{Location: "westeurope", Sharing: &model.Sharing{Permission: "Groups"}})
			}},
			run: func(c *azure.Client) error {
				return c.UpdateSharing(ctx, "shared", "Add", []string{"34a4ab42-0d72-47d9-bd1a-aed207386dac"}, []string{"c24c76aa-8897-4027-9b03-8f7928b54ff6"})
			},
			check: func(t *testing.T, st *model.State) {
				if s := st.Galleries["shared"].Sharing; s == nil || len(s.Subscriptions) != 1 || len(s.Tenants) != 1 {
					t.Errorf("sharing = %+v", s)
				}
			},
		},
		{
			name: "share-role-assignment", example: "RoleAssignments_CreateForResource",
			run: func(c *azure.Client) error {
				return c.CreateRoleAssignment(ctx, model.GalleryAddress("g"), &model.Share{PrincipalID: "ce2ce14e-85d7-4629-bdbc-454d0519d987", PrincipalType: "User", Role: "Reader"})
			},
			check: func(t *testing.T, st *model.State) {
				if n := len(st.Galleries["g"].Shares); n != 1 {
					t.Errorf("%d role assignments on the gallery, want 1", n)
				}
			},
		},
		{
			// Removing the end of life: a PATCH would keep it, so the
			// definition and the version are PUT whole.
			name: "clear-end-of-life", example: "GalleryImage_Create, GalleryImageVersion_Create_WithSnapshotsAsSource",
			setup: []step{createImage("eol", withEOL(tl())), createVersion("eol", golden())},
			run: func(c *azure.Client) error {
				if err := c.UpdateImage(ctx, "g", "eol", tl()); err != nil {
					return err
				}
				v := golden()
				v.EndOfLife = ""
				v.Safety.BlockDeletionBeforeEndOfLife = false
				return c.UpdateVersion(ctx, "g", "eol", "1.1.0", v, false, nil)
			},
			check: func(t *testing.T, st *model.State) {
				img := st.Galleries["g"].Images["eol"]
				if img.EndOfLife != "" || img.Versions["1.1.0"].EndOfLife != "" {
					t.Errorf("end of life after removing it: definition %q, version %q", img.EndOfLife, img.Versions["1.1.0"].EndOfLife)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, rec := setupRecorded(t)
			if !strings.HasPrefix(tc.name, "gallery-") {
				if err := c.CreateGallery(ctx, "g", &model.Gallery{Location: "westeurope"}); err != nil {
					t.Fatal(err)
				}
			}
			for _, s := range tc.setup {
				if err := s(c); err != nil {
					t.Fatal(err)
				}
			}
			rec.start()
			err := tc.run(c)
			got := rec.stop()
			if err != nil {
				t.Fatal(err)
			}
			data, _ := json.MarshalIndent(map[string]any{"example": tc.example, "requests": got}, "", "  ")
			data = append(data, '\n')
			path := filepath.Join("testdata", "requests", tc.name+".json")
			if *update {
				if err := os.WriteFile(path, data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(data)); diff != "" {
				t.Errorf("request bodies (-golden +sent):\n%s", diff)
			}
			st, err := c.ReadState(ctx)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, st)
		})
	}
}

func vhdSource() *model.Source {
	return &model.Source{
		VHD:         &model.VHDSource{URI: "https://contoso.blob.core.windows.net/vhds/os-110.vhd", StorageAccount: rgID[:strings.Index(rgID, "/providers")] + "/providers/Microsoft.Storage/storageAccounts/contoso"},
		HostCaching: "ReadOnly",
		DataDisks: []model.DataDiskSource{{LUN: 1, HostCaching: "None",
			VHD: &model.VHDSource{URI: "https://contoso.blob.core.windows.net/vhds/data-110.vhd", StorageAccount: rgID[:strings.Index(rgID, "/providers")] + "/providers/Microsoft.Storage/storageAccounts/contoso"}}},
	}
}

func shallow() *model.ImageVersion {
	v := fromSource(&model.Source{Snapshot: osSnap, HostCaching: "ReadOnly"})
	v.ReplicationMode = "Shallow"
	v.ExcludeFromLatest = true
	return v
}

func confidential() *model.ImageVersion {
	v := fromSource(&model.Source{Snapshot: osSnap, HostCaching: "ReadOnly",
		DataDisks: []model.DataDiskSource{{LUN: 0, Snapshot: dataSnp, HostCaching: "ReadOnly"}}})
	r := v.Regions["westeurope"]
	r.Encryption = &model.Encryption{ConfidentialVM: "EncryptedWithCmk", ConfidentialVMEncryptionSet: desWE,
		DataDisks: []model.DataDiskEncryption{{LUN: 0, ConfidentialVM: "DataDiskEncryptedWithCmk", ConfidentialVMEncryptionSet: desWE}}}
	v.Regions["westeurope"] = r
	return v
}

// withUEFI adds the Secure Boot keys of the documents' first scenario
// (replace all keys: no template, pk, kek, db and dbx) to v.
func withUEFI(v *model.ImageVersion) *model.ImageVersion {
	v.UEFI = &model.UEFISettings{
		SignatureTemplateNames: []string{"NoSignatureTemplate"},
		AdditionalSignatures: &model.UEFIKeySignatures{
			PK:  &model.UEFIKey{Type: "x509", Value: []string{"MIIBCgKCAQEApk0="}},
			KEK: []model.UEFIKey{{Type: "x509", Value: []string{"MIIBCgKCAQEAkek0"}}},
			DB:  []model.UEFIKey{{Type: "x509", Value: []string{"MIIBCgKCAQEAdb10", "MIIBCgKCAQEAdb20"}}},
			DBX: []model.UEFIKey{{Type: "sha256", Value: []string{"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}}},
		},
	}
	return v
}

func updated() *model.ImageVersion {
	v := golden()
	v.Replicas = 2
	v.ExcludeFromLatest = true
	v.EndOfLife = "2027-12-31"
	v.Safety = &model.Safety{AllowDeletionOfReplicatedLocations: false}
	we := v.Regions["westeurope"]
	we.Replicas, we.ExcludeFromLatest = 3, false
	v.Regions["westeurope"] = we
	v.Tags = map[string]string{"build": "110", "stage": "prod"}
	return v
}

func updatedImage() *model.ImageDefinition {
	d := tl()
	d.SecurityType = "TrustedLaunch"
	d.Features = map[string]string{"IsAcceleratedNetworkSupported": "False"}
	// Trusted Launch from version 2.0.0 on, as GalleryImage_UpdateFeatures.
	d.FeatureVersions = map[string]string{model.SecurityTypeFeature: "2.0.0", "IsAcceleratedNetworkSupported": "1.2.0"}
	d.Description, d.ReleaseNoteURI, d.EndOfLife = "Ubuntu 24.04, Trusted Launch", "https://contoso.example/notes", "2028-01-01"
	d.Recommended = &model.Recommended{VCPUs: &model.Range{Min: 2, Max: 16}}
	d.DisallowedDiskTypes = []string{"Standard_LRS"}
	return d
}

func withEOL(d *model.ImageDefinition) *model.ImageDefinition {
	d.EndOfLife = "2027-01-01"
	return d
}

func createImage(name string, d *model.ImageDefinition) func(*azure.Client) error {
	return func(c *azure.Client) error { return c.CreateImage(context.Background(), "g", name, d) }
}

func createVersion(image string, v *model.ImageVersion) func(*azure.Client) error {
	return func(c *azure.Client) error {
		return c.CreateVersion(context.Background(), "g", image, "1.1.0", v, false, nil)
	}
}

// ignoreUnwritten ignores what curator does not write: observations, the
// size hint, desired-only knobs, and the ownership tag.
var ignoreUnwritten = cmp.Options{
	cmpopts.IgnoreFields(model.ImageVersion{}, "Observed", "SizeGB", "Adopt", "AllowReplace", "Pos", "Tags"),
	cmpopts.IgnoreFields(model.ImageDefinition{}, "Versions", "Shares", "Adopt", "AllowReplace", "Pos", "Tags"),
	cmpopts.EquateEmpty(),
}

func sameImage(name string, want *model.ImageDefinition) func(*testing.T, *model.State) {
	return func(t *testing.T, st *model.State) {
		got := st.Galleries["g"].Images[name]
		if diff := cmp.Diff(want, got, ignoreUnwritten); diff != "" {
			t.Errorf("image definition read back (-sent +read):\n%s", diff)
		}
	}
}

func sameVersion(image string, want *model.ImageVersion) func(*testing.T, *model.State) {
	return func(t *testing.T, st *model.State) {
		got := st.Galleries["g"].Images[image].Versions["1.1.0"]
		if diff := cmp.Diff(want, got, ignoreUnwritten); diff != "" {
			t.Errorf("image version read back (-sent +read):\n%s", diff)
		}
		for k, v := range want.Tags {
			if got.Tags[k] != v {
				t.Errorf("tag %s = %q, want %q", k, got.Tags[k], v)
			}
		}
	}
}

// TestUpdateRemovesWhatTheConfigurationDropped: an update whose model no
// longer has a property the resource has (a PATCH that leaves a property
// out keeps it) is read back as the model, so that apply then plan
// converges.
func TestUpdateRemovesWhatTheConfigurationDropped(t *testing.T) {
	ctx := context.Background()
	withRecommended := func(r *model.Recommended) *model.ImageDefinition {
		d := tl()
		d.Recommended = r
		return d
	}
	withNotes := tl()
	withNotes.ReleaseNoteURI = "https://contoso.example/notes"
	noFeatures := tl()
	noFeatures.SecurityType, noFeatures.Features = "", nil
	vcpus := &model.Recommended{VCPUs: &model.Range{Min: 2, Max: 16}, MemoryGB: &model.Range{Min: 4, Max: 64}}
	defaults := golden()
	defaults.Safety = nil
	allowed := golden()
	allowed.Safety = &model.Safety{AllowDeletionOfReplicatedLocations: true, BlockDeletionBeforeEndOfLife: true}
	noZones := golden()
	noZones.EdgeZones = nil
	cases := []struct {
		name          string
		before, after *model.ImageDefinition
		version       *model.ImageVersion // updated from golden() when set
	}{
		{name: "recommended removed", before: withRecommended(vcpus), after: tl()},
		{name: "recommended memory removed", before: withRecommended(vcpus), after: withRecommended(&model.Recommended{VCPUs: &model.Range{Min: 2, Max: 16}})},
		{name: "recommended maximum removed", before: withRecommended(vcpus), after: withRecommended(&model.Recommended{VCPUs: &model.Range{Min: 2}, MemoryGB: &model.Range{Min: 4, Max: 64}})},
		{name: "release notes removed", before: withNotes, after: tl()},
		{name: "features removed", before: tl(), after: noFeatures},
		{name: "safety profile back to the defaults", before: tl(), after: tl(), version: defaults},
		{name: "safety profile allows deleting regions", before: tl(), after: tl(), version: allowed},
		{name: "edge zones removed", before: tl(), after: tl(), version: noZones},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := setup(t, emulator.Options{ReplicationRate: 1e6})
			if err := c.CreateGallery(ctx, "g", &model.Gallery{Location: "westeurope"}); err != nil {
				t.Fatal(err)
			}
			if err := c.CreateImage(ctx, "g", "tl", tc.before); err != nil {
				t.Fatal(err)
			}
			if tc.version != nil {
				if err := c.CreateVersion(ctx, "g", "tl", "1.1.0", golden(), false, nil); err != nil {
					t.Fatal(err)
				}
				if err := c.UpdateVersion(ctx, "g", "tl", "1.1.0", tc.version, false, nil); err != nil {
					t.Fatal(err)
				}
			} else if err := c.UpdateImage(ctx, "g", "tl", tc.after); err != nil {
				t.Fatal(err)
			}
			st, err := c.ReadState(ctx)
			if err != nil {
				t.Fatal(err)
			}
			sameImage("tl", tc.after)(t, st)
			if tc.version != nil {
				sameVersion("tl", tc.version)(t, st)
			}
		})
	}
}
