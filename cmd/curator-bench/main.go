// Command curator-bench measures curator at estate scale against the
// emulator and prints a table (make bench runs it after the Go benchmarks):
// cold plan wall time and peak RSS split into load / read actual / plan /
// render; ARM requests per plan against the per-resource-GET baseline;
// no-op re-plan time (with the validated configuration cached); apply of 1,000 new versions at 50 ms emulator latency
// against the parallelism-bound ideal; and watch's edit-to-apply time.
//
//	go run ./cmd/curator-bench -curator bin/curator [-sizes 100,1000,10000]
package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/curator-dev/curator/cloud/azure"
	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/examples/gen/estate"
	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/planner"
	"github.com/curator-dev/curator/reconcile"
	"github.com/curator-dev/curator/schema"
)

func main() {
	bin := flag.String("curator", "bin/curator", "the curator binary to measure")
	sizes := flag.String("sizes", "100,1000,10000", "estate sizes in versions")
	applyN := flag.Int("apply-versions", 1000, "versions created in the apply benchmark")
	latency := flag.Duration("latency", 50*time.Millisecond, "emulator latency per request in the apply benchmark")
	parallelism := flag.Int("parallelism", 8, "apply parallelism")
	goal := flag.String("goal", "10,1000,10000", "galleries,definitions,versions of the read-path comparison under ARM throttling; empty skips it")
	goalDir := flag.String("goal-dir", "", "keep the goal's estate and emulator state in this folder and reuse them when present (populating takes ~40 s); default: a temporary folder")
	crossover := flag.String("crossover", "", "definitions (comma-separated) of estates on which both read paths are measured, to place the automatic choice's threshold; empty skips it")
	cueExportDir := flag.String("cue-export", "", "internal: export the configuration in this folder as `cue export` would (the reference the cold plan is compared with), to stdout, and exit")
	page := flag.String("page", "10,1000,10000", "galleries,definitions,versions of the estate page's measurement (answer sizes, first paint in chromium); empty skips it")
	configOnly := flag.Bool("config-only", false, "of the goal run, only the configuration side: cold plan against raw cue export, plain, templated and at 5× the versions")
	cpuprofile := flag.String("goal-cpuprofile", "", "write a CPU profile of the read-path comparison (emulator and client, in this process) to this file")
	repo := flag.String("repo", "20,500", "configurations,versions of the repository comparison: one `curator plan ROOT` against a `curator plan` per configuration; empty skips it")
	flag.Parse()
	if *cueExportDir != "" {
		if err := cueExport(*cueExportDir, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "curator-bench:", err)
			os.Exit(1)
		}
		return
	}
	printHeader(*bin)
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "curator-bench:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "curator-bench:", err)
			os.Exit(1)
		}
	}
	if *goal != "" && *configOnly {
		o, err := goalOptions(*goal)
		if err == nil {
			err = configRows(*bin, o)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "curator-bench:", err)
			os.Exit(1)
		}
		return
	}
	if *goal != "" {
		if err := goalRows(*bin, *goal, *goalDir); err != nil {
			fmt.Fprintln(os.Stderr, "curator-bench:", err)
			os.Exit(1)
		}
	}
	if *cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	if *page != "" {
		if err := pageRows(*page); err != nil {
			fmt.Fprintln(os.Stderr, "curator-bench:", err)
			os.Exit(1)
		}
	}
	if *repo != "" {
		if err := repoRows(*bin, *repo); err != nil {
			fmt.Fprintln(os.Stderr, "curator-bench:", err)
			os.Exit(1)
		}
	}
	if *crossover != "" {
		if err := crossoverRows(*bin, *crossover, *goalDir); err != nil {
			fmt.Fprintln(os.Stderr, "curator-bench:", err)
			os.Exit(1)
		}
	}
	if *sizes == "" {
		return
	}
	if err := run(*bin, *sizes, *applyN, *latency, *parallelism); err != nil {
		fmt.Fprintln(os.Stderr, "curator-bench:", err)
		os.Exit(1)
	}
}

