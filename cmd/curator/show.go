package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/curator-dev/curator/estateview"
	"github.com/curator-dev/curator/planner"
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
			fi, err := os.Stat(args[0])
			switch {
			case errors.Is(err, fs.ErrNotExist):
				return fmt.Errorf("%s is not a plan file: it does not exist; save one with `curator plan --out FILE`", args[0])
			case err != nil:
				return err
			case fi.IsDir():
				return fmt.Errorf("%s is a folder: show renders a plan file saved by `curator plan --out FILE`; the estate of a configuration is `curator show --estate %s -o html`", args[0], shellWord(args[0]))
			case !fi.Mode().IsRegular():
				// A pipe would block the read; a plan file is a file.
				return fmt.Errorf("%s is not a plan file: it is not a regular file (%s)", args[0], fi.Mode().Type())
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

// showEstate plans the configuration — or every configuration of a
// repository — and writes the estate page of this moment.
func showEstate(cmd *cobra.Command, g *globals, src *sourceFlags, pf *planFlags, args []string) error {
	repo, err := src.repository(ctxOf(cmd), args)
	if err != nil {
		return err
	}
	if repo != nil {
		log, err := g.logger(cmd.ErrOrStderr())
		if err != nil {
			return err
		}
		return showRepoEstate(cmd, repo, reconcile.Options{Plan: pf.options(), Target: g.targetOptions(log), Logger: log, ConfigCacheDir: configCacheDir()})
	}
	p, source, err := g.planOne(cmd, src, pf, args)
	if err != nil {
		return err
	}
	defer p.Close()
	c := estateview.Configuration{
		Key: p.Desired.Name, Name: p.Desired.Name, Source: source.String(), Target: p.Plan.Target,
		Revision: p.Snapshot.Revision, Desired: p.Desired, Actual: p.Actual(),
	}
	if p.Plan.HasChanges() {
		c.Plan = p.Plan
	}
	return estateview.WriteSnapshot(cmd.OutOrStdout(), []estateview.Configuration{c}, time.Now())
}

// showRepoEstate plans every configuration of a repository and writes one
// page of them all, in the repository's order; a configuration that did
// not load or plan is shown with its error.
func showRepoEstate(cmd *cobra.Command, repo *repository, opts reconcile.Options) error {
	ctx := ctxOf(cmd)
	run := newRepoRun(ctx, repo, opts)
	configs := make([]estateview.Configuration, len(run.loaded))
	index := map[string]int{}
	for i, l := range run.loaded {
		index[l.Path] = i
		configs[i] = estateview.Configuration{Key: l.Path, Name: l.Path, Source: repo.name + " " + l.Path}
		if l.Snapshot != nil {
			configs[i].Revision = l.Snapshot.Revision
		}
		if l.Desired != nil {
			configs[i].Name, configs[i].Desired = l.Desired.Name, l.Desired
		}
		if err := run.sections[i].Err; err != "" {
			configs[i].Last = &estateview.Reconcile{Outcome: "invalid configuration", At: time.Now(), Error: err}
		}
	}
	var mu sync.Mutex
	run.each(ctx, func(ctx context.Context, r *reconcile.Reconciler, l reconcile.Loaded, s *planner.Section) {
		p := planSection(ctx, r, l, s)
		mu.Lock()
		defer mu.Unlock()
		c := &configs[index[l.Path]]
		if p == nil {
			c.Last = &estateview.Reconcile{Outcome: "error", At: time.Now(), Error: s.Err}
			return
		}
		defer p.Close()
		c.Target, c.Actual = p.Plan.Target, p.Actual()
		if p.Plan.HasChanges() {
			c.Plan = p.Plan
		}
	})
	return estateview.WriteSnapshot(cmd.OutOrStdout(), configs, time.Now())
}
