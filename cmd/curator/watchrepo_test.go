package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestWatchRepository: one watch serves every configuration of a
// repository: each applied, metrics labelled by configuration, /status
// with each one's outcome, revision, pending changes and leader; a
// configuration added is picked up, a removed one dropped without
// deleting its resources.
func TestWatchRepository(t *testing.T) {
	root, state := exampleRepo(t)
	t.Setenv("CURATOR_NO_CACHE", "1")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errw syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- runContext(ctx, []string{"--state", state, "--replication-rate", "500", "watch", "--apply", "--listen", "127.0.0.1:0", root}, strings.NewReader(""), &out, &errw)
	}()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("watch exited %d: %s", code, errw.String())
		}
	}
	defer stop()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("stderr:\n%s", errw.String())
		}
	})
	waitFor(t, &out, "[dev] Apply complete: 3 done", 1, 60*time.Second)
	waitFor(t, &out, "[prod] Apply complete: 4 done", 1, 60*time.Second)
	addr := regexp.MustCompile(`on (http://[0-9.:]+)`).FindStringSubmatch(errw.String())
	if addr == nil {
		t.Fatalf("watch did not say where it serves:\n%s", errw.String())
	}
	get := func(path string) string {
		resp, err := http.Get(addr[1] + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	type status struct {
		Configurations []struct {
			Path           string `json:"path"`
			Outcome        string `json:"outcome"`
			Revision       string `json:"revision"`
			PendingChanges int    `json:"pending_changes"`
			Leader         bool   `json:"leader"`
		} `json:"configurations"`
	}
	awaitStatus := func(want map[string]string) status {
		t.Helper()
		var s status
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			s = status{}
			if err := json.Unmarshal([]byte(get("/status")), &s); err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, c := range s.Configurations {
				got[c.Path] = c.Outcome
			}
			match := len(got) == len(want)
			for p, o := range want {
				match = match && got[p] == o
			}
			if match {
				return s
			}
		}
		t.Fatalf("/status: %+v, want outcomes %v", s, want)
		return s
	}
	s := awaitStatus(map[string]string{"dev": "applied", "prod": "applied"})
	for _, c := range s.Configurations {
		if c.Revision == "" || c.PendingChanges != 0 || !c.Leader {
			t.Errorf("/status of %s: %+v", c.Path, c)
		}
	}
	checkLoopbackHosts(t, addr[1], "/", "/api/estate", "/status", "/metrics")
	metrics := get("/metrics")
	for _, want := range []string{`curator_leader{configuration="dev"} 1`, `curator_drift{configuration="prod"} 0`, `curator_reconcile_total{configuration="prod",result="ok"}`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// A configuration added to the repository is picked up.
	sandbox := filepath.Join(root, "sandbox")
	if err := os.MkdirAll(sandbox, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sandbox, "curator.cue"), []byte("package curator\n\nname: \"sandbox\"\ntarget: local: resourceGroup: \"sandbox\"\ngalleries: sandbox: location: \"westeurope\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, &out, "[sandbox] Apply complete: 1 done", 1, 60*time.Second)

	// A removed one is dropped; its resources stay.
	kept := filepath.Join(t.TempDir(), "dev")
	copyTree(t, filepath.Join(root, "dev"), kept)
	if err := os.RemoveAll(filepath.Join(root, "dev")); err != nil {
		t.Fatal(err)
	}
	awaitStatus(map[string]string{"prod": "applied", "sandbox": "applied"})
	if strings.Contains(get("/metrics"), `configuration="dev"`) {
		t.Error("/metrics still has the removed configuration's series")
	}
	if !strings.Contains(errw.String(), "[dev] the configuration left the repository: no longer reconciled; its resources stay as they are") {
		t.Errorf("the removal is not reported:\n%s", errw.String())
	}
	// A change of lib reaches prod only (dev is gone), once.
	lib := filepath.Join(root, "lib", "lib.cue")
	data, err := os.ReadFile(lib)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lib, []byte(strings.Replace(string(data), "(primary): replicas:   2", "(primary): replicas:   3", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, &out, "[prod] Apply complete: 1 done", 1, 60*time.Second)
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "[sandbox] ") && strings.HasSuffix(line, "reconcile (source changed)") {
			t.Errorf("sandbox reconciled on a change of lib, which it does not import: %s", line)
		}
	}
	stop()
	// dev's resources are still there: back in the repository, it plans
	// lib's change to its version, and creates nothing.
	copyTree(t, kept, filepath.Join(root, "dev"))
	r := curator(t, state, "plan", filepath.Join(root, "dev"))
	expect(t, r, 0, "~ gallery/contoso_dev/image/web/version/1.3.0")
	if strings.Contains(r.stdout, "+ gallery/contoso_dev") {
		t.Errorf("dev's resources were deleted when it left the repository:\n%s", r.stdout)
	}
}
