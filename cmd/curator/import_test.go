package main

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"cuelang.org/go/cue/format"

	"github.com/curator-dev/curator/cloud/azure"
	"github.com/curator-dev/curator/examples/gen/estate"
	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/schema"
)

// readDir returns a folder's files by name.
func readDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		out[e.Name()] = readFile(t, filepath.Join(dir, e.Name()))
	}
	return out
}

// TestImportRoundTrip is the fidelity test: apply a configuration A, import
// the estate as B, and B's plan must be empty; importing twice gives the
// same bytes.
func TestImportRoundTrip(t *testing.T) {
	cases := map[string]string{}
	for _, ex := range []string{"quickstart", "replication-policy", "golden-images"} {
		cases[ex] = filepath.Join("..", "..", "examples", ex)
	}
	gen := t.TempDir()
	if err := estate.Write(gen, estate.Options{Galleries: 2, Definitions: 6, Versions: 40, Regions: 3, Shares: 4, Seed: 7, Name: "generated", Target: "local: {}"}); err != nil {
		t.Fatal(err)
	}
	cases["generated"] = gen
	for name, dir := range cases {
		t.Run(name, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "state")
			expect(t, curator(t, state, "apply", "--auto-approve", dir), 0, "Apply complete")
			st, diags := schema.Load(os.DirFS(dir))
			if diags.HasErrors() {
				t.Fatal(schema.Err(diags))
			}
			b, b2 := filepath.Join(t.TempDir(), "b"), filepath.Join(t.TempDir(), "b2")
			expect(t, curator(t, state, "import", "--name", st.Name, "--out", b), 0, "Imported "+st.Counts().String())
			r := curator(t, state, "plan", "--detailed-exitcode", b)
			expect(t, r, 0, "No changes.")
			expect(t, curator(t, state, "import", "--name", st.Name, "--out", b2), 0)
			one, two := readDir(t, b), readDir(t, b2)
			if !mapsEqual(one, two) {
				t.Errorf("two imports of one estate differ")
			}
			// As CUE's formatter leaves it: `cue fmt` changes nothing.
			for name, src := range one {
				if out, err := format.Source([]byte(src)); err != nil || string(out) != src {
					t.Errorf("%s is not as cue fmt writes it (%v)", name, err)
				}
			}
			// Import refuses to overwrite a configuration.
			expect(t, curator(t, state, "import", "--name", st.Name, "--out", b), 1, "is not empty")
		})
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestImportOfAnEstateMadeElsewhere: an estate built through the API as
// another tool would — Packer-style versions, a share, a directly shared
// gallery, and a gallery that is not imported — is imported, its plan only
// adopts, the apply adopts, the next plan is empty, and the gallery left
// out is never touched.
func TestImportOfAnEstateMadeElsewhere(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	const principal = "7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"
	behindCurator(t, state, "terraform", func(c *azure.Client) {
		ctx := context.Background()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(c.EnsureResourceGroup(ctx, "westeurope"))
		must(c.CreateGallery(ctx, "shared", &model.Gallery{Location: "westeurope", Description: "made by terraform", Tags: map[string]string{"owner": "infra"},
			Sharing: &model.Sharing{Permission: "Groups"}}))
		must(c.UpdateSharing(ctx, "shared", "Add", []string{"11111111-2222-3333-4444-555555555555"}, nil))
		must(c.CreateGallery(ctx, "untouched", &model.Gallery{Location: "northeurope", Description: "not imported"}))
		must(c.CreateImage(ctx, "shared", "web", &model.ImageDefinition{Publisher: "Contoso", Offer: "Web", SKU: "nginx", OSType: "Linux", OSState: "Generalized", HyperVGeneration: "V2", Architecture: "x64"}))
		for _, v := range []string{"1.0.0", "1.1.0"} {
			must(c.CreateVersion(ctx, "shared", "web", v, &model.ImageVersion{
				Source:   &model.Source{ManagedImage: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/packer/providers/Microsoft.Compute/images/web-" + v},
				Location: "westeurope", Replicas: 1, Storage: "Standard_LRS",
				Regions: map[string]model.TargetRegion{"westeurope": {Replicas: 1, Storage: "Standard_LRS"}, "eastus": {Replicas: 2, Storage: "Standard_ZRS"}},
				Tags:    map[string]string{"built-by": "packer"},
			}, false, nil))
		}
		must(c.CreateRoleAssignment(ctx, model.GalleryAddress("shared"), &model.Share{PrincipalID: principal, PrincipalType: "Group", Role: "Reader"}))
	})
	out := filepath.Join(t.TempDir(), "imported")
	expect(t, curator(t, state, "import", "--gallery", "shared", "--name", "platform", "--out", out), 0, "Imported 1 gallery, 1 definition, 2 versions, 1 share")
	files := readDir(t, out)
	if _, ok := files["untouched.cue"]; ok {
		t.Error("a gallery left out was imported")
	}
	for _, want := range []string{"adopt: true", `permission: "Groups"`, `"built-by": "packer"`, `role:          "Reader"`, "published ", "created by owner at "} {
		if !strings.Contains(files["shared.cue"], want) {
			t.Errorf("shared.cue lacks %q:\n%s", want, files["shared.cue"])
		}
	}
	plan := curator(t, state, "plan", "--detailed-exitcode", out)
	expect(t, plan, 2, "4 to adopt")
	for _, line := range strings.Split(plan.stdout, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "+ ") || strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "~ ") || strings.HasPrefix(line, "-/+ ") {
			t.Errorf("the first plan of an import must only adopt, got %q", line)
		}
	}
	expect(t, curator(t, state, "apply", "--auto-approve", out), 0, "Apply complete: 4 done")
	expect(t, curator(t, state, "plan", "--detailed-exitcode", out), 0, "No changes.")
	behindCurator(t, state, "terraform", func(c *azure.Client) {
		st, err := c.ReadState(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		u := st.Galleries["untouched"]
		if u == nil || u.Description != "not imported" || model.IsManaged(u.Tags, "platform") {
			t.Errorf("the gallery left out was touched: %+v", u)
		}
		if len(st.Galleries["shared"].Shares) != 1 {
			t.Errorf("the imported share was duplicated: %v", st.Galleries["shared"].Shares)
		}
	})
}

