package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Replicas of `watch ROOT` share a repository's configurations: each
// election led by one replica, evenly spread, and a killed replica's
// configurations taken over by the others.

const replicaConfig = `package curator

name: "c%d"
target: azure: {
	subscription:  "00000000-0000-0000-0000-000000000000"
	resourceGroup: "rg-c%d"
	lock: blob:    %q
}
galleries: "g%d": {
	location: "westeurope"
	images: web: {
		publisher: "Contoso", offer: "Web", sku: "nginx"
		osType: "Linux", osState: "Generalized"
		versions: {
%s		}
	}
}
`

// writeShareRepo writes n configurations c0 … c<n-1>, each its own
// resource group, gallery and lock blob, with versions versions.
func writeShareRepo(t *testing.T, root, lockBlob string, n, versions int) {
	t.Helper()
	for c := range n {
		var vs strings.Builder
		for v := range versions {
			fmt.Fprintf(&vs, "\t\t\t\"1.0.%d\": {source: managedImage: \"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/b/providers/Microsoft.Compute/images/web-%d\", regions: westeurope: {}}\n", v, v)
		}
		dir := filepath.Join(root, fmt.Sprintf("c%d", c))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf(replicaConfig, c, c, fmt.Sprintf("%s-c%d", lockBlob, c), c, vs.String())
		if err := os.WriteFile(filepath.Join(dir, "main.cue"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// repoStatus reads a replica's /status; nil when it does not answer.
func repoStatus(client *http.Client, addr string) []configStatus {
	resp, err := client.Get(addr + "/status")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var s struct {
		Configurations []configStatus `json:"configurations"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&s) != nil {
		return nil
	}
	return s.Configurations
}

// shareView is what every live replica says: the leader of each
// configuration (-1: none, -2: more than one) and its status there.
type shareView struct {
	leader map[string]int
	status map[string]configStatus
	counts map[int]int
}

func TestWatchReplicasShareConfigurations(t *testing.T) {
	testStart := time.Now()
	const n, replicas = 9, 3
	w := newLeaseWorld(t, 500)
	root := t.TempDir()
	writeShareRepo(t, root, w.lockBlob, n, 1)
	procs := make([]*proc, replicas)
	addrs := make([]string, replicas)
	for i := range procs {
		procs[i] = w.start(t, i, "watch", "--apply", "--listen", "127.0.0.1:0", root)
	}
	for i, p := range procs {
		addrs[i] = p.servingAddr(t, "serving the estate page, /status, /healthz, /readyz and /metrics on ")
	}
	dead := map[int]bool{}
	client := &http.Client{Timeout: 2 * time.Second}
	view := func() shareView {
		v := shareView{leader: map[string]int{}, status: map[string]configStatus{}, counts: map[int]int{}}
		for c := range n {
			v.leader[fmt.Sprintf("c%d", c)] = -1
		}
		for i, a := range addrs {
			if dead[i] {
				continue
			}
			for _, s := range repoStatus(client, a) {
				if !s.Leader {
					continue
				}
				v.counts[i]++
				if v.leader[s.Path] == -1 {
					v.leader[s.Path], v.status[s.Path] = i, s
				} else {
					v.leader[s.Path] = -2
				}
			}
		}
		return v
	}
	dump := func() string {
		var b strings.Builder
		for i, p := range procs {
			fmt.Fprintf(&b, "--- replica %d:\n%s%s", i, p.out.String(), p.errw.String())
		}
		return b.String()
	}
	// until polls the replicas until ok holds for what they say.
	until := func(what string, within time.Duration, ok func(v shareView) bool) shareView {
		t.Helper()
		deadline := time.Now().Add(within)
		var v shareView
		for time.Now().Before(deadline) {
			if v = view(); ok(v) {
				return v
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatalf("%s: not within %s (leaders %v, per replica %v)\n%s", what, within, v.leader, v.counts, dump())
		return v
	}
	// settled: every configuration has one leader, which reconciled the
	// files written last (revision not in old) with nothing pending, and
	// no replica leads more than max.
	settled := func(old map[string]string, max int) func(v shareView) bool {
		return func(v shareView) bool {
			for path, l := range v.leader {
				s := v.status[path]
				if l < 0 || s.Revision == "" || s.Revision == old[path] || s.PendingChanges != 0 ||
					(s.Outcome != "applied" && s.Outcome != "no changes") {
					return false
				}
			}
			for _, c := range v.counts {
				if c > max {
					return false
				}
			}
			return true
		}
	}
	revisions := func(v shareView) map[string]string {
		out := map[string]string{}
		for p, s := range v.status {
			out[p] = s.Revision
		}
		return out
	}
	// writers returns, per configuration, the replicas whose writes since
	// mark touched its resource group.
	writers := func(mark int) map[string][]int {
		out := map[string][]int{}
		for _, wr := range w.arm.writes()[mark:] {
			for c := range n {
				if strings.Contains(strings.ToLower(wr.path), fmt.Sprintf("/resourcegroups/rg-c%d/", c)) {
					p := fmt.Sprintf("c%d", c)
					if !slices.Contains(out[p], wr.process) {
						out[p] = append(out[p], wr.process)
					}
				}
			}
		}
		return out
	}

	// Three replicas: ⌈9/3⌉ = 3 each (one more is allowed while the
	// replicas count each other; wait for the steady state).
	v := until("nine configurations applied, spread over three replicas", 60*time.Second, settled(nil, 3))
	for i := range replicas {
		if v.counts[i] < 2 {
			t.Errorf("replica %d leads %d configurations, want 3 ± 1 (per replica %v)", i, v.counts[i], v.counts)
		}
	}
	spread := v.counts
	// Each configuration was applied by one replica: a replica resigns
	// the elections beyond its share only once their apply is over.
	for path, ps := range writers(0) {
		if len(ps) != 1 {
			t.Errorf("%s was written by replicas %v while they started, want one", path, ps)
		}
	}
	// A change to every configuration: each applied by exactly one
	// replica, its leader.
	mark := len(w.arm.writes())
	writeShareRepo(t, root, w.lockBlob, n, 2)
	v = until("the change applied to all nine configurations", 60*time.Second, settled(revisions(v), 3))
	for path, ps := range writers(mark) {
		if len(ps) != 1 || ps[0] != v.leader[path] {
			t.Errorf("%s was written by replicas %v, want only its leader %d", path, ps, v.leader[path])
		}
	}
	if got := len(writers(mark)); got != n {
		t.Errorf("writes reached %d configurations, want %d", got, n)
	}

	// kill -9 the replica leading the most: the two others take its
	// configurations (⌈9/2⌉ = 5 each at most) and apply the
	// next change to them.
	victim := 0
	for i := range replicas {
		if v.counts[i] > v.counts[victim] {
			victim = i
		}
	}
	var orphans []string
	for path, l := range v.leader {
		if l == victim {
			orphans = append(orphans, path)
		}
	}
	slices.Sort(orphans)
	killedAt := time.Now()
	if err := procs[victim].cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	dead[victim] = true
	mark = len(w.arm.writes())
	writeShareRepo(t, root, w.lockBlob, n, 3)
	v = until("the killed replica's configurations applied by the others", 60*time.Second, settled(revisions(v), 5))
	failover := time.Since(killedAt)
	if failover > 30*time.Second {
		t.Errorf("the killed replica's configurations %v were applied %s after kill -9, want at most 30 s", orphans, failover.Round(100*time.Millisecond))
	}
	for path, ps := range writers(mark) {
		if len(ps) != 1 || ps[0] != v.leader[path] || ps[0] == victim {
			t.Errorf("%s was written by replicas %v after the kill, want only its leader %d", path, ps, v.leader[path])
		}
	}
	t.Logf("leadership per replica %v with three, %v after kill -9 of replica %d (its %v applied by the others %s after the kill); test %s",
		spread, v.counts, victim, orphans, failover.Round(100*time.Millisecond), time.Since(testStart).Round(100*time.Millisecond))
}
