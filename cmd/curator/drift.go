package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/curator-dev/curator/planner"
	"github.com/curator-dev/curator/reconcile"
)

func newDriftCmd(g *globals) *cobra.Command {
	var (
		src    sourceFlags
		output string
		prices pricesFlag
	)
	cmd := &cobra.Command{
		Use:   "drift [PATH | ROOT]",
		Short: "Report what changed in the cloud outside curator",
		Long: `drift plans the last applied configuration against the cloud: anything it
would change is drift made behind curator's back (a replica count edited in
the portal, a share removed, a version deleted).

Exit codes: 0 no drift, 2 drift, 1 error.

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
			repo, err := src.repository(ctxOf(cmd), args)
			if err != nil {
				return err
			}
			if repo != nil {
				log, err := g.logger(cmd.ErrOrStderr())
				if err != nil {
					return err
				}
				return driftRepo(cmd, repo, reconcile.Options{Plan: planner.Options{Prices: prices.table}, Target: g.targetOptions(log), Logger: log, ConfigCacheDir: configCacheDir()}, output)
			}
			source, log, err := g.open(cmd, &src, args)
			if err != nil {
				return err
			}
			r := reconcile.New(reconcile.Options{Source: source, Plan: planner.Options{Prices: prices.table}, Target: g.targetOptions(log), Logger: log, ConfigCacheDir: configCacheDir()})
			p, applied, err := r.Drift(ctxOf(cmd))
			if err != nil {
				return reportLoad(cmd.ErrOrStderr(), source, err)
			}
			defer p.Close()
			if !applied {
				fmt.Fprintln(cmd.ErrOrStderr(), "note: nothing was applied from here yet; comparing the cloud with the current configuration")
			}
			if path, at := p.Plan.ReadPath, p.Plan.ReadAt; !at.IsZero() {
				how := "Resource Manager"
				if path == "graph" {
					how = "Azure Resource Graph, which lags Resource Manager by seconds"
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "The cloud as of %s, read through %s.\n", at.UTC().Format(time.RFC3339), how)
			}
			if err := render(cmd.OutOrStdout(), p.Plan, output); err != nil {
				return err
			}
			for _, d := range p.Refusals {
				fmt.Fprintln(cmd.ErrOrStderr(), d)
			}
			if p.Plan.HasChanges() || p.Refusals.HasErrors() {
				fmt.Fprintf(cmd.ErrOrStderr(), "Drift: the cloud differs from revision %s.\n", p.Plan.SourceRevision)
				return withExitCode(exitChanges, nil)
			}
			return nil
		},
	}
	src.register(cmd)
	prices.register(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text, json or markdown")
	return cmd
}
