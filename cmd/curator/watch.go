package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/robfig/cron/v3"
	"github.com/spf13/cobra"

	"github.com/curator-dev/curator/planner"
	"github.com/curator-dev/curator/reconcile"
	"github.com/curator-dev/curator/sources"
)

// metrics are what watch serves on /metrics.
type metrics struct {
	reg         *prometheus.Registry
	runs        *prometheus.CounterVec
	duration    prometheus.Histogram
	lastSuccess prometheus.Gauge
	drift       prometheus.Gauge
	applied     prometheus.Counter
	requests    prometheus.Counter
	throttles   prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		reg:         prometheus.NewRegistry(),
		runs:        prometheus.NewCounterVec(prometheus.CounterOpts{Name: "curator_reconcile_total", Help: "Reconciliations by result (ok, invalid, error)."}, []string{"result"}),
		duration:    prometheus.NewHistogram(prometheus.HistogramOpts{Name: "curator_reconcile_duration_seconds", Help: "Duration of reconciliations.", Buckets: prometheus.ExponentialBuckets(0.05, 2, 14)}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{Name: "curator_last_success_timestamp_seconds", Help: "When the last reconciliation succeeded."}),
		drift:       prometheus.NewGauge(prometheus.GaugeOpts{Name: "curator_drift", Help: "Changes the last plan found (0: the cloud matches)."}),
		applied:     prometheus.NewCounter(prometheus.CounterOpts{Name: "curator_changes_applied_total", Help: "Changes applied."}),
		requests:    prometheus.NewCounter(prometheus.CounterOpts{Name: "curator_arm_requests_total", Help: "Requests sent to Resource Manager."}),
		throttles:   prometheus.NewCounter(prometheus.CounterOpts{Name: "curator_arm_throttled_total", Help: "429 answers from Resource Manager."}),
	}
	m.reg.MustRegister(m.runs, m.duration, m.lastSuccess, m.drift, m.applied, m.requests, m.throttles,
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
		Use:   "watch [PATH]",
		Short: "Reconcile on every change of the configuration and on a schedule",
		Long: `watch runs a reconciliation at start, whenever the configuration changes
(fsnotify for a folder, a fetch every --interval for --git), and on the cron
--schedule (5 fields or @every 15m). With --apply it applies the plans; with
--plan-only (the default) it reports drift without changing anything. It
serves /healthz, /readyz and Prometheus /metrics on --listen, and stops
cleanly on SIGINT or SIGTERM, letting a running apply finish its current
changes.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if doApply && planOnly {
				return errors.New("--apply and --plan-only exclude each other")
			}
			source, log, err := g.open(cmd, &src, args)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(ctxOf(cmd), syscall.SIGINT, syscall.SIGTERM)
			defer stop()

			triggers := make(chan string, 1)
			trigger := func(why string) {
				select {
				case triggers <- why:
				default: // one pending run covers every trigger
				}
			}
			lead := newLeadership(doApply, cmd.ErrOrStderr(), func() { trigger("elected leader") })
			defer lead.stop()
			if schedule != "" {
				c := cron.New()
				if _, err := c.AddFunc(schedule, func() { trigger("schedule") }); err != nil {
					return fmt.Errorf("--schedule %q: %w", schedule, err)
				}
				c.Start()
				defer c.Stop()
			}
			m := newMetrics()
			m.reg.MustRegister(lead.collectors()...)
			var ready atomic.Bool
			if listen != "" {
				ln, err := net.Listen("tcp", listen)
				if err != nil {
					return fmt.Errorf("--listen %s: %w", listen, err)
				}
				mux := http.NewServeMux()
				mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
				mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
					if !ready.Load() {
						http.Error(w, "no reconciliation has succeeded yet", http.StatusServiceUnavailable)
						return
					}
					fmt.Fprintln(w, "ok")
				})
				mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
				srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
				go srv.Serve(ln)
				defer srv.Close()
				fmt.Fprintf(cmd.ErrOrStderr(), "serving /healthz, /readyz and /metrics on http://%s\n", ln.Addr())
			}
			changed := make(chan struct{}, 1)
			go func() {
				if err := source.Watch(ctx, changed); err != nil {
					log.Error("watching the source failed", "source", source.String(), "error", err)
				}
			}()
			go func() {
				for {
					select {
					case <-ctx.Done():
						return
					case <-changed:
						trigger("source changed")
					}
				}
			}()
			trigger("start")
			out := cmd.OutOrStdout()
			var backoff time.Duration
			for {
				select {
				case <-ctx.Done():
					fmt.Fprintln(cmd.ErrOrStderr(), "stopping")
					return nil
				case why := <-triggers:
					fmt.Fprintf(out, "%s reconcile (%s)\n", time.Now().UTC().Format(time.RFC3339), why)
					start := time.Now()
					result := reconcileOnce(ctx, cmd, g, source, pf, lead, parallelism, m)
					m.runs.WithLabelValues(result).Inc()
					m.duration.Observe(time.Since(start).Seconds())
					switch result {
					case "ok":
						m.lastSuccess.SetToCurrentTime()
						ready.Store(true)
						backoff = 0
					case "error":
						// Throttling, server errors, a failed fetch: try again
						// after a growing pause. An invalid configuration waits
						// for the source to change instead.
						backoff = min(max(2*backoff, 5*time.Second), 5*time.Minute)
						fmt.Fprintf(cmd.ErrOrStderr(), "retrying in %s\n", backoff)
						time.AfterFunc(backoff, func() { trigger("retry") })
					}
				}
			}
		},
	}
	src.register(cmd)
	pf.register(cmd)
	f := cmd.Flags()
	f.DurationVar(&src.interval, "interval", time.Minute, "how often to fetch --git for new commits")
	f.StringVar(&schedule, "schedule", "", `cron schedule for drift checks, e.g. "*/15 * * * *" or "@every 15m"`)
	f.BoolVar(&doApply, "apply", false, "apply the plans")
	f.BoolVar(&planOnly, "plan-only", false, "only plan and report drift (the default)")
	f.StringVar(&listen, "listen", "127.0.0.1:9090", "address for /healthz, /readyz and /metrics (empty: none)")
	f.IntVar(&parallelism, "parallelism", 8, "changes applied at once")
	return cmd
}

// reconcileOnce plans and, if asked, applies; it returns ok, invalid or
// error for the metrics. A stop signal does not cut an apply short: it
// finishes, so no change is left half done.
func reconcileOnce(ctx context.Context, cmd *cobra.Command, g *globals, source sources.Source, pf planFlags, lead *leadership, parallelism int, m *metrics) string {
	out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
	log, _ := g.logger(errw)
	r := reconcile.New(reconcile.Options{
		Source: source, Plan: pf.options(), Logger: log, ConfigCacheDir: configCacheDir(),
		Target: g.targetOptions(log),
		Apply:  reconcile.ApplyOptions{Parallelism: parallelism, Hooks: newProgress(out)},
		Lease:  reconcile.LeaseOptions{OnRenewFailure: lead.onRenewFailure},
		Fence:  lead.fence,
	})
	p, err := r.Plan(ctx)
	if err != nil {
		var invalid *reconcile.InvalidConfigError
		if errors.As(err, &invalid) {
			reportLoad(errw, err)
			fmt.Fprintln(errw, "waiting for the configuration to change")
			return "invalid"
		}
		fmt.Fprintf(errw, "reconcile failed: %v\n", err)
		return "error"
	}
	m.requests.Add(float64(p.Plan.ARMRequests))
	m.throttles.Add(float64(p.Target().Cloud.Throttled()))
	m.drift.Set(float64(len(p.Plan.Changes)))
	fmt.Fprintln(out, planner.SummaryLine(p.Plan))
	if err := p.Refusals.Err(); err != nil {
		p.Close()
		fmt.Fprintf(errw, "%v\n", err)
		return "error"
	}
	p.Close()
	if err := lead.campaign(p.Desired.Target); err != nil {
		fmt.Fprintf(errw, "%v\n", err)
		return "error"
	}
	term, leads := lead.term(ctx)
	if !p.Plan.HasChanges() {
		return "ok"
	}
	if !leads {
		if lead.apply {
			fmt.Fprintln(out, "not the leader: planned only")
		}
		return "ok"
	}
	res, err := r.ApplyPlanned(term, p)
	m.applied.Add(float64(res.Count(reconcile.Done)))
	summarizeResult(out, res)
	if err != nil {
		fmt.Fprintf(errw, "apply failed: %v\n", err)
		return "error"
	}
	m.drift.Set(0)
	return "ok"
}
