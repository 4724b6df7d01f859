// Package reconcile runs curator: it reads a configuration snapshot, loads
// and validates it, reads the actual state of the target, plans, and applies
// the plan — walking its dependency graph with bounded parallelism, waiting
// for long-running operations with progress, under a lock so that one
// applier writes at a time (transient failures are retried by the cloud
// client's retry policy alone). It also holds the watch and schedule loops,
// with a typed Outcome per reconcile, and drift detection.
//
// reconcile decides nothing about what to change: that is the planner's.
package reconcile

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/curator-dev/curator/cloud/azure"
	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/planner"
)

// Status is how a change ended.
type Status int

const (
	Done Status = iota
	Failed
	// Skipped: a change it depends on failed, so it was not started.
	Skipped
	// Cancelled: the apply was interrupted (its context ended) before the
	// change started, or while it ran. A change cut short may still finish
	// in the cloud; the next plan shows where it stands.
	Cancelled
)

func (s Status) String() string { return [...]string{"done", "failed", "skipped", "cancelled"}[s] }

// ChangeResult is the outcome of one change.
type ChangeResult struct {
	Address  model.Address
	Action   planner.Action
	Status   Status
	Err      error
	Duration time.Duration
}

// Result is the outcome of applying a plan, one entry per change in plan
// order.
type Result struct {
	Changes []ChangeResult
}

// Count returns how many changes ended with status s.
func (r Result) Count(s Status) int {
	n := 0
	for _, c := range r.Changes {
		if c.Status == s {
			n++
		}
	}
	return n
}

// Interrupted reports whether the apply was cut short by its context:
// some changes were cancelled.
func (r Result) Interrupted() bool { return r.Count(Cancelled) > 0 }

// Err summarises failures; nil when every change was done. When the apply
// was interrupted, errors.Is(err, context.Canceled) (or the context's
// other error) holds.
func (r Result) Err() error {
	failed, skipped, cancelled := r.Count(Failed), r.Count(Skipped), r.Count(Cancelled)
	if failed+skipped+cancelled == 0 {
		return nil
	}
	var errs []error
	var interrupted error
	for _, c := range r.Changes {
		switch {
		case c.Status == Failed:
			errs = append(errs, c.Err)
		case c.Status == Cancelled && interrupted == nil:
			interrupted = c.Err
		}
	}
	if cancelled > 0 {
		errs = append(errs, fmt.Errorf("the apply was interrupted: %w", interrupted))
		return fmt.Errorf("%d of %d changes failed, %d were skipped and %d cancelled: %w", failed, len(r.Changes), skipped, cancelled, errors.Join(errs...))
	}
	return fmt.Errorf("%d of %d changes failed and %d were skipped: %w", failed, len(r.Changes), skipped, errors.Join(errs...))
}

// Hooks observe an apply. Calls may come from several goroutines at once.
type Hooks interface {
	PreApply(c *planner.Change)
	PostApply(c *planner.Change, r ChangeResult)
	Progress(c *planner.Change, regions map[string]model.RegionReplication)
}

// ApplyOptions steer Apply.
type ApplyOptions struct {
	// Parallelism bounds the changes running at once; default 8.
	Parallelism int
	// NoWait returns once Resource Manager accepted each version request,
	// without waiting for replication.
	NoWait bool
	Hooks  Hooks
}

// Apply carries out plan's changes against cloud in dependency order: each
// change starts when the changes it depends on are done; a failed change
// skips its dependents, and the rest go on.
//
// When ctx ends, no further change starts, running ones are cut short
// (their requests are cancelled), and every change that did not finish is
// Cancelled; Apply still returns a result for every change.
//
// Each change is tried once: transient failures (throttling, server
// errors, dropped connections) are retried by the cloud client's retry
// policy, which honours Retry-After, and by nothing else, so that the
// attempts for one change are at most that policy's.
func Apply(ctx context.Context, cloud Cloud, plan *planner.Plan, opts ApplyOptions) Result {
	if opts.Parallelism <= 0 {
		opts.Parallelism = 8
	}
	n := len(plan.Changes)
	// Each goroutine writes its own slot, then closes its done channel;
	// another reads a slot only after that channel closed (never on the
	// cancellation path, where the writer may still be running).
	results := make([]ChangeResult, n)
	done := make([]chan struct{}, n)
	index := make(map[model.Address]int, n)
	for i, c := range plan.Changes {
		done[i] = make(chan struct{})
		index[c.Address] = i
	}
	ex := &executor{cloud: cloud, plan: plan, opts: opts}
	sem := make(chan struct{}, opts.Parallelism)
	var wg sync.WaitGroup
	for i, c := range plan.Changes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[i])
			results[i] = ex.run(ctx, c, sem, func(dep model.Address) (Status, bool) {
				j, ok := index[dep]
				if !ok {
					return Done, true
				}
				select {
				case <-done[j]:
					return results[j].Status, true
				case <-ctx.Done():
					return 0, false
				}
			})
		}()
	}
	wg.Wait()
	return Result{Changes: results}
}

