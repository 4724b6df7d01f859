package main

import (
	"maps"

	"github.com/curator-dev/curator/estateview"

	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/planner"
	"github.com/curator-dev/curator/reconcile"
)

// estateRecorder reports one configuration's reconciles to the estate page's
// estateview.Live: Started, Planned and Outcome go to the watch's
// reconcile.WatchOptions (OnStart, OnPlan, OnOutcome), and the recorder
// itself is the apply's reconcile.Hooks, so that the page shows
// replication as it progresses. Set WatchOptions.ReadAfterApply, so that
// an outcome carries the state an apply left.
type estateRecorder struct {
	live        *estateview.Live
	key, source string
}

var _ reconcile.Hooks = (*estateRecorder)(nil)

// newEstateRecorder returns the recorder of the configuration at key, which
// comes from source.
func newEstateRecorder(l *estateview.Live, key, source string) *estateRecorder {
	r := &estateRecorder{live: l, key: key, source: source}
	l.Update(key, source, func(*estateview.Configuration) {})
	return r
}

// Started records that a reconcile started, and why.
func (r *estateRecorder) Started(trigger string) {
	r.live.Update(r.key, r.source, func(c *estateview.Configuration) { c.Running = trigger })
}

// Outcome records how a reconcile ended: its states, its plan (pending
// unless it was applied) and its outcome.
func (r *estateRecorder) Outcome(o reconcile.Outcome) {
	r.live.Update(r.key, r.source, func(c *estateview.Configuration) {
		c.Running, c.Applying = "", nil
		last := &estateview.Reconcile{Outcome: o.Kind.String(), Trigger: o.Trigger, At: o.Started.Add(o.Duration), Duration: o.Duration,
			Applied: o.Apply.Count(reconcile.Done), Failed: o.Apply.Count(reconcile.Failed), NotLeader: o.NotLeader}
		if o.Err != nil {
			last.Error = o.Err.Error()
		}
		c.Last = last
		if o.Revision != "" {
			c.Revision = o.Revision
		}
		if o.Desired != nil {
			c.Desired, c.Name, c.Target = o.Desired, o.Desired.Name, reconcile.EncodeTarget(o.Desired.Target)
		}
		if o.Actual != nil {
			c.Actual = o.Actual
		}
		switch {
		case o.Kind == reconcile.InvalidConfig:
			// Nothing was planned: what the cloud holds stands, the plan
			// is unknown.
			c.Plan = nil
		case o.Kind == reconcile.Applied && o.Actual != nil:
			c.Plan = nil // applied, and read again: nothing pending
		case o.Plan != nil:
			c.Plan = o.Plan
		}
	})
}

// Planned records a reconcile's plan as it is computed (before it is
// applied), so that the page shows what an apply is doing.
func (r *estateRecorder) Planned(p *planner.Plan) {
	r.live.Update(r.key, r.source, func(c *estateview.Configuration) { c.Plan = p })
}

// PreApply records that a change started.
func (r *estateRecorder) PreApply(c *planner.Change) { r.applying(c, "running", nil) }

// PostApply records how a change ended.
func (r *estateRecorder) PostApply(c *planner.Change, res reconcile.ChangeResult) {
	r.applying(c, res.Status.String(), nil)
}

// Progress records a version's replication as the apply polled it.
func (r *estateRecorder) Progress(c *planner.Change, regions map[string]model.RegionReplication) {
	r.applying(c, "", regions)
}

func (r *estateRecorder) applying(ch *planner.Change, status string, regions map[string]model.RegionReplication) {
	r.live.Update(r.key, r.source, func(c *estateview.Configuration) {
		if c.Applying == nil {
			c.Applying = map[model.Address]estateview.Applying{}
		}
		a := c.Applying[ch.Address]
		if status != "" {
			a.Status = status
		}
		if regions != nil {
			a.Replication = maps.Clone(regions)
		}
		if a.Status == "" {
			a.Status = "running"
		}
		c.Applying[ch.Address] = a
	})
}
