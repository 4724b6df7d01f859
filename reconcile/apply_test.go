package reconcile_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/curator-dev/curator/cloud/azure"
	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/planner"
	"github.com/curator-dev/curator/reconcile"
)

// emulated starts an emulator with a resource group and a client of
// configuration "test" whose SDK retries (maxRetries of them) wait a
// millisecond or so.
func emulated(t *testing.T, maxRetries int) (*emulator.Server, *azure.Client) {
	t.Helper()
	srv, err := emulator.Start(context.Background(), emulator.Options{ReplicationRate: 500})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	client, err := azure.New(azure.Config{Subscription: model.DefaultSubscription, ResourceGroup: model.DefaultResourceGroup, ConfigName: "test",
		Endpoint: srv.URL(), Credential: azure.StaticToken("t"), MaxRetries: maxRetries, RetryDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.EnsureResourceGroup(context.Background(), "westeurope"); err != nil {
		t.Fatal(err)
	}
	return srv, client
}

// planFor plans desired against what client reads.
func planFor(t *testing.T, client *azure.Client, desired model.State) *planner.Plan {
	t.Helper()
	actual, err := client.ReadState(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	plan, diags := planner.Compute(desired, *actual, planner.Options{Now: time.Now()})
	if diags.HasErrors() {
		t.Fatal(planner.Refused(diags))
	}
	return plan
}

func oneImage() model.State {
	image := &model.ImageDefinition{Publisher: "P", Offer: "O", SKU: "S", OSType: "Linux", OSState: "Generalized", HyperVGeneration: "V1",
		Versions: map[string]*model.ImageVersion{"1.0.0": {Source: &model.Source{ManagedImage: "/subscriptions/x/resourceGroups/b/providers/Microsoft.Compute/images/i"}, Location: "westeurope", Replicas: 1, Storage: "Standard_LRS", Regions: map[string]model.TargetRegion{"westeurope": {Replicas: 1, Storage: "Standard_LRS"}}}},
	}
	return model.State{Name: "test", MaxDeletes: 10, Galleries: map[string]*model.Gallery{
		"a": {Location: "westeurope", Images: map[string]*model.ImageDefinition{"img": image}},
	}}
}

// cancelOnFirstChange cancels an apply a moment after its first change
// started, while that change's request is held by the emulator.
type cancelOnFirstChange struct {
	once   sync.Once
	cancel context.CancelFunc
}

func (h *cancelOnFirstChange) PreApply(*planner.Change) {
	h.once.Do(func() { time.AfterFunc(50*time.Millisecond, h.cancel) })
}
func (h *cancelOnFirstChange) PostApply(*planner.Change, reconcile.ChangeResult)            {}
func (h *cancelOnFirstChange) Progress(*planner.Change, map[string]model.RegionReplication) {}

// TestApplyInterrupted: an apply whose context ends while a change runs
// cuts that change short, starts none of its dependents, and says so for
// each. Run with -race: the dependents used to read the running change's
// result on the cancellation path while it was being written.
func TestApplyInterrupted(t *testing.T) {
	srv, client := emulated(t, 6)
	plan := planFor(t, client, oneImage())
	// Every request now takes a minute, unless its client gives up.
	srv.SetFaults(emulator.Faults{Latency: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res := reconcile.Apply(ctx, client, plan, reconcile.ApplyOptions{Parallelism: 4, Hooks: &cancelOnFirstChange{cancel: cancel}})

	want := map[model.Address]struct {
		status reconcile.Status
		says   string
	}{
		model.GalleryAddress("a"):                 {reconcile.Cancelled, "cut short by context canceled"},
		model.ImageAddress("a", "img"):            {reconcile.Cancelled, "not started"},
		model.VersionAddress("a", "img", "1.0.0"): {reconcile.Cancelled, "not started"},
	}
	if len(res.Changes) != len(want) {
		t.Fatalf("%d results, want one for each of the plan's %d changes: %+v", len(res.Changes), len(want), res.Changes)
	}
	for _, c := range res.Changes {
		w := want[c.Address]
		if c.Status != w.status || c.Err == nil || !strings.Contains(c.Err.Error(), w.says) {
			t.Errorf("%s: %s (%v), want %s saying %q", c.Address, c.Status, c.Err, w.status, w.says)
		}
	}
	if err := res.Err(); !errors.Is(err, context.Canceled) || !res.Interrupted() {
		t.Errorf("the result's error does not say the apply was interrupted: %v", err)
	}
}

// TestOneRetryLayer: a change whose every request fails with a server
// error is attempted as often as the SDK's retry policy allows, and no
// more: no loop of curator's multiplies the attempts.
func TestOneRetryLayer(t *testing.T) {
	for _, maxRetries := range []int{1, 6} {
		t.Run(fmt.Sprintf("%d SDK retries", maxRetries), func(t *testing.T) {
			srv, client := emulated(t, maxRetries)
			desired := oneImage()
			desired.Galleries["a"].Images = nil
			plan := planFor(t, client, desired)
			srv.SetFaults(emulator.Faults{ServerErrorRate: 1})
			srv.ResetStats()
			res := reconcile.Apply(context.Background(), client, plan, reconcile.ApplyOptions{})
			if len(res.Changes) != 1 || res.Changes[0].Status != reconcile.Failed || !azure.IsTransient(res.Changes[0].Err) {
				t.Fatalf("want the gallery's create failed with a transient error, got %+v", res.Changes)
			}
			if got, want := srv.Stats()["PUT galleries"], int64(1+maxRetries); got != want {
				t.Errorf("the gallery's create was sent %d times, want %d (the first attempt and the SDK's %d retries)", got, want, maxRetries)
			}
		})
	}
}
