package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/curator-dev/curator/model"
)

// MarkdownLimit is GitHub's limit on the length of a comment. RenderMarkdown
// stays under it.
const MarkdownLimit = 65536

// Budgets of the Markdown plan, in bytes (a character is at least one byte,
// so a byte budget bounds the characters GitHub counts). Refusals come
// first and may take up to a quarter of the comment; warnings and unmanaged
// resources are capped so that the changes, gallery by gallery, get the
// rest.
const (
	mdBudget          = MarkdownLimit - 1024 // the slack covers the closing notes
	mdRefusalsBudget  = MarkdownLimit / 4
	mdFloor           = 400 // the least a bounded part gets: its head and its count
	mdWarningsBudget  = 12000
	mdUnmanagedBudget = 6000
	mdLineMax         = 1000 // one list item, clipped beyond
	mdReplicationMax  = 8000 // the versions × regions table
	mdRegionsMax      = 12   // its columns; further regions are counted
)

// RenderMarkdown renders the plan for a pull-request comment: the summary
// first, then what is refused and why (always, and before anything else is
// given room), warnings (replaces, deletes, latest changes and the plan's
// warnings) next, then one collapsible section per gallery, and the
// unmanaged resources last. It stays under MarkdownLimit for any plan:
// every part is bounded, each gallery keeps its heading and as many of its
// changes as its share of the room allows, and what is left out is counted
// ("# … and 312 more changes in this gallery: 300 create, 12 update",
// inside the gallery's section).
func RenderMarkdown(p *Plan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### curator plan for `%s`\n\n", clip(p.Configuration, 200))
	fmt.Fprintf(&b, "**%s**\n\n", SummaryLine(p))
	if p.SourceRevision != "" {
		fmt.Fprintf(&b, "Revision `%s` · target `%s`\n\n", clip(p.SourceRevision, 200), clip(p.Target, 400))
	}
	b.WriteString(refusalsSection(p, mdRefusalsBudget))
	return markdownBody(&b, p, mdBudget)
}

// markdownBody renders the plan's warnings, changes by gallery and
// unmanaged resources after what b holds, the whole under budget bytes.
func markdownBody(b *strings.Builder, p *Plan, mdBudget int) string {

	galleries, byGallery := groupByGallery(p.Changes)
	var heads, tails []string
	minimum := 0
	for _, g := range galleries {
		h, t, reserve := galleryFrame(g, byGallery[g])
		heads, tails = append(heads, h), append(tails, t)
		minimum += len(h) + len(t) + reserve
	}
	room := mdBudget - b.Len()
	if minimum+2*mdFloor > room {
		// Too many galleries to frame each: a list of them, then the rest.
		b.WriteString(boundedList(alerts(p), "warnings", "> [!WARNING]\n", "> ", min(mdWarningsBudget, room/4)))
		b.WriteString(replicationTable(p, min(mdReplicationMax, room/8)))
		unmanaged := min(mdUnmanagedBudget, room/8)
		b.WriteString(galleryList(galleries, byGallery, mdBudget-b.Len()-unmanaged))
		b.WriteString(unmanagedSection(p, unmanaged))
		return b.String()
	}
	spare := room - minimum
	b.WriteString(boundedList(alerts(p), "warnings", "> [!WARNING]\n", "> ", min(mdWarningsBudget, max(mdFloor, spare/3))))
	b.WriteString(replicationTable(p, min(mdReplicationMax, spare/4)))
	tail := unmanagedSection(p, min(mdUnmanagedBudget, max(mdFloor, spare/6)))

	// Share the room left among the galleries' changes: each gets an equal
	// share, and what a small gallery does not need goes to the others.
	bodies := make([][]string, len(galleries))
	need := make([]int, len(galleries))
	refusalOf := p.refusals()
	for i, g := range galleries {
		for _, c := range byGallery[g] {
			block := changeBlock(c, refusalOf(c))
			bodies[i] = append(bodies[i], block)
			need[i] += len(block)
		}
	}
	shares := fairShares(need, mdBudget-b.Len()-minimum-len(tail))
	for i, g := range galleries {
		b.WriteString(heads[i])
		used, shown := 0, 0
		for _, block := range bodies[i] {
			if used+len(block) > shares[i] {
				break
			}
			b.WriteString(block)
			used += len(block)
			shown++
		}
		if rest := byGallery[g][shown:]; len(rest) > 0 {
			b.WriteString(omissionLine(rest))
		}
		b.WriteString(tails[i])
	}
	b.WriteString(tail)
	return b.String()
}

