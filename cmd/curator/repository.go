package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/curator-dev/curator/cloud/azure"
	"github.com/curator-dev/curator/diag"
	"github.com/curator-dev/curator/planner"
	"github.com/curator-dev/curator/reconcile"
	"github.com/curator-dev/curator/schema"
	"github.com/curator-dev/curator/sources"
)

// A command given a folder that is not a configuration itself but holds
// configurations below it (a repository of configurations) handles each
// of them on its own and renders one result. A configuration folder is
// handled exactly as before.

// repository is a repository of configurations a command was given.
type repository struct {
	// name says which repository, for people: the ROOT argument, or the
	// git source.
	name    string
	source  sources.Source
	tree    *sources.Tree
	configs []reconcile.RepoConfig
	// note says how the configurations were chosen, for the Markdown.
	note string
	// skipped are the configurations --changed-from left out, with why.
	skipped []planner.Section
}

// repository returns the repository the command names, or nil when it
// names one configuration (a folder of `package curator` files, or one
// with no configuration below it: handled, and refused, as before).
func (s *sourceFlags) repository(ctx context.Context, args []string) (*repository, error) {
	return s.openRepository(ctx, args, false)
}

// openRepository is repository; with whole, a configuration folder is a
// repository of that one configuration.
func (s *sourceFlags) openRepository(ctx context.Context, args []string, whole bool) (*repository, error) {
	source, err := s.source(args)
	if err != nil {
		return nil, err
	}
	var name string
	switch src := source.(type) {
	case *sources.Local:
		if !whole && schema.IsConfigFolder(os.DirFS(src.Dir), ".") {
			return nil, nil
		}
		name = src.Dir
	case *sources.Git:
		name = src.String()
	default:
		return nil, nil
	}
	tr, ok := source.(sources.TreeReader)
	if !ok {
		return nil, nil
	}
	tree, err := tr.Tree(ctx)
	if tree == nil || err != nil {
		if whole {
			return nil, err
		}
		// The single configuration's path reports what is wrong.
		return nil, nil
	}
	if schema.IsConfigFolder(tree.FS, tree.Root) {
		if !whole {
			return nil, nil
		}
		c := reconcile.RepoConfig{Path: ".", Dir: tree.Root, Snapshot: tree.Configuration(tree.Root)}
		return &repository{name: name, source: source, tree: tree, configs: []reconcile.RepoConfig{c}}, nil
	}
	configs, err := reconcile.Configurations(tree)
	if err != nil {
		return nil, fmt.Errorf("find the configurations under %s: %w", name, err)
	}
	if len(configs) == 0 {
		if err := notAConfiguration(name, tree); err != nil {
			return nil, err
		}
		if whole {
			return nil, fmt.Errorf("%s holds no configuration (a folder with a `package curator` file)", name)
		}
		return nil, nil
	}
	return &repository{name: name, source: source, tree: tree, configs: configs}, nil
}

