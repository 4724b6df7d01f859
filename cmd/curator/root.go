package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Exit codes of curator. plan --detailed-exitcode and drift use exitChanges.
const (
	exitOK      = 0
	exitError   = 1
	exitChanges = 2
)

// exitError carries an exit code out of a command without printing more.
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitCodeError) Unwrap() error { return e.err }

// withExitCode makes a command exit with code; err (may be nil) is printed.
func withExitCode(code int, err error) error { return &exitCodeError{code: code, err: err} }

// run executes curator with args and returns the process exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdin, stdout, stderr)
}

// runContext is run with a context that stops long-running commands.
func runContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ec *exitCodeError
	if errors.As(err, &ec) {
		if ec.err != nil {
			fmt.Fprintln(stderr, "Error:", ec.err)
		}
		return ec.code
	}
	fmt.Fprintln(stderr, "Error:", err)
	return exitError
}

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "curator",
		Short: "GitOps reconciler for Azure Compute Gallery",
		Long: `curator makes Azure Compute Galleries — galleries, image definitions, image
versions with their replication, and the shares on them — match CUE files in a
git repository: it validates the configuration, plans what to change, and
applies it once, on every change, or on a schedule.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	g := &globals{}
	g.register(root)
	root.PersistentPreRunE = func(*cobra.Command, []string) error { return g.check() }
	root.AddCommand(
		newVersionCmd(),
		newValidateCmd(),
		newSchemaCmd(),
		newPlanCmd(g),
		newApplyCmd(g),
		newDriftCmd(g),
		newShowCmd(g),
		newImportCmd(g),
		newWatchCmd(g),
		newEmulatorCmd(g),
	)
	return root
}
