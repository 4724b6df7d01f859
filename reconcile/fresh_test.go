package reconcile_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/curator-dev/curator/cloud/azure"
	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/reconcile"
	"github.com/curator-dev/curator/sources"
)

// freshConfig writes a configuration with one gallery of the given
// description and the given versions, read through read.
func freshConfig(t *testing.T, dir, read, description string, versions ...string) {
	t.Helper()
	var vs strings.Builder
	for _, v := range versions {
		fmt.Fprintf(&vs, "\t\tversions: %q: source: managedImage: \"/subscriptions/%s/resourceGroups/b/providers/Microsoft.Compute/images/i\"\n", v, model.DefaultSubscription)
	}
	cfg := fmt.Sprintf(`package curator

name: "fresh"
target: azure: {subscription: %q, resourceGroup: "curator", read: %q}
prune: true
galleries: acme: {
	location: "westeurope"
	description: %q
	images: web: {
		publisher: "P", offer: "O", sku: "S", osType: "Linux", osState: "Generalized"
%s	}
}
`, model.DefaultSubscription, read, description, vs.String())
	if err := os.WriteFile(filepath.Join(dir, "curator.cue"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
}

func planAndApply(t *testing.T, dir string) (*reconcile.Planned, error) {
	t.Helper()
	r := reconcile.New(reconcile.Options{Source: sources.NewLocal(dir), Target: reconcile.TargetOptions{StateDir: t.TempDir()}, Now: time.Now, Apply: reconcile.ApplyOptions{Parallelism: 4}})
	p, err := r.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	_, err = r.ApplyPlanned(context.Background(), p)
	return p, err
}

// TestFreshnessRules: a plan read through a Resource Graph that lags
// Resource Manager is confirmed by GETs before apply writes: a stale
// "present" never causes a delete, a resource changed since is never
// overwritten, and nothing is written at all; read through Resource
// Manager, the same estate plans what is really there.
func TestFreshnessRules(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		read      string
		behind    func(c *azure.Client) error // what someone else does while the graph lags
		desc      string
		versions  []string
		wantPlan  string // an address the plan must change
		wantStale string // "" when apply must succeed
	}{
		{
			name: "deleted since: no delete", read: "graph",
			behind: func(c *azure.Client) error { return c.DeleteVersion(ctx, "acme", "web", "1.0.1") },
			desc:   "golden", versions: []string{"1.0.0"},
			wantPlan: "gallery/acme/image/web/version/1.0.1", wantStale: "gallery/acme/image/web/version/1.0.1 was deleted since",
		},
		{
			name: "changed since: no update", read: "graph",
			behind: func(c *azure.Client) error {
				return c.UpdateGallery(ctx, "acme", &model.Gallery{Location: "westeurope", Description: "edited in the portal"})
			},
			desc: "new", versions: []string{"1.0.0", "1.0.1"},
			wantPlan: "gallery/acme", wantStale: "gallery/acme was changed since",
		},
		{
			name: "graph in step: applied", read: "graph",
			desc: "new", versions: []string{"1.0.0"},
			wantPlan: "gallery/acme/image/web/version/1.0.1",
		},
		{
			name: "read through ARM sees the delete", read: "arm",
			behind: func(c *azure.Client) error { return c.DeleteVersion(ctx, "acme", "web", "1.0.1") },
			desc:   "new", versions: []string{"1.0.0"},
			wantPlan: "gallery/acme",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := emulator.Start(ctx, emulator.Options{ReplicationRate: 1e6})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			t.Setenv(azure.EndpointEnv, srv.URL())
			dir := t.TempDir()
			freshConfig(t, dir, tc.read, "golden", "1.0.0", "1.0.1")
			if _, err := planAndApply(t, dir); err != nil {
				t.Fatalf("first apply: %v", err)
			}
			time.Sleep(20 * time.Millisecond)
			// From here on the graph lags by 100 writes.
			srv.SetGraphLag(100, 0)
			if tc.behind != nil {
				other, err := azure.New(azure.Config{Subscription: model.DefaultSubscription, ResourceGroup: "curator", ConfigName: "fresh", Endpoint: srv.URL(), Credential: azure.StaticToken("t")})
				if err != nil {
					t.Fatal(err)
				}
				if err := tc.behind(other); err != nil {
					t.Fatal(err)
				}
			}
			freshConfig(t, dir, tc.read, tc.desc, tc.versions...)
			srv.ResetStats()
			p, err := planAndApply(t, dir)
			if p.Plan.ReadPath != tc.read || p.Plan.ReadAt.IsZero() {
				t.Errorf("plan read_path %q at %v, want %q", p.Plan.ReadPath, p.Plan.ReadAt, tc.read)
			}
			found := false
			for _, c := range p.Plan.Changes {
				found = found || string(c.Address) == tc.wantPlan
			}
			if !found {
				t.Errorf("the plan does not change %s", tc.wantPlan)
			}
			if tc.wantStale == "" {
				if err != nil {
					t.Fatalf("apply: %v", err)
				}
				return
			}
			if !errors.Is(err, reconcile.ErrStaleGraphView) || !strings.Contains(err.Error(), tc.wantStale) {
				t.Fatalf("apply: %v; want %v naming %q", err, reconcile.ErrStaleGraphView, tc.wantStale)
			}
			for k, n := range srv.Stats() {
				if !strings.HasPrefix(k, "GET ") && !strings.HasPrefix(k, "POST graph") {
					t.Errorf("a stale plan wrote: %d × %s", n, k)
				}
			}
		})
	}
}
