package reconcile

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/curator-dev/curator/diag"
	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/planner"
	"github.com/curator-dev/curator/sources"
)

// OutcomeKind is how one reconcile of a watch ended.
type OutcomeKind int

const (
	// NoChanges: the cloud matches the configuration.
	NoChanges OutcomeKind = iota
	// ChangesPlanned: the plan has changes and the watch only plans
	// (drift).
	ChangesPlanned
	// Applied: the plan's changes were applied, every one of them.
	Applied
	// InvalidConfig is terminal: the configuration does not validate, and
	// the watch waits for the source to change instead of retrying.
	InvalidConfig
	// Errored: reading the source or the cloud failed, the plan was
	// refused, or the apply did not finish. The watch retries after a
	// backoff.
	Errored
)

func (k OutcomeKind) String() string {
	return [...]string{"no changes", "planned", "applied", "invalid configuration", "error"}[k]
}

// Outcome is what one reconcile did, controller-runtime style: a value the
// loop acts on (retry, wait for a change) and the caller reports.
type Outcome struct {
	Kind OutcomeKind
	// Trigger is why the reconcile ran: "start", "source changed",
	// "schedule", "retry".
	Trigger string
	// Revision of the configuration reconciled; "" when none was read.
	Revision string
	// Warnings from loading the configuration.
	Warnings diag.Diagnostics
	// Plan is the plan computed, nil when planning did not get that far.
	Plan *planner.Plan
	// Desired is the configuration planned and Actual the state of the
	// cloud it was planned against — read again after an apply when
	// WatchOptions.ReadAfterApply is set (nil when planning did not get
	// that far, or the read after the apply failed). Both are read-only:
	// views such as the estate page show them.
	Desired, Actual *model.State
	// NotLeader is set when changes were planned but another watcher
	// leads, so this one did not apply them.
	NotLeader bool
	// Apply is the result of applying Plan; empty unless an apply ran
	// (with Applied, or with Errored when it did not finish).
	Apply Result
	// Err says what went wrong, for InvalidConfig (an
	// *InvalidConfigError) and Errored.
	Err error
	// RetryAfter is, for Errored, when the watch tries again.
	RetryAfter time.Duration
	// Requests and Throttled count the Resource Manager requests of the
	// plan's read and the 429 answers among them.
	Requests, Throttled int64
	Started             time.Time
	Duration            time.Duration
}

// Succeeded reports whether the reconcile did what it was asked.
func (o Outcome) Succeeded() bool { return o.Kind <= Applied }

// WatchOptions steer a Watcher.
type WatchOptions struct {
	// Apply applies the plans; otherwise the watch only plans and reports
	// drift.
	Apply bool
	// Schedule is a cron schedule (5 fields, or "@every 15m") of extra
	// reconciles for drift detection; "" for none.
	Schedule string
	// MinBackoff and MaxBackoff bound the wait before retrying a failed
	// reconcile, doubling from the one to the other; default 5 s and 5 min.
	MinBackoff, MaxBackoff time.Duration
	// OnStart is told when a reconcile starts, and why.
	OnStart func(trigger string)
	// OnPlan is given a reconcile's plan before it is applied.
	OnPlan func(p *planner.Plan)
	// OnOutcome is given each reconcile's outcome.
	OnOutcome func(Outcome)
	// Leader, when set, elects which of several watchers applies; the
	// others only plan. Nil: this watcher always may apply.
	Leader Leader
	// ReadAfterApply reads the actual state again after an apply that
	// changed something, so that Outcome.Actual shows its result (one
	// more read per apply; the estate page wants it).
	ReadAfterApply bool
}

// Leader is a leader election among watchers of one target.
type Leader interface {
	// Campaign starts campaigning for the target (once; later calls do
	// nothing); an error means the election cannot be held.
	Campaign(t model.Target) error
	// Term returns the context an apply runs in (it ends when the
	// leadership does, or with ctx, which the watcher ends when the apply
	// is over) and whether this watcher leads now.
	Term(ctx context.Context) (context.Context, bool)
}

