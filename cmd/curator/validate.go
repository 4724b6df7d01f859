package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/curator-dev/curator/schema"
)

func newValidateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate [PATH]",
		Short: "Check a configuration against every rule of the service",
		Long: `validate loads the .cue files in PATH (default: the current folder), unifies
them with curator's schema and checks every rule: names, versions, unique
publisher/offer/SKU, limits, replica counts, storage types, the source region
among the target regions. It reports every error at once as
file:line:col: path: message, and exits 1 if there is any.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				return withExitCode(exitError, fmt.Errorf("%s is not a folder of .cue files", dir))
			}
			st, diags := schema.Load(os.DirFS(dir))
			for _, d := range diags.Warnings() {
				fmt.Fprintln(cmd.ErrOrStderr(), prefixFile(dir, d))
			}
			if errs := diags.Errors(); len(errs) > 0 {
				for _, d := range errs {
					fmt.Fprintln(cmd.ErrOrStderr(), prefixFile(dir, d))
				}
				return withExitCode(exitError, fmt.Errorf("%s: %d %s", dir, len(errs), map[bool]string{true: "error", false: "errors"}[len(errs) == 1]))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: valid\n", st.Counts())
			return nil
		},
	}
}

// prefixFile shows a diagnostic's file relative to the working folder.
func prefixFile(dir string, d schema.Diagnostic) string {
	if d.Pos.File != "" && dir != "." {
		d.Pos.File = dir + string(os.PathSeparator) + d.Pos.File
	}
	return d.String()
}
