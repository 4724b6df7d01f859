package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/curator-dev/curator/estateview"
	"github.com/curator-dev/curator/lock"
	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/planner"
	"github.com/curator-dev/curator/reconcile"
)

// metrics are what watch serves on /metrics.
type metrics struct {
	reg         *prometheus.Registry
	runs        *prometheus.CounterVec
	duration    prometheus.Observer
	lastSuccess prometheus.Gauge
	drift       prometheus.Gauge
	applied     prometheus.Counter
	requests    prometheus.Counter
	throttles   prometheus.Counter
}

func newMetrics() *metrics {
	duration := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "curator_reconcile_duration_seconds", Help: "Duration of reconciliations.", Buckets: prometheus.ExponentialBuckets(0.05, 2, 14)})
	m := &metrics{
		reg:         prometheus.NewRegistry(),
		runs:        prometheus.NewCounterVec(prometheus.CounterOpts{Name: "curator_reconcile_total", Help: "Reconciliations by result (ok, invalid, error)."}, []string{"result"}),
		duration:    duration,
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{Name: "curator_last_success_timestamp_seconds", Help: "When the last reconciliation succeeded."}),
		drift:       prometheus.NewGauge(prometheus.GaugeOpts{Name: "curator_drift", Help: "Changes the last plan found (0: the cloud matches)."}),
		applied:     prometheus.NewCounter(prometheus.CounterOpts{Name: "curator_changes_applied_total", Help: "Changes applied."}),
		requests:    prometheus.NewCounter(prometheus.CounterOpts{Name: "curator_arm_requests_total", Help: "Requests sent to Resource Manager."}),
		throttles:   prometheus.NewCounter(prometheus.CounterOpts{Name: "curator_arm_throttled_total", Help: "429 answers from Resource Manager."}),
	}
	m.reg.MustRegister(m.runs, duration, m.lastSuccess, m.drift, m.applied, m.requests, m.throttles,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func newWatchCmd(g *globals) *cobra.Command {
	var (
		src         sourceFlags
		pf          planFlags
		schedule    string
		doApply     bool
		planOnly    bool
		listen      string
		parallelism int
	)
	cmd := &cobra.Command{
		Use:   "watch [PATH | ROOT]",
		Short: "Reconcile on every change of the configuration and on a schedule",
		Long: `watch runs a reconciliation at start, whenever the configuration changes
(fsnotify for a folder, a fetch every --interval for --git), and on the cron
--schedule (5 fields or @every 15m). With --apply it applies the plans; with
--plan-only (the default) it reports drift without changing anything. A
failed reconciliation is retried after 5 s, doubling to 5 min; an invalid
configuration waits for the next change. A folder that is removed or
replaced (git checkout, a deploy) is watched again when it is back.

It serves the estate page (/, a live view of galleries, definitions and
versions × regions; /api/estate for scripts), /healthz, /readyz and
Prometheus /metrics on --listen; /readyz answers 503 with the reason until
a reconciliation succeeded and while the configuration is not being
watched. On SIGINT or SIGTERM it cancels the
running reconciliation (an apply starts no further change, stops waiting
for those running and prints its summary) and stops.

Given a ROOT that is not a configuration folder itself but holds
configurations below it (folders with a ` + "`package curator`" + ` file; folders
starting with . or _, testdata and cue.mod are not searched), it handles
every configuration on its own and renders one result (see the README's
"A repository of configurations").`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if doApply && planOnly {
				return errors.New("--apply and --plan-only exclude each other")
			}
			if src.interval <= 0 {
				return fmt.Errorf("--interval %s: give a positive duration, such as 30s or 5m (default 1m)", src.interval)
			}
			repo, err := src.repository(ctxOf(cmd), args)
			if err != nil {
				return err
			}
			if repo != nil {
				ctx, stop := interruptible(ctxOf(cmd))
				defer stop()
				return watchRepo(ctx, cmd, g, repo, watchRepoFlags{pf: &pf, schedule: schedule, doApply: doApply, listen: listen, parallelism: parallelism, interval: src.interval})
			}
			source, log, err := g.open(cmd, &src, args)
			if err != nil {
				return err
			}
			ctx, stop := interruptible(ctxOf(cmd))
			defer stop()
			out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
			m := newMetrics()
			live := estateview.NewLive()
			rec := newEstateRecorder(live, source.String(), source.String())
			var w *reconcile.Watcher
			lead := lock.NewLeadership(doApply, errw, func() { w.Trigger("elected leader") })
			defer lead.Stop()
			m.reg.MustRegister(lead.Collectors()...)
			r := reconcile.New(reconcile.Options{
				Source: source, Plan: pf.options(), Logger: log, ConfigCacheDir: configCacheDir(),
				Target: g.targetOptions(log),
				Apply:  reconcile.ApplyOptions{Parallelism: parallelism, Hooks: teeHooks{newProgress(out), rec}},
				Lease:  lock.LeaseOptions{OnRenewFailure: lead.OnRenewFailure},
				Fence:  lead.Fence,
			})
			w, err = reconcile.NewWatcher(r, reconcile.WatchOptions{
				Apply:    doApply,
				Leader:   lead,
				Schedule: schedule,
				// The estate page shows what an apply left.
				ReadAfterApply: listen != "",
				OnStart:        onStart(rec, out),
				OnPlan:         onPlan(rec, m, out),
				OnOutcome:      func(o reconcile.Outcome) { rec.Outcome(o); reportOutcome(out, errw, m, o) },
			})
			if err != nil {
				return fmt.Errorf("--schedule: %w", err)
			}
			if listen != "" {
				ln, err := net.Listen("tcp", listen)
				if err != nil {
					return fmt.Errorf("--listen %s: %w", listen, err)
				}
				srv := &http.Server{Handler: loopbackHosts(ln.Addr(), watchMux(w, m, live)), ReadHeaderTimeout: 5 * time.Second}
				go srv.Serve(ln)
				defer srv.Close()
				fmt.Fprintf(errw, "serving the estate page, /healthz, /readyz and /metrics on http://%s\n", ln.Addr())
			}
			err = w.Run(ctx)
			fmt.Fprintln(errw, "stopping")
			return err
		},
	}
	src.register(cmd)
	pf.register(cmd)
	f := cmd.Flags()
	f.DurationVar(&src.interval, "interval", time.Minute, "how often to fetch --git for new commits")
	f.StringVar(&schedule, "schedule", "", `cron schedule for drift checks, e.g. "*/15 * * * *" or "@every 15m"`)
	f.BoolVar(&doApply, "apply", false, "apply the plans")
	f.BoolVar(&planOnly, "plan-only", false, "only plan and report drift (the default)")
	f.StringVar(&listen, "listen", "127.0.0.1:9090", "address for the estate page, /api/estate, /healthz, /readyz and /metrics (empty: none; loopback unless you say otherwise)")
	f.IntVar(&parallelism, "parallelism", 8, "changes applied at once")
	return cmd
}

