package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/curator-dev/curator/cloud/azure"
	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/internal/azurite"
	"github.com/curator-dev/curator/lock"
)

// The blob lease lock and the leader election, between processes: curator
// runs as separate processes (the test binary as curator), its Resource
// Manager is the emulator (CURATOR_ARM_ENDPOINT) and its lock blob lives in
// Azurite (CURATOR_LOCK_CONNECTION_STRING).

const leaseConfig = `package curator

name: "leased"
target: azure: {
	subscription:  "00000000-0000-0000-0000-000000000000"
	resourceGroup: "rg-images"
	lock: blob:    %q
}
galleries: acme: {
	location: "westeurope"
	shares: readers: {principalId: "5b0b4d0e-7c34-4a57-9a37-2b6f0a8e1c11", role: "Reader"}
	images: web: {
		publisher: "Contoso", offer: "Web", sku: "nginx"
		osType: "Linux", osState: "Generalized"
		versions: {
%s		}
	}
}
`

// writeLeaseConfig writes the configuration with versions 1.0.0 … 1.0.n-1,
// each replicated to two regions with replicas replicas.
func writeLeaseConfig(t *testing.T, dir, lockBlob string, versions, replicas int) {
	t.Helper()
	var vs strings.Builder
	for i := range versions {
		fmt.Fprintf(&vs, "\t\t\t\"1.0.%d\": {source: managedImage: \"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/b/providers/Microsoft.Compute/images/web-%d\", regions: {westeurope: replicas: %d, northeurope: {}}}\n", i, i, replicas)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.cue"), []byte(fmt.Sprintf(leaseConfig, lockBlob, vs.String())), 0o644); err != nil {
		t.Fatal(err)
	}
}

// write is one write request (PUT, PATCH, POST, DELETE) a process sent to
// Resource Manager.
type write struct {
	process    int
	method     string
	path       string
	start, end time.Time
}

// armRecorder gives each process its own endpoint in front of one emulator
// and records the writes each sends, with when they ran.
type armRecorder struct {
	emu *emulator.Server
	mu  sync.Mutex
	log []write
	// onWrite, if set, sees each write as it starts.
	onWrite func(w write)
}

// endpoint returns process i's Resource Manager endpoint.
func (a *armRecorder) endpoint(t *testing.T, i int) string {
	t.Helper()
	target, _ := url.Parse(a.emu.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			proxy.ServeHTTP(w, r)
			return
		}
		rec := write{process: i, method: r.Method, path: r.URL.Path, start: time.Now()}
		a.mu.Lock()
		hook := a.onWrite
		a.mu.Unlock()
		if hook != nil {
			hook(rec)
		}
		proxy.ServeHTTP(w, r)
		rec.end = time.Now()
		a.mu.Lock()
		a.log = append(a.log, rec)
		a.mu.Unlock()
	})}
	ln := listen(t)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// writes returns the writes so far, in order of start.
func (a *armRecorder) writes() []write {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := append([]write(nil), a.log...)
	sort.Slice(out, func(i, j int) bool { return out[i].start.Before(out[j].start) })
	return out
}

// perProcess counts writes by process.
func perProcess(ws []write) map[int]int {
	n := map[int]int{}
	for _, w := range ws {
		n[w.process]++
	}
	return n
}

// checkNoConcurrentWrites fails when two processes' writes overlap in time.
func checkNoConcurrentWrites(t *testing.T, ws []write) {
	t.Helper()
	for i, a := range ws {
		for _, b := range ws[i+1:] {
			if a.process != b.process && b.start.Before(a.end) && a.start.Before(b.end) {
				t.Errorf("processes %d and %d wrote at once: %s %s and %s %s", a.process, b.process, a.method, a.path, b.method, b.path)
			}
		}
	}
}

// leaseWorld is one emulator behind a recorder, one Azurite, and a lock
// blob.
type leaseWorld struct {
	arm      *armRecorder
	az       *azurite.Server
	lockBlob string
	cfg      string
}

func newLeaseWorld(t *testing.T, replicationRate float64) *leaseWorld {
	t.Helper()
	az := azurite.Shared(t)
	emu, err := emulator.Start(context.Background(), emulator.Options{ReplicationRate: replicationRate})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	return &leaseWorld{
		arm:      &armRecorder{emu: emu},
		az:       az,
		lockBlob: fmt.Sprintf("https://%s.blob.core.windows.net/curator-locks/%s", azurite.Account, strings.ReplaceAll(t.Name(), "/", "-")),
		cfg:      t.TempDir(),
	}
}