func run(bin, sizes string, applyN int, latency time.Duration, parallelism int) error {
	bin, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "curator-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	fmt.Println("| versions | cold plan | peak RSS | load | read actual | plan | render | ARM requests | per-resource baseline | fewer by | no-op re-plan | import | import RSS | import requests |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("-sizes: %w", err)
		}
		if err := planRow(bin, work, n); err != nil {
			return fmt.Errorf("%d versions: %w", n, err)
		}
	}
	fmt.Println()
	if err := applyRow(bin, work, applyN, latency, parallelism); err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	return watchRow(bin, work)
}

type measured struct {
	wall time.Duration
	cpu  time.Duration // user + system: what the process itself used, whatever else the machine runs
	rss  int64         // KiB
	out  []byte
}

func exe(bin string, args ...string) (measured, error) {
	return exeEnv(bin, nil, args...)
}

// exeEnv runs bin with extra environment variables.
func exeEnv(bin string, env []string, args ...string) (measured, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out strings.Builder
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return measured{}, err
	}
	// The child's own peak, read from /proc while it runs: getrusage's
	// maxrss of a child started by this (large) process counts this
	// process's memory too, since the child shares it until exec.
	hwm := make(chan int64, 1)
	stop := make(chan struct{})
	go func() { hwm <- watchHighWater(cmd.Process.Pid, stop) }()
	err := cmd.Wait()
	close(stop)
	m := measured{wall: time.Since(start), out: []byte(out.String()), rss: <-hwm}
	if cmd.ProcessState != nil {
		m.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && m.rss == 0 {
		m.rss = ru.Maxrss
	}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 2 {
			return m, nil
		}
		return m, fmt.Errorf("%s %s: %w", filepath.Base(bin), strings.Join(args, " "), err)
	}
	return m, nil
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func planRow(bin, work string, n int) error {
	dir := filepath.Join(work, fmt.Sprintf("estate-%d", n))
	state := filepath.Join(work, fmt.Sprintf("state-%d", n))
	o := estate.Options{Galleries: 10, Definitions: 100, Versions: n, Regions: 3, Shares: 1, Seed: 1, Name: "bench", Target: "local: {}"}
	if err := estate.Write(dir, o); err != nil {
		return err
	}
	// Populate the emulator through curator itself, replication instant.
	if _, err := exe(bin, "--state", state, "--replication-rate", "1000000", "apply", "--auto-approve", "--no-wait", "--parallelism", "32", dir); err != nil {
		return err
	}
	time.Sleep(100 * time.Millisecond)
	// Cold: no cache of validated configurations; the re-plan after it
	// finds this revision in the cache, as a drift check or watch does.
	cold, err := exeEnv(bin, []string{"CURATOR_NO_CACHE=1"}, "--state", state, "plan", "-o", "json", dir)
	if err != nil {
		return err
	}
	var p struct {
		ARMRequests int64 `json:"arm_requests"`
		Summary     struct {
			NoOp int `json:"no_op"`
		} `json:"summary"`
		Changes []json.RawMessage `json:"resource_changes"`
	}
	if err := json.Unmarshal(cold.out, &p); err != nil {
		return fmt.Errorf("read the plan: %w", err)
	}
	if len(p.Changes) != 0 {
		return fmt.Errorf("the populated estate still plans %d changes", len(p.Changes))
	}
	again, err := exe(bin, "--state", state, "plan", dir)
	if err != nil {
		return err
	}
	load, read, compute, render, err := phases(dir, state)
	if err != nil {
		return err
	}
	// Import the same estate: the same reader as plan, so the same
	// requests, and the files it writes plan to no changes.
	out := filepath.Join(work, fmt.Sprintf("import-%d", n))
	imp, err := exe(bin, "--state", state, "import", "--name", "bench", "--out", out)
	if err != nil {
		return err
	}
	var importRequests int64
	if m := regexp.MustCompile(`(\d+) requests`).FindSubmatch(imp.out); m != nil {
		importRequests, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
	check, err := exeEnv(bin, []string{"CURATOR_NO_CACHE=1"}, "--state", state, "plan", "--detailed-exitcode", "-o", "json", out)
	if err != nil {
		return err
	}
	var ip struct {
		Changes []json.RawMessage `json:"resource_changes"`
	}
	if err := json.Unmarshal(check.out, &ip); err != nil || len(ip.Changes) != 0 {
		return fmt.Errorf("the imported configuration plans %d changes (%v)", len(ip.Changes), err)
	}
	baseline := int64(o.Galleries + o.Definitions + n + o.Galleries*o.Shares)
	fmt.Printf("| %d | %s | %d MB | %s | %s | %s | %s | %d | %d | %.0f× | %s | %s | %d MB | %d |\n",
		n, secs(cold.wall), cold.rss/1024, secs(load), secs(read), secs(compute), secs(render),
		p.ARMRequests, baseline, float64(baseline)/float64(p.ARMRequests), secs(again.wall),
		secs(imp.wall), imp.rss/1024, importRequests)
	return nil
}

// phases times the parts of a plan in this process.
func phases(dir, state string) (load, read, compute, render time.Duration, err error) {
	t0 := time.Now()
	desired, diags := schema.Load(os.DirFS(dir))
	if diags.HasErrors() {
		return 0, 0, 0, 0, schema.Err(diags)
	}
	load = time.Since(t0)
	ctx := context.Background()
	t, err := reconcile.OpenTarget(ctx, desired.Name, desired.Target, reconcile.TargetOptions{StateDir: state})
	if err != nil {
		return 0, 0, 0, 0, err
	}
	defer t.Close()
	t0 = time.Now()
	actual, err := t.Cloud.ReadState(ctx)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	read = time.Since(t0)
	t0 = time.Now()
	plan, _ := planner.Compute(*desired, *actual, planner.Options{Now: time.Now()})
	compute = time.Since(t0)
	t0 = time.Now()
	_ = planner.RenderText(plan, false)
	_, _ = plan.MarshalJSON()
	render = time.Since(t0)
	return load, read, compute, render, nil
}

func emulatorStats(endpoint string) (int64, error) {
	req, err := http.NewRequest(http.MethodGet, endpoint+"/_emulator/stats", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer curator-bench") // the estate's owner
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("emulator stats: %s", resp.Status)
	}
	var s struct {
		Total int64 `json:"total"`
	}
	return s.Total, json.NewDecoder(resp.Body).Decode(&s)
}

// applyRow creates n versions through a separately served emulator with
// latency per request, and compares the wall time with the ideal for the
// parallelism: every request's latency, divided over the parallel changes.
func applyRow(bin, work string, n int, latency time.Duration, parallelism int) error {
	endpoint, stop, err := serveEmulator(bin, filepath.Join(work, "state-apply"))
	if err != nil {
		return err
	}
	defer stop()
	target := fmt.Sprintf("local: endpoint: %q", endpoint)
	base := filepath.Join(work, "apply-base")
	full := filepath.Join(work, "apply-full")
	defs := min(100, max(1, n/10))
	if err := estate.Write(base, estate.Options{Galleries: 1, Definitions: defs, Versions: 0, Regions: 2, Shares: 0, Seed: 2, Name: "apply", Target: target}); err != nil {
		return err
	}
	if err := estate.Write(full, estate.Options{Galleries: 1, Definitions: defs, Versions: n, Regions: 2, Shares: 0, Seed: 2, Name: "apply", Target: target}); err != nil {
		return err
	}
	if _, err := exe(bin, "apply", "--auto-approve", "--parallelism", "32", base); err != nil {
		return err
	}
	faults := fmt.Sprintf(`{"latency":%d}`, latency.Nanoseconds())
	req, _ := http.NewRequest(http.MethodPut, endpoint+"/_emulator/faults", strings.NewReader(faults))
	req.Header.Set("Authorization", "Bearer curator-bench") // the estate's owner
	if resp, err := http.DefaultClient.Do(req); err != nil {
		return err
	} else {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	before, err := emulatorStats(endpoint)
	if err != nil {
		return err
	}
	m, err := exe(bin, "apply", "--auto-approve", "--parallelism", strconv.Itoa(parallelism), full)
	if err != nil {
		return err
	}
	after, err := emulatorStats(endpoint)
	if err != nil {
		return err
	}
	requests := after - before
	ideal := time.Duration(float64(requests) * float64(latency) / float64(parallelism))
	fmt.Println("| apply | versions | parallelism | latency/request | requests | wall | ideal (requests × latency ÷ parallelism) | wall ÷ ideal |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|")
	fmt.Printf("| %d new versions | %d | %d | %s | %d | %s | %s | %.2f |\n\n", n, n, parallelism, latency, requests, secs(m.wall), secs(ideal), m.wall.Seconds()/ideal.Seconds())
	return nil
}

// watchRow measures the time from a one-file edit to the start of the
// reconcile it triggers, and to the end of its apply.
func watchRow(bin, work string) error {
	dir := filepath.Join(work, "watch")
	if err := estate.Write(dir, estate.Options{Galleries: 1, Definitions: 2, Versions: 4, Regions: 1, Shares: 1, Seed: 3, Name: "watch", Target: "local: {}"}); err != nil {
		return err
	}
	state := filepath.Join(work, "state-watch")
	cmd := exec.Command(bin, "--state", state, "--replication-rate", "1000000", "watch", "--apply", "--listen", "", dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	waitLine := func(substr string) (time.Time, error) {
		timeout := time.After(60 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					return time.Time{}, fmt.Errorf("watch exited before %q", substr)
				}
				if strings.Contains(l, substr) {
					return time.Now(), nil
				}
			case <-timeout:
				return time.Time{}, fmt.Errorf("no %q within a minute", substr)
			}
		}
	}
	if _, err := waitLine("Apply complete"); err != nil {
		return err
	}
	file := filepath.Join(dir, "gallery_000.cue")
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	edited := strings.Replace(string(data), "description: \"Generated gallery 0\"", "description: \"Edited\"", 1)
	edit := time.Now()
	if err := os.WriteFile(file, []byte(edited), 0o644); err != nil {
		return err
	}
	started, err := waitLine("reconcile (source changed)")
	if err != nil {
		return err
	}
	applied, err := waitLine("Apply complete")
	if err != nil {
		return err
	}
	fmt.Println("| watch | edit → reconcile starts (incl. 500 ms debounce) | edit → apply complete |")
	fmt.Println("|---|---:|---:|")
	fmt.Printf("| one-file edit | %s | %s |\n", secs(started.Sub(edit)), secs(applied.Sub(edit)))
	return nil
}

// goalRows populates an estate of the goal's shape and plans it, a no-op,
// through both read paths against the emulator with ARM's throttling on and
// curator's client-side buckets on, as against Azure: a fresh emulator (full
// buckets) for each path. The per-resource-GET baseline (Terraform's
// refresh) is computed under the same bucket: one read per gallery,
// definition, version and share, the first 250 from the burst and the rest
// at 25 a second.
func goalRows(bin, shape, work string) error {
	o, err := goalOptions(shape)
	if err != nil {
		return err
	}
	g, d, v := o.Galleries, o.Definitions, o.Versions
	fmt.Printf("No-op plan of %d galleries × %d definitions × %d versions, ARM throttling on (reads 250 burst, 25/s):\n\n", g, d, v)
	fmt.Println("| read path | read requests | Resource Graph queries | 429s | read + plan | vs list path |")
	fmt.Println("|---|---:|---:|---:|---:|---:|")
	res, err := readPaths(bin, work, o)
	if err != nil {
		return err
	}
	imp := res[len(res)-1]
	res = res[:len(res)-1]
	listTime := res[0].wall
	for _, r := range res {
		name := map[string]string{azure.ReadARM: "Resource Manager lists (arm)", azure.ReadGraph: "Resource Graph (graph)"}[r.path]
		fmt.Printf("| %s | %d | %d | %d | %s | %.3f× |\n", name, r.requests, r.graph, r.throttled, secs(r.wall), r.wall.Seconds()/listTime.Seconds())
	}
	baseline := g + d + v + g*o.Shares
	wait := max(0, float64(baseline-250)/25)
	fmt.Printf("| per-resource GETs (Terraform's refresh), computed | %d | 0 | — | ≥ %.1f s | %.1f× |\n\n", baseline, wait, wait/listTime.Seconds())
	// import has no configuration: it counts through Resource Graph, then
	// reads through the path plan would take for that size (graph here).
	fmt.Println("| `import` of the same estate, throttling on (median of 3, alternating with the plan) | requests | Resource Graph queries | time | no-op plan (read + plan) | import ÷ plan |")
	fmt.Println("|---|---:|---:|---:|---:|---:|")
	fmt.Printf("| count, then read as plan would, write the files | %d | %d | %s | %s | %.2f× |\n\n", imp.requests, imp.graph, secs(imp.wall), secs(imp.against), imp.wall.Seconds()/imp.against.Seconds())
	if err := applyBoundRow(bin, o); err != nil {
		return err
	}
	return configRows(bin, o)
}

// goalOptions is the goal's estate: -goal galleries,definitions,versions.
func goalOptions(shape string) (estate.Options, error) {
	var g, d, v int
	if _, err := fmt.Sscanf(shape, "%d,%d,%d", &g, &d, &v); err != nil {
		return estate.Options{}, fmt.Errorf("-goal %q: want galleries,definitions,versions: %w", shape, err)
	}
	return estate.Options{Galleries: g, Definitions: d, Versions: v, Regions: 3, Shares: 1, Seed: 1, Name: "goal", Target: "local: {}"}, nil
}

// configRows compares a cold curator plan of the goal's configuration (no
// configuration cache, a fresh target) with the raw evaluator: `cue export`
// of the same files with the embedded schema, as cueExport does it in a
// process of its own. Three estates: the goal written as plain data, the
// same goal written as people write CUE (templates, a let, comprehensions;
// the same JSON), and the plain estate at 50,000 versions (five regions,
// each at the service's limit of 10,000) for linearity. Each is run three
// times, plan and export alternating; the median and the minimum of the
// ratio are printed, the median wall time and peak RSS beside them.
func configRows(bin string, goal estate.Options) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "curator-bench-config-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	templated := goal
	templated.Style = estate.StyleTemplated
	large := goal
	large.Locations = 5
	large.Galleries, large.Definitions, large.Versions = 5*goal.Galleries, 5*goal.Definitions, 5*goal.Versions
	estates := []struct {
		name string
		o    estate.Options
	}{
		{fmt.Sprintf("plain data, %d versions", goal.Versions), goal},
		{fmt.Sprintf("templated (#Version, let, comprehensions), %d versions", goal.Versions), templated},
		{fmt.Sprintf("plain data, %d versions (5 regions)", large.Versions), large},
	}
	fmt.Println("The configuration side, cold (three runs each, plan and export alternating; wall time, and the CPU time each process used, which other load on the machine does not inflate):")
	fmt.Println()
	fmt.Printf("| estate | raw `cue export` (cuelang.org/go %s, own process): wall, CPU, peak RSS | cold `curator plan` (no configuration cache, fresh target): wall, CPU, peak RSS | plan ÷ export, wall: median (min) | CPU: median (min) |\n", cueVersion())
	fmt.Println("|---|---:|---:|---:|---:|")
	var plans []measured
	for i, e := range estates {
		dir := filepath.Join(work, fmt.Sprint(i))
		if err := estate.Write(dir, e.o); err != nil {
			return err
		}
		var planRuns, exportRuns []measured
		var walls, cpus []float64
		for range 3 {
			state, err := os.MkdirTemp("", "curator-bench-fresh-")
			if err != nil {
				return err
			}
			p, err := exeEnv(bin, []string{"CURATOR_NO_CACHE=1"}, "--state", state, "plan", dir)
			os.RemoveAll(state)
			if err != nil {
				return err
			}
			x, err := exe(self, "-cue-export", dir)
			if err != nil {
				return err
			}
			planRuns, exportRuns = append(planRuns, p), append(exportRuns, x)
			walls = append(walls, p.wall.Seconds()/x.wall.Seconds())
			cpus = append(cpus, p.cpu.Seconds()/x.cpu.Seconds())
		}
		plan, export := median(planRuns), median(exportRuns)
		plans = append(plans, plan)
		slices.Sort(walls)
		slices.Sort(cpus)
		fmt.Printf("| %s | %s, %s, %d MB | %s, %s, %d MB | %.2f× (%.2f×) | %.2f× (%.2f×) |\n", e.name,
			secs(export.wall), secs(export.cpu), export.rss/1024, secs(plan.wall), secs(plan.cpu), plan.rss/1024, walls[1], walls[0], cpus[1], cpus[0])
		if i == 2 {
			fmt.Printf("\nAt %d versions a cold plan takes %.2f× the %d-version plan's wall time (%.2f× its CPU time) and %.2f× its peak memory, for %d× the versions.\n\n",
				e.o.Versions, plan.wall.Seconds()/plans[0].wall.Seconds(), goal.Versions, plan.cpu.Seconds()/plans[0].cpu.Seconds(), float64(plan.rss)/float64(plans[0].rss), e.o.Versions/goal.Versions)
		}
	}
	return nil
}

