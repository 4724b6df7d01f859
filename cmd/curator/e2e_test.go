package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/curator-dev/curator/cloud/azure"
	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/model"
)

// syncBuffer is a buffer safe for a command writing while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type result struct {
	code           int
	stdout, stderr string
}

// curator runs the CLI in-process against the local target in state.
func curator(t *testing.T, state string, args ...string) result {
	t.Helper()
	var out, errw bytes.Buffer
	full := append([]string{"--state", state, "--replication-rate", "500"}, args...)
	code := run(full, strings.NewReader(""), &out, &errw)
	return result{code, out.String(), errw.String()}
}

const config = `package curator

name: "e2e"
target: local: {}
%PRUNE%
galleries: acme: {
	location: "westeurope"
	description: "e2e gallery"
	shares: readers: {principalId: "5b0b4d0e-7c34-4a57-9a37-2b6f0a8e1c11", role: "Reader"}
	images: web: {
		publisher: "Contoso", offer: "Web", sku: "nginx"
		osType: %OSTYPE%, osState: "Generalized"
		versions: "1.0.0": {
			source: managedImage: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/b/providers/Microsoft.Compute/images/web-100"
			regions: {westeurope: replicas: %REPLICAS%, northeurope: {}}
		}
	}
}
`

func writeConfig(t *testing.T, dir string, replicas, osType string, prune bool) {
	t.Helper()
	s := strings.NewReplacer("%REPLICAS%", replicas, "%OSTYPE%", `"`+osType+`"`, "%PRUNE%", map[bool]string{true: "prune: true", false: ""}[prune]).Replace(config)
	if err := os.WriteFile(filepath.Join(dir, "main.cue"), []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func setup(t *testing.T) (cfg, state string) {
	t.Helper()
	root := t.TempDir()
	cfg, state = filepath.Join(root, "config"), filepath.Join(root, "state")
	if err := os.Mkdir(cfg, 0o755); err != nil {
		t.Fatal(err)
	}
	writeConfig(t, cfg, "2", "Linux", false)
	return cfg, state
}

func expect(t *testing.T, r result, code int, contains ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	for _, c := range contains {
		if !strings.Contains(r.stdout+r.stderr, c) {
			t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", c, r.stdout, r.stderr)
		}
	}
}

// behindCurator opens the state folder's emulator and a client of another
// configuration, to change the cloud the way a person in the portal would.
func behindCurator(t *testing.T, state, configName string, f func(c *azure.Client)) {
	t.Helper()
	srv, err := emulator.Start(context.Background(), emulator.Options{StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := azure.New(azure.Config{Subscription: model.DefaultSubscription, ResourceGroup: model.DefaultResourceGroup, ConfigName: configName, Endpoint: srv.URL(), Credential: azure.StaticToken("t")})
	if err != nil {
		t.Fatal(err)
	}
	f(c)
}

func TestPlanApplyReplanIsNoOp(t *testing.T) {
	cfg, state := setup(t)
	expect(t, curator(t, state, "plan", "--detailed-exitcode", cfg), 2, "Plan: 3 to create", "Shares: +1")
	expect(t, curator(t, state, "apply", "--auto-approve", cfg), 0, "Apply complete: 4 done, 0 failed, 0 skipped")
	expect(t, curator(t, state, "plan", "--detailed-exitcode", cfg), 0, "No changes.")

	// A replica change is an update, applied in place.
	writeConfig(t, cfg, "3", "Linux", false)
	expect(t, curator(t, state, "plan", "--detailed-exitcode", cfg), 2, "~ region westeurope: replicas 2 → 3", "1 to update")
	expect(t, curator(t, state, "apply", "--auto-approve", cfg), 0, "1 done")
	expect(t, curator(t, state, "plan", "--detailed-exitcode", cfg), 0, "No changes.")

	// An osType change is a replace, refused unless allowed.
	writeConfig(t, cfg, "3", "Windows", false)
	expect(t, curator(t, state, "plan", cfg), 1, "Replace not allowed", "--allow-replace")
	expect(t, curator(t, state, "apply", "--auto-approve", cfg), 1, "Replace not allowed")
	expect(t, curator(t, state, "apply", "--auto-approve", "--allow-replace", cfg), 0, "-/+ gallery/acme/image/web")
	expect(t, curator(t, state, "plan", "--detailed-exitcode", cfg), 0, "No changes.")
}

func TestApplyWithoutTerminalRefuses(t *testing.T) {
	cfg, state := setup(t)
	expect(t, curator(t, state, "apply", cfg), 1, "--auto-approve")
	expect(t, curator(t, state, "plan", "--detailed-exitcode", cfg), 2)
}

func TestInvalidConfigurationChangesNothing(t *testing.T) {
	cfg, state := setup(t)
	if err := os.WriteFile(filepath.Join(cfg, "bad.cue"), []byte("package curator\ngalleries: acme: replica: 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	expect(t, curator(t, state, "apply", "--auto-approve", cfg), 1, "bad.cue:2:", "unknown field", "nothing was planned or changed")
	if _, err := os.Stat(filepath.Join(state, "state.json")); err == nil {
		t.Error("an invalid configuration wrote to the cloud")
	}
}

func TestPruneDeletesOnlyManaged(t *testing.T) {
	cfg, state := setup(t)
	expect(t, curator(t, state, "apply", "--auto-approve", cfg), 0)
	behindCurator(t, state, "someone-else", func(c *azure.Client) {
		ctx := context.Background()
		if err := c.CreateGallery(ctx, "handmade", &model.Gallery{Location: "westeurope"}); err != nil {
			t.Fatal(err)
		}
	})
	writeConfig(t, cfg, "2", "Linux", true)
	// Remove the definition from the configuration: prune deletes it and its version.
	src := readFile(t, filepath.Join(cfg, "main.cue"))
	i := strings.Index(src, "\timages: web:")
	os.WriteFile(filepath.Join(cfg, "main.cue"), []byte(src[:i]+"}\n"), 0o644)
	r := curator(t, state, "apply", "--auto-approve", cfg)
	expect(t, r, 0, "- gallery/acme/image/web", "gallery/handmade")
	if strings.Contains(r.stdout, "- gallery/handmade") {
		t.Error("prune touched a gallery curator does not manage")
	}
	behindCurator(t, state, "someone-else", func(c *azure.Client) {
		st, err := c.ReadState(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.Galleries["handmade"] == nil || st.Galleries["acme"] == nil || len(st.Galleries["acme"].Images) != 0 {
			t.Errorf("after prune: %v", st.Galleries)
		}
	})
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestSavedPlan(t *testing.T) {
	cfg, state := setup(t)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	// The hint names the configuration: apply PLANFILE alone would plan
	// the current folder.
	expect(t, curator(t, state, "plan", "--out", planFile, cfg), 0, "Saved the plan", "apply exactly it with `curator apply "+planFile+" "+cfg+"`")
	expect(t, curator(t, state, "show", "-o", "markdown", planFile), 0, "### curator plan for `e2e`")
	expect(t, curator(t, state, "apply", "--auto-approve", planFile, cfg), 0, "Apply complete: 4 done")

	// The same plan again: the cloud changed since it was made.
	expect(t, curator(t, state, "apply", "--auto-approve", planFile, cfg), 1, "Saved plan is stale", "The given plan file can no longer be applied")

	// A plan of an older configuration revision is stale too.
	writeConfig(t, cfg, "3", "Linux", false)
	expect(t, curator(t, state, "plan", "--out", planFile, cfg), 0, "1 to update")
	writeConfig(t, cfg, "4", "Linux", false)
	expect(t, curator(t, state, "apply", "--auto-approve", planFile, cfg), 1, "Saved plan is stale")
}

func TestDriftBehindCuratorsBack(t *testing.T) {
	cfg, state := setup(t)
	expect(t, curator(t, state, "apply", "--auto-approve", cfg), 0)
	expect(t, curator(t, state, "drift", cfg), 0)
	// A portal edit keeps the resource's tags.
	behindCurator(t, state, "e2e", func(c *azure.Client) {
		ctx := context.Background()
		st, err := c.ReadState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		v := st.Galleries["acme"].Images["web"].Versions["1.0.0"]
		v.Regions["westeurope"] = model.TargetRegion{Replicas: 5, Storage: "Standard_LRS"}
		if err := c.UpdateVersion(ctx, "acme", "web", "1.0.0", v, false, nil); err != nil {
			t.Fatal(err)
		}
		for _, s := range st.Galleries["acme"].Shares {
			if err := c.DeleteRoleAssignment(ctx, model.GalleryAddress("acme"), s); err != nil {
				t.Fatal(err)
			}
		}
	})
	expect(t, curator(t, state, "drift", cfg), 2, "replicas 5 → 2", "+ share/gallery/acme", "Drift:")
	// Drift compares with what was applied, not with uncommitted edits.
	writeConfig(t, cfg, "5", "Linux", false)
	expect(t, curator(t, state, "drift", "-o", "json", cfg), 2, `"after_replicas":2`)
}

func TestConcurrentAppliesNeverBothWrite(t *testing.T) {
	cfg, state := setup(t)
	var wg sync.WaitGroup
	results := make([]result, 2)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = curator(t, state, "apply", "--auto-approve", cfg)
		}()
	}
	wg.Wait()
	created := 0
	for _, r := range results {
		if r.code != 0 {
			t.Fatalf("an apply failed: %s%s", r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout, "Apply complete") {
			created++
		}
	}
	if created != 1 {
		t.Fatalf("%d applies wrote, want exactly 1:\n%s\n---\n%s", created, results[0].stdout, results[1].stdout)
	}
}

func waitFor(t *testing.T, buf *syncBuffer, what string, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if strings.Count(buf.String(), what) >= n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no %d× %q within %s:\n%s", n, what, within, buf.String())
}

func TestWatchAppliesAFileEdit(t *testing.T) {
	cfg, state := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errw syncBuffer
	done := make(chan int)
	go func() {
		done <- runContext(ctx, []string{"--state", state, "--replication-rate", "500", "watch", "--apply", "--listen", "", cfg}, strings.NewReader(""), &out, &errw)
	}()
	waitFor(t, &out, "Apply complete: 4 done", 1, 30*time.Second)
	writeConfig(t, cfg, "4", "Linux", false)
	waitFor(t, &out, "Apply complete: 1 done", 1, 30*time.Second)
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("watch exited %d: %s", code, errw.String())
	}
}

func TestWatchAppliesAGitCommit(t *testing.T) {
	repoDir, state := t.TempDir(), filepath.Join(t.TempDir(), "state")
	repo, err := git.PlainInit(repoDir, false)
	if err != nil {
		t.Fatal(err)
	}
	commit := func() {
		wt, _ := repo.Worktree()
		if _, err := wt.Add("main.cue"); err != nil {
			t.Fatal(err)
		}
		if _, err := wt.Commit("config", &git.CommitOptions{Author: &object.Signature{Name: "t", Email: "t@example.com", When: time.Now()}}); err != nil {
			t.Fatal(err)
		}
	}
	writeConfig(t, repoDir, "2", "Linux", false)
	commit()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	var out, errw syncBuffer
	done := make(chan int)
	go func() {
		done <- runContext(ctx, []string{"--state", state, "--replication-rate", "500", "watch", "--apply", "--listen", "", "--git", repoDir, "--interval", "300ms"}, strings.NewReader(""), &out, &errw)
	}()
	waitFor(t, &out, "Apply complete: 4 done", 1, 30*time.Second)
	writeConfig(t, repoDir, "3", "Linux", false)
	commit()
	waitFor(t, &out, "Apply complete: 1 done", 1, 30*time.Second)
	cancel()
	<-done

	// A plan saved from the repository applies to the repository named
	// again, and is stale once the branch moved on.
	planFile := filepath.Join(t.TempDir(), "plan.json")
	writeConfig(t, repoDir, "4", "Linux", false)
	commit()
	expect(t, curator(t, state, "plan", "--git", repoDir, "--out", planFile), 0, "1 to update")
	expect(t, curator(t, state, "apply", "--auto-approve", "--git", repoDir, planFile), 0, "Apply complete: 1 done")
	expect(t, curator(t, state, "plan", "--git", repoDir, "--out", planFile), 0, "No changes")
	writeConfig(t, repoDir, "5", "Linux", false)
	commit()
	expect(t, curator(t, state, "apply", "--auto-approve", "--git", repoDir, planFile), 1, "Saved plan is stale")
	expect(t, curator(t, state, "plan", "--git", repoDir, "--out", planFile), 0, "1 to update")
	writeConfig(t, repoDir, "6", "Linux", false)
	commit()
	expect(t, curator(t, state, "apply", "--auto-approve", "--git", repoDir, planFile), 1, "Saved plan is stale")
}

// A community gallery is created as one, and pruned: the service deletes
// it only after its sharing is reset, which apply does first.
func TestCommunityGalleryCreatedAndPruned(t *testing.T) {
	root := t.TempDir()
	cfg, state := filepath.Join(root, "config"), filepath.Join(root, "state")
	if err := os.Mkdir(cfg, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(cfg, "main.cue"), []byte("package curator\n\nname: \"community\"\ntarget: local: {}\nprune: true\n"+body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`galleries: public: {
	location: "westeurope"
	sharing: {permission: "Community", community: {publisherUri: "https://contoso.example", publisherEmail: "images@contoso.example", eula: "https://contoso.example/eula", prefix: "contoso"}}
}
galleries: other: location: "westeurope"
`)
	expect(t, curator(t, state, "apply", "--auto-approve", cfg), 0, "Apply complete")
	expect(t, curator(t, state, "plan", "--detailed-exitcode", cfg), 0, "No changes.")
	write("galleries: other: location: \"westeurope\"\n")
	expect(t, curator(t, state, "apply", "--auto-approve", cfg), 0, "- gallery/public", "Apply complete: 1 done")
	expect(t, curator(t, state, "plan", "--detailed-exitcode", cfg), 0, "No changes.")
}

// The golden images of today — Trusted Launch x64 and Arm64, a snapshot
// with a data disk encrypted per region, a shallow canary, a safety
// profile, a directly shared gallery (holding no encrypted version, as the
// service requires) — apply to the local target and plan no changes
// afterwards.
func TestGoldenImagesExample(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	dir := filepath.Join("..", "..", "examples", "golden-images")
	expect(t, curator(t, state, "validate", dir), 0, "2 galleries, 2 definitions, 3 versions, 0 shares: valid")
	expect(t, curator(t, state, "apply", "--auto-approve", dir), 0, "Apply complete: 8 done, 0 failed")
	expect(t, curator(t, state, "plan", "--detailed-exitcode", dir), 0, "No changes.")
}

// A version's safety profile keeps its replicated regions; lifting it in
// the same change that removes a region works in one apply (the profile is
// written first), and keeping it refuses the plan.
func TestSafetyProfileLiftedWithARegionRemoval(t *testing.T) {
	root := t.TempDir()
	cfg, state := filepath.Join(root, "config"), filepath.Join(root, "state")
	if err := os.Mkdir(cfg, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(regions, safety string) {
		t.Helper()
		s := `package curator

name: "safety"
target: local: {}
galleries: acme: {
	location: "westeurope"
	images: web: {
		publisher: "Contoso", offer: "Web", sku: "nginx", osType: "Linux", osState: "Generalized"
		versions: "1.0.0": {
			source: managedImage: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/b/providers/Microsoft.Compute/images/web-100"
			regions: {` + regions + `}
			safety: allowDeletionOfReplicatedLocations: ` + safety + `
		}
	}
}
`
		if err := os.WriteFile(filepath.Join(cfg, "main.cue"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("westeurope: {}, northeurope: {}", "false")
	expect(t, curator(t, state, "apply", "--auto-approve", cfg), 0, "Apply complete")
	write("westeurope: {}", "false")
	expect(t, curator(t, state, "plan", cfg), 1, "Safety profile forbids removing regions", "allowDeletionOfReplicatedLocations")
	write("westeurope: {}", "true")
	expect(t, curator(t, state, "apply", "--auto-approve", cfg), 0, "Apply complete: 1 done")
	expect(t, curator(t, state, "plan", "--detailed-exitcode", cfg), 0, "No changes.")
}
