package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadFlagsAreRefused: a flag value no command can use is refused with
// what is wrong and what to give, before anything runs — never replaced by
// a default in silence.
func TestBadFlagsAreRefused(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "state-file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	quickstart := filepath.Join("..", "..", "examples", "quickstart")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"negative replication rate", []string{"--replication-rate", "-5", "plan", quickstart}, "--replication-rate -5: give a positive number of GB per second"},
		{"zero replication rate", []string{"--replication-rate", "0", "apply", "--auto-approve", quickstart}, "--replication-rate 0: give a positive number"},
		{"NaN replication rate", []string{"--replication-rate", "NaN", "plan", quickstart}, "--replication-rate NaN: give a positive number"},
		{"state folder that is a file", []string{"--state", file, "plan", quickstart}, "is a file, not a folder: give the folder the local target keeps its state in"},
		{"zero watch interval", []string{"watch", "--interval", "0", quickstart}, "--interval 0s: give a positive duration"},
		{"negative watch interval", []string{"watch", "--interval", "-1m", "--git", dir}, "--interval -1m0s: give a positive duration"},
		{"import into a file", []string{"import", "--out", file}, "is a file: give a new or empty folder to write the configuration to"},
		{"missing plan file", []string{"show", filepath.Join(dir, "nosuch.json")}, "nosuch.json is not a plan file: it does not exist; save one with `curator plan --out FILE`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := curator(t, filepath.Join(t.TempDir(), "state"), tt.args...)
			expect(t, r, 1, tt.want)
		})
	}
}

// TestErrorsNameFilesFromTheWorkingFolder: plan, apply and drift name a
// configuration's files as validate does — by their path from the working
// folder, a module's shared file too — so the position can be opened as
// printed (they printed main.cue:3:40 for folder/main.cue).
func TestErrorsNameFilesFromTheWorkingFolder(t *testing.T) {
	root, state := exampleRepo(t)
	broken := filepath.Join(t.TempDir(), "broken")
	if err := os.Mkdir(broken, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(broken, "main.cue"), []byte("package curator\n\ngalleries: g: {location: \"westeurope\", bogus: 1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	lib := filepath.Join(root, "lib", "lib.cue")
	data, err := os.ReadFile(lib)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lib, []byte(strings.Replace(string(data), "(secondary): replicas: 1", "(secondary): replicas: 0", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{{"plan"}, {"apply", "--auto-approve"}, {"drift"}, {"validate"}} {
		r := curator(t, state, append(cmd, broken)...)
		expect(t, r, 1, filepath.Join(broken, "main.cue")+":3:40: galleries.g.bogus: unknown field")
		r = curator(t, state, append(cmd, filepath.Join(root, "prod"))...)
		expect(t, r, 1, lib+":")
	}
}