// median is the median of each measure (wall time, CPU time, peak RSS) of
// the runs, the output of the run of median wall time.
func median(ms []measured) measured {
	ms = slices.Clone(ms)
	slices.SortFunc(ms, func(a, b measured) int { return cmp.Compare(a.wall, b.wall) })
	m := ms[len(ms)/2]
	rss := make([]int64, len(ms))
	cpu := make([]time.Duration, len(ms))
	for i, x := range ms {
		rss[i], cpu[i] = x.rss, x.cpu
	}
	slices.Sort(rss)
	slices.Sort(cpu)
	m.rss, m.cpu = rss[len(rss)/2], cpu[len(cpu)/2]
	return m
}

// cueVersion is the version of cuelang.org/go built into this binary.
func cueVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "cuelang.org/go" {
				return d.Version
			}
		}
	}
	return "(unknown version)"
}

// crossoverRows measures both read paths, as goalRows does, over estates
// of growing size (10 versions per definition, 100 definitions per
// gallery): where the graph path starts to read faster than the list
// path is where azure.GraphThreshold belongs.
func crossoverRows(bin, defs, work string) error {
	fmt.Println("Read + no-op plan by estate size, ARM throttling on, both paths (the automatic choice's threshold):")
	fmt.Println()
	fmt.Println("| definitions | galleries | versions | list requests (1 + galleries + definitions) | arm | graph | graph ÷ arm |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|")
	for _, f := range strings.Split(defs, ",") {
		d, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return fmt.Errorf("-crossover: %w", err)
		}
		g := max(1, (d+99)/100)
		o := estate.Options{Galleries: g, Definitions: d, Versions: 10 * d, Regions: 3, Shares: 1, Seed: 1, Name: "goal", Target: "local: {}"}
		res, err := readPaths(bin, work, o)
		if err != nil {
			return err
		}
		fmt.Printf("| %d | %d | %d | %d | %s (%d requests) | %s (%d requests) | %.2f× |\n", d, g, o.Versions, 1+g+d,
			secs(res[0].wall), res[0].requests, secs(res[1].wall), res[1].requests, res[1].wall.Seconds()/res[0].wall.Seconds())
	}
	fmt.Println()
	return nil
}

