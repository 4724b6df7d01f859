package main

import (
	"crypto/tls"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/model"
)

const shareConfig = `package curator

name: "shares"
target: local: endpoint: "%ENDPOINT%"
prune: true
galleries: acme: {
	location: "westeurope"
	%SHARES%
	images: web: {
		publisher: "Contoso", offer: "Web", sku: "nginx"
		osType: "Linux", osState: "Generalized"
		versions: "1.0.0": {
			source: managedImage: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/b/providers/Microsoft.Compute/images/web-100"
		}
	}
}
`

// TestShareGrantsExactlyItsRole applies a share of the gallery with
// "Compute Gallery Image Reader" to a principal through curator, against a
// running emulator over HTTPS (as `curator emulator serve` runs it), and
// then acts as that principal: it can read the image version, cannot write
// it nor read the gallery itself; once the share leaves the configuration
// and is applied, the principal can no longer read the version either.
func TestShareGrantsExactlyItsRole(t *testing.T) {
	const principal = "6e0c9d2a-3b4f-4a5e-8d7c-1f2e3d4c5b6a"
	root := t.TempDir()
	cfg, state := filepath.Join(root, "config"), filepath.Join(root, "state")
	if err := os.Mkdir(cfg, 0o755); err != nil {
		t.Fatal(err)
	}
	srv, err := emulator.Start(t.Context(), emulator.Options{StateDir: state, TLS: true, ReplicationRate: 500})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	write := func(shares string) {
		t.Helper()
		s := strings.NewReplacer("%ENDPOINT%", srv.URL(), "%SHARES%", shares).Replace(shareConfig)
		if err := os.WriteFile(filepath.Join(cfg, "main.cue"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// curator trusts the emulator's CA from the state folder: no flag, no
	// environment variable.
	write(`shares: readers: {principalId: "` + principal + `", role: "Compute Gallery Image Reader"}`)
	expect(t, curator(t, state, "apply", "--auto-approve", cfg), 0, "Apply complete")

	asPrincipal := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.Certificates().Pool()}}}
	base := srv.URL() + "/subscriptions/" + model.DefaultSubscription + "/resourceGroups/" + model.DefaultResourceGroup + "/providers/Microsoft.Compute/galleries/acme"
	q := "?api-version=" + emulator.ComputeAPIVersion
	call := func(method, url, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+emulator.Token(principal))
		req.Header.Set("Content-Type", "application/json")
		resp, err := asPrincipal.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e struct{ Error struct{ Message string } }
		json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e.Error.Message
	}
	steps := []struct {
		name, method, url, body string
		status                  int
		action                  string
	}{
		{"reads the image version", http.MethodGet, base + "/images/web/versions/1.0.0" + q, "", http.StatusOK, ""},
		{"lists the image's versions", http.MethodGet, base + "/images/web/versions" + q, "", http.StatusOK, ""},
		{"cannot write the image version", http.MethodPatch, base + "/images/web/versions/1.0.0" + q, `{"tags":{"x":"y"}}`, http.StatusForbidden, "Microsoft.Compute/galleries/images/versions/write"},
		{"cannot delete the image version", http.MethodDelete, base + "/images/web/versions/1.0.0" + q, "", http.StatusForbidden, "Microsoft.Compute/galleries/images/versions/delete"},
		{"cannot read the gallery", http.MethodGet, base + q, "", http.StatusForbidden, "Microsoft.Compute/galleries/read"},
	}
	for _, st := range steps {
		status, msg := call(st.method, st.url, st.body)
		if status != st.status || !strings.Contains(msg, st.action) {
			t.Errorf("%s: %d %q, want %d naming %q", st.name, status, msg, st.status, st.action)
		}
	}

	write("")
	expect(t, curator(t, state, "apply", "--auto-approve", cfg), 0, "Apply complete")
	if status, msg := call(http.MethodGet, base+"/images/web/versions/1.0.0"+q, ""); status != http.StatusForbidden || !strings.Contains(msg, "Microsoft.Compute/galleries/images/versions/read") {
		t.Errorf("after the share was removed: %d %q, want 403 naming versions/read", status, msg)
	}
}
