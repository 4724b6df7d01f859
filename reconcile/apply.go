// Package reconcile runs curator: it reads a configuration snapshot, loads
// and validates it, reads the actual state of the target, plans, and applies
// the plan — walking its dependency graph with bounded parallelism, waiting
// for long-running operations with progress, retrying what is transient,
// under a lock so that one applier writes at a time. It also holds the
// watch and schedule loops and drift detection.
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
	"github.com/curator-dev/curator/planner"
	"github.com/curator-dev/curator/schema"
)

// Status is how a change ended.
type Status int

const (
	Done Status = iota
	Failed
	Skipped
)

func (s Status) String() string { return [...]string{"done", "failed", "skipped"}[s] }

// ChangeResult is the outcome of one change.
type ChangeResult struct {
	Address  schema.Address
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

// Err summarises failures; nil when every change was done.
func (r Result) Err() error {
	failed, skipped := r.Count(Failed), r.Count(Skipped)
	if failed+skipped == 0 {
		return nil
	}
	var errs []error
	for _, c := range r.Changes {
		if c.Status == Failed {
			errs = append(errs, c.Err)
		}
	}
	return fmt.Errorf("%d of %d changes failed and %d were skipped: %w", failed, len(r.Changes), skipped, errors.Join(errs...))
}

// Hooks observe an apply. Calls may come from several goroutines at once.
type Hooks interface {
	PreApply(c *planner.Change)
	PostApply(c *planner.Change, r ChangeResult)
	Progress(c *planner.Change, regions map[string]schema.RegionReplication)
}

// ApplyOptions steer Apply.
type ApplyOptions struct {
	// Parallelism bounds the changes running at once; default 8.
	Parallelism int
	// NoWait returns once Resource Manager accepted each version request,
	// without waiting for replication.
	NoWait bool
	Hooks  Hooks
	// Retries of a change that failed transiently, beyond the SDK's own
	// request retries; default 3.
	Retries int
	// Backoff before the first retry, doubling after; default 2s.
	Backoff time.Duration
}

// Apply carries out plan's changes against cloud in dependency order: each
// change starts when the changes it depends on are done; a failed change
// skips its dependents, and the rest go on.
func Apply(ctx context.Context, cloud Cloud, plan *planner.Plan, opts ApplyOptions) Result {
	if opts.Parallelism <= 0 {
		opts.Parallelism = 8
	}
	if opts.Retries <= 0 {
		opts.Retries = 3
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 2 * time.Second
	}
	n := len(plan.Changes)
	results := make([]ChangeResult, n) // each goroutine writes its own slot
	done := make([]chan struct{}, n)
	index := make(map[schema.Address]int, n)
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
			res := ChangeResult{Address: c.Address, Action: c.Action}
			for _, dep := range c.DependsOn {
				j, ok := index[dep]
				if !ok {
					continue
				}
				select {
				case <-done[j]:
				case <-ctx.Done():
				}
				if results[j].Status != Done || ctx.Err() != nil {
					res.Status = Skipped
					res.Err = fmt.Errorf("%s: skipped: upstream dependency %s did not complete", c.Address, dep)
					results[i] = res
					return
				}
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				res.Status, res.Err = Skipped, fmt.Errorf("%s: skipped: %w", c.Address, ctx.Err())
				results[i] = res
				return
			}
			defer func() { <-sem }()
			if opts.Hooks != nil {
				opts.Hooks.PreApply(c)
			}
			start := time.Now()
			err := ex.withRetry(ctx, c)
			res.Duration = time.Since(start)
			if err != nil {
				res.Status, res.Err = Failed, err
			}
			results[i] = res
			if opts.Hooks != nil {
				opts.Hooks.PostApply(c, res)
			}
		}()
	}
	wg.Wait()
	return Result{Changes: results}
}

type executor struct {
	cloud Cloud
	plan  *planner.Plan
	opts  ApplyOptions
}

func (ex *executor) withRetry(ctx context.Context, c *planner.Change) error {
	delay := ex.opts.Backoff
	var err error
	for attempt := 0; ; attempt++ {
		err = ex.apply(ctx, c)
		if err == nil || !azure.IsTransient(err) || attempt >= ex.opts.Retries {
			return err
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		}
		delay *= 2
	}
}

func (ex *executor) progress(c *planner.Change) func(map[string]schema.RegionReplication) {
	if ex.opts.Hooks == nil {
		return nil
	}
	return func(m map[string]schema.RegionReplication) { ex.opts.Hooks.Progress(c, m) }
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

func scopeOf(c *planner.Change) schema.Address {
	if c.Image != "" {
		return schema.ImageAddress(c.Gallery, c.Image)
	}
	return schema.GalleryAddress(c.Gallery)
}

func (ex *executor) delete(ctx context.Context, c *planner.Change) error {
	switch c.Kind {
	case planner.KindGallery:
		return ex.cloud.DeleteGallery(ctx, c.Gallery)
	case planner.KindImage:
		return ex.cloud.DeleteImage(ctx, c.Gallery, c.Image)
	case planner.KindVersion:
		return ex.cloud.DeleteVersion(ctx, c.Gallery, c.Image, c.Version)
	case planner.KindShare:
		s, _ := c.Before.(*schema.Share)
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
	case *schema.Gallery:
		return ex.cloud.CreateGallery(ctx, c.Gallery, after)
	case *schema.ImageDefinition:
		return ex.cloud.CreateImage(ctx, c.Gallery, c.Image, after)
	case *schema.ImageVersion:
		return ex.cloud.CreateVersion(ctx, c.Gallery, c.Image, c.Version, after, ex.opts.NoWait, ex.progress(c))
	case *schema.Share:
		return ex.cloud.CreateRoleAssignment(ctx, scopeOf(c), after)
	case *schema.Sharing:
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
		if k != schema.ManagedByTag {
			out[k] = v
		}
	}
	return out
}

func (ex *executor) update(ctx context.Context, c *planner.Change) error {
	switch after := c.After.(type) {
	case *schema.Gallery:
		g := *after
		if before, ok := c.Before.(*schema.Gallery); ok {
			g.Tags = keepTags(after.Tags, before.Tags)
		}
		return ex.cloud.UpdateGallery(ctx, c.Gallery, &g)
	case *schema.ImageDefinition:
		d := *after
		if before, ok := c.Before.(*schema.ImageDefinition); ok {
			d.Tags = keepTags(after.Tags, before.Tags)
		}
		return ex.cloud.UpdateImage(ctx, c.Gallery, c.Image, &d)
	case *schema.ImageVersion:
		v := *after
		if before, ok := c.Before.(*schema.ImageVersion); ok {
			v.Tags = keepTags(after.Tags, before.Tags)
			if v.Source == nil {
				v.Source = before.Source
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
				step.Regions = map[string]schema.TargetRegion{}
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
	case *schema.Sharing:
		return ex.sharing(ctx, c)
	}
	return fmt.Errorf("%s: the plan has nothing to update", c.Address)
}
