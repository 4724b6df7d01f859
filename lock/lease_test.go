package lock_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/curator-dev/curator/internal/azurite"
	"github.com/curator-dev/curator/lock"
)

// lockURL is a fresh lock blob per test: the host names the account the
// connection string points at anyway.
func lockURL(t *testing.T) string {
	return fmt.Sprintf("https://%s.blob.core.windows.net/locks/%s", azurite.Account, strings.ReplaceAll(t.Name(), "/", "-"))
}

// openLease opens the lease on url through Azurite at connection string cs.
func openLease(t *testing.T, cs, url, holder string, renewEvery time.Duration) *lock.BlobLease {
	t.Helper()
	l, err := lock.OpenBlobLease(url, lock.LeaseOptions{ConnectionString: cs, Holder: holder, RenewEvery: renewEvery, Poll: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestBlobLeaseExcludesAndNamesItsHolder(t *testing.T) {
	az := azurite.Shared(t)
	ctx := context.Background()
	url := lockURL(t)
	a := openLease(t, az.ConnectionString(), url, "runner-a", 0)
	b := openLease(t, az.ConnectionString(), url, "runner-b", 0)

	held, err := a.TryAcquire(ctx)
	if err != nil {
		t.Fatalf("the first taker (the blob and its container do not exist yet): %v", err)
	}
	_, err = b.TryAcquire(ctx)
	if !errors.Is(err, lock.ErrLeaseHeld) || !strings.Contains(err.Error(), "held by runner-a since ") {
		t.Fatalf("a second taker got %v, want ErrLeaseHeld naming runner-a and since when", err)
	}
	// A timeout of 0 tries once and says how to proceed.
	if _, err := b.Acquire(ctx, 0, nil); !errors.Is(err, lock.ErrLocked) || !strings.Contains(err.Error(), "--lock-timeout") || !strings.Contains(err.Error(), url) {
		t.Fatalf("a waiter without patience got %v", err)
	}
	// A waiter is told who holds the lease, and gets it once released.
	var told string
	go func() {
		time.Sleep(500 * time.Millisecond)
		held.Release()
	}()
	start := time.Now()
	heldB, err := b.Acquire(ctx, 30*time.Second, func(holder string) { told = holder })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the waiter had the lease %s after it was asked for (released after 0.5 s, polled every 0.1 s)", time.Since(start).Round(10*time.Millisecond))
	if !strings.HasPrefix(told, "held by runner-a since ") || !strings.Contains(told, url) {
		t.Errorf("the waiter was told %q", told)
	}
	if err := heldB.Err(); err != nil {
		t.Errorf("a fresh lease fails its fence: %v", err)
	}
	if got := a.Holder(ctx); !strings.HasPrefix(got, "held by runner-b since ") {
		t.Errorf("the blob names %q as holder, want runner-b", got)
	}
	heldB.Release()
	if got := a.Holder(ctx); !strings.HasPrefix(got, "holder unknown") {
		t.Errorf("after release the blob still names %q", got)
	}
}

// TestBlobLeaseLost: a holder finds out it lost its lease — broken by an
// operator, or unrenewable because the Blob service went out of reach — and
// its fence fails before anyone else can hold the lease.
func TestBlobLeaseLost(t *testing.T) {
	az := azurite.Shared(t)
	ctx := context.Background()
	tests := []struct {
		name string
		// lose takes the lease from its holder.
		lose func(t *testing.T, other *lock.BlobLease, cut func())
		// renewEvery: a renewal finds a broken lease; without renewals
		// the holder stops Duration-renewEvery after the last one.
		renewEvery time.Duration
		want       string
	}{
		{
			name:       "broken",
			renewEvery: time.Second,
			lose: func(t *testing.T, other *lock.BlobLease, _ func()) {
				if err := other.Break(ctx); err != nil {
					t.Fatal(err)
				}
			},
			want: "was broken or taken by another",
		},
		{
			name:       "unrenewable",
			renewEvery: 7 * time.Second,
			lose:       func(t *testing.T, _ *lock.BlobLease, cut func()) { cut() },
			want:       "could not be renewed since",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proxy := newCuttableProxy(t, az.URL)
			url := lockURL(t)
			failures := 0
			var mu sync.Mutex
			holder, err := lock.OpenBlobLease(url, lock.LeaseOptions{
				ConnectionString: strings.Replace(az.ConnectionString(), strings.TrimSuffix(az.URL, "/"+azurite.Account), proxy.url, 1),
				Holder:           "holder", RenewEvery: tt.renewEvery,
				OnRenewFailure: func(error) { mu.Lock(); failures++; mu.Unlock() },
			})
			if err != nil {
				t.Fatal(err)
			}
			other := openLease(t, az.ConnectionString(), url, "other", 0)
			held, err := holder.TryAcquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer held.Release()
			lostAt := time.Now()
			tt.lose(t, other, proxy.cut)
			select {
			case <-held.Lost():
				t.Logf("lease %s: the holder knew %s later (renewing every %s, lease 15 s)", tt.name, time.Since(lostAt).Round(10*time.Millisecond), tt.renewEvery)
			case <-time.After(20 * time.Second):
				t.Fatal("the holder never noticed it lost the lease")
			}
			err = held.Err()
			if !errors.Is(err, lock.ErrLockLost) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("fence error %v, want ErrLockLost saying %q", err, tt.want)
			}
			if tt.name == "unrenewable" {
				// It stopped while the lease was still its own on the
				// service: nobody else could have written yet.
				if _, err := other.TryAcquire(ctx); !errors.Is(err, lock.ErrLeaseHeld) {
					t.Fatalf("when the holder stopped, the lease was already free (%v): it stopped too late", err)
				}
				mu.Lock()
				defer mu.Unlock()
				if failures == 0 {
					t.Error("no renewal failure was reported")
				}
				return
			}
			h2, err := other.TryAcquire(ctx)
			if err != nil {
				t.Fatalf("a broken lease could not be taken: %v", err)
			}
			h2.Release()
		})
	}
}

// TestElectorOneLeader: three electors on one lease; at every sample
// exactly one leads; when the leader steps down or its lease is broken,
// another leads.
func TestElectorOneLeader(t *testing.T) {
	az := azurite.Shared(t)
	url := lockURL(t)
	electors := make([]*lock.Elector, 3)
	cancels := make([]context.CancelFunc, 3)
	var wg sync.WaitGroup
	for i := range electors {
		electors[i] = lock.NewElector(openLease(t, az.ConnectionString(), url, fmt.Sprintf("watcher-%d", i), time.Second))
		ctx, cancel := context.WithCancel(context.Background())
		cancels[i] = cancel
		wg.Add(1)
		go func() {
			defer wg.Done()
			electors[i].Campaign(ctx)
		}()
	}
	defer func() {
		for _, c := range cancels {
			if c != nil {
				c()
			}
		}
		wg.Wait()
	}()
	leaders := func() (n, who int) {
		who = -1
		for i, e := range electors {
			if cancels[i] != nil && e.IsLeader() {
				n++
				who = i
			}
		}
		return n, who
	}
	// awaitLeader waits for a leader other than not, then samples for a
	// while: never two, and always one.
	awaitLeader := func(not int) int {
		t.Helper()
		start := time.Now()
		for {
			n, who := leaders()
			if n > 1 {
				t.Fatalf("%d leaders at once", n)
			}
			if n == 1 && who != not {
				t.Logf("leader %d after %s", who, time.Since(start).Round(10*time.Millisecond))
				for range 20 {
					time.Sleep(50 * time.Millisecond)
					if n, now := leaders(); n != 1 || now != who {
						t.Fatalf("sampled %d leaders (leader %d), want exactly leader %d", n, now, who)
					}
				}
				return who
			}
			if time.Since(start) > 30*time.Second {
				t.Fatal("no leader within 30 s")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	first := awaitLeader(-1)
	term, ok := electors[first].Term()
	if !ok {
		t.Fatal("the leader has no term")
	}
	// Stepping down (the process stops) hands over at once.
	cancels[first]()
	cancels[first] = nil
	<-term.Done()
	if !errors.Is(context.Cause(term), lock.ErrLeadershipLost) {
		t.Errorf("the term ended with %v, want ErrLeadershipLost", context.Cause(term))
	}
	second := awaitLeader(first)
	// A broken lease ends the term; someone leads again.
	term, _ = electors[second].Term()
	if err := electors[second].Lease().Break(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-term.Done()
	if cause := context.Cause(term); !errors.Is(cause, lock.ErrLockLost) {
		t.Errorf("the broken term ended with %v, want it to say the lease was lost", cause)
	}
	awaitLeader(-1)
}

// cuttableProxy forwards TCP to a server until cut, then refuses and drops
// every connection: the Blob service out of reach.
type cuttableProxy struct {
	url   string
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newCuttableProxy(t *testing.T, target string) *cuttableProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(strings.TrimSuffix(target, "/"+azurite.Account), "http://")
	p := &cuttableProxy{url: "http://" + ln.Addr().String(), ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", host)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	t.Cleanup(p.cut)
	return p
}

func (p *cuttableProxy) cut() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