// lease opens the lock blob's lease as an operator would.
func (w *leaseWorld) lease(t *testing.T) *lock.BlobLease {
	t.Helper()
	l, err := lock.OpenBlobLease(w.lockBlob, lock.LeaseOptions{ConnectionString: w.az.ConnectionString()})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// proc is curator running as a separate process.
type proc struct {
	cmd       *exec.Cmd
	out, errw syncBuffer
	done      chan struct{}
	code      int
}

// start runs curator as process i of w, as if on its own machine: its own
// Resource Manager endpoint (so its writes are counted apart) and its own
// cache folder (so no file lock can keep it apart from the others).
func (w *leaseWorld) start(t *testing.T, i int, args ...string) *proc {
	t.Helper()
	p := &proc{done: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], args...)
	p.cmd.Env = append(os.Environ(), "CURATOR_BE_MAIN=1",
		azure.EndpointEnv+"="+w.arm.endpoint(t, i), azure.TokenEnv+"=process-"+fmt.Sprint(i),
		lock.LockConnectionStringEnv+"="+w.az.ConnectionString(),
		"XDG_CACHE_HOME="+t.TempDir(), "CURATOR_NO_CACHE=1")
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.errw
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		p.code = p.cmd.ProcessState.ExitCode()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

func (p *proc) wait(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.code
	case <-time.After(within):
		t.Fatalf("curator still runs after %s:\n%s\n%s", within, p.out.String(), p.errw.String())
	}
	return -1
}

// TestBlobLockTwoAppliesFromTwoProcesses: two applies started at once from
// two "machines": exactly one writes; the other waits, told who holds the
// lease and since when, and then finds nothing to do.
func TestBlobLockTwoAppliesFromTwoProcesses(t *testing.T) {
	w := newLeaseWorld(t, 5) // 10 GB at 5 GB/s: each version replicates for 2 s
	writeLeaseConfig(t, w.cfg, w.lockBlob, 2, 1)
	start := time.Now()
	procs := []*proc{w.start(t, 0, "apply", "--auto-approve", w.cfg), w.start(t, 1, "apply", "--auto-approve", w.cfg)}
	wrote, waited := -1, -1
	for i, p := range procs {
		if code := p.wait(t, 60*time.Second); code != 0 {
			t.Fatalf("apply %d exited %d:\n%s\n%s", i, code, p.out.String(), p.errw.String())
		}
		all := p.out.String() + p.errw.String()
		if strings.Contains(all, "Apply complete: ") && strings.Contains(all, " done, 0 failed, 0 skipped") {
			wrote = i
		}
		if strings.Contains(all, "Waiting for the apply lock (held by pid ") && strings.Contains(all, "No changes.") {
			waited = i
		}
	}
	if wrote < 0 || waited < 0 || wrote == waited {
		t.Fatalf("want one apply to write and the other to wait and find nothing to do:\n--- 0:\n%s%s\n--- 1:\n%s%s", procs[0].out.String(), procs[0].errw.String(), procs[1].out.String(), procs[1].errw.String())
	}
	ws := w.arm.writes()
	if n := perProcess(ws); n[waited] != 0 || n[wrote] == 0 {
		t.Errorf("writes per process %v: want all of them from process %d", n, wrote)
	}
	errw := procs[waited].errw.String()
	t.Logf("writes per process: %v; the waiter finished %s after both started; it said: %s", perProcess(ws), time.Since(start).Round(10*time.Millisecond), strings.TrimSpace(errw[strings.Index(errw, "Waiting"):]))
}

