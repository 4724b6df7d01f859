package planner

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// A repository of configurations is planned one configuration at a time;
// its result is one value, rendered as text (a section per
// configuration), JSON (configurations[], each today's plan format) and
// Markdown (one pull-request comment).

// Section is one configuration of a repository's result.
type Section struct {
	// Path is the configuration's folder relative to the repository's
	// root, slash-separated.
	Path string
	// Plan is its plan; nil when it failed before planning, or was
	// skipped.
	Plan *Plan
	// Err says why the configuration failed: it was invalid (Diagnostics
	// then lists why), its source or target could not be read, its plan
	// was refused or its apply failed. "" when it succeeded.
	Err string
	// Diagnostics are an invalid configuration's problems, as
	// file:line:col: path: message.
	Diagnostics []string
	// Skipped, when set, says why the configuration was not planned
	// (e.g. no file it reads changed).
	Skipped string
	// Output is what a command printed for the configuration besides its
	// plan (an apply's progress and summary), for the text rendering.
	Output string
	// Applied reports that its plan's changes were applied (and the
	// apply succeeded): the summary counts it as applied, not as a
	// configuration with changes still to make.
	Applied bool
}

// Failed reports whether the section counts as an error of the whole:
// a failed configuration or a refused plan.
func (s *Section) Failed() bool {
	return s.Err != "" || s.Plan != nil && s.Plan.Refused()
}

// status is the section's one-line result.
func (s *Section) status() string {
	switch {
	case s.Skipped != "":
		return "skipped: " + s.Skipped
	case s.Err != "" && s.Plan == nil:
		return "error: " + firstLine(s.Err)
	case s.Plan != nil && s.Err != "":
		return SummaryLine(s.Plan) + "; error: " + firstLine(s.Err)
	case s.Plan != nil:
		return SummaryLine(s.Plan)
	}
	return "not planned"
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// RenderRepositoryText renders every configuration's section: a heading
// naming its folder, then its plan (or why it has none) as RenderText does.
func RenderRepositoryText(sections []Section, colour bool) string {
	var b strings.Builder
	for i, s := range sections {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "=== %s", printable(s.Path))
		if s.Plan != nil && s.Plan.Configuration != "" {
			fmt.Fprintf(&b, " (%s)", s.Plan.Configuration)
		}
		b.WriteString(" ===\n")
		switch {
		case s.Skipped != "":
			fmt.Fprintf(&b, "Skipped: %s\n", s.Skipped)
			continue
		case s.Plan != nil:
			b.WriteString(RenderText(s.Plan, colour))
		}
		for _, d := range s.Diagnostics {
			b.WriteString(d + "\n")
		}
		if s.Output != "" {
			b.WriteString(s.Output)
		}
		if s.Err != "" {
			fmt.Fprintf(&b, "Error: %s\n", s.Err)
		}
	}
	b.WriteString("\n" + repositorySummary(sections) + "\n")
	return b.String()
}

// repositorySummary counts the sections by outcome.
func repositorySummary(sections []Section) string {
	var planned, applied, changes, failed, skipped int
	for _, s := range sections {
		switch {
		case s.Skipped != "":
			skipped++
		case s.Failed():
			failed++
		case s.Applied:
			applied++
		default:
			planned++
			if s.Plan != nil && s.Plan.HasChanges() {
				changes++
			}
		}
	}
	head := fmt.Sprintf("%d %s: ", len(sections), pluralize(len(sections), "configuration", "configurations"))
	if applied > 0 {
		head += fmt.Sprintf("%d applied, ", applied)
	}
	return fmt.Sprintf("%s%d with changes, %d without, %d failed or refused, %d skipped.", head, changes, planned-changes, failed, skipped)
}

// RepositoryFormatVersion is the version of the repository's JSON result.
const RepositoryFormatVersion = "1.0"

