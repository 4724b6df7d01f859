package azclients

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestInstallScriptRefusals runs .ci/azure-clients.sh where the clients
// are missing and cannot be installed, with stand-ins for the commands it
// calls on PATH: each case exits 3 (the suites skip, or fail under
// CURATOR_REQUIRE_AZURE_CLIENTS) and says why; a failing install that is
// not the archive's fault exits 1.
func TestInstallScriptRefusals(t *testing.T) {
	script, err := findScript()
	if err != nil {
		t.Fatal(err)
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not on PATH")
	}
	tools := []string{"flock", "cat"}
	tests := []struct {
		name  string
		fakes map[string]string // command → shell body
		code  int
		want  string
	}{
		{"no apt-get", map[string]string{"id": "echo 0"}, 3, "apt-get is not available"},
		{"not root", map[string]string{"id": "echo 1000", "apt-get": "exit 0"}, 3, "not root"},
		{"archive unreachable", map[string]string{"id": "echo 0", "apt-get": `case "$*" in *update*) exit 100;; *) exit 100;; esac`}, 3, "archive is unreachable"},
		{"install fails", map[string]string{"id": "echo 0", "apt-get": `case "$*" in *update*) exit 0;; *) exit 100;; esac`}, 1, "apt-get install azure-cli python3-azure failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin := t.TempDir()
			for _, tool := range tools {
				if p, err := exec.LookPath(tool); err == nil {
					if err := os.Symlink(p, filepath.Join(bin, tool)); err != nil {
						t.Fatal(err)
					}
				}
			}
			for name, body := range tt.fakes {
				if err := os.WriteFile(filepath.Join(bin, name), []byte("#!"+bash+"\n"+body+"\n"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(bash, script)
			// No az on PATH: the clients count as missing.
			cmd.Env = []string{"PATH=" + bin, "HOME=" + t.TempDir()}
			out, err := cmd.CombinedOutput()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.code || !strings.Contains(string(out), tt.want) {
				t.Errorf("exit %d, output %q; want exit %d saying %q", code, out, tt.code, tt.want)
			}
		})
	}
}