// TestBlobLockBrokenMidApplyStops: an operator breaks the lease while an
// apply waits for replication; the apply stops with an error saying so
// (well before its replication would have ended), and the next apply
// converges.
func TestBlobLockBrokenMidApplyStops(t *testing.T) {
	w := newLeaseWorld(t, 0.25) // 10 GB at 0.25 GB/s: 40 s of replication
	writeLeaseConfig(t, w.cfg, w.lockBlob, 2, 1)
	broken := make(chan time.Time, 1)
	lease := w.lease(t)
	w.arm.onWrite = func(wr write) {
		if strings.Contains(wr.path, "/versions/") && wr.method == http.MethodPut {
			select {
			case broken <- time.Now():
				go lease.Break(context.Background())
			default:
			}
		}
	}
	p := w.start(t, 0, "apply", "--auto-approve", w.cfg)
	code := p.wait(t, 35*time.Second)
	brokeAt := <-broken
	if code != 1 || !strings.Contains(p.errw.String(), "the apply lock was lost") || !strings.Contains(p.errw.String(), "was broken or taken by another") {
		t.Fatalf("exit %d, want 1 and the lost lock named:\n%s\n%s", code, p.out.String(), p.errw.String())
	}
	for _, wr := range w.arm.writes() {
		if wr.start.After(brokeAt.Add(5 * time.Second)) {
			t.Errorf("write %s %s started %s after the lease was broken, past the next renewal", wr.method, wr.path, wr.start.Sub(brokeAt).Round(time.Millisecond))
		}
	}
	t.Logf("the apply stopped %s after its lease was broken (renewals every 5 s)", time.Since(brokeAt).Round(10*time.Millisecond))
	// The lock is free for the next applier.
	next := w.start(t, 1, "apply", "--auto-approve", "--no-wait", w.cfg)
	if code := next.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("the next apply exited %d:\n%s\n%s", code, next.out.String(), next.errw.String())
	}
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// metricsAddr waits for a watcher to say where it serves /metrics.
func (p *proc) metricsAddr(t *testing.T) string {
	t.Helper()
	return p.servingAddr(t, "serving the estate page, /healthz, /readyz and /metrics on ")
}

