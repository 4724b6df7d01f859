// Package ci holds the example CI files; its test runs the example GitHub
// workflow's shell steps with a stand-in curator, as the runner would.
package ci

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type step struct {
	Name  string `yaml:"name"`
	If    string `yaml:"if"`
	Shell string `yaml:"shell"`
	Run   string `yaml:"run"`
	Uses  string `yaml:"uses"`
}

type workflow struct {
	Jobs map[string]struct {
		Steps []step `yaml:"steps"`
	} `yaml:"jobs"`
}

func load(t *testing.T) workflow {
	t.Helper()
	data, err := os.ReadFile("github-actions.yml")
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(data, &w); err != nil {
		t.Fatal(err)
	}
	return w
}

func find(t *testing.T, w workflow, job, name string) (int, step) {
	t.Helper()
	for i, s := range w.Jobs[job].Steps {
		if s.Name == name {
			return i, s
		}
	}
	t.Fatalf("job %s has no step %q", job, name)
	return 0, step{}
}

// runStep runs a step's script the way GitHub's runner does on Linux —
// `shell: bash` is `bash --noprofile --norc -eo pipefail`, no shell is
// `bash -e` — with a curator on PATH that prints a plan and exits code.
func runStep(t *testing.T, s step, code string) (exit int, dir string) {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	dir = t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	fake := "#!/bin/sh\necho '### curator plan'\necho 'Plan: 0 to create, 1 refused' \necho 'the plan was refused' >&2\nexit " + code + "\n"
	if err := os.WriteFile(filepath.Join(bin, "curator"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	args := []string{"-e"}
	if s.Shell == "bash" {
		args = []string{"--noprofile", "--norc", "-eo", "pipefail"}
	}
	script := filepath.Join(dir, "step.sh")
	if err := os.WriteFile(script, []byte(s.Run), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", append(args, script)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"GITHUB_OUTPUT="+filepath.Join(dir, "output"), "GITHUB_STEP_SUMMARY="+filepath.Join(dir, "summary"))
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), dir
	} else if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return 0, dir
}

func read(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestPlanIsCommentedEvenWhenRefused: the plan step does not fail on a
// refused plan (exit 1), so the comment step after it runs; a later step
// fails the job.
func TestPlanIsCommentedEvenWhenRefused(t *testing.T) {
	w := load(t)
	iPlan, plan := find(t, w, "plan", "plan")
	iComment, comment := find(t, w, "plan", "comment the plan on the pull request")
	iFail, fail := find(t, w, "plan", "fail on a refused plan or an error")
	if iComment < iPlan || iFail < iComment || comment.If != "" {
		t.Fatal("the comment must run right after the plan, unconditionally, and before the job fails")
	}
	for _, tc := range []struct{ code, output string }{{"0", "code=0\nchanges=false"}, {"2", "code=2\nchanges=true"}, {"1", "code=1\nchanges=false"}} {
		exit, dir := runStep(t, plan, tc.code)
		if exit != 0 {
			t.Errorf("curator exit %s: the plan step failed (%d), so the plan is not commented", tc.code, exit)
		}
		if md := read(t, filepath.Join(dir, "plan.md")); !strings.Contains(md, "1 refused") {
			t.Errorf("curator exit %s: plan.md is %q", tc.code, md)
		}
		if got := read(t, filepath.Join(dir, "output")); !strings.Contains(got, tc.output) {
			t.Errorf("curator exit %s: outputs %q, want %q", tc.code, got, tc.output)
		}
	}
	if !strings.Contains(plan.Run, `--changed-from "$BASE"`) {
		t.Error("the plan step does not plan only what the pull request changes (--changed-from)")
	}
	if fail.If != "steps.plan.outputs.code == '1'" {
		t.Errorf("the failing step runs on %q", fail.If)
	}
	if exit, _ := runStep(t, fail, "0"); exit == 0 {
		t.Error("the failing step does not fail the job")
	}
}

// TestDriftExitCodeSurvivesTee: drift's 2 (drift) and 1 (error) reach the
// job through `| tee`, and the summary still gets the plan.
func TestDriftExitCodeSurvivesTee(t *testing.T) {
	_, drift := find(t, load(t), "drift", "drift")
	for _, code := range []int{0, 1, 2} {
		exit, dir := runStep(t, drift, string(rune('0'+code)))
		if exit != code {
			t.Errorf("curator drift exited %d, the step %d", code, exit)
		}
		if !strings.Contains(read(t, filepath.Join(dir, "summary")), "### curator plan") {
			t.Errorf("exit %d: the plan is not in the job summary", code)
		}
	}
}
