package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/curator-dev/curator/reconcile"
	"github.com/curator-dev/curator/sources"
)

func newApplyCmd(g *globals) *cobra.Command {
	var (
		src         sourceFlags
		pf          planFlags
		autoApprove bool
		parallelism int
		noWait      bool
		lockTimeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "apply [PATH | PLANFILE]",
		Short: "Make the cloud match the configuration",
		Long: `apply plans (as curator plan does), shows the plan, asks for confirmation on a
terminal (or takes --auto-approve), and applies it: independent changes in
parallel, each waiting for what it depends on, versions with live replication
progress. Given a PLANFILE saved by "plan --out", it applies exactly that plan,
and refuses it when the configuration or the cloud changed since.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			log, err := g.logger(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			stdout := cmd.OutOrStdout()
			opts := reconcile.Options{
				Plan:           pf.options(),
				Target:         g.targetOptions(log),
				ConfigCacheDir: configCacheDir(),
				Apply:          reconcile.ApplyOptions{Parallelism: parallelism, NoWait: noWait, Hooks: newProgress(stdout)},
				LockTimeout:    lockTimeout,
				OnLockWait: func(holder string) {
					fmt.Fprintf(cmd.ErrOrStderr(), "Waiting for the apply lock (%s)…\n", holder)
				},
				Logger: log,
			}
			if len(args) == 1 {
				if fi, err := os.Stat(args[0]); err == nil && !fi.IsDir() {
					return applySaved(cmd, opts, src, args[0], autoApprove)
				}
			}
			source, err := src.source(args)
			if err != nil {
				return err
			}
			opts.Source = source
			r := reconcile.New(opts)
			ctx := ctxOf(cmd)
			snap, desired, warnings, err := r.Load(ctx)
			if snap == nil || desired == nil {
				return reportLoad(cmd.ErrOrStderr(), err)
			}
			// Hold the target's lock from planning to the end of the apply.
			release, err := r.LockTarget(ctx, desired.Target)
			if err != nil {
				return withExitCode(exitError, err)
			}
			defer release()
			p, err := r.PlanState(ctx, snap, desired)
			if err != nil {
				return err
			}
			defer p.Close()
			printWarnings(cmd.ErrOrStderr(), warnings.Warnings())
			if err := render(stdout, p.Plan, "text"); err != nil {
				return err
			}
			if err := p.Plan.Err(); err != nil {
				return withExitCode(exitError, err)
			}
			if !p.Plan.HasChanges() {
				return nil
			}
			fmt.Fprintf(stdout, "\nSource: %s at %s\nTarget: %s (configuration %q)\n", p.Plan.Source, p.Plan.SourceRevision, p.Plan.Target, p.Plan.Configuration)
			if !autoApprove {
				if err := confirm(cmd.InOrStdin(), stdout); err != nil {
					return err
				}
			}
			fmt.Fprintln(stdout)
			res, err := r.ApplyPlanned(ctx, p)
			if len(res.Changes) > 0 {
				summarizeResult(stdout, res)
			}
			if err != nil {
				return withExitCode(exitError, err)
			}
			return nil
		},
	}
	src.register(cmd)
	pf.register(cmd)
	f := cmd.Flags()
	f.BoolVar(&autoApprove, "auto-approve", false, "apply without asking")
	f.IntVar(&parallelism, "parallelism", 8, "changes applied at once")
	f.BoolVar(&noWait, "no-wait", false, "return once Resource Manager accepted each request, without waiting for replication")
	f.DurationVar(&lockTimeout, "lock-timeout", 5*time.Minute, "how long to wait for another apply to the same target")
	return cmd
}

// applySaved applies a plan file: a file is untrusted, so its configuration
// is planned again at the file's revision, against the cloud as it is now,
// with this command's options, and applied only when that fresh plan is the
// file's plan. What is shown, confirmed and applied is the fresh plan.
func applySaved(cmd *cobra.Command, opts reconcile.Options, src sourceFlags, file string, autoApprove bool) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	saved, err := reconcile.ReadSavedPlan(data)
	if err != nil {
		return withExitCode(exitError, fmt.Errorf("%s: %w", file, err))
	}
	var named sources.Source
	if src.gitURL != "" {
		if named, err = src.source(nil); err != nil {
			return err
		}
	}
	if opts.Source, err = reconcile.SavedPlanSource(saved, named); err != nil {
		return withExitCode(exitError, fmt.Errorf("%s: the configuration it was planned from cannot be read here: %w (pass --git, --ref and --path to name its repository)", file, err))
	}
	r := reconcile.New(opts)
	ctx := ctxOf(cmd)
	p, release, err := r.Rederive(ctx, saved)
	if err != nil {
		var invalid *reconcile.InvalidConfigError
		if errors.As(err, &invalid) {
			return reportLoad(cmd.ErrOrStderr(), err)
		}
		return withExitCode(exitError, fmt.Errorf("%s: %w", file, err))
	}
	defer release()
	defer p.Close()
	stdout := cmd.OutOrStdout()
	printWarnings(cmd.ErrOrStderr(), p.Warnings)
	if err := render(stdout, p.Plan, "text"); err != nil {
		return err
	}
	if !p.Plan.HasChanges() {
		return nil
	}
	fmt.Fprintf(stdout, "\nSource: %s at %s\nTarget: %s (configuration %q)\n", p.Plan.Source, p.Plan.SourceRevision, p.Plan.Target, p.Plan.Configuration)
	if !autoApprove {
		if err := confirm(cmd.InOrStdin(), stdout); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout)
	res, err := r.ApplyPlanned(ctx, p)
	if len(res.Changes) > 0 {
		summarizeResult(stdout, res)
	}
	if err != nil {
		return withExitCode(exitError, err)
	}
	return nil
}
