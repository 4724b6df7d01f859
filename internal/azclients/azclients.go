// Package azclients finds the Azure clients that curator's conformance
// suites drive against the emulator — the az CLI and the Azure SDK for
// Python, as Debian packages them (azure-cli, python3-azure) — installing
// them with .ci/azure-clients.sh when they are missing.
package azclients

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/curator-dev/curator/internal/testenv"
)

// RequireEnv, when set, makes clients that cannot be installed fail the
// suites instead of skipping them (CI sets it).
const RequireEnv = "CURATOR_REQUIRE_AZURE_CLIENTS"

// ErrUnavailable means the clients cannot be installed here: not root, no
// apt-get, or Debian's archive unreachable.
var ErrUnavailable = errors.New("the az CLI and the Azure SDK for Python cannot be installed here")

// Clients are the installed clients.
type Clients struct {
	// AZ is the az command; Python the interpreter that imports the Azure
	// SDK for Python (and the az CLI's own modules).
	AZ, Python string
}

var (
	once    sync.Once
	found   *Clients
	findErr error
)

// Find installs the clients if needed (once per process) and returns them.
func Find(ctx context.Context) (*Clients, error) {
	once.Do(func() { found, findErr = install(ctx) })
	return found, findErr
}

func install(ctx context.Context) (*Clients, error) {
	script, err := findScript()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", script)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 3 {
			return nil, fmt.Errorf("%w: %s", ErrUnavailable, strings.TrimSpace(stderr.String()))
		}
		return nil, fmt.Errorf("%s: %v: %s", script, err, strings.TrimSpace(stderr.String()))
	}
	az, err := exec.LookPath("az")
	if err != nil {
		return nil, fmt.Errorf("%s installed the clients but az is not on PATH: %v", script, err)
	}
	return &Clients{AZ: az, Python: strings.TrimSpace(stdout.String())}, nil
}

// Require returns the clients, or skips the test saying why they cannot
// be installed — or fails it when RequireEnv is set.
func Require(t testing.TB) *Clients {
	t.Helper()
	c, err := Find(context.Background())
	if err == nil {
		return c
	}
	if errors.Is(err, ErrUnavailable) && os.Getenv(RequireEnv) == "" {
		t.Skipf("SKIPPED, the Azure clients' conformance suite did not run: %v", err)
	}
	if errors.Is(err, ErrUnavailable) {
		t.Fatalf("%v (%s is set: the suite must run)", err, RequireEnv)
	}
	t.Fatal(err)
	return nil
}

// Env is a minimal environment for the clients: PATH, a HOME and an
// AZURE_CONFIG_DIR of their own under dir (so that nothing of the user's
// az profile is read or written), trust of the emulator's CA through
// REQUESTS_CA_BUNDLE (how Python's requests, and so MSAL, the SDK and the
// az CLI, take a CA), no telemetry, no update checks, no colour.
func Env(dir, caFile string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"AZURE_CONFIG_DIR=" + filepath.Join(dir, ".azure"),
		"REQUESTS_CA_BUNDLE=" + caFile,
		"AZURE_CORE_COLLECT_TELEMETRY=false",
		"AZURE_CORE_NO_COLOR=true",
		"AZURE_CORE_ONLY_SHOW_ERRORS=true",
		"AZURE_CORE_SURVEY_MESSAGE=false",
		"LANG=C.UTF-8",
	}
}

func findScript() (string, error) {
	path, err := testenv.CIScript("azure-clients.sh")
	if err != nil {
		return "", fmt.Errorf("%w: it is needed to install the Azure clients", err)
	}
	return path, nil
}