// pathResult is one read path's no-op plan.
type pathResult struct {
	path, dir                  string
	requests, graph, throttled int64
	wall                       time.Duration
	// against is the median no-op plan an import is compared with.
	against time.Duration
}

// readPaths populates the estate o (once, when work is a kept folder) and
// plans it, a no-op, through the list path and then the graph path, each
// against a fresh emulator (full buckets) with ARM's throttling on and the
// client's buckets on.
func readPaths(bin, work string, o estate.Options) ([]pathResult, error) {
	shape := fmt.Sprintf("%dx%dx%d", o.Galleries, o.Definitions, o.Versions)
	if work == "" {
		tmp, err := os.MkdirTemp("", "curator-bench-goal-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		work = tmp
	} else {
		work = filepath.Join(work, shape)
	}
	dir, state := filepath.Join(work, "estate"), filepath.Join(work, "state")
	populated := filepath.Join(work, "populated")
	if _, err := os.Stat(populated); err != nil {
		if err := estate.Write(dir, o); err != nil {
			return nil, err
		}
		t0 := time.Now()
		if _, err := exe(bin, "--state", state, "--replication-rate", "1000000", "apply", "--auto-approve", "--no-wait", "--parallelism", "32", dir); err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "curator-bench: populated %s in %s\n", shape, secs(time.Since(t0)))
		if err := os.WriteFile(populated, nil, 0o644); err != nil {
			return nil, err
		}
	}
	desired, diags := schema.Load(os.DirFS(dir))
	if diags.HasErrors() {
		return nil, schema.Err(diags)
	}
	ctx := context.Background()
	var out []pathResult
	for _, path := range []string{azure.ReadARM, azure.ReadGraph} {
		r, err := planThrough(ctx, state, desired, o, path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", shape, err)
		}
		r.dir = dir
		out = append(out, r)
	}
	// import against the no-op plan it is held to (the path plan chooses
	// at this size, Resource Graph): three rounds alternating the two, each
	// on a fresh emulator started before the clock (full buckets), medians.
	var imports, plans []time.Duration
	var imp pathResult
	for range 3 {
		p, err := planThrough(ctx, state, desired, o, "")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", shape, err)
		}
		plans = append(plans, p.wall)
		if imp, err = importGoal(ctx, state, o); err != nil {
			return nil, fmt.Errorf("%s: %w", shape, err)
		}
		imports = append(imports, imp.wall)
	}
	imp.dir, imp.wall, imp.against = dir, medianDuration(imports), medianDuration(plans)
	return append(out, imp), nil
}

