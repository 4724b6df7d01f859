package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/curator-dev/curator/cloud/azure"
	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/lock"
	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/reconcile"
	"github.com/curator-dev/curator/sources"
)

// A saved plan file is untrusted: these tests change real plan files the
// way an attacker (or an accident) would, and check that apply refuses them
// and that the cloud is left as it was.

// tamper rewrites a saved plan file through its JSON.
func tamper(t *testing.T, file string, f func(p map[string]any)) {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal([]byte(readFile(t, file)), &p); err != nil {
		t.Fatal(err)
	}
	f(p)
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// cloudContents reads the cloud behind curator's back, as a summary of what
// exists: "acme", "acme/web", "acme/web/1.0.0", ….
func cloudContents(t *testing.T, state string) []string {
	t.Helper()
	var out []string
	behindCurator(t, state, "someone-else", func(c *azure.Client) {
		st, err := c.ReadState(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for g, gal := range st.Galleries {
			out = append(out, g)
			for i, img := range gal.Images {
				out = append(out, g+"/"+i)
				for v := range img.Versions {
					out = append(out, g+"/"+i+"/"+v)
				}
			}
		}
	})
	return sortedStrings(out)
}

func sortedStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

func changes(p map[string]any) []any {
	c, _ := p["resource_changes"].([]any)
	return c
}

func TestRefusedPlanIsNotSaved(t *testing.T) {
	cfg, state := setup(t)
	expect(t, curator(t, state, "apply", "--auto-approve", cfg), 0)
	writeConfig(t, cfg, "2", "Windows", false) // an osType change: a replace, refused
	planFile := filepath.Join(t.TempDir(), "plan.json")
	expect(t, curator(t, state, "plan", "--out", planFile, cfg), 1, "Replace not allowed", "not saved")
	if _, err := os.Stat(planFile); !os.IsNotExist(err) {
		t.Fatalf("a refused plan was saved (%v)", err)
	}
	// Allowed, it is saved; applied without the permission, it is refused.
	expect(t, curator(t, state, "plan", "--allow-replace", "--out", planFile, cfg), 0, "Saved the plan")
	before := cloudContents(t, state)
	expect(t, curator(t, state, "apply", "--auto-approve", planFile, cfg), 1, "Saved plan does not match", "--allow-replace")
	if after := cloudContents(t, state); strings.Join(after, " ") != strings.Join(before, " ") {
		t.Errorf("the cloud changed: %v → %v", before, after)
	}
	expect(t, curator(t, state, "apply", "--auto-approve", "--allow-replace", planFile, cfg), 0, "Apply complete")
}

func TestTamperedPlanIsRefused(t *testing.T) {
	victimParent := t.TempDir()
	victim := filepath.Join(victimParent, "victim")
	if err := os.MkdirAll(victim, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(victim, "precious.txt"), []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	pruned := func(t *testing.T, cfg string) {
		// The definition leaves the configuration, without prune.
		src := readFile(t, filepath.Join(cfg, "main.cue"))
		i := strings.Index(src, "\timages: web:")
		if err := os.WriteFile(filepath.Join(cfg, "main.cue"), []byte(src[:i]+"}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, cfg string) // the configuration, before planning
		edit   func(p map[string]any)
		want   []string
	}{{
		name: "configuration name is a path",
		edit: func(p map[string]any) { p["configuration"] = "../../" + filepath.Base(victimParent) + "/victim" },
		want: []string{"configuration name"},
	}, {
		name: "delete of an unmanaged gallery added",
		edit: func(p map[string]any) {
			p["resource_changes"] = append(changes(p), map[string]any{"address": "gallery/handmade", "kind": "gallery", "actions": []any{"delete"}, "reason": "no_config", "gallery": "handmade"})
		},
		want: []string{"Saved plan does not match", "gallery/handmade"},
	}, {
		name:   "delete without prune added",
		change: pruned,
		edit: func(p map[string]any) {
			p["resource_changes"] = append(changes(p),
				map[string]any{"address": "gallery/acme/image/web/version/1.0.0", "kind": "version", "actions": []any{"delete"}, "reason": "no_config", "gallery": "acme", "image": "web", "version": "1.0.0"},
				map[string]any{"address": "gallery/acme/image/web", "kind": "image", "actions": []any{"delete"}, "reason": "no_config", "gallery": "acme", "image": "web"})
			p["summary"].(map[string]any)["delete"] = 0.0
		},
		want: []string{"Saved plan does not match", "gallery/acme/image/web", "--prune"},
	}, {
		name: "target changed",
		edit: func(p map[string]any) {
			p["target"] = strings.Replace(p["target"].(string), model.DefaultResourceGroup, "rg-elsewhere", 1)
		},
		want: []string{"Saved plan does not match", "rg-elsewhere"},
	}, {
		name: "summary forged",
		edit: func(p map[string]any) { p["summary"].(map[string]any)["update"] = 0.0 },
		want: []string{"Saved plan does not match", "summary"},
	}, {
		name: "fingerprint of the empty estate",
		edit: func(p map[string]any) {
			p["actual_state_fingerprint"] = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
		},
		want: []string{"Saved plan is stale"},
	}, {
		name: "source revision is not a revision",
		edit: func(p map[string]any) { p["source_revision"] = "../../etc" },
		want: []string{"not a folder's content revision"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, state := setup(t)
			expect(t, curator(t, state, "apply", "--auto-approve", cfg), 0)
			behindCurator(t, state, "someone-else", func(c *azure.Client) {
				if err := c.CreateGallery(context.Background(), "handmade", &model.Gallery{Location: "westeurope"}); err != nil {
					t.Fatal(err)
				}
			})
			writeConfig(t, cfg, "3", "Linux", false)
			if tc.change != nil {
				tc.change(t, cfg)
			}
			planFile := filepath.Join(t.TempDir(), "plan.json")
			expect(t, curator(t, state, "plan", "--out", planFile, cfg), 0, "Saved the plan")
			tamper(t, planFile, tc.edit)
			before := cloudContents(t, state)
			expect(t, curator(t, state, "apply", "--auto-approve", planFile, cfg), 1, tc.want...)
			if after := cloudContents(t, state); strings.Join(after, " ") != strings.Join(before, " ") {
				t.Errorf("the cloud changed: %v → %v", before, after)
			}
			if got := readFile(t, filepath.Join(victim, "precious.txt")); got != "keep me" {
				t.Errorf("the victim folder was touched: %q", got)
			}
		})
	}
}

// recorder is a test HTTPS server on 127.0.0.1 that counts every
// connection made to it (a git:// client's too, which never gets as far as
// a request) and records every request.
type recorder struct {
	*httptest.Server
	mu       sync.Mutex
	conns    int
	requests []string
}

func newRecorder(t *testing.T) *recorder {
	t.Helper()
	rec := &recorder{}
	rec.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.requests = append(rec.requests, r.Method+" "+r.Host+r.URL.Path+" Authorization="+r.Header.Get("Authorization"))
		rec.mu.Unlock()
		http.Error(w, "nothing here", http.StatusNotFound)
	}))
	rec.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			rec.mu.Lock()
			rec.conns++
			rec.mu.Unlock()
		}
	}
	rec.StartTLS()
	t.Cleanup(rec.Close)
	return rec
}

