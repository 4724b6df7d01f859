package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/curator-dev/curator/diag"
	"github.com/curator-dev/curator/reconcile"
	"github.com/curator-dev/curator/sources"
)

func newValidateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate [PATH | ROOT]",
		Short: "Check a configuration against every rule of the service",
		Long: `validate loads the .cue files in PATH (default: the current folder), unifies
them with curator's schema and checks every rule: names, versions, unique
publisher/offer/SKU, limits, replica counts, storage types, the source region
among the target regions. It reports every error at once as
file:line:col: path: message, and exits 1 if there is any.

Given a ROOT that is not a configuration folder itself but holds
configurations below it (folders with a ` + "`package curator`" + ` file; folders
starting with . or _, testdata and cue.mod are not searched), it handles
every configuration on its own and renders one result (see the README's
"A repository of configurations").`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			if err := configFolder(dir); err != nil {
				return withExitCode(exitError, err)
			}
			repo, err := (&sourceFlags{}).repository(ctxOf(cmd), args)
			if err != nil {
				return withExitCode(exitError, err)
			}
			if repo != nil {
				return validateRepo(cmd, repo)
			}
			// Read as plan reads it: links out and anything that is not
			// a regular file are refused, all at once, nothing read
			// through them.
			snap, err := sources.NewLocal(dir).Snapshot(ctxOf(cmd))
			if err != nil {
				problems := splitErrors(err)
				for _, p := range problems {
					fmt.Fprintln(cmd.ErrOrStderr(), showProblem(p))
				}
				return withExitCode(exitError, fmt.Errorf("%s: %d %s", dir, len(problems), map[bool]string{true: "error", false: "errors"}[len(problems) == 1]))
			}
			st, diags := reconcile.LoadSnapshot(snap)
			for _, d := range diags.Warnings() {
				fmt.Fprintln(cmd.ErrOrStderr(), prefixFile(dir, snap.Module, d))
			}
			if errs := diags.Errors(); len(errs) > 0 {
				for _, d := range errs {
					fmt.Fprintln(cmd.ErrOrStderr(), prefixFile(dir, snap.Module, d))
				}
				return withExitCode(exitError, fmt.Errorf("%s: %d %s", dir, len(errs), map[bool]string{true: "error", false: "errors"}[len(errs) == 1]))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: valid\n", st.Counts())
			return nil
		},
	}
}

// prefixFile shows a diagnostic's file relative to the working folder: a
// file of the configuration folder dir, or (named by its path in the
// module, as lib/regions.cue) a file of the CUE module mod it lies in.
func prefixFile(dir string, mod *sources.Module, d diag.Diagnostic) string {
	if d.Pos.File == "" {
		return d.String()
	}
	base := dir
	if mod != nil && strings.Contains(d.Pos.File, "/") {
		base = moduleRootOf(dir, mod.Dir)
	}
	if base != "." {
		d.Pos.File = filepath.Join(base, filepath.FromSlash(d.Pos.File))
	}
	return d.String()
}

// moduleRootOf is the root of the module whose folder modDir is dir.
func moduleRootOf(dir, modDir string) string {
	if modDir == "." {
		return dir
	}
	return filepath.Join(dir, strings.Repeat(".."+string(filepath.Separator), strings.Count(modDir, "/")+1))
}

// splitErrors lists the problems err joins (itself when it joins none),
// looking through the errors that wrap them.
func splitErrors(err error) []error {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			var all []error
			for _, p := range j.Unwrap() {
				all = append(all, splitErrors(p)...)
			}
			return all
		}
	}
	return []error{err}
}

// showProblem shows a problem, a file's path relative to the working
// folder.
func showProblem(err error) string {
	var fe *sources.FileError
	if !errors.As(err, &fe) {
		return err.Error()
	}
	p := filepath.Join(fe.Root, filepath.FromSlash(fe.Path))
	if wd, werr := os.Getwd(); werr == nil {
		if rel, rerr := filepath.Rel(wd, p); rerr == nil && !strings.HasPrefix(rel, "..") {
			p = rel
		}
	}
	fe2 := *fe
	fe2.Path = p
	return fe2.Error()
}