// loopbackHosts guards a handler listening on a loopback address against
// DNS rebinding: a web page the user opens may resolve a name of its own
// to 127.0.0.1 and then read the estate page, /api/estate and /metrics as
// its own origin. On loopback, only requests for a loopback name are
// answered (421 otherwise); on any other address the user chose who may
// connect, and every Host is served.
func loopbackHosts(addr net.Addr, h http.Handler) http.Handler {
	if ta, ok := addr.(*net.TCPAddr); !ok || !ta.IP.IsLoopback() {
		return h
	}
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		host := r.Host
		if hp, _, err := net.SplitHostPort(host); err == nil {
			host = hp
		}
		if ip := net.ParseIP(strings.Trim(host, "[]")); !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
			http.Error(rw, fmt.Sprintf("the Host header %q is not a loopback name: on a loopback --listen address, curator watch answers only requests for localhost, 127.0.0.1 or [::1]", r.Host), http.StatusMisdirectedRequest)
			return
		}
		h.ServeHTTP(rw, r)
	})
}

// watchMux serves the estate page and /api/estate, /healthz (the process
// is alive), /readyz (503 with the reason while the watch is not ready)
// and /metrics.
func watchMux(w *reconcile.Watcher, m *metrics, live estateview.Configurations) *http.ServeMux {
	mux := http.NewServeMux()
	estateview.NewServer(live).Register(mux)
	mux.HandleFunc("/healthz", func(rw http.ResponseWriter, _ *http.Request) { fmt.Fprintln(rw, "ok") })
	mux.HandleFunc("/readyz", func(rw http.ResponseWriter, _ *http.Request) {
		if err := w.Ready(); err != nil {
			http.Error(rw, err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(rw, "ok")
	})
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	return mux
}

// reportOutcome prints a reconcile's outcome and counts it in the metrics
// (curator_reconcile_total's result: ok, invalid or error).
// onStart and onPlan are a watched configuration's hooks, shared by watch
// of one configuration and of a repository: tell the estate page, count in
// the metrics, print the line.
func onStart(rec *estateRecorder, out io.Writer) func(why string) {
	return func(why string) {
		rec.Started(why)
		fmt.Fprintf(out, "%s reconcile (%s)\n", time.Now().UTC().Format(time.RFC3339), why)
	}
}

func onPlan(rec *estateRecorder, m *metrics, out io.Writer) func(*planner.Plan) {
	return func(p *planner.Plan) {
		rec.Planned(p)
		m.requests.Add(float64(p.ARMRequests))
		m.drift.Set(float64(len(p.Changes)))
		fmt.Fprintln(out, planner.SummaryLine(p))
	}
}

func reportOutcome(out, errw io.Writer, m *metrics, o reconcile.Outcome) {
	result := "ok"
	switch o.Kind {
	case reconcile.InvalidConfig:
		result = "invalid"
	case reconcile.Errored:
		result = "error"
	}
	m.runs.WithLabelValues(result).Inc()
	m.duration.Observe(o.Duration.Seconds())
	m.throttles.Add(float64(o.Throttled))
	if len(o.Apply.Changes) > 0 {
		m.applied.Add(float64(o.Apply.Count(reconcile.Done)))
		summarizeResult(out, o.Apply)
	}
	if o.NotLeader {
		fmt.Fprintln(out, "not the leader: planned only")
	}
	switch o.Kind {
	case reconcile.NoChanges, reconcile.ChangesPlanned, reconcile.Applied:
		m.lastSuccess.SetToCurrentTime()
		if o.Kind == reconcile.Applied {
			m.drift.Set(0)
		}
	case reconcile.InvalidConfig:
		reportLoad(errw, nil, o.Err)
		fmt.Fprintln(errw, "waiting for the configuration to change")
	case reconcile.Errored:
		switch {
		case len(o.Apply.Changes) > 0:
			fmt.Fprintf(errw, "apply failed: %v\n", o.Err)
		case o.Plan != nil:
			fmt.Fprintf(errw, "%v\n", o.Err) // the plan was refused
		default:
			fmt.Fprintf(errw, "reconcile failed: %v\n", o.Err)
		}
		if o.RetryAfter > 0 {
			fmt.Fprintf(errw, "retrying in %s\n", o.RetryAfter)
		}
	}
}

// teeHooks hands an apply's progress to several observers: the terminal's
// status line and the estate page.
type teeHooks []reconcile.Hooks

func (t teeHooks) PreApply(c *planner.Change) {
	for _, h := range t {
		h.PreApply(c)
	}
}

func (t teeHooks) PostApply(c *planner.Change, r reconcile.ChangeResult) {
	for _, h := range t {
		h.PostApply(c, r)
	}
}

func (t teeHooks) Progress(c *planner.Change, regions map[string]model.RegionReplication) {
	for _, h := range t {
		h.Progress(c, regions)
	}
}
