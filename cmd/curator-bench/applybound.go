package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/curator-dev/curator/examples/gen/estate"
)

// serveEmulator serves an emulator over state in a process of its own
// (replication instant) and returns its endpoint and how to stop it.
func serveEmulator(bin, state string) (string, func(), error) {
	srv := exec.Command(bin, "--state", state, "--replication-rate", "1000000", "emulator", "serve", "--addr", "127.0.0.1:0", "--tls=false")
	srv.Stderr = os.Stderr
	stdout, err := srv.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := srv.Start(); err != nil {
		return "", nil, err
	}
	stop := func() { srv.Process.Signal(os.Interrupt); srv.Wait() }
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("emulator did not start: %w", err)
	}
	// "curator emulator serving http://127.0.0.1:PORT (state …)"
	fields := strings.Fields(line)
	if len(fields) < 4 || !strings.HasPrefix(fields[3], "http://") {
		stop()
		return "", nil, fmt.Errorf("emulator said %q", line)
	}
	return fields[3], stop, nil
}

// noWaitApply applies estate o from an empty emulator with --no-wait and
// returns the wall time and the requests the emulator served.
func noWaitApply(bin, work, name string, o estate.Options) (time.Duration, int64, error) {
	endpoint, stop, err := serveEmulator(bin, filepath.Join(work, name+"-state"))
	if err != nil {
		return 0, 0, err
	}
	defer stop()
	o.Target = fmt.Sprintf("local: endpoint: %q", endpoint)
	dir := filepath.Join(work, name)
	if err := estate.Write(dir, o); err != nil {
		return 0, 0, err
	}
	m, err := exe(bin, "apply", "--auto-approve", "--no-wait", "--parallelism", "32", dir)
	if err != nil {
		return 0, 0, err
	}
	requests, err := emulatorStats(endpoint)
	return m.wall, requests, err
}

// applyBoundRow applies the goal estate from empty with --no-wait and
// compares it with its bound: 1.3 × its requests × the per-request cost of
// applying a tenth of it (as many galleries, a tenth of the definitions
// and versions) from empty — the local target's cost per request must not
// grow with the estate (issue 24).
func applyBoundRow(bin string, o estate.Options) error {
	work, err := os.MkdirTemp("", "curator-bench-apply-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	small := o
	small.Definitions = max(o.Galleries, o.Definitions/10)
	small.Versions = o.Versions / 10
	sw, sr, err := noWaitApply(bin, work, "tenth", small)
	if err != nil {
		return fmt.Errorf("apply a tenth of the goal estate: %w", err)
	}
	w, r, err := noWaitApply(bin, work, "goal", o)
	if err != nil {
		return fmt.Errorf("apply the goal estate: %w", err)
	}
	per := sw / time.Duration(max(sr, 1))
	bound := time.Duration(1.3 * float64(r) * float64(per))
	fmt.Println("| `apply --no-wait` from an empty emulator | requests | wall | per request | bound (1.3 × requests × a tenth's per-request cost) | wall ÷ bound |")
	fmt.Println("|---|---:|---:|---:|---:|---:|")
	fmt.Printf("| a tenth: %d × %d × %d | %d | %s | %s | — | — |\n", small.Galleries, small.Definitions, small.Versions, sr, secs(sw), per.Round(time.Microsecond))
	fmt.Printf("| goal: %d × %d × %d | %d | %s | %s | %s | %.2f |\n\n", o.Galleries, o.Definitions, o.Versions, r, secs(w), (w / time.Duration(max(r, 1))).Round(time.Microsecond), secs(bound), w.Seconds()/bound.Seconds())
	return nil
}