// groupByGallery groups changes by gallery, galleries sorted, changes in
// plan order.
func groupByGallery(changes []*Change) ([]string, map[string][]*Change) {
	var galleries []string
	byGallery := map[string][]*Change{}
	for _, c := range changes {
		if _, ok := byGallery[c.Gallery]; !ok {
			galleries = append(galleries, c.Gallery)
		}
		byGallery[c.Gallery] = append(byGallery[c.Gallery], c)
	}
	sort.Strings(galleries)
	return galleries, byGallery
}

// galleryFrame is a gallery section without its changes: the head, the
// tail, and the room to keep for the line counting what is left out.
func galleryFrame(g string, changes []*Change) (head, tail string, reserve int) {
	g = clip(g, 200)
	head = fmt.Sprintf("<details><summary><code>gallery/%s</code>: %d %s (%s)</summary>\n\n```diff\n",
		g, len(changes), pluralize(len(changes), "change", "changes"), countActions(changes))
	tail = "```\n\n</details>\n\n"
	// The most it can be: every change left out.
	reserve = len(omissionLine(changes))
	return head, tail, reserve
}

// omissionLine counts the changes left out of a gallery's section, in it.
func omissionLine(rest []*Change) string {
	return fmt.Sprintf("# … and %d more %s in this gallery: %s\n", len(rest), pluralize(len(rest), "change", "changes"), countActions(rest))
}

// changeBlock renders one change as lines of a diff block.
func changeBlock(c *Change, r *Refusal) string {
	header, details := changeLines(c, r)
	prefix := map[Action]string{Create: "+", Delete: "-", Update: "!", Replace: "!", Adopt: "!"}[c.Action]
	if c.Refused != "" {
		prefix = "!"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", prefix, header)
	for _, d := range details {
		fmt.Fprintf(&b, "      %s\n", d)
	}
	return b.String()
}

// countActions counts changes by action, refused ones apart:
// "300 create, 12 update, 1 refused".
func countActions(changes []*Change) string {
	counts := map[string]int{}
	refused := 0
	for _, c := range changes {
		if c.Refused != "" {
			refused++
			continue
		}
		counts[c.Action.String()]++
	}
	var parts []string
	for _, a := range []Action{Create, Update, Replace, Delete, Adopt} {
		if n := counts[a.String()]; n > 0 {
			name := a.String()
			if a == Replace {
				name = "replace"
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, name))
		}
	}
	if refused > 0 {
		parts = append(parts, fmt.Sprintf("%d refused", refused))
	}
	return strings.Join(parts, ", ")
}

// fairShares divides room among needs: an equal share each, what a small
// need leaves going to the larger ones.
func fairShares(need []int, room int) []int {
	shares := make([]int, len(need))
	order := make([]int, len(need))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return need[order[a]] < need[order[b]] })
	for k, i := range order {
		if room <= 0 {
			break
		}
		share := room / (len(order) - k)
		shares[i] = min(need[i], share)
		room -= shares[i]
	}
	return shares
}

// refusalsSection is the caution block listing every refusal with what
// would allow it; bounded by mdRefusalsBudget.
func refusalsSection(p *Plan, budget int) string {
	if !p.Refused() {
		return ""
	}
	var items []string
	for _, r := range p.Errors {
		item := "**" + r.Summary + "**"
		if r.Address != "" {
			item = fmt.Sprintf("`%s`: %s", r.Address, item)
		}
		if r.Detail != "" {
			item += ": " + r.Detail
		}
		if hint := allowHint(&r, "`"); hint != "" {
			item += " — " + hint
		}
		items = append(items, item)
	}
	refusalOf := p.refusals()
	for _, c := range p.Changes {
		if c.Refused != "" && refusalOf(c) == nil {
			items = append(items, fmt.Sprintf("`%s`: **Refused** (%s)", c.Address, c.Refused))
		}
	}
	return boundedList(items, "refusals", "> [!CAUTION]\n> **This plan is refused: it cannot be applied.**\n", "> ", budget)
}