// MarshalRepositoryJSON is the repository's JSON result:
// {"format_version", "configurations": [...]}, each configuration today's
// plan object (MarshalJSON) with "path" added, or for one without a plan
// {"path", "error", "diagnostics"} or {"path", "skipped"}.
func MarshalRepositoryJSON(sections []Section) ([]byte, error) {
	out := struct {
		FormatVersion  string            `json:"format_version"`
		Configurations []json.RawMessage `json:"configurations"`
	}{FormatVersion: RepositoryFormatVersion, Configurations: []json.RawMessage{}}
	for _, s := range sections {
		fields := map[string]any{"path": s.Path}
		if s.Plan != nil {
			data, err := s.Plan.MarshalJSON()
			if err != nil {
				return nil, err
			}
			var plan map[string]json.RawMessage
			if err := json.Unmarshal(data, &plan); err != nil {
				return nil, err
			}
			for k, v := range plan {
				fields[k] = v
			}
		}
		if s.Err != "" {
			fields["error"] = s.Err
		}
		if len(s.Diagnostics) > 0 {
			fields["diagnostics"] = s.Diagnostics
		}
		if s.Skipped != "" {
			fields["skipped"] = s.Skipped
		}
		data, err := json.Marshal(fields)
		if err != nil {
			return nil, err
		}
		out.Configurations = append(out.Configurations, data)
	}
	return json.Marshal(out)
}

// Budgets of the repository's Markdown: the table of every configuration
// and the refusals and errors of all come first (each line clipped, the
// whole bounded), then each configuration's plan gets a fair share of what
// is left.
const (
	mdRepoTableBudget    = MarkdownLimit / 4
	mdRepoProblemsBudget = MarkdownLimit / 4
)

// A configuration's path is a folder name of the repository, and the note
// names changed files: a pull request chooses both, so in the comment
// they are written so that no character of theirs is Markdown or HTML (a
// backtick, a pipe, a line break or "<!--" rewrote or hid the rest of the
// comment, refusals included).

// mdEntities is s with every character but letters, digits and ._/- as an
// HTML character reference.
func mdEntities(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._/-", r)) {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(&b, "&#%d;", r)
		}
	}
	return b.String()
}

// mdPath is a path as inline code: a code span when it holds only letters,
// digits and ._/-, else a <code> element of character references.
func mdPath(s string) string {
	if e := mdEntities(s); e != s {
		return "<code>" + e + "</code>"
	}
	return "`" + s + "`"
}