// Watcher is the long-running loop of a watch: it reconciles at start,
// when the source changes, on the schedule, and after a failure with a
// growing backoff; an invalid configuration waits for the source to change.
type Watcher struct {
	r        *Reconciler
	opts     WatchOptions
	sched    cron.Schedule
	triggers chan string

	mu        sync.Mutex
	succeeded bool
	// watchErr is set when the source's Watch ended with an error.
	watchErr error
	watching bool
}

// NewWatcher returns the watch loop of r.
func NewWatcher(r *Reconciler, opts WatchOptions) (*Watcher, error) {
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 5 * time.Second
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(5*time.Minute, opts.MinBackoff)
	}
	w := &Watcher{r: r, opts: opts, triggers: make(chan string, 1)}
	if opts.Schedule != "" {
		s, err := cron.ParseStandard(opts.Schedule)
		if err != nil {
			return nil, fmt.Errorf("schedule %q: %w (use 5 cron fields, e.g. \"*/15 * * * *\", or \"@every 15m\")", opts.Schedule, err)
		}
		w.sched = s
	}
	return w, nil
}

// dropPendingRetry takes a queued "retry" trigger back; any other pending
// trigger stays.
func (w *Watcher) dropPendingRetry() {
	select {
	case why := <-w.triggers:
		if why != "retry" {
			w.Trigger(why)
		}
	default:
	}
}

// Trigger asks for a reconcile; one pending request covers every trigger.
func (w *Watcher) Trigger(why string) {
	select {
	case w.triggers <- why:
	default:
	}
}

// Ready returns nil when the watch is ready: a reconcile has succeeded and
// the source is being watched. Otherwise it says why not.
func (w *Watcher) Ready() error {
	w.mu.Lock()
	succeeded, watching, watchErr := w.succeeded, w.watching, w.watchErr
	w.mu.Unlock()
	src := w.r.opts.Source
	switch {
	case watchErr != nil:
		return fmt.Errorf("not watching %s: %w", src, watchErr)
	case !watching:
		return fmt.Errorf("not watching %s yet", src)
	}
	if wr, ok := src.(sources.WatchReporter); ok {
		if err := wr.Watching(); err != nil {
			return err
		}
	}
	if !succeeded {
		return errors.New("no reconciliation has succeeded yet")
	}
	return nil
}

// Run reconciles until ctx is done, then returns nil once the source's
// watch has stopped too. A reconcile running when ctx ends is cancelled
// through it: an apply starts no further change, stops waiting for those
// running, and reports them Cancelled in its outcome.
func (w *Watcher) Run(ctx context.Context) error {
	log := w.r.log
	src := w.r.opts.Source
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	changed := make(chan struct{})
	watchDone := make(chan error, 1)
	w.mu.Lock()
	w.watching, w.watchErr = true, nil
	w.mu.Unlock()
	go func() { watchDone <- src.Watch(ctx, changed) }()
	defer func() {
		cancel()
		if watchDone != nil {
			<-watchDone
		}
	}()

	var next <-chan time.Time // the schedule's next reconcile
	var schedTimer *time.Timer
	arm := func() {
		if w.sched == nil {
			return
		}
		now := w.r.opts.Now()
		schedTimer = time.NewTimer(w.sched.Next(now).Sub(now))
		next = schedTimer.C
	}
	arm()
	defer func() {
		if schedTimer != nil {
			schedTimer.Stop()
		}
	}()

	var retry *time.Timer
	defer func() {
		if retry != nil {
			retry.Stop()
		}
	}()
	var backoff time.Duration

	w.Trigger("start")
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-watchDone:
			watchDone = nil
			if err == nil {
				err = errors.New("the watch ended")
			}
			w.mu.Lock()
			w.watching, w.watchErr = false, err
			w.mu.Unlock()
			log.Error("watching the source failed; reconciling on the schedule only", "source", src.String(), "error", err)
		case <-changed:
			w.Trigger("source changed")
		case <-next:
			arm()
			w.Trigger("schedule")
		case why := <-w.triggers:
			o := w.Reconcile(ctx, why)
			switch {
			case ctx.Err() != nil:
			case o.Kind == Errored:
				// Throttling, server errors, a failed fetch: try again
				// after a growing pause.
				backoff = min(max(2*backoff, w.opts.MinBackoff), w.opts.MaxBackoff)
				o.RetryAfter = backoff
				if retry != nil {
					retry.Stop()
				}
				retry = time.AfterFunc(backoff, func() { w.Trigger("retry") })
			default:
				// Succeeded, or an invalid configuration that waits for
				// the next change: a retry still pending from an earlier
				// failure has nothing left to retry.
				if retry != nil {
					retry.Stop()
					retry = nil
				}
				w.dropPendingRetry()
				if o.Succeeded() {
					backoff = 0
				}
			}
			if w.opts.OnOutcome != nil {
				w.opts.OnOutcome(o)
			}
		}
	}
}

