// Package layering holds the test of the program's dependency direction:
// the pipeline sources, model → diag → schema, planner → cloud → reconcile
// → cmd, with lock beside schema and planner. No production package imports one
// above it or a sibling on its own level.
package layering

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/curator-dev/curator"

// levels ranks each top-level package family; a package may import only
// families of a lower level (and packages of its own family).
var levels = map[string]int{
	"internal":   0, // test helpers (Azurite): import no curator package
	"examples":   0, // generators of example estates: import no curator package
	"model":      0,
	"sources":    0,
	"diag":       1, // the diagnostics every layer reports with
	"schema":     2,
	"planner":    2,
	"lock":       2,
	"cloud":      3,
	"estateview": 3, // the estate page: a view of model and planner values
	"reconcile":  4,
	"cmd":        5,
}

// family is a curator package's top-level folder.
func family(pkg string) string {
	rel := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
	top, _, _ := strings.Cut(rel, "/")
	return top
}

type listed struct {
	ImportPath string
	Imports    []string
}

func packages(t *testing.T) []listed {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	out, err := exec.Command(goBin, "list", "-json=ImportPath,Imports", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []listed
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p listed
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

func TestNoPackageImportsOneAboveIt(t *testing.T) {
	for _, p := range packages(t) {
		from := family(p.ImportPath)
		lf, ok := levels[from]
		if !ok {
			t.Errorf("%s: package family %q has no level: add it to levels", p.ImportPath, from)
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			to := family(imp)
			if to == from {
				continue
			}
			lt, ok := levels[to]
			if !ok {
				t.Errorf("%s imports %s, whose family %q has no level", p.ImportPath, imp, to)
				continue
			}
			if lt >= lf {
				t.Errorf("%s (level %d) imports %s (level %d): imports point down the pipeline only", p.ImportPath, lf, imp, lt)
			}
		}
	}
}

// The emulator stands for Azure: it keeps its own knowledge of the service
// and shares none of curator's (issue 19, item 6).
func TestEmulatorImportsNoCuratorPackage(t *testing.T) {
	for _, p := range packages(t) {
		if !strings.HasPrefix(p.ImportPath, module+"/cloud/emulator") {
			continue
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, module+"/") && !strings.HasPrefix(imp, module+"/cloud/emulator") {
				t.Errorf("%s imports %s: the emulator must not share curator's declarations", p.ImportPath, imp)
			}
		}
	}
}
