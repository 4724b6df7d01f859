package main

import (
	"errors"
	"testing"
	"time"

	"github.com/curator-dev/curator/estateview"
	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/planner"
	"github.com/curator-dev/curator/planner/plannertest"
	"github.com/curator-dev/curator/reconcile"
)

// TestEstateRecorder follows one reconcile through the recorder: the
// page sees it running, its plan, the apply's replication progress, and
// then the outcome with the state read after the apply, nothing pending.
func TestEstateRecorder(t *testing.T) {
	live := estateview.NewLive()
	rec := newEstateRecorder(live, "cfg", "examples/cfg")
	changed := live.Changed()
	state := func() estateview.Configuration {
		t.Helper()
		_, cs := live.Estate()
		if len(cs) != 1 {
			t.Fatalf("%d configurations, want 1", len(cs))
		}
		return cs[0]
	}
	rec.Started("source changed")
	select {
	case <-changed:
	default:
		t.Error("a started reconcile did not tell the page")
	}
	if c := state(); c.Running != "source changed" || c.Source != "examples/cfg" {
		t.Errorf("running %q, source %q", c.Running, c.Source)
	}
	desired := plannertest.Desired()
	plan, _ := planner.Compute(desired, model.State{}, planner.Options{Now: plannertest.Now})
	rec.Planned(plan)
	var version *planner.Change
	for _, c := range plan.Changes {
		if c.Kind == planner.KindVersion {
			version = c
			break
		}
	}
	rec.PreApply(version)
	rec.Progress(version, map[string]model.RegionReplication{"westeurope": {State: "Replicating", Progress: 40}})
	c := state()
	if c.Plan != plan || c.Applying[version.Address].Status != "running" || c.Applying[version.Address].Replication["westeurope"].Progress != 40 {
		t.Errorf("during the apply: plan %p (want %p), applying %+v", c.Plan, plan, c.Applying)
	}
	rec.PostApply(version, reconcile.ChangeResult{Address: version.Address, Status: reconcile.Done})
	if got := state().Applying[version.Address].Status; got != "done" {
		t.Errorf("after the change: %q, want done", got)
	}

	actual := plannertest.Applied(desired)
	started := time.Now()
	rec.Outcome(reconcile.Outcome{Kind: reconcile.Applied, Trigger: "source changed", Revision: "r1", Plan: plan, Desired: &desired, Actual: &actual, Started: started, Duration: time.Second,
		Apply: reconcile.Result{Changes: []reconcile.ChangeResult{{Status: reconcile.Done}, {Status: reconcile.Done}}}})
	c = state()
	if c.Running != "" || c.Applying != nil || c.Plan != nil || c.Actual != &actual || c.Name != plannertest.Config || c.Revision != "r1" || c.Target == "" {
		t.Errorf("after an applied reconcile read again: %+v", c)
	}
	if l := c.Last; l == nil || l.Outcome != "applied" || l.Applied != 2 || !l.At.Equal(started.Add(time.Second)) || l.Error != "" {
		t.Errorf("last reconcile %+v", c.Last)
	}

	// An invalid configuration keeps what the cloud holds and has no plan.
	rec.Outcome(reconcile.Outcome{Kind: reconcile.InvalidConfig, Err: errors.New("main.cue:3:1: bad"), Revision: "r2"})
	c = state()
	if c.Plan != nil || c.Actual != &actual || c.Revision != "r2" || c.Last.Error != "main.cue:3:1: bad" {
		t.Errorf("after an invalid configuration: %+v", c)
	}
}
