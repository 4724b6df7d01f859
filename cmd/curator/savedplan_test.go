package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/curator-dev/curator/cloud/azure"
	"github.com/curator-dev/curator/model"
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
	expect(t, curator(t, state, "apply", "--auto-approve", planFile), 1, "Saved plan does not match", "--allow-replace")
	if after := cloudContents(t, state); strings.Join(after, " ") != strings.Join(before, " ") {
		t.Errorf("the cloud changed: %v → %v", before, after)
	}
	expect(t, curator(t, state, "apply", "--auto-approve", "--allow-replace", planFile), 0, "Apply complete")
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
			expect(t, curator(t, state, "apply", "--auto-approve", planFile), 1, tc.want...)
			if after := cloudContents(t, state); strings.Join(after, " ") != strings.Join(before, " ") {
				t.Errorf("the cloud changed: %v → %v", before, after)
			}
			if got := readFile(t, filepath.Join(victim, "precious.txt")); got != "keep me" {
				t.Errorf("the victim folder was touched: %q", got)
			}
		})
	}
}

// A plan file names a git repository of its own choosing: it is fetched
// without the user's credentials.
func TestSavedPlanSourceGetsNoCredentials(t *testing.T) {
	const token = "ghp_saved-plan-must-not-get-this-token"
	t.Setenv("CURATOR_GIT_TOKEN", token)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	var mu sync.Mutex
	var auth []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
		http.Error(w, "authentication required", http.StatusUnauthorized)
	}))
	defer srv.Close()

	cfg, state := setup(t)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	expect(t, curator(t, state, "plan", "--out", planFile, cfg), 0, "Saved the plan")
	tamper(t, planFile, func(p map[string]any) {
		p["source"] = "git+" + srv.URL + "/attacker.git#ref=main"
		p["source_revision"] = strings.Repeat("ab", 20)
	})
	r := curator(t, state, "apply", "--auto-approve", planFile)
	expect(t, r, 1, "cannot be read", "--git")
	seen := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), auth...)
	}
	if len(seen()) == 0 {
		t.Fatal("the plan's repository was never asked: the test proves nothing")
	}
	for _, a := range seen() {
		if a != "" {
			t.Errorf("the plan's repository got an Authorization header %q", a)
		}
	}
	if strings.Contains(r.stdout+r.stderr, token) {
		t.Error("the token was printed")
	}
	// Named by the user, the same repository gets the user's credentials.
	_ = curator(t, state, "apply", "--auto-approve", "--git", srv.URL+"/attacker.git", planFile)
	found := false
	for _, a := range seen() {
		found = found || strings.HasPrefix(a, "Basic ")
	}
	if !found {
		t.Error("a repository the user named was fetched without the user's credentials")
	}
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
	expect(t, curator(t, state, "apply", "--auto-approve", planFile), 1, "Saved plan does not match", "--prices")
	expect(t, curator(t, state, "apply", "--auto-approve", "--prices", free, planFile), 0, "Apply complete")
}
