package planner_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/planner"
)

// repoSections are n configurations, each planning a large estate from
// nothing, with one failed, one refused and one skipped among them.
func repoSections(t *testing.T, n, versions int) []planner.Section {
	t.Helper()
	sections := make([]planner.Section, 0, n+3)
	for i := range n {
		p, _ := planner.Compute(generated(3, 30, versions, 3, 20), model.State{}, planner.Options{SourceRevision: "abc"})
		p.Configuration = fmt.Sprintf("conf-%02d", i)
		p.Target = fmt.Sprintf("local:/subscriptions/x/resourceGroups/rg-%02d", i)
		sections = append(sections, planner.Section{Path: fmt.Sprintf("envs/conf-%02d", i), Plan: p})
	}
	refused, _ := planner.Compute(generated(1, 2, 4, 1, 0), model.State{}, planner.Options{})
	refused.Errors = append(refused.Errors, planner.Refusal{Rule: planner.RuleTooManyDeletes, Summary: "Too many deletes", Detail: "the plan deletes 12 resources, more than maxDeletes (10)"})
	sections = append(sections,
		planner.Section{Path: "broken", Err: "the configuration has 1 error; nothing was planned or changed", Diagnostics: []string{"lib/lib.cue:7:2: galleries.g.location: unknown region"}},
		planner.Section{Path: "refused", Plan: refused, Err: refused.Err().Error()},
		planner.Section{Path: "quiet", Skipped: "no file it reads changed since main"},
	)
	return sections
}

// TestRepositoryMarkdown: one comment under GitHub's limit for any number
// of configurations, with every configuration's summary, and the
// refusals, errors and skipped ones before any plan.
func TestRepositoryMarkdown(t *testing.T) {
	for _, tc := range []struct {
		name          string
		n, versions   int
		wantEveryPlan bool
	}{
		{"small", 2, 4, true},
		{"20 configurations of 500 versions", 20, 500, false},
		{"200 configurations", 200, 30, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sections := repoSections(t, tc.n, tc.versions)
			md := planner.RenderRepositoryMarkdown(sections, "curator plan for `images`", "")
			if n := len([]rune(md)); n > planner.MarkdownLimit {
				t.Fatalf("%d characters, over GitHub's %d", n, planner.MarkdownLimit)
			}
			firstPlan := strings.Index(md, "<details>")
			for _, want := range []string{"`broken`: **the configuration has 1 error", "lib/lib.cue:7:2", "`refused`: **Too many deletes**", "`quiet`: no file it reads changed since main"} {
				at := strings.Index(md, want)
				if at < 0 || firstPlan >= 0 && at > firstPlan {
					t.Errorf("%q is not before the plans", want)
				}
			}
			table := md[:strings.Index(md, "\n\n> [!CAUTION]")]
			rows := strings.Count(table, "\n| `")
			more := strings.Contains(table, "| … and ")
			if rows != len(sections) && !more {
				t.Errorf("the table has %d rows for %d configurations and counts no rest", rows, len(sections))
			}
			if tc.wantEveryPlan {
				for _, s := range sections {
					if s.Plan != nil && !strings.Contains(md, "<details><summary><code>"+s.Path+"</code>") {
						t.Errorf("no plan section for %s", s.Path)
					}
				}
				if !strings.Contains(md, "+ gallery/gallery_000") {
					t.Error("the changes are not shown")
				}
			}
		})
	}
}

// TestRepositoryJSON: configurations[] holds each configuration's plan in
// the plan format, with its path; failed and skipped ones say why.
func TestRepositoryJSON(t *testing.T) {
	sections := repoSections(t, 1, 4)
	data, err := planner.MarshalRepositoryJSON(sections)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		FormatVersion  string           `json:"format_version"`
		Configurations []map[string]any `json:"configurations"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if got.FormatVersion != planner.RepositoryFormatVersion || len(got.Configurations) != 4 {
		t.Fatalf("format %q, %d configurations", got.FormatVersion, len(got.Configurations))
	}
	first := got.Configurations[0]
	if first["path"] != "envs/conf-00" || first["configuration"] != "conf-00" || first["resource_changes"] == nil || first["format_version"] == nil {
		t.Errorf("a planned configuration: %v", first)
	}
	// Each planned configuration is a plan file's JSON.
	raw, _ := json.Marshal(first)
	if _, err := planner.DecodePlan(raw); err != nil {
		t.Errorf("a configuration's JSON is not the plan format: %v", err)
	}
	if b := got.Configurations[1]; b["error"] == nil || b["diagnostics"] == nil {
		t.Errorf("a failed configuration: %v", b)
	}
	if s := got.Configurations[3]; s["skipped"] != "no file it reads changed since main" {
		t.Errorf("a skipped configuration: %v", s)
	}
}

// TestRepositoryMarkdownHostilePaths: a pull request names the folders
// (and the changed files in the note); a backtick, a pipe, a line break
// or "<!--" in one must not rewrite the comment or hide the rest of it,
// the refusals of the other configurations included.
func TestRepositoryMarkdownHostilePaths(t *testing.T) {
	hostile := "dev` | x |\n\n## All good <!--"
	refused, _ := planner.Compute(generated(1, 1, 1, 1, 0), model.State{}, planner.Options{})
	refused.Errors = append(refused.Errors, planner.Refusal{Rule: planner.RuleTooManyDeletes, Summary: "Too many deletes"})
	ok, _ := planner.Compute(generated(1, 1, 1, 1, 0), model.State{}, planner.Options{})
	sections := []planner.Section{
		{Path: hostile, Plan: ok},
		{Path: hostile + "2", Skipped: "nothing changed"},
		{Path: hostile + "3", Err: "broken"},
		{Path: "prod", Plan: refused, Err: refused.Err().Error()},
	}
	md := planner.RenderRepositoryMarkdown(sections, "curator plan", "Every configuration is planned: curator itself changed since abc (cmd/x` <!--\n# y.go, the merge base of main).")
	for _, bad := range []string{"<!--", "\n## All good", "| x |", "`cmd/x`", "\n# y.go"} {
		if strings.Contains(md, bad) {
			t.Errorf("the comment holds %q from a path:\n%s", bad, md)
		}
	}
	for _, want := range []string{"<code>dev&#96;&#32;&#124;", "`prod`: **Too many deletes**", "Too many deletes"} {
		if !strings.Contains(md, want) {
			t.Errorf("the comment lacks %q:\n%s", want, md)
		}
	}
	if text := planner.RenderRepositoryText(sections, false); strings.Contains(text, "\n## All good") {
		t.Errorf("the text names the folder raw:\n%s", text)
	}
}
