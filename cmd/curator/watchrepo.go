package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/curator-dev/curator/cloud/azure"
	"github.com/curator-dev/curator/estateview"
	"github.com/curator-dev/curator/lock"
	"github.com/curator-dev/curator/reconcile"
	"github.com/curator-dev/curator/sources"
)

// watch ROOT serves every configuration of a repository from one process:
// a watcher per configuration (reconcile.RepoWatch), each with its own
// election on its own lock blob, its metrics labelled with its path, its
// lines prefixed with it, and its state on /status.

// repoMetrics are a lone watch's metrics with a `configuration` label.
type repoMetrics struct {
	reg                          *prometheus.Registry
	runs                         *prometheus.CounterVec
	duration                     *prometheus.HistogramVec
	lastSuccess, drift           *prometheus.GaugeVec
	applied, requests, throttles *prometheus.CounterVec
	renewFailures                prometheus.Counter
}

func newRepoMetrics(leaders func() map[string]bool) *repoMetrics {
	label := []string{"configuration"}
	m := &repoMetrics{
		reg:           prometheus.NewRegistry(),
		runs:          prometheus.NewCounterVec(prometheus.CounterOpts{Name: "curator_reconcile_total", Help: "Reconciliations by configuration and result (ok, invalid, error)."}, []string{"configuration", "result"}),
		duration:      prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "curator_reconcile_duration_seconds", Help: "Duration of reconciliations.", Buckets: prometheus.ExponentialBuckets(0.05, 2, 14)}, label),
		lastSuccess:   prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "curator_last_success_timestamp_seconds", Help: "When the last reconciliation succeeded."}, label),
		drift:         prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "curator_drift", Help: "Changes the last plan found (0: the cloud matches)."}, label),
		applied:       prometheus.NewCounterVec(prometheus.CounterOpts{Name: "curator_changes_applied_total", Help: "Changes applied."}, label),
		requests:      prometheus.NewCounterVec(prometheus.CounterOpts{Name: "curator_arm_requests_total", Help: "Requests sent to Resource Manager."}, label),
		throttles:     prometheus.NewCounterVec(prometheus.CounterOpts{Name: "curator_arm_throttled_total", Help: "429 answers from Resource Manager."}, label),
		renewFailures: prometheus.NewCounter(prometheus.CounterOpts{Name: "curator_lease_renew_failures_total", Help: "Failed renewals of blob leases (the leader elections' and the apply locks')."}),
	}
	m.reg.MustRegister(m.runs, m.duration, m.lastSuccess, m.drift, m.applied, m.requests, m.throttles, m.renewFailures,
		&leaderCollector{leaders: leaders, desc: prometheus.NewDesc("curator_leader", "1 where this watcher applies the configuration (it leads its election), 0 elsewhere.", label, nil)},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// of is the metrics of one configuration, in the shape a lone watch's
// reporting uses.
func (m *repoMetrics) of(path string) *metrics {
	l := prometheus.Labels{"configuration": path}
	return &metrics{reg: m.reg, runs: m.runs.MustCurryWith(l), duration: m.duration.With(l), lastSuccess: m.lastSuccess.With(l),
		drift: m.drift.With(l), applied: m.applied.With(l), requests: m.requests.With(l), throttles: m.throttles.With(l)}
}

// drop forgets a removed configuration's series.
func (m *repoMetrics) drop(path string) {
	l := prometheus.Labels{"configuration": path}
	m.runs.DeletePartialMatch(l)
	m.duration.Delete(l)
	m.lastSuccess.Delete(l)
	m.drift.Delete(l)
	m.applied.Delete(l)
	m.requests.Delete(l)
	m.throttles.Delete(l)
}

// leaderCollector reports curator_leader per configuration at scrape time.
type leaderCollector struct {
	desc    *prometheus.Desc
	leaders func() map[string]bool
}

func (c *leaderCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *leaderCollector) Collect(ch chan<- prometheus.Metric) {
	for path, leads := range c.leaders() {
		v := 0.0
		if leads {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, v, path)
	}
}

// configStatus is one configuration on /status.
type configStatus struct {
	Path string `json:"path"`
	// Outcome of the last reconcile ("no changes", "planned", "applied",
	// "invalid configuration", "error"); "" before the first.
	Outcome string `json:"outcome"`
	// Revision it reconciled last.
	Revision string `json:"revision,omitempty"`
	// PendingChanges are the changes its last plan found that are not
	// applied (0 after an apply, or when the cloud matches).
	PendingChanges int `json:"pending_changes"`
	// Leader is whether this process leads the configuration's election
	// (applies it).
	Leader        bool      `json:"leader"`
	LastReconcile time.Time `json:"last_reconcile,omitzero"`
	Error         string    `json:"error,omitempty"`
}

// repoState is what /status shows, and the leadership of each
// configuration.
type repoState struct {
	mu     sync.Mutex
	status map[string]*configStatus
	leads  map[string]*lock.Leadership
}

func (s *repoState) leaders() map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]bool{}
	for p, l := range s.leads {
		out[p] = l.Leads()
	}
	return out
}