func medianDuration(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// planThrough plans the populated estate, a no-op, reading through path
// ("" chooses by the configuration's size, as curator does) from a fresh
// emulator with ARM's throttling on and the client's buckets on; the clock
// runs from the read to the computed plan.
func planThrough(ctx context.Context, state string, desired *model.State, o estate.Options, path string) (pathResult, error) {
	srv, err := emulator.Start(ctx, emulator.Options{StateDir: state, ARMThrottle: true, ReplicationRate: 1e6})
	if err != nil {
		return pathResult{}, err
	}
	defer srv.Close()
	c, err := azure.New(azure.Config{Subscription: model.DefaultSubscription, ResourceGroup: model.DefaultResourceGroup, ConfigName: o.Name, Endpoint: srv.URL(), Credential: azure.StaticToken("bench"), ReadPath: path})
	if err != nil {
		return pathResult{}, err
	}
	c.SetSizeHint(len(desired.Galleries), desired.Counts().Definitions)
	t0 := time.Now()
	actual, err := c.ReadState(ctx)
	if err != nil {
		return pathResult{}, fmt.Errorf("read through %q: %w", path, err)
	}
	plan, _ := planner.Compute(*desired, *actual, planner.Options{Now: time.Now()})
	wall := time.Since(t0)
	if plan.HasChanges() {
		return pathResult{}, fmt.Errorf("read through %q, the populated estate still plans %d changes", path, len(plan.Changes))
	}
	return pathResult{path: c.ChooseReadPath(), requests: c.Requests(), graph: c.GraphRequests(), throttled: c.Throttled(), wall: wall}, nil
}

// importGoal imports the populated estate as `curator import` does — no
// configuration to size the read from, so it counts first, then reads and
// writes the configuration's files (in memory) — from a fresh emulator with
// ARM's throttling on, started before the clock as planThrough's is.
func importGoal(ctx context.Context, state string, o estate.Options) (pathResult, error) {
	srv, err := emulator.Start(ctx, emulator.Options{StateDir: state, ARMThrottle: true, ReplicationRate: 1e6})
	if err != nil {
		return pathResult{}, err
	}
	defer srv.Close()
	r := reconcile.New(reconcile.Options{Target: reconcile.TargetOptions{StateDir: state}})
	t0 := time.Now()
	imp, err := r.Import(ctx, reconcile.ImportOptions{Name: o.Name, Target: model.Target{Local: &model.LocalTarget{Endpoint: srv.URL()}}})
	if err != nil {
		return pathResult{}, fmt.Errorf("import: %w", err)
	}
	wall := time.Since(t0)
	if imp.Counts.Versions != o.Versions {
		return pathResult{}, fmt.Errorf("import read %d versions of %d", imp.Counts.Versions, o.Versions)
	}
	return pathResult{path: "import", requests: imp.Requests, graph: imp.GraphRequests, wall: wall}, nil
}

// watchHighWater polls a process's peak resident set (VmHWM, KiB) until stop
// is closed, and returns the last value read (0 where /proc has none).
func watchHighWater(pid int, stop <-chan struct{}) int64 {
	path := fmt.Sprintf("/proc/%d/status", pid)
	var peak int64
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if data, err := os.ReadFile(path); err == nil {
			for _, line := range strings.Split(string(data), "\n") {
				if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
					if kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64); err == nil && kb > peak {
						peak = kb
					}
				}
			}
		}
		select {
		case <-stop:
			return peak
		case <-tick.C:
		}
	}
}

