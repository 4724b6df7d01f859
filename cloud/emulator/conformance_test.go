package emulator_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/curator-dev/curator/cloud/emulator"
)

// requireConformanceEnv makes an unavailable Node.js or npm registry fail
// TestConformanceJS instead of skipping it (CI sets it).
const requireConformanceEnv = "CURATOR_REQUIRE_CONFORMANCE"

// TestConformanceJS drives the emulator with the official Azure SDK for
// JavaScript (@azure/arm-compute, @azure/arm-authorization,
// @azure/arm-resources, pinned by testdata/conformance-js/package-lock.json
// and installed with npm ci into the user's cache once per lock file): CRUD
// of galleries, definitions and versions with their long-running
// operations, $expand=ReplicationStatus, paging, sharing profile updates,
// role assignments and the access they grant — over HTTPS with only
// NODE_EXTRA_CA_CERTS set and the SDK's default api-versions.
func TestConformanceJS(t *testing.T) {
	unavailable := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv(requireConformanceEnv) != "" {
			t.Fatalf("%s (%s is set: the conformance test must run)", msg, requireConformanceEnv)
		}
		t.Skipf("SKIPPED, the JavaScript SDK conformance test did not run: %s", msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		unavailable("node is not on PATH: install Node.js 18 or later")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		unavailable("npm is not on PATH: install npm")
	}
	project, err := filepath.Abs(filepath.Join("testdata", "conformance-js"))
	if err != nil {
		t.Fatal(err)
	}
	dir := installJS(t, npm, project, unavailable)

	// The script runs from the cache folder so that it finds node_modules.
	script, err := os.CreateTemp(dir, "run-*.mjs")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(script.Name()) })
	src, err := os.ReadFile(filepath.Join(project, "conformance.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := script.Write(src); err != nil {
		t.Fatal(err)
	}
	script.Close()

	certDir := t.TempDir()
	srv, err := emulator.Start(t.Context(), emulator.Options{TLS: true, CertDir: certDir, PageSize: 2, ReplicationRate: 1000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })

	const readerID = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script.Name())
	cmd.Dir = dir
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"NODE_EXTRA_CA_CERTS=" + srv.Certificates().CAFile,
		"EMULATOR_URL=" + srv.URL(),
		"SUBSCRIPTION=" + sub,
		"OWNER_TOKEN=" + emulator.Token(""),
		"READER_TOKEN=" + emulator.Token(readerID),
		"READER_ID=" + readerID,
	}
	out, err := cmd.CombinedOutput()
	t.Logf("node %s:\n%s", filepath.Base(script.Name()), out)
	if err != nil {
		t.Fatalf("the JavaScript SDK conformance script failed: %v", err)
	}
	if st := srv.Stats(); st["GET operations"] == 0 || st["PUT versions"] < 3 {
		t.Errorf("the SDK did not poll operations or create versions: %v", st)
	}
}

// installJS installs the conformance project's locked dependencies into
// the user's cache (once per package-lock.json) and returns that folder.
func installJS(t *testing.T, npm, project string, unavailable func(string, ...any)) string {
	t.Helper()
	lock, err := os.ReadFile(filepath.Join(project, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := os.ReadFile(filepath.Join(project, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		unavailable("no user cache folder for node_modules: %v", err)
	}
	sum := sha256.Sum256(append(append([]byte{}, pkg...), lock...))
	dir := filepath.Join(cache, "curator", "conformance-js", hex.EncodeToString(sum[:8]))
	if _, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json")); err == nil {
		return dir
	}
	// Install beside it, then move into place: a run cut short leaves no
	// half-installed folder behind.
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "install-*")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	for name, data := range map[string][]byte{"package.json": pkg, "package-lock.json": lock} {
		if err := os.WriteFile(filepath.Join(tmp, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error")
	cmd.Dir = tmp
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		unavailable("npm ci of %s failed (is the npm registry reachable?): %v\n%s", project, err, out)
	}
	t.Logf("npm ci: %s into %s", time.Since(start).Round(time.Millisecond), dir)
	if err := os.Rename(tmp, dir); err != nil {
		if _, serr := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json")); serr != nil {
			t.Fatal(err)
		}
	}
	return dir
}
