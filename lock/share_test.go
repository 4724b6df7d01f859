package lock_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/curator-dev/curator/internal/azurite"
	"github.com/curator-dev/curator/lock"
	"github.com/curator-dev/curator/model"
)

// replica is one process's share of a repository's elections, in
// process: a Share and an elector per configuration.
type replica struct {
	share    *lock.Share
	electors []*lock.Elector
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

func startReplica(t *testing.T, cs, repo string, urls []string) *replica {
	return startBusyReplica(t, cs, repo, urls, nil)
}

// startBusyReplica starts a replica whose leaders apply while busy is
// set.
func startBusyReplica(t *testing.T, cs, repo string, urls []string, busy *atomic.Bool) *replica {
	t.Helper()
	opts := lock.LeaseOptions{ConnectionString: cs, Poll: 100 * time.Millisecond}
	r := &replica{share: lock.NewShare(repo, opts)}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	for i, u := range urls {
		lb, err := model.ParseLockBlob(u)
		if err != nil {
			t.Fatal(err)
		}
		q, err := r.share.Quota(fmt.Sprintf("c%d", i), lb, "")
		if err != nil {
			t.Fatal(err)
		}
		e := lock.NewElector(openLease(t, cs, u+".leader", repo, 0))
		e.Quota = q
		if busy != nil {
			e.Busy = busy.Load
		}
		r.electors = append(r.electors, e)
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			e.Campaign(ctx)
			q.Close()
		}()
	}
	t.Cleanup(r.stop)
	return r
}

// stop ends the replica as a stopping watch does: its elections and its
// member slot are given up.
func (r *replica) stop() {
	r.cancel()
	r.wg.Wait()
	r.share.Close()
}

func (r *replica) leads() (n int, which []int) {
	for i, e := range r.electors {
		if e.IsLeader() {
			n++
			which = append(which, i)
		}
	}
	return n, which
}

// TestShareSpreadsElections: replicas of one repository count each other
// through their member slots and lead ⌈N/R⌉ elections each; when one
// stops, the others take its elections; replicas of another repository
// in the same container are not counted.
func TestShareSpreadsElections(t *testing.T) {
	az := azurite.Shared(t)
	cs := az.ConnectionString()
	const n = 6
	var urls []string
	for i := range n {
		urls = append(urls, fmt.Sprintf("%s-c%d", lockURL(t), i))
	}
	repo := t.Name()
	// A replica of another repository with its own configurations in the
	// same container: it must not make R larger for this one.
	var others []string
	for i := range 2 {
		others = append(others, fmt.Sprintf("%s-other%d", lockURL(t), i))
	}
	startReplica(t, cs, repo+"-other", others)

	until := func(rs []*replica, want []int) {
		t.Helper()
		untilSpread(t, n, rs, want)
	}
	a := startReplica(t, cs, repo, urls)
	until([]*replica{a}, []int{6})
	b := startReplica(t, cs, repo, urls)
	until([]*replica{a, b}, []int{3, 3})
	c := startReplica(t, cs, repo, urls)
	until([]*replica{a, b, c}, []int{2, 2, 2})
	b.stop()
	until([]*replica{a, c}, []int{3, 3})
}

// untilSpread waits for every one of n elections to have exactly one
// leader and each replica to lead want[i].
func untilSpread(t *testing.T, n int, rs []*replica, want []int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var got []int
	for time.Now().Before(deadline) {
		got = got[:0]
		leaders := make([]int, n)
		for _, r := range rs {
			c, which := r.leads()
			got = append(got, c)
			for _, i := range which {
				leaders[i]++
			}
		}
		ok := true
		for i := range n {
			ok = ok && leaders[i] == 1
		}
		for i := range rs {
			ok = ok && got[i] == want[i]
		}
		if ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("replicas lead %v, want %v", got, want)
}

// TestShareResignsOnlyBetweenApplies: a replica over its share keeps the
// elections whose apply runs, and resigns them once it is over.
func TestShareResignsOnlyBetweenApplies(t *testing.T) {
	az := azurite.Shared(t)
	cs := az.ConnectionString()
	const n = 4
	var urls []string
	for i := range n {
		urls = append(urls, fmt.Sprintf("%s-c%d", lockURL(t), i))
	}
	var busy atomic.Bool
	busy.Store(true)
	a := startBusyReplica(t, cs, t.Name(), urls, &busy)
	untilSpread(t, n, []*replica{a}, []int{4})
	b := startReplica(t, cs, t.Name(), urls)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if r, _, _ := a.electors[0].Quota.Counts(); r == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first replica does not count the second")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // five of its share checks
	if got, _ := a.leads(); got != n {
		t.Errorf("a busy replica leads %d of %d, want all: it resigned during an apply", got, n)
	}
	busy.Store(false)
	untilSpread(t, n, []*replica{a, b}, []int{2, 2})
}
