package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/curator-dev/curator/estateview"
	"github.com/curator-dev/curator/reconcile"
)

func newShowCmd(g *globals) *cobra.Command {
	var (
		output string
		estate bool
		src    sourceFlags
		pf     planFlags
	)
	cmd := &cobra.Command{
		Use:   "show PLANFILE | show --estate [PATH | --git …] -o html",
		Short: "Render a saved plan as text, JSON or Markdown, or the estate as an HTML page",
		Long: `show PLANFILE renders a saved plan as text, JSON or Markdown.

show --estate reads the configuration (PATH, default the current folder, or
--git) and the actual state of its target, plans, and writes the estate
page of that moment as one self-contained HTML file (-o html): galleries,
definitions and versions × regions with replication, replicas, latest and
end of life, the pending plan and its text. The file runs no script and
loads nothing, so it can be kept as a CI artifact and opened anywhere.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if estate {
				if output != "html" {
					return fmt.Errorf("-o %q: --estate writes html (-o html)", output)
				}
				return showEstate(cmd, g, &src, &pf, args)
			}
			if output == "html" {
				return errors.New("-o html is for --estate; a plan renders as text, json or markdown")
			}
			if len(args) != 1 {
				return errors.New("show needs a PLANFILE, or --estate")
			}
			if src.gitURL != "" {
				return errors.New("--git is for --estate")
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			p, err := reconcile.ReadSavedPlan(data)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			return render(cmd.OutOrStdout(), p, output)
		},
	}
	src.register(cmd)
	pf.register(cmd)
	f := cmd.Flags()
	f.StringVarP(&output, "output", "o", "text", "output format: text, json or markdown; html with --estate")
	f.BoolVar(&estate, "estate", false, "write the estate page of the configuration at PATH (or --git) as one HTML file")
	return cmd
}

// showEstate plans the configuration and writes the estate page of this
// moment.
func showEstate(cmd *cobra.Command, g *globals, src *sourceFlags, pf *planFlags, args []string) error {
	source, log, err := g.open(cmd, src, args)
	if err != nil {
		return err
	}
	r := reconcile.New(reconcile.Options{Source: source, Plan: pf.options(), Target: g.targetOptions(log), Logger: log, ConfigCacheDir: configCacheDir()})
	p, err := r.Plan(ctxOf(cmd))
	if err != nil {
		return reportLoad(cmd.ErrOrStderr(), err)
	}
	defer p.Close()
	printWarnings(cmd.ErrOrStderr(), p.Warnings)
	c := estateview.Configuration{
		Key: p.Desired.Name, Name: p.Desired.Name, Source: source.String(), Target: p.Plan.Target,
		Revision: p.Snapshot.Revision, Desired: p.Desired, Actual: p.Actual(),
	}
	if p.Plan.HasChanges() {
		c.Plan = p.Plan
	}
	return estateview.WriteSnapshot(cmd.OutOrStdout(), []estateview.Configuration{c}, time.Now())
}
