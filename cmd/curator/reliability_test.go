package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/curator-dev/curator/cloud/azure"
	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/examples/gen/estate"
	"github.com/curator-dev/curator/internal/testenv"
	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/schema"
)

// The reliability suite. `make test` runs it in a short form; `make
// reliability` sets CURATOR_RELIABILITY=long for the full one.
func long() bool { return os.Getenv("CURATOR_RELIABILITY") == "long" }

// TestMain lets the tests run curator as a separate process (to kill it):
// the test binary is curator when CURATOR_BE_MAIN is set. The tests get a
// cache folder of their own (inherited by the processes they start): the
// apply lock of an azure target lives in the user's cache folder, and tests
// of another package, or a developer's own curator, must not hold it.
func TestMain(m *testing.M) {
	if os.Getenv("CURATOR_BE_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(testenv.RunWithOwnCache(m))
}

// checkEstate asserts the cloud holds exactly the configuration: every
// declared resource once, every share once, and a re-plan with no changes.
func checkEstate(t *testing.T, c *azure.Client, desired *model.State) {
	t.Helper()
	st, err := c.ReadState(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got, want := st.Counts(), desired.Counts()
	if got != want {
		t.Errorf("the cloud holds %+v, the configuration %+v (lost or duplicated resources)", got, want)
	}
	for gname, g := range st.Galleries {
		seen := map[string]int{}
		for _, s := range g.Shares {
			seen[strings.ToLower(s.PrincipalID)+"/"+s.Role]++
		}
		for k, n := range seen {
			if n > 1 {
				t.Errorf("gallery %s: role assignment %s exists %d times", gname, k, n)
			}
		}
	}
}

func generated(t *testing.T, dir string, versions int, target string) *model.State {
	t.Helper()
	defs := max(1, versions/8)
	if err := estate.Write(dir, estate.Options{Galleries: max(1, defs/10), Definitions: defs, Versions: versions, Regions: 2, Shares: 1, Seed: 5, Name: "reliability", Target: target}); err != nil {
		t.Fatal(err)
	}
	st, diags := schema.Load(os.DirFS(dir))
	if diags.HasErrors() {
		t.Fatal(schema.Err(diags))
	}
	return st
}

// TestReliabilityFaults applies an estate through an emulator answering 10%
// of requests 429 (with Retry-After), 5% 500/503 and dropping 1% of
// connections: the apply converges, nothing is lost or duplicated.
func TestReliabilityFaults(t *testing.T) {
	versions := 60
	if long() {
		versions = 440 // with definitions, galleries and shares: about 500 resources
	}
	ctx := context.Background()
	srv, err := emulator.Start(ctx, emulator.Options{ReplicationRate: 1e6, Faults: emulator.Faults{ThrottleRate: 0.10, ServerErrorRate: 0.05, DropRate: 0.01, RetryAfter: 20 * time.Millisecond, Seed: 11}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	desired := generated(t, dir, versions, fmt.Sprintf("local: endpoint: %q", srv.URL()))
	attempts := 0
	for ; attempts < 5; attempts++ {
		r := curator(t, t.TempDir(), "apply", "--auto-approve", "--parallelism", "16", dir)
		if r.code == 0 {
			break
		}
		t.Logf("apply %d did not finish: %s", attempts+1, lastLine(r.stderr))
	}
	srv.SetFaults(emulator.Faults{})
	expect(t, curator(t, t.TempDir(), "plan", "--detailed-exitcode", dir), 0, "No changes.")
	c, err := azure.New(azure.Config{Subscription: model.DefaultSubscription, ResourceGroup: model.DefaultResourceGroup, ConfigName: "reliability", Endpoint: srv.URL(), Credential: azure.StaticToken("t")})
	if err != nil {
		t.Fatal(err)
	}
	checkEstate(t, c, desired)
	f := srv.InjectedFaults()
	t.Logf("faults injected: %d throttled, %d server errors, %d dropped connections; converged after %d apply run(s); %d resources, 0 lost, 0 duplicated",
		f["throttle"], f["5xx"], f["drop"], attempts+1, desired.Counts().Galleries+desired.Counts().Definitions+desired.Counts().Versions+desired.Counts().Shares)
	if f["throttle"] == 0 || f["5xx"] == 0 {
		t.Errorf("faults were not injected: %v", f)
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndexByte(s, '\n')+1:]
}

// TestReliabilityCrash kills the applier with SIGKILL at random points of
// an apply, again and again: every re-run converges, the emulator's state
// folder is never corrupt, and nothing is lost or duplicated.
func TestReliabilityCrash(t *testing.T) {
	versions, crashes := 40, 3
	if long() {
		versions, crashes = 200, 10
	}
	dir, state := t.TempDir(), t.TempDir()
	desired := generated(t, dir, versions, "local: {}")
	rng := rand.New(rand.NewPCG(1, 2))
	killed := 0
	for i := 0; i < crashes; i++ {
		cmd := exec.Command(os.Args[0], "--state", state, "--replication-rate", "20", "apply", "--auto-approve", "--parallelism", "8", dir)
		cmd.Env = append(os.Environ(), "CURATOR_BE_MAIN=1")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(50+rng.IntN(700)) * time.Millisecond)
		if cmd.Process.Signal(os.Kill) == nil {
			killed++
		}
		cmd.Wait()
	}
	// Converge.
	expect(t, curator(t, state, "apply", "--auto-approve", dir), 0)
	expect(t, curator(t, state, "plan", "--detailed-exitcode", dir), 0, "No changes.")
	srv, err := emulator.Start(context.Background(), emulator.Options{StateDir: state})
	if err != nil {
		t.Fatalf("the state folder is unusable after %d crashes: %v", killed, err)
	}
	defer srv.Close()
	c, err := azure.New(azure.Config{Subscription: model.DefaultSubscription, ResourceGroup: model.DefaultResourceGroup, ConfigName: "reliability", Endpoint: srv.URL(), Credential: azure.StaticToken("t")})
	if err != nil {
		t.Fatal(err)
	}
	checkEstate(t, c, desired)
	t.Logf("%d applies killed with SIGKILL, all converged; 0 lost, 0 duplicated", killed)
}

// TestReliabilitySecretsNeverLeak runs an azure-target configuration
// against the emulator with a bearer token, and a git source with a token,
// at debug log level, and finds neither in any output or plan.
func TestReliabilitySecretsNeverLeak(t *testing.T) {
	const armToken, gitToken = "arm-secret-token-5f2c9", "ghp_gitsecret_8d1e7"
	srv, err := emulator.Start(context.Background(), emulator.Options{ReplicationRate: 1e6})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	t.Setenv(azure.EndpointEnv, srv.URL())
	t.Setenv(azure.TokenEnv, armToken)
	t.Setenv("CURATOR_GIT_TOKEN", gitToken)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir := t.TempDir()
	generated(t, dir, 8, `azure: {subscription: "00000000-0000-0000-0000-000000000000", resourceGroup: "rg-images"}`)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	var all strings.Builder
	for _, args := range [][]string{
		{"--log-level", "debug", "--log-format", "json", "plan", "--out", planFile, dir},
		{"--log-level", "debug", "apply", "--auto-approve", dir},
		{"--log-level", "debug", "drift", "-o", "json", dir},
		{"--log-level", "debug", "plan", "--git", "https://x-access-token:" + gitToken + "@127.0.0.1:1/none.git"},
	} {
		r := curator(t, t.TempDir(), args...)
		all.WriteString(r.stdout + r.stderr)
	}
	plan, _ := os.ReadFile(planFile)
	all.Write(plan)
	for _, secret := range []string{armToken, gitToken} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("the secret %q appears in curator's output", secret)
		}
	}
	if !strings.Contains(all.String(), "Apply complete") {
		t.Errorf("the azure-target apply did not run:\n%s", all.String())
	}
}