// TestImportRefusesAScopeItCouldNotWrite: the scope import is given is
// checked as a configuration's target is, before anything is read, since it
// becomes the target of the configuration import writes.
func TestImportRefusesAScopeItCouldNotWrite(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"endpoint not a URL", []string{"--endpoint", "notaurl"}, `--endpoint: endpoint "notaurl" is not an http(s) URL`},
		{"endpoint of another scheme", []string{"--endpoint", "ftp://127.0.0.1:8443"}, `--endpoint: endpoint "ftp://127.0.0.1:8443" is not an http(s) URL`},
		{"subscription not a GUID", []string{"--subscription", "prod", "--resource-group", "rg-images"}, `--subscription: subscription "prod" is not a GUID`},
		{"resource group with a space", []string{"--subscription", "11111111-2222-3333-4444-555555555555", "--resource-group", "rg images"}, `--resource-group: resource group "rg images"`},
		{"local resource group with a slash", []string{"--resource-group", "a/b"}, `--resource-group: resource group "a/b"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			r := curator(t, filepath.Join(t.TempDir(), "state"), append([]string{"import", "--out", out}, tc.args...)...)
			expect(t, r, 1, tc.want)
			if _, err := os.Stat(out); err == nil {
				t.Errorf("import wrote %s", out)
			}
		})
	}
}

// TestImportWritesOnlyItsOwnNewFiles: galleries whose names and strings
// the loader or CUE would have trouble with (x_tool, a byte order mark,
// bidirectional controls, NUL) are imported into a new folder so that plan
// finds nothing to do; a folder holding a planted link is refused, and
// nothing outside --out ever changes.
func TestImportWritesOnlyItsOwnNewFiles(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	const name = "imported"
	desc := "\ufeffstarts with a BOM, \u202ereversed\u202c, a NUL \x00 and 👨\u200d👩\u200d👧"
	behindCurator(t, state, name, func(c *azure.Client) {
		if err := c.EnsureResourceGroup(context.Background(), "westeurope"); err != nil {
			t.Fatal(err)
		}
		for _, g := range []string{"x_tool", "curator", "plain"} {
			if err := c.CreateGallery(context.Background(), g, &model.Gallery{Location: "westeurope", Description: desc,
				Tags: map[string]string{"note": "\u2066isolated\u2069"}}); err != nil {
				t.Fatal(err)
			}
		}
	})
	victimDir := t.TempDir()
	victim := filepath.Join(victimDir, "precious.cue")
	if err := os.WriteFile(victim, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	planted := t.TempDir()
	for _, link := range []string{".curator.cue.tmp", ".x_tool.cue.tmp", "x_tool.cue", "curator.cue"} {
		if err := os.Symlink(victim, filepath.Join(planted, link)); err != nil {
			t.Fatal(err)
		}
	}
	expect(t, curator(t, state, "import", "--name", name, "--out", planted), 1, "is not empty")
	if got := readFile(t, victim); got != "keep me" {
		t.Fatalf("the file a planted link named was overwritten: %q", got)
	}
	if entries, _ := os.ReadDir(planted); len(entries) != 4 {
		t.Errorf("the refused folder changed: %d entries", len(entries))
	}

	out := filepath.Join(t.TempDir(), "new", "config")
	expect(t, curator(t, state, "import", "--name", name, "--out", out), 0, "Imported 3 galleries")
	files := readDir(t, out)
	for n, src := range files {
		if strings.HasSuffix(n, "_tool.cue") || !strings.HasSuffix(n, ".cue") {
			t.Errorf("import wrote %s, which the loader does not read as configuration", n)
		}
		if strings.ContainsRune(src, '\ufeff') || strings.ContainsRune(src, '\u202e') || strings.ContainsRune(src, 0) {
			t.Errorf("%s holds a raw BOM, bidi control or NUL", n)
		}
	}
	if len(files) != 4 {
		t.Errorf("import wrote %d files, want curator.cue and one per gallery: %v", len(files), slices.Sorted(maps.Keys(files)))
	}
	expect(t, curator(t, state, "plan", "--detailed-exitcode", out), 0, "No changes.")
	if got := readFile(t, victim); got != "keep me" {
		t.Fatalf("the victim changed: %q", got)
	}
	if entries, _ := os.ReadDir(victimDir); len(entries) != 1 {
		t.Errorf("files appeared beside the victim: %d entries", len(entries))
	}
}
