package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

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
	expect(t, r, 0, "=== dev (images-dev) ===", "=== prod (images-prod) ===", "Apply complete: 3 done", "Apply complete: 4 done", "2 configurations: 2 applied, 0 with changes, 0 without, 0 failed or refused, 0 skipped.")

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

// gitRepo makes root a git work tree with its files committed on main,
// and returns a function that commits edits (path → content) on the
// branch feature.
func gitRepo(t *testing.T, root string) (commit func(edits map[string]string)) {
	t.Helper()
	repo, err := git.PlainInitWithOptions(root, &git.PlainInitOptions{InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("main")}})
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	sig := &object.Signature{Name: "t", Email: "t@example.com", When: time.Now()}
	commitAll := func(msg string) {
		if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := wt.Commit(msg, &git.CommitOptions{Author: sig}); err != nil {
			t.Fatal(err)
		}
	}
	commitAll("base")
	if err := wt.Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName("feature"), Create: true}); err != nil {
		t.Fatal(err)
	}
	return func(edits map[string]string) {
		t.Helper()
		for p, content := range edits {
			full := filepath.Join(root, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		commitAll("change")
	}
}

// TestRepositoryChangedFrom: a pull request changing only prod/ plans only
// prod; one changing lib/ plans both; one changing curator's own source
// plans every configuration; the Markdown lists what was skipped and why.
func TestRepositoryChangedFrom(t *testing.T) {
	root, state := exampleRepo(t)
	commit := gitRepo(t, root)
	read := func(p string) string {
		data, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}

	commit(map[string]string{"prod/curator.cue": strings.Replace(read("prod/curator.cue"), `description: "Production images"`, `description: "Production images, reviewed"`, 1), "prod/README.md": "notes"})
	r := curator(t, state, "plan", "-o", "markdown", "--changed-from", "main", root)
	expect(t, r, 0, "<details><summary><code>prod</code>", "`dev`: none of its files or of the packages it imports changed since", "Only the configurations changed since")
	if strings.Contains(r.stdout, "<details><summary><code>dev</code>") {
		t.Errorf("dev was planned:\n%s", r.stdout)
	}
	// The same through --git.
	r = curator(t, state, "plan", "-o", "json", "--changed-from", "main", "--git", root, "--ref", "feature")
	expect(t, r, 0, `"path":"prod"`, `"skipped":"none of its files`)

	commit(map[string]string{"lib/lib.cue": read("lib/lib.cue") + "\n// reviewed\n"})
	r = curator(t, state, "plan", "-o", "markdown", "--changed-from", "main", root)
	expect(t, r, 0, "<details><summary><code>prod</code>", "<details><summary><code>dev</code>")
	if strings.Contains(r.stdout, "Skipped:") {
		t.Errorf("a change of lib skipped a configuration:\n%s", r.stdout)
	}

	// Nothing changed since the branch's own head: every configuration
	// is skipped; curator's own source changing plans them all.
	r = curator(t, state, "plan", "-o", "markdown", "--changed-from", "feature", root)
	expect(t, r, 0, "`dev`: none of its files", "`prod`: none of its files")
	commit(map[string]string{"tools/main.go": "package main\n"})
	r = curator(t, state, "plan", "-o", "markdown", "--changed-from", "HEAD~1", root)
	expect(t, r, 0, "Every configuration is planned: curator itself or its schema changed", "tools/main.go", "<details><summary><code>dev</code>", "<details><summary><code>prod</code>")

	r = curator(t, state, "plan", "--changed-from", "no-such-branch", root)
	expect(t, r, 1, "--changed-from no-such-branch: no branch, tag or commit")
}

// TestPackageFolderIsNotAConfiguration: given a folder of a CUE module
// that holds one of the module's packages (examples/repo/lib), every
// command says what the folder is, which configurations import it, and
// what to give instead — as paths the user can type, or --path for a git
// repository.
func TestPackageFolderIsNotAConfiguration(t *testing.T) {
	root, state := exampleRepo(t)
	lib := filepath.Join(root, "lib")
	for _, cmd := range []string{"validate", "plan", "apply", "drift"} {
		r := curator(t, state, cmd, lib)
		expect(t, r, 1, lib+" is not a configuration: its .cue files are package lib, a package of the CUE module at "+root,
			"imported by the configurations "+filepath.Join(root, "dev")+", "+filepath.Join(root, "prod"),
			"Give curator the module's root ("+root+") to handle every configuration, or a configuration's folder ("+filepath.Join(root, "dev")+")")
		if strings.Contains(r.stderr, "every configuration file must be in") {
			t.Errorf("%s: still the per-file message:\n%s", cmd, r.stderr)
		}
	}

	// A package no configuration imports says so.
	if err := os.MkdirAll(filepath.Join(root, "unused"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "unused", "x.cue"), []byte("package unused\n\nx: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := curator(t, state, "validate", filepath.Join(root, "unused"))
	expect(t, r, 1, "package unused, a package of the CUE module at "+root+" that no configuration of the module imports. Give curator the module's root")

	// Through git, the folders are named as --path.
	gitRepo(t, root)
	r = curator(t, state, "plan", "--git", root, "--ref", "main", "--path", "lib")
	expect(t, r, 1, "imported by the configurations --path dev, --path prod", "Give curator the module's root (no --path)")
}