func (s *repoState) outcome(path string, o reconcile.Outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.status[path]
	if st == nil {
		return
	}
	st.Outcome, st.LastReconcile, st.Error = o.Kind.String(), o.Started.Add(o.Duration), ""
	if o.Revision != "" {
		st.Revision = o.Revision
	}
	switch {
	case o.Kind == reconcile.Applied || o.Kind == reconcile.NoChanges:
		st.PendingChanges = 0
	case o.Plan != nil:
		st.PendingChanges = len(o.Plan.Changes)
	}
	if o.Err != nil {
		st.Error = o.Err.Error()
	}
}

func (s *repoState) snapshot() []configStatus {
	leaders := s.leaders()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]configStatus, 0, len(s.status))
	for p, st := range s.status {
		c := *st
		c.Leader = leaders[p]
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// prefixWriter writes each line with a prefix, a line at a time.
type prefixWriter struct {
	mu     *sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		if _, err := fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf[:i]); err != nil {
			return len(b), err
		}
		p.buf = p.buf[i+1:]
	}
}

// watchRepoFlags are watch's flags, for watchRepo.
type watchRepoFlags struct {
	pf          *planFlags
	schedule    string
	doApply     bool
	listen      string
	parallelism int
	interval    time.Duration
}

// watchRepo watches every configuration of repo until ctx ends.
func watchRepo(ctx context.Context, cmd *cobra.Command, g *globals, repo *repository, f watchRepoFlags) error {
	log, err := g.logger(cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
	var outMu sync.Mutex // one line at a time from every configuration
	state := &repoState{status: map[string]*configStatus{}, leads: map[string]*lock.Leadership{}}
	m := newRepoMetrics(state.leaders)
	live := estateview.NewLive()
	topts := g.targetOptions(log)
	topts.Budgets = azure.NewBudgets()
	topts.Emulators = reconcile.NewEmulators()
	// Replicas of this watch (the same repository, the same lock
	// settings) share the configurations' elections.
	var share *lock.Share
	if f.doApply {
		share = lock.NewShare(shareIdentity(repo.source), lock.LeaseOptions{
			ConnectionString: os.Getenv(lock.LockConnectionStringEnv),
			OnRenewFailure:   func(error) { m.renewFailures.Inc() },
		})
		defer share.Close()
	}
	rw, err := reconcile.NewRepoWatch(reconcile.RepoWatchOptions{
		Source:   repo.source,
		Interval: f.interval,
		Logger:   log,
		NewWatcher: func(path string, src sources.Source) (*reconcile.Watcher, func(), error) {
			pout := &prefixWriter{mu: &outMu, w: out, prefix: "[" + path + "] "}
			perr := &prefixWriter{mu: &outMu, w: errw, prefix: "[" + path + "] "}
			cm := m.of(path)
			rec := newEstateRecorder(live, path, src.String())
			var w *reconcile.Watcher
			lead := lock.NewLeadership(f.doApply, perr, func() { w.Trigger("elected leader") })
			if share != nil {
				lead.SetShare(share, path)
			}
			r := reconcile.New(reconcile.Options{
				Source: src, Plan: f.pf.options(), Logger: log.With("configuration", path), ConfigCacheDir: configCacheDir(),
				Target: topts,
				Apply:  reconcile.ApplyOptions{Parallelism: f.parallelism, Hooks: teeHooks{newProgress(pout), rec}},
				Lease:  lock.LeaseOptions{OnRenewFailure: func(error) { m.renewFailures.Inc() }},
				Fence:  lead.Fence,
				// Configurations of one target (the local target's
				// state folder, a shared lock blob) take turns.
				LockTimeout: 5 * time.Minute,
				OnLockWait: func(holder string) {
					fmt.Fprintf(perr, "waiting for the apply lock (%s)…\n", holder)
				},
			})
			w, err := reconcile.NewWatcher(r, reconcile.WatchOptions{
				Apply: f.doApply, Leader: lead, Schedule: f.schedule, ReadAfterApply: f.listen != "",
				OnStart: onStart(rec, pout),
				OnPlan:  onPlan(rec, cm, pout),
				OnOutcome: func(o reconcile.Outcome) {
					rec.Outcome(o)
					state.outcome(path, o)
					reportOutcome(pout, perr, cm, o)
				},
			})
			if err != nil {
				lead.Stop()
				return nil, nil, fmt.Errorf("--schedule: %w", err)
			}
			state.mu.Lock()
			state.status[path] = &configStatus{Path: path}
			state.leads[path] = lead
			state.mu.Unlock()
			fmt.Fprintf(pout, "watching the configuration\n")
			return w, lead.Stop, nil
		},
		OnRemoved: func(path string) {
			state.mu.Lock()
			delete(state.status, path)
			delete(state.leads, path)
			state.mu.Unlock()
			m.drop(path)
			live.Remove(path)
			fmt.Fprintf(errw, "[%s] the configuration left the repository: no longer reconciled; its resources stay as they are (nothing is deleted)\n", path)
		},
	})
	if err != nil {
		return err
	}
	defer topts.Emulators.Close()
	if f.listen != "" {
		ln, err := net.Listen("tcp", f.listen)
		if err != nil {
			return fmt.Errorf("--listen %s: %w", f.listen, err)
		}
		srv := &http.Server{Handler: loopbackHosts(ln.Addr(), repoWatchMux(rw, state, m, live)), ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		defer srv.Close()
		fmt.Fprintf(errw, "serving the estate page, /status, /healthz, /readyz and /metrics on http://%s\n", ln.Addr())
	}
	err = rw.Run(ctx)
	fmt.Fprintln(errw, "stopping")
	return err
}

// repoWatchMux serves /status (each configuration's last outcome,
// revision, pending changes and leader, JSON), /healthz, /readyz (ready
// once every configuration's watch is), /metrics and the estate page.
func repoWatchMux(rw *reconcile.RepoWatch, state *repoState, m *repoMetrics, live estateview.Configurations) *http.ServeMux {
	mux := http.NewServeMux()
	estateview.NewServer(live).Register(mux)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		for _, c := range rw.Watchers() {
			if err := c.Watcher.Ready(); err != nil {
				http.Error(w, c.Path+": "+err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/status", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(struct {
			Configurations []configStatus `json:"configurations"`
		}{state.snapshot()})
	})
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	return mux
}

// shareIdentity names the repository for its replicas' membership: a
// folder by its absolute path, a git source by its (redacted) URL, ref and
// path.
func shareIdentity(src sources.Source) string {
	if l, ok := src.(*sources.Local); ok {
		if abs, err := filepath.Abs(l.Dir); err == nil {
			return abs
		}
	}
	return src.String()
}
