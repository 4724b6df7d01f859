package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/curator-dev/curator/reconcile"
	"github.com/curator-dev/curator/sources"
)

func newPlanCmd(g *globals) *cobra.Command {
	var (
		src          sourceFlags
		pf           planFlags
		output, out  string
		detailedExit bool
		changedFrom  string
	)
	cmd := &cobra.Command{
		Use:   "plan [PATH | ROOT]",
		Short: "Show what curator would change to make the cloud match the configuration",
		Long: `plan loads the configuration (PATH, default the current folder, or --git),
reads the actual state of its target, and shows the changes an apply would
make: + create, ~ update, -/+ replace, - delete, <= adopt.

A change a safety rule refuses (a replace without --allow-replace, an
adoption without --adopt, more deletes than maxDeletes) is shown marked
refused, with what would allow it, and the plan exits 1.

Exit codes with --detailed-exitcode: 0 no changes, 2 changes present, 1 error
or refused plan.

Given a ROOT that is not a configuration folder itself but holds
configurations below it (folders with a ` + "`package curator`" + ` file; folders
starting with . or _, testdata and cue.mod are not searched), it handles
every configuration on its own and renders one result (see the README's
"A repository of configurations").`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(output); err != nil {
				return err
			}
			repo, err := src.openRepository(ctxOf(cmd), args, changedFrom != "")
			if err != nil {
				return err
			}
			if repo != nil && changedFrom != "" {
				if err := repo.changedFrom(ctxOf(cmd), changedFrom); err != nil {
					return withExitCode(exitError, err)
				}
			}
			if repo != nil {
				if out != "" {
					return fmt.Errorf("--out saves the plan of one configuration, and %s holds %d: plan a configuration's folder to save its plan", repo.name, len(repo.configs))
				}
				log, err := g.logger(cmd.ErrOrStderr())
				if err != nil {
					return err
				}
				return planRepo(cmd, repo, reconcile.Options{Plan: pf.options(), Target: g.targetOptions(log), Logger: log, ConfigCacheDir: configCacheDir()}, output, detailedExit)
			}
			p, _, err := g.planOne(cmd, &src, &pf, args)
			if err != nil {
				return err
			}
			defer p.Close()
			if err := render(cmd.OutOrStdout(), p.Plan, output); err != nil {
				return err
			}
			if out != "" && p.Refusals.HasErrors() {
				fmt.Fprintf(cmd.ErrOrStderr(), "The plan is refused, so it was not saved to %s.\n", out)
			} else if out != "" {
				data, err := p.Plan.MarshalJSON()
				if err != nil {
					return err
				}
				if err := os.WriteFile(out, append(data, '\n'), 0o644); err != nil {
					return fmt.Errorf("save the plan: %w", err)
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "Saved the plan to %s: apply exactly it with `%s`.\n", out, src.applyCommand(out, args))
			}
			// A refused plan is rendered in full, refusals included, and
			// exits 1.
			if err := p.Plan.Err(); err != nil {
				return withExitCode(exitError, err)
			}
			if detailedExit && p.Plan.HasChanges() {
				return withExitCode(exitChanges, nil)
			}
			return nil
		},
	}
	src.register(cmd)
	pf.register(cmd)
	f := cmd.Flags()
	f.StringVarP(&output, "output", "o", "text", "output format: text, json or markdown")
	f.StringVar(&out, "out", "", "save the plan (JSON) to this file, for `curator apply FILE`")
	f.BoolVar(&detailedExit, "detailed-exitcode", false, "exit 2 when the plan has changes, 0 when it has none")
	f.StringVar(&changedFrom, "changed-from", "", "plan only the configurations whose files, or files of packages they import, changed since the merge base of this git ref (all of them when curator itself or its schema changed)")
	return cmd
}

// planOne plans the one configuration a command names (PATH or --git):
// loaded, its target read, planned; its warnings printed, and a source
// error tolerated with the last good revision said. The caller closes
// the plan.
func (g *globals) planOne(cmd *cobra.Command, src *sourceFlags, pf *planFlags, args []string) (*reconcile.Planned, sources.Source, error) {
	source, log, err := g.open(cmd, src, args)
	if err != nil {
		return nil, nil, err
	}
	r := reconcile.New(reconcile.Options{Source: source, Plan: pf.options(), Target: g.targetOptions(log), Logger: log, ConfigCacheDir: configCacheDir()})
	p, err := r.Plan(ctxOf(cmd))
	if err != nil {
		return nil, nil, reportLoad(cmd.ErrOrStderr(), source, err)
	}
	printWarnings(cmd.ErrOrStderr(), source, p.Snapshot.Module, p.Warnings)
	if p.SourceErr != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: %v; planned the last good revision %s\n", p.SourceErr, p.Snapshot.Revision)
	}
	return p, source, nil
}