// Reconcile runs one reconcile: load the configuration, plan against the
// cloud, and with WatchOptions.Apply apply the plan. It never panics on a
// failure: every way it can end is an Outcome.
func (w *Watcher) Reconcile(ctx context.Context, trigger string) Outcome {
	o := Outcome{Trigger: trigger, Started: time.Now()}
	if w.opts.OnStart != nil {
		w.opts.OnStart(trigger)
	}
	w.reconcile(ctx, &o)
	o.Duration = time.Since(o.Started)
	if o.Succeeded() {
		w.mu.Lock()
		w.succeeded = true
		w.mu.Unlock()
	}
	return o
}

func (w *Watcher) reconcile(ctx context.Context, o *Outcome) {
	p, err := w.r.Plan(ctx)
	if err != nil {
		var invalid *InvalidConfigError
		o.Kind, o.Err = Errored, err
		if errors.As(err, &invalid) {
			o.Kind, o.Revision = InvalidConfig, invalid.Revision
		}
		return
	}
	o.Revision, o.Warnings, o.Plan = p.Snapshot.Revision, p.Warnings, p.Plan
	o.Desired, o.Actual = p.Desired, p.actual
	o.Requests, o.Throttled = p.Plan.ARMRequests, p.Target().Cloud.Throttled()
	if w.opts.OnPlan != nil {
		w.opts.OnPlan(p.Plan)
	}
	if w.opts.Apply && w.opts.Leader != nil {
		// Campaign from the first valid configuration on, so that a
		// leader is known before there is anything to apply.
		if err := w.opts.Leader.Campaign(p.Desired.Target); err != nil {
			p.Close()
			o.Kind, o.Err = Errored, err
			return
		}
	}
	if err := planner.Refused(p.Refusals); err != nil {
		p.Close()
		o.Kind, o.Err = Errored, err
		return
	}
	switch {
	case !p.Plan.HasChanges():
		p.Close()
		o.Kind = NoChanges
		return
	case !w.opts.Apply:
		p.Close()
		o.Kind = ChangesPlanned
		return
	}
	if w.opts.Leader != nil {
		// The apply's context ends with it, so the election knows when
		// no apply runs (a replica resigns only then).
		var applied context.CancelFunc
		ctx, applied = context.WithCancel(ctx)
		defer applied()
		term, leads := w.opts.Leader.Term(ctx)
		if !leads {
			p.Close()
			o.Kind, o.NotLeader = ChangesPlanned, true
			return
		}
		ctx = term
	}
	o.Apply, err = w.r.ApplyPlanned(ctx, p)
	if w.opts.ReadAfterApply && o.Apply.Count(Done) > 0 {
		p.Close() // the apply may have closed it already
		o.Actual = nil
		if actual, rerr := w.r.readActual(ctx, p.Desired); rerr == nil {
			o.Actual = actual
		} else {
			w.r.log.Warn("reading the actual state after the apply failed", "error", rerr)
		}
	}
	p.Close()
	if err != nil {
		o.Kind, o.Err = Errored, err
		return
	}
	o.Kind = Applied
}
