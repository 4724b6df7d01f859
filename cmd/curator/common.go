package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/diag"
	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/planner"
	"github.com/curator-dev/curator/reconcile"
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

// check refuses global flags no command can use, before the command runs,
// rather than let a default silently stand in for them.
func (g *globals) check() error {
	if !(g.replicationRate > 0) || math.IsInf(g.replicationRate, 0) {
		return fmt.Errorf("--replication-rate %v: give a positive number of GB per second (default 50)", g.replicationRate)
	}
	if fi, err := os.Stat(g.stateDir); err == nil && !fi.IsDir() {
		return fmt.Errorf("--state %s is a file, not a folder: give the folder the local target keeps its state in (created when missing; default %s)", shellWord(g.stateDir), reconcile.DefaultStateDir)
	}
	return nil
}

// configCacheDir is where validated configurations are cached: the user's
// cache folder, or none when it cannot be found or CURATOR_NO_CACHE is set.
func configCacheDir() string {
	if os.Getenv("CURATOR_NO_CACHE") != "" {
		return ""
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(base, "curator", "configs")
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

// applyCommand is the command line that applies planFile to the
// configuration these flags and args name: apply PLANFILE plans the
// configuration named after it (the current folder when none is), so the
// plan's own source must be repeated. A git URL is written without its
// credentials.
func (s *sourceFlags) applyCommand(planFile string, args []string) string {
	words := []string{"curator", "apply", planFile}
	switch {
	case s.gitURL != "":
		words = append(words, "--git", (&sources.Git{URL: s.gitURL}).String())
		if s.ref != "" {
			words = append(words, "--ref", s.ref)
		}
		if s.path != "" {
			words = append(words, "--path", s.path)
		}
	case len(args) > 0:
		words = append(words, args[0])
	}
	for i, w := range words {
		words[i] = shellWord(w)
	}
	return strings.Join(words, " ")
}

// shellWord quotes w for a POSIX shell when it holds anything but
// characters that need no quoting.
func shellWord(w string) string {
	if w != "" && strings.Trim(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:@%+=,-") == "" {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
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
	if err := configFolder(dir); err != nil {
		return nil, err
	}
	return sources.NewLocal(dir), nil
}

// configFolder says, for a newcomer, why dir is not a configuration's
// folder: it does not exist, or it is a file (curator reads every .cue
// file of a folder, not one file).
func configFolder(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s is not a folder of .cue files: it does not exist", dir)
	case err != nil:
		return fmt.Errorf("%s is not a folder of .cue files: %w", dir, err)
	case !fi.IsDir():
		return fmt.Errorf("%s is not a folder of .cue files: it is a file; give the folder that holds the configuration (%s), all of whose .cue files are read", dir, shellWord(filepath.Dir(dir)))
	}
	return nil
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
	if l, ok := source.(*sources.Local); ok {
		l.Logger = log // a watch logs losing and regaining its folder
	}
	return source, log, nil
}

// planFlags are the planner's switches.
type planFlags struct {
	prune, allowReplace, adopt, allowMassDelete bool
	prices                                      pricesFlag
}

func (p *planFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&p.prune, "prune", false, "delete managed resources that left the configuration")
	f.BoolVar(&p.allowReplace, "allow-replace", false, "allow replacing resources whose immutable fields changed")
	f.BoolVar(&p.adopt, "adopt", false, "take over declared resources that exist without curator's mark")
	f.BoolVar(&p.allowMassDelete, "allow-mass-delete", false, "allow plans that delete more than maxDeletes resources")
	p.prices.register(cmd)
}

func (p *planFlags) options() planner.Options {
	return planner.Options{Prune: p.prune, AllowReplace: p.allowReplace, Adopt: p.adopt, AllowMassDelete: p.allowMassDelete, Prices: p.prices.table}
}

// pricesFlag is --prices FILE: a price table for the cost estimate, read
// and checked strictly when the flag is parsed, so that a bad file stops
// the command before anything is read or planned.
type pricesFlag struct {
	path  string
	table *planner.PriceTable // nil: the shipped table
}

func (p *pricesFlag) register(cmd *cobra.Command) {
	cmd.Flags().Var(p, "prices", "price table for the cost estimate (JSON in the format of planner/prices.json) instead of the shipped one")
}

func (p *pricesFlag) String() string { return p.path }

func (p *pricesFlag) Type() string { return "FILE" }

func (p *pricesFlag) Set(path string) error {
	t, err := planner.ReadPrices(path)
	if err != nil {
		return err
	}
	p.path, p.table = path, t
	return nil
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
// configuration into exit code 1. The files of a local folder are named by
// their path from the working folder, as validate names them.
func reportLoad(stderr io.Writer, source sources.Source, err error) error {
	var invalid *reconcile.InvalidConfigError
	if errors.As(err, &invalid) {
		for _, d := range invalid.Diagnostics {
			fmt.Fprintln(stderr, showDiag(source, invalid.Module, d))
		}
		n := len(invalid.Diagnostics.Errors())
		return withExitCode(exitError, fmt.Errorf("the configuration has %d %s; nothing was planned or changed", n, map[bool]string{true: "error", false: "errors"}[n == 1]))
	}
	return err
}

func printWarnings(stderr io.Writer, source sources.Source, mod *sources.Module, ds diag.Diagnostics) {
	for _, d := range ds {
		fmt.Fprintln(stderr, showDiag(source, mod, d))
	}
}

// showDiag shows a diagnostic of the configuration source names: for a
// local folder, its file as a path from the working folder.
func showDiag(source sources.Source, mod *sources.Module, d diag.Diagnostic) string {
	if l, ok := source.(*sources.Local); ok {
		return prefixFile(l.Dir, mod, d)
	}
	return d.String()
}

// confirm asks on a terminal; without one it refuses. An interrupt
// (ctx done) while it waits is a no.
func confirm(ctx context.Context, stdin io.Reader, stdout io.Writer) error {
	if !isTerminal(stdin) {
		return withExitCode(exitError, errors.New("apply asks for confirmation, and there is no terminal to ask on: review the plan and pass --auto-approve"))
	}
	fmt.Fprint(stdout, "\nDo you want to apply these changes? Only 'yes' will be accepted: ")
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdin).ReadString('\n')
		answer <- line
	}()
	select {
	case line := <-answer:
		if strings.TrimSpace(line) == "yes" {
			return nil
		}
	case <-ctx.Done():
		fmt.Fprintln(stdout)
	}
	return withExitCode(exitError, errors.New("apply cancelled"))
}

