package main

import (
	"context"
	"fmt"
	"github.com/curator-dev/curator/model"
	"io"
	"os"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/curator-dev/curator/reconcile"
)

// leadership is watch's leader election: with --apply and a target whose
// lock is a blob, every watcher campaigns on a lease beside the lock blob
// (<lock blob>.leader); only the leader applies, the others plan only.
// Without a lock blob there is no election and a watch --apply leads
// alone. The campaign starts with the first valid configuration.
type leadership struct {
	apply         bool
	ctx           context.Context // the campaign's; ends with stop
	end           context.CancelFunc
	campaigning   sync.WaitGroup
	stderr        io.Writer
	elected       func() // asks for a reconcile when this watcher becomes leader
	renewFailures prometheus.Counter

	mu      sync.Mutex
	elector *reconcile.Elector
	lockURL string
}

func newLeadership(apply bool, stderr io.Writer, elected func()) *leadership {
	// The campaign outlives a stop signal until the watch loop has let
	// its apply finish; stop then gives the lease up.
	ctx, end := context.WithCancel(context.Background())
	return &leadership{apply: apply, ctx: ctx, end: end, stderr: stderr, elected: elected,
		renewFailures: prometheus.NewCounter(prometheus.CounterOpts{Name: "curator_lease_renew_failures_total", Help: "Failed renewals of blob leases (the leader election's and the apply lock's)."})}
}

// stop ends the campaign and gives the leader's lease up, so another
// watcher takes over at once.
func (l *leadership) stop() {
	l.end()
	l.campaigning.Wait()
}

// collectors are the election's metrics: curator_leader and lease renewal
// failures.
func (l *leadership) collectors() []prometheus.Collector {
	leader := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "curator_leader", Help: "1 on the watcher that applies (the elected leader), 0 elsewhere."}, func() float64 {
		if l.leads() {
			return 1
		}
		return 0
	})
	return []prometheus.Collector{leader, l.renewFailures}
}

// onRenewFailure counts a failed lease renewal.
func (l *leadership) onRenewFailure(error) { l.renewFailures.Inc() }

// Campaign starts the election for target t, once; it returns an error
// when the lock blob cannot be used.
func (l *leadership) Campaign(t model.Target) error {
	lb := t.BlobLock()
	if !l.apply || lb == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.elector != nil {
		if l.lockURL != lb.Blob {
			fmt.Fprintf(l.stderr, "the lock blob changed to %s: restart watch to campaign on it (still on %s)\n", lb.Blob, l.lockURL)
		}
		return nil
	}
	lease, err := reconcile.OpenBlobLease(lb.Blob+".leader", reconcile.LeaseOptions{
		ConnectionString: os.Getenv(reconcile.LockConnectionStringEnv),
		OnRenewFailure:   l.onRenewFailure,
	})
	if err != nil {
		return fmt.Errorf("leader election: %w", err)
	}
	e := reconcile.NewElector(lease)
	e.OnChange = func(leader bool, why string) {
		if leader {
			fmt.Fprintf(l.stderr, "leader: %s\n", why)
			l.elected()
			return
		}
		fmt.Fprintf(l.stderr, "not leading: %s\n", why)
	}
	l.elector, l.lockURL = e, lb.Blob
	l.campaigning.Add(1)
	go func() {
		defer l.campaigning.Done()
		e.Campaign(l.ctx)
	}()
	return nil
}

// leads reports whether this watcher applies now.
func (l *leadership) leads() bool {
	if !l.apply {
		return false
	}
	l.mu.Lock()
	e := l.elector
	l.mu.Unlock()
	return e == nil || e.IsLeader()
}

// Term returns the context an apply runs in: ctx within the leader's term
// (it ends when the lease is lost), or ctx itself when there is no
// election; ok is false when this watcher must not apply.
func (l *leadership) Term(ctx context.Context) (context.Context, bool) {
	if !l.apply {
		return nil, false
	}
	l.mu.Lock()
	e := l.elector
	l.mu.Unlock()
	if e == nil {
		return ctx, true
	}
	// The apply ends with the term (the lease lost) or with ctx (a stop
	// signal), whichever comes first.
	term, ok := e.Term()
	if !ok {
		return nil, false
	}
	run, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(term, func() { cancel(context.Cause(term)) })
	context.AfterFunc(run, func() { stop() })
	return run, true
}

// fence fails once this watcher is no longer the leader.
func (l *leadership) fence() error {
	if !l.leads() {
		return reconcile.ErrLeadershipLost
	}
	return nil
}
