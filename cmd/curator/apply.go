package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/curator-dev/curator/reconcile"
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
		Use:   "apply [PATH | ROOT] | apply PLANFILE [PATH]",
		Short: "Make the cloud match the configuration",
		Long: `apply plans (as curator plan does), shows the plan, asks for confirmation on a
terminal (or takes --auto-approve), and applies it: independent changes in
parallel, each waiting for what it depends on, versions with live replication
progress. Given a PLANFILE saved by "plan --out", it plans the configuration
you name (a PATH after the plan file, or --git URL [--ref REF] [--path SUB];
without them, the current folder) and applies that plan only when it is the
file's: a file made from another configuration, or when the configuration or
the cloud changed since, is refused.

Given a ROOT that is not a configuration folder itself but holds
configurations below it (folders with a ` + "`package curator`" + ` file; folders
starting with . or _, testdata and cue.mod are not searched), it handles
every configuration on its own and renders one result (see the README's
"A repository of configurations").`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			// SIGINT and SIGTERM cancel the apply through its context:
			// no further change starts, and the summary says what was
			// done and what was cancelled.
			ctx, stop := interruptible(ctxOf(cmd))
			defer stop()
			cmd.SetContext(ctx)
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
			if len(args) > 0 {
				if fi, err := os.Stat(args[0]); err == nil && !fi.IsDir() {
					if !fi.Mode().IsRegular() {
						// A pipe would block the read; a plan file is a file.
						return withExitCode(exitError, fmt.Errorf("%s is not a plan file: it is not a regular file (%s)", args[0], fi.Mode().Type()))
					}
					return applySaved(cmd, opts, src, args[0], args[1:], autoApprove)
				}
			}
			if len(args) > 1 {
				return fmt.Errorf("%s is not a plan file: give a PATH, or a PLANFILE and the PATH it was planned from", args[0])
			}
			repo, err := src.repository(ctx, args)
			if err != nil {
				return err
			}
			if repo != nil {
				return applyRepo(cmd, repo, opts, autoApprove, parallelism, noWait)
			}
			source, err := src.source(args)
			if err != nil {
				return err
			}
			opts.Source = source
			r := reconcile.New(opts)
			snap, desired, warnings, err := r.Load(ctx)
			if snap == nil || desired == nil {
				return reportLoad(cmd.ErrOrStderr(), source, err)
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
			printWarnings(cmd.ErrOrStderr(), source, snap.Module, warnings.Warnings())
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
				if err := confirm(ctxOf(cmd), cmd.InOrStdin(), stdout); err != nil {
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

// applySaved applies a plan file: a file is untrusted, so the configuration
// the user names (args, or --git; by default the current folder) is planned
// again, against the cloud as it is now, with this command's options, and
// applied only when the file was made from that configuration, at the same
// revision, and the fresh plan is the file's plan. What is shown, confirmed
// and applied is the fresh plan.
func applySaved(cmd *cobra.Command, opts reconcile.Options, src sourceFlags, file string, args []string, autoApprove bool) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	saved, err := reconcile.ReadSavedPlan(data)
	if err != nil {
		return withExitCode(exitError, fmt.Errorf("%s: %w", file, err))
	}
	if opts.Source, err = src.source(args); err != nil {
		return err
	}
	if err := reconcile.CheckSavedPlanSource(saved, opts.Source); err != nil {
		return withExitCode(exitError, fmt.Errorf("%s: %w", file, err))
	}
	r := reconcile.New(opts)
	ctx := ctxOf(cmd)
	p, release, err := r.Rederive(ctx, saved)
	if err != nil {
		var invalid *reconcile.InvalidConfigError
		if errors.As(err, &invalid) {
			return reportLoad(cmd.ErrOrStderr(), opts.Source, err)
		}
		return withExitCode(exitError, fmt.Errorf("%s: %w", file, err))
	}
	defer release()
	defer p.Close()
	stdout := cmd.OutOrStdout()
	printWarnings(cmd.ErrOrStderr(), opts.Source, p.Snapshot.Module, p.Warnings)
	if err := render(stdout, p.Plan, "text"); err != nil {
		return err
	}
	if !p.Plan.HasChanges() {
		return nil
	}
	fmt.Fprintf(stdout, "\nSource: %s at %s\nTarget: %s (configuration %q)\n", p.Plan.Source, p.Plan.SourceRevision, p.Plan.Target, p.Plan.Configuration)
	if !autoApprove {
		if err := confirm(ctxOf(cmd), cmd.InOrStdin(), stdout); err != nil {
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
