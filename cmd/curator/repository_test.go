package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/curator-dev/curator/planner"
)

// copyTree copies the folder from into to.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// exampleRepo is a copy of examples/repo in a fresh folder, and a state
// folder for the local target.
func exampleRepo(t *testing.T) (root, state string) {
	t.Helper()
	dir := t.TempDir()
	root, state = filepath.Join(dir, "images"), filepath.Join(dir, "state")
	copyTree(t, filepath.Join("..", "..", "examples", "repo"), root)
	return root, state
}

// TestRepositoryE2E: examples/repo validates, plans both environments in
// one Markdown comment, applies, and plans again to no changes; JSON gives
// each configuration's plan.
func TestRepositoryE2E(t *testing.T) {
	root, state := exampleRepo(t)

	r := curator(t, state, "validate", root)
	expect(t, r, 0, "dev: 1 gallery, 1 definition, 1 version, 0 shares: valid", "prod: 1 gallery, 1 definition, 2 versions, 0 shares: valid")

	r = curator(t, state, "plan", "-o", "markdown", "--detailed-exitcode", root)
	expect(t, r, 2, "| `dev` |", "| `prod` |", "<details><summary><code>dev</code>", "<details><summary><code>prod</code>", "+ gallery/contoso_prod/image/web/version/1.2.0")
	if n := len([]rune(r.stdout)); n > planner.MarkdownLimit {
		t.Errorf("the comment is %d characters", n)
	}

	r = curator(t, state, "plan", "-o", "json", root)
	expect(t, r, 0)
	var result struct {
		Configurations []struct {
			Path            string            `json:"path"`
			Configuration   string            `json:"configuration"`
			ResourceChanges []json.RawMessage `json:"resource_changes"`
		} `json:"configurations"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &result); err != nil {
		t.Fatal(err)
	}
	if len(result.Configurations) != 2 || result.Configurations[0].Path != "dev" || result.Configurations[1].Configuration != "images-prod" || len(result.Configurations[1].ResourceChanges) != 4 {
		t.Errorf("JSON result: %+v", result)
	}

	r = curator(t, state, "apply", root)
	expect(t, r, 1, "give --auto-approve")
	r = curator(t, state, "apply", "--auto-approve", root)
	expect(t, r, 0, "=== dev (images-dev) ===", "=== prod (images-prod) ===", "Apply complete: 3 done", "Apply complete: 4 done")

	r = curator(t, state, "plan", "--detailed-exitcode", root)
	expect(t, r, 0, "2 configurations: 0 with changes, 2 without")
	r = curator(t, state, "drift", root)
	expect(t, r, 0)

	// A single configuration of it is planned as before.
	r = curator(t, state, "plan", "--detailed-exitcode", filepath.Join(root, "prod"))
	expect(t, r, 0, "No changes.")
}

// TestRepositoryErrorInLib: an error in the shared package is reported at
// its file and line in every configuration that imports it; a failing
// configuration is named and stops no other.
func TestRepositoryErrorInLib(t *testing.T) {
	root, state := exampleRepo(t)
	lib := filepath.Join(root, "lib", "lib.cue")
	data, err := os.ReadFile(lib)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(data), "(secondary): replicas: 1", "(secondary): replicas: 0", 1)
	if broken == string(data) {
		t.Fatal("examples/repo/lib changed: update the test's edit")
	}
	if err := os.WriteFile(lib, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	line := 1 + strings.Count(broken[:strings.Index(broken, "(secondary): replicas: 0")], "\n")
	at := regexp.QuoteMeta("lib/lib.cue:"+strconv.Itoa(line)) + `:\d+: galleries\.contoso_(dev|prod)\.`
	re := regexp.MustCompile(at)

	for _, args := range [][]string{{"validate", root}, {"plan", root}, {"validate", filepath.Join(root, "prod")}} {
		r := curator(t, state, args...)
		if r.code != 1 {
			t.Fatalf("%v: exit %d, want 1\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		got := map[string]bool{}
		for _, m := range re.FindAllStringSubmatch(r.stdout+r.stderr, -1) {
			got[m[1]] = true
		}
		want := 2
		if strings.HasSuffix(args[1], "prod") {
			want = 1
		}
		if len(got) != want {
			t.Errorf("%v: the error at lib/lib.cue:%d is reported for %v, want %d configurations\n%s%s", args, line, got, want, r.stdout, r.stderr)
		}
	}

	// A configuration that does not import lib still plans, and the
	// failing ones are named.
	if err := os.MkdirAll(filepath.Join(root, "sandbox"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "sandbox", "curator.cue"), []byte("package curator\n\nname: \"sandbox\"\ntarget: local: resourceGroup: \"sandbox\"\ngalleries: sandbox: location: \"westeurope\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := curator(t, state, "plan", root)
	expect(t, r, 1, "=== sandbox (sandbox) ===", "+ gallery/sandbox", "2 of 3 configurations failed or were refused: dev, prod")
}
