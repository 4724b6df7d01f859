package lock

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// ErrLeadershipLost ends a leader's term: its lease was broken, taken, or
// not renewed in time.
var ErrLeadershipLost = errors.New("leadership lost")

// Elector elects one leader among the processes campaigning on the same
// blob lease (several `watch --apply` with the same lock): the one holding
// the lease leads; the others try again every Poll and take over once the
// lease is released or expires.
type Elector struct {
	lease *BlobLease
	// OnChange, if set, is told each change of leadership.
	OnChange func(leader bool, why string)
	// Quota, if set, bounds this election by the replica's share of a
	// repository's elections (Share): the elector campaigns only while
	// Take allows it, and resigns when Excess says so.
	Quota *Quota
	// Busy, if set, says a leader's apply runs: it resigns only after.
	Busy func() bool

	mu     sync.Mutex
	term   context.Context // nil while following
	held   *HeldLease
	leader atomic.Bool
}

// NewElector returns an elector campaigning on lease.
func NewElector(lease *BlobLease) *Elector { return &Elector{lease: lease} }

// Lease is the lease campaigned on.
func (e *Elector) Lease() *BlobLease { return e.lease }

// IsLeader reports whether this process leads now: it holds the lease and
// renewed it within the safe window.
func (e *Elector) IsLeader() bool {
	if !e.leader.Load() {
		return false
	}
	e.mu.Lock()
	h := e.held
	e.mu.Unlock()
	return h != nil && h.Err() == nil
}

// Term returns, while leading, a context that ends with the term (its
// cause wraps ErrLeadershipLost); ok is false while following.
func (e *Elector) Term() (term context.Context, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.term, e.term != nil
}

// Lost returns a channel closed when the current term ends: at once when
// not leading.
func (e *Elector) Lost() <-chan struct{} {
	if term, ok := e.Term(); ok {
		return term.Done()
	}
	closed := make(chan struct{})
	close(closed)
	return closed
}

// Campaign runs the election until ctx ends, then gives the lease up if it
// leads. Errors reaching the Blob service do not end it: they are reported
// through OnChange's why while following, and it tries again.
func (e *Elector) Campaign(ctx context.Context) error {
	poll := e.lease.opts.Poll
	lastWhy := ""
	for {
		if e.Quota != nil && !e.Quota.Take() {
			// This replica leads its share: leave it to the others.
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(poll):
			}
			continue
		}
		h, err := e.lease.TryAcquire(ctx)
		if err != nil && e.Quota != nil {
			e.Quota.Return()
		}
		switch {
		case err == nil:
			e.lead(ctx, h)
			if e.Quota != nil {
				e.Quota.Return()
			}
			lastWhy = ""
		case ctx.Err() != nil:
		default:
			why := err.Error()
			if !errors.Is(err, ErrLeaseHeld) && why != lastWhy && e.OnChange != nil {
				e.OnChange(false, "cannot campaign: "+why)
			}
			lastWhy = why
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(poll):
		}
	}
}

// lead holds the term until the lease is lost or ctx ends.
func (e *Elector) lead(ctx context.Context, h *HeldLease) {
	// The term ends only through end, so its cause always says why.
	term, end := context.WithCancelCause(context.WithoutCancel(ctx))
	e.mu.Lock()
	e.term, e.held = term, h
	e.mu.Unlock()
	e.leader.Store(true)
	if e.OnChange != nil {
		e.OnChange(true, "holds the lease on "+e.lease.url)
	}
	var excess <-chan time.Time // a replica's share is checked every Poll
	if e.Quota != nil {
		tick := time.NewTicker(e.lease.opts.Poll)
		defer tick.Stop()
		excess = tick.C
	}
	var why error
	for why == nil {
		select {
		case <-h.Lost():
			why = fmt.Errorf("%w: %w", ErrLeadershipLost, h.Err())
		case <-ctx.Done():
			why = fmt.Errorf("%w: stopping", ErrLeadershipLost)
		case <-excess:
			if (e.Busy == nil || !e.Busy()) && e.Quota.Excess() {
				r, n, _ := e.Quota.Counts()
				why = fmt.Errorf("%w: resigned, this replica leads more than its share of %d configurations over %d replicas", ErrLeadershipLost, n, r)
			}
		}
	}
	// Stop leading before anything else, so no write starts after this.
	e.leader.Store(false)
	end(why)
	e.mu.Lock()
	e.term, e.held = nil, nil
	e.mu.Unlock()
	h.Release()
	if e.OnChange != nil {
		e.OnChange(false, why.Error())
	}
}
