package azure_test

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/curator-dev/curator/cloud/azure"
	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/planner"
	"github.com/curator-dev/curator/planner/plannertest"
)

// otherConfig writes what a scenario's actual state holds without the
// configuration's mark: marked by another configuration, which to the
// planner is as unmanaged as no mark at all (model.IsManaged compares the
// mark with the configuration's name).
const otherConfig = "packer"

// writer opens a client on srv that writes as configuration name.
func writer(t *testing.T, srv *emulator.Server, name string) *azure.Client {
	t.Helper()
	c, err := azure.New(azure.Config{
		Subscription: sub, ResourceGroup: rg, ConfigName: name,
		Endpoint: srv.URL(), Credential: azure.StaticToken("secret-token"),
		RetryDelay: 5 * time.Millisecond, PollInterval: 10 * time.Millisecond, Unthrottled: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// put writes st into the emulator through the SDK, as curator's apply
// would have: each resource by the configuration its mark names (or
// otherConfig), sharing profiles with their groups, role assignments at
// gallery and definition scope, versions replicated.
func put(t *testing.T, srv *emulator.Server, st model.State) {
	t.Helper()
	ctx := context.Background()
	ours, theirs := writer(t, srv, plannertest.Config), writer(t, srv, otherConfig)
	if err := ours.EnsureResourceGroup(ctx, "westeurope"); err != nil {
		t.Fatal(err)
	}
	by := func(tags map[string]string) *azure.Client {
		if model.IsManaged(tags, plannertest.Config) {
			return ours
		}
		return theirs
	}
	unmarked := func(tags map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range tags {
			if k != model.ManagedByTag {
				out[k] = v
			}
		}
		return out
	}
	shares := func(scope model.Address, in map[string]*model.Share) {
		for _, name := range slices.Sorted(maps.Keys(in)) {
			s := in[name]
			w := theirs
			if s.Description == model.ShareDescription(plannertest.Config) {
				w = ours
			}
			if err := w.CreateRoleAssignment(ctx, scope, s); err != nil {
				t.Fatalf("share %s at %s: %v", name, scope, err)
			}
		}
	}
	for _, gname := range slices.Sorted(maps.Keys(st.Galleries)) {
		gal := *st.Galleries[gname]
		w := by(gal.Tags)
		gal.Tags = unmarked(gal.Tags)
		var groups *model.Sharing
		if gal.Sharing != nil && gal.Sharing.Permission == "Groups" {
			groups = gal.Sharing
			gal.Sharing = &model.Sharing{Permission: "Groups"}
		}
		if err := w.CreateGallery(ctx, gname, &gal); err != nil {
			t.Fatalf("gallery %s: %v", gname, err)
		}
		if groups != nil && (len(groups.Subscriptions) > 0 || len(groups.Tenants) > 0) {
			if err := w.UpdateSharing(ctx, gname, "Add", groups.Subscriptions, groups.Tenants); err != nil {
				t.Fatalf("sharing of gallery %s: %v", gname, err)
			}
		}
		shares(model.GalleryAddress(gname), gal.Shares)
		for _, iname := range slices.Sorted(maps.Keys(gal.Images)) {
			img := *gal.Images[iname]
			w := by(img.Tags)
			img.Tags = unmarked(img.Tags)
			if err := w.CreateImage(ctx, gname, iname, &img); err != nil {
				t.Fatalf("image definition %s/%s: %v", gname, iname, err)
			}
			shares(model.ImageAddress(gname, iname), img.Shares)
			for _, vname := range slices.Sorted(maps.Keys(img.Versions)) {
				v := *img.Versions[vname]
				w := by(v.Tags)
				v.Tags = unmarked(v.Tags)
				if err := w.CreateVersion(ctx, gname, iname, vname, &v, true, nil); err != nil {
					t.Fatalf("image version %s/%s/%s: %v", gname, iname, vname, err)
				}
			}
		}
	}
}

// actions are a plan's changes as address → action, and its refusals.
func actions(p *planner.Plan) map[model.Address]string {
	out := map[model.Address]string{}
	for _, c := range p.Changes {
		out[c.Address] = string(c.Action)
	}
	return out
}

// TestReadPathsPlanScenariosAlike: every planner scenario's actual state,
// put in the emulator, plans exactly alike read through Resource Manager's
// lists and through Resource Graph — the same changes, diffs, refusals and
// diagnostics — and plans the scenario's own changes (what the planner's
// golden tests hold), so that the emulator holds the state the scenario
// describes. (That every scenario plans as its golden says is the
// planner's own test.)
func TestReadPathsPlanScenariosAlike(t *testing.T) {
	ctx := context.Background()
	for _, s := range plannertest.Scenarios() {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel() // each its own emulator; mostly waiting for operations
			srv, err := emulator.Start(ctx, emulator.Options{ReplicationRate: 1e6})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			put(t, srv, s.Actual())
			opts := s.Opts
			opts.Now = plannertest.Now
			want, wantDiags := planner.Compute(s.Desired(), s.Actual(), opts)

			var plans [2][]byte
			var diags [2]string
			for i, path := range []string{azure.ReadARM, azure.ReadGraph} {
				actual, err := clientFor(t, srv, path, 0).ReadState(ctx)
				if err != nil {
					t.Fatalf("read through %s: %v", path, err)
				}
				p, d := planner.Compute(s.Desired(), *actual, opts)
				if diff := cmp.Diff(actions(want), actions(p)); diff != "" {
					t.Errorf("read through %s, the emulator's state plans other changes than the scenario (-scenario +emulator):\n%s", path, diff)
				}
				if want, got := wantDiags.HasErrors(), d.HasErrors(); want != got {
					t.Errorf("read through %s: plan has errors %v, the scenario's %v (%v)", path, got, want, planner.Refused(d))
				}
				if plans[i], err = json.MarshalIndent(p, "", "  "); err != nil {
					t.Fatal(err)
				}
				if err := planner.Refused(d); err != nil {
					diags[i] = err.Error()
				}
			}
			if diff := cmp.Diff(string(plans[0]), string(plans[1])); diff != "" {
				t.Errorf("plans differ (-arm +graph):\n%s", diff)
			}
			if diags[0] != diags[1] {
				t.Errorf("diagnostics differ:\narm:   %s\ngraph: %s", diags[0], diags[1])
			}
		})
	}
}
