package planner_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The planner is pure: it must build without the CUE evaluator (it works
// on package model; package schema owns CUE), and import nothing that
// talks to a cloud.
func TestPlannerLinksNoCUEAndNoCloud(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	out, err := exec.Command(goBin, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "cuelang.org/") || strings.Contains(dep, "/curator/schema") || strings.Contains(dep, "azure-sdk-for-go") || strings.Contains(dep, "/curator/cloud/") {
			t.Errorf("planner depends on %s", dep)
		}
	}
}