// alerts are what a reviewer must not miss: replaces, deletes, where
// latest moves, and the plan's warnings.
func alerts(p *Plan) []string {
	var out []string
	for _, c := range p.Changes {
		switch {
		case c.Refused != "":
			// Listed with the refusals.
		case c.Action == Replace && c.Reason == ReasonCannotUpdate:
			out = append(out, fmt.Sprintf("`%s` is **replaced** (forced by %s)", c.Address, strings.Join(c.ForcedBy, ", ")))
		case c.Action == Delete && c.Kind != KindShare && c.Reason == ReasonNoConfig:
			out = append(out, fmt.Sprintf("`%s` is **deleted**", c.Address))
		}
	}
	for _, l := range p.Latest {
		out = append(out, fmt.Sprintf("`latest` of `%s` moves from %s to %s", l.Image, orDefault(l.Before, "(none)"), orDefault(l.After, "(none)")))
	}
	return append(out, p.Warnings.Messages()...)
}

// boundedList renders items as a list under head, each clipped to
// mdLineMax, as many as fit in budget; the rest are counted.
func boundedList(items []string, what, head, prefix string, budget int) string {
	if len(items) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(head)
	more := fmt.Sprintf("%s- … and %d more %s: see the job log or the JSON plan\n", prefix, len(items), what)
	for i, item := range items {
		line := prefix + "- " + clip(item, mdLineMax) + "\n"
		if b.Len()+len(line)+len(more)+1 > budget {
			fmt.Fprintf(&b, "%s- … and %d more %s: see the job log or the JSON plan\n", prefix, len(items)-i, what)
			break
		}
		b.WriteString(line)
	}
	b.WriteString("\n")
	return b.String()
}

// galleryList names galleries with their counts, as many as fit in budget,
// for a plan with too many galleries to give each a section.
func galleryList(galleries []string, byGallery map[string][]*Change, budget int) string {
	items := make([]string, len(galleries))
	for i, g := range galleries {
		cs := byGallery[g]
		items[i] = fmt.Sprintf("`gallery/%s`: %d %s (%s)", g, len(cs), pluralize(len(cs), "change", "changes"), countActions(cs))
	}
	return boundedList(items, "galleries", "Changes by gallery (too many galleries to show their changes; see the job log or the JSON plan):\n\n", "", budget)
}

func unmanagedSection(p *Plan, budget int) string {
	if len(p.Unmanaged) == 0 || budget <= 0 {
		return ""
	}
	items := make([]string, len(p.Unmanaged))
	for i, u := range p.Unmanaged {
		items[i] = fmt.Sprintf("`%s`: %s", u.Address, u.Reason)
	}
	head := fmt.Sprintf("<details><summary>%d unmanaged %s (never touched)</summary>\n\n", len(p.Unmanaged), pluralize(len(p.Unmanaged), "resource", "resources"))
	const foot = "</details>\n"
	return boundedList(items, "unmanaged resources", head, "", budget-len(foot)) + foot
}