// servingAddr waits for a watcher to say where it serves, on the line
// starting with prefix.
func (p *proc) servingAddr(t *testing.T, prefix string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		s := p.errw.String()
		if i := strings.Index(s, prefix); i >= 0 {
			rest := s[i+len(prefix):]
			if j := strings.IndexByte(rest, '\n'); j >= 0 {
				return rest[:j]
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the watcher does not say where it serves (%q):\n%s", prefix, p.errw.String())
	return ""
}

// leaderMetric reads curator_leader from a watcher; -1 when it does not
// answer.
func leaderMetric(client *http.Client, addr string) int {
	resp, err := client.Get(addr + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var b strings.Builder
	if _, err := io.Copy(&b, resp.Body); err != nil {
		return -1
	}
	for _, line := range strings.Split(b.String(), "\n") {
		switch line {
		case "curator_leader 1":
			return 1
		case "curator_leader 0":
			return 0
		}
	}
	return -1
}

// TestWatchLeaderElection: three `watch --apply` processes with one lock
// blob. At every sample exactly one is leader (none only while a dead
// leader's lease runs out); only the leader writes; after kill -9 of the
// leader another takes over within 30 s and applies the next change; no
// two processes ever write at once.
func TestWatchLeaderElection(t *testing.T) {
	testStart := time.Now()
	w := newLeaseWorld(t, 500)
	writeLeaseConfig(t, w.cfg, w.lockBlob, 1, 1)
	const n = 3
	procs := make([]*proc, n)
	addrs := make([]string, n)
	for i := range procs {
		procs[i] = w.start(t, i, "watch", "--apply", "--listen", "127.0.0.1:0", w.cfg)
	}
	for i, p := range procs {
		addrs[i] = p.metricsAddr(t)
	}
	// Sample curator_leader on every watcher, all along.
	type sample struct {
		at      time.Time
		leaders []int
	}
	var (
		mu      sync.Mutex
		samples []sample
		dead    = map[int]bool{}
	)
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		client := &http.Client{Timeout: time.Second}
		for {
			select {
			case <-stopSampling:
				return
			case <-time.After(100 * time.Millisecond):
			}
			s := sample{at: time.Now()}
			known := true
			for i, a := range addrs {
				mu.Lock()
				d := dead[i]
				mu.Unlock()
				if d {
					continue
				}
				switch leaderMetric(client, a) {
				case 1:
					s.leaders = append(s.leaders, i)
				case -1:
					// No answer in time (a loaded machine): the sample
					// says nothing, rather than "not leader".
					known = false
				}
			}
			if known {
				mu.Lock()
				samples = append(samples, s)
				mu.Unlock()
			}
		}
	}()
	currentLeader := func(within time.Duration, not int) (int, time.Duration) {
		t.Helper()
		start := time.Now()
		for time.Since(start) < within {
			mu.Lock()
			var last sample
			if len(samples) > 0 {
				last = samples[len(samples)-1]
			}
			mu.Unlock()
			if len(last.leaders) == 1 && last.leaders[0] != not && last.at.After(start) {
				return last.leaders[0], last.at.Sub(start)
			}
			time.Sleep(50 * time.Millisecond)
		}
		var b strings.Builder
		for i, p := range procs {
			fmt.Fprintf(&b, "--- watcher %d:\n%s%s", i, p.out.String(), p.errw.String())
		}
		t.Fatalf("no new leader within %s:\n%s", within, b.String())
		return -1, 0
	}
	first, _ := currentLeader(30*time.Second, -1)
	waitFor(t, &procs[first].out, "Apply complete: ", 1, 30*time.Second)

	// A change: the leader applies it, the others only plan.
	writeLeaseConfig(t, w.cfg, w.lockBlob, 2, 1)
	waitFor(t, &procs[first].out, "Apply complete: ", 2, 30*time.Second)

	// kill -9 the leader: another takes over once its lease runs out.
	killedAt := time.Now()
	if err := procs[first].cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	dead[first] = true
	mu.Unlock()
	second, failover := currentLeader(30*time.Second, first)
	t.Logf("failover: watcher %d leads %s after kill -9 of leader %d (lease 15 s, followers try every 2 s)", second, failover.Round(100*time.Millisecond), first)
	if failover > 30*time.Second {
		t.Errorf("failover took %s, want at most 30 s", failover)
	}
	// The new leader applies the next change.
	writeLeaseConfig(t, w.cfg, w.lockBlob, 3, 1)
	waitFor(t, &procs[second].out, "Apply complete: ", 1, 30*time.Second)
	close(stopSampling)
	<-sampled

	mu.Lock()
	defer mu.Unlock()
	none := 0
	for i, s := range samples {
		// A sample reads the processes one after another, so one that
		// straddles a handover can see the old leader just before its
		// term ended and the new one just after its began. Two leaders in
		// two samples in a row cannot be that: every read of the second
		// comes after every read of the first, so both terms overlapped.
		if i > 0 && len(s.leaders) > 1 && len(samples[i-1].leaders) > 1 {
			t.Errorf("%d leaders at %s and in the sample before: %v, %v", len(s.leaders), s.at.Format(time.StampMilli), samples[i-1].leaders, s.leaders)
		}
		// None only before the first election and while the dead
		// leader's lease ran out.
		if len(s.leaders) == 0 {
			none++
			if s.at.After(testStart.Add(5*time.Second)) && (s.at.Before(killedAt) || s.at.After(killedAt.Add(failover+time.Second))) {
				t.Errorf("no leader at %s, outside the failover", s.at.Format(time.StampMilli))
			}
		}
	}
	ws := w.arm.writes()
	checkNoConcurrentWrites(t, ws)
	// Writes come from the first leader, then from the second: never from
	// a follower, never interleaved.
	seenSecond := false
	for _, wr := range ws {
		switch {
		case wr.process == second:
			seenSecond = true
		case wr.process == first && !seenSecond:
		default:
			t.Errorf("write %s %s by process %d (first leader %d, second %d, second writing already: %v)", wr.method, wr.path, wr.process, first, second, seenSecond)
		}
	}
	third := 3 - first - second
	if strings.Contains(procs[third].out.String(), "Apply complete") {
		t.Errorf("the follower %d applied:\n%s", third, procs[third].out.String())
	}
	if !strings.Contains(procs[third].out.String(), "not the leader: planned only") {
		t.Errorf("the follower %d did not plan the changes:\n%s", third, procs[third].out.String())
	}
	resp, err := http.Get(addrs[third] + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("the follower's /healthz: %v %v", resp, err)
	}
	t.Logf("%d samples of curator_leader on %d watchers, never two leaders, none in %d (start and failover); writes per process %v; test %s",
		len(samples), n, none, perProcess(ws), time.Since(testStart).Round(100*time.Millisecond))
}
