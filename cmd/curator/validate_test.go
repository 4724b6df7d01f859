package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidate runs `curator validate` on configurations and checks its exit
// code, its one-line summary and the diagnostics it prints.
func TestValidate(t *testing.T) {
	tests := []struct {
		name       string
		files      map[string]string // nil: args name the folder
		setup      func(t *testing.T, dir string)
		stderrNot  []string
		args       []string
		code       int
		stdout     string
		stderrHas  []string
		stderrNone bool
	}{
		{
			name:   "quickstart",
			args:   []string{"../../examples/quickstart"},
			stdout: "1 gallery, 2 definitions, 3 versions, 1 share: valid\n", stderrNone: true,
		},
		{
			name: "every error at once, positioned",
			files: map[string]string{"main.cue": `package curator

galleries: "my-gallery": {
	location: "westeurope"
	images: app: {
		publisher: "P", offer: "O", sku: "S"
		osType: "Linux"
		versions: "1.0": replica: 2
	}
}
`},
			code: 1,
			stderrHas: []string{
				`main.cue:3:12: galleries."my-gallery": gallery name "my-gallery"`,
				`main.cue:5:10: galleries."my-gallery".images.app.osState: required field is missing`,
				`main.cue:8:20: galleries."my-gallery".images.app.versions."1.0".replica: unknown field`,
				"Error: ",
			},
		},
		{
			name: "warnings do not fail",
			files: map[string]string{"main.cue": `package curator

galleries: g: {
	location: "westeurope"
	images: app: {
		publisher: "P", offer: "O", sku: "S", osType: "Linux", osState: "Generalized"
		versions: "1.0.0": replicas: concurrentVMs: 6000
	}
}
`},
			stdout:    "1 gallery, 1 definition, 1 version, 0 shares: valid\n",
			stderrHas: []string{"main.cue:7:22: warning: ", "capped at the service's limit of 100"},
		},
		{
			name:  "a link out and a FIFO, at once, nothing read through them",
			files: map[string]string{"main.cue": "package curator\n"},
			setup: func(t *testing.T, dir string) {
				secret := filepath.Join(t.TempDir(), "secret")
				if err := os.WriteFile(secret, []byte("hunter2 is the password\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(secret, filepath.Join(dir, "linked.cue")); err != nil {
					t.Fatal(err)
				}
				mkfifo(t, filepath.Join(dir, "x.cue"))
			},
			code:      1,
			stderrHas: []string{"linked.cue links to ", "outside the configuration folder", "x.cue is a named pipe (FIFO), not a file", ": 2 errors"},
			stderrNot: []string{"hunter2"},
		},
		{
			name:      "not a folder",
			args:      []string{"does-not-exist"},
			code:      1,
			stderrHas: []string{"does-not-exist is not a folder of .cue files: it does not exist"},
		},
		{
			name:      "a file, not its folder",
			args:      []string{"../../examples/quickstart/curator.cue"},
			code:      1,
			stderrHas: []string{"curator.cue is not a folder of .cue files: it is a file; give the folder that holds the configuration (../../examples/quickstart)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.files != nil {
				dir := t.TempDir()
				for name, data := range tt.files {
					if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				if tt.setup != nil {
					tt.setup(t, dir)
				}
				args = []string{dir}
			}
			var out, errw bytes.Buffer
			code := run(append([]string{"validate"}, args...), strings.NewReader(""), &out, &errw)
			if code != tt.code {
				t.Errorf("exit code %d, want %d (stderr %s)", code, tt.code, errw.String())
			}
			if out.String() != tt.stdout {
				t.Errorf("stdout %q, want %q", out.String(), tt.stdout)
			}
			for _, want := range tt.stderrHas {
				if !strings.Contains(errw.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, errw.String())
				}
			}
			for _, not := range tt.stderrNot {
				if strings.Contains(errw.String(), not) {
					t.Errorf("stderr has %q:\n%s", not, errw.String())
				}
			}
			if tt.stderrNone && errw.Len() > 0 {
				t.Errorf("stderr %q, want none", errw.String())
			}
		})
	}
}