// run carries out change c once what it depends on is done and a slot of
// sem is free. wait blocks until dependency dep finished and returns its
// status, or returns false when ctx ended first.
func (ex *executor) run(ctx context.Context, c *planner.Change, sem chan struct{}, wait func(dep model.Address) (Status, bool)) ChangeResult {
	res := ChangeResult{Address: c.Address, Action: c.Action}
	notStarted := func() ChangeResult {
		res.Status, res.Err = Cancelled, fmt.Errorf("%s: not started: %w", c.Address, context.Cause(ctx))
		return res
	}
	for _, dep := range c.DependsOn {
		status, ok := wait(dep)
		switch {
		case !ok:
			return notStarted()
		case status == Cancelled:
			res.Status, res.Err = Cancelled, fmt.Errorf("%s: not started: upstream dependency %s was cancelled: %w", c.Address, dep, context.Cause(ctx))
			return res
		case status != Done:
			res.Status, res.Err = Skipped, fmt.Errorf("%s: skipped: upstream dependency %s did not complete", c.Address, dep)
			return res
		}
	}
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return notStarted()
	}
	defer func() { <-sem }()
	if ctx.Err() != nil {
		// Both were ready and select chose the slot.
		return notStarted()
	}
	if ex.opts.Hooks != nil {
		ex.opts.Hooks.PreApply(c)
	}
	start := time.Now()
	err := ex.apply(ctx, c)
	res.Duration = time.Since(start)
	switch {
	case err != nil && ctx.Err() != nil:
		res.Status, res.Err = Cancelled, fmt.Errorf("%s: cut short by %w: %v", c.Address, context.Cause(ctx), err)
	case err != nil:
		res.Status, res.Err = Failed, err
	}
	if ex.opts.Hooks != nil {
		ex.opts.Hooks.PostApply(c, res)
	}
	return res
}

type executor struct {
	cloud Cloud
	plan  *planner.Plan
	opts  ApplyOptions
}

func (ex *executor) progress(c *planner.Change) func(map[string]model.RegionReplication) {
	if ex.opts.Hooks == nil {
		return nil
	}
	return func(m map[string]model.RegionReplication) { ex.opts.Hooks.Progress(c, m) }
}

// ignoreNotFound treats deleting what is already gone as success.
func ignoreNotFound(err error) error {
	if azure.IsNotFound(err) {
		return nil
	}
	return err
}

// apply carries out one change.
func (ex *executor) apply(ctx context.Context, c *planner.Change) error {
	switch c.Action {
	case planner.Delete:
		return ignoreNotFound(ex.delete(ctx, c))
	case planner.Replace:
		if c.Reason != planner.ReasonParentReplaced {
			// Delete the subtree the replace takes with it, deepest first,
			// then the resource itself.
			for _, child := range ex.replacedDescendants(c) {
				if err := ignoreNotFound(ex.delete(ctx, child)); err != nil {
					return err
				}
			}
		}
		if err := ignoreNotFound(ex.delete(ctx, c)); err != nil {
			return err
		}
		return ex.create(ctx, c)
	case planner.Create:
		return ex.create(ctx, c)
	case planner.Update, planner.Adopt:
		return ex.update(ctx, c)
	}
	return nil
}

// replacedDescendants are the changes replaced because c is, deepest first.
func (ex *executor) replacedDescendants(c *planner.Change) []*planner.Change {
	var out []*planner.Change
	for _, o := range ex.plan.Changes {
		if o == c || o.Action != planner.Replace || o.Reason != planner.ReasonParentReplaced || o.Before == nil || o.Kind == planner.KindShare {
			continue
		}
		if o.Gallery == c.Gallery && (c.Kind == planner.KindGallery || o.Image == c.Image) {
			out = append(out, o)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Kind == planner.KindVersion && out[j].Kind != planner.KindVersion })
	return out
}

func scopeOf(c *planner.Change) model.Address {
	if c.Image != "" {
		return model.ImageAddress(c.Gallery, c.Image)
	}
	return model.GalleryAddress(c.Gallery)
}

func (ex *executor) delete(ctx context.Context, c *planner.Change) error {
	switch c.Kind {
	case planner.KindGallery:
		// The service deletes a community gallery only once its sharing
		// is reset.
		if g, ok := c.Before.(*model.Gallery); ok && g.Sharing != nil && g.Sharing.Permission == "Community" {
			if err := ex.cloud.UpdateSharing(ctx, c.Gallery, "Reset", nil, nil); err != nil {
				return fmt.Errorf("reset the community sharing of gallery %s before deleting it: %w", c.Gallery, err)
			}
		}
		return ex.cloud.DeleteGallery(ctx, c.Gallery)
	case planner.KindImage:
		return ex.cloud.DeleteImage(ctx, c.Gallery, c.Image)
	case planner.KindVersion:
		return ex.cloud.DeleteVersion(ctx, c.Gallery, c.Image, c.Version)
	case planner.KindShare:
		s, _ := c.Before.(*model.Share)
		if s == nil {
			return fmt.Errorf("%s: the plan has no role assignment to delete", c.Address)
		}
		return ex.cloud.DeleteRoleAssignment(ctx, scopeOf(c), s)
	case planner.KindSharing:
		return ex.cloud.UpdateSharing(ctx, c.Gallery, "Reset", nil, nil)
	}
	return fmt.Errorf("%s: unknown kind %q", c.Address, c.Kind)
}

