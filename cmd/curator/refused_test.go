package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRefusedPlanShowsTheChange: an osType change without allowReplace is
// refused — exit 1 in every output format, with or without
// --detailed-exitcode — and every rendering shows the replace, marked
// refused, with what would allow it; never "No changes". The refused plan,
// saved by hand, is not applied.
func TestRefusedPlanShowsTheChange(t *testing.T) {
	cfg, state := setup(t)
	expect(t, curator(t, state, "apply", "--auto-approve", cfg), 0, "Apply complete")
	writeConfig(t, cfg, "2", "Windows", false)

	for _, tc := range []struct {
		format string
		want   []string
	}{
		{"text", []string{"-/+ gallery/acme/image/web (forced by osType) [refused]", "allowed by --allow-replace or allowReplace: true", "1 refused (the plan cannot be applied)"}},
		{"markdown", []string{"[!CAUTION]", "**Replace not allowed**", "`--allow-replace` or `allowReplace: true`", "1 refused"}},
		{"json", []string{`"refused": true`, `"refused_reason": "replace_not_allowed"`, `"flag": "--allow-replace"`}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			for _, args := range [][]string{{"plan", "-o", tc.format, cfg}, {"plan", "--detailed-exitcode", "-o", tc.format, cfg}} {
				r := curator(t, state, args...)
				expect(t, r, 1, "the plan was refused")
				out := r.stdout
				if tc.format == "json" {
					var v any
					if err := json.Unmarshal([]byte(out), &v); err != nil {
						t.Fatalf("stdout is not JSON: %v\n%s", err, out)
					}
					indented, _ := json.MarshalIndent(v, "", "  ")
					out = string(indented)
				}
				for _, want := range tc.want {
					if !strings.Contains(out, want) {
						t.Errorf("%v: stdout lacks %q:\n%s", args, want, out)
					}
				}
				if strings.Contains(out, "No changes") {
					t.Errorf("%v: a refused plan says No changes:\n%s", args, out)
				}
			}
		})
	}

	// A refused plan written to a file is not applied, and the cloud keeps
	// the Linux definition.
	r := curator(t, state, "plan", "-o", "json", cfg)
	planFile := filepath.Join(t.TempDir(), "refused.json")
	if err := os.WriteFile(planFile, []byte(r.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	expect(t, curator(t, state, "apply", "--auto-approve", planFile, cfg), 1, "Replace not allowed")
	writeConfig(t, cfg, "2", "Linux", false)
	expect(t, curator(t, state, "plan", "--detailed-exitcode", cfg), 0, "No changes.")
}
