package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/planner"
	"github.com/curator-dev/curator/reconcile"
	"github.com/curator-dev/curator/schema"
	"github.com/curator-dev/curator/sources"
)

// globals are the persistent flags every command shares.
type globals struct {
	stateDir        string
	logFormat       string
	logLevel        string
	replicationRate float64
}

func (g *globals) register(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVar(&g.stateDir, "state", reconcile.DefaultStateDir, "state folder of the local target (an emulator state folder)")
	f.StringVar(&g.logFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&g.logLevel, "log-level", "warn", "log level: debug, info, warn or error")
	f.Float64Var(&g.replicationRate, "replication-rate", 50, "GB per second the local target's emulator replicates a version to each region")
}

// targetOptions are the options of the local target's emulator.
func (g *globals) targetOptions(log *slog.Logger) reconcile.TargetOptions {
	return reconcile.TargetOptions{StateDir: g.stateDir, Logger: log, Emulator: emulator.Options{ReplicationRate: g.replicationRate}}
}

func (g *globals) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(g.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", g.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch g.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: use text or json", g.logFormat)
}

// sourceFlags select the configuration: a PATH argument, or a git
// repository.
type sourceFlags struct {
	gitURL, ref, path string
	interval          time.Duration
}

func (s *sourceFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&s.gitURL, "git", "", "read the configuration from this git repository instead of a folder")
	f.StringVar(&s.ref, "ref", "", "branch, tag or commit of --git (default: the remote's default branch)")
	f.StringVar(&s.path, "path", "", "folder of the configuration inside --git")
}

func (s *sourceFlags) source(args []string) (sources.Source, error) {
	if s.gitURL != "" {
		if len(args) > 0 {
			return nil, errors.New("give either a PATH or --git, not both")
		}
		return &sources.Git{URL: s.gitURL, Ref: s.ref, Path: s.path, Interval: s.interval}, nil
	}
	if s.ref != "" || s.path != "" {
		return nil, errors.New("--ref and --path need --git")
	}
	dir := "."
	if len(args) > 0 {
		dir = args[0]
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a folder of .cue files", dir)
	}
	return sources.NewLocal(dir), nil
}

// open returns the configuration source a command names and the logger of
// the global flags.
func (g *globals) open(cmd *cobra.Command, src *sourceFlags, args []string) (sources.Source, *slog.Logger, error) {
	source, err := src.source(args)
	if err != nil {
		return nil, nil, err
	}
	log, err := g.logger(cmd.ErrOrStderr())
	if err != nil {
		return nil, nil, err
	}
	return source, log, nil
}

// planFlags are the planner's switches.
type planFlags struct {
	prune, allowReplace, adopt, allowMassDelete bool
}

func (p *planFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&p.prune, "prune", false, "delete managed resources that left the configuration")
	f.BoolVar(&p.allowReplace, "allow-replace", false, "allow replacing resources whose immutable fields changed")
	f.BoolVar(&p.adopt, "adopt", false, "take over declared resources that exist without curator's mark")
	f.BoolVar(&p.allowMassDelete, "allow-mass-delete", false, "allow plans that delete more than maxDeletes resources")
}