func (ex *executor) create(ctx context.Context, c *planner.Change) error {
	switch after := c.After.(type) {
	case *model.Gallery:
		return ex.cloud.CreateGallery(ctx, c.Gallery, after)
	case *model.ImageDefinition:
		return ex.cloud.CreateImage(ctx, c.Gallery, c.Image, after)
	case *model.ImageVersion:
		return ex.cloud.CreateVersion(ctx, c.Gallery, c.Image, c.Version, after, ex.opts.NoWait, ex.progress(c))
	case *model.Share:
		return ex.cloud.CreateRoleAssignment(ctx, scopeOf(c), after)
	case *model.Sharing:
		return ex.sharing(ctx, c)
	}
	return fmt.Errorf("%s: the plan has nothing to create", c.Address)
}

func (ex *executor) sharing(ctx context.Context, c *planner.Change) error {
	for _, op := range c.Sharing {
		if err := ex.cloud.UpdateSharing(ctx, c.Gallery, op.Operation, op.Subscriptions, op.Tenants); err != nil {
			return err
		}
	}
	return nil
}

// keepTags returns the tags to write on an update: the declared ones, or —
// when the configuration declares none — those the resource has, so tags
// set by others (e.g. a build pipeline) survive.
func keepTags(declared, existing map[string]string) map[string]string {
	if declared != nil {
		return declared
	}
	out := map[string]string{}
	for k, v := range existing {
		if k != model.ManagedByTag {
			out[k] = v
		}
	}
	return out
}

func (ex *executor) update(ctx context.Context, c *planner.Change) error {
	switch after := c.After.(type) {
	case *model.Gallery:
		g := *after
		if before, ok := c.Before.(*model.Gallery); ok {
			g.Tags = keepTags(after.Tags, before.Tags)
		}
		return ex.cloud.UpdateGallery(ctx, c.Gallery, &g)
	case *model.ImageDefinition:
		d := *after
		if before, ok := c.Before.(*model.ImageDefinition); ok {
			d.Tags = keepTags(after.Tags, before.Tags)
		}
		return ex.cloud.UpdateImage(ctx, c.Gallery, c.Image, &d)
	case *model.ImageVersion:
		v := *after
		if before, ok := c.Before.(*model.ImageVersion); ok {
			v.Tags = keepTags(after.Tags, before.Tags)
			if v.Source == nil {
				v.Source = before.Source
			}
		}
		// A safety profile that keeps replicated regions, lifted in the
		// same change that removes one: the profile goes first, with the
		// regions as they are, so that the removal is allowed.
		if before, ok := c.Before.(*model.ImageVersion); ok && c.Replication != nil && len(c.Replication.Removed) > 0 &&
			before.Safety != nil && !before.Safety.AllowDeletionOfReplicatedLocations && (v.Safety == nil || v.Safety.AllowDeletionOfReplicatedLocations) {
			step := v
			step.Regions = map[string]model.TargetRegion{}
			for name, tr := range before.Regions {
				step.Regions[name] = tr
			}
			step.EdgeZones = before.EdgeZones
			if err := ex.cloud.UpdateVersion(ctx, c.Gallery, c.Image, c.Version, &step, false, ex.progress(c)); err != nil {
				return err
			}
		}
		// A region whose storage type changes is removed first, then added
		// again: the service cannot change it in place.
		if r := c.Replication; r != nil {
			readded := map[string]bool{}
			for _, a := range r.Added {
				for _, rm := range r.Removed {
					if a.Region == rm.Region {
						readded[a.Region] = true
					}
				}
			}
			if len(readded) > 0 {
				step := v
				step.Regions = map[string]model.TargetRegion{}
				for name, tr := range v.Regions {
					if !readded[name] {
						step.Regions[name] = tr
					}
				}
				if err := ex.cloud.UpdateVersion(ctx, c.Gallery, c.Image, c.Version, &step, false, ex.progress(c)); err != nil {
					return err
				}
			}
		}
		return ex.cloud.UpdateVersion(ctx, c.Gallery, c.Image, c.Version, &v, ex.opts.NoWait, ex.progress(c))
	case *model.Sharing:
		return ex.sharing(ctx, c)
	}
	return fmt.Errorf("%s: the plan has nothing to update", c.Address)
}
