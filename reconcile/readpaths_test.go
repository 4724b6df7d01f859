package reconcile_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/curator-dev/curator/cloud/azure"
	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/examples/gen/estate"
	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/reconcile"
	"github.com/curator-dev/curator/sources"
)

// planJSON plans dir and returns its JSON plan without the fields that
// differ between two reads.
func planJSON(t *testing.T, dir string) map[string]json.RawMessage {
	t.Helper()
	r := reconcile.New(reconcile.Options{Source: sources.NewLocal(dir), Target: reconcile.TargetOptions{StateDir: t.TempDir()}, Now: func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) }})
	p, err := r.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	data, err := p.Plan.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	// The revision differs too: the two configurations differ in read: only.
	for _, k := range []string{"created_at", "arm_requests", "read_path", "read_at", "source_revision"} {
		delete(m, k)
	}
	return m
}

func setRead(t *testing.T, dir, read string) {
	t.Helper()
	path := filepath.Join(dir, "curator.cue")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "target:") {
			lines[i] = fmt.Sprintf("target: azure: {subscription: %q, resourceGroup: \"curator\", read: %q}", model.DefaultSubscription, read)
		}
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestReadPathsPlanAlike: on generated estates, after drift made behind
// curator's back (a version deleted, a definition edited, a share removed,
// an unmanaged version added), the plan read through Resource Graph is the
// plan read through Resource Manager, field for field.
func TestReadPathsPlanAlike(t *testing.T) {
	ctx := context.Background()
	for _, o := range []estate.Options{
		{Galleries: 1, Definitions: 2, Versions: 6, Regions: 2, Shares: 1, Seed: 1},
		{Galleries: 3, Definitions: 12, Versions: 60, Regions: 3, Shares: 2, Seed: 7},
	} {
		t.Run(fmt.Sprintf("%dx%dx%d", o.Galleries, o.Definitions, o.Versions), func(t *testing.T) {
			srv, err := emulator.Start(ctx, emulator.Options{ReplicationRate: 1e6})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			t.Setenv(azure.EndpointEnv, srv.URL())
			dir := t.TempDir()
			o.Name, o.Target = "alike", "local: {}"
			if err := estate.Write(dir, o); err != nil {
				t.Fatal(err)
			}
			setRead(t, dir, "arm")
			if _, err := planAndApply(t, dir); err != nil {
				t.Fatal(err)
			}
			time.Sleep(20 * time.Millisecond)
			// Drift behind curator's back.
			other, err := azure.New(azure.Config{Subscription: model.DefaultSubscription, ResourceGroup: "curator", ConfigName: "someone-else", Endpoint: srv.URL(), Credential: azure.StaticToken("t")})
			if err != nil {
				t.Fatal(err)
			}
			actual, err := other.ReadState(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for gname, g := range actual.Galleries {
				for iname, img := range g.Images {
					for vname := range img.Versions {
						if n == 0 {
							if err := other.DeleteVersion(ctx, gname, iname, vname); err != nil {
								t.Fatal(err)
							}
						}
						n++
						break
					}
					if n == 1 {
						img.Description = "edited in the portal"
						img.Tags = map[string]string{model.ManagedByTag: "alike"}
						if err := other.UpdateImage(ctx, gname, iname, img); err != nil {
							t.Fatal(err)
						}
						if err := other.CreateVersion(ctx, gname, iname, "9.9.9", &model.ImageVersion{Location: g.Location, Replicas: 1, Storage: "Standard_LRS", Regions: map[string]model.TargetRegion{g.Location: {Replicas: 1, Storage: "Standard_LRS"}}, Source: &model.Source{ManagedImage: "/subscriptions/x/resourceGroups/b/providers/Microsoft.Compute/images/p"}}, true, nil); err != nil {
							t.Fatal(err)
						}
						n++
					}
				}
				for _, s := range g.Shares {
					if err := other.DeleteRoleAssignment(ctx, model.GalleryAddress(gname), s); err != nil {
						t.Fatal(err)
					}
					break
				}
			}
			time.Sleep(20 * time.Millisecond)
			viaARM := planJSON(t, dir)
			setRead(t, dir, "graph")
			viaGraph := planJSON(t, dir)
			var changes []any
			_ = json.Unmarshal(viaARM["resource_changes"], &changes)
			if len(changes) < 2 {
				t.Fatalf("the drift planned only %d changes", len(changes))
			}
			if diff := cmp.Diff(viaARM, viaGraph, cmp.Transformer("text", func(r json.RawMessage) string { return string(r) })); diff != "" {
				t.Fatalf("plans differ (-arm +graph):\n%s", diff)
			}
		})
	}
}
