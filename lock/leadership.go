package lock

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/curator-dev/curator/model"
)

// Leadership is watch's leader election: with --apply and a target whose
// lock is a blob, every watcher campaigns on a lease beside the lock blob
// (<lock blob>.leader); only the leader applies, the others plan only.
// Without a lock blob there is no election and a watch --apply leads
// alone. The campaign starts with the first valid configuration; before
// it, a watcher does not lead (it cannot know yet whether others share its
// target).
type Leadership struct {
	apply         bool
	ctx           context.Context // the campaign's; ends with stop
	end           context.CancelFunc
	campaigning   sync.WaitGroup
	stderr        io.Writer
	elected       func() // asks for a reconcile when this watcher becomes leader
	renewFailures prometheus.Counter
	applying      atomic.Int32 // applies running in a term

	mu      sync.Mutex
	elector *Elector
	lockURL string
	quota   *Quota
	// share, if set, spreads the elections over the replicas (SetShare).
	share    *Share
	shareKey string
	// alone is set once a configuration without a lock blob was
	// campaigned for: there is no election, and this watcher leads. Until
	// a configuration says which, a watcher does not lead.
	alone bool
}

// NewLeadership returns the election policy of a watcher: apply says
// whether it applies at all, stderr is told each change of leadership, and
// elected is called when this watcher becomes leader.
func NewLeadership(apply bool, stderr io.Writer, elected func()) *Leadership {
	// The campaign outlives a stop signal until the watch loop has let
	// its apply finish; stop then gives the lease up.
	ctx, end := context.WithCancel(context.Background())
	return &Leadership{apply: apply, ctx: ctx, end: end, stderr: stderr, elected: elected,
		renewFailures: prometheus.NewCounter(prometheus.CounterOpts{Name: "curator_lease_renew_failures_total", Help: "Failed renewals of blob leases (the leader election's and the apply lock's)."})}
}

// SetShare makes this election one of a repository's (key names the
// configuration in it), shared with the other replicas of the same watch;
// call it before Campaign.
func (l *Leadership) SetShare(s *Share, key string) {
	l.mu.Lock()
	l.share, l.shareKey = s, key
	l.mu.Unlock()
}

// Stop ends the campaign and gives the leader's lease up, so another
// watcher takes over at once.
func (l *Leadership) Stop() {
	l.end()
	l.campaigning.Wait()
	l.mu.Lock()
	q := l.quota
	l.mu.Unlock()
	if q != nil {
		q.Close()
	}
}

// Collectors are the election's metrics: curator_leader and lease renewal
// failures.
func (l *Leadership) Collectors() []prometheus.Collector {
	leader := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "curator_leader", Help: "1 on the watcher that applies (the elected leader), 0 elsewhere."}, func() float64 {
		if l.Leads() {
			return 1
		}
		return 0
	})
	return []prometheus.Collector{leader, l.renewFailures}
}

// OnRenewFailure counts a failed lease renewal.
func (l *Leadership) OnRenewFailure(error) { l.renewFailures.Inc() }

// Campaign starts the election for target t, once; it returns an error
// when the lock blob cannot be used.
func (l *Leadership) Campaign(t model.Target) error {
	if !l.apply {
		return nil
	}
	lb := t.BlobLock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if lb == nil {
		// No election: this watcher leads alone, unless it already
		// campaigns on a lock blob an earlier configuration named.
		l.alone = l.elector == nil
		return nil
	}
	l.alone = false
	if l.elector != nil {
		if l.lockURL != lb.Blob {
			fmt.Fprintf(l.stderr, "the lock blob changed to %s: restart watch to campaign on it (still on %s)\n", lb.Blob, l.lockURL)
		}
		return nil
	}
	lease, err := OpenBlobLease(lb.Blob+".leader", LeaseOptions{
		ConnectionString: os.Getenv(LockConnectionStringEnv),
		Cloud:            t.AzureCloud(),
		OnRenewFailure:   l.OnRenewFailure,
	})
	if err != nil {
		return fmt.Errorf("leader election: %w", err)
	}
	e := NewElector(lease)
	if l.share != nil {
		lb, err := model.ParseLockBlob(lb.Blob)
		if err != nil {
			return fmt.Errorf("leader election: %w", err)
		}
		q, err := l.share.Quota(l.shareKey, lb, t.AzureCloud())
		if err != nil {
			return fmt.Errorf("leader election: %w", err)
		}
		e.Quota, l.quota = q, q
		e.Busy = func() bool { return l.applying.Load() > 0 }
	}
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

// Leads reports whether this watcher applies now: it holds the election's
// lease, or it runs alone (its configuration has no lock blob). It is what
// curator_leader reads.
func (l *Leadership) Leads() bool {
	if !l.apply {
		return false
	}
	l.mu.Lock()
	e, alone := l.elector, l.alone
	l.mu.Unlock()
	if e == nil {
		return alone
	}
	return e.IsLeader()
}

// Term returns the context an apply runs in: ctx within the leader's term
// (it ends when the lease is lost), or ctx itself when there is no
// election; ok is false when this watcher must not apply. The apply runs
// until ctx ends: a replica sharing a repository's elections resigns this
// one only then.
func (l *Leadership) Term(ctx context.Context) (context.Context, bool) {
	if !l.apply {
		return nil, false
	}
	l.mu.Lock()
	e, alone := l.elector, l.alone
	l.mu.Unlock()
	if e == nil {
		if !alone {
			return nil, false
		}
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
	l.applying.Add(1)
	context.AfterFunc(run, func() {
		stop()
		l.applying.Add(-1)
	})
	return run, true
}

// Fence fails once this watcher is no longer the leader.
func (l *Leadership) Fence() error {
	if !l.Leads() {
		return ErrLeadershipLost
	}
	return nil
}
