package azure_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/curator-dev/curator/cloud/azure"
	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/model"
)

const (
	sub = "00000000-0000-0000-0000-000000000000"
	rg  = "curator"
)

func setup(t testing.TB, opts emulator.Options) (*azure.Client, *emulator.Server) {
	t.Helper()
	srv, err := emulator.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c, err := azure.New(azure.Config{
		Subscription: sub, ResourceGroup: rg, ConfigName: "test",
		Endpoint: srv.URL(), Credential: azure.StaticToken("secret-token"),
		RetryDelay: 5 * time.Millisecond, PollInterval: 200 * time.Millisecond, Unthrottled: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureResourceGroup(context.Background(), "westeurope"); err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func gallery() *model.Gallery {
	return &model.Gallery{Location: "westeurope", Description: "golden", Tags: map[string]string{"team": "platform"}}
}

func image(sku string) *model.ImageDefinition {
	return &model.ImageDefinition{
		Publisher: "Contoso", Offer: "Finance", SKU: sku, OSType: "Linux", OSState: "Generalized", HyperVGeneration: "V2",
		Description: "backend", EndOfLife: "2028-01-01",
		Recommended: &model.Recommended{VCPUs: &model.Range{Min: 2, Max: 16}},
	}
}

func version(regions map[string]model.TargetRegion) *model.ImageVersion {
	return &model.ImageVersion{
		Source:   &model.Source{ManagedImage: "/subscriptions/" + sub + "/resourceGroups/b/providers/Microsoft.Compute/images/base"},
		Location: "westeurope", Replicas: 1, Storage: "Standard_LRS", Regions: regions,
	}
}

func TestEveryChangeKindRoundTrips(t *testing.T) {
	ctx := context.Background()
	c, _ := setup(t, emulator.Options{PageSize: 2})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	shared := gallery()
	shared.Sharing = &model.Sharing{Permission: "Groups"}
	must(c.CreateGallery(ctx, "acme", shared))
	must(c.CreateImage(ctx, "acme", "backend", image("Backend")))
	regions := map[string]model.TargetRegion{"westeurope": {Replicas: 2, Storage: "Standard_LRS"}, "northeurope": {Replicas: 1, Storage: "Standard_ZRS"}}
	var mu sync.Mutex
	var reports []map[string]model.RegionReplication
	must(c.CreateVersion(ctx, "acme", "backend", "1.0.0", version(regions), false, func(m map[string]model.RegionReplication) {
		mu.Lock()
		reports = append(reports, m)
		mu.Unlock()
	}))
	must(c.CreateRoleAssignment(ctx, model.GalleryAddress("acme"), &model.Share{PrincipalID: "5b0b4d0e-7c34-4a57-9a37-2b6f0a8e1c11", PrincipalType: "Group", Role: "Reader"}))
	must(c.CreateRoleAssignment(ctx, model.ImageAddress("acme", "backend"), &model.Share{PrincipalID: "5b0b4d0e-7c34-4a57-9a37-2b6f0a8e1c11", Role: "Compute Gallery Image Reader"}))
	must(c.UpdateSharing(ctx, "acme", "Add", []string{"11111111-2222-3333-4444-555555555555"}, nil))

	st, err := c.ReadState(ctx)
	must(err)
	g := st.Galleries["acme"]
	if g == nil || g.Description != "golden" || g.Tags[model.ManagedByTag] != "test" || g.Tags["team"] != "platform" {
		t.Fatalf("gallery = %+v", g)
	}
	if g.Sharing == nil || g.Sharing.Permission != "Groups" || len(g.Sharing.Subscriptions) != 1 {
		t.Errorf("sharing = %+v", g.Sharing)
	}
	img := g.Images["backend"]
	if img == nil || img.SKU != "Backend" || img.HyperVGeneration != "V2" || img.EndOfLife != "2028-01-01" || img.Recommended.VCPUs.Max != 16 {
		t.Fatalf("image = %+v", img)
	}
	v := img.Versions["1.0.0"]
	if v == nil {
		t.Fatal("version not read")
	}
	if diff := cmp.Diff(regions, v.Regions); diff != "" {
		t.Errorf("regions (-want +got):\n%s", diff)
	}
	if v.Source == nil || v.Source.ManagedImage == "" || v.Observed.ProvisioningState != "Succeeded" {
		t.Errorf("version = %+v observed %+v", v, v.Observed)
	}
	if len(g.Shares) != 1 || len(img.Shares) != 1 {
		t.Fatalf("shares: gallery %d, image %d", len(g.Shares), len(img.Shares))
	}
	for _, s := range g.Shares {
		if s.Role != "Reader" || s.Description != model.ShareDescription("test") || s.Name == "" {
			t.Errorf("share = %+v", s)
		}
	}
	mu.Lock()
	if len(reports) == 0 {
		t.Error("no replication progress reported")
	} else if last := reports[len(reports)-1]; last["northeurope"].State != "Completed" {
		t.Errorf("last progress report = %+v", last)
	}
	mu.Unlock()

	// Updates: replicas, a region added, description.
	regions["eastus"] = model.TargetRegion{Replicas: 1, Storage: "Standard_LRS"}
	regions["westeurope"] = model.TargetRegion{Replicas: 3, Storage: "Standard_LRS"}
	upd := version(regions)
	upd.ExcludeFromLatest = true
	must(c.UpdateVersion(ctx, "acme", "backend", "1.0.0", upd, false, nil))
	gi := image("Backend")
	gi.Description = "new"
	must(c.UpdateImage(ctx, "acme", "backend", gi))
	gg := gallery()
	gg.Description = "platinum"
	must(c.UpdateGallery(ctx, "acme", gg))
	st, err = c.ReadState(ctx)
	must(err)
	v = st.Galleries["acme"].Images["backend"].Versions["1.0.0"]
	if len(v.Regions) != 3 || v.Regions["westeurope"].Replicas != 3 || !v.ExcludeFromLatest {
		t.Errorf("after update: %+v", v)
	}
	if st.Galleries["acme"].Description != "platinum" || st.Galleries["acme"].Images["backend"].Description != "new" {
		t.Errorf("descriptions not updated")
	}

	// Deletes, children first.
	for _, s := range st.Galleries["acme"].Images["backend"].Shares {
		must(c.DeleteRoleAssignment(ctx, model.ImageAddress("acme", "backend"), s))
	}
	must(c.DeleteVersion(ctx, "acme", "backend", "1.0.0"))
	must(c.DeleteImage(ctx, "acme", "backend"))
	must(c.DeleteGallery(ctx, "acme"))
	st, err = c.ReadState(ctx)
	must(err)
	if len(st.Galleries) != 0 {
		t.Errorf("galleries left: %v", st.Galleries)
	}
}

func TestRoleAssignmentCreateIsIdempotent(t *testing.T) {
	ctx := context.Background()
	c, _ := setup(t, emulator.Options{})
	if err := c.CreateGallery(ctx, "acme", gallery()); err != nil {
		t.Fatal(err)
	}
	s := &model.Share{PrincipalID: "5b0b4d0e-7c34-4a57-9a37-2b6f0a8e1c11", Role: "Reader"}
	for i := 0; i < 3; i++ {
		if err := c.CreateRoleAssignment(ctx, model.GalleryAddress("acme"), s); err != nil {
			t.Fatalf("create #%d: %v", i, err)
		}
	}
	st, err := c.ReadState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(st.Galleries["acme"].Shares); n != 1 {
		t.Fatalf("%d role assignments after three creates, want 1", n)
	}
}

func TestNoWaitIsPickedUpByALaterRead(t *testing.T) {
	ctx := context.Background()
	// 10 GB at 2 GB/s: five seconds of replication.
	c, _ := setup(t, emulator.Options{ReplicationRate: 2})
	if err := c.CreateGallery(ctx, "acme", gallery()); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateImage(ctx, "acme", "backend", image("Backend")); err != nil {
		t.Fatal(err)
	}
	regions := map[string]model.TargetRegion{"westeurope": {Replicas: 1, Storage: "Standard_LRS"}}
	if err := c.CreateVersion(ctx, "acme", "backend", "1.0.0", version(regions), true, nil); err != nil {
		t.Fatal(err)
	}
	st, err := c.ReadState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	o := st.Galleries["acme"].Images["backend"].Versions["1.0.0"].Observed
	if o.AggregatedState != "InProgress" || o.Replication["westeurope"].State != "Replicating" {
		t.Fatalf("observed right after a no-wait create: %+v", o)
	}
}

func TestConflictKeepsARMMessageAndAddress(t *testing.T) {
	ctx := context.Background()
	c, _ := setup(t, emulator.Options{})
	if err := c.CreateGallery(ctx, "acme", gallery()); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateImage(ctx, "acme", "backend", image("Backend")); err != nil {
		t.Fatal(err)
	}
	err := c.CreateImage(ctx, "acme", "backend2", image("Backend"))
	var e *azure.Error
	if !errorsAs(err, &e) {
		t.Fatalf("got %v", err)
	}
	if e.Kind != azure.Conflict || e.Address != model.ImageAddress("acme", "backend2") || !strings.Contains(e.Message, "already has the identifier") {
		t.Errorf("error = %+v", e)
	}
	if strings.Contains(err.Error(), "secret-token") {
		t.Error("the token leaked into an error")
	}
	if err := c.DeleteGallery(ctx, "acme"); azure.KindOf(err) != azure.Conflict {
		t.Errorf("delete non-empty gallery: %v", err)
	}
}

func TestThrottlingAndServerErrorsAreRetried(t *testing.T) {
	ctx := context.Background()
	c, srv := setup(t, emulator.Options{})
	srv.SetFaults(emulator.Faults{ThrottleRate: 0.2, ServerErrorRate: 0.1, RetryAfter: 10 * time.Millisecond, Seed: 42})
	for i := 0; i < 5; i++ {
		if err := c.CreateGallery(ctx, fmt.Sprintf("g%d", i), gallery()); err != nil {
			t.Fatalf("create under faults: %v", err)
		}
	}
	st, err := c.ReadState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Galleries) != 5 {
		t.Fatalf("%d galleries", len(st.Galleries))
	}
	f := srv.InjectedFaults()
	if f["throttle"] == 0 || f["5xx"] == 0 {
		t.Fatalf("no faults injected: %v", f)
	}
	if c.Throttled() == 0 {
		t.Error("throttles not counted")
	}
}

// TestReadRequestCount: reading a steady estate costs galleries +
// definitions + version pages + a constant, never one GET per resource.
func TestReadRequestCount(t *testing.T) {
	ctx := context.Background()
	const pageSize = 100
	c, srv := setup(t, emulator.Options{PageSize: pageSize})
	galleries, defsPer, versPer := 2, 5, 100
	for g := 0; g < galleries; g++ {
		gname := fmt.Sprintf("g%d", g)
		if err := c.CreateGallery(ctx, gname, gallery()); err != nil {
			t.Fatal(err)
		}
		for d := 0; d < defsPer; d++ {
			iname := fmt.Sprintf("i%d", d)
			if err := c.CreateImage(ctx, gname, iname, image(iname)); err != nil {
				t.Fatal(err)
			}
			for v := 0; v < versPer; v++ {
				if err := c.CreateVersion(ctx, gname, iname, fmt.Sprintf("1.0.%d", v), version(map[string]model.TargetRegion{"westeurope": {Replicas: 1, Storage: "Standard_LRS"}}), true, nil); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	time.Sleep(600 * time.Millisecond) // let replication finish (10 GB at 50 GB/s)
	before := c.Requests()
	srv.ResetStats()
	st, err := c.ReadState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	versions := galleries * defsPer * versPer
	if got := st.Counts().Versions; got != versions {
		t.Fatalf("read %d versions, want %d", got, versions)
	}
	got := c.Requests() - before
	definitions := galleries * defsPer
	bound := int64(1 + galleries + definitions + (versions+pageSize-1)/pageSize + 2)
	if got > bound {
		t.Errorf("%d requests to read %d versions; want at most %d", got, versions, bound)
	}
	if srv.Stats().Total() != got {
		t.Errorf("client counted %d requests, emulator served %d", got, srv.Stats().Total())
	}
}

// BenchmarkReadState reads an estate of 1,000 versions (10 definitions);
// it reports the requests each read takes.
func BenchmarkReadState(b *testing.B) {
	ctx := context.Background()
	c, _ := setup(b, emulator.Options{ReplicationRate: 1e6})
	if err := c.CreateGallery(ctx, "g", gallery()); err != nil {
		b.Fatal(err)
	}
	for d := 0; d < 10; d++ {
		iname := fmt.Sprintf("i%d", d)
		if err := c.CreateImage(ctx, "g", iname, image(iname)); err != nil {
			b.Fatal(err)
		}
		for v := 0; v < 100; v++ {
			if err := c.CreateVersion(ctx, "g", iname, fmt.Sprintf("1.0.%d", v), version(map[string]model.TargetRegion{"westeurope": {Replicas: 1, Storage: "Standard_LRS"}}), true, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	before := c.Requests()
	for b.Loop() {
		if _, err := c.ReadState(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(c.Requests()-before)/float64(b.N), "requests/op")
}