// mdText is curator's own prose with the characters Markdown or HTML
// would read (and line breaks) written as character references.
func mdText(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < ' ' || strings.ContainsRune("&<>`|*_[]\\#!~", r) {
			fmt.Fprintf(&b, "&#%d;", r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// RenderRepositoryMarkdown renders the repository's result as one
// pull-request comment under MarkdownLimit: a table with every
// configuration's summary first, then the refusals and errors of every
// configuration, what was skipped and why, then each configuration's plan
// in a collapsible section, sharing the room left.
func RenderRepositoryMarkdown(sections []Section, title, note string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n**%s**\n\n", clip(title, 200), repositorySummary(sections))
	if note != "" {
		fmt.Fprintf(&b, "%s\n\n", mdText(clip(note, 1000)))
	}

	var rows, problems, skipped []string
	for _, s := range sections {
		target := ""
		if s.Plan != nil {
			target = "`" + clip(s.Plan.Target, 200) + "`"
		}
		status := strings.ReplaceAll(clip(s.status(), 300), "|", "\\|")
		if s.Failed() {
			status = "**" + status + "**"
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %s |", mdPath(clip(s.Path, 200)), target, status))
		if s.Skipped != "" {
			skipped = append(skipped, fmt.Sprintf("%s: %s", mdPath(s.Path), s.Skipped))
		}
		if s.Plan != nil && s.Plan.Refused() {
			for _, r := range s.Plan.Errors {
				item := fmt.Sprintf("%s: **%s**", mdPath(s.Path), r.Summary)
				if r.Address != "" {
					item += fmt.Sprintf(" at `%s`", r.Address)
				}
				if r.Detail != "" {
					item += ": " + r.Detail
				}
				if hint := allowHint(&r, "`"); hint != "" {
					item += " — " + hint
				}
				problems = append(problems, item)
			}
		}
		if s.Err != "" && !(s.Plan != nil && s.Plan.Refused() && s.Err == s.Plan.Err().Error()) {
			item := fmt.Sprintf("%s: **%s**", mdPath(s.Path), firstLine(s.Err))
			for _, d := range s.Diagnostics {
				item += "<br>`" + strings.ReplaceAll(clip(d, 300), "`", "'") + "`"
			}
			problems = append(problems, item)
		}
	}
	b.WriteString(boundedTable(rows, mdRepoTableBudget))
	b.WriteString(boundedList(problems, "refusals and errors", "> [!CAUTION]\n> **Refused or failed: these configurations cannot be applied.**\n", "> ", mdRepoProblemsBudget))
	b.WriteString(boundedList(skipped, "skipped configurations", "Skipped:\n\n", "", mdRepoProblemsBudget/2))

	// Each planned configuration's plan, in a fair share of the rest: as
	// many as their frames fit, the rest counted.
	var planned []int
	for i, s := range sections {
		if s.Plan != nil && s.Skipped == "" {
			planned = append(planned, i)
		}
	}
	const tooLong = "The plan is too long for this comment: see the job log or the JSON plan.\n\n"
	const omitted = "… and the plans of %d more configurations: see the job log or the JSON result.\n"
	room := mdBudget - b.Len() - len(omitted) - 20
	heads := make([]string, len(planned))
	shown, used := 0, 0
	for j, i := range planned {
		s := sections[i]
		heads[j] = fmt.Sprintf("<details><summary><code>%s</code>: %s</summary>\n\n", mdEntities(clip(s.Path, 200)), clip(SummaryLine(s.Plan), 300))
		least := len(heads[j]) + len(repoFoot) + len(tooLong)
		if used+least > room {
			break
		}
		used += least
		shown++
	}
	need := make([]int, shown)
	bodies := make([]string, shown)
	for j := range shown {
		bodies[j] = repoPlanBody(sections[planned[j]].Plan, mdBudget)
		need[j] = len(heads[j]) + len(repoFoot) + max(len(bodies[j]), len(tooLong))
	}
	shares := fairShares(need, room)
	for j := range shown {
		share := shares[j] - len(heads[j]) - len(repoFoot)
		body := bodies[j]
		if len(body) > share {
			body = repoPlanBody(sections[planned[j]].Plan, share)
		}
		if len(body) > share || body == "" {
			body = tooLong
		}
		b.WriteString(heads[j])
		b.WriteString(body)
		b.WriteString(repoFoot)
	}
	if rest := len(planned) - shown; rest > 0 {
		fmt.Fprintf(&b, omitted, rest)
	}
	return b.String()
}

// repoFoot closes a configuration's collapsible section.
const repoFoot = "</details>\n\n"

// repoPlanBody is a configuration's plan as RenderMarkdown renders it,
// without the heading and refusals the repository's comment shows first,
// in at most budget bytes.
func repoPlanBody(p *Plan, budget int) string {
	var b strings.Builder
	if p.SourceRevision != "" {
		fmt.Fprintf(&b, "Revision `%s` · target `%s`\n\n", clip(p.SourceRevision, 200), clip(p.Target, 400))
	}
	if b.Len()+2*mdFloor > budget {
		return ""
	}
	return markdownBody(&b, p, budget)
}

// boundedTable renders the configurations' table, as many rows as fit in
// budget; the rest are counted.
func boundedTable(rows []string, budget int) string {
	var b strings.Builder
	b.WriteString("| configuration | target | plan |\n|---|---|---|\n")
	for i, row := range rows {
		if b.Len()+len(row)+200 > budget {
			fmt.Fprintf(&b, "| … and %d more | | see the job log or the JSON result |\n", len(rows)-i)
			break
		}
		b.WriteString(row + "\n")
	}
	b.WriteString("\n")
	return b.String()
}