// clip shortens s to at most n bytes, on a character boundary, marking the
// cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// replicationTable is a compact versions × regions table of the versions
// the plan creates, changes, replaces or deletes: per region the replica
// count and storage after the plan, marked + added, - removed, → changed.
// At most mdRegionsMax region columns, and as many rows as fit in budget;
// the rest are counted. "" when the plan touches no version.
func replicationTable(p *Plan, budget int) string {
	var versions []*Change
	regions := map[string]bool{}
	for _, c := range p.Changes {
		if c.Kind != KindVersion {
			continue
		}
		versions = append(versions, c)
		for _, v := range []model.Resource{c.Before, c.After} {
			if iv, ok := v.(*model.ImageVersion); ok {
				for r := range iv.Regions {
					regions[r] = true
				}
			}
		}
	}
	if len(versions) == 0 || budget < mdFloor {
		return ""
	}
	cols := make([]string, 0, len(regions))
	for r := range regions {
		cols = append(cols, r)
	}
	sort.Strings(cols)
	hidden := 0
	if len(cols) > mdRegionsMax {
		hidden, cols = len(cols)-mdRegionsMax, cols[:mdRegionsMax]
	}
	latest := map[string]bool{}
	for _, l := range p.Latest {
		latest[string(l.Image)+"/version/"+l.After] = true
	}
	var head strings.Builder
	fmt.Fprintf(&head, "<details><summary>Replication of the %d %s this plan touches</summary>\n\n", len(versions), pluralize(len(versions), "version", "versions"))
	head.WriteString("| version |")
	for _, r := range cols {
		head.WriteString(" " + r + " |")
	}
	head.WriteString("\n|---|" + strings.Repeat("---|", len(cols)) + "\n")
	legend := "\nReplicas and storage after the plan: `+` added, `-` removed, `→` changed; ★ becomes `latest`."
	if hidden > 0 {
		legend += fmt.Sprintf(" %d more %s not shown.", hidden, pluralize(hidden, "region", "regions"))
	}
	const foot = "\n\n</details>\n\n"
	more := func(n int) string {
		return fmt.Sprintf("| … and %d more %s |%s\n", n, pluralize(n, "version", "versions"), strings.Repeat(" |", len(cols)))
	}
	var b strings.Builder
	b.WriteString(head.String())
	for i, c := range versions {
		row := replicationRow(c, cols, latest[string(c.Address)])
		if b.Len()+len(row)+len(more(len(versions)))+len(legend)+len(foot) > budget {
			b.WriteString(more(len(versions) - i))
			break
		}
		b.WriteString(row)
	}
	b.WriteString(legend + foot)
	return b.String()
}

// replicationRow is one version's row of the replication table.
func replicationRow(c *Change, cols []string, becomesLatest bool) string {
	before, _ := c.Before.(*model.ImageVersion)
	after, _ := c.After.(*model.ImageVersion)
	if c.Action == Delete {
		after = nil
	}
	if c.Action == Create || c.Action == Replace {
		before = nil
	}
	name := fmt.Sprintf("%s `%s/%s` %s", c.Action.Symbol(), mdCell(clip(c.Gallery, 80)), mdCell(clip(c.Image, 80)), mdCell(c.Version))
	if becomesLatest {
		name += " ★"
	}
	if c.Refused != "" {
		name += " (refused)"
	}
	var b strings.Builder
	b.WriteString("| " + name + " |")
	for _, r := range cols {
		var was, will *model.TargetRegion
		if before != nil {
			if tr, ok := before.Regions[r]; ok {
				was = &tr
			}
		}
		if after != nil {
			if tr, ok := after.Regions[r]; ok {
				will = &tr
			}
		}
		cell := ""
		switch {
		case was == nil && will == nil:
		case was == nil:
			cell = fmt.Sprintf("+%d %s", will.Replicas, shortStorage(will.Storage))
		case will == nil:
			cell = fmt.Sprintf("-%d %s", was.Replicas, shortStorage(was.Storage))
		case was.Storage != will.Storage:
			cell = fmt.Sprintf("%d %s → %d %s", was.Replicas, shortStorage(was.Storage), will.Replicas, shortStorage(will.Storage))
		case was.Replicas != will.Replicas:
			cell = fmt.Sprintf("%d → %d %s", was.Replicas, will.Replicas, shortStorage(will.Storage))
		default:
			cell = fmt.Sprintf("%d %s", will.Replicas, shortStorage(will.Storage))
		}
		b.WriteString(" " + cell + " |")
	}
	return b.String() + "\n"
}

// shortStorage abbreviates a storage account type for the table:
// Standard_LRS → LRS, Premium_LRS → Premium LRS.
func shortStorage(s string) string {
	s = strings.TrimPrefix(s, "Standard_")
	return strings.ReplaceAll(s, "_", " ")
}

// mdCell keeps a value from breaking a table cell or a code span.
func mdCell(s string) string {
	return strings.NewReplacer("|", "\\|", "`", "'", "\n", " ").Replace(s)
}
