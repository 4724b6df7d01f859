package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestApplyInterruptPrintsSummary runs curator as its own process, sends
// SIGINT while a version replicates (slowly: 0.01 GB/s), and expects the
// apply to stop, say what it did and what it cancelled, and exit 1.
func TestApplyInterruptPrintsSummary(t *testing.T) {
	cfg, state := setup(t)
	cmd := exec.Command(os.Args[0], "--state", state, "--replication-rate", "0.01", "apply", "--auto-approve", cfg)
	cmd.Env = append(os.Environ(), "CURATOR_BE_MAIN=1", "CURATOR_NO_CACHE=1")
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The gallery, its share and the definition are done; the version
	// is replicating.
	waitFor(t, &out, "done (", 3, 60*time.Second)
	waitFor(t, &out, "version/1.0.0: creating", 1, 60*time.Second)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if code := cmd.ProcessState.ExitCode(); code != exitError {
			t.Errorf("exit %d (%v), want %d", code, err, exitError)
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("apply did not stop on SIGINT:\n%s", out.String())
	}
	for _, want := range []string{
		"Apply interrupted: 3 done, 0 failed, 0 skipped, 1 cancelled",
		"version/1.0.0: cancelled: ",
		"cut short by interrupt signal received",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestWatchReadyzWhileFolderReplaced: a watch whose folder is removed
// answers /readyz 503 with the reason until a folder is back, then
// applies the new folder's configuration and is ready again; /healthz
// stays 200 throughout.
func TestWatchReadyzWhileFolderReplaced(t *testing.T) {
	cfg, state := setup(t)
	backup := filepath.Join(t.TempDir(), "backup")
	if err := os.Mkdir(backup, 0o755); err != nil {
		t.Fatal(err)
	}
	writeConfig(t, backup, "4", "Linux", false)
	t.Setenv("CURATOR_NO_CACHE", "1")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errw syncBuffer
	done := make(chan int)
	go func() {
		done <- runContext(ctx, []string{"--state", state, "--replication-rate", "500", "watch", "--apply", "--listen", "127.0.0.1:0", cfg}, strings.NewReader(""), &out, &errw)
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("watch exited %d: %s", code, errw.String())
		}
	}()
	waitFor(t, &out, "Apply complete: 4 done", 1, 30*time.Second)
	addr := regexp.MustCompile(`on (http://[0-9.:]+)`).FindStringSubmatch(errw.String())
	if addr == nil {
		t.Fatalf("watch did not say where it serves:\n%s", errw.String())
	}
	get := func(path string) (int, string) {
		resp, err := http.Get(addr[1] + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	awaitReadyz := func(code int, says string) {
		t.Helper()
		var got int
		var body string
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if got, body = get("/readyz"); got == code && strings.Contains(body, says) {
				return
			}
		}
		t.Fatalf("/readyz: %d %q, want %d saying %q", got, body, code, says)
	}
	awaitReadyz(http.StatusOK, "ok")

	checkLoopbackHosts(t, addr[1], "/", "/api/estate", "/metrics")

	if err := os.RemoveAll(cfg); err != nil {
		t.Fatal(err)
	}
	awaitReadyz(http.StatusServiceUnavailable, "waiting for a folder at that path")
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz %d while the folder is gone: the process is alive", code)
	}
	if b, err := exec.Command("cp", "-r", backup, cfg).CombinedOutput(); err != nil {
		t.Fatalf("cp -r: %v: %s", err, b)
	}
	waitFor(t, &out, "Apply complete: 1 done", 1, 30*time.Second)
	awaitReadyz(http.StatusOK, "ok")
	if !strings.Contains(errw.String(), "lost the watch of the configuration folder") || !strings.Contains(errw.String(), "watching the configuration folder again") {
		t.Errorf("the log does not tell the folder was lost and watched again:\n%s", errw.String())
	}
}

// checkLoopbackHosts: a watch on a loopback --listen answers requests for
// loopback names only, so that a web page resolving a name of its own to
// the loopback address (DNS rebinding) cannot read what it serves.
func checkLoopbackHosts(t *testing.T, base string, paths ...string) {
	t.Helper()
	for _, tc := range []struct {
		host string
		code int
	}{
		{"attacker.example", http.StatusMisdirectedRequest},
		{"attacker.example:" + base[strings.LastIndex(base, ":")+1:], http.StatusMisdirectedRequest},
		{"localhost", http.StatusOK},
		{"127.0.0.1", http.StatusOK},
		{"[::1]:9090", http.StatusOK},
	} {
		for _, path := range paths {
			req, err := http.NewRequest(http.MethodGet, base+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = tc.host
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.code {
				t.Errorf("GET %s with Host %q: %d, want %d: %.200s", path, tc.host, resp.StatusCode, tc.code, body)
			}
		}
	}
}
