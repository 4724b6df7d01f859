package emulator_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/internal/azclients"
)

// TestConformancePython drives the emulator with the Azure SDK for Python
// as Debian packages it (python3-azure: azure-mgmt-compute 29 at
// api-version 2022-03-03, azure-mgmt-authorization 3, azure-mgmt-resource,
// azure-identity), installed by .ci/azure-clients.sh when missing:
// testdata/conformance-py/conformance.py logs in through the emulator's
// token service with ClientSecretCredential, as the owner and as a Reader
// service principal, with only REQUESTS_CA_BUNDLE set, and runs gallery,
// definition, version and role-assignment CRUD with long-running
// operations, paging (two items a page) and empty lists — including those
// of a subscription that holds nothing.
func TestConformancePython(t *testing.T) {
	clients := azclients.Require(t)
	script, err := filepath.Abs(filepath.Join("testdata", "conformance-py", "conformance.py"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := emulator.Start(t.Context(), emulator.Options{TLS: true, CertDir: t.TempDir(), PageSize: 2, ReplicationRate: 1000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, clients.Python, script)
	cmd.Env = append(azclients.Env(t.TempDir(), srv.Certificates().CAFile),
		"EMULATOR_URL="+srv.URL(),
		"SUBSCRIPTION="+sub,
		"EMPTY_SUBSCRIPTION=5f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
		"OWNER_ID="+emulator.OwnerID,
		"READER_ID=7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
	)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("python3 conformance.py (%s):\n%s", time.Since(start).Round(time.Millisecond), out)
	if err != nil {
		t.Fatalf("the Python SDK conformance script failed: %v", err)
	}
	if st := srv.Stats(); st["POST token"] == 0 || st["GET operations"] == 0 {
		t.Errorf("the SDK did not log in through the token service or poll operations: %v", st)
	}

	// The README's Python snippet, as it is written there (its URL
	// pointed at this emulator).
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```python\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no Python snippet")
	}
	snippet := filepath.Join(t.TempDir(), "snippet.py")
	if err := os.WriteFile(snippet, []byte(strings.ReplaceAll(string(m[1]), "https://127.0.0.1:8443", srv.URL())), 0o644); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.Certificates().Pool()}}}
	if r, msg := doAs(t, client, http.MethodPut, srv.URL()+"/subscriptions/"+sub+"/resourcegroups/images?api-version=2021-04-01", `{"location":"westeurope"}`, "x"); r.StatusCode != http.StatusCreated {
		t.Fatalf("create the snippet's resource group: %s %s", r.Status, msg)
	}
	cmd = exec.CommandContext(ctx, clients.Python, snippet)
	cmd.Env = azclients.Env(t.TempDir(), srv.Certificates().CAFile)
	out, err = cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "['acme']" {
		t.Errorf("the README's Python snippet: %v\n%s", err, out)
	}
}
