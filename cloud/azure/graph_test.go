package azure_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/curator-dev/curator/cloud/azure"
	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/model"
)

// clientFor opens a second client on srv that reads through path.
func clientFor(t testing.TB, srv *emulator.Server, path string, pageSize int) *azure.Client {
	t.Helper()
	c, err := azure.New(azure.Config{
		Subscription: sub, ResourceGroup: rg, ConfigName: "test",
		Endpoint: srv.URL(), Credential: azure.StaticToken("secret-token"),
		RetryDelay: 5 * time.Millisecond, PollInterval: 200 * time.Millisecond, Unthrottled: true,
		ReadPath: path, GraphPageSize: pageSize,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// populate creates galleries × definitions × versions, a sharing profile,
// and shares at gallery and definition scope; one version is left
// replicating. g0 is created for direct sharing (permissions Groups), as
// the service requires before it is shared with a subscription.
func populate(t testing.TB, c *azure.Client, galleries, defs, vers int) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for g := range galleries {
		gname := fmt.Sprintf("g%d", g)
		gal := gallery()
		if g == 0 {
			// Shared directly below: created for it, as the service requires.
			gal.Sharing = &model.Sharing{Permission: "Groups"}
		}
		must(c.CreateGallery(ctx, gname, gal))
		must(c.CreateRoleAssignment(ctx, model.GalleryAddress(gname), &model.Share{PrincipalID: "5b0b4d0e-7c34-4a57-9a37-2b6f0a8e1c11", PrincipalType: "Group", Role: "Reader"}))
		for d := range defs {
			iname := fmt.Sprintf("i%d", d)
			must(c.CreateImage(ctx, gname, iname, image(iname)))
			if d == 0 {
				must(c.CreateRoleAssignment(ctx, model.ImageAddress(gname, iname), &model.Share{PrincipalID: "6e0c9d2a-3b4f-4a5e-8d7c-1f2e3d4c5b6a", PrincipalType: "User", Role: "Contributor"}))
			}
			for v := range vers {
				must(c.CreateVersion(ctx, gname, iname, fmt.Sprintf("1.0.%d", v), version(map[string]model.TargetRegion{"westeurope": {Replicas: 1, Storage: "Standard_LRS"}, "eastus": {Replicas: 2, Storage: "Standard_ZRS"}}), true, nil))
			}
		}
	}
	must(c.UpdateSharing(ctx, "g0", "Add", []string{"11111111-2222-3333-4444-555555555555"}, nil))
}

// TestGraphReadEqualsListRead: both read paths see the same state,
// replication status of a replicating version included, in the requests
// each path promises: the graph queries, and one GET for the groups of the
// directly shared gallery (neither the list call nor the graph carries
// them).
func TestGraphReadEqualsListRead(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name                    string
		galleries, defs, vers   int
		graphPage, wantMaxGraph int
	}{
		{"one page", 2, 3, 4, 1000, 2},
		{"paged", 2, 3, 4, 5, 2 + (2+6+24)/5 + 1},
		// and one GET with $select=Permissions for g0, shared with groups
	} {
		t.Run(tc.name, func(t *testing.T) {
			writer, srv := setup(t, emulator.Options{ReplicationRate: 1e6})
			populate(t, writer, tc.galleries, tc.defs, tc.vers)
			time.Sleep(50 * time.Millisecond)
			arm := clientFor(t, srv, azure.ReadARM, 0)
			graph := clientFor(t, srv, azure.ReadGraph, tc.graphPage)
			want, err := arm.ReadState(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got, err := graph.ReadState(ctx)
			if err != nil {
				t.Fatal(err)
			}
			withoutCreator(want)
			withoutCreator(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("graph read differs from list read (-arm +graph):\n%s", diff)
			}
			// One GET beside the queries: the sharing groups of the
			// gallery shared directly ($select=Permissions).
			if n, q := graph.Requests(), graph.GraphRequests(); q > int64(tc.wantMaxGraph) || n != q+1 {
				t.Errorf("graph read took %d requests (%d graph queries); want at most %d graph queries and one GET", n, q, tc.wantMaxGraph)
			}
			if path, at := graph.LastRead(); path != azure.ReadGraph || at.IsZero() {
				t.Errorf("LastRead = %q, %v", path, at)
			}
		})
	}
}

// TestGraphReadsReplicationStatusByGET: Resource Graph carries no
// replication status, so a version still replicating is read with a GET.
func TestGraphReadsReplicationStatusByGET(t *testing.T) {
	ctx := context.Background()
	writer, srv := setup(t, emulator.Options{ReplicationRate: 1e-3})
	populate(t, writer, 1, 1, 2)
	arm := clientFor(t, srv, azure.ReadARM, 0)
	graph := clientFor(t, srv, azure.ReadGraph, 0)
	want, err := arm.ReadState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := graph.ReadState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v := got.Galleries["g0"].Images["i0"].Versions["1.0.0"]
	if v.Observed.AggregatedState != "InProgress" || len(v.Observed.Replication) != 2 {
		t.Fatalf("replicating version observed as %+v; want InProgress in 2 regions", v.Observed)
	}
	// Progress is computed from time: compare what does not move.
	for _, st := range []*model.State{want, got} {
		for _, img := range st.Galleries["g0"].Images {
			for _, v := range img.Versions {
				v.Observed.Replication = nil
			}
		}
	}
	withoutCreator(want)
	withoutCreator(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("graph read differs from list read (-arm +graph):\n%s", diff)
	}
	// Two GETs for the versions replicating, one for the sharing groups
	// of the gallery shared directly ($select=Permissions).
	if q, n := graph.GraphRequests(), graph.Requests(); q != 2 || n != 5 {
		t.Errorf("graph read: %d graph queries and %d requests; want 2 queries + 3 GETs", q, n)
	}
}

func TestSizeHintChoosesReadPath(t *testing.T) {
	_, srv := setup(t, emulator.Options{})
	c := clientFor(t, srv, "", 0)
	for _, tc := range []struct {
		galleries, definitions int
		want                   string
	}{
		{1, 10, azure.ReadARM},
		{10, azure.GraphThreshold - 12, azure.ReadARM},
		{10, azure.GraphThreshold - 11, azure.ReadGraph},
		{10, 1000, azure.ReadGraph},
	} {
		c.SetSizeHint(tc.galleries, tc.definitions)
		if got := c.ChooseReadPath(); got != tc.want {
			t.Errorf("%d galleries, %d definitions: %s, want %s", tc.galleries, tc.definitions, got, tc.want)
		}
	}
	if _, err := azure.New(azure.Config{Subscription: sub, ResourceGroup: rg, ConfigName: "x", Endpoint: srv.URL(), ReadPath: "fast"}); err == nil {
		t.Error(`read path "fast" accepted`)
	}
}

// TestSizeFromGraphChoosesReadPath: with no configuration to size it,
// one Resource Graph query counts galleries and definitions and the read
// takes the path a configuration of that size would: lists below
// GraphThreshold requests (1 + galleries + definitions), Resource Graph
// from it on.
func TestSizeFromGraphChoosesReadPath(t *testing.T) {
	_, srv := setup(t, emulator.Options{})
	writer := clientFor(t, srv, azure.ReadARM, 0)
	populate(t, writer, 1, azure.GraphThreshold-3, 0)
	for _, want := range []string{azure.ReadARM, azure.ReadGraph} {
		c := clientFor(t, srv, "", 0)
		if err := c.SizeFromGraph(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := c.ChooseReadPath(); got != want {
			t.Errorf("counted: %s, want %s", got, want)
		}
		if q, n := c.GraphRequests(), c.Requests(); q != 1 || n != 1 {
			t.Errorf("counting took %d requests (%d graph queries); want one query", n, q)
		}
		// One more definition reaches the threshold.
		if err := writer.CreateImage(context.Background(), "g0", "last", image("last")); err != nil {
			t.Fatal(err)
		}
	}
}

// withoutCreator drops who created each version: Resource Manager reports
// it (systemData), Resource Graph rows do not carry it.
func withoutCreator(st *model.State) {
	for _, g := range st.Galleries {
		for _, img := range g.Images {
			for _, v := range img.Versions {
				if v.Observed != nil {
					v.Observed.CreatedBy, v.Observed.CreatedAt = "", ""
				}
			}
		}
	}
}

// TestGraphReadsSecurityProperties: the security properties of definitions
// and versions — features from a version on, UEFI keys, confidential
// encryption of the OS and data disks — read the same through Resource
// Graph as through the list calls, and as they were written.
func TestGraphReadsSecurityProperties(t *testing.T) {
	ctx := context.Background()
	writer, srv := setup(t, emulator.Options{ReplicationRate: 1e6})
	if err := writer.CreateGallery(ctx, "g", gallery()); err != nil {
		t.Fatal(err)
	}
	versioned := tl()
	versioned.FeatureVersions = map[string]string{model.SecurityTypeFeature: "2.0.0", "DiskControllerTypes": "1.2.0"}
	steps := []func(*azure.Client) error{
		createImage("tl", versioned), createVersion("tl", withUEFI(fromSource(vhdSource()))),
		createImage("cvm", cvm()), createVersion("cvm", confidential()),
	}
	for _, s := range steps {
		if err := s(writer); err != nil {
			t.Fatal(err)
		}
	}
	want, err := clientFor(t, srv, azure.ReadARM, 0).ReadState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := clientFor(t, srv, azure.ReadGraph, 1000).ReadState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	withoutCreator(want)
	withoutCreator(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("graph read differs from list read (-arm +graph):\n%s", diff)
	}
	sameImage("tl", versioned)(t, got)
	sameVersion("tl", withUEFI(fromSource(vhdSource())))(t, got)
	sameVersion("cvm", confidential())(t, got)
}
