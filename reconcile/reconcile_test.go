package reconcile_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/curator-dev/curator/cloud/azure"
	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/planner"
	"github.com/curator-dev/curator/reconcile"
)

func TestTargetRoundTrip(t *testing.T) {
	for _, tgt := range []model.Target{
		{Local: &model.LocalTarget{}},
		{Local: &model.LocalTarget{Endpoint: "http://127.0.0.1:8443", Subscription: "11111111-1111-1111-1111-111111111111", ResourceGroup: "rg"}},
		{Azure: &model.AzureTarget{Subscription: "11111111-1111-1111-1111-111111111111", ResourceGroup: "rg-images", Cloud: "AzureChina"}},
		{Azure: &model.AzureTarget{Subscription: "11111111-1111-1111-1111-111111111111", ResourceGroup: "rg-images", Lock: &model.Lock{Blob: "https://acme.blob.core.windows.net/locks/rg-images"}}},
		{Local: &model.LocalTarget{Endpoint: "https://127.0.0.1:8443", Lock: &model.Lock{Blob: "https://acme.blob.core.windows.net/locks/a/subscriptions/b"}}},
	} {
		s := reconcile.EncodeTarget(tgt)
		back, err := reconcile.DecodeTarget(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if reconcile.EncodeTarget(back) != s {
			t.Errorf("%s came back as %s", s, reconcile.EncodeTarget(back))
		}
	}
	if _, err := reconcile.DecodeTarget("nonsense"); err == nil {
		t.Error("a malformed target decoded")
	}
	// The lock blob is part of the target's identity.
	a := model.Target{Azure: &model.AzureTarget{Subscription: "11111111-1111-1111-1111-111111111111", ResourceGroup: "rg", Lock: &model.Lock{Blob: "https://acme.blob.core.windows.net/locks/a"}}}
	b := model.Target{Azure: &model.AzureTarget{Subscription: "11111111-1111-1111-1111-111111111111", ResourceGroup: "rg", Lock: &model.Lock{Blob: "https://acme.blob.core.windows.net/locks/b"}}}
	if reconcile.EncodeTarget(a) == reconcile.EncodeTarget(b) {
		t.Errorf("two locks, one target: %s", reconcile.EncodeTarget(a))
	}
	if _, err := reconcile.DecodeTarget("azure:/subscriptions/s/resourceGroups/rg;lock=http://evil/c/b"); err == nil {
		t.Error("a target with a lock that is no lock blob URL decoded")
	}
}

// TestFailedChangeSkipsDependents: a definition refused by the cloud skips
// its versions and share; the other gallery's changes go on.
func TestFailedChangeSkipsDependents(t *testing.T) {
	ctx := context.Background()
	srv, err := emulator.Start(ctx, emulator.Options{ReplicationRate: 500})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client, err := azure.New(azure.Config{Subscription: model.DefaultSubscription, ResourceGroup: model.DefaultResourceGroup, ConfigName: "test", Endpoint: srv.URL(), Credential: azure.StaticToken("t"), RetryDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.EnsureResourceGroup(ctx, "westeurope"); err != nil {
		t.Fatal(err)
	}
	// Someone else's definition already holds the identifier.
	if err := client.CreateGallery(ctx, "a", &model.Gallery{Location: "westeurope"}); err != nil {
		t.Fatal(err)
	}
	image := func() *model.ImageDefinition {
		return &model.ImageDefinition{Publisher: "P", Offer: "O", SKU: "S", OSType: "Linux", OSState: "Generalized", HyperVGeneration: "V1",
			Versions: map[string]*model.ImageVersion{"1.0.0": {Source: &model.Source{ManagedImage: "/subscriptions/x/resourceGroups/b/providers/Microsoft.Compute/images/i"}, Location: "westeurope", Replicas: 1, Storage: "Standard_LRS", Regions: map[string]model.TargetRegion{"westeurope": {Replicas: 1, Storage: "Standard_LRS"}}}},
			Shares:   map[string]*model.Share{"r": {PrincipalID: "5b0b4d0e-7c34-4a57-9a37-2b6f0a8e1c11", Role: "Reader"}},
		}
	}
	if err := client.CreateImage(ctx, "a", "other", image()); err != nil {
		t.Fatal(err)
	}
	actual, err := client.ReadState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	desired := model.State{Name: "test", MaxDeletes: 10, Galleries: map[string]*model.Gallery{
		"a": {Location: "westeurope", Images: map[string]*model.ImageDefinition{"mine": image(), "other": nil}},
		"b": {Location: "westeurope", Images: map[string]*model.ImageDefinition{"mine": image()}},
	}}
	delete(desired.Galleries["a"].Images, "other")
	plan, diags := planner.Compute(desired, *actual, planner.Options{Now: time.Now()})
	if diags.HasErrors() {
		t.Fatal(planner.Refused(diags))
	}
	res := reconcile.Apply(ctx, client, plan, reconcile.ApplyOptions{Parallelism: 4})
	status := map[model.Address]reconcile.Status{}
	for _, r := range res.Changes {
		status[r.Address] = r.Status
	}
	want := map[model.Address]reconcile.Status{
		model.ImageAddress("a", "mine"):            reconcile.Failed,
		model.VersionAddress("a", "mine", "1.0.0"): reconcile.Skipped,
		model.GalleryAddress("b"):                  reconcile.Done,
		model.ImageAddress("b", "mine"):            reconcile.Done,
		model.VersionAddress("b", "mine", "1.0.0"): reconcile.Done,
	}
	for addr, s := range want {
		if status[addr] != s {
			t.Errorf("%s: %s, want %s", addr, status[addr], s)
		}
	}
	if err := res.Err(); err == nil || !strings.Contains(err.Error(), "already has the identifier") {
		t.Errorf("result error = %v", err)
	}
}