// printHeader says when, of what and on what the tables below were measured,
// so the README's Performance section is pasted from one run whose
// conditions it names: the date, curator's build, the machine, and its load
// average as the run starts (other work on the machine slows every figure).
func printHeader(bin string) {
	version := "unknown"
	if out, err := exec.Command(bin, "version").Output(); err == nil {
		version = strings.TrimSpace(string(out))
	}
	load := "unknown"
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(data)); len(f) >= 3 {
			load = strings.Join(f[:3], " ")
		}
	}
	fmt.Printf("Measured %s by curator-bench: %s; %s/%s, %d CPUs; load average %s (1, 5, 15 min) at the start.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), version, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), load)
}

// repoRows plans a repository of configurations (each its own estate in
// its own resource group of the local target) once as a repository — one
// process, every configuration loaded at once — and once as one `curator
// plan` per configuration, as a script gluing them would; both cold (no
// cache of validated configurations), against the same populated
// emulator state.
func repoRows(bin, shape string) error {
	var configs, versions int
	if _, err := fmt.Sscanf(shape, "%d,%d", &configs, &versions); err != nil || configs < 1 || versions < 1 {
		return fmt.Errorf("-repo %q: want configurations,versions (e.g. 20,500)", shape)
	}
	bin, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "curator-bench-repo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	root, state := filepath.Join(work, "repo"), filepath.Join(work, "state")
	var dirs []string
	for i := range configs {
		dir := filepath.Join(root, fmt.Sprintf("conf-%02d", i))
		o := estate.Options{Galleries: 2, Definitions: 20, Versions: versions, Regions: 2, Shares: 1, Seed: int64(i + 1),
			Name: fmt.Sprintf("conf-%02d", i), Target: fmt.Sprintf("local: resourceGroup: %q", fmt.Sprintf("rg-%02d", i))}
		if err := estate.Write(dir, o); err != nil {
			return err
		}
		dirs = append(dirs, dir)
	}
	if _, err := exe(bin, "--state", state, "--replication-rate", "1000000", "apply", "--auto-approve", "--no-wait", "--parallelism", "32", root); err != nil {
		return err
	}
	noCache := []string{"CURATOR_NO_CACHE=1"}
	whole, err := exeEnv(bin, noCache, "--state", state, "plan", "--detailed-exitcode", "-o", "json", root)
	if err != nil {
		return err
	}
	var result struct {
		Configurations []struct {
			Changes []json.RawMessage `json:"resource_changes"`
			Error   string            `json:"error"`
		} `json:"configurations"`
	}
	if err := json.Unmarshal(whole.out, &result); err != nil {
		return fmt.Errorf("read the repository's plan: %w", err)
	}
	if len(result.Configurations) != configs {
		return fmt.Errorf("the repository's plan has %d configurations, want %d", len(result.Configurations), configs)
	}
	for i, c := range result.Configurations {
		if len(c.Changes) != 0 || c.Error != "" {
			return fmt.Errorf("configuration %d of the populated repository plans %d changes (%s)", i, len(c.Changes), c.Error)
		}
	}
	var separate time.Duration
	var peak int64
	for _, dir := range dirs {
		m, err := exeEnv(bin, noCache, "--state", state, "plan", "--detailed-exitcode", "-o", "json", dir)
		if err != nil {
			return err
		}
		separate += m.wall
		peak = max(peak, m.rss)
	}
	fmt.Println()
	fmt.Println("| repository | one `plan ROOT` | peak RSS | one `plan` per configuration | largest peak RSS | faster by |")
	fmt.Println("|---|---:|---:|---:|---:|---:|")
	fmt.Printf("| %d configurations × %d versions | %s | %d MB | %s | %d MB | %.1f× |\n",
		configs, versions, secs(whole.wall), whole.rss/1024, secs(separate), peak/1024, separate.Seconds()/whole.wall.Seconds())
	return nil
}
