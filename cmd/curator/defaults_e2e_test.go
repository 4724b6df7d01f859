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

	"github.com/curator-dev/curator/cloud/azure"
	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/model"
)

// armCall is one raw request to the emulator of a state folder, as another
// tool (the portal, an older SDK) would send it: its own body, its own
// api-version.
type armCall struct {
	method, path, apiVersion, body string
}

// rawARM opens the state folder's emulator and sends calls as the estate's
// owner, returning each answer's status and body.
func rawARM(t *testing.T, state string, calls ...armCall) []map[string]any {
	t.Helper()
	srv, err := emulator.Start(context.Background(), emulator.Options{StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var out []map[string]any
	for _, c := range calls {
		url := srv.URL() + "/subscriptions/" + model.DefaultSubscription + "/resourceGroups/" + model.DefaultResourceGroup + c.path + "?api-version=" + c.apiVersion
		req, err := http.NewRequest(c.method, url, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer owner")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s (api-version %s): %d %s", c.method, c.path, c.apiVersion, resp.StatusCode, data)
		}
		var m map[string]any
		if len(data) > 0 {
			if err := json.Unmarshal(data, &m); err != nil {
				t.Fatalf("%s %s: %v: %s", c.method, c.path, err, data)
			}
		}
		out = append(out, m)
	}
	return out
}

// definitionSecurity is what a definition's ARM body says of its
// generation and SecurityType feature ("" when it has none).
func definitionSecurity(body map[string]any) (gen, securityType string, hasFeature bool) {
	p, _ := body["properties"].(map[string]any)
	gen, _ = p["hyperVGeneration"].(string)
	fs, _ := p["features"].([]any)
	for _, f := range fs {
		m, _ := f.(map[string]any)
		if n, _ := m["name"].(string); strings.EqualFold(n, "SecurityType") {
			v, _ := m["value"].(string)
			return gen, v, true
		}
	}
	return gen, "", false
}

const defaultsConfig = `package curator

name: "defaults"
target: local: {}
galleries: acme: {
	location: "westeurope"
	images: {
		// No hyperVGeneration and no securityType: V1 without a security
		// type, as before; both written explicitly.
		gen1: {publisher: "Contoso", offer: "Base", sku: "gen1", osType: "Linux", osState: "Generalized"}
		// V2 without a securityType: Standard, written explicitly.
		gen2: {publisher: "Contoso", offer: "Base", sku: "gen2", osType: "Linux", osState: "Generalized", hyperVGeneration: "V2"}
		// The opt-out spelled out.
		standard: {publisher: "Contoso", offer: "Base", sku: "std", osType: "Linux", osState: "Generalized", hyperVGeneration: "V2", securityType: "Standard"}
		trusted: {publisher: "Contoso", offer: "Base", sku: "tl", osType: "Linux", osState: "Generalized", hyperVGeneration: "V2", securityType: "TrustedLaunchSupported"}
	}
}
`

// TestDefinitionWithoutSecurityTypeKeepsItsMeaning: definitions whose
// configuration names no securityType apply and re-plan to "No changes"
// whatever default the service applies from api-version 2025-03-03
// (V2 and TrustedLaunchSupported), because curator sends hyperVGeneration
// always and the SecurityType Standard on a definition without one; what
// the cloud holds is checked with a GET of the newest api-version.
func TestDefinitionWithoutSecurityTypeKeepsItsMeaning(t *testing.T) {
	root := t.TempDir()
	cfg, state := filepath.Join(root, "config"), filepath.Join(root, "state")
	if err := os.Mkdir(cfg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg, "main.cue"), []byte(defaultsConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	expect(t, curator(t, state, "validate", cfg), 0, "1 gallery, 4 definitions")
	expect(t, curator(t, state, "apply", "--auto-approve", cfg), 0, "Apply complete: 5 done, 0 failed")
	expect(t, curator(t, state, "plan", "--detailed-exitcode", cfg), 0, "No changes.")

	want := []struct {
		name, gen, securityType string
		hasFeature              bool
	}{
		{"gen1", "V1", "Standard", true},
		{"gen2", "V2", "Standard", true},
		{"standard", "V2", "Standard", true},
		{"trusted", "V2", "TrustedLaunchSupported", true},
	}
	var calls []armCall
	for _, w := range want {
		calls = append(calls, armCall{http.MethodGet, "/providers/Microsoft.Compute/galleries/acme/images/" + w.name, emulator.ComputeAPIVersion, ""})
	}
	for i, body := range rawARM(t, state, calls...) {
		w := want[i]
		gen, st, has := definitionSecurity(body)
		if gen != w.gen || st != w.securityType || has != w.hasFeature {
			t.Errorf("%s in the cloud: hyperVGeneration %q, SecurityType %q (feature present %v); want %q, %q (%v)", w.name, gen, st, has, w.gen, w.securityType, w.hasFeature)
		}
	}
}

// TestImportOfDefinitionsUnderOldAndNewDefaults: definitions made by
// another tool under the defaults before api-version 2025-03-03 (a V2
// definition without any SecurityType feature) and after it (nothing
// named: whatever the service defaults to), plus an explicit opt-out, are
// imported, adopted and re-planned to "No changes". The import writes what
// the service answered, so the test holds against an emulator that applies
// the new defaults and one that does not; which one it ran against is
// logged.
func TestImportOfDefinitionsUnderOldAndNewDefaults(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	behindCurator(t, state, "portal", func(c *azure.Client) {
		ctx := context.Background()
		if err := c.EnsureResourceGroup(ctx, "westeurope"); err != nil {
			t.Fatal(err)
		}
		if err := c.CreateGallery(ctx, "legacy", &model.Gallery{Location: "westeurope"}); err != nil {
			t.Fatal(err)
		}
	})
	const img = "/providers/Microsoft.Compute/galleries/legacy/images/"
	body := func(sku, extra string) string {
		return `{"location":"westeurope","properties":{"identifier":{"publisher":"Contoso","offer":"Legacy","sku":"` + sku + `"},"osType":"Linux","osState":"Generalized"` + extra + `}}`
	}
	defs := []struct {
		name, apiVersion, extra string
	}{
		{"old-gen2", "2024-03-03", `,"hyperVGeneration":"V2"`},
		{"old-unnamed", "2024-03-03", ""},
		{"new-unnamed", "2025-03-03", ""},
		{"new-gen1", "2025-03-03", `,"hyperVGeneration":"V1"`},
		{"new-optout", "2025-03-03", `,"hyperVGeneration":"V2","features":[{"name":"SecurityType","value":"Standard"}]`},
	}
	var calls []armCall
	for _, d := range defs {
		calls = append(calls, armCall{http.MethodPut, img + d.name, d.apiVersion, body(d.name, d.extra)})
	}
	for _, d := range defs {
		calls = append(calls, armCall{http.MethodGet, img + d.name, emulator.ComputeAPIVersion, ""})
	}
	answers := rawARM(t, state, calls...)[len(defs):]

	out := filepath.Join(t.TempDir(), "imported")
	expect(t, curator(t, state, "import", "--gallery", "legacy", "--name", "platform", "--out", out), 0, "Imported 1 gallery, 5 definitions")
	imported := readDir(t, out)["legacy.cue"]
	for i, d := range defs {
		gen, st, _ := definitionSecurity(answers[i])
		t.Logf("%s (made with api-version %s): the service holds hyperVGeneration %q, SecurityType %q", d.name, d.apiVersion, gen, st)
		block := importedBlock(t, imported, d.name)
		if wantGen := gen == "V2"; wantGen != regexp.MustCompile(`hyperVGeneration:\s+"V2"`).MatchString(block) {
			t.Errorf("%s: the import does not say the generation the service holds (%s):\n%s", d.name, gen, block)
		}
		switch model.NormalizeSecurityType(st) {
		case "":
			if strings.Contains(block, "securityType") {
				t.Errorf("%s: no security type (%q) imported as one:\n%s", d.name, st, block)
			}
		default:
			// cue fmt aligns the values of a block: any run of blanks.
			if !regexp.MustCompile(`securityType:\s+"` + regexp.QuoteMeta(st) + `"`).MatchString(block) {
				t.Errorf("%s: security type %q not imported:\n%s", d.name, st, block)
			}
		}
	}
	expect(t, curator(t, state, "plan", "--detailed-exitcode", out), 2, "6 to adopt")
	expect(t, curator(t, state, "apply", "--auto-approve", out), 0, "Apply complete: 6 done")
	expect(t, curator(t, state, "plan", "--detailed-exitcode", out), 0, "No changes.")
}

// importedBlock is the part of an imported file that declares image name
// (import writes each as `images: "name": {` … `}` one level in).
func importedBlock(t *testing.T, file, name string) string {
	t.Helper()
	for _, head := range []string{"images: \"" + name + "\": {", "images: " + name + ": {"} {
		if i := strings.Index(file, head); i >= 0 {
			rest := file[i:]
			if j := strings.Index(rest, "\n\t}"); j >= 0 {
				rest = rest[:j]
			}
			return rest
		}
	}
	t.Fatalf("image %s not imported:\n%s", name, file)
	return ""
}