// notAConfiguration explains a folder of a CUE module that holds one of the
// module's packages (shared regions, policies) rather than a configuration:
// which package it is, the configurations that import it, and what to give
// curator instead. It returns nil for any other folder.
func notAConfiguration(name string, tree *sources.Tree) error {
	if !tree.Module {
		return nil
	}
	pkg, importers, ok := schema.PackageFolder(tree.FS, tree.Root)
	if !ok {
		return nil
	}
	where := func(dir string) string {
		if g, ok := tree.Source(dir).(*sources.Git); ok {
			if g.Path == "" || g.Path == "." {
				return "no --path"
			}
			return "--path " + shellWord(g.Path)
		}
		return shellWord(filepath.Join(moduleRootOf(name, tree.Root), filepath.FromSlash(dir)))
	}
	at := where(".")
	if at == "no --path" {
		at = "the repository's root"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s is not a configuration: its .cue files are package %s, a package of the CUE module at %s", name, pkg, at)
	if len(importers) == 0 {
		b.WriteString(" that no configuration of the module imports")
	} else {
		shown := make([]string, len(importers))
		for i, c := range importers {
			shown[i] = where(c)
		}
		fmt.Fprintf(&b, ", imported by %s %s", map[bool]string{true: "the configuration", false: "the configurations"}[len(shown) == 1], strings.Join(shown, ", "))
	}
	fmt.Fprintf(&b, ". Give curator the module's root (%s) to handle every configuration", where("."))
	if len(importers) > 0 {
		fmt.Fprintf(&b, ", or a configuration's folder (%s)", where(importers[0]))
	}
	b.WriteString(".")
	return errors.New(b.String())
}

// changedFrom narrows the repository to the configurations a change since
// ref's merge base touches: whose files, or files of packages they
// import, differ; every one when curator itself or its schema changed.
// The others become skipped sections saying why.
func (r *repository) changedFrom(ctx context.Context, ref string) error {
	cr, ok := r.source.(sources.ChangesReader)
	if !ok {
		return fmt.Errorf("--changed-from needs a git repository: %s is not one", r.name)
	}
	ch, err := cr.ChangesSince(ctx, ref, r.tree)
	if err != nil {
		return err
	}
	base := ch.Base[:min(12, len(ch.Base))]
	if p := reconcile.CuratorChanged(ch.Repository); p != "" {
		r.note = fmt.Sprintf("Every configuration is planned: curator itself or its schema changed since %s (%s, the merge base of %s).", base, p, ref)
		return nil
	}
	var kept []reconcile.RepoConfig
	for _, c := range r.configs {
		if reconcile.Touched(c, ch.Files) {
			kept = append(kept, c)
			continue
		}
		r.skipped = append(r.skipped, planner.Section{Path: c.Path,
			Skipped: fmt.Sprintf("none of its files or of the packages it imports changed since %s (the merge base of %s)", base, ref)})
	}
	r.configs = kept
	r.note = fmt.Sprintf("Only the configurations changed since %s (the merge base of %s) are planned.", base, ref)
	return nil
}

// repoRun is what a repository command shares: how to make each
// configuration's reconciler, and the result's sections.
type repoRun struct {
	repo     *repository
	opts     reconcile.Options
	sections []planner.Section
	loaded   []reconcile.Loaded
}

// newRepoRun loads every configuration of repo. opts is each
// configuration's reconciler options but its source; the targets of one
// subscription share ARM budgets.
func newRepoRun(ctx context.Context, repo *repository, opts reconcile.Options) *repoRun {
	opts.Target.Budgets = azure.NewBudgets()
	opts.Target.Emulators = reconcile.NewEmulators()
	run := &repoRun{repo: repo, opts: opts, sections: make([]planner.Section, len(repo.configs))}
	run.loaded = reconcile.LoadAll(ctx, repo.configs, run.reconciler)
	for i, l := range run.loaded {
		run.sections[i].Path = l.Path
		if l.Err == nil {
			continue
		}
		var invalid *reconcile.InvalidConfigError
		if errors.As(l.Err, &invalid) {
			errs := invalid.Diagnostics.Errors()
			run.sections[i].Err = fmt.Sprintf("the configuration has %d %s; nothing was planned or changed", len(errs), pluralWord(len(errs), "error", "errors"))
			for _, d := range invalid.Diagnostics {
				run.sections[i].Diagnostics = append(run.sections[i].Diagnostics, repoDiagnostic(l.Snapshot, d))
			}
			continue
		}
		run.sections[i].Err = l.Err.Error()
	}
	return run
}

// close stops the local target's emulators the run started.
func (r *repoRun) close() { r.opts.Target.Emulators.Close() }

func (r *repoRun) reconciler(c reconcile.RepoConfig) *reconcile.Reconciler {
	opts := r.opts
	opts.Source = &sources.Fixed{Snap: c.Snapshot}
	return reconcile.New(opts)
}

// each runs fn for every configuration that loaded, those of different
// targets at once.
func (r *repoRun) each(ctx context.Context, fn func(ctx context.Context, rec *reconcile.Reconciler, l reconcile.Loaded, s *planner.Section)) {
	reconcile.ForEachTarget(ctx, r.loaded, r.opts.Target.StateDir, func(ctx context.Context, i int) {
		fn(ctx, r.reconciler(r.loaded[i].RepoConfig), r.loaded[i], &r.sections[i])
	})
}

// all is every section, the skipped ones after those handled.
func (r *repoRun) all() []planner.Section {
	return append(append([]planner.Section(nil), r.sections...), r.repo.skipped...)
}

// repoDiagnostic names a diagnostic's file by its path in the repository:
// the configuration's own files under its folder, a module file as the
// module names it.
func repoDiagnostic(snap *sources.Snapshot, d diag.Diagnostic) string {
	if d.Pos.File != "" && !strings.Contains(d.Pos.File, "/") {
		dir := "."
		if snap.Module != nil {
			dir = snap.Module.Dir
		}
		d.Pos.File = path.Join(dir, d.Pos.File)
	}
	return d.String()
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// renderRepo writes the repository's result in format.
func renderRepo(w io.Writer, sections []planner.Section, format, title, note string) error {
	switch format {
	case "text", "":
		_, err := io.WriteString(w, planner.RenderRepositoryText(sections, useColor(w)))
		return err
	case "json":
		data, err := planner.MarshalRepositoryJSON(sections)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", data)
		return err
	case "markdown", "md":
		_, err := io.WriteString(w, planner.RenderRepositoryMarkdown(sections, title, note))
		return err
	}
	return fmt.Errorf("-o %q: use text, json or markdown", format)
}

// repoExit aggregates the configurations' outcomes: any failure or refusal
// exits 1 naming them; otherwise changes exit with changesCode (2, or 0
// without --detailed-exitcode); otherwise 0.
func repoExit(sections []planner.Section, changesCode int) error {
	var failed []string
	changes := false
	for _, s := range sections {
		if s.Failed() {
			failed = append(failed, s.Path)
		}
		changes = changes || s.Plan != nil && s.Plan.HasChanges()
	}
	if len(failed) > 0 {
		return withExitCode(exitError, fmt.Errorf("%d of %d configurations failed or were refused: %s", len(failed), len(sections), strings.Join(failed, ", ")))
	}
	if changes && changesCode != 0 {
		return withExitCode(changesCode, nil)
	}
	return nil
}

// planRepo plans every configuration of repo.
func planRepo(cmd *cobra.Command, repo *repository, opts reconcile.Options, output string, detailedExit bool) error {
	ctx := ctxOf(cmd)
	run := newRepoRun(ctx, repo, opts)
	defer run.close()
	run.each(ctx, func(ctx context.Context, r *reconcile.Reconciler, l reconcile.Loaded, s *planner.Section) {
		if p := planSection(ctx, r, l, s); p != nil {
			p.Close()
		}
	})
	sections := run.all()
	if err := renderRepo(cmd.OutOrStdout(), sections, output, fmt.Sprintf("curator plan for `%s`", repo.name), repo.note); err != nil {
		return err
	}
	code := 0
	if detailedExit {
		code = exitChanges
	}
	return repoExit(sections, code)
}

// planSection plans a loaded configuration into its section: the plan,
// and the error when planning failed (nil is returned) or the plan is
// refused. The caller closes what is returned.
func planSection(ctx context.Context, r *reconcile.Reconciler, l reconcile.Loaded, s *planner.Section) *reconcile.Planned {
	p, err := r.PlanState(ctx, l.Snapshot, l.Desired)
	if err != nil {
		s.Err = err.Error()
		return nil
	}
	s.Plan = p.Plan
	if err := p.Plan.Err(); err != nil {
		s.Err = err.Error()
	}
	return p
}

// driftRepo plans every configuration's last applied revision against the
// cloud.
func driftRepo(cmd *cobra.Command, repo *repository, opts reconcile.Options, output string) error {
	ctx := ctxOf(cmd)
	run := newRepoRun(ctx, repo, opts)
	defer run.close()
	run.each(ctx, func(ctx context.Context, r *reconcile.Reconciler, _ reconcile.Loaded, s *planner.Section) {
		p, applied, err := r.Drift(ctx)
		if err != nil {
			s.Err = err.Error()
			return
		}
		defer p.Close()
		s.Plan = p.Plan
		if !applied {
			s.Output = "note: nothing was applied from here yet; compared the cloud with the current configuration\n"
		}
	})
	sections := run.all()
	if err := renderRepo(cmd.OutOrStdout(), sections, output, fmt.Sprintf("curator drift for `%s`", repo.name), repo.note); err != nil {
		return err
	}
	return repoExit(sections, exitChanges)
}

// applyRepo applies every configuration of repo, each under its own lock
// from planning to the end of its apply; those of different targets at
// once.
func applyRepo(cmd *cobra.Command, repo *repository, opts reconcile.Options, autoApprove bool, parallelism int, noWait bool) error {
	if !autoApprove {
		return withExitCode(exitError, fmt.Errorf("%s holds %d configurations: applying them does not ask for each; review `curator plan %s` and give --auto-approve", repo.name, len(repo.configs), repo.name))
	}
	ctx := ctxOf(cmd)
	run := newRepoRun(ctx, repo, opts)
	defer run.close()
	stderr := cmd.ErrOrStderr()
	run.each(ctx, func(ctx context.Context, _ *reconcile.Reconciler, l reconcile.Loaded, s *planner.Section) {
		var out bytes.Buffer
		o := run.opts
		o.Source = &sources.Fixed{Snap: l.Snapshot}
		o.Apply = reconcile.ApplyOptions{Parallelism: parallelism, NoWait: noWait, Hooks: newProgress(&out)}
		o.OnLockWait = func(holder string) {
			fmt.Fprintf(stderr, "%s: waiting for the apply lock (%s)…\n", l.Path, holder)
		}
		r := reconcile.New(o)
		defer func() { s.Output = out.String() }()
		release, err := r.LockTarget(ctx, l.Desired.Target)
		if err != nil {
			s.Err = err.Error()
			return
		}
		defer release()
		p := planSection(ctx, r, l, s)
		if p == nil {
			return
		}
		defer p.Close()
		if s.Err != "" || !p.Plan.HasChanges() {
			return
		}
		fmt.Fprintf(stderr, "%s: applying %s\n", l.Path, planner.SummaryLine(p.Plan))
		res, err := r.ApplyPlanned(ctx, p)
		if len(res.Changes) > 0 {
			summarizeResult(&out, res)
		}
		if err != nil {
			s.Err = err.Error()
			return
		}
		s.Applied = true
	})
	sections := run.all()
	if err := renderRepo(cmd.OutOrStdout(), sections, "text", "", ""); err != nil {
		return err
	}
	return repoExit(sections, 0)
}

// validateRepo validates every configuration of repo.
func validateRepo(cmd *cobra.Command, repo *repository) error {
	var failed []string
	out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
	for _, c := range repo.configs {
		st, diags := reconcile.LoadSnapshot(c.Snapshot)
		for _, d := range diags {
			fmt.Fprintln(errw, repoDiagnostic(c.Snapshot, d))
		}
		if diags.HasErrors() {
			n := len(diags.Errors())
			fmt.Fprintf(out, "%s: %d %s\n", c.Path, n, pluralWord(n, "error", "errors"))
			failed = append(failed, c.Path)
			continue
		}
		fmt.Fprintf(out, "%s: %s: valid\n", c.Path, st.Counts())
	}
	if len(failed) > 0 {
		return withExitCode(exitError, fmt.Errorf("%d of %d configurations are invalid: %s", len(failed), len(repo.configs), strings.Join(failed, ", ")))
	}
	return nil
}