func (p *planFlags) options() planner.Options {
	return planner.Options{Prune: p.prune, AllowReplace: p.allowReplace, Adopt: p.adopt, AllowMassDelete: p.allowMassDelete}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// useColor: colour only on a terminal, and never with NO_COLOR.
func useColor(w io.Writer) bool {
	_, noColor := os.LookupEnv("NO_COLOR")
	return !noColor && isTerminal(w)
}

func render(w io.Writer, p *planner.Plan, format string) error {
	switch format {
	case "text", "":
		_, err := io.WriteString(w, planner.RenderText(p, useColor(w)))
		return err
	case "json":
		data, err := p.MarshalJSON()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", data)
		return err
	case "markdown", "md":
		_, err := io.WriteString(w, planner.RenderMarkdown(p))
		return err
	}
	return fmt.Errorf("-o %q: use text, json or markdown", format)
}

func checkFormat(format string) error {
	switch format {
	case "text", "json", "markdown", "md":
		return nil
	}
	return fmt.Errorf("-o %q: use text, json or markdown", format)
}

// reportLoad prints configuration diagnostics and turns an invalid
// configuration into exit code 1.
func reportLoad(stderr io.Writer, err error) error {
	var invalid *reconcile.InvalidConfigError
	if errors.As(err, &invalid) {
		for _, d := range invalid.Diagnostics {
			fmt.Fprintln(stderr, d)
		}
		n := len(invalid.Diagnostics.Errors())
		return withExitCode(exitError, fmt.Errorf("the configuration has %d %s; nothing was planned or changed", n, map[bool]string{true: "error", false: "errors"}[n == 1]))
	}
	return err
}

func printWarnings(stderr io.Writer, ds schema.Diagnostics) {
	for _, d := range ds {
		fmt.Fprintln(stderr, d)
	}
}

// confirm asks on a terminal; without one it refuses.
func confirm(stdin io.Reader, stdout io.Writer) error {
	if !isTerminal(stdin) {
		return withExitCode(exitError, errors.New("apply asks for confirmation, and there is no terminal to ask on: review the plan and pass --auto-approve"))
	}
	fmt.Fprint(stdout, "\nDo you want to apply these changes? Only 'yes' will be accepted: ")
	line, _ := bufio.NewReader(stdin).ReadString('\n')
	if strings.TrimSpace(line) != "yes" {
		return withExitCode(exitError, errors.New("apply cancelled"))
	}
	return nil
}

// progress prints apply progress: a line per change, and per-region
// replication percentages as they advance.
type progress struct {
	mu   sync.Mutex
	w    io.Writer
	last map[schema.Address]string
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, last: map[schema.Address]string{}}
}

func (p *progress) PreApply(c *planner.Change) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "%s %s: %s…\n", c.Action.Symbol(), c.Address, verb(c.Action))
}

func (p *progress) PostApply(c *planner.Change, r reconcile.ChangeResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r.Status == reconcile.Done {
		fmt.Fprintf(p.w, "%s %s: done (%s)\n", c.Action.Symbol(), c.Address, r.Duration.Round(10*time.Millisecond))
	} else {
		fmt.Fprintf(p.w, "%s %s: %s: %v\n", c.Action.Symbol(), c.Address, r.Status, r.Err)
	}
}

func (p *progress) Progress(c *planner.Change, regions map[string]schema.RegionReplication) {
	names := make([]string, 0, len(regions))
	for n := range regions {
		names = append(names, n)
	}
	sort.Strings(names)
	// Report in steps of a quarter, so plain logs stay short.
	parts := make([]string, 0, len(names))
	for _, n := range names {
		r := regions[n]
		step := r.Progress / 25 * 25
		if r.State == "Failed" {
			parts = append(parts, n+" failed")
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %d%%", n, step))
	}
	line := strings.Join(parts, ", ")
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last[c.Address] == line {
		return
	}
	p.last[c.Address] = line
	fmt.Fprintf(p.w, "  replicating %s: %s\n", c.Address, line)
}

func verb(a planner.Action) string {
	switch a {
	case planner.Create:
		return "creating"
	case planner.Update:
		return "updating"
	case planner.Replace:
		return "replacing"
	case planner.Delete:
		return "deleting"
	case planner.Adopt:
		return "adopting"
	}
	return "checking"
}

func summarizeResult(w io.Writer, r reconcile.Result) {
	fmt.Fprintf(w, "\nApply complete: %d done, %d failed, %d skipped.\n", r.Count(reconcile.Done), r.Count(reconcile.Failed), r.Count(reconcile.Skipped))
}

func ctxOf(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}