// interruptible returns ctx, cancelled by the first SIGINT or SIGTERM; a
// second one ends the process as usual.
func interruptible(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	return ctx, stop
}

// progress prints apply progress: a line per change, and per-region
// replication percentages as they advance. On a terminal the replication
// of every running version is one live status line, rewritten in place;
// elsewhere (CI logs) it is a plain line at each quarter.
type progress struct {
	mu   sync.Mutex
	w    io.Writer
	live bool
	last map[model.Address]string
	// running is each replicating version's current status, for the live
	// line.
	running map[model.Address]string
	shown   bool // a live line is on screen
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, live: isTerminal(w), last: map[model.Address]string{}, running: map[model.Address]string{}}
}

// println prints a line above the live status line.
func (p *progress) println(format string, args ...any) {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
	fmt.Fprintf(p.w, format+"\n", args...)
	p.redraw()
}

func (p *progress) redraw() {
	p.shown = false
	if !p.live || len(p.running) == 0 {
		return
	}
	addrs := make([]string, 0, len(p.running))
	for a := range p.running {
		addrs = append(addrs, string(a))
	}
	sort.Strings(addrs)
	parts := make([]string, 0, len(addrs))
	for _, a := range addrs {
		_, _, v, _ := model.Address(a).Parts()
		parts = append(parts, v+" "+p.running[model.Address(a)])
	}
	line := "replicating " + strings.Join(parts, " | ")
	if width := terminalWidth(p.w); width > 10 && len(line) > width-1 {
		line = line[:width-2] + "…"
	}
	fmt.Fprint(p.w, "\r\x1b[K"+line)
	p.shown = true
}

func terminalWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok {
		if width, _, err := term.GetSize(int(f.Fd())); err == nil {
			return width
		}
	}
	return 0
}

func (p *progress) PreApply(c *planner.Change) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.println("%s %s: %s…", c.Action.Symbol(), c.Address, verb(c.Action))
}

func (p *progress) PostApply(c *planner.Change, r reconcile.ChangeResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.running, c.Address)
	if r.Status == reconcile.Done {
		p.println("%s %s: done (%s)", c.Action.Symbol(), c.Address, r.Duration.Round(10*time.Millisecond))
	} else {
		p.println("%s %s: %s: %v", c.Action.Symbol(), c.Address, r.Status, r.Err)
	}
}

func (p *progress) Progress(c *planner.Change, regions map[string]model.RegionReplication) {
	names := make([]string, 0, len(regions))
	for n := range regions {
		names = append(names, n)
	}
	sort.Strings(names)
	exact := make([]string, 0, len(names))
	// Plain logs report in steps of a quarter, so they stay short.
	steps := make([]string, 0, len(names))
	for _, n := range names {
		r := regions[n]
		if r.State == "Failed" {
			exact = append(exact, n+" failed")
			steps = append(steps, n+" failed")
			continue
		}
		exact = append(exact, fmt.Sprintf("%s %d%%", n, r.Progress))
		steps = append(steps, fmt.Sprintf("%s %d%%", n, r.Progress/25*25))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.live {
		p.running[c.Address] = strings.Join(exact, ", ")
		p.redraw()
		return
	}
	line := strings.Join(steps, ", ")
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

// summarizeResult prints an apply's closing line; an interrupted apply
// says so and counts what it cancelled.
func summarizeResult(w io.Writer, r reconcile.Result) {
	done, failed, skipped := r.Count(reconcile.Done), r.Count(reconcile.Failed), r.Count(reconcile.Skipped)
	if cancelled := r.Count(reconcile.Cancelled); cancelled > 0 {
		fmt.Fprintf(w, "\nApply interrupted: %d done, %d failed, %d skipped, %d cancelled (not started, or cut short and possibly still running in the cloud): plan again to see where they stand.\n", done, failed, skipped, cancelled)
		return
	}
	fmt.Fprintf(w, "\nApply complete: %d done, %d failed, %d skipped.\n", done, failed, skipped)
}

func ctxOf(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}