// untouched fails the test when anything reached the server.
func (rec *recorder) untouched(t *testing.T) {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.conns > 0 || len(rec.requests) > 0 {
		t.Errorf("the attacker's server was reached: %d connections, requests %q", rec.conns, rec.requests)
	}
}

// A plan file crafted to name a configuration of the attacker's (a folder,
// or a repository over git:// or https) whose target is the attacker's
// endpoint is refused before anything is read: the user's apply names the
// user's configuration, and nothing the file names is opened.
func TestPlanFileNamingAnotherConfigurationIsRefused(t *testing.T) {
	const token = "ghp_saved-plan-must-not-get-this-token"
	t.Setenv("CURATOR_GIT_TOKEN", token)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	evilServer := newRecorder(t)
	// The attacker's configuration: the user's name, the attacker's
	// Resource Manager and lock.
	evil := t.TempDir()
	evilTarget := model.Target{Local: &model.LocalTarget{Endpoint: evilServer.URL}}
	evilConfig := strings.Replace(strings.NewReplacer("%REPLICAS%", "2", "%OSTYPE%", `"Linux"`, "%PRUNE%", "").Replace(config),
		"target: local: {}", fmt.Sprintf("target: local: {endpoint: %q}", evilServer.URL), 1)
	if err := os.WriteFile(filepath.Join(evil, "main.cue"), []byte(evilConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	snap, err := sources.NewLocal(evil).Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(evilServer.URL, "https://")
	for _, tc := range []struct {
		name, source, revision string
		named                  func(cfg string) []string // the user's command line after the plan file
	}{
		{name: "folder", source: snap.Origin, revision: snap.Revision, named: func(cfg string) []string { return []string{cfg} }},
		{name: "folder, none named", source: snap.Origin, revision: snap.Revision, named: func(string) []string { return nil }},
		{name: "git://", source: "git+git://" + host + "/evil.git#path=config", revision: strings.Repeat("ab", 20), named: func(cfg string) []string { return []string{cfg} }},
		{name: "https", source: "git+" + evilServer.URL + "/evil.git#ref=main", revision: strings.Repeat("ab", 20), named: func(cfg string) []string { return []string{cfg} }},
		{name: "https, another repository named", source: "git+" + evilServer.URL + "/evil.git", revision: strings.Repeat("ab", 20), named: func(cfg string) []string {
			return []string{"--git", evilServer.URL + "/mine.git"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, state := setup(t)
			planFile := filepath.Join(t.TempDir(), "plan.json")
			expect(t, curator(t, state, "plan", "--out", planFile, cfg), 0, "Saved the plan")
			tamper(t, planFile, func(p map[string]any) {
				p["source"] = tc.source
				p["source_revision"] = tc.revision
				p["target"] = reconcile.EncodeTarget(evilTarget)
			})
			args := append([]string{"apply", planFile}, tc.named(cfg)...)
			r := curator(t, state, args...)
			expect(t, r, 1, "made from another configuration", tc.source)
			evilServer.untouched(t)
			if strings.Contains(r.stdout+r.stderr, token) {
				t.Error("the token was printed")
			}
		})
	}
}

// A plan made under one lock blob is not applied under another: the lock
// is part of the target. Nothing is locked (the lock's endpoint, a
// recording server here, sees nothing) and the cloud is left as it was.
func TestPlanForAnotherLockIsRefused(t *testing.T) {
	emu, err := emulator.Start(context.Background(), emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	lockServer := newRecorder(t)
	t.Setenv(azure.EndpointEnv, emu.URL())
	t.Setenv(azure.TokenEnv, "t")
	t.Setenv(lock.LockConnectionStringEnv, "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;BlobEndpoint="+lockServer.URL+"/acct;")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	const lockA, lockB = "https://acct.blob.core.windows.net/locks/a", "https://acct.blob.core.windows.net/locks/b"
	cfg, state := setup(t)
	azureConfig := strings.Replace(readFile(t, filepath.Join(cfg, "main.cue")), "target: local: {}",
		fmt.Sprintf("target: azure: {subscription: %q, resourceGroup: %q, lock: blob: %q}", model.DefaultSubscription, model.DefaultResourceGroup, lockA), 1)
	if err := os.WriteFile(filepath.Join(cfg, "main.cue"), []byte(azureConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	planFile := filepath.Join(t.TempDir(), "plan.json")
	expect(t, curator(t, state, "plan", "--out", planFile, cfg), 0, "Saved the plan")
	if !strings.Contains(readFile(t, planFile), ";lock="+lockA) {
		t.Fatalf("the plan's target does not name its lock:\n%s", readFile(t, planFile))
	}
	tamper(t, planFile, func(p map[string]any) {
		p["target"] = strings.Replace(p["target"].(string), lockA, lockB, 1)
	})
	expect(t, curator(t, state, "apply", "--auto-approve", planFile, cfg), 1, "Saved plan does not match", lockB)
	lockServer.untouched(t)
	if got := len(mustReadState(t, emu).Galleries); got != 0 {
		t.Errorf("the cloud changed: %d galleries", got)
	}
}

// mustReadState reads what the emulator holds, behind curator's back.
func mustReadState(t *testing.T, emu *emulator.Server) *model.State {
	t.Helper()
	c, err := azure.New(azure.Config{Subscription: model.DefaultSubscription, ResourceGroup: model.DefaultResourceGroup, ConfigName: "someone-else", Endpoint: emu.URL(), Credential: azure.StaticToken("t")})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.ReadState(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// A plan priced with the user's table is applied with the same table: the
// cost is part of what a saved plan says.
func TestSavedPlanWithPrices(t *testing.T) {
	cfg, state := setup(t)
	sized := strings.Replace(readFile(t, filepath.Join(cfg, "main.cue")), "regions: {westeurope", "sizeGB: 10\n\t\t\tregions: {westeurope", 1)
	if err := os.WriteFile(filepath.Join(cfg, "main.cue"), []byte(sized), 0o644); err != nil {
		t.Fatal(err)
	}
	free := filepath.Join(t.TempDir(), "free.json")
	if err := os.WriteFile(free, []byte(`{"date": "2027-01-01", "source": "negotiated", "storageGBMonth": {"Standard_LRS": 0, "Standard_ZRS": 0, "Premium_LRS": 0}, "egressGB": 0}`), 0o644); err != nil {
		t.Fatal(err)
	}
	planFile := filepath.Join(t.TempDir(), "plan.json")
	expect(t, curator(t, state, "plan", "--prices", free, "--out", planFile, cfg), 0, "Saved the plan")
	expect(t, curator(t, state, "apply", "--auto-approve", planFile, cfg), 1, "Saved plan does not match", "--prices")
	expect(t, curator(t, state, "apply", "--auto-approve", "--prices", free, planFile, cfg), 0, "Apply complete")
}

// A plan file that is a named pipe is refused by its type, not read (a
// read would wait for a writer forever).
func TestPlanFileThatIsAPipeIsRefused(t *testing.T) {
	cfg, state := setup(t)
	pipe := filepath.Join(t.TempDir(), "plan.json")
	mkfifo(t, pipe)
	expect(t, curator(t, state, "apply", "--auto-approve", pipe, cfg), 1, "not a regular file")
	// show reads a plan file too; given a folder it says what it wants.
	expect(t, curator(t, state, "show", pipe), 1, "not a regular file")
	expect(t, curator(t, state, "show", cfg), 1, "is a folder", "show --estate")
}
